/**
 * The retry policy, pure: which failures are retried, how long to wait, when to give up. The client supplies the clock's
 * `now` and `random`; nothing here sleeps. Rules from DESIGN.md "Reliability rules" (Azure SDK and ARM's contract).
 */
import { MAX_TIMER_MS } from '../base/clock.js'
import { oneLine } from './redact.js'
import type { HttpMethod } from '../base/http-types.js'

export const RETRY_BASE_MS = 1_000
export const RETRY_CAP_MS = 60_000
export const DEFAULT_MAX_ATTEMPTS = 8
/**
 * Waits longer than this (ms) are announced at info level (why, how long, when the step resumes), not in a debug line
 * only: a step that sits silent for minutes looks hung (issue 13, kind 2).
 */
export const LONG_WAIT_MS = 30_000

/** The headers a service uses to ask for a wait: Azure's ms headers, and HTTP's `Retry-After` (RFC 9110 §10.2.3). */
const RETRY_AFTER_HEADERS = ['retry-after', 'retry-after-ms', 'x-ms-retry-after-ms'] as const

/** Transient by definition. 501 and 505 are permanent ("not implemented", "version not supported"). */
const RETRYABLE_STATUSES = new Set([408, 429, 500, 502, 503, 504])

/** Connection-level failures worth another try. */
const RETRYABLE_ERROR_CODES = new Set([
  'ECONNRESET',
  'ETIMEDOUT',
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ECONNABORTED',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENETDOWN',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET'
])

/** Failures that happen before a single byte reaches the server, so even a non-idempotent request may be re-sent. */
const NEVER_SENT_ERROR_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN'])

const IDEMPOTENT_METHODS = new Set<HttpMethod>(['GET', 'HEAD', 'PUT', 'DELETE'])

/** One attempt took longer than its `timeoutMs`: treated like a network timeout (retryable). */
export class AttemptTimeoutError extends Error {
  readonly code = 'ETIMEDOUT'
  constructor(readonly timeoutMs: number) {
    super(`no complete response within ${formatDuration(timeoutMs)}`)
    this.name = 'AttemptTimeoutError'
  }
}

export function isIdempotentByDefault(method: HttpMethod): boolean {
  return IDEMPOTENT_METHODS.has(method)
}

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status)
}

export function isRetryableNetworkError(err: unknown): boolean {
  if (err instanceof AttemptTimeoutError) return true
  for (let current = asErrorLike(err), depth = 0; current && depth < 5; depth++) {
    if (current.code && RETRYABLE_ERROR_CODES.has(current.code)) return true
    if (/socket hang up|other side closed|premature close|^aborted$|^Request timeout:/i.test(current.message))
      return true
    current = asErrorLike(current.cause)
  }
  return false
}

/** True when the error proves the request never reached the server (nothing to duplicate). */
export function wasNeverSent(err: unknown): boolean {
  const code = asErrorLike(err)?.code
  return code !== undefined && NEVER_SENT_ERROR_CODES.has(code)
}

export interface ErrorLike {
  message: string
  code?: string
  cause?: unknown
}

/**
 * The parts of an error we read, by shape rather than `instanceof Error`: errors raised inside node's http module
 * come from another realm under jest's VM modules (and from libraries bundling their own classes), so `instanceof`
 * is not reliable.
 */
export function asErrorLike(err: unknown): ErrorLike | undefined {
  if (typeof err !== 'object' || err === null || typeof (err as { message?: unknown }).message !== 'string') {
    return undefined
  }
  const { message, code, cause } = err as { message: string; code?: unknown; cause?: unknown }
  return { message, code: typeof code === 'string' ? code : undefined, cause }
}

/** `ECONNRESET: socket hang up`, without repeating a code the message already names. */
export function describeError(err: unknown): string {
  const error = asErrorLike(err)
  if (!error) return String(err)
  return error.code && !error.message.includes(error.code) ? `${error.code}: ${error.message}` : error.message
}

/**
 * How long the server asked us to wait, in ms, or undefined when it did not say. Reads `retry-after-ms`,
 * `x-ms-retry-after-ms` (ms) and `Retry-After` (delta seconds or an HTTP date); when several are present, the longest
 * wins, so we never come back earlier than any of them asked.
 */
export function parseRetryAfter(headers: Record<string, string | undefined>, now: number): number | undefined {
  const lower: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) lower[name.toLowerCase()] = value
  const candidates: number[] = []
  for (const name of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const ms = parseNonNegativeNumber(lower[name])
    if (ms !== undefined) candidates.push(ms)
  }
  const retryAfter = lower['retry-after']?.trim()
  if (retryAfter) {
    const seconds = parseNonNegativeNumber(retryAfter)
    if (seconds !== undefined) {
      candidates.push(seconds * 1000)
    } else if (/[a-z]/i.test(retryAfter)) {
      const date = Date.parse(retryAfter)
      if (!Number.isNaN(date)) candidates.push(Math.max(0, date - now))
    }
  }
  return candidates.length > 0 ? Math.ceil(Math.max(...candidates)) : undefined
}

/**
 * The wait headers of an answer exactly as the service sent them, for messages: `Retry-After: 1200`,
 * `retry-after-ms: 5000`; undefined when there are none. Each value is cut to 100 characters and kept on one line.
 */
