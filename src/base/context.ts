/** What an operation runs with: handed in by main.ts (and by tests), never imported globally. */
import type { TokenProvider } from './auth-types.js'
import type { Clock } from './clock.js'
import type { HttpClient } from './http-types.js'
import type { Outputs } from '../action/outputs.js'
import type { Report } from '../action/summary.js'

export interface Context {
  http: HttpClient
  tokens: TokenProvider
  clock: Clock
  outputs: Outputs
  report: Report
  /** Epoch ms at which `timeout-minutes` runs out. */
  deadline: number
}
