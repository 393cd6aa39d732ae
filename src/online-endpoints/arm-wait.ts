/**
 * The ARM long-running operations of online endpoints and deployments (mfe.json 2024-04-01:
 * `OnlineEndpoints_CreateOrUpdate` and `OnlineDeployments_CreateOrUpdate` 200/201 with `Azure-AsyncOperation`,
 * final state from the original URI; `*_Delete` 202 with `Location`): a PUT followed until Succeeded (or `wait: false`),
 * a DELETE followed until gone, through `arm/lifecycle.ts` like computes and workspaces.
 */
import * as core from '@actions/core'
import type { Context } from '../base/context.js'
import type { CommonSettings } from '../base/settings.js'
import { armAuth } from '../arm/endpoints.js'
import { DELETED_STATE, dryRunNote, finishDeletion, followArmOperation, provisioningStateOf } from '../arm/lifecycle.js'
import { parseJson } from '../http/client.js'
import { createIdempotently } from '../arm/idempotent-create.js'
import { LroFailedError } from '../arm/lro.js'

export interface PutResult {
  /** Undefined in dry-run. */
  body?: Record<string, unknown>
  state: string
}

/**
 * PUTs `body` to `url` (PUT is idempotent: the client retries it) and, with `wait`, follows the operation to its end.
 * Sets `provisioningState` as it is learned. Throws what the LRO throws (`LroFailedError`, `TimeoutError`).
 */
export async function putAndWait(
  ctx: Context,
  settings: CommonSettings,
  target: {
    url: string
    body: object
    what: string
    /** The resource did not exist before this PUT: then a lost answer is checked by looking it up. */
    creates: boolean
  }
): Promise<PutResult> {
  const auth = armAuth(settings)
  // A create: after an unclear failure the resource is looked up before the PUT is sent again (the service refuses a
  // second PUT while the first one's operation runs); one found is followed by its own provisioningState. An update
  // of a resource that existed proves nothing by being found: the PUT (idempotent, the same whole body) is sent again.
  const request = { method: 'PUT' as const, url: target.url, body: target.body, auth }
  const outcome = target.creates
    ? await createIdempotently({
        http: ctx.http,
        clock: ctx.clock,
        deadline: ctx.deadline,
        what: target.what,
        request,
        lookup: async () => {
          const found = await ctx.http.send({ method: 'GET', url: target.url, auth, acceptStatus: [404] })
          return found.status === 404 ? undefined : found
        },
        isAlreadyExists: () => false
      })
    : { kind: 'created' as const, response: await ctx.http.send(request) }
  const initial = outcome.kind === 'found' ? { ...outcome.response, headers: {} } : outcome.response
  if (initial.dryRun) {
    dryRunNote('the PUT')
    return { state: 'NotSent' }
  }
  const accepted = parseJson<Record<string, unknown>>(initial) ?? {}
  const first = provisioningStateOf(accepted) ?? 'Creating'
  ctx.outputs.set('provisioningState', first)
  core.info(`The PUT was accepted (${initial.status}); the ${target.what} is ${first}.`)
  if (!settings.wait) return { body: accepted, state: first }
  const lro = followArmOperation(
    ctx,
    { auth, initial, url: target.url, kind: 'create', what: target.what },
    `Waiting for the ${target.what}`
  )
  let result
  try {
    result = await lro.result
  } catch (error) {
    // The state the operation ended in (Failed, Canceled), or the last one seen at the timeout: never the first answer.
    if (error instanceof LroFailedError) ctx.outputs.set('provisioningState', error.state)
    else if (lro.last() !== 'InProgress') ctx.outputs.set('provisioningState', lro.last())
    throw error
  }
  const body = (result.body as Record<string, unknown> | undefined) ?? accepted
  const state = provisioningStateOf(body) ?? result.state
  ctx.outputs.set('provisioningState', state)
  return { body, state }
}

/** DELETEs `url`; already gone (404) is success; with `wait`, follows the deletion until the resource is gone. */
export async function deleteAndWait(
  ctx: Context,
  settings: CommonSettings,
  target: { url: string; what: string; resourceId: string }
): Promise<void> {
  const auth = armAuth(settings)
  ctx.outputs.set('resourceId', target.resourceId)
  core.info(`Deleting the ${target.what}.`)
  const initial = await ctx.http.send({ method: 'DELETE', url: target.url, auth, acceptStatus: [404] })
  if (initial.dryRun) return dryRunNote('the DELETE')
  if (initial.status === 404) {
    core.info(`The ${target.what} is already gone (404): nothing to delete.`)
    ctx.outputs.set('provisioningState', DELETED_STATE)
    ctx.report.facts.push(['Result', 'already gone (404)'])
    return
  }
  await finishDeletion(ctx, settings.wait, {
    auth,
    initial,
    url: target.url,
    what: target.what,
    resourceId: target.resourceId,
    done: 'deleted'
  })
}
