/**
 * ARM: resource groups, workspaces and computes with their long-running operations, the polling URLs those hand out,
 * and the api-version check in ARM's words.
 */
import { randomUUID } from 'node:crypto'
import type { Core } from './core.js'
import { QUOTA_ERROR } from './faults.js'
import { armError, isReply, iso, json } from './http.js'
import { computeKey, workspaceKey, type Compute, type Operation, type Workspace } from './state.js'
import type { Reply, RequestContext } from './types.js'
import { isGuid } from './config.js'

const PROVIDER = 'Microsoft.MachineLearningServices'

// ---------------------------------------------------------------------------------------------------------- api-version

/** Which provider's api-versions a route takes. */
export type ApiVersionKind = 'mls' | 'resources'

export function checkApiVersion(core: Core, ctx: RequestContext, kind: ApiVersionKind): Reply | undefined {
  const key = Object.keys(ctx.query).find(k => k.toLowerCase() === 'api-version')
  const version = key === undefined ? undefined : ctx.query[key]
  if (!version) {
    return armError(
      400,
      'MissingApiVersionParameter',
      'The api-version query parameter (?api-version=) is required for all requests.'
    )
  }
  const supported = kind === 'mls' ? core.config.apiVersions.machineLearningServices : core.config.apiVersions.resources
  if (supported.includes(version)) return undefined
  if (kind === 'resources') {
    return armError(
      400,
      'InvalidApiVersionParameter',
      `The api-version '${version}' is invalid. The supported versions are '${[...supported].reverse().join(',')}'. ` +
        `The supported locations are ', ${core.seed.location}, eastus, westeurope'.`
    )
  }
  const type = /\/computes(\/|$)/i.test(ctx.path) ? 'workspaces/computes' : 'workspaces'
  return armError(
    400,
    'NoRegisteredProviderFound',
    `No registered resource provider found for location '${core.seed.location}' and API version '${version}' for ` +
      `type '${type}'. The supported api-versions are '${supported.join(', ')}'. The supported locations are ` +
      `'${core.seed.location}, eastus, westeurope'.`
  )
}

export function apiVersionOf(ctx: RequestContext): string {
  const key = Object.keys(ctx.query).find(k => k.toLowerCase() === 'api-version')
  return key === undefined ? '' : ctx.query[key]
}

// ------------------------------------------------------------------------------------------------------------ scopes

interface Scope {
  sub: string
  rg?: { name: string; location: string }
  ws?: Workspace
  wsKey?: string
}

function subscriptionScope(core: Core, ctx: RequestContext): Scope | Reply {
  const sub = ctx.params.subscriptionId
  if (!isGuid(sub)) {
    return armError(
      400,
      'InvalidSubscriptionId',
      `The provided subscription identifier '${sub}' is malformed or invalid.`
    )
  }
  if (!core.state.subscriptions.has(sub.toLowerCase())) {
    return armError(404, 'SubscriptionNotFound', `The subscription '${sub}' could not be found.`)
  }
  return { sub }
}

function rgScope(core: Core, ctx: RequestContext): Scope | Reply {
  const s = subscriptionScope(core, ctx)
  if (isReply(s)) return s
  const name = ctx.params.resourceGroupName
  const rg = core.state.resourceGroups.get(core.state.rgKey(s.sub, name))
  if (!rg) return armError(404, 'ResourceGroupNotFound', `Resource group '${name}' could not be found.`)
  return { ...s, rg }
}

function wsScope(core: Core, ctx: RequestContext): Scope | Reply {
  const s = rgScope(core, ctx)
  if (isReply(s)) return s
  const name = ctx.params.workspaceName
  const key = workspaceKey(s.sub, s.rg?.name ?? '', name)
  const ws = core.state.workspaces.get(key)
  if (!ws) return workspaceNotFound(ctx.params.resourceGroupName, name)
  return { ...s, ws, wsKey: key }
}

