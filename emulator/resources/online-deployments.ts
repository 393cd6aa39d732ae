/**
 * Online deployments, Microsoft.MachineLearningServices mfe.json 2024-04-01: `OnlineDeployments_List` (`$top`),
 * `OnlineDeployments_Get`, `OnlineDeployments_CreateOrUpdate` (new: 201 + `Azure-AsyncOperation`, Creating →
 * Succeeded | Failed; existing: 200 + `Azure-AsyncOperation`, Updating → ...; final state: a GET of the deployment),
 * `OnlineDeployments_Update` (PATCH: tags, `sku.capacity`; 200), `OnlineDeployments_Delete` (202 + `Location` +
 * `Azure-AsyncOperation`, Deleting, then gone; 204 when absent; a deployment that still has traffic or mirror traffic
 * on its endpoint: 400 UserError, as Azure refuses it), `OnlineDeployments_GetLogs` (`{containerType:
 * InferenceServer|StorageInitializer, tail}` → `{content}`) and `OnlineDeployments_ListSkus`.
 *
 * A PUT is checked: the endpoint exists (404) and is not being deleted (409); no other operation on the deployment is
 * in progress (409); `model` (a model version's ARM id, `azureml:<name>:<version>`, or a storage URI the emulator can
 * read), `codeConfiguration.codeId` and `environmentId` (ARM ids of versions of the workspace; `azureml://registries/`
 * environments are taken unchecked) exist (400 UserError otherwise); `codeConfiguration` is required (MLflow no-code
 * deployments are not emulated: 400).
 *
 * Provisioning really happens (inference-server.ts): the model's files (the version's `modelUri`:
 * `azureml://datastores/<ds>/paths/<p>`, `azureml://jobs/<job>/outputs/<name>`, an Azurite URL, ...; resolved by
 * jobs.ts `resolveStorageUri`) and the code version's blobs are downloaded from Azurite, one python3 process imports
 * the scoring script and calls `init()`. Succeeded when `init()` returns (and at least `delays.deploymentProvisionMs`
 * has passed); Failed with `ResourceNotReady` ("User container has crashed or terminated: ... init() failed:
 * <exception>") when it raises, the traceback in the InferenceServer logs; Failed with `ResourceNotFound` ("Unable to
 * download user model artifacts. Check the storage initializer container's logs ...") when the model or code cannot be
 * downloaded, the download error (and the blob URL with its SAS) in the StorageInitializer logs, the inference server
 * never started (its logs empty). The LRO's `Azure-AsyncOperation` answers the same error. Faults: `deployment-fail` (Failed
 * with the rule's error, default `OutOfQuota`, without starting anything), `deployment-slow` (`delayMs` more).
 */
import { apiVersionOf } from '../arm/api-version.js'
import { lroHeaders } from '../arm/lro.js'
import { PROVIDER } from '../arm/scopes.js'
import type { Core } from '../core/context.js'
import { armError, isReply, iso, json } from '../core/http.js'
import type { EmulatorModule } from '../core/routes.js'
import { onlineDeploymentKey, type OnlineDeploymentRecord, type Workspace } from '../core/state.js'
import type { Reply, RequestContext } from '../core/types.js'
import { findContainer, findVersionById, systemData } from './assets.js'
import type { BlobLocation } from './blobs.js'
import { storageFailure } from './inference-server.js'
import { isoDurationMs } from './job-process.js'
import { checkReference, resolveStorageUri } from './jobs.js'
import { deploymentsOf, endpointId, findEndpoint } from './online-endpoints.js'

type Json = Record<string, unknown>
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

const DEPLOYMENT_NAME = /^[a-zA-Z][a-zA-Z0-9-]{0,31}$/
const IN_PROGRESS = new Set(['Creating', 'Updating', 'Scaling', 'Deleting'])

function keyOf(d: OnlineDeploymentRecord): string {
  return onlineDeploymentKey(d.workspaceKey, d.endpointName, d.name)
}

