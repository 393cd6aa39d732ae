import type { Context } from '../base/context.js'
import { armAuth, dataPlaneUrl, listAll, workspaceApi, workspacePortalUrl } from '../arm/endpoints.js'
import type { ListModelsOperation } from './inputs.js'
import { reportList } from '../action/list-output.js'

export async function listModels(op: ListModelsOperation, ctx: Context): Promise<void> {
  ctx.report.links.push({
    text: `Open ${op.workspace.workspaceName} in Azure ML studio`,
    href: workspacePortalUrl(op, op.workspace)
  })
  const api = await workspaceApi(ctx, op, op.workspace)
  const list = await listAll(ctx, dataPlaneUrl(api, 'modelmanagement', op.workspace, '/models'), armAuth(op))
  ctx.outputs.setResponse(list, { count: true })
  reportList(ctx, `Models in ${op.workspace.workspaceName}`, list.value, ['id', 'name', 'version', 'createdTime'])
}
