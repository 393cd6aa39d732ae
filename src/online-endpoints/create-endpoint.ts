/**
 * create-endpoint: an online endpoint YAML (read and validated by the input reader) → `PUT {WS}/onlineEndpoints/{name}`
 * (OnlineEndpoints_CreateOrUpdate, an ARM long-running operation) → outputs `endpointName`, `scoringUri`,
 * `provisioningState`. The endpoint's location is the workspace's (ARM requires one; azure-ai-ml passes the
 * workspace's). An update of an endpoint whose YAML has no `traffic` keeps the traffic it has: a PUT without it would
 * take all traffic away from its deployments.
 */
import * as core from '@actions/core'
import type { Context } from '../base/context.js'
import { InputError } from '../base/errors.js'
import { getWorkspace } from '../arm/endpoints.js'
import { putAndWait } from './arm-wait.js'
import type { CreateEndpointOperation } from './inputs.js'
import { endpointId, endpointUrl, getEndpoint, listDeployments, type EndpointBody, type EndpointRef } from './rest.js'
import { formatTraffic } from './traffic.js'
import { toEndpointRestBody } from './yaml/index.js'

export async function createEndpoint(op: CreateEndpointOperation, ctx: Context): Promise<void> {
  const endpoint: EndpointRef = { workspace: op.workspace, name: op.yaml.yaml.name }
  ctx.outputs.set('endpointName', endpoint.name)
  ctx.report.facts.push(['Endpoint', endpoint.name], ['Workspace', op.workspace.workspaceName])
  const location = (await getWorkspace(ctx, op, op.workspace)).location ?? 'unknown'
  const body = toEndpointRestBody(op.yaml, { location })
  const existing = await getEndpoint(ctx, op, endpoint)
  if (body.properties.traffic) {
    // Every deployment the traffic names must be on the endpoint: refused before any change.
    const named = Object.entries(body.properties.traffic)
      .filter(([, share]) => share > 0)
      .map(([d]) => d)
    const known = existing ? await listDeployments(ctx, op, endpoint) : []
    const unknown = named.filter(d => !known.includes(d))
    if (unknown.length > 0) {
      throw new InputError(
        'endpoint',
        `${op.yaml.file}: traffic: ${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not a deployment of ` +
          `endpoint ${endpoint.name}${known.length ? ` (it has ${known.join(', ')})` : ' (it has none yet)'}: create ` +
          'the deployment first, then give it traffic with set-traffic or create-deployment traffic.'
      )
    }
  } else if (existing?.body.properties?.traffic) {
    body.properties.traffic = existing.body.properties.traffic
  }
  core.info(
    `${existing ? 'Updating' : 'Creating'} online endpoint ${endpoint.name} (auth ${body.properties.authMode}).`
  )
  const result = await putAndWait(ctx, op, {
    url: endpointUrl(op, endpoint),
    body,
    what: `online endpoint ${endpoint.name}`,
    creates: !existing
  })
  ctx.outputs.set('resourceId', endpointId(endpoint))
  if (!result.body) return
  const props = (result.body as EndpointBody).properties ?? {}
  if (props.scoringUri) ctx.outputs.set('scoringUri', props.scoringUri)
  ctx.outputs.setResponse(result.body)
  ctx.report.facts.push(['Provisioning state', result.state], ['Traffic', formatTraffic(props.traffic ?? {})])
  if (props.scoringUri) ctx.report.facts.push(['Scoring URI', props.scoringUri])
  core.info(
    `Online endpoint ${endpoint.name}: ${result.state}${props.scoringUri ? `, scoring at ${props.scoringUri}` : ''}.`
  )
}
