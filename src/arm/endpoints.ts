/**
 * Where requests go: ARM paths, the workspace's discovery document (which names the regional `api` server), and the
 * data-plane base paths on that server.
 */
import * as core from '@actions/core'
import { assertSecureEndpoint } from '../auth/clouds.js'
import type { Context } from '../action/context.js'
import { parseJson } from '../http/client.js'
import type { RequestAuth } from '../http/types.js'
import type { CommonSettings, WorkspaceRef } from '../action/settings.js'

export const ML_PROVIDER = 'Microsoft.MachineLearningServices'
/** Microsoft.Resources has its own api-versions; 2019-10-01 is the one of the spec this action is checked against. */
export const RESOURCE_GROUPS_API_VERSION = '2019-10-01'

/** The data-plane services under the `api` server, with the version segment each one uses. */
export const DATA_PLANE = {
  history: 'history/v1.0',
  execution: 'execution/v1.0',
  modelmanagement: 'modelmanagement/v1.0',
  artifact: 'artifact/v2.0',
  datastore: 'datastore/v1.0',
  hyperdrive: 'hyperdrive/v1.0'
} as const
export type DataPlaneService = keyof typeof DATA_PLANE

export function subscriptionPath(subscriptionId: string): string {
  return `/subscriptions/${encodeURIComponent(subscriptionId)}`
}

export function resourceGroupPath(subscriptionId: string, resourceGroup: string): string {
  return `${subscriptionPath(subscriptionId)}/resourceGroups/${encodeURIComponent(resourceGroup)}`
}

/** `{WS}`: the workspace's ARM id, also the scope of every data-plane path. */
export function workspacePath(ws: WorkspaceRef): string {
  return (
    `${resourceGroupPath(ws.subscriptionId, ws.resourceGroup)}/providers/${ML_PROVIDER}/workspaces/` +
    encodeURIComponent(ws.workspaceName)
  )
}

/** An absolute URL on `base` for `path`, with `api-version` added unless the path already has one. */
export function joinUrl(base: string, path: string, query: Record<string, string | undefined> = {}): string {
  const url = new URL(base.replace(/\/+$/, '') + (path.startsWith('/') ? path : `/${path}`))
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && !url.searchParams.has(name)) url.searchParams.set(name, value)
  }
  return url.toString()
}

export function armUrl(settings: CommonSettings, path: string, apiVersion = settings.apiVersion): string {
  return joinUrl(settings.endpoints.armEndpoint, path, { 'api-version': apiVersion })
}

/** The token audience for ARM and for the data plane (which accepts ARM tokens). */
export function armAuth(settings: CommonSettings): RequestAuth {
  return { kind: 'token', resource: settings.endpoints.armEndpoint }
}

export function dataPlaneUrl(
  api: string,
  service: DataPlaneService,
  ws: WorkspaceRef,
  rest = '',
  query: Record<string, string | undefined> = {}
): string {
  return joinUrl(api, `/${DATA_PLANE[service]}${workspacePath(ws)}${rest}`, query)
}

export interface Workspace {
  id?: string
  name?: string
  location?: string
  properties?: { discoveryUrl?: string; provisioningState?: string; workspaceId?: string; friendlyName?: string }
}

export async function getWorkspace(ctx: Context, settings: CommonSettings, ws: WorkspaceRef): Promise<Workspace> {
  const response = await ctx.http.send({
    method: 'GET',
    url: armUrl(settings, workspacePath(ws)),
    auth: armAuth(settings)
  })
  return parseJson<Workspace>(response) ?? {}
}

/**
 * The regional `api` server for the workspace: the `api-endpoint` input when given, else the `api` field of the
 * document at the workspace's `properties.discoveryUrl`.
 */
export async function discoverApiEndpoint(
  ctx: Context,
  settings: CommonSettings,
  workspace: Workspace
): Promise<string> {
  if (settings.apiEndpoint) return settings.apiEndpoint
  const discoveryUrl = workspace.properties?.discoveryUrl
  if (!discoveryUrl) {
    throw new Error(
      `The workspace ${workspace.name ?? ''} has no properties.discoveryUrl, so its API server is unknown. ` +
        'Set the api-endpoint input (e.g. https://centralus.api.azureml.ms).'
    )
  }
  assertSecureEndpoint('properties.discoveryUrl', discoveryUrl)
  // The discovery document is public: no token is sent for it.
  const response = await ctx.http.send({ method: 'GET', url: discoveryUrl, auth: { kind: 'none' } })
  const api = parseJson<{ api?: string }>(response)?.api
  if (!api) throw new Error(`The discovery document at ${discoveryUrl} names no 'api' server.`)
  // A token goes to this server next: it must be https (or this machine).
  assertSecureEndpoint('discovery api', api)
  core.debug(`Workspace API server: ${api}`)
  return api
}

/** The workspace's API server, looked up through ARM and discovery. */
export async function workspaceApi(ctx: Context, settings: CommonSettings, ws: WorkspaceRef): Promise<string> {
  if (settings.apiEndpoint) return settings.apiEndpoint
  return discoverApiEndpoint(ctx, settings, await getWorkspace(ctx, settings, ws))
}

const MAX_PAGES = 200

/**
 * GETs a list and follows `nextLink` pages, merging their `value` arrays. A `nextLink` to another host is not
 * followed (the token is only for this one).
 */
export async function listAll(ctx: Context, url: string, auth: RequestAuth): Promise<{ value: unknown[] }> {
  const value: unknown[] = []
  const host = new URL(url).host
  let next: string | undefined = url
  for (let page = 0; next && page < MAX_PAGES; page++) {
    const response = await ctx.http.send({ method: 'GET', url: next, auth })
    if (response.dryRun) break
    const body = parseJson<{ value?: unknown[]; nextLink?: string | null }>(response)
    value.push(...(Array.isArray(body) ? body : (body?.value ?? [])))
    next = body?.nextLink ?? undefined
    if (next && new URL(next, url).host !== host) {
      core.warning(`Not following nextLink to another host (${new URL(next, url).host}); the list may be partial.`)
      break
    }
    if (next) next = new URL(next, url).toString()
  }
  return { value }
}

/** The Azure ML studio page of a workspace. */
export function workspacePortalUrl(settings: CommonSettings, ws: WorkspaceRef): string {
  return `${settings.endpoints.portalHost.replace(/\/+$/, '')}/?wsid=${encodeURIComponent(workspacePath(ws))}`
}
