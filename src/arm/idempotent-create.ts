/**
 * A create that never makes two of a thing: one module for every create whose id the action chooses (a run's `runId`
 * on startrun, a compute's or workspace's name in the PUT URL; the v2 jobs and assets next).
 *
 * After an unclear failure (no answer: a reset or a dropped connection; a per-attempt timeout; 408; a 5xx) the request
 * may have been processed, so the resource is looked up by that id before the create is sent again: if it exists, the
 * first attempt worked and it is followed. An "already exists" answer to a later attempt says the same. A clear refusal
 * (429, a connection refused before anything was sent) is sent again after the wait the service asked for. Rules from
 * DESIGN.md "Reliability rules" (the Azure SDK's retry policy; ARM's RPC on idempotent PUTs; the Azure ML startrun
 * `runId` query parameter, execution v1.0 spec).
 */
import * as core from '@actions/core'
import type { Clock } from '../base/clock.js'
import { AzureRequestError, OperationFailedError, TimeoutError } from '../base/errors.js'
import { toAzureRequestError } from '../http/azure-error.js'
import { HttpNetworkError } from '../http/errors.js'
import { DEFAULT_MAX_ATTEMPTS, formatDuration, nextDelay, wasNeverSent } from '../http/retry.js'
import type { HttpClient, HttpRequest, HttpResponse } from '../base/http-types.js'
import type { AttemptOutcome } from '../http/retry.js'

/** The statuses a create may answer without saying whether it was processed (retried after a look-up). */
const UNCLEAR_STATUSES = [408, 500, 502, 503, 504]
/** Waits at least this long (ms) are announced at info level, not only in the debug log. */
const ANNOUNCE_WAIT_MS = 30_000

export interface IdempotentCreateOptions {
  http: HttpClient
  clock: Clock
  /** Epoch ms: no attempt or wait goes past it. */
  deadline: number
  /** What is created, for log lines and messages: `run lost-answer`, `compute cpu-cluster`. */
  what: string
  /** The create (POST or PUT) carrying the id the action chose. Sent one attempt at a time: this module retries it. */
  request: HttpRequest
  /** Reads the resource by that id: its answer, or undefined when it does not exist (404). */
  lookup: () => Promise<HttpResponse | undefined>
  /**
   * Does this refusal say the resource already exists? Asked only after an earlier unclear attempt (then it means that
   * attempt worked). Default: 409, or 400 whose code or message says it already exists.
   */
  isAlreadyExists?: (error: AzureRequestError) => boolean
  /** Attempts in all, the first included (default: the HTTP client's, 8). */
  maxAttempts?: number
}

export type CreateOutcome =
  /** This attempt's answer. */
  | { kind: 'created'; response: HttpResponse }
  /** The look-up's answer: an earlier attempt whose answer was lost had created it. */
  | { kind: 'found'; response: HttpResponse }

/** 409, or a 400 saying `already exists` / `AlreadyExists` / `Conflict`. */
export function saysAlreadyExists(error: AzureRequestError): boolean {
  if (error.status === 409) return true
  if (error.status !== 400) return false
  return /already\s*exists|AlreadyExists|Conflict|duplicate/i.test(`${error.code ?? ''} ${error.message}`)
}

/**
 * Sends the create; after an unclear failure, looks the resource up by its id before sending it again. Resolves with
 * the create's answer, or with the look-up's when an earlier attempt turned out to have worked. Rejects with the last
 * failure when the attempts or the deadline run out (a TimeoutError for the deadline), with the service's refusal for
 * a clear 4xx, and with an OperationFailedError naming the resource when the look-up itself fails (it may exist).
 */
export async function createIdempotently(options: IdempotentCreateOptions): Promise<CreateOutcome> {
  const { http, clock, request, what } = options
  const maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS)
  const isAlreadyExists = options.isAlreadyExists ?? saysAlreadyExists
  const accepted = request.acceptStatus ?? []
  let unclear: string | undefined

  for (let attempt = 1; ; attempt++) {
    let sent: { response: HttpResponse } | { error: HttpNetworkError }
    try {
      sent = {
        response: await http.send({
          ...request,
          retry: { ...request.retry, maxAttempts: 1 },
          acceptStatus: [...accepted, ...UNCLEAR_STATUSES.filter(s => !accepted.includes(s)), 429]
        })
      }
    } catch (error) {
      if (error instanceof AzureRequestError) {
        if (unclear && isAlreadyExists(error)) {
          core.info(`The ${what} already exists (${error.status}): the attempt whose answer was lost created it.`)
          const found = await lookUp(options, error)
          if (found) return { kind: 'found', response: found }
        }
        throw error
      }
      if (!(error instanceof HttpNetworkError)) throw error
      sent = { error }
    }
    let outcome: AttemptOutcome
    let failure: Error
    if ('response' in sent) {
      const { response } = sent
      if (response.dryRun || (response.status >= 200 && response.status < 300) || accepted.includes(response.status)) {
        return { kind: 'created', response }
      }
      outcome = { status: response.status, headers: response.headers }
      failure = toAzureRequestError({
        method: request.method,
        url: response.url ?? request.url,
        status: response.status,
        headers: response.headers,
        body: response.body,
        secrets: request.secrets
      })
    } else {
      outcome = { error: sent.error }
      failure = sent.error
    }

    // 429 and a refused connection say the create was not processed; anything else may have been.
    const maybeProcessed = 'status' in outcome ? outcome.status !== 429 : !wasNeverSent(outcome.error)
    if (maybeProcessed) {
      unclear = failure.message
      core.info(
        `The ${what} got no clear answer (${failure.message}); looking it up by its id before creating it again.`
      )
      const found = await lookUp(options, failure)
      if (found) {
        core.info(`The ${what} exists: the request was processed though its answer was lost; following it.`)
        return { kind: 'found', response: found }
      }
    }

    const decision = nextDelay({
      attempt,
      maxAttempts,
      method: request.method,
      idempotent: true,
      outcome,
      now: clock.now(),
      deadline: options.deadline,
      random: clock.random()
    })
    if (!decision.retry) {
      if (decision.deadlineExceeded)
        throw withCause(new TimeoutError(`${failure.message}; gave up: ${decision.reason}`), failure)
      throw failure
    }
    const line = `Creating the ${what} again in ${formatDuration(decision.delayMs)}: ${decision.reason}.`
    if (decision.delayMs >= ANNOUNCE_WAIT_MS) core.info(line)
    else core.debug(line)
    await clock.sleep(decision.delayMs)
  }
}

/** The look-up after a lost answer; its own failure leaves the resource's existence unknown, which the message says. */
async function lookUp(options: IdempotentCreateOptions, cause: Error): Promise<HttpResponse | undefined> {
  try {
    return await options.lookup()
  } catch (error) {
    throw withCause(
      new OperationFailedError(
        `${cause.message}. Looking the ${options.what} up afterwards failed too (${(error as Error).message}), so it ` +
          'may exist: check it before running the step again.'
      ),
      cause
    )
  }
}

function withCause<E extends Error>(error: E, cause: unknown): E {
  error.cause = cause
  return error
}
