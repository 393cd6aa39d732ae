/**
 * set-traffic: the endpoint's traffic, e.g. `blue=90,green=10`. The endpoint is read and written back whole
 * (OnlineEndpoints_Get, then OnlineEndpoints_CreateOrUpdate, an ARM long-running operation), since its PATCH body
 * (`PartialMinimalTrackedResourceWithIdentity`) carries no traffic. Deployments that are not on the endpoint are
 * refused before any change; deployments left out of the input get 0.
 */
import * as core from '@actions/core'
import type { Context } from '../base/context.js'
import { InputError } from '../base/errors.js'
import { putAndWait } from './arm-wait.js'
import type { SetTrafficOperation } from './inputs.js'
import { endpointUrl, getEndpoint, listDeployments, type EndpointRef } from './rest.js'
import { formatTraffic } from './traffic.js'

export async function setTraffic(op: SetTrafficOperation, ctx: Context): Promise<void> {
  const endpoint: EndpointRef = { workspace: op.workspace, name: op.endpointName }
  ctx.outputs.set('endpointName', endpoint.name)
  const current = await getEndpoint(ctx, op, endpoint)
  if (!current) {
    throw new InputError(
      'endpoint-name',
      `online endpoint ${endpoint.name} does not exist in workspace ${op.workspace.workspaceName}.`
    )
  }
  const deployments = await listDeployments(ctx, op, endpoint)
  const unknown = Object.keys(op.traffic).filter(d => !deployments.includes(d))
  if (unknown.length > 0) {
    throw new InputError(
      'traffic',
      `${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not a deployment of endpoint ${endpoint.name} ` +
        `(it has ${deployments.length ? deployments.join(', ') : 'none'}).`
    )
  }
  const traffic = Object.fromEntries(deployments.map(d => [d, op.traffic[d] ?? 0]))
  const before = current.body.properties?.traffic ?? {}
  core.info(`Traffic of endpoint ${endpoint.name}: ${formatTraffic(before)} → ${formatTraffic(traffic)}.`)
  ctx.report.facts.push(
    ['Endpoint', endpoint.name],
    ['Traffic before', formatTraffic(before)],
    ['Traffic', formatTraffic(traffic)]
  )
  const result = await putAndWait(ctx, op, {
    url: endpointUrl(op, endpoint),
    body: { ...current.body, properties: { ...current.body.properties, traffic } },
    what: `traffic of endpoint ${endpoint.name}`,
    creates: false
  })
  if (result.body) ctx.outputs.setResponse(result.body)
}