export function retryAfterHeaderText(headers: Record<string, string | undefined>): string | undefined {
  const lower: Record<string, string | undefined> = {}
  for (const [name, value] of Object.entries(headers)) lower[name.toLowerCase()] = value
  const shown = RETRY_AFTER_HEADERS.filter(name => lower[name]?.trim()).map(name => {
    const label = name === 'retry-after' ? 'Retry-After' : name
    const value = oneLine(lower[name] as string, 100)
    return `${label}: ${value}`
  })
  return shown.length > 0 ? shown.join(', ') : undefined
}

export type Jitter = 'full' | 'equal'

/**
 * Exponential backoff for the retry after `attempt` failed attempts (1 = first retry): the step is
 * `min(cap, base * 2^(attempt-1))`; full jitter picks uniformly in [0, step), equal jitter in [step/2, step).
 * `random` is a number in [0, 1).
 */
export function backoffDelay(
  attempt: number,
  random: number,
  jitter: Jitter = 'full',
  baseMs = RETRY_BASE_MS,
  capMs = RETRY_CAP_MS
): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 30)
  const step = Math.min(capMs, baseMs * 2 ** exponent)
  const r = Math.min(Math.max(random, 0), 1)
  return Math.floor(jitter === 'full' ? step * r : step / 2 + (step / 2) * r)
}

/** What happened on the attempt that just finished. */
export type AttemptOutcome = { status: number; headers: Record<string, string | undefined> } | { error: unknown }

export interface RetryInput {
  /** Attempts made so far, including the one that just failed (>= 1). */
  attempt: number
  maxAttempts: number
  method: HttpMethod
  /** May the request be repeated after it may have reached the server? */
  idempotent: boolean
  outcome: AttemptOutcome
  now: number
  /** Epoch ms after which nothing may be waited for or sent. */
  deadline?: number
  /** A number in [0, 1) for jitter. */
  random: number
  /** When given, only these statuses are retried (among the retryable ones); connection errors are unaffected. */
  statuses?: readonly number[]
}

export type RetryDecision =
  { retry: true; delayMs: number; reason: string } | { retry: false; reason: string; deadlineExceeded: boolean }

/**
 * Whether to retry and after how long. The wait is the larger of the server's ask and our backoff (a 429 without a
 * header gets equal jitter, so it always waits at least half a step), clamped to the timer limit, and refused when it
 * would end after the deadline.
 */
export function nextDelay(input: RetryInput): RetryDecision {
  const { outcome } = input
  const isStatus = 'status' in outcome
  const what = isStatus ? `status ${outcome.status}` : describeError(outcome.error)

  if (isStatus ? !isRetryableStatus(outcome.status) : !isRetryableNetworkError(outcome.error)) {
    return stop(`${what} is not retryable`)
  }
  if (isStatus && input.statuses && !input.statuses.includes(outcome.status)) {
    return stop(`${what} is not retried for this request (only ${input.statuses.join(', ')})`)
  }
  if (!input.idempotent && !(!isStatus && wasNeverSent(outcome.error))) {
    return stop(`${input.method} is not idempotent, so it is not repeated after ${what}`)
  }
  if (input.attempt >= input.maxAttempts) {
    return stop(`gave up after ${input.attempt} attempts`)
  }

  const asked = isStatus ? parseRetryAfter(outcome.headers, input.now) : undefined
  const throttledWithoutHint = isStatus && outcome.status === 429 && asked === undefined
  const backoff = backoffDelay(input.attempt, input.random, throttledWithoutHint ? 'equal' : 'full')
  let delayMs = Math.max(asked ?? 0, backoff)
  let reason =
    asked !== undefined && asked >= backoff
      ? `${what}; the server asked for ${formatDuration(asked)}`
      : `${what}; backoff after attempt ${input.attempt}`
  if (delayMs > MAX_TIMER_MS) {
    delayMs = MAX_TIMER_MS
    reason += ` (clamped to the ${formatDuration(MAX_TIMER_MS)} timer limit)`
  }

  if (input.deadline !== undefined && input.now + delayMs > input.deadline) {
    const left = Math.max(0, input.deadline - input.now)
    // The header as sent, so the user sees exactly what the service asked for (`Retry-After: 1200`).
    const header = isStatus && asked !== undefined ? retryAfterHeaderText(outcome.headers) : undefined
    return {
      retry: false,
      deadlineExceeded: true,
      reason:
        `the next attempt, in ${formatDuration(delayMs)} (${reason}${header ? `, ${header}` : ''}), ` +
        `would start after the deadline (${formatDuration(left)} left)`
    }
  }
  return { retry: true, delayMs, reason }
}

function stop(reason: string): RetryDecision {
  return { retry: false, reason, deadlineExceeded: false }
}

function parseNonNegativeNumber(text: string | undefined): number | undefined {
  if (text === undefined || !/^\s*\d+(\.\d+)?\s*$/.test(text)) return undefined
  return Number(text)
}

/**
 * A duration in milliseconds as people read it, for log lines, messages and the job summary (retry waits, run and job
 * durations alike: one formatter, so the same time never reads two ways): `250 ms`, `1.5 s`, `2 min 5 s`, `2 min`,
 * `1 h 5 min` (from an hour on, minutes are enough).
 */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 59_950) return `${Number((ms / 1000).toFixed(1))} s`
  // Rounded to whole seconds before splitting, so 119.6 s reads "2 min", not "1 min 60 s".
  const total = Math.round(ms / 1000)
  const minutes = Math.floor(total / 60)
  const seconds = total % 60
  if (minutes >= 60) {
    const rest = minutes % 60
    return rest ? `${Math.floor(minutes / 60)} h ${rest} min` : `${Math.floor(minutes / 60)} h`
  }
  return seconds ? `${minutes} min ${seconds} s` : `${minutes} min`
}
