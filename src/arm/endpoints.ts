/**
 * Where requests go: ARM paths, the workspace's discovery document (which names the regional `api` server), and the
 * data-plane base paths on that server.
 */
import * as core from '@actions/core'
import { assertSecureEndpoint } from '../auth/clouds.js'
import type { Context } from '../base/context.js'
import { parseJson } from '../http/client.js'
import { printableUrl } from '../http/redact.js'
import type { RequestAuth } from '../base/http-types.js'
import type { CommonSettings, WorkspaceRef } from '../base/settings.js'

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
  hyperdrive: 'hyperdrive/v1.0',
  /** MLflow's tracking server of the workspace (`mlFlowTrackingUri`, V2.md "A job's metrics (MLflow)"). */
  mlflow: 'mlflow/v1.0'
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

/**
 * Most pages one list reads (ARM pages hold up to about 1,000 items, so 200 pages is far beyond any workspace's
 * resources): a service whose links never end must not make a step read forever.
 */
export const MAX_PAGES = 200

/**
 * The bookkeeping of one paged list, shared by every list operation (`nextLink` paging here, `continuationToken`
 * paging in runs/list-experiments.ts, and the v2 lists to come): each cursor (link or token) is followed once, at most
 * `maxPages` pages are read, and each item is kept once. A repeated cursor or the cap ends the paging with a warning
 * saying the list may be partial, instead of looping (issue 13, kind 10: a page that links to itself gave 200
 * requests and 201 items).
 */
export class Pages {
  readonly items: unknown[] = []
  private readonly cursors = new Set<string>()
  private readonly ids = new Set<string>()
  private pages = 0

  /** `what`: the list, for the warning (e.g. `GET https://…/workspaces`); `warn` defaults to core.warning. */
  constructor(
    private readonly what: string,
    private readonly maxPages = MAX_PAGES,
    private readonly warn: (message: string) => void = message => core.warning(message)
  ) {}

  /**
   * Whether to read the page at `cursor` (a nextLink URL or a continuation token; the first page's URL too). False,
   * after a warning, when that cursor was already read or `maxPages` pages have been read.
   */
  admit(cursor: string): boolean {
    if (this.cursors.has(cursor)) {
      this.warn(
        `Stopped paging ${this.what} after ${this.pages} page${this.pages === 1 ? '' : 's'}: the service gave a ` +
          `next-page link it had already given (a loop); the list may be partial (${this.items.length} items).`
      )
      return false
    }
    if (this.pages >= this.maxPages) {
      this.warn(
        `Stopped paging ${this.what} after ${this.maxPages} pages (the most one list reads); the list may be ` +
          `partial (${this.items.length} items).`
      )
      return false
    }
    this.cursors.add(cursor)
    this.pages++
    return true
  }

  /** Adds a page's items; an item whose `id` (ARM id, model id) was already seen is skipped. Returns how many were new. */
  add(items: readonly unknown[]): number {
    let added = 0
    for (const item of items) {
      const id = idOf(item)
      if (id !== undefined) {
        if (this.ids.has(id)) continue
        this.ids.add(id)
      }
      this.items.push(item)
      added++
    }
    return added
  }
}

/** The item's identity for de-duplication: its `id` (ARM ids compared case-insensitively, as ARM does). */
function idOf(item: unknown): string | undefined {
  if (typeof item !== 'object' || item === null) return undefined
  const id = (item as { id?: unknown }).id
  return typeof id === 'string' && id !== '' ? (id.startsWith('/') ? id.toLowerCase() : id) : undefined
}

/**
 * GETs a list and follows `nextLink` pages, merging their `value` arrays (ARM's paging contract: "Collection of
 * resources", Azure REST API guidelines / ARM RPC). A `nextLink` to another host is not followed (the token is only for
 * this one); a link already read, or more than MAX_PAGES pages, ends the list with a warning (see Pages); each item
 * (by `id`) is kept once.
 */
export async function listAll(
  ctx: Context,
  url: string,
  auth: RequestAuth,
  maxPages = MAX_PAGES
): Promise<{ value: unknown[] }> {
  const host = new URL(url).host
  const pages = new Pages(`GET ${printableUrl(url)}`, maxPages)
  let next: string | undefined = new URL(url).toString()
  while (next && pages.admit(next)) {
    const response = await ctx.http.send({ method: 'GET', url: next, auth })
    if (response.dryRun) break
    const body = parseJson<{ value?: unknown[]; nextLink?: string | null }>(response)
    pages.add(Array.isArray(body) ? body : (body?.value ?? []))
    const link: string | undefined = body?.nextLink ?? undefined
    if (!link) break
    const resolved: URL = new URL(link, next)
    if (resolved.host !== host) {
      core.warning(`Not following nextLink to another host (${resolved.host}); the list may be partial.`)
      break
    }
    next = resolved.toString()
  }
  return { value: pages.items }
}

/** The Azure ML studio page of a workspace. */
export function workspacePortalUrl(settings: CommonSettings, ws: WorkspaceRef): string {
  return `${settings.endpoints.portalHost.replace(/\/+$/, '')}/?wsid=${encodeURIComponent(workspacePath(ws))}`
}
