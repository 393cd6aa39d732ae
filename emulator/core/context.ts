/**
 * Everything a handler needs, in one object: configuration, seed, specs, state, runs, jobs, blobs (Azurite, started
 * lazily), the inference servers of online deployments, faults, tokens, keys.
 */
import type { SpecSet } from './conformance.js'
import type { FaultStore } from '../faults/faults.js'
import type { SigningKey } from '../identity/jwt.js'
import type { Blobs } from '../resources/blobs.js'
import type { InferenceServers } from '../resources/inference-server.js'
import type { JobRunner } from '../resources/job-process.js'
import type { Runner } from '../resources/run-process.js'
import type { State } from './state.js'
import type { EmulatorConfig, RecordedRequest, Reply, RequestContext, Seed } from './types.js'

export interface TokenInfo {
  clientId: string
  tenantId: string
  audience: string
  issuedAt: number
  /** When the emulator stops accepting it (ms). */
  expiresAt: number
}

export class TokenStore {
  private tokens = new Map<string, TokenInfo>()

  add(token: string, info: TokenInfo): void {
    this.tokens.set(token, info)
  }

  get(token: string): TokenInfo | undefined {
    return this.tokens.get(token)
  }

  /** Every token issued so far stops working now (admin API: a token expiring mid-run). */
  expireAll(now = Date.now()): number {
    for (const info of this.tokens.values()) info.expiresAt = Math.min(info.expiresAt, now - 1)
    return this.tokens.size
  }
}

export interface Core {
  config: EmulatorConfig
  seed: Seed
  specs: SpecSet
  state: State
  runner: Runner
  /** v2 jobs (resources/job-process.ts). */
  jobs: JobRunner
  /** Blob storage on Azurite, started on first use (resources/blobs.ts). */
  blobs: Blobs
  /** The inference servers of online deployments (resources/inference-server.ts). */
  inference: InferenceServers
  faults: FaultStore
  tokens: TokenStore
  keys: { entra: SigningKey; oidc: SigningKey }
  url: string
  apiUrl: string
  stateDir: string
  requests: RecordedRequest[]
  log: (line: string) => void
}

export type Handler = (core: Core, ctx: RequestContext) => Promise<Reply> | Reply
