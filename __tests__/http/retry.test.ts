import { describe, expect, it } from '@jest/globals'
import { MAX_TIMER_MS } from '../../src/base/clock.js'
import {
  formatDuration,
  AttemptTimeoutError,
  backoffDelay,
  isRetryableNetworkError,
  isRetryableStatus,
  nextDelay,
  parseRetryAfter,
  type RetryInput
} from '../../src/http/retry.js'

const NOW = Date.parse('2030-01-01T00:00:00Z')

function codeError(code: string, message = code): Error {
  return Object.assign(new Error(message), { code })
}

function input(overrides: Partial<RetryInput>): RetryInput {
  return {
    attempt: 1,
    maxAttempts: 8,
    method: 'GET',
    idempotent: true,
    outcome: { status: 503, headers: {} },
    now: NOW,
    random: 0.5,
    ...overrides
  }
}

describe('isRetryableStatus', () => {
  it.each([408, 429, 500, 502, 503, 504])('retries %i', status => {
    expect(isRetryableStatus(status)).toBe(true)
  })
  it.each([200, 301, 400, 401, 403, 404, 409, 412, 501, 505])('does not retry %i', status => {
    expect(isRetryableStatus(status)).toBe(false)
  })
})

describe('isRetryableNetworkError', () => {
  it.each(['ECONNRESET', 'ETIMEDOUT', 'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE'])('retries %s', code => {
    expect(isRetryableNetworkError(codeError(code))).toBe(true)
  })
  it('retries a socket hang up, a per-attempt timeout and a wrapped cause', () => {
    expect(isRetryableNetworkError(new Error('socket hang up'))).toBe(true)
    expect(isRetryableNetworkError(new AttemptTimeoutError(100))).toBe(true)
    expect(isRetryableNetworkError(new Error('fetch failed', { cause: codeError('ECONNRESET') }))).toBe(true)
  })
  it('does not retry local or programming errors', () => {
    expect(isRetryableNetworkError(codeError('ENOENT'))).toBe(false)
    expect(isRetryableNetworkError(codeError('CERT_HAS_EXPIRED'))).toBe(false)
    expect(isRetryableNetworkError(new TypeError('x is undefined'))).toBe(false)
    expect(isRetryableNetworkError('ECONNRESET')).toBe(false)
  })
})

describe('parseRetryAfter', () => {
  it('reads retry-after-ms and x-ms-retry-after-ms as milliseconds', () => {
    expect(parseRetryAfter({ 'retry-after-ms': '1500' }, NOW)).toBe(1500)
    expect(parseRetryAfter({ 'x-ms-retry-after-ms': '250' }, NOW)).toBe(250)
  })
  it('reads Retry-After as delta seconds, case-insensitively', () => {
    expect(parseRetryAfter({ 'Retry-After': '7' }, NOW)).toBe(7000)
    expect(parseRetryAfter({ 'retry-after': '0' }, NOW)).toBe(0)
    expect(parseRetryAfter({ 'retry-after': '1.5' }, NOW)).toBe(1500)
  })
  it('reads Retry-After as an HTTP date relative to now (a past date means now)', () => {
    expect(parseRetryAfter({ 'retry-after': new Date(NOW + 42_000).toUTCString() }, NOW)).toBe(42_000)
    expect(parseRetryAfter({ 'retry-after': new Date(NOW - 42_000).toUTCString() }, NOW)).toBe(0)
  })
  it('takes the longest ask when several headers are present', () => {
    expect(parseRetryAfter({ 'retry-after-ms': '500', 'retry-after': '3' }, NOW)).toBe(3000)
  })
  it('ignores absent, negative and malformed values', () => {
    expect(parseRetryAfter({}, NOW)).toBeUndefined()
    expect(parseRetryAfter({ 'retry-after': '-5' }, NOW)).toBeUndefined()
    expect(parseRetryAfter({ 'retry-after': 'soon' }, NOW)).toBeUndefined()
    expect(parseRetryAfter({ 'retry-after-ms': '1e3' }, NOW)).toBeUndefined()
  })
})

describe('backoffDelay', () => {
  it('full jitter spans [0, base * 2^(attempt-1))', () => {
    expect(backoffDelay(1, 0)).toBe(0)
    expect(backoffDelay(1, 0.999)).toBe(999)
    expect(backoffDelay(3, 0.5)).toBe(2000)
    expect(backoffDelay(4, 0.999)).toBeLessThan(8000)
  })
  it('equal jitter waits at least half the step', () => {
    expect(backoffDelay(1, 0, 'equal')).toBe(500)
    expect(backoffDelay(3, 0, 'equal')).toBe(2000)
    expect(backoffDelay(3, 0.999, 'equal')).toBeLessThan(4000)
  })
  it('is capped at 60 s however many attempts failed', () => {
    expect(backoffDelay(7, 0.999)).toBeLessThan(60_000)
    expect(backoffDelay(7, 0.999)).toBeGreaterThan(59_000)
    expect(backoffDelay(50, 0.999)).toBeLessThanOrEqual(60_000)
    expect(backoffDelay(1000, 0.999, 'equal')).toBeLessThanOrEqual(60_000)
  })
})

