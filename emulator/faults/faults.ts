/**
 * Fault injection. Rules are checked in the order they were added; every matching rule counts the request (`seen`),
 * and fires while `seen > after` and `fired < times`. Of the per-request kinds, delays add up and the first firing
 * `status`/`reset`/`reset-after-body` decides the answer; scenario kinds mark the request for its handler. Emulates
 * the failures of the real services (429 + `Retry-After`, 5xx, resets, slow answers, short-lived tokens, stuck runs
 * and jobs, failed provisioning with `QuotaExceeded`, failed and slow jobs, failed and slow online deployments); no
 * spec. Rules come from `config.faults`, `emu.faults` or the admin API.
 */
import { randomUUID } from 'node:crypto'
import type { FaultKind, FaultRule, Scenario } from '../core/types.js'

const KINDS: FaultKind[] = [
  'status',
  'reset',
  'reset-after-body',
  'delay',
  'token-lifetime',
  'run-stuck',
  'provision-fail',
  'job-fail',
  'job-slow',
  'deployment-fail',
  'deployment-slow'
]

/** The error a `job-fail` fault gives a job when the rule names none. */
export const JOB_FAIL_ERROR = {
  code: 'ServiceError',
  message: 'The job failed because its compute node became unavailable (emulator fault job-fail).'
}

/**
 * The error a `deployment-fail` fault gives an online deployment when the rule names none: Azure's OutOfQuota
 * (https://aka.ms/oe-tsg#error-outofquota).
 */
export const OUT_OF_QUOTA_ERROR = {
  code: 'OutOfQuota',
  message:
    'Not enough quota available for Standard_DS3_v2 in the subscription. Current usage/limit: 0/0. Additional ' +
    'needed: 4. Please see troubleshooting guide, available here: https://aka.ms/oe-tsg#error-outofquota'
}

export const QUOTA_ERROR = (vmSize: string, location: string): { code: string; message: string } => {
  const family = vmFamily(vmSize)
  return {
    code: 'QuotaExceeded',
    message:
      `Operation could not be completed as it results in exceeding approved ${family} Cores quota. Additional ` +
      `details - Deployment Model: Resource Manager, Location: ${location}, Current Limit: 0, Current Usage: 0, ` +
      'Additional Required: 1, (Minimum) New Limit Required: 1. Submit a request for Quota increase at ' +
      'https://aka.ms/ProdportalCRP/#blade/Microsoft_Azure_Capacity/UsageAndQuota.ReactView by specifying ' +
      "parameters listed in the 'Details' section for deployment to succeed."
  }
}

/** `Standard_D2_v2` → `standardDv2Family`, `Standard_NC6` → `standardNCFamily`. */
function vmFamily(vmSize: string): string {
  const m = /^standard_([a-z]+)\d*[a-z]*(?:_(v\d+))?/i.exec(vmSize)
  if (!m) return 'standardDv2Family'
  return `standard${m[1].toUpperCase()}${m[2] ?? ''}Family`
}

export interface FaultDecision {
  delayMs: number
  /** `delay` rules with `gather`: each resolves once that many matching requests are held (the delay is the cap). */
  gates?: Promise<void>[]
  action?: FaultRule
  scenario: Scenario
}

export interface FaultRequest {
  server: 'arm' | 'api'
  method: string
  path: string
  operationId?: string
}

/** Validates and normalises a rule (from the API, the admin route or a config file). */
export function normalizeRule(input: unknown): FaultRule {
  if (typeof input !== 'object' || input === null) throw new Error('a fault rule must be an object')
  const r = { ...(input as FaultRule) }
  if (!KINDS.includes(r.kind)) throw new Error(`fault kind must be one of ${KINDS.join(', ')}, got '${String(r.kind)}'`)
  if (r.match?.path !== undefined) {
    try {
      new RegExp(r.match.path)
    } catch (e) {
      throw new Error(`fault match.path is not a regular expression: ${(e as Error).message}`)
    }
  }
  const times = r.times as unknown
  if (times === undefined) r.times = 1
  else if (times === null || times === -1 || times === 'Infinity' || times === Infinity) r.times = -1
  else if (typeof times !== 'number' || times < 0) throw new Error('fault times must be a number >= 0, or -1')
  if (r.after !== undefined && (typeof r.after !== 'number' || r.after < 0)) throw new Error('fault after must be >= 0')
  if (r.kind === 'status') {
    r.status ??= 503
    if (!Number.isInteger(r.status) || r.status < 100 || r.status > 599) throw new Error('fault status must be 100-599')
  }
  if (
    (r.kind === 'delay' || r.kind === 'job-slow' || r.kind === 'deployment-slow') &&
    (typeof r.delayMs !== 'number' || r.delayMs < 0)
  ) {
    throw new Error(`a ${r.kind} fault needs delayMs >= 0`)
  }
  if (r.gather !== undefined && (r.kind !== 'delay' || !Number.isInteger(r.gather) || r.gather < 1)) {
    throw new Error('fault gather is a whole number >= 1, for a delay fault only')
  }
  if (r.kind === 'token-lifetime' && typeof r.tokenLifetimeSeconds !== 'number') {
    throw new Error('a token-lifetime fault needs tokenLifetimeSeconds')
  }
  r.id ??= randomUUID()
  r.seen = 0
  r.fired = 0
  return r
}

