/**
 * What the create and delete operations (computes, workspaces) share around the ARM long-running operation: progress
 * lines while waiting, the outputs of the final state, and the message that names a half-made resource left behind.
 */
import * as core from '@actions/core'
import type { Context } from '../base/context.js'
import { OperationFailedError, TimeoutError } from '../base/errors.js'
import { parseJson } from '../http/client.js'
import { oneLine } from '../http/redact.js'
import { formatDuration } from '../http/retry.js'
import type { HttpResponse, RequestAuth } from '../base/http-types.js'
import { collectServiceErrors, formatServiceErrors, mentionsAll } from '../http/azure-error.js'
import { LroFailedError, waitForLro, type LroResult } from './lro.js'

/** The `provisioningState` output of a resource that is gone (delete-compute, delete-workspace). */
export const DELETED_STATE = 'Deleted'

export interface ArmResource {
  id?: string
  name?: string
  location?: string
  properties?: { provisioningState?: string } & Record<string, unknown>
}

export function provisioningStateOf(resource: unknown): string | undefined {
  const state = (resource as ArmResource | undefined)?.properties?.provisioningState
  // Service text: one line, so it can never start a line of the log (a workflow command).
  return typeof state === 'string' ? oneLine(state, 200) : undefined
}

/**
 * Progress while waiting: one `core.info` line per state seen, with the time since the wait began. `last` is the last
 * state seen (for the message of a timeout).
 */
export function progress(ctx: Context, what: string): { onProgress: (state: string) => void; last: () => string } {
  const started = ctx.clock.now()
  let last = 'InProgress'
  return {
    onProgress: state => {
      last = oneLine(state, 200)
      core.info(`${what}: ${last} (${formatDuration(ctx.clock.now() - started)} elapsed)`)
    },
    last: () => last
  }
}

/** Where an accepted PUT or DELETE goes on from: the one place the four operations wire up `waitForLro`. */
export interface ArmOperation {
  auth: RequestAuth
  /** The PUT's or DELETE's answer (201/202 with its headers). */
  initial: HttpResponse
  /** The resource URL, with api-version. */
  url: string
  kind: 'create' | 'delete'
  /** `compute cpu-cluster`: for the progress lines and the error messages. */
  what: string
}

/** Waits for the long-running operation, with a progress line per state; `tracker.last()` is the last state seen. */
export function followArmOperation(
  ctx: Context,
  operation: ArmOperation,
  waiting: string
): { result: Promise<LroResult>; last: () => string } {
  const tracker = progress(ctx, waiting)
  const result = waitForLro({
    http: ctx.http,
    clock: ctx.clock,
    auth: operation.auth,
    initial: operation.initial,
    resourceUrl: operation.url,
    kind: operation.kind,
    deadline: ctx.deadline,
    description: operation.kind === 'delete' ? `the deletion of ${operation.what}` : operation.what,
    resourcePollMs: RESOURCE_POLL_MS,
    onProgress: tracker.onProgress
  })
  return { result, last: tracker.last }
}

/**
 * After an accepted DELETE (delete-compute, delete-workspace): returns at once with `wait: false`, else waits until the
 * resource is gone. Outputs and the summary say which; a failure or timeout names what may still be there.
 */
export async function finishDeletion(
  ctx: Context,
  wait: boolean,
  operation: Omit<ArmOperation, 'kind'> & { resourceId: string; done: 'deleted' | 'detached' }
): Promise<void> {
  ctx.outputs.set('provisioningState', 'Deleting')
  if (!wait) {
    core.info(`The DELETE was accepted (${operation.initial.status}); not waiting (wait: false).`)
    ctx.report.facts.push(['Result', 'deletion started; not waited for (wait: false)'])
    return
  }
  try {
    await followArmOperation(
      ctx,
      { ...operation, kind: 'delete' },
      `Waiting for the ${operation.what} to be ${operation.done}`
    ).result
  } catch (error) {
    ctx.report.facts.push(['Resource id', operation.resourceId])
    throw unfinishedDeletion(error, `The ${operation.what}`, operation.resourceId)
  }
  ctx.outputs.set('provisioningState', DELETED_STATE)
  ctx.report.facts.push(['Result', operation.done], ['Provisioning state', DELETED_STATE])
  core.info(`The ${operation.what} is ${operation.done}.`)
}

/**
 * Wait (ms) between reads of a resource's own provisioningState when no operation URL is known (a resource found after
 * a lost answer, or whose operation status answered 404) and the answer gives no Retry-After. ARM's 60 s is for an
 * operation's status; Azure SDK core-lro polls every 2 s by default: 5 s is between the two.
 */
export const RESOURCE_POLL_MS = 5_000

/** First wait (ms) between reads of a resource that is being deleted, when the service gives no Retry-After. */
export const DELETING_POLL_MS = 5_000

/**
 * Before a create: a resource of the same name that is being deleted (`provisioningState` Deleting) is waited for until
 * it is gone (a 404), so the create makes a new one rather than failing against the old one. The wait is said at info
 * level, with a progress line per state, and bounded by the step's deadline (timeout-minutes): at the deadline it fails
 * with a TimeoutError naming the resource; a deletion that ends Failed fails with its errors. `current` is the GET
 * that found it Deleting. Polled every Retry-After seconds when the answer gives one, else every DELETING_POLL_MS.
 */