function workspaceNotFound(rg: string, name: string): Reply {
  return armError(
    404,
    'ResourceNotFound',
    `The Resource '${PROVIDER}/workspaces/${name}' under resource group '${rg}' was not found. For more details ` +
      'please go to https://aka.ms/ARMResourceNotFoundFix'
  )
}

// --------------------------------------------------------------------------------------------------- resource groups

function rgBody(sub: string, rg: { name: string; location: string }): Record<string, unknown> {
  return {
    id: `/subscriptions/${sub}/resourceGroups/${rg.name}`,
    name: rg.name,
    type: 'Microsoft.Resources/resourceGroups',
    location: rg.location,
    properties: { provisioningState: 'Succeeded' }
  }
}

export function listResourceGroups(core: Core, ctx: RequestContext): Reply {
  const s = subscriptionScope(core, ctx)
  if (isReply(s)) return s
  let groups = [...core.state.resourceGroups.entries()]
    .filter(([k]) => k.startsWith(`${s.sub.toLowerCase()}/`))
    .map(([, rg]) => rgBody(s.sub, rg))
  const top = Number(ctx.query.$top)
  if (Number.isInteger(top) && top > 0) groups = groups.slice(0, top)
  return json(200, { value: groups })
}

export function getResourceGroup(core: Core, ctx: RequestContext): Reply {
  const s = rgScope(core, ctx)
  if (isReply(s)) return s
  return json(200, rgBody(s.sub, s.rg!))
}

export function checkResourceGroup(core: Core, ctx: RequestContext): Reply {
  const s = rgScope(core, ctx)
  return { status: isReply(s) ? (s.status === 404 ? 404 : s.status) : 204 }
}

// -------------------------------------------------------------------------------------------------------- workspaces

export function workspaceId(ws: Workspace): string {
  return `/subscriptions/${ws.subscriptionId}/resourceGroups/${ws.resourceGroup}/providers/${PROVIDER}/workspaces/${ws.name}`
}

export function workspaceBody(core: Core, ws: Workspace): Record<string, unknown> {
  return {
    id: workspaceId(ws),
    name: ws.name,
    type: `${PROVIDER}/workspaces`,
    location: ws.location,
    tags: ws.tags,
    sku: ws.sku,
    ...(ws.identity ? { identity: ws.identity } : {}),
    properties: {
      friendlyName: ws.friendlyName,
      description: ws.description,
      creationTime: ws.creationTime,
      storageAccount: ws.storageAccount,
      ...(ws.containerRegistry ? { containerRegistry: ws.containerRegistry } : {}),
      keyVault: ws.keyVault,
      applicationInsights: ws.applicationInsights,
      workspaceId: ws.workspaceId,
      discoveryUrl: `${core.apiUrl}/discovery`,
      provisioningState: ws.provisioningState
    }
  }
}

export function listWorkspaces(core: Core, ctx: RequestContext): Reply {
  const s = ctx.params.resourceGroupName === undefined ? subscriptionScope(core, ctx) : rgScope(core, ctx)
  if (isReply(s)) return s
  const value = [...core.state.workspaces.values()]
    .filter(
      ws =>
        ws.subscriptionId.toLowerCase() === s.sub.toLowerCase() &&
        (!s.rg || ws.resourceGroup.toLowerCase() === s.rg.name.toLowerCase())
    )
    .map(ws => workspaceBody(core, ws))
  return json(200, { value })
}

export function getWorkspace(core: Core, ctx: RequestContext): Reply {
  const s = wsScope(core, ctx)
  if (isReply(s)) return s
  return json(200, workspaceBody(core, s.ws!))
}

const DEPENDENTS = [
  { field: 'storageAccount', type: 'Microsoft.Storage/storageAccounts', what: 'storage account', required: true },
  { field: 'keyVault', type: 'Microsoft.KeyVault/vaults', what: 'key vault', required: true },
  { field: 'applicationInsights', type: 'Microsoft.Insights/components', what: 'Application Insights', required: true },
  {
    field: 'containerRegistry',
    type: 'Microsoft.ContainerRegistry/registries',
    what: 'container registry',
    required: false
  }
] as const

