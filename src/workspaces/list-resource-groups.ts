import type { Context } from '../base/context.js'
import { armAuth, armUrl, listAll, RESOURCE_GROUPS_API_VERSION, subscriptionPath } from '../arm/endpoints.js'
import type { ListResourceGroupsOperation } from './inputs.js'
import { reportList } from '../action/list-output.js'

export async function listResourceGroups(op: ListResourceGroupsOperation, ctx: Context): Promise<void> {
  const url = armUrl(op, `${subscriptionPath(op.subscriptionId)}/resourcegroups`, RESOURCE_GROUPS_API_VERSION)
  const list = await listAll(ctx, url, armAuth(op))
  ctx.outputs.setResponse(list, { count: true })
  reportList(ctx, `Resource groups in subscription ${op.subscriptionId}`, list.value, [
    'name',
    'location',
    'properties.provisioningState'
  ])
}
