import type { Context } from '../base/context.js'
import { armAuth, armUrl, listAll, ML_PROVIDER, resourceGroupPath, subscriptionPath } from '../arm/endpoints.js'
import type { ListWorkspacesOperation } from './inputs.js'
import { reportList } from '../action/list-output.js'

/** Workspaces of a resource group, or of the whole subscription when `resource-group` is empty. */
export async function listWorkspaces(op: ListWorkspacesOperation, ctx: Context): Promise<void> {
  const scope = op.resourceGroup
    ? resourceGroupPath(op.subscriptionId, op.resourceGroup)
    : subscriptionPath(op.subscriptionId)
  const list = await listAll(ctx, armUrl(op, `${scope}/providers/${ML_PROVIDER}/workspaces`), armAuth(op))
  ctx.outputs.setResponse(list, { count: true })
  reportList(ctx, `Workspaces in ${op.resourceGroup ?? `subscription ${op.subscriptionId}`}`, list.value, [
    'name',
    'location',
    'properties.provisioningState'
  ])
}
