/**
 * ARM long-running operations, one module for every create and delete: after the first answer (201/202), follow
 * `Azure-AsyncOperation` first, else `Location` (202 while running, 200/201/204 when done), else the resource's own
 * `properties.provisioningState`, until a terminal state or the deadline.
 */
import * as core from '@actions/core'
import type { Clock } from '../action/clock.js'
import { AzureRequestError, OperationFailedError, TimeoutError } from '../action/errors.js'
import { parseJson } from '../http/client.js'
import { parseRetryAfter } from '../http/retry.js'
import type { HttpClient, HttpResponse, RequestAuth } from '../http/types.js'

/** ARM's own advice when an answer gives no Retry-After. */
export const DEFAULT_ARM_POLL_MS = 60_000
/** Never poll faster than this, whatever Retry-After says (0 or a past date). */
export const MIN_POLL_MS = 1_000

export type TerminalState = 'Succeeded' | 'Failed' | 'Canceled'

export interface LroOptions {
  http: HttpClient
  clock: Clock
  auth: RequestAuth
  /** The first answer of the PUT or DELETE. */
  initial: HttpResponse
  /** The resource URL (with api-version), for the provisioningState fallback and the final GET. */
  resourceUrl: string
  /** `delete`: a 404 of the resource means done. */
  kind: 'create' | 'delete'
  /** Epoch ms: at this point the wait fails with a TimeoutError. */
  deadline: number
  /** Says what is waited on, e.g. "compute cpu-cluster", for progress and errors. */
  description: string
  defaultPollMs?: number
  /** Called with each non-terminal state seen (for progress lines and outputs). */
  onProgress?: (state: string) => void
}

export interface LroResult {
  state: TerminalState
  /** The resource after a create (GET once done), or the last status body. */
  body?: unknown
}

interface StatusBody {
  status?: string
  error?: { code?: string; message?: string }
  properties?: {
    provisioningState?: string
    error?: { code?: string; message?: string }
    /** AmlCompute reports why its provisioning failed here, not in `error`. */
    provisioningErrors?: { error?: { code?: string; message?: string } }[]
  }
}

const TERMINAL: Record<string, TerminalState> = {
  succeeded: 'Succeeded',
  failed: 'Failed',
  canceled: 'Canceled',
  cancelled: 'Canceled'
}

export function terminalState(state: string | undefined): TerminalState | undefined {
  return state === undefined ? undefined : TERMINAL[state.toLowerCase()]
}

/**
 * Waits for the operation to end. Resolves on Succeeded; throws OperationFailedError (with error.code and
 * error.message) on Failed or Canceled, TimeoutError at the deadline.
 */
export async function waitForLro(options: LroOptions): Promise<LroResult> {
  const { initial } = options
  const asyncUrl = header(initial, 'azure-asyncoperation')
  const locationUrl = header(initial, 'location')

  // A create answered 200/201 with a terminal provisioningState (or a delete answered 200/204) is already done.
  const immediate = immediateResult(options)
  if (immediate) return finish(options, immediate)

  let previous = initial
  for (;;) {
    await pause(options, previous)
    const poll = asyncUrl
      ? await readStatus(options, asyncUrl)
      : locationUrl
        ? await readStatus(options, locationUrl)
        : await readStatus(options, options.resourceUrl, options.kind === 'delete' ? [404] : [])
    if (!poll) continue // a failed read: not a failed operation
    previous = poll
    const state = asyncUrl
      ? asyncOperationState(poll)
      : locationUrl
        ? locationState(poll)
        : resourceState(options, poll)
    const terminal = terminalState(state)
    if (terminal) return finish(options, { state: terminal, response: poll })
    if (state) options.onProgress?.(state)
  }
}

interface Outcome {
  state: TerminalState
  response: HttpResponse
}

function immediateResult(options: LroOptions): Outcome | undefined {
  const { initial } = options
  if (header(initial, 'azure-asyncoperation') || (initial.status === 202 && header(initial, 'location')))
    return undefined
  if (options.kind === 'delete' && (initial.status === 200 || initial.status === 204 || initial.status === 404)) {
    return { state: 'Succeeded', response: initial }
  }
  const state = terminalState(parseJson<StatusBody>(initial)?.properties?.provisioningState)
  return state ? { state, response: initial } : undefined
}

/** Azure-AsyncOperation answers `{"status": "InProgress" | "Succeeded" | ..., "error": {...}}`. */
function asyncOperationState(response: HttpResponse): string | undefined {
  return parseJson<StatusBody>(response)?.status
}

/** Location answers 202 while running and the final status code when done (4xx/5xx errors are thrown by the read). */
function locationState(response: HttpResponse): string | undefined {
  if (response.status === 202) return 'InProgress'
  return 'Succeeded'
}

function resourceState(options: LroOptions, response: HttpResponse): string | undefined {
  if (options.kind === 'delete' && response.status === 404) return 'Succeeded'
  return parseJson<StatusBody>(response)?.properties?.provisioningState
}

/**
 * One status read. A 5xx or a dropped connection (after the client's own retries) is a failed read: warned about and
 * polled again. A 4xx on a Location poll is the operation's own failure and ends it.
 */
async function readStatus(
  options: LroOptions,
  url: string,
  acceptStatus: number[] = []
): Promise<HttpResponse | undefined> {
  try {
    return await options.http.send({ method: 'GET', url, auth: options.auth, acceptStatus })
  } catch (error) {
    if (error instanceof TimeoutError) throw error
    if (
      error instanceof AzureRequestError &&
      error.status >= 400 &&
      error.status < 500 &&
      error.status !== 408 &&
      error.status !== 429
    ) {
      if (url !== options.resourceUrl && header(options.initial, 'location') === url) {
        throw new OperationFailedError(`${capitalize(options.description)} failed: ${error.message}`)
      }
      throw error
    }
    core.warning(`Reading the state of ${options.description} failed; trying again: ${(error as Error).message}`)
    return undefined
  }
}

async function pause(options: LroOptions, response: HttpResponse): Promise<void> {
  const now = options.clock.now()
  const asked = parseRetryAfter(response.headers, now)
  const wait = Math.max(MIN_POLL_MS, asked ?? options.defaultPollMs ?? DEFAULT_ARM_POLL_MS)
  if (now + wait > options.deadline) {
    throw new TimeoutError(
      `Timed out waiting for ${options.description}: it is still in progress on Azure ` +
        `(the step's timeout-minutes ran out). Check it in the portal, or run again with a larger timeout-minutes.`
    )
  }
  await options.clock.sleep(wait)
}

async function finish(options: LroOptions, outcome: Outcome): Promise<LroResult> {
  const body = parseJson<StatusBody>(outcome.response)
  if (outcome.state !== 'Succeeded') {
    const error = body?.error ?? body?.properties?.error ?? body?.properties?.provisioningErrors?.[0]?.error
    const detail = error ? `${error.code ?? 'Error'}: ${error.message ?? ''}`.trim() : 'no error details given'
    throw new OperationFailedError(`${capitalize(options.description)} ended ${outcome.state}: ${detail}`)
  }
  if (options.kind === 'delete') return { state: 'Succeeded', body }
  // The status document is not the resource: read the resource itself once it is there.
  const isResource = !header(options.initial, 'azure-asyncoperation') && outcome.response.status !== 202
  if (isResource && body?.properties) return { state: 'Succeeded', body }
  const resource = await options.http.send({ method: 'GET', url: options.resourceUrl, auth: options.auth })
  return { state: 'Succeeded', body: parseJson(resource) }
}

function header(response: HttpResponse, name: string): string | undefined {
  return response.headers[name] || undefined
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