export async function waitUntilDeleted(
  ctx: Context,
  resource: { auth: RequestAuth; url: string; what: string; resourceId: string; current: HttpResponse }
): Promise<void> {
  const left = Math.max(0, ctx.deadline - ctx.clock.now())
  core.info(
    `The ${resource.what} is being deleted (${resource.resourceId}); waiting until it is gone before creating it ` +
      `again (at most ${formatDuration(left)}, the rest of timeout-minutes).`
  )
  ctx.outputs.set('resourceId', resource.resourceId)
  ctx.outputs.set('provisioningState', 'Deleting')
  const tracker = progress(ctx, `Waiting for the ${resource.what} to be deleted`)
  try {
    await waitForLro({
      http: ctx.http,
      clock: ctx.clock,
      auth: resource.auth,
      initial: { ...resource.current, status: 202, headers: {} },
      resourceUrl: resource.url,
      kind: 'delete',
      deadline: ctx.deadline,
      description: `the deletion of the earlier ${resource.what}`,
      defaultPollMs: DELETING_POLL_MS,
      onProgress: tracker.onProgress
    })
  } catch (error) {
    if (error instanceof TimeoutError) {
      ctx.outputs.set('provisioningState', tracker.last() === 'InProgress' ? 'Deleting' : tracker.last())
      throw new TimeoutError(
        `${sentence(error.message)} The ${resource.what} was still being deleted, so it was not created: run the ` +
          'step again once it is gone, or with a larger timeout-minutes.'
      )
    }
    throw error
  }
  core.info(`The earlier ${resource.what} is gone; creating it now.`)
}

export interface Leftover {
  /** `Compute cpu-cluster`, `Workspace ws-new`. */
  label: string
  resourceId: string
  /** GET of the resource, to see whether a failed create left it behind. */
  url: string
  auth: RequestAuth
  /** The operation that removes it: `delete-compute`, `delete-workspace`. */
  deleteOperation: string
}

/**
 * Turns a failed or timed-out wait for a create into a message that says what was left on Azure, so the user can clean
 * it up: after a Failed/Canceled end one GET tells whether the resource is still there (and in what state); after a
 * timeout there is no time left to ask, and the resource is named as still in progress. Sets `provisioningState`.
 */
export async function explainLeftover(
  ctx: Context,
  error: unknown,
  left: Leftover,
  lastState: string
): Promise<unknown> {
  if (error instanceof TimeoutError) {
    ctx.outputs.set('provisioningState', lastState)
    return new TimeoutError(
      `${sentence(error.message)} ${left.label} was left half-made, still ${lastState}: ${left.resourceId}. It may ` +
        `still finish or fail; check it, or remove it with operation: ${left.deleteOperation}.`
    )
  }
  if (!(error instanceof OperationFailedError)) return error
  const said = error instanceof LroFailedError ? error.errors : []
  let message = error.message
  let state = error instanceof LroFailedError ? error.state : (/ended (\w+)/.exec(error.message)?.[1] ?? 'Failed')
  try {
    const response = await ctx.http.send({ method: 'GET', url: left.url, auth: left.auth, acceptStatus: [404] })
    if (response.status === 404) {
      ctx.outputs.set('provisioningState', state)
      return new OperationFailedError(`${sentence(message)} Nothing was left behind (${left.resourceId} is gone).`)
    }
    const resource = parseJson(response)
    state = provisioningStateOf(resource) ?? state
    ctx.outputs.setResponse(resource)
    // The resource may say more than the operation's status did (an AmlCompute lists every provisioningError).
    const reported = collectServiceErrors(resource)
    if (!mentionsAll(said, reported)) {
      // Every error of the resource (its details too), then any the operation's status had that it lacks.
      const all = [...reported, ...said.filter(e => !mentionsAll(reported, [e]))]
      message =
        error instanceof LroFailedError
          ? `${error.head}: ${formatServiceErrors(all)}`
          : `${sentence(message)} ${left.label} reports: ${formatServiceErrors(reported)}`
    }
  } catch (readError) {
    core.debug(`Reading ${left.resourceId} after the failure failed too: ${(readError as Error).message}`)
  }
  ctx.outputs.set('provisioningState', state)
  return new OperationFailedError(
    `${sentence(message)} ${left.label} was left behind in state ${state}: ${left.resourceId}. Delete it ` +
      `(operation: ${left.deleteOperation}) before creating it again.`
  )
}

/** A deletion that failed or timed out: the message names what is still there. */
export function unfinishedDeletion(error: unknown, label: string, resourceId: string): unknown {
  if (error instanceof TimeoutError) {
    return new TimeoutError(`${sentence(error.message)} ${label} is still being deleted: ${resourceId}.`)
  }
  if (error instanceof OperationFailedError) {
    return new OperationFailedError(`${sentence(error.message)} ${label} may still be there: ${resourceId}.`)
  }
  return error
}

/** Ends the text with a period, so more sentences can follow. */
export function sentence(text: string): string {
  const trimmed = text.trim()
  return /[.!?)]$/.test(trimmed) ? trimmed : `${trimmed}.`
}

export function dryRunNote(what: string): void {
  core.info(`dry-run: ${what} was printed above, not sent; nothing changed on Azure and there is nothing to wait for.`)
}
