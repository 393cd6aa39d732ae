/**
 * ARM scopes every Machine Learning resource hangs under: the subscription, the resource group, the workspace
 * (`/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.MachineLearningServices/
 * workspaces/{workspaceName}`, machineLearningServices.json 2019-11-01), looked up from a request's path parameters and
 * answered 400/404 as ARM does (`InvalidSubscriptionId`, `SubscriptionNotFound`, `ResourceGroupNotFound`,
 * `ResourceNotFound`). Resource modules start their handlers with one of these.
 */
import { isGuid } from '../config.js'
import type { Core } from '../core/context.js'
import { armError, isReply } from '../core/http.js'
import { workspaceKey, type Workspace } from '../core/state.js'
import type { Reply, RequestContext } from '../core/types.js'

export const PROVIDER = 'Microsoft.MachineLearningServices'

/** A workspace's path as a route template, with the ARM spec's parameter names (the data plane's paths embed it). */
export const WS =
  '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.MachineLearningServices/workspaces/{workspaceName}'

export interface Scope {
  sub: string
  rg?: { name: string; location: string }
  ws?: Workspace
  wsKey?: string
}

export function subscriptionScope(core: Core, ctx: RequestContext): Scope | Reply {
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

export function rgScope(core: Core, ctx: RequestContext): Scope | Reply {
  const s = subscriptionScope(core, ctx)
  if (isReply(s)) return s
  const name = ctx.params.resourceGroupName
  const rg = core.state.resourceGroups.get(core.state.rgKey(s.sub, name))
  if (!rg) return armError(404, 'ResourceGroupNotFound', `Resource group '${name}' could not be found.`)
  return { ...s, rg }
}

export function wsScope(core: Core, ctx: RequestContext): Scope | Reply {
  const s = rgScope(core, ctx)
  if (isReply(s)) return s
  const name = ctx.params.workspaceName
  const key = workspaceKey(s.sub, s.rg?.name ?? '', name)
  const ws = core.state.workspaces.get(key)
  if (!ws) return workspaceNotFound(ctx.params.resourceGroupName, name)
  return { ...s, ws, wsKey: key }
}

export function workspaceNotFound(rg: string, name: string): Reply {
  return armError(
    404,
    'ResourceNotFound',
    `The Resource '${PROVIDER}/workspaces/${name}' under resource group '${rg}' was not found. For more details ` +
      'please go to https://aka.ms/ARMResourceNotFoundFix'
  )
}

export function workspaceId(ws: Workspace): string {
  return `/subscriptions/${ws.subscriptionId}/resourceGroups/${ws.resourceGroup}/providers/${PROVIDER}/workspaces/${ws.name}`
}
