/**
 * The HTTP client every operation uses: authentication, retries and throttling (retry.ts), redirects that never carry
 * a credential to another origin (redirect.ts), Azure errors as one line (azure-error.ts), redacted debug logs
 * (redact.ts) and dry-run as curl (curl.ts).
 */
import { randomUUID } from 'node:crypto'
import { STATUS_CODES } from 'node:http'
import * as core from '@actions/core'
import type { TokenProvider } from '../base/auth-types.js'
import type { Clock } from '../base/clock.js'
import { TimeoutError } from '../base/errors.js'
import { isExpiredTokenChallenge, requestIdOf, toAzureRequestError } from './azure-error.js'
import { bodySize, prepareBody, type PreparedBody } from './body.js'
import { toCurl } from './curl.js'
import { HttpNetworkError } from './errors.js'
import {
  formEncoded,
  headerValueProblem,
  isSecretHeaderName,
  maskKnownSecrets,
  oneLine,
  printableUrl,
  redactHeaders
} from './redact.js'
import {
  asErrorLike,
  DEFAULT_MAX_ATTEMPTS,
  describeError,
  formatDuration,
  isIdempotentByDefault,
  LONG_WAIT_MS,
  nextDelay,
  retryAfterHeaderText,
  type AttemptOutcome
} from './retry.js'
import { assertCredentialTransport, parseRequestUrl } from './transport-security.js'
import { sendAttempt, type WireResponse } from './transport.js'
import type { HttpClient, HttpRequest, HttpResponse, RequestAuth } from '../base/http-types.js'

export { parseJson, sendJson, ResponseFormatError } from './json.js'

/** Azure SDKs' default per-attempt timeout. */
export const DEFAULT_TIMEOUT_MS = 100_000

export interface HttpLog {
  debug(message: string): void
  info(message: string): void
}

