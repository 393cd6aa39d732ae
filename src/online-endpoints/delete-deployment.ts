/**
 * delete-deployment: `DELETE {WS}/onlineEndpoints/{e}/deployments/{d}` (OnlineDeployments_Delete, an ARM long-running
 * operation), followed until gone. A deployment already gone (404) is success. A deployment that still takes traffic
 * is refused by Azure; the action says so before sending anything: move its traffic first (set-traffic).
 */
import type { Context } from '../base/context.js'
import { InputError } from '../base/errors.js'
import { deleteAndWait } from './arm-wait.js'
import type { DeleteDeploymentOperation } from './inputs.js'
import { deploymentUrl, endpointId, getEndpoint } from './rest.js'

export async function deleteDeployment(op: DeleteDeploymentOperation, ctx: Context): Promise<void> {
  const endpoint = { workspace: op.workspace, name: op.endpointName }
  ctx.outputs.set('endpointName', op.endpointName)
  ctx.outputs.set('deploymentName', op.deploymentName)
  ctx.report.facts.push(['Endpoint', op.endpointName], ['Deployment', op.deploymentName])
  const current = await getEndpoint(ctx, op, endpoint)
  const share = current?.body.properties?.traffic?.[op.deploymentName] ?? 0
  if (share > 0) {
    throw new InputError(
      'deployment-name',
      `deployment ${op.deploymentName} still takes ${share}% of endpoint ${op.endpointName}'s traffic: move it to ` +
        'another deployment first (operation: set-traffic), then delete it.'
    )
  }
  await deleteAndWait(ctx, op, {
    url: deploymentUrl(op, endpoint, op.deploymentName),
    what: `deployment ${op.deploymentName} of endpoint ${op.endpointName}`,
    resourceId: `${endpointId(endpoint)}/deployments/${encodeURIComponent(op.deploymentName)}`
  })
}