const ARM_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/([^/]+\/[^/]+)\/([^/]+)$/i

/** Checks the dependent resource ids of a workspace PUT: well-formed, the right type, existing (when configured). */
function checkDependents(core: Core, props: Record<string, unknown>): Reply | undefined {
  for (const d of DEPENDENTS) {
    const value = props[d.field]
    if (value === undefined || value === null || value === '') {
      if (d.required) {
        return armError(
          400,
          'ValidationError',
          `properties.${d.field} is required: the ARM id of the workspace's ${d.what} (${d.type}).`
        )
      }
      continue
    }
    const id = String(value)
    const m = ARM_ID.exec(id)
    if (!id.startsWith('/subscriptions/') || !m) {
      return armError(
        400,
        'LinkedInvalidPropertyId',
        `Property id '${id}' at path 'properties.${d.field}' is invalid. Expect fully qualified resource Id that start ` +
          "with '/subscriptions/{subscriptionId}' or '/providers/{resourceProviderNamespace}/'."
      )
    }
    if (m[3].toLowerCase() !== d.type.toLowerCase()) {
      return armError(
        400,
        'ValidationError',
        `properties.${d.field} must be the id of a ${d.type} resource, got a ${m[3]} id: '${id}'.`
      )
    }
    if (!core.config.checkDependentResources) continue
    const found = core.state.dependents.get(id.toLowerCase())
    if (!found) {
      return armError(
        400,
        'ValidationError',
        `The ${d.what} '${m[4]}' (properties.${d.field}) was not found in resource group '${m[2]}' of subscription ` +
          `'${m[1]}'. Create it first or give the id of an existing one.`
      )
    }
    if (d.field === 'containerRegistry' && found.adminUserEnabled === false) {
      return armError(
        400,
        'ValidationError',
        `The container registry '${m[4]}' (properties.containerRegistry) does not have the admin user enabled, which ` +
          `Azure Machine Learning requires. Enable it: az acr update --name ${m[4]} --admin-enabled true`
      )
    }
  }
  return undefined
}

function lroHeaders(core: Core, op: Operation, which: ('location' | 'async')[]): Record<string, string> {
  const base = `${core.url}/subscriptions/${op.subscriptionId}/providers/${PROVIDER}/locations/${op.location}`
  const q = `?api-version=${encodeURIComponent(op.apiVersion)}`
  const h: Record<string, string> = { 'Retry-After': String(core.config.retryAfterSeconds) }
  if (which.includes('async')) h['Azure-AsyncOperation'] = `${base}/operationsStatus/${op.id}${q}`
  if (which.includes('location')) h.Location = `${base}/operationResults/${op.id}${q}`
  return h
}