export interface HttpClientOptions {
  tokens: TokenProvider
  clock: Clock
  /** `User-Agent` of every request: the action's name and version. */
  userAgent: string
  /** Epoch ms: no attempt starts, and no retry wait ends, after this. */
  deadline?: number
  /** Attempts per request, the first included (default 8). */
  maxAttempts?: number
  /** Print each request as curl; send only read-only ones. */
  dryRun?: boolean
  /** Where debug lines and dry-run commands go (default: core.debug / core.info). */
  log?: HttpLog
  /** Registers a value with the runner's log masking (default: core.setSecret). Injected by tests to observe it. */
  mask?: (secret: string) => void
}

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const log = options.log ?? { debug: (m: string) => core.debug(m), info: (m: string) => core.info(m) }
  const mask = options.mask ?? ((secret: string) => core.setSecret(secret))
  const maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS)
  const { clock, deadline } = options
  const masked = new Set<string>()

  /** Masks each secret now, in raw and form-encoded form (the runner itself covers the URI and JSON forms). */
  const registerSecrets = (secrets: readonly string[]): void => {
    for (const secret of secrets) {
      for (const form of [secret, formEncoded(secret)]) {
        if (form && !masked.has(form)) {
          masked.add(form)
          mask(form)
        }
      }
    }
  }

  /** One debug line; line breaks are flattened so no text inside can begin a line (a workflow command). */
  const debug = (line: string): void => log.debug(line.replace(/[\r\n\u2028\u2029]+/g, ' '))

  async function authorization(
    auth: RequestAuth,
    knownSecrets: string[],
    forceRefresh = false
  ): Promise<Record<string, string>> {
    switch (auth.kind) {
      case 'none':
        return {}
      case 'bearer':
        return { Authorization: /^bearer\s/i.test(auth.value) ? auth.value : `Bearer ${auth.value}` }
      case 'token': {
        const token = forceRefresh
          ? await options.tokens.getToken(auth.resource, { forceRefresh: true })
          : await options.tokens.getToken(auth.resource)
        registerSecrets([token.token])
        knownSecrets.push(token.token)
        return { Authorization: `Bearer ${token.token}` }
      }
    }
  }

  async function send(request: HttpRequest): Promise<HttpResponse> {
    const { method } = request
    const url = parseRequestUrl(request.url)
    const knownSecrets = [...(request.secrets ?? []), ...(request.auth.kind === 'bearer' ? [request.auth.value] : [])]
    registerSecrets(knownSecrets)

    const callerHeaders = request.headers ?? {}
    const carriesCredential = request.auth.kind !== 'none' || Object.keys(callerHeaders).some(isSecretHeaderName)
    assertCredentialTransport(url, carriesCredential)

    const idempotent = request.idempotent ?? isIdempotentByDefault(method)
    const attempts = Math.max(1, Math.min(maxAttempts, request.retry?.maxAttempts ?? maxAttempts))
    const readOnly = request.readOnly ?? (method === 'GET' || method === 'HEAD')
    const prepared = prepareBody(request.body)
    const headers = baseHeaders(options.userAgent, callerHeaders, prepared.impliedContentType)
    // Known secrets masked too: a key can sit in a path segment or under a query name no rule knows.
    const target = `${method} ${printableUrl(url, knownSecrets)}`

    if (options.dryRun) {
      const shown = request.auth.kind === 'none' ? headers : { ...headers, Authorization: 'Bearer ***' }
      const note = readOnly ? '# dry-run: read-only, sent' : '# dry-run: not sent (it would change the service)'
      log.info(`${note}\n${toCurl(request, redactHeaders(shown))}`)
      if (!readOnly) return { status: 0, headers: {}, body: '', dryRun: true }
    }

    let auth = await authorization(request.auth, knownSecrets)
    assertSendableHeaders({ ...headers, ...auth }, target)
    debug(`HTTP ${target} request headers: ${JSON.stringify(redactHeaders({ ...headers, ...auth }))}`)
    let refreshedToken = false
    let lastFailure: Error | undefined

    for (let attempt = 1; ; attempt++) {
      const remaining = deadline === undefined ? Infinity : deadline - clock.now()
      if (remaining <= 0) {
        const last = lastFailure ? `; last error: ${lastFailure.message}` : ''
        throw withCause(
          new TimeoutError(`${target}: the deadline passed before attempt ${attempt} could start${last}`),
          lastFailure
        )
      }
      const started = Date.now()
      let response: WireResponse | undefined
      let outcome: AttemptOutcome
      try {
        response = await sendAttempt(
          {
            method,
            url,
            headers: { ...headers, ...auth },
            body: prepared.body,
            timeoutMs: Math.min(request.timeoutMs ?? DEFAULT_TIMEOUT_MS, remaining),
            userAgent: options.userAgent
          },
          event =>
            debug(
              `HTTP ${event.status} redirect ${printableUrl(event.from, knownSecrets)} -> ${event.method} ` +
                printableUrl(event.to, knownSecrets) +
                (event.droppedCredentials ? ' (another origin: credentials dropped)' : '')
            )
        )
        outcome = { status: response.status, headers: response.headers }
      } catch (err) {
        outcome = { error: err }
      }
      debug(attemptLine(target, attempt, attempts, Date.now() - started, prepared.body, response, outcome))

      if (response) {
        const status = response.status
        if ((status >= 200 && status < 300) || request.acceptStatus?.includes(status)) {
          return { status, headers: response.headers, body: response.body.toString('utf8'), url: response.url.href }
        }
        const bodyText = response.body.toString('utf8')
        if (
          request.auth.kind === 'token' &&
          !refreshedToken &&
          isExpiredTokenChallenge(status, response.headers, bodyText)
        ) {
          refreshedToken = true
          debug(`HTTP ${target}: the token has expired (401); refreshing it once and retrying now`)
          auth = await authorization(request.auth, knownSecrets, true)
          assertSendableHeaders(auth, target)
          continue
        }
        lastFailure = toAzureRequestError({
          method,
          url: url.href,
          status,
          statusText: response.statusText,
          headers: response.headers,
          body: bodyText,
          secrets: knownSecrets
        })
      } else {
        lastFailure = networkFailure(target, attempt, (outcome as { error: unknown }).error, knownSecrets)
      }

      const decision = nextDelay({
        attempt,
        maxAttempts: attempts,
        method,
        idempotent,
        outcome,
        now: clock.now(),
        deadline,
        random: clock.random(),
        statuses: request.retry?.statuses
      })
      if (!decision.retry) {
        debug(`HTTP ${target}: not retried: ${decision.reason}`)
        if (decision.deadlineExceeded) {
          throw withCause(new TimeoutError(`${lastFailure.message}; gave up: ${decision.reason}`), lastFailure)
        }
        throw lastFailure
      }
      if (decision.delayMs > LONG_WAIT_MS) {
        // A long silent sleep looks like a hang: say why, how long and when the step resumes, where the user sees it.
        log.info(longWaitLine(target, response, decision.delayMs, clock.now(), attempt + 1, attempts))
      }
      debug(
        `HTTP ${target}: attempt ${attempt + 1}/${attempts} in ${formatDuration(decision.delayMs)}: ${decision.reason}`
      )
      await clock.sleep(decision.delayMs)
    }
  }

  return { send }
}

