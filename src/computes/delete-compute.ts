/**
 * delete-compute: DELETE `{WS}/computes/{name}?underlyingResourceAction=Delete|Detach`, then the long-running
 * operation until the compute is gone. A compute that does not exist (404) is success: it is already gone.
 */
import * as core from '@actions/core'
import type { Context } from '../base/context.js'
import { armAuth, armUrl, joinUrl } from '../arm/endpoints.js'
import type { DeleteComputeOperation } from './inputs.js'
import { computePath } from './create-compute.js'
import { DELETED_STATE, dryRunNote, finishDeletion } from '../arm/lifecycle.js'

/**
 * Deletes (or detaches) the compute and, with `wait`, follows the ARM long-running operation until it is gone (a 404
 * while polling means gone). Outputs `resourceId` at once and `provisioningState` (Deleting, then Deleted).
 */
export async function deleteCompute(op: DeleteComputeOperation, ctx: Context): Promise<void> {
  const auth = armAuth(op)
  const resourceId = computePath(op.workspace, op.computeName)
  const url = armUrl(op, resourceId)
  const what = `compute ${op.computeName}`
  const detach = op.underlyingResourceAction === 'Detach'
  ctx.report.facts.push(
    ['Compute', op.computeName],
    ['Workspace', op.workspace.workspaceName],
    ['Underlying resource', detach ? 'Detach (kept)' : 'Delete']
  )

  const deleteUrl = joinUrl(op.endpoints.armEndpoint, resourceId, {
    'api-version': op.apiVersion,
    underlyingResourceAction: op.underlyingResourceAction
  })
  // Known before any request: a failure later still says which compute it was about.
  ctx.outputs.set('resourceId', resourceId)
  core.info(`${detach ? 'Detaching' : 'Deleting'} the ${what}.`)
  const initial = await ctx.http.send({ method: 'DELETE', url: deleteUrl, auth, acceptStatus: [404] })
  if (initial.dryRun) {
    ctx.report.facts.push(['Result', 'dry-run: the DELETE was not sent'])
    return dryRunNote('the DELETE')
  }
  if (initial.status === 404) {
    core.info(`The ${what} is already gone (404): nothing to delete.`)
    ctx.outputs.set('provisioningState', DELETED_STATE)
    ctx.report.facts.push(['Result', 'already gone (404)'])
    return
  }
  await finishDeletion(ctx, op.wait, { auth, initial, url, what, resourceId, done: detach ? 'detached' : 'deleted' })
}
