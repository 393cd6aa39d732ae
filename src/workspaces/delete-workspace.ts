/**
 * delete-workspace: DELETE the workspace (ARM answers 202 + `Location`), polled until it is gone. A workspace that
 * does not exist is success: it is already gone. Its computes go with it.
 */
import * as core from '@actions/core'
import type { Context } from '../base/context.js'
import { armAuth, armUrl, workspacePath } from '../arm/endpoints.js'
import { parseServiceError } from '../http/azure-error.js'
import type { HttpResponse } from '../base/http-types.js'
import type { DeleteWorkspaceOperation } from './inputs.js'
import { DELETED_STATE, dryRunNote, finishDeletion, provisioningStateOf } from '../arm/lifecycle.js'
import { parseJson } from '../http/client.js'

/**
 * Deletes the workspace and, with `wait`, follows the ARM long-running operation (202 + Location) until it is gone (a
 * 404 while polling means gone). Outputs `resourceId` at once and `provisioningState` (Deleting, then Deleted).
 */
export async function deleteWorkspace(op: DeleteWorkspaceOperation, ctx: Context): Promise<void> {
  const auth = armAuth(op)
  const ws = op.workspace
  const resourceId = workspacePath(ws)
  const url = armUrl(op, resourceId)
  const what = `workspace ${ws.workspaceName}`
  ctx.report.facts.push(['Workspace', ws.workspaceName], ['Resource group', ws.resourceGroup])

  // Known before any request: a failure later still says which workspace it was about.
  ctx.outputs.set('resourceId', resourceId)
  // ARM answers a DELETE of a missing resource 204, like a finished deletion: ask first, to say "already gone".
  const current = await ctx.http.send({ method: 'GET', url, auth, acceptStatus: [404] })
  if (current.status === 404) return alreadyGone(current)
  if (!current.dryRun) {
    core.info(`Deleting the ${what} (${provisioningStateOf(parseJson(current)) ?? 'state unknown'}) and its computes.`)
  }

  const initial = await ctx.http.send({ method: 'DELETE', url, auth, acceptStatus: [404] })
  if (initial.dryRun) {
    ctx.report.facts.push(['Result', 'dry-run: the DELETE was not sent'])
    return dryRunNote('the DELETE')
  }
  if (initial.status === 404) return alreadyGone(initial)
  await finishDeletion(ctx, op.wait, { auth, initial, url, what, resourceId, done: 'deleted' })

  function alreadyGone(response: HttpResponse): void {
    const code = parseServiceError(response.body).code
    core.info(`The ${what} is already gone (404${code ? ` ${code}` : ''}): nothing to delete.`)
    ctx.outputs.set('resourceId', resourceId)
    ctx.outputs.set('provisioningState', DELETED_STATE)
    ctx.report.facts.push(['Result', 'already gone (404)'])
  }
}