export function putWorkspace(core: Core, ctx: RequestContext): Reply {
  const s = rgScope(core, ctx)
  if (isReply(s)) return s
  const name = ctx.params.workspaceName
  if (!/^[a-zA-Z0-9][\w-]{2,32}$/.test(name)) {
    return armError(
      400,
      'ValidationError',
      `Workspace name '${name}' is invalid: 3 to 33 characters, letters, digits, hyphens and underscores, starting ` +
        'with a letter or digit.'
    )
  }
  const body = (ctx.json ?? {}) as Record<string, unknown>
  const location = typeof body.location === 'string' ? body.location.replace(/\s+/g, '').toLowerCase() : ''
  if (!location) {
    return armError(400, 'LocationRequired', 'The location property is required for this definition.')
  }
  const props = (typeof body.properties === 'object' && body.properties !== null ? body.properties : {}) as Record<
    string,
    unknown
  >
  const key = workspaceKey(s.sub, s.rg!.name, name)
  const existing = core.state.workspaces.get(key)
  const taken = [...core.state.workspaces.values()].find(
    ws =>
      ws.name.toLowerCase() === name.toLowerCase() && workspaceKey(ws.subscriptionId, ws.resourceGroup, ws.name) !== key
  )
  if (taken) {
    return armError(
      409,
      'Conflict',
      `The workspace name '${name}' is already in use by a workspace in resource group '${taken.resourceGroup}'. ` +
        'Choose another name.'
    )
  }
  const bad = checkDependents(core, props)
  if (bad) return bad
  const str = (v: unknown): string => (typeof v === 'string' ? v : '')
  const identity = body.identity as { type?: string } | undefined
  const tags = (typeof body.tags === 'object' && body.tags !== null ? body.tags : {}) as Record<string, string>
  if (existing) {
    if (existing.provisioningState === 'Deleting') {
      return armError(409, 'Conflict', `Workspace '${name}' is being deleted; retry once the deletion has finished.`)
    }
    for (const d of DEPENDENTS) {
      const requested = str(props[d.field])
      const current = existing[d.field] ?? ''
      if (requested && requested.toLowerCase() !== current.toLowerCase()) {
        return armError(
          400,
          'ValidationError',
          `properties.${d.field} cannot be changed once the workspace has been created (it is '${current}').`
        )
      }
    }
    existing.friendlyName = str(props.friendlyName) || existing.friendlyName
    existing.description = str(props.description) || existing.description
    existing.tags = tags
    return json(200, workspaceBody(core, existing))
  }
  const ws: Workspace = {
    subscriptionId: s.sub,
    resourceGroup: s.rg!.name,
    name,
    location,
    friendlyName: str(props.friendlyName) || name,
    description: str(props.description),
    storageAccount: str(props.storageAccount),
    keyVault: str(props.keyVault),
    applicationInsights: str(props.applicationInsights),
    containerRegistry: str(props.containerRegistry) || undefined,
    identity: identity?.type
      ? { type: 'SystemAssigned', principalId: randomUUID(), tenantId: core.seed.tenantId }
      : undefined,
    tags,
    sku: { name: 'Basic', tier: 'Basic' },
    workspaceId: randomUUID(),
    creationTime: iso(),
    provisioningState: 'Creating'
  }
  core.state.workspaces.set(key, ws)
  const fail = ctx.scenario.provisionFail
  const op = core.state.startOperation({
    kind: 'workspace-create',
    target: key,
    location,
    subscriptionId: s.sub,
    apiVersion: apiVersionOf(ctx),
    doneAt: Date.now() + core.config.delays.workspaceProvisionMs,
    outcome: fail ? 'Failed' : 'Succeeded',
    error: fail ? (fail.message ? fail : QUOTA_ERROR('Standard_DS3_v2', location)) : undefined
  })
  return { status: 202, headers: lroHeaders(core, op, ['location']) }
}

export function deleteWorkspace(core: Core, ctx: RequestContext): Reply {
  const s = rgScope(core, ctx)
  if (isReply(s)) return s
  const key = workspaceKey(s.sub, s.rg!.name, ctx.params.workspaceName)
  const ws = core.state.workspaces.get(key)
  if (!ws) return { status: 204 }
  const pending = [...core.state.operations.values()].find(
    o => o.kind === 'workspace-delete' && o.target === key && !o.applied
  )
  if (pending) return { status: 202, headers: lroHeaders(core, pending, ['location']) }
  ws.provisioningState = 'Deleting'
  const op = core.state.startOperation({
    kind: 'workspace-delete',
    target: key,
    location: ws.location,
    subscriptionId: s.sub,
    apiVersion: apiVersionOf(ctx),
    doneAt: Date.now() + core.config.delays.workspaceDeleteMs,
    outcome: 'Succeeded'
  })
  return { status: 202, headers: lroHeaders(core, op, ['location']) }
}

// ---------------------------------------------------------------------------------------------------------- computes

export function computeId(core: Core, c: Compute): string {
  const ws = core.state.workspaces.get(c.workspaceKey)
  return `${ws ? workspaceId(ws) : c.workspaceKey}/computes/${c.name}`
}

