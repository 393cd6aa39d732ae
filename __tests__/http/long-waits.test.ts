/**
 * Issue 13 kind 2, a long Retry-After, with an injected clock: every wait over 30 s is announced at info level (why,
 * how long, when the step resumes); a wait that would pass the deadline fails at once with the throttling message and
 * the header's value, before sleeping.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { TimeoutError } from '../../src/base/errors.js'
import { createHttpClient, type HttpClientOptions } from '../../src/http/client.js'
import { LONG_WAIT_MS, nextDelay, retryAfterHeaderText } from '../../src/http/retry.js'
import { captureLog, fakeClock, fakeTokens, json, startServer, type Handler, type TestServer } from './helpers.js'

const servers: TestServer[] = []
async function serve(handler: Handler): Promise<TestServer> {
  const server = await startServer(handler)
  servers.push(server)
  return server
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map(s => s.close()))
})

function setup(overrides: Partial<HttpClientOptions> = {}) {
  const { clock, waits, start } = fakeClock()
  const logs = captureLog()
  const client = createHttpClient({
    tokens: fakeTokens().tokens,
    clock,
    userAgent: 'test',
    log: logs.log,
    mask: () => {},
    ...overrides
  })
  return { client, waits, start, logs }
}

const THROTTLED = { error: { code: 'TooManyRequests', message: 'Rate limit exceeded.' } }

/** 429 with `headers` on the first request, 200 after. */
function throttleOnce(headers: Record<string, string>, status = 429): Handler {
  return (_req, res, _recorded, index) => (index === 0 ? json(res, status, THROTTLED, headers) : json(res, 200, {}))
}

describe('a wait over 30 s is announced at info level', () => {
  it('Retry-After: 1200 on a 429: says throttling, 20 min, the header, and the time it resumes', async () => {
    const server = await serve(throttleOnce({ 'Retry-After': '1200' }))
    const { client, waits, start, logs } = setup()
    await client.send({ method: 'GET', url: `${server.origin}/rg`, auth: { kind: 'none' } })
    expect(waits).toEqual([1_200_000])
    const info = logs.lines.filter(l => l.level === 'info').map(l => l.message)
    expect(info).toEqual([
      `Waiting 20 min before attempt 2/8 of GET ${server.origin}/rg: Azure is throttling requests ` +
        `(429 Too Many Requests, Retry-After: 1200); resuming at ${new Date(start + 1_200_000).toISOString()}.`
    ])
  })

  it('an HTTP-date Retry-After on a 503 is announced with the date as sent', async () => {
    const { clock, waits, start } = fakeClock()
    const date = new Date(start + 90_000).toUTCString()
    const server = await serve(throttleOnce({ 'Retry-After': date }, 503))
    const logs = captureLog()
    const client = createHttpClient({
      tokens: fakeTokens().tokens,
      clock,
      userAgent: 't',
      log: logs.log,
      mask: () => {}
    })
    await client.send({ method: 'GET', url: `${server.origin}/x`, auth: { kind: 'none' } })
    expect(waits).toEqual([90_000])
    const info = logs.lines.filter(l => l.level === 'info').map(l => l.message)
    expect(info).toHaveLength(1)
    expect(info[0]).toContain(`the service answered 503 Service Unavailable, Retry-After: ${date} and asked to wait`)
    expect(info[0]).toContain(`resuming at ${new Date(start + 90_000).toISOString()}`)
  })

  it('x-ms-retry-after-ms: 45000 is announced; 30 s exactly stays a debug line', async () => {
    const long = await serve(throttleOnce({ 'x-ms-retry-after-ms': '45000' }))
    const a = setup()
    await a.client.send({ method: 'GET', url: `${long.origin}/x`, auth: { kind: 'none' } })
    expect(a.logs.lines.filter(l => l.level === 'info').map(l => l.message)).toEqual([
      expect.stringMatching(/^Waiting 45 s before attempt 2\/8 of GET .*x-ms-retry-after-ms: 45000\); resuming at /)
    ])

    const edge = await serve(throttleOnce({ 'Retry-After': String(LONG_WAIT_MS / 1000) }))
    const b = setup()
    await b.client.send({ method: 'GET', url: `${edge.origin}/x`, auth: { kind: 'none' } })
    expect(b.waits).toEqual([30_000])
    expect(b.logs.lines.filter(l => l.level === 'info')).toEqual([])
    expect(b.logs.text()).toContain('debug: HTTP GET')
  })
})

describe('a wait that would pass the deadline fails at once', () => {
  it('Retry-After: 1200 with 5 min left: TimeoutError naming the 429, its message and the header; no sleep', async () => {
    const server = await serve((_req, res) => json(res, 429, THROTTLED, { 'Retry-After': '1200' }))
    const { clock, start } = fakeClock()
    const { client, waits, logs } = setup({ clock, deadline: start + 5 * 60_000 })
    const error = (await client
      .send({ method: 'GET', url: `${server.origin}/rg`, auth: { kind: 'none' } })
      .catch((e: unknown) => e)) as Error
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error.message).toContain('429 Too Many Requests: TooManyRequests: Rate limit exceeded.')
    expect(error.message).toContain('Retry-After: 1200')
    expect(error.message).toContain('would start after the deadline (5 min left)')
    expect(waits).toEqual([])
    expect(server.requests).toHaveLength(1)
    expect(logs.lines.filter(l => l.level === 'info')).toEqual([])
  })

  it('the deadline reason of nextDelay carries every wait header as sent', () => {
    const now = Date.parse('2030-01-01T00:00:00Z')
    const decision = nextDelay({
      attempt: 1,
      maxAttempts: 8,
      method: 'GET',
      idempotent: true,
      outcome: { status: 429, headers: { 'retry-after': '600', 'retry-after-ms': '600000' } },
      now,
      deadline: now + 60_000,
      random: 0.5
    })
    expect(decision).toMatchObject({ retry: false, deadlineExceeded: true })
    expect(decision.reason).toContain('Retry-After: 600, retry-after-ms: 600000')
  })
})

describe('retryAfterHeaderText', () => {
  it('shows the wait headers as sent, on one line, or nothing', () => {
    expect(retryAfterHeaderText({ 'Retry-After': '1200' })).toBe('Retry-After: 1200')
    expect(retryAfterHeaderText({ 'x-ms-retry-after-ms': '5000', other: 'x' })).toBe('x-ms-retry-after-ms: 5000')
    expect(retryAfterHeaderText({ 'retry-after': '1\r\n::error::x' })).toBe('Retry-After: 1 ::error::x')
    expect(retryAfterHeaderText({})).toBeUndefined()
  })
})
