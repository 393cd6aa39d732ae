/** Test doubles: a scripted HttpClient and a hand-driven Clock (shared by the auth, LRO and polling tests). */
import type { Clock } from '../src/base/clock.js'
import type { CommonSettings } from '../src/base/settings.js'
import type { HttpClient, HttpRequest, HttpResponse } from '../src/base/http-types.js'

export type Reply = Partial<HttpResponse> | Error
export type Responder = (request: HttpRequest) => Reply | Promise<Reply>

/** Records every request and answers from a script, in order; an unscripted request fails the test. */
export class FakeHttp implements HttpClient {
  readonly requests: HttpRequest[] = []
  private readonly script: Responder[] = []

  /** Queues answers (a fixed reply, an Error to reject with, or a function of the request). */
  reply(...replies: Array<Reply | Responder>): this {
    for (const r of replies) this.script.push(typeof r === 'function' ? r : () => r)
    return this
  }

  async send(request: HttpRequest): Promise<HttpResponse> {
    this.requests.push(request)
    const next = this.script.shift()
    if (!next) throw new Error(`FakeHttp: unexpected request ${request.method} ${request.url}`)
    const reply = await next(request)
    if (reply instanceof Error) throw reply
    return { status: 200, headers: {}, body: '', ...reply }
  }

  /** The form fields of request `i`, decoded. */
  form(i = this.requests.length - 1): Record<string, string> {
    const body = this.requests[i]?.body
    if (typeof body !== 'string') throw new Error(`FakeHttp: request ${i} has no string body`)
    return Object.fromEntries(new URLSearchParams(body))
  }
}

/** Where every FakeClock starts. */
export const START = Date.UTC(2025, 0, 1)

export class FakeClock implements Clock {
  constructor(public time = START) {}
  now(): number {
    return this.time
  }
  advance(ms: number): void {
    this.time += ms
  }
  async sleep(ms: number): Promise<void> {
    this.time += ms
  }
  random(): number {
    return 0.5
  }
}

/** A token endpoint's success answer. */
export function tokenReply(accessToken: string, fields: Record<string, unknown> = { expires_in: 3600 }): Reply {
  return {
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token_type: 'Bearer', access_token: accessToken, ...fields })
  }
}

/** An Entra error answer, shaped like the real ones (description with Trace/Correlation/Timestamp lines). */
export function entraReply(status: number, code: number, sentence: string, error = 'invalid_client'): Reply {
  const description =
    `AADSTS${code}: ${sentence}\r\nTrace ID: 0f2a-trace\r\nCorrelation ID: 9c1b-corr\r\n` +
    'Timestamp: 2025-01-01 00:00:00Z'
  return {
    status,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      error,
      error_description: description,
      error_codes: [code],
      timestamp: '2025-01-01 00:00:00Z',
      trace_id: '0f2a-trace',
      correlation_id: '9c1b-corr'
    })
  }
}

/** An unsigned JWT with `claims` (enough for code that only reads claims). */
export function fakeJwt(claims: Record<string, unknown>): string {
  const part = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url')
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.c2lnbmF0dXJl`
}

/** A promise with its resolve exposed, to hold a reply until the test releases it. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void
  const promise = new Promise<T>(r => (resolve = r))
  return { promise, resolve }
}

/**
 * Common settings for the public cloud as the action reads them with its defaults (timeout 10 minutes), with
 * `overrides` on top: the one copy the unit tests and bench entries start from.
 */
export function testSettings(overrides: Partial<CommonSettings> = {}): CommonSettings {
  return {
    endpoints: {
      armEndpoint: 'https://management.azure.com/',
      authorityHost: 'https://login.microsoftonline.com/',
      audience: 'api://AzureADTokenExchange',
      portalHost: 'https://ml.azure.com',
      amlResource: 'https://ml.azure.com'
    },
    apiVersion: '2019-11-01',
    v2ApiVersion: '2024-04-01',
    dryRun: false,
    wait: true,
    timeoutMinutes: 10,
    ...overrides
  }
}

/** A seeded pseudo-random source in [0, 1) (mulberry32): simulations that vary yet repeat run for run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A FakeClock whose jitter comes from `random` (the bench's simulations use `seededRandom`). */
export class SeededClock extends FakeClock {
  constructor(override readonly random: () => number) {
    super()
  }
}