export function deploymentBody(core: Core, d: OnlineDeploymentRecord): Json {
  const ws = core.state.workspaces.get(d.workspaceKey)
  const base = ws ? endpointId(ws, d.endpointName) : `${d.workspaceKey}/onlineEndpoints/${d.endpointName}`
  const requestSettings = isObj(d.properties.requestSettings) ? d.properties.requestSettings : {}
  return {
    id: `${base}/deployments/${d.name}`,
    name: d.name,
    type: `${PROVIDER}/workspaces/onlineEndpoints/deployments`,
    location: d.location,
    tags: d.tags,
    ...(d.kind ? { kind: d.kind } : {}),
    sku: d.sku,
    systemData: systemData(core, d.createdAt, d.modifiedAt),
    properties: {
      appInsightsEnabled: false,
      egressPublicNetworkAccess: 'Enabled',
      scaleSettings: { scaleType: 'Default' },
      ...d.properties,
      requestSettings: {
        maxConcurrentRequestsPerInstance: 1,
        // (maxQueueWait, deprecated for managed endpoints, is left out: its default PT0.5S fails ajv's "duration".)
        requestTimeout: 'PT5S',
        ...requestSettings
      },
      provisioningState: d.provisioningState
    }
  }
}

function deploymentNotFound(ctx: RequestContext): Reply {
  return armError(
    404,
    'ResourceNotFound',
    `The Resource '${PROVIDER}/workspaces/${ctx.params.workspaceName}/onlineEndpoints/${ctx.params.endpointName}/` +
      `deployments/${ctx.params.deploymentName}' under resource group '${ctx.params.resourceGroupName}' was not ` +
      'found. For more details please go to https://aka.ms/ARMResourceNotFoundFix'
  )
}

function findDeployment(core: Core, ctx: RequestContext): { d: OnlineDeploymentRecord; sub: string } | Reply {
  const f = findEndpoint(core, ctx)
  if (isReply(f)) return f
  const d = core.state.onlineDeployments.get(onlineDeploymentKey(f.wsKey, f.endpoint.name, ctx.params.deploymentName))
  return d ? { d, sub: f.sub } : deploymentNotFound(ctx)
}

/** Checks `model`: undefined when it can be served, else why not. */
function checkModel(core: Core, ws: Workspace, wsKey: string, model: unknown): string | undefined {
  if (model === undefined || model === null || model === '') return undefined
  if (typeof model !== 'string') return 'properties.model must be a string (the ARM id of a model version).'
  if (/^azureml:\/\/registries\//i.test(model)) {
    return `properties.model '${model}' is a registry model; the emulator serves models of the workspace only.`
  }
  if (model.startsWith('/subscriptions/')) {
    if (!/\/models\/[^/]+\/versions\/[^/]+$/i.test(model)) {
      return `properties.model '${model}' is not the ARM id of a model version ({WS}/models/<name>/versions/<version>).`
    }
    const found = findVersionById(core, model, 'models')
    if (!found || found.ws !== ws) {
      const m = /\/models\/([^/]+)\/versions\/([^/]+)$/i.exec(model)!
      return `Model '${decodeURIComponent(m[1])}' version '${decodeURIComponent(m[2])}' (properties.model) was not found in workspace '${ws.name}'.`
    }
    return undefined
  }
  const short = /^azureml:([^:@/]+)(?::([^:@/]+)|@latest)?$/i.exec(model)
  if (short) {
    const c = findContainer(core, wsKey, 'models', short[1])
    if (!c || (short[2] !== undefined && !c.versions.has(short[2]))) {
      return `Model '${short[1]}'${short[2] ? ` version '${short[2]}'` : ''} (properties.model) was not found in workspace '${ws.name}'.`
    }
  }
  return undefined
}

function settle(
  d: OnlineDeploymentRecord,
  state: 'Succeeded' | 'Failed',
  error?: { code: string; message: string }
): void {
  d.provisioningState = state
  d.error = error
  d.modifiedAt = iso()
}

