/**
 * ARM long-running operations, one module for every create and delete: after the first answer (201/202), follow
 * `Azure-AsyncOperation` first, else `Location` (202 while running, 200/201/204 when done), else the resource's own
 * `properties.provisioningState`, until a terminal state or the deadline.
 */
import * as core from '@actions/core'
import type { Clock } from '../base/clock.js'
import { AzureRequestError, OperationFailedError, TimeoutError } from '../base/errors.js'
import { collectServiceErrors, formatServiceErrors, type ServiceErrorEntry } from '../http/azure-error.js'
import { parseJson } from '../http/client.js'
import { maskStepSecrets, redactUrl } from '../http/redact.js'
import { parseRetryAfter } from '../http/retry.js'
import type { HttpClient, HttpResponse, RequestAuth } from '../base/http-types.js'

/**
 * ARM's own advice when an answer gives no Retry-After (Azure Resource Manager RPC, "Asynchronous operations":
 * clients should wait 60 s when the header is absent), in ms.
 */
export const DEFAULT_ARM_POLL_MS = 60_000
/** Never poll faster than this, whatever Retry-After says (0 or a past date), in ms. */
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
  /** Wait (ms) between status reads when the answer gives no Retry-After (default DEFAULT_ARM_POLL_MS). */
  defaultPollMs?: number
  /**
   * Wait (ms) between reads of the resource itself (no operation URL, or the operation's status answered 404 during a
   * delete) when the answer gives no Retry-After. Default: defaultPollMs.
   */
  resourcePollMs?: number
  /** Called with each non-terminal state seen (for progress lines and outputs). */
  onProgress?: (state: string) => void
}

/**
 * An operation that ended Failed or Canceled: `errors` holds every error the final answer carried (`error` with its
 * `details`, `properties.error`, each `properties.provisioningErrors[].error`), `body` the answer itself.
 */
export class LroFailedError extends OperationFailedError {
  constructor(
    message: string,
    readonly state: Exclude<TerminalState, 'Succeeded'>,
    readonly errors: ServiceErrorEntry[],
    readonly body: unknown,
    /** The message without its errors: `Compute c ended Failed`. */
    readonly head: string
  ) {
    super(message)
    this.name = 'LroFailedError'
  }
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

/** The terminal state `state` names (case-insensitively; "Cancelled" too), or undefined while it goes on. */
export function terminalState(state: string | undefined): TerminalState | undefined {
  return state === undefined ? undefined : TERMINAL[state.toLowerCase()]
}

/**
 * Waits for the operation to end. Resolves on Succeeded; throws LroFailedError (an OperationFailedError listing every
 * error code and message the service gave) on Failed or Canceled, TimeoutError at the deadline.
 *
 * The URL polled is always the latest the service gave: an answer to a poll that carries a new `Azure-AsyncOperation`
 * (or, while polling `Location`, a new `Location`) moves the polling there (ARM's async-operations contract: "the
 * client should poll the URL in the latest Location header"; Azure SDK core-lro does the same). For a delete, a 404
 * from the status URL means the operation record is gone: the resource is read once to tell deleted from still
 * deleting, and its own state is polled from then on.
 */
export async function waitForLro(options: LroOptions): Promise<LroResult> {
  const { initial } = options
  // What is polled: the Azure-AsyncOperation URL, else the Location URL, else the resource itself.
  let mode: 'async' | 'location' | 'resource' = header(initial, 'azure-asyncoperation')
    ? 'async'
    : header(initial, 'location')
      ? 'location'
      : 'resource'
  let statusUrl = header(initial, mode === 'async' ? 'azure-asyncoperation' : 'location')

  // A create answered 200/201 with a terminal provisioningState (or a delete answered 200/204) is already done.
  const immediate = immediateResult(options)
  if (immediate) return finish(options, immediate)

  let previous = initial
  for (;;) {
    await pause(options, previous, mode === 'resource' || !statusUrl)
    const url = mode === 'resource' || !statusUrl ? options.resourceUrl : statusUrl
    const poll = await readStatus(options, url, options.kind === 'delete' ? [404] : [])
    if (!poll) continue // a failed read: not a failed operation
    previous = poll
    if (mode !== 'resource' && options.kind === 'delete' && poll.status === 404) {
      // The operation's status is gone. Only the resource itself can say whether the deletion is done.
      core.info(`The status of ${options.description} answered 404; reading the resource to see whether it is gone.`)
      mode = 'resource'
      const resource = await readStatus(options, options.resourceUrl, [404])
      if (!resource) continue
      previous = { ...resource, headers: {} }
      if (settle(resourceState(options, resource))) return finish(options, outcomeOf(resource))
      continue
    }
    // The service may move the operation: follow the newest URL it gave, of the kind being polled.
    if (mode === 'async' || (mode === 'location' && poll.status === 202)) {
      const moved = header(poll, mode === 'async' ? 'azure-asyncoperation' : 'location')
      if (moved && statusUrl && moved !== statusUrl) statusUrl = movedTo(options, statusUrl, moved, poll)
    }
    const state =
      mode === 'async'
        ? asyncOperationState(poll)
        : mode === 'location'
          ? locationState(poll)
          : resourceState(options, poll)
    if (settle(state)) return finish(options, { state: terminalState(state) as TerminalState, response: poll })
  }

  /** True when `state` is terminal; otherwise reports it as progress. */
  function settle(state: string | undefined): boolean {
    if (terminalState(state)) return true
    if (state) options.onProgress?.(state)
    return false
  }

  function outcomeOf(resource: HttpResponse): Outcome {
    return { state: terminalState(resourceState(options, resource)) as TerminalState, response: resource }
  }
}

/** The absolute URL a poll answer moved the operation to (relative URLs resolve against the answer's own URL). */
function movedTo(options: LroOptions, from: string, to: string, poll: HttpResponse): string {
  let url: string
  try {
    url = new URL(to, poll.url ?? from).toString()
  } catch {
    return from
  }
  core.debug(`${capitalize(options.description)}: the service moved the operation to ${redactUrl(url)}.`)
  return url
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

async function pause(options: LroOptions, response: HttpResponse, resource: boolean): Promise<void> {
  const now = options.clock.now()
  const asked = parseRetryAfter(response.headers, now)
  const fallback = (resource ? options.resourcePollMs : undefined) ?? options.defaultPollMs ?? DEFAULT_ARM_POLL_MS
  const wait = Math.max(MIN_POLL_MS, asked ?? fallback)
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
    // The whole answer goes to the debug log (secrets masked); the message lists each error, cut to a readable length.
    core.debug(`${capitalize(options.description)} ended ${outcome.state}: ${maskStepSecrets(outcome.response.body)}`)
    const errors = collectServiceErrors(body)
    const head = `${capitalize(options.description)} ended ${outcome.state}`
    throw new LroFailedError(`${head}: ${formatServiceErrors(errors)}`, outcome.state, errors, body, head)
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