export function computeBody(core: Core, c: Compute): Record<string, unknown> {
  const s = c.settings
  return {
    id: computeId(core, c),
    name: c.name,
    type: `${PROVIDER}/workspaces/computes`,
    location: c.location,
    ...(c.tags ? { tags: c.tags } : {}),
    properties: {
      computeType: 'AmlCompute',
      computeLocation: c.location,
      provisioningState: c.provisioningState,
      ...(c.description ? { description: c.description } : {}),
      createdOn: c.createdOn,
      modifiedOn: c.modifiedOn,
      ...(c.provisioningErrors.length > 0 ? { provisioningErrors: c.provisioningErrors } : {}),
      isAttachedCompute: false,
      properties: {
        vmSize: s.vmSize,
        vmPriority: s.vmPriority,
        scaleSettings: s.scaleSettings,
        ...(s.adminUserName ? { userAccountCredentials: { adminUserName: s.adminUserName } } : {}),
        remoteLoginPortPublicAccess: s.remoteLoginPortPublicAccess,
        allocationState: 'Steady',
        allocationStateTransitionTime: c.modifiedOn,
        currentNodeCount: s.scaleSettings.minNodeCount,
        targetNodeCount: s.scaleSettings.minNodeCount,
        nodeStateCounts: {
          idleNodeCount: s.scaleSettings.minNodeCount,
          runningNodeCount: 0,
          preparingNodeCount: 0,
          unusableNodeCount: 0,
          leavingNodeCount: 0,
          preemptedNodeCount: 0
        }
      }
    }
  }
}

export function listComputes(core: Core, ctx: RequestContext): Reply {
  const s = wsScope(core, ctx)
  if (isReply(s)) return s
  const value = [...core.state.computes.values()].filter(c => c.workspaceKey === s.wsKey).map(c => computeBody(core, c))
  return json(200, { value })
}

function computeNotFound(ctx: RequestContext): Reply {
  return armError(
    404,
    'ResourceNotFound',
    `The Resource '${PROVIDER}/workspaces/${ctx.params.workspaceName}/computes/${ctx.params.computeName}' under ` +
      `resource group '${ctx.params.resourceGroupName}' was not found. For more details please go to ` +
      'https://aka.ms/ARMResourceNotFoundFix'
  )
}

export function getCompute(core: Core, ctx: RequestContext): Reply {
  const s = wsScope(core, ctx)
  if (isReply(s)) return s
  const c = core.state.computes.get(computeKey(s.wsKey!, ctx.params.computeName))
  return c ? json(200, computeBody(core, c)) : computeNotFound(ctx)
}

/** Settings of a compute PUT that differ from the existing compute's, as `field: 'current' → 'requested'` lines. */
function differences(current: Compute, requested: Partial<AmlRequest>, location: string): string[] {
  const out: string[] = []
  const cmp = (field: string, a: unknown, b: unknown, ci = false): void => {
    if (b === undefined) return
    const same = ci ? String(a).toLowerCase() === String(b).toLowerCase() : a === b
    if (!same) out.push(`${field} is '${String(a)}', requested '${String(b)}'`)
  }
  cmp('location', current.location, location || undefined, true)
  cmp('properties.properties.vmSize', current.settings.vmSize, requested.vmSize, true)
  cmp('properties.properties.vmPriority', current.settings.vmPriority, requested.vmPriority, true)
  const cs = current.settings.scaleSettings
  const rs = requested.scaleSettings
  if (rs) {
    cmp('properties.properties.scaleSettings.maxNodeCount', cs.maxNodeCount, rs.maxNodeCount)
    cmp('properties.properties.scaleSettings.minNodeCount', cs.minNodeCount, rs.minNodeCount)
    cmp(
      'properties.properties.scaleSettings.nodeIdleTimeBeforeScaleDown',
      cs.nodeIdleTimeBeforeScaleDown,
      rs.nodeIdleTimeBeforeScaleDown
    )
  }
  return out
}

interface AmlRequest {
  vmSize: string
  vmPriority: string
  scaleSettings: { maxNodeCount: number; minNodeCount?: number; nodeIdleTimeBeforeScaleDown?: string }
  userAccountCredentials?: { adminUserName?: string }
  remoteLoginPortPublicAccess?: string
}