/** Downloads, starts and waits for the inference server; settles the record (unless a later PUT or a delete won). */
async function provision(
  core: Core,
  ws: Workspace,
  d: OnlineDeploymentRecord,
  generation: number,
  fault: { fail?: { code: string; message: string }; delayMs: number }
): Promise<void> {
  const key = keyOf(d)
  const started = Date.now()
  const logs = core.inference.logs(key)
  const current = (): boolean => core.state.onlineDeployments.get(key) === d && d.generation === generation
  const minWait = async (): Promise<void> => {
    // Through the inference servers' sleep: cut short when the emulator closes or is reset (no timer outlives it).
    await core.inference.sleep(core.config.delays.deploymentProvisionMs + fault.delayMs - (Date.now() - started))
  }
  const fail = async (error: { code: string; message: string }): Promise<void> => {
    await minWait()
    if (!current()) return
    core.inference.stop(key)
    settle(d, 'Failed', error)
    core.log(`deployment ${d.endpointName}/${d.name}: Failed (${error.code})`)
  }
  if (fault.fail) {
    logs.storage.line(`${iso()} Emulator fault deployment-fail: ${fault.fail.code}`)
    return fail({ code: fault.fail.code || 'OutOfQuota', message: fault.fail.message })
  }
  const p = d.properties
  let model: { uri: string; location: BlobLocation } | undefined
  if (typeof p.model === 'string' && p.model) {
    const where = await resolveStorageUri(core, ws, p.model, 'models')
    if (typeof where === 'string') {
      logs.storage.line(`${iso()} Downloading model ${p.model}`)
      return fail(storageFailure(logs.storage, 'model', where))
    }
    const modelUri = p.model.startsWith('/subscriptions/')
      ? findVersionById(core, p.model, 'models')?.version.properties.modelUri
      : undefined
    model = { uri: typeof modelUri === 'string' ? `${modelUri} (${p.model})` : p.model, location: where }
  }
  const cc = isObj(p.codeConfiguration) ? p.codeConfiguration : {}
  let code: { uri: string; location: BlobLocation } | undefined
  if (typeof cc.codeId === 'string' && cc.codeId) {
    const codeUri = findVersionById(core, cc.codeId, 'codes')?.version.properties.codeUri
    if (typeof codeUri !== 'string') return fail({ code: 'UserError', message: `Code ${cc.codeId} was not found.` })
    const where = await resolveStorageUri(core, ws, codeUri, 'data')
    if (typeof where === 'string') {
      logs.storage.line(`${iso()} Downloading code ${codeUri}`)
      return fail(storageFailure(logs.storage, 'code', where))
    }
    code = { uri: codeUri, location: where }
  }
  const vars = isObj(p.environmentVariables) ? p.environmentVariables : {}
  const settings = isObj(p.requestSettings) ? p.requestSettings : {}
  const result = await core.inference.launch(key, {
    label: `${d.endpointName}-${d.name}`,
    model,
    code,
    scoringScript: String(cc.scoringScript ?? 'score.py'),
    environmentVariables: Object.fromEntries(
      Object.entries(vars)
        .filter(([, v]) => v !== null && v !== undefined)
        .map(([k, v]) => [k, String(v)])
    ),
    requestTimeoutMs: isoDurationMs(String(settings.requestTimeout ?? '')) || 5000,
    delayMs: fault.delayMs
  })
  if (!result.ok) return fail({ code: result.code, message: result.message })
  await minWait()
  if (!current() || core.inference.isClosed) {
    result.server.stop()
    return
  }
  core.inference.install(key, result.server)
  settle(d, 'Succeeded')
  core.log(`deployment ${d.endpointName}/${d.name}: Succeeded`)
}

// --------------------------------------------------------------------------------------------------------- handlers

export function listDeployments(core: Core, ctx: RequestContext): Reply {
  const f = findEndpoint(core, ctx)
  if (isReply(f)) return f
  let value = deploymentsOf(core, f.endpoint).sort((a, b) => a.createdAt.localeCompare(b.createdAt))
  if (/desc/i.test(String(ctx.query.$orderBy ?? ''))) value = value.reverse()
  const top = Number(ctx.query.$top)
  if (Number.isInteger(top) && top > 0) value = value.slice(0, top)
  return json(200, { value: value.map(d => deploymentBody(core, d)) })
}

export function getDeployment(core: Core, ctx: RequestContext): Reply {
  const f = findDeployment(core, ctx)
  return isReply(f) ? f : json(200, deploymentBody(core, f.d))
}

