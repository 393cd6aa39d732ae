/**
 * delete-endpoint: `DELETE {WS}/onlineEndpoints/{name}` (OnlineEndpoints_Delete, an ARM long-running operation; its
 * deployments go with it), followed until gone. An endpoint already gone (404) is success.
 */
import type { Context } from '../base/context.js'
import { deleteAndWait } from './arm-wait.js'
import type { DeleteEndpointOperation } from './inputs.js'
import { endpointId, endpointUrl } from './rest.js'

export async function deleteEndpoint(op: DeleteEndpointOperation, ctx: Context): Promise<void> {
  const endpoint = { workspace: op.workspace, name: op.endpointName }
  ctx.outputs.set('endpointName', op.endpointName)
  ctx.report.facts.push(['Endpoint', op.endpointName])
  await deleteAndWait(ctx, op, {
    url: endpointUrl(op, endpoint),
    what: `online endpoint ${op.endpointName}`,
    resourceId: endpointId(endpoint)
  })
}
