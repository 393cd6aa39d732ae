import type { Context } from '../base/context.js'
import { armAuth, armUrl, listAll, workspacePath, workspacePortalUrl } from '../arm/endpoints.js'
import type { ListComputesOperation } from './inputs.js'
import { reportList } from '../action/list-output.js'

export async function listComputes(op: ListComputesOperation, ctx: Context): Promise<void> {
  ctx.report.links.push({
    text: `Open ${op.workspace.workspaceName} in Azure ML studio`,
    href: workspacePortalUrl(op, op.workspace)
  })
  const list = await listAll(ctx, armUrl(op, `${workspacePath(op.workspace)}/computes`), armAuth(op))
  ctx.outputs.setResponse(list, { count: true })
  reportList(ctx, `Computes in ${op.workspace.workspaceName}`, list.value, [
    'name',
    'properties.computeType',
    'properties.provisioningState'
  ])
}
