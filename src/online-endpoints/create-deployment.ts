/**
 * create-deployment: a managed online deployment YAML (read and validated by the input reader) → every reference
 * checked → the model registered and the code uploaded as needed (`resolver.ts`) → `PUT
 * {WS}/onlineEndpoints/{e}/deployments/{d}` (OnlineDeployments_CreateOrUpdate, an ARM long-running operation) → with
 * `traffic`, the endpoint's traffic set once the deployment is up.
 *
 * Nothing changes before the checks: the endpoint must exist, and the traffic asked for must be possible. A deployment
 * that fails leaves the endpoint's traffic as it was, and the error says which deployment failed, why, and the tail of
 * the container log that explains it (`getLogs`: the storage initializer's when the model or code did not download,
 * else the inference server's; deployment-logs.ts).
 */
import * as core from '@actions/core'
import type { Context } from '../base/context.js'
import { InputError } from '../base/errors.js'
import { getWorkspace } from '../arm/endpoints.js'
import { LroFailedError } from '../arm/lro.js'
import { putAndWait } from './arm-wait.js'
import { explainingLog, explainingSentence, printExplainingLog } from './deployment-logs.js'
import type { CreateDeploymentOperation } from './inputs.js'
import { createDeploymentResolver } from './resolver.js'
import {
  deploymentExists,
  deploymentLogTail,
  deploymentUrl,
  endpointUrl,
  getEndpoint,
  listDeployments,
  type EndpointRef
} from './rest.js'
import { formatTraffic, withShare, type Traffic } from './traffic.js'
import { toDeploymentRestBody } from './yaml/index.js'

/** Lines of a container's log quoted when a deployment fails. */
const LOG_TAIL_LINES = 30

export async function createDeployment(op: CreateDeploymentOperation, ctx: Context): Promise<void> {
  const d = op.yaml.yaml
  const endpoint: EndpointRef = { workspace: op.workspace, name: d.endpoint_name }
  ctx.outputs.set('deploymentName', d.name)
  ctx.outputs.set('endpointName', endpoint.name)
  ctx.report.facts.push(['Endpoint', endpoint.name], ['Deployment', d.name])

  const current = await getEndpoint(ctx, op, endpoint)
  if (!current) {
    throw new InputError(
      'deployment',
      `${op.yaml.file}: endpoint_name: online endpoint ${endpoint.name} does not exist in workspace ` +
        `${op.workspace.workspaceName}: create it first (operation: create-endpoint).`
    )
  }
  const targetTraffic = await plannedTraffic(ctx, op, endpoint, current.body.properties?.traffic ?? {})

  const location = (await getWorkspace(ctx, op, op.workspace)).location ?? current.body.location ?? 'unknown'
  const cache = new Map<string, Promise<string>>()
  await core.group('Check references', () =>
    toDeploymentRestBody(
      op.yaml,
      createDeploymentResolver(ctx, op, op.workspace, op.yaml, { checkOnly: true, cache }),
      {
        location
      }
    )
  )
  const body = await core.group('Upload and register the model, code and environment', () =>
    toDeploymentRestBody(
      op.yaml,
      createDeploymentResolver(ctx, op, op.workspace, op.yaml, { checkOnly: false, cache }),
      {
        location
      }
    )
  )

  core.info(`Creating deployment ${d.name} of endpoint ${endpoint.name} (${d.instance_type}).`)
  let result
  try {
    result = await putAndWait(ctx, op, {
      url: deploymentUrl(op, endpoint, d.name),
      body,
      what: `deployment ${d.name} of endpoint ${endpoint.name}`,
      creates: !(await deploymentExists(ctx, op, endpoint, d.name))
    })
  } catch (error) {
    if (!(error instanceof LroFailedError)) throw error
    // Both containers' logs: when the model never downloaded, the storage initializer's says why (kind 6 of issue 18).
    const [inferenceServer, storageInitializer] = await Promise.all([
      deploymentLogTail(ctx, op, endpoint, d.name, LOG_TAIL_LINES, 'InferenceServer'),
      deploymentLogTail(ctx, op, endpoint, d.name, LOG_TAIL_LINES, 'StorageInitializer')
    ])
    const log = explainingLog({ inferenceServer, storageInitializer }, LOG_TAIL_LINES)
    if (log) printExplainingLog(d.name, log)
    const last = explainingSentence(log)
    throw new LroFailedError(
      `Deployment ${d.name} of endpoint ${endpoint.name} failed: ${error.message} The endpoint's traffic is unchanged ` +
        `(${formatTraffic(current.body.properties?.traffic ?? {})}).${last}`,
      error.state,
      error.errors,
      error.body,
      error.head
    )
  }
  ctx.report.facts.push(['Provisioning state', result.state])
  if (result.body) {
    ctx.outputs.setResponse(result.body)
    // The closing line, as create-endpoint's: the state the deployment ended in (or was left in, with wait: false).
    core.info(`Deployment ${d.name} of endpoint ${endpoint.name}: ${result.state}.`)
  }
  if (!targetTraffic || !result.body) return
  if (!op.wait) {
    core.notice('traffic: not set, since the step did not wait for the deployment (wait: false); use set-traffic.')
    return
  }
  // Read again: the endpoint's other properties may have changed while the deployment was made.
  const now = (await getEndpoint(ctx, op, endpoint))?.body ?? current.body
  core.info(`Setting the traffic of endpoint ${endpoint.name}: ${formatTraffic(targetTraffic)}.`)
  await putAndWait(ctx, op, {
    url: endpointUrl(op, endpoint),
    body: { ...now, properties: { ...now.properties, traffic: targetTraffic } },
    what: `traffic of endpoint ${endpoint.name}`,
    creates: false
  })
  ctx.report.facts.push(['Traffic', formatTraffic(targetTraffic)])
}

/** The traffic the `traffic` input asks for, checked against the endpoint's deployments before any change. */
async function plannedTraffic(
  ctx: Context,
  op: CreateDeploymentOperation,
  endpoint: EndpointRef,
  current: Traffic
): Promise<Traffic | undefined> {
  if (!op.traffic) return undefined
  const name = op.yaml.yaml.name
  if ('share' in op.traffic) {
    const next = withShare(current, name, op.traffic.share)
    if (typeof next === 'string') throw new InputError('traffic', `${next}.`)
    return next
  }
  const known = new Set([...(await listDeployments(ctx, op, endpoint)), name])
  const unknown = Object.keys(op.traffic.all).filter(n => !known.has(n))
  if (unknown.length > 0) {
    throw new InputError(
      'traffic',
      `${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not a deployment of endpoint ${endpoint.name} ` +
        `(it has ${[...known].join(', ')}).`
    )
  }
  return op.traffic.all
}