export function putDeployment(core: Core, ctx: RequestContext): Reply {
  const f = findEndpoint(core, ctx)
  if (isReply(f)) return f
  const { ws, wsKey, endpoint } = f
  const name = ctx.params.deploymentName
  if (!DEPLOYMENT_NAME.test(name)) {
    return armError(
      400,
      'UserError',
      `Deployment name '${name}' is invalid: it must start with a letter, contain only letters, digits and hyphens, ` +
        'and be at most 32 characters.'
    )
  }
  if (endpoint.provisioningState === 'Deleting' || endpoint.provisioningState === 'Failed') {
    return armError(
      409,
      'Conflict',
      `Endpoint '${endpoint.name}' is ${endpoint.provisioningState}; deployments need an endpoint that is not.`
    )
  }
  const key = onlineDeploymentKey(wsKey, endpoint.name, name)
  const existing = core.state.onlineDeployments.get(key)
  if (existing && IN_PROGRESS.has(existing.provisioningState)) {
    return armError(
      409,
      'Conflict',
      `Deployment '${name}' has an operation in progress (${existing.provisioningState}); retry once it has finished.`
    )
  }
  const body = (ctx.json ?? {}) as Json
  const props = isObj(body.properties) ? structuredClone(body.properties) : {}
  delete props.provisioningState
  const location = typeof body.location === 'string' ? body.location : ''
  if (location.replace(/\s+/g, '').toLowerCase() !== endpoint.location.replace(/\s+/g, '').toLowerCase()) {
    return armError(
      400,
      'UserError',
      `The deployment's location '${location}' must be the endpoint's '${endpoint.location}'.`
    )
  }
  const cc = props.codeConfiguration
  if (!isObj(cc) || typeof cc.scoringScript !== 'string' || !cc.scoringScript) {
    return armError(
      400,
      'UserError',
      'properties.codeConfiguration (codeId and scoringScript) is required: the emulator runs scoring scripts only; ' +
        'custom-container deployments (an environment with inference_config) and MLflow no-code deployments are not ' +
        'emulated.'
    )
  }
  const why =
    checkModel(core, ws, wsKey, props.model) ??
    checkReference(core, ws, 'codeConfiguration.codeId', cc.codeId, 'codes') ??
    checkReference(core, ws, 'environmentId', props.environmentId, 'environments')
  if (why) return armError(400, 'UserError', why)
  const skuIn = isObj(body.sku) ? body.sku : {}
  const capacity = skuIn.capacity === undefined ? 1 : skuIn.capacity
  if (typeof capacity !== 'number' || !Number.isInteger(capacity) || capacity < 1) {
    return armError(
      400,
      'UserError',
      `sku.capacity (instance_count) must be a positive integer, got ${JSON.stringify(capacity)}.`
    )
  }
  const now = iso()
  const d: OnlineDeploymentRecord = existing ?? {
    workspaceKey: wsKey,
    endpointName: endpoint.name,
    name,
    location: endpoint.location,
    properties: {},
    sku: {},
    tags: {},
    provisioningState: 'Creating',
    createdAt: now,
    modifiedAt: now,
    generation: 0
  }
  d.properties = props
  d.sku = { name: 'Default', ...skuIn, capacity }
  d.tags = isObj(body.tags) ? (body.tags as Record<string, string>) : d.tags
  d.kind = typeof body.kind === 'string' ? body.kind : d.kind
  d.provisioningState = existing ? 'Updating' : 'Creating'
  d.error = undefined
  d.modifiedAt = now
  const generation = ++d.generation
  core.state.onlineDeployments.set(key, d)
  const sc = ctx.scenario
  const op = core.state.startOperation({
    kind: existing ? 'deployment-update' : 'deployment-create',
    target: key,
    location: endpoint.location,
    subscriptionId: f.sub,
    apiVersion: apiVersionOf(ctx),
    doneAt: Date.now(),
    outcome: 'Succeeded',
    doneWhen: () => {
      if (core.state.onlineDeployments.get(key) !== d || d.generation !== generation) {
        op.outcome = 'Failed'
        op.error = { code: 'Canceled', message: `Deployment '${name}' was deleted or replaced before it was ready.` }
        return true
      }
      if (d.provisioningState !== 'Succeeded' && d.provisioningState !== 'Failed') return false
      op.outcome = d.provisioningState
      op.error = d.error
      return true
    }
  })
  void provision(core, ws, d, generation, { fail: sc.deploymentFail, delayMs: sc.deploymentDelayMs ?? 0 }).catch(
    (error: unknown) => {
      if (core.state.onlineDeployments.get(key) === d && d.generation === generation) {
        settle(d, 'Failed', {
          code: 'InternalServerError',
          message: `Provisioning failed: ${(error as Error).message}`
        })
      }
    }
  )
  return {
    status: existing ? 200 : 201,
    body: deploymentBody(core, d),
    headers: lroHeaders(core, op, ['async'])
  }
}