describe('nextDelay', () => {
  it('never waits less than the server asked, whatever the jitter', () => {
    for (const random of [0, 0.25, 0.5, 0.999]) {
      for (const attempt of [1, 2, 5]) {
        const decision = nextDelay(
          input({ attempt, random, outcome: { status: 503, headers: { 'retry-after': '10' } } })
        )
        expect(decision.retry).toBe(true)
        if (decision.retry) expect(decision.delayMs).toBeGreaterThanOrEqual(10_000)
      }
    }
    const ms = nextDelay(input({ random: 0, outcome: { status: 429, headers: { 'x-ms-retry-after-ms': '1234' } } }))
    expect(ms).toMatchObject({ retry: true, delayMs: 1234 })
  })
  it('backs off on a 429 without a header (at least half a step)', () => {
    const decision = nextDelay(input({ random: 0, outcome: { status: 429, headers: {} } }))
    expect(decision).toMatchObject({ retry: true, delayMs: 500 })
    expect(nextDelay(input({ attempt: 3, random: 0, outcome: { status: 429, headers: {} } }))).toMatchObject({
      retry: true,
      delayMs: 2000
    })
  })
  it('says why it waits', () => {
    const asked = nextDelay(input({ random: 0, outcome: { status: 503, headers: { 'retry-after': '4' } } }))
    expect(asked).toMatchObject({ retry: true, reason: 'status 503; the server asked for 4 s' })
  })
  it.each([400, 401, 403, 404, 409, 501, 505])('does not retry status %i', status => {
    expect(nextDelay(input({ outcome: { status, headers: {} } }))).toMatchObject({
      retry: false,
      deadlineExceeded: false
    })
  })
  it('does not repeat a non-idempotent POST after it may have reached the server', () => {
    const post = { method: 'POST' as const, idempotent: false }
    expect(nextDelay(input({ ...post, outcome: { status: 503, headers: {} } }))).toMatchObject({ retry: false })
    expect(nextDelay(input({ ...post, outcome: { error: codeError('ECONNRESET') } }))).toMatchObject({ retry: false })
    // a refused connection never reached the server: safe to try again
    expect(nextDelay(input({ ...post, outcome: { error: codeError('ECONNREFUSED') } }))).toMatchObject({ retry: true })
  })
  it('retries an idempotent POST', () => {
    const decision = nextDelay(input({ method: 'POST', idempotent: true, outcome: { status: 503, headers: {} } }))
    expect(decision.retry).toBe(true)
  })
  it('retries only the listed statuses when the request narrows them', () => {
    const statuses = [503, 504]
    expect(nextDelay(input({ statuses, outcome: { status: 503, headers: {} } })).retry).toBe(true)
    expect(nextDelay(input({ statuses, outcome: { status: 429, headers: {} } }))).toMatchObject({
      retry: false,
      reason: 'status 429 is not retried for this request (only 503, 504)'
    })
    expect(nextDelay(input({ statuses: [400], outcome: { status: 400, headers: {} } })).retry).toBe(false)
    expect(nextDelay(input({ statuses, outcome: { error: codeError('ECONNRESET') } })).retry).toBe(true)
  })
  it('stops after maxAttempts', () => {
    expect(nextDelay(input({ attempt: 7 })).retry).toBe(true)
    expect(nextDelay(input({ attempt: 8 }))).toMatchObject({ retry: false, reason: 'gave up after 8 attempts' })
  })
  it('stops when the wait would end after the deadline', () => {
    const outcome = { status: 429, headers: { 'retry-after': '120' } }
    const decision = nextDelay(input({ outcome, deadline: NOW + 60_000 }))
    expect(decision).toMatchObject({ retry: false, deadlineExceeded: true })
    expect(decision.reason).toContain('would start after the deadline (1 min left)')
    expect(nextDelay(input({ outcome, deadline: NOW + 120_000 }))).toMatchObject({ retry: true, delayMs: 120_000 })
  })
  it('clamps a huge wait below the 2^31-1 ms timer limit', () => {
    const decision = nextDelay(input({ outcome: { status: 503, headers: { 'retry-after': '3000000' } } }))
    expect(decision).toMatchObject({ retry: true, delayMs: MAX_TIMER_MS })
  })
  it('retries a retryable network error with backoff', () => {
    expect(nextDelay(input({ random: 0.5, outcome: { error: codeError('ECONNRESET') } }))).toMatchObject({
      retry: true,
      delayMs: 500
    })
    expect(nextDelay(input({ outcome: { error: codeError('ENOENT') } }))).toMatchObject({ retry: false })
  })
})

describe('formatDuration', () => {
  it('rounds to whole seconds before splitting minutes, so no "60 s" appears', () => {
    expect(formatDuration(119_600)).toBe('2 min')
    expect(formatDuration(119_400)).toBe('1 min 59 s')
    expect(formatDuration(59_990)).toBe('1 min')
    expect(formatDuration(59_900)).toBe('59.9 s')
    expect(formatDuration(450)).toBe('450 ms')
  })

  it('reads a run of hours in hours and minutes (the one formatter for run and job durations too)', () => {
    expect(formatDuration(3_600_000)).toBe('1 h')
    expect(formatDuration(3_929_000)).toBe('1 h 5 min')
    expect(formatDuration(3_599_400)).toBe('59 min 59 s')
    expect(formatDuration(65_000)).toBe('1 min 5 s')
  })
})
