/**
 * Computes of a workspace (AmlCompute clusters), Microsoft.MachineLearningServices machineLearningServices.json
 * 2019-11-01 and, at the v2 api-versions (2022-05-01 on), 2024-04-01: `MachineLearningCompute_ListByWorkspace`,
 * `MachineLearningCompute_Get`,
 * `MachineLearningCompute_CreateOrUpdate` (201 + `Azure-AsyncOperation`; an existing compute with other settings: 409)
 * and `MachineLearningCompute_Delete` (202 + `Azure-AsyncOperation` + `Location`), with their long-running operations
 * polled through arm/lro.ts. No PATCH, no other compute types.
 */
import { apiVersionOf } from '../arm/api-version.js'
import { lroHeaders } from '../arm/lro.js'
import { PROVIDER, workspaceId, wsScope } from '../arm/scopes.js'
import type { Core } from '../core/context.js'
import { armError, isReply, iso, json } from '../core/http.js'
import type { EmulatorModule } from '../core/routes.js'
import { computeKey, type Compute } from '../core/state.js'
import type { Reply, RequestContext } from '../core/types.js'
import { QUOTA_ERROR } from '../faults/faults.js'

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
  // Learn, "Create compute clusters": 3 to 24 characters, letters, digits and '-', starting with a letter (Microsoft's
  // examples: gpu-v100-1GPU-cluster); 2 characters, as the 2019 rule allowed, are still taken.
  if (!/^[a-zA-Z][a-zA-Z0-9-]{0,22}[a-zA-Z0-9]$/.test(name)) {
    return armError(
      400,
      'ValidationError',
      `Compute name '${name}' is invalid. It can include letters, digits and dashes. It must start with a letter, ` +
        'end with a letter or digit, and be between 2 and 24 characters in length.'
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

export const computesModule: EmulatorModule = {
  name: 'computes',
  operations: {
    'mls-2019-11-01:MachineLearningCompute_ListByWorkspace': listComputes,
    'mls-2019-11-01:MachineLearningCompute_Get': getCompute,
    'mls-2019-11-01:MachineLearningCompute_CreateOrUpdate': putCompute,
    'mls-2019-11-01:MachineLearningCompute_Delete': deleteCompute,
    // The same computes at the v2 api-versions, checked against the 2024-04-01 spec.
    // (The operation ids there are `Compute_*`.)
    'mls-2024-04-01:Compute_List': listComputes,
    'mls-2024-04-01:Compute_Get': getCompute,
    'mls-2024-04-01:Compute_CreateOrUpdate': putCompute,
    'mls-2024-04-01:Compute_Delete': deleteCompute
  },
  operationResults: {
    'compute-create': (core, target) => {
      const c = core.state.computes.get(target)
      return c ? computeBody(core, c) : undefined
    }
  }
}
