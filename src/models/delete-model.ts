import * as core from '@actions/core'
import type { Context } from '../base/context.js'
import { armAuth, dataPlaneUrl, workspaceApi, workspacePortalUrl } from '../arm/endpoints.js'
import type { DeleteModelOperation } from './inputs.js'

/**
 * The guide's step 7: DELETE `modelmanagement/v1.0{WS}/models/{id}`. 200 or 204 is deleted; 404 means the model is
 * already gone, which is what the step wanted, so it succeeds too.
 */
export async function deleteModel(op: DeleteModelOperation, ctx: Context): Promise<void> {
  ctx.report.links.push({
    text: `Open ${op.workspace.workspaceName} in Azure ML studio`,
    href: workspacePortalUrl(op, op.workspace)
  })
  ctx.report.facts.push(['Model', op.modelId], ['Workspace', op.workspace.workspaceName])
  const api = await workspaceApi(ctx, op, op.workspace)
  const url = dataPlaneUrl(api, 'modelmanagement', op.workspace, `/models/${encodeURIComponent(op.modelId)}`, {
    'api-version': op.apiVersion
  })
  const response = await ctx.http.send({ method: 'DELETE', url, auth: armAuth(op), acceptStatus: [404] })
  if (response.dryRun) return
  ctx.outputs.set('statusCode', response.status)
  const result = response.status === 404 ? 'already gone (404)' : `deleted (${response.status})`
  ctx.report.facts.push(['Result', result])
  core.info(
    response.status === 404
      ? `Model ${op.modelId} is already gone from ${op.workspace.workspaceName} (404): nothing to delete.`
      : `Deleted model ${op.modelId} from ${op.workspace.workspaceName} (${response.status}).`
  )
}
