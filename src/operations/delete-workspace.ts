/**
 * delete-workspace: DELETE the workspace (ARM answers 202 + `Location`), polled until it is gone. A workspace that
 * does not exist is success: it is already gone. Its computes go with it.
 */
import * as core from '@actions/core'
import type { Context } from '../context.js'
import { armAuth, armUrl, workspacePath } from '../endpoints.js'
import { parseServiceError } from '../http/azure-error.js'
import type { HttpResponse } from '../http/types.js'
import type { OperationOf } from '../inputs.js'
import { waitForLro } from '../lro.js'
import { DELETED_STATE, dryRunNote, progress, provisioningStateOf, unfinishedDeletion } from './lifecycle.js'
import { parseJson } from '../http/client.js'

export async function deleteWorkspace(op: OperationOf<'delete-workspace'>, ctx: Context): Promise<void> {
  const auth = armAuth(op)
  const ws = op.workspace
  const resourceId = workspacePath(ws)
  const url = armUrl(op, resourceId)
  const what = `workspace ${ws.workspaceName}`
  ctx.report.facts.push(['Workspace', ws.workspaceName], ['Resource group', ws.resourceGroup])

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
  ctx.outputs.set('resourceId', resourceId)
  ctx.outputs.set('provisioningState', 'Deleting')
  if (!op.wait) {
    core.info(`The DELETE was accepted (${initial.status}); not waiting (wait: false).`)
    ctx.report.facts.push(['Result', 'deletion started; not waited for (wait: false)'])
    return
  }
  const tracker = progress(ctx, `Waiting for the ${what} to be deleted`)
  try {
    await waitForLro({
      http: ctx.http,
      clock: ctx.clock,
      auth,
      initial,
      resourceUrl: url,
      kind: 'delete',
      deadline: ctx.deadline,
      description: `the deletion of ${what}`,
      onProgress: tracker.onProgress
    })
  } catch (error) {
    ctx.report.facts.push(['Resource id', resourceId])
    throw unfinishedDeletion(error, `The ${what}`, resourceId)
  }
  ctx.outputs.set('provisioningState', DELETED_STATE)
  ctx.report.facts.push(['Result', 'deleted'], ['Provisioning state', DELETED_STATE])
  core.info(`The ${what} is deleted.`)

  function alreadyGone(response: HttpResponse): void {
    const code = parseServiceError(response.body).code
    core.info(`The ${what} is already gone (404${code ? ` ${code}` : ''}): nothing to delete.`)
    ctx.outputs.set('resourceId', resourceId)
    ctx.outputs.set('provisioningState', DELETED_STATE)
    ctx.report.facts.push(['Result', 'already gone (404)'])
  }
}