/**
 * Throws, before anything is sent, when a header value holds a line break or another character HTTP cannot carry:
 * otherwise Node fails the request with `ERR_INVALID_CHAR`, naming neither where the value came from nor the fix. The
 * value is never quoted (it is usually a credential). Inputs are checked earlier, by name (action/input-readers.ts).
 */
function assertSendableHeaders(headers: Record<string, string>, target: string): void {
  for (const [name, value] of Object.entries(headers)) {
    const problem = headerValueProblem(value)
    if (!problem) continue
    const what = isSecretHeaderName(name) ? `the credential in the ${name} header` : `the ${name} header`
    throw new Error(`${target}: not sent: ${what} contains ${problem}, which an HTTP header cannot carry`)
  }
}

/**
 * The info line for a wait over LONG_WAIT_MS: `Waiting 20 min before attempt 2/8 of GET <url>: Azure is throttling
 * requests (429 Too Many Requests, Retry-After: 1200); resuming at 2025-01-01T00:20:00.000Z.` `now` is epoch ms.
 */
function longWaitLine(
  target: string,
  response: WireResponse | undefined,
  delayMs: number,
  now: number,
  nextAttempt: number,
  attempts: number
): string {
  let why: string
  if (!response) {
    why = 'the connection failed; backing off'
  } else {
    const reason = oneLine(response.statusText || STATUS_CODES[response.status] || '', 60)
    const status = `${response.status} ${reason}`.trim()
    const header = retryAfterHeaderText(response.headers)
    const said = header ? `${status}, ${header}` : status
    why =
      response.status === 429
        ? `Azure is throttling requests (${said})`
        : `the service answered ${said}${header ? ' and asked to wait' : '; backing off'}`
  }
  return (
    `Waiting ${formatDuration(delayMs)} before attempt ${nextAttempt}/${attempts} of ${target}: ${why}; ` +
    `resuming at ${new Date(now + delayMs).toISOString()}.`
  )
}

/** The headers every request carries; the caller's own headers win (matched case-insensitively). */
function baseHeaders(
  userAgent: string,
  callerHeaders: Record<string, string>,
  impliedContentType: string | undefined
): Record<string, string> {
  const headers: Record<string, string> = {
    'User-Agent': userAgent,
    Accept: 'application/json',
    // One id per logical request, the same on every retry: support can find all attempts with it.
    'x-ms-client-request-id': randomUUID()
  }
  const has = (name: string): string | undefined =>
    Object.keys(headers).find(key => key.toLowerCase() === name.toLowerCase())
  for (const [name, value] of Object.entries(callerHeaders)) {
    const existing = has(name)
    if (existing) delete headers[existing]
    headers[name] = value
  }
  if (impliedContentType && !has('content-type')) headers['Content-Type'] = impliedContentType
  return headers
}

/** `HTTP GET <url> -> 200 OK in 35 ms (attempt 1/8, x-ms-request-id: …, request body: [..], response body: [..])` */
function attemptLine(
  target: string,
  attempt: number,
  maxAttempts: number,
  elapsedMs: number,
  body: PreparedBody,
  response: WireResponse | undefined,
  outcome: AttemptOutcome
): string {
  const details = [`attempt ${attempt}/${maxAttempts}`]
  const result = response
    ? `${response.status} ${oneLine(response.statusText, 100)}`.trim()
    : `error ${oneLine(describeError((outcome as { error: unknown }).error), 300)}`
  if (response) {
    const id = requestIdOf(response.headers)
    if (id) details.push(`${id.name}: ${id.value}`)
  }
  if (body.kind !== 'none') {
    const size = bodySize(body)
    details.push(`request body: [${size === undefined ? 'streamed, size unknown' : `${size} bytes`} redacted]`)
  }
  if (response) {
    details.push(`response body: [${response.body.length} bytes redacted]`)
    details.push(`response headers: ${JSON.stringify(redactHeaders(response.headers))}`)
  }
  return `HTTP ${target} -> ${result} in ${formatDuration(elapsedMs)} (${details.join(', ')})`
}

function networkFailure(target: string, attempt: number, err: unknown, secrets: readonly string[]): HttpNetworkError {
  const after = attempt > 1 ? ` (after ${attempt} attempts)` : ''
  const message = maskKnownSecrets(`${target} failed: ${oneLine(describeError(err), 300)}${after}`, secrets)
  return new HttpNetworkError(message, asErrorLike(err)?.code, { cause: err })
}

function withCause<E extends Error>(error: E, cause: unknown): E {
  if (cause !== undefined) error.cause = cause
  return error
}