export function putCompute(core: Core, ctx: RequestContext): Reply {
  const s = wsScope(core, ctx)
  if (isReply(s)) return s
  const ws = s.ws!
  const name = ctx.params.computeName
  if (!/^[a-zA-Z][a-zA-Z0-9-]{0,14}[a-zA-Z0-9]$/.test(name)) {
    return armError(
      400,
      'ValidationError',
      `Compute name '${name}' is invalid. It can include letters, digits and dashes. It must start with a letter, ` +
        'end with a letter or digit, and be between 2 and 16 characters in length.'
    )
  }
  if (ws.provisioningState !== 'Succeeded') {
    return armError(
      409,
      'Conflict',
      `Workspace '${ws.name}' is ${ws.provisioningState}; computes need a Succeeded one.`
    )
  }
  const body = (ctx.json ?? {}) as {
    location?: string
    properties?: Record<string, unknown>
    tags?: Record<string, string>
  }
  const outer = body.properties ?? {}
  const computeType = String(outer.computeType ?? '')
  if (computeType.toLowerCase() !== 'amlcompute') {
    return armError(
      400,
      'BadRequest',
      `The emulator creates AmlCompute clusters only; computeType '${computeType}' is not supported here.`
    )
  }
  const aml = (outer.properties ?? {}) as Partial<AmlRequest>
  const location = (body.location ?? '').replace(/\s+/g, '').toLowerCase()
  if (location && location !== ws.location.toLowerCase()) {
    return armError(
      400,
      'BadRequest',
      `Compute location '${body.location}' must be the workspace's location '${ws.location}'.`
    )
  }
  if (!aml.vmSize) {
    return armError(400, 'BadRequest', 'properties.properties.vmSize is required for an AmlCompute.')
  }
  if (!aml.scaleSettings) {
    return armError(400, 'BadRequest', 'properties.properties.scaleSettings is required for an AmlCompute.')
  }
  const min = aml.scaleSettings.minNodeCount ?? 0
  const max = aml.scaleSettings.maxNodeCount
  if (min < 0 || max < 1 || min > max) {
    return armError(
      400,
      'BadRequest',
      `scaleSettings: minNodeCount (${min}) must be between 0 and maxNodeCount (${max}), and maxNodeCount at least 1.`
    )
  }
  const key = computeKey(s.wsKey!, name)
  const existing = core.state.computes.get(key)
  if (existing) {
    if (existing.provisioningState === 'Deleting') {
      return armError(409, 'Conflict', `Compute '${name}' is being deleted; retry once the deletion has finished.`)
    }
    const diff = differences(existing, aml, location)
    if (diff.length > 0) {
      return armError(
        409,
        'Conflict',
        `Compute '${name}' already exists with different settings: ${diff.join('; ')}. Update it (PATCH) or delete ` +
          'it first.'
      )
    }
    return json(200, computeBody(core, existing))
  }
  const now = iso()
  const compute: Compute = {
    workspaceKey: s.wsKey!,
    name,
    location: ws.location,
    description: typeof outer.description === 'string' ? outer.description : undefined,
    settings: {
      // Azure answers vmSize upper-cased, whatever the request's casing.
      vmSize: aml.vmSize.toUpperCase(),
      vmPriority: aml.vmPriority ?? 'Dedicated',
      scaleSettings: {
        maxNodeCount: max,
        minNodeCount: min,
        nodeIdleTimeBeforeScaleDown: aml.scaleSettings.nodeIdleTimeBeforeScaleDown ?? 'PT120S'
      },
      adminUserName: aml.userAccountCredentials?.adminUserName,
      remoteLoginPortPublicAccess: aml.remoteLoginPortPublicAccess ?? 'NotSpecified'
    },
    createdOn: now,
    modifiedOn: now,
    provisioningState: 'Creating',
    provisioningErrors: [],
    tags: body.tags
  }
  core.state.computes.set(key, compute)
  const fail = ctx.scenario.provisionFail
  const op = core.state.startOperation({
    kind: 'compute-create',
    target: key,
    location: ws.location,
    subscriptionId: s.sub,
    apiVersion: apiVersionOf(ctx),
    doneAt: Date.now() + core.config.delays.computeProvisionMs,
    outcome: fail ? 'Failed' : 'Succeeded',
    error: fail ? (fail.message ? fail : QUOTA_ERROR(aml.vmSize, ws.location)) : undefined
  })
  return { status: 201, body: computeBody(core, compute), headers: lroHeaders(core, op, ['async']) }
}

