/**
 * Online endpoints and deployments on ARM at the v2 api-version (mfe.json 2024-04-01): their ids and URLs, and the
 * reads the operations share: `OnlineEndpoints_Get`, `OnlineDeployments_List`, `OnlineEndpoints_ListKeys`
 * (`{primaryKey, secondaryKey}`), `OnlineEndpoints_GetToken` (`{accessToken, expiryTimeUtc, ...}`) and
 * `OnlineDeployments_GetLogs` (`{content}`). Keys and tokens are secrets: masked the moment they arrive.
 */
import type { Context } from '../base/context.js'
import type { CommonSettings, WorkspaceRef } from '../base/settings.js'
import { armAuth, workspacePath } from '../arm/endpoints.js'
import { workspaceV2Url } from '../assets/workspace-assets.js'
import { maskSecret } from '../auth/mask.js'
import { parseJson } from '../http/client.js'
import type { HttpResponse } from '../base/http-types.js'

export interface EndpointRef {
  workspace: WorkspaceRef
  name: string
}

/** `OnlineEndpointTrackedResource` as GET answers it (the fields used here). */
export interface EndpointBody {
  id?: string
  name?: string
  location?: string
  kind?: string
  identity?: unknown
  tags?: Record<string, string>
  properties?: {
    authMode?: 'Key' | 'AMLToken' | 'AADToken'
    scoringUri?: string
    swaggerUri?: string
    traffic?: Record<string, number>
    provisioningState?: string
    [key: string]: unknown
  }
}

export interface DeploymentBody {
  id?: string
  name?: string
  properties?: { provisioningState?: string; [key: string]: unknown }
}

export function endpointPath(endpoint: EndpointRef): string {
  return `/onlineEndpoints/${encodeURIComponent(endpoint.name)}`
}

/** The endpoint's ARM id. */
export function endpointId(endpoint: EndpointRef): string {
  return `${workspacePath(endpoint.workspace)}${endpointPath(endpoint)}`
}

export function endpointUrl(settings: CommonSettings, endpoint: EndpointRef, suffix = ''): string {
  return workspaceV2Url(settings, endpoint.workspace, `${endpointPath(endpoint)}${suffix}`)
}

export function deploymentUrl(
  settings: CommonSettings,
  endpoint: EndpointRef,
  deployment: string,
  suffix = ''
): string {
  return endpointUrl(settings, endpoint, `/deployments/${encodeURIComponent(deployment)}${suffix}`)
}

/** GET the endpoint; undefined when it does not exist (404). */
export async function getEndpoint(
  ctx: Context,
  settings: CommonSettings,
  endpoint: EndpointRef
): Promise<{ response: HttpResponse; body: EndpointBody } | undefined> {
  const response = await ctx.http.send({
    method: 'GET',
    url: endpointUrl(settings, endpoint),
    auth: armAuth(settings),
    acceptStatus: [404]
  })
  if (response.status === 404) return undefined
  return { response, body: parseJson<EndpointBody>(response) ?? {} }
}

/** The names of the endpoint's deployments (`OnlineDeployments_List`). */
export async function listDeployments(
  ctx: Context,
  settings: CommonSettings,
  endpoint: EndpointRef
): Promise<string[]> {
  const response = await ctx.http.send({
    method: 'GET',
    url: endpointUrl(settings, endpoint, '/deployments'),
    auth: armAuth(settings)
  })
  return (parseJson<{ value?: DeploymentBody[] }>(response)?.value ?? []).map(d => d.name ?? '').filter(Boolean)
}

/** Whether the endpoint has a deployment of that name (`OnlineDeployments_Get`: 200 or 404). */
export async function deploymentExists(
  ctx: Context,
  settings: CommonSettings,
  endpoint: EndpointRef,
  deployment: string
): Promise<boolean> {
  const response = await ctx.http.send({
    method: 'GET',
    url: deploymentUrl(settings, endpoint, deployment),
    auth: armAuth(settings),
    acceptStatus: [404]
  })
  return response.status !== 404
}

/** The endpoint's primary key (`listKeys`), masked before it is returned. */
export async function endpointKey(ctx: Context, settings: CommonSettings, endpoint: EndpointRef): Promise<string> {
  const response = await ctx.http.send({
    method: 'POST',
    url: endpointUrl(settings, endpoint, '/listKeys'),
    auth: armAuth(settings),
    idempotent: true,
    readOnly: true
  })
  const keys = parseJson<{ primaryKey?: string; secondaryKey?: string }>(response, { holdsSecrets: true }) ?? {}
  for (const key of [keys.primaryKey, keys.secondaryKey]) if (key) maskSecret(key)
  const key = keys.primaryKey || keys.secondaryKey
  if (!key) throw new Error(`listKeys of endpoint ${endpoint.name} answered no key.`)
  return key
}

/** An AML token for the endpoint (`token`), masked before it is returned. */
export async function endpointToken(ctx: Context, settings: CommonSettings, endpoint: EndpointRef): Promise<string> {
  const response = await ctx.http.send({
    method: 'POST',
    url: endpointUrl(settings, endpoint, '/token'),
    auth: armAuth(settings),
    idempotent: true,
    readOnly: true
  })
  const token = parseJson<{ accessToken?: string }>(response, { holdsSecrets: true })?.accessToken
  if (!token) throw new Error(`The token call of endpoint ${endpoint.name} answered no accessToken.`)
  maskSecret(token)
  return token
}

/**
 * The containers of a deployment whose logs `getLogs` serves (mfe.json 2024-04-01, `ContainerType`): the storage
 * initializer (downloads the model and the code before anything starts) and the inference server (the scoring script).
 */
export type DeploymentContainer = 'InferenceServer' | 'StorageInitializer'

/**
 * The last `tail` lines of one container's log of a deployment (`OnlineDeployments_GetLogs`, body
 * `DeploymentLogsRequest` `{containerType, tail}` → `{content}`); '' when it cannot be had. Raw service text: it may
 * hold secrets (a SAS URL the storage initializer read), so print it only through deployment-logs.ts.
 */
export async function deploymentLogTail(
  ctx: Context,
  settings: CommonSettings,
  endpoint: EndpointRef,
  deployment: string,
  tail = 50,
  containerType: DeploymentContainer = 'InferenceServer'
): Promise<string> {
  try {
    const response = await ctx.http.send({
      method: 'POST',
      url: deploymentUrl(settings, endpoint, deployment, '/getLogs'),
      body: { containerType, tail },
      auth: armAuth(settings),
      idempotent: true,
      readOnly: true
    })
    return parseJson<{ content?: string }>(response)?.content ?? ''
  } catch {
    return ''
  }
}
