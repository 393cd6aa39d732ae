/**
 * The HTTP client every operation uses: authentication, retries and throttling (retry.ts), redirects that never carry
 * a credential to another origin (redirect.ts), Azure errors as one line (azure-error.ts), redacted debug logs
 * (redact.ts) and dry-run as curl (curl.ts).
 */
import { randomUUID } from 'node:crypto'
import * as core from '@actions/core'
import type { TokenProvider } from '../auth/types.js'
import type { Clock } from '../action/clock.js'
import { TimeoutError } from '../action/errors.js'
import { isExpiredTokenChallenge, requestIdOf, toAzureRequestError } from './azure-error.js'
import { bodySize, prepareBody, type PreparedBody } from './body.js'
import { toCurl } from './curl.js'
import { HttpNetworkError } from './errors.js'
import { formEncoded, isSecretHeaderName, maskKnownSecrets, oneLine, redactHeaders, redactUrl } from './redact.js'
import {
  asErrorLike,
  DEFAULT_MAX_ATTEMPTS,
  describeError,
  formatDuration,
  isIdempotentByDefault,
  nextDelay,
  type AttemptOutcome
} from './retry.js'
import { assertCredentialTransport, parseRequestUrl } from './transport-security.js'
import { sendAttempt, type WireResponse } from './transport.js'
import type { HttpClient, HttpRequest, HttpResponse, RequestAuth } from './types.js'

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
    const target = `${method} ${redactUrl(url)}`

    if (options.dryRun) {
      const shown = request.auth.kind === 'none' ? headers : { ...headers, Authorization: 'Bearer ***' }
      const note = readOnly ? '# dry-run: read-only, sent' : '# dry-run: not sent (it would change the service)'
      log.info(`${note}\n${toCurl(request, redactHeaders(shown))}`)
      if (!readOnly) return { status: 0, headers: {}, body: '', dryRun: true }
    }

    let auth = await authorization(request.auth, knownSecrets)
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
              `HTTP ${event.status} redirect ${redactUrl(event.from)} -> ${event.method} ${redactUrl(event.to)}` +
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
      debug(
        `HTTP ${target}: attempt ${attempt + 1}/${attempts} in ${formatDuration(decision.delayMs)}: ${decision.reason}`
      )
      await clock.sleep(decision.delayMs)
    }
  }

  return { send }
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