export function patchDeployment(core: Core, ctx: RequestContext): Reply {
  const f = findDeployment(core, ctx)
  if (isReply(f)) return f
  const d = f.d
  const body = (ctx.json ?? {}) as Json
  if (isObj(body.tags)) d.tags = body.tags as Record<string, string>
  if (isObj(body.sku)) {
    const capacity = body.sku.capacity
    if (capacity !== undefined && (typeof capacity !== 'number' || !Number.isInteger(capacity) || capacity < 1)) {
      return armError(400, 'UserError', `sku.capacity must be a positive integer, got ${JSON.stringify(capacity)}.`)
    }
    d.sku = { ...d.sku, ...body.sku }
  }
  d.modifiedAt = iso()
  return json(200, deploymentBody(core, d))
}

export function deleteDeployment(core: Core, ctx: RequestContext): Reply {
  const e = findEndpoint(core, ctx)
  if (isReply(e)) return e
  const key = onlineDeploymentKey(e.wsKey, e.endpoint.name, ctx.params.deploymentName)
  const d = core.state.onlineDeployments.get(key)
  if (!d) return { status: 204 }
  const pending = [...core.state.operations.values()].find(
    o => o.kind === 'deployment-delete' && o.target === key && !o.applied
  )
  if (pending) return { status: 202, headers: lroHeaders(core, pending, ['async', 'location']) }
  const live = e.endpoint.traffic[d.name] ?? 0
  const mirror = e.endpoint.mirrorTraffic[d.name] ?? 0
  if (live > 0 || mirror > 0) {
    return armError(
      400,
      'UserError',
      `Deployment '${d.name}' of endpoint '${e.endpoint.name}' has ${live > 0 ? `${live}% of the traffic` : `${mirror}% mirror traffic`}; ` +
        `a deployment with traffic cannot be deleted. Set its traffic to 0 on the endpoint first.`
    )
  }
  d.provisioningState = 'Deleting'
  d.modifiedAt = iso()
  d.generation++
  core.inference.stop(key)
  const op = core.state.startOperation({
    kind: 'deployment-delete',
    target: key,
    location: d.location,
    subscriptionId: e.sub,
    apiVersion: apiVersionOf(ctx),
    doneAt: Date.now() + core.config.delays.deploymentDeleteMs,
    outcome: 'Succeeded',
    onApply: () => {
      if (core.state.onlineDeployments.get(key) !== d) return
      core.inference.forget(key)
      core.state.onlineDeployments.delete(key)
      const endpoint = e.endpoint
      delete endpoint.traffic[d.name]
      delete endpoint.mirrorTraffic[d.name]
    }
  })
  return { status: 202, headers: lroHeaders(core, op, ['async', 'location']) }
}

export function getLogs(core: Core, ctx: RequestContext): Reply {
  const f = findDeployment(core, ctx)
  if (isReply(f)) return f
  const body = (ctx.json ?? {}) as { containerType?: string; tail?: number | null }
  const type = String(body.containerType ?? 'InferenceServer').toLowerCase()
  const logs = core.inference.logs(keyOf(f.d))
  const buffer = type === 'storageinitializer' ? logs.storage : logs.inference
  return json(200, { content: buffer.tail(body.tail) })
}

export function listSkus(core: Core, ctx: RequestContext): Reply {
  const f = findDeployment(core, ctx)
  if (isReply(f)) return f
  return json(200, {
    value: [
      {
        resourceType: `${PROVIDER}/workspaces/onlineEndpoints/deployments`,
        sku: { name: 'Default', tier: 'Standard' },
        capacity: { minimum: 1, maximum: 20, default: 1, scaleType: 'Manual' }
      }
    ]
  })
}

export const onlineDeploymentsModule: EmulatorModule = {
  name: 'online-deployments',
  operations: {
    'mfe-2024-04-01:OnlineDeployments_List': listDeployments,
    'mfe-2024-04-01:OnlineDeployments_Get': getDeployment,
    'mfe-2024-04-01:OnlineDeployments_CreateOrUpdate': putDeployment,
    'mfe-2024-04-01:OnlineDeployments_Update': patchDeployment,
    'mfe-2024-04-01:OnlineDeployments_Delete': deleteDeployment,
    'mfe-2024-04-01:OnlineDeployments_GetLogs': getLogs,
    'mfe-2024-04-01:OnlineDeployments_ListSkus': listSkus
  },
  operationResults: {
    'deployment-create': (core, target) => {
      const d = core.state.onlineDeployments.get(target)
      return d ? deploymentBody(core, d) : undefined
    },
    'deployment-update': (core, target) => {
      const d = core.state.onlineDeployments.get(target)
      return d ? deploymentBody(core, d) : undefined
    }
  }
}