export function deleteCompute(core: Core, ctx: RequestContext): Reply {
  const s = wsScope(core, ctx)
  if (isReply(s)) return s
  const key = computeKey(s.wsKey!, ctx.params.computeName)
  const c = core.state.computes.get(key)
  if (!c) return computeNotFound(ctx)
  const pending = [...core.state.operations.values()].find(
    o => o.kind === 'compute-delete' && o.target === key && !o.applied
  )
  if (pending) return { status: 202, headers: lroHeaders(core, pending, ['async', 'location']) }
  c.provisioningState = 'Deleting'
  c.modifiedOn = iso()
  const op = core.state.startOperation({
    kind: 'compute-delete',
    target: key,
    location: c.location,
    subscriptionId: s.sub,
    apiVersion: apiVersionOf(ctx),
    doneAt: Date.now() + core.config.delays.computeDeleteMs,
    outcome: 'Succeeded'
  })
  return { status: 202, headers: lroHeaders(core, op, ['async', 'location']) }
}

// ---------------------------------------------------------------------------------------------- operation polling

function findOperation(core: Core, ctx: RequestContext): Operation | Reply {
  // Apply a completion that fell due since the pipeline's tick, so status and resource never disagree.
  core.state.tick()
  const s = subscriptionScope(core, ctx)
  if (isReply(s)) return s
  const op = core.state.operations.get(ctx.params.operationId)
  if (!op || op.subscriptionId.toLowerCase() !== s.sub.toLowerCase()) {
    return armError(404, 'NotFound', `Operation '${ctx.params.operationId}' was not found.`)
  }
  return op
}

/** `Azure-AsyncOperation`: 200 with `status` InProgress → Succeeded | Failed (+ `error`). */
export function operationStatus(core: Core, ctx: RequestContext): Reply {
  const op = findOperation(core, ctx)
  if (isReply(op)) return op
  const done = op.applied
  const status = done ? op.outcome : 'InProgress'
  return json(
    200,
    {
      id: ctx.path,
      name: op.id,
      status,
      startTime: iso(op.startedAt),
      ...(done ? { endTime: iso(op.doneAt), percentComplete: 100 } : {}),
      ...(done && op.error ? { error: op.error } : {})
    },
    done ? {} : { 'Retry-After': String(core.config.retryAfterSeconds) }
  )
}

/** `Location`: 202 while running; then the resource (200), nothing (204, a delete), or the error (4xx). */
export function operationResult(core: Core, ctx: RequestContext): Reply {
  const op = findOperation(core, ctx)
  if (isReply(op)) return op
  if (!op.applied) {
    return {
      status: 202,
      headers: {
        Location: `${core.url}${ctx.path}?api-version=${op.apiVersion}`,
        'Retry-After': String(core.config.retryAfterSeconds)
      }
    }
  }
  if (op.outcome === 'Failed') {
    return armError(409, op.error?.code ?? 'Failed', op.error?.message ?? 'The operation failed.')
  }
  if (op.kind === 'workspace-delete' || op.kind === 'compute-delete') return { status: 204 }
  if (op.kind === 'workspace-create') {
    const ws = core.state.workspaces.get(op.target)
    return ws ? json(200, workspaceBody(core, ws)) : { status: 204 }
  }
  const c = core.state.computes.get(op.target)
  return c ? json(200, computeBody(core, c)) : { status: 204 }
}
