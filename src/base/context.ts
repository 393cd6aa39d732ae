/**
 * What an operation runs with: handed in by main.ts (and by tests), never imported globally. The shapes live here, at
 * the floor, so every layer can name them; their implementations sit above (`http/client.ts`, `auth/tokens.ts`,
 * `action/outputs.ts`, `action/summary.ts`).
 */
import type { TokenProvider } from './auth-types.js'
import type { Clock } from './clock.js'
import type { HttpClient } from './http-types.js'

export interface Context {
  http: HttpClient
  tokens: TokenProvider
  clock: Clock
  outputs: Outputs
  report: Report
  /** Epoch ms at which `timeout-minutes` runs out. */
  deadline: number
}

/** Step outputs (implemented by `action/outputs.ts` `createOutputs`). */
export interface Outputs {
  set(name: string, value: string | number | boolean): void
  /** A secret output (an access token): masked before it is written. */
  setSecret(name: string, value: string): void
  /**
   * Sets `response` (and `responseFile`), and `count` when the body is a list (`value` array or a bare array). With
   * `text`, `body` is a string written as it is (an answer that is not JSON), not JSON-encoded.
   */
  setResponse(body: unknown, options?: { count?: boolean; text?: boolean }): void
  /** Everything set so far, for the job summary and tests. */
  readonly values: Readonly<Record<string, string>>
}

/** The job summary being built (implemented by `action/summary.ts`). */
export interface Report {
  title: string
  /** Key facts in order: [label, value]. */
  facts: [string, string][]
  /** An optional table of items (resources listed). */
  table?: { headers: string[]; rows: string[][] }
  links: { text: string; href: string }[]
}