export class FaultStore {
  private rules: FaultRule[] = []
  /** Requests held by a `delay` rule with `gather`, by rule id: their release functions. */
  private held = new Map<string, (() => void)[]>()

  add(rule: FaultRule): FaultRule {
    const r = normalizeRule(rule)
    this.rules.push(r)
    return r
  }

  remove(id: string): boolean {
    const before = this.rules.length
    this.rules = this.rules.filter(r => r.id !== id)
    return this.rules.length < before
  }

  clear(): void {
    this.rules = []
    for (const waiting of this.held.values()) for (const release of waiting) release()
    this.held.clear()
  }

  list(): FaultRule[] {
    return this.rules.map(r => ({ ...r, times: r.times === -1 ? -1 : r.times }))
  }

  private matches(r: FaultRule, req: FaultRequest): boolean {
    const m = r.match ?? {}
    if (m.server && m.server !== req.server) return false
    if (m.method && m.method.toUpperCase() !== req.method) return false
    if (m.operationId && m.operationId !== req.operationId) return false
    if (m.path && !new RegExp(m.path).test(req.path)) return false
    return true
  }

  evaluate(req: FaultRequest): FaultDecision {
    const decision: FaultDecision = { delayMs: 0, scenario: {} }
    for (const r of this.rules) {
      if (!this.matches(r, req)) continue
      r.seen = (r.seen ?? 0) + 1
      if (r.seen <= (r.after ?? 0)) continue
      if (r.times !== -1 && (r.fired ?? 0) >= (r.times ?? 1)) continue
      // A second status/reset rule waits its turn rather than being used up without effect.
      if ((r.kind === 'status' || r.kind === 'reset' || r.kind === 'reset-after-body') && decision.action) {
        r.seen -= 1
        continue
      }
      r.fired = (r.fired ?? 0) + 1
      switch (r.kind) {
        case 'delay':
          decision.delayMs += r.delayMs ?? 0
          if (r.gather && r.gather > 1) (decision.gates ??= []).push(this.hold(r))
          break
        case 'status':
        case 'reset':
        case 'reset-after-body':
          decision.action = r
          break
        case 'token-lifetime':
          decision.scenario.tokenLifetimeSeconds = r.tokenLifetimeSeconds
          decision.scenario.advertisedLifetimeSeconds = r.advertisedLifetimeSeconds
          break
        case 'run-stuck':
          decision.scenario.runStuckIn = r.runStatus ?? 'Running'
          break
        case 'provision-fail':
          decision.scenario.provisionFail = r.error ?? { code: 'QuotaExceeded', message: '' }
          break
        case 'job-fail':
          decision.scenario.jobFail = r.error ?? JOB_FAIL_ERROR
          break
        case 'job-slow':
          decision.scenario.jobStepMs = (decision.scenario.jobStepMs ?? 0) + (r.delayMs ?? 0)
          break
        case 'deployment-fail':
          decision.scenario.deploymentFail = r.error ?? OUT_OF_QUOTA_ERROR
          break
        case 'deployment-slow':
          decision.scenario.deploymentDelayMs = (decision.scenario.deploymentDelayMs ?? 0) + (r.delayMs ?? 0)
          break
      }
    }
    return decision
  }

  /** Holds a request of a gathering `delay` rule until `gather` of them are held, then lets them all go at once. */
  private hold(r: FaultRule): Promise<void> {
    const id = r.id as string
    return new Promise<void>(resolve => {
      const waiting = [...(this.held.get(id) ?? []), resolve]
      if (waiting.length >= (r.gather ?? 1)) {
        this.held.delete(id)
        for (const release of waiting) release()
      } else {
        this.held.set(id, waiting)
      }
    })
  }
}

/** The default body of a `status` fault, in ARM's error shape. */
export function faultBody(status: number): { error: { code: string; message: string } } {
  const known: Record<number, [string, string]> = {
    408: ['RequestTimeout', 'The request timed out.'],
    429: [
      'TooManyRequests',
      'The request is being throttled as the limit has been reached for operation type - Read_ObservationWindow_00:05:00.'
    ],
    500: ['InternalServerError', 'Encountered internal server error. Diagnostic information: emulator fault.'],
    502: ['BadGateway', 'The gateway did not receive a response from the service.'],
    503: ['ServiceUnavailable', 'The service is temporarily unavailable. Please retry later.'],
    504: ['GatewayTimeout', 'The gateway did not receive a response within the specified time period.']
  }
  const [code, message] = known[status] ?? [`Http${status}`, `Emulated fault with status ${status}.`]
  return { error: { code, message } }
}
