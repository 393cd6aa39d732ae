/**
 * Resource groups, workspaces and the workspace's discovery document.
 *
 * - Microsoft.Resources (resources.json 2019-10-01): `ResourceGroups_List`, `ResourceGroups_Get`,
 *   `ResourceGroups_CheckExistence`.
 * - Microsoft.MachineLearningServices (machineLearningServices.json 2019-11-01): `Workspaces_ListByResourceGroup`,
 *   `Workspaces_ListBySubscription`, `Workspaces_Get`, `Workspaces_CreateOrUpdate` (202 + `Location`, arm/lro.ts),
 *   `Workspaces_Delete` (202 + `Location`).
 * - `GET {apiUrl}/discovery` (`Emulator_Discovery`, no spec): what `properties.discoveryUrl` names; and
 *   `dataPlaneWorkspace`, the Succeeded workspace a data-plane path names (runs, models).
 */
import { addCuratedEnvironments } from './curated-environments.js'
import { randomUUID } from 'node:crypto'
import { apiVersionOf } from '../arm/api-version.js'
import { lroHeaders } from '../arm/lro.js'
import { PROVIDER, rgScope, subscriptionScope, workspaceId, wsScope } from '../arm/scopes.js'
import type { Core } from '../core/context.js'
import { armError, dpError, isReply, iso, json } from '../core/http.js'
import { route, type EmulatorModule } from '../core/routes.js'
import { workspaceKey, type Workspace } from '../core/state.js'
import type { Reply, RequestContext } from '../core/types.js'
import { QUOTA_ERROR } from '../faults/faults.js'

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
      // Azure's form (../shared/V2.md "A job's metrics (MLflow)"); the emulator serves it at {apiUrl}/mlflow/v1.0{WS}.
      mlFlowTrackingUri: `azureml://${ws.location}.api.azureml.ms/mlflow/v1.0${workspaceId(ws)}`,
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
  // Every workspace has Microsoft's curated environments.
  addCuratedEnvironments(core.state, key)
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

// --------------------------------------------------------------------------------------------------------- discovery

export function discovery(core: Core): Reply {
  const a = core.apiUrl
  return json(200, {
    api: a,
    catalog: a,
    experimentation: a,
    gallery: a,
    history: a,
    hyperdrive: a,
    labeling: a,
    modelmanagement: a,
    pipelines: a,
    studio: 'https://ml.azure.com'
  })
}

/** The workspace named by the path (the specs spell its parameters two ways), Succeeded; or a 404. */
export function dataPlaneWorkspace(core: Core, ctx: RequestContext): { ws: Workspace; key: string } | Reply {
  const p = ctx.params
  const rg = p.resourceGroupName ?? p.resourceGroup
  const name = p.workspaceName ?? p.workspace
  const key = workspaceKey(p.subscriptionId, rg, name)
  const ws = core.state.workspaces.get(key)
  if (!ws || ws.provisioningState !== 'Succeeded') {
    return dpError(
      ctx,
      404,
      'UserError',
      `Workspace '${name}' in resource group '${rg}' of subscription '${p.subscriptionId}' was not found` +
        (ws ? ` (it is ${ws.provisioningState})` : '') +
        '.',
      'WorkspaceNotFound'
    )
  }
  return { ws, key }
}

export const workspacesModule: EmulatorModule = {
  name: 'workspaces',
  operations: {
    'resources-2019-10-01:ResourceGroups_List': listResourceGroups,
    'resources-2019-10-01:ResourceGroups_Get': getResourceGroup,
    'resources-2019-10-01:ResourceGroups_CheckExistence': checkResourceGroup,
    'mls-2019-11-01:Workspaces_ListByResourceGroup': listWorkspaces,
    'mls-2019-11-01:Workspaces_ListBySubscription': listWorkspaces,
    'mls-2019-11-01:Workspaces_Get': getWorkspace,
    'mls-2019-11-01:Workspaces_CreateOrUpdate': putWorkspace,
    'mls-2019-11-01:Workspaces_Delete': deleteWorkspace
  },
  routes: [route('api', 'GET', '/discovery', 'Emulator_Discovery', discovery, 'none')],
  operationResults: {
    'workspace-create': (core, target) => {
      const ws = core.state.workspaces.get(target)
      return ws ? workspaceBody(core, ws) : undefined
    }
  }
}
