/**
 * Online endpoints, Microsoft.MachineLearningServices mfe.json 2024-04-01: `OnlineEndpoints_List`,
 * `OnlineEndpoints_Get`, `OnlineEndpoints_CreateOrUpdate` (new: 201 + `Azure-AsyncOperation`, Creating → Succeeded;
 * existing: 200 + `Azure-AsyncOperation`, Updating → Succeeded; final state: a GET of the endpoint),
 * `OnlineEndpoints_Update` (PATCH: tags, identity; 200), `OnlineEndpoints_Delete` (202 + `Location` +
 * `Azure-AsyncOperation`, Deleting, then gone with its deployments; 204 when absent), `OnlineEndpoints_ListKeys`
 * (`{primaryKey, secondaryKey}`), `OnlineEndpoints_RegenerateKeys` (`{keyType: Primary|Secondary, keyValue?}`; 202 +
 * `Location`, the key replaced at once) and `OnlineEndpoints_GetToken` (`{accessToken, tokenType: "Bearer",
 * expiryTimeUtc, refreshAfterTimeUtc}`, epoch seconds).
 *
 * Properties: `authMode` (`Key`, `AMLToken`, `AADToken`), `scoringUri` = `{apiUrl}/endpoints/{name}/score` and
 * `swaggerUri` = `{apiUrl}/endpoints/{name}/swagger.json` (a route of the data-plane server; endpoint names are unique
 * across the emulator, as Azure's are per region, because the name is the scoring host in Azure), `traffic` and
 * `mirrorTraffic` (deployment → percent: each a deployment of the endpoint, integers 0–100; `traffic` adds up to 100
 * or 0, `mirrorTraffic` to at most 50; otherwise 400 `UserError`), `provisioningState`. Keys are never in a body
 * (`keys` is `x-ms-secret`); `listKeys` and `regenerateKeys` take Key endpoints only and `token` AMLToken endpoints
 * only (400 otherwise), as `az ml online-endpoint get-credentials` picks by `authMode`.
 *
 * Scoring, like Azure's front end in front of the deployments' inference servers (no spec; `Emulator_OnlineScore`,
 * `Emulator_OnlineSwagger`): `POST {scoringUri}` with `Authorization: Bearer <key | AML token | Entra token>` (by
 * `authMode`: a primary or secondary key; a token from `token`, unexpired; an emulator-issued Entra token) → 401
 * otherwise. The body goes as text to the deployment's `run()` (inference-server.ts); the header
 * `azureml-model-deployment: <d>` picks a deployment whatever the traffic, else the traffic shares pick one (weighted
 * random: a 100/0 split always picks the same). Answers carry `azureml-model-deployment` (who served) and
 * `x-request-id`. Status codes follow the table "HTTP status codes" of Azure's "Troubleshoot online endpoint
 * deployment and scoring" (https://learn.microsoft.com/azure/machine-learning/how-to-troubleshoot-online-endpoints):
 *
 * - 200: `run()`'s return value (a str as it is, else JSON);
 * - 401: no key/token, or a wrong or expired one;
 * - 404: "The endpoint doesn't have any valid deployment with positive weight" (no traffic and no header), or the
 *   header names no deployment of the endpoint; also an unknown endpoint name;
 * - 408: `run()` took longer than the deployment's `requestSettings.requestTimeout` (default PT5S);
 * - 424: "Model Error": `run()` raised; headers `ms-azureml-model-error-statuscode: 500` and
 *   `ms-azureml-model-error-reason: model_error`, the traceback as the body;
 * - 502/503: the chosen deployment's server died, or the deployment is not Succeeded (emulator's choice; Azure's table
 *   lists 502 for a model that crashed and 503 for unavailable capacity).
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { apiVersionOf } from '../arm/api-version.js'
import { lroHeaders } from '../arm/lro.js'
import { PROVIDER, workspaceId, wsScope } from '../arm/scopes.js'
import type { Core } from '../core/context.js'
import { armError, isReply, iso, json } from '../core/http.js'
import { route, type EmulatorModule } from '../core/routes.js'
import {
  onlineDeploymentKey,
  onlineEndpointKey,
  type OnlineDeploymentRecord,
  type OnlineEndpointRecord,
  type Operation,
  type Workspace
} from '../core/state.js'
import type { Reply, RequestContext } from '../core/types.js'
import { authenticate } from '../identity/entra.js'
import { signJwt } from '../identity/jwt.js'
import { systemData } from './assets.js'
import { isoDurationMs } from './job-process.js'

type Json = Record<string, unknown>
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

export const AUTH_MODES = ['Key', 'AMLToken', 'AADToken']
const ENDPOINT_NAME = /^[a-zA-Z][a-zA-Z0-9-]{1,30}[a-zA-Z0-9]$/
const READ_ONLY = ['provisioningState', 'scoringUri', 'swaggerUri', 'keys', 'authMode', 'traffic', 'mirrorTraffic']

export function scoringUri(core: Core, name: string): string {
  return `${core.apiUrl}/endpoints/${encodeURIComponent(name)}/score`
}

export function endpointId(ws: Workspace, name: string): string {
  return `${workspaceId(ws)}/onlineEndpoints/${name}`
}

const newKey = (): string => randomBytes(24).toString('base64url')

export function endpointBody(core: Core, e: OnlineEndpointRecord): Json {
  const ws = core.state.workspaces.get(e.workspaceKey)
  return {
    id: ws ? endpointId(ws, e.name) : `${e.workspaceKey}/onlineEndpoints/${e.name}`,
    name: e.name,
    type: `${PROVIDER}/workspaces/onlineEndpoints`,
    location: e.location,
    tags: e.tags,
    ...(e.kind ? { kind: e.kind } : {}),
    ...(e.identity ? { identity: e.identity } : {}),
    systemData: systemData(core, e.createdAt, e.modifiedAt),
    properties: {
      publicNetworkAccess: 'Enabled',
      ...e.properties,
      authMode: e.authMode,
      scoringUri: scoringUri(core, e.name),
      swaggerUri: `${core.apiUrl}/endpoints/${encodeURIComponent(e.name)}/swagger.json`,
      traffic: e.traffic,
      mirrorTraffic: e.mirrorTraffic,
      provisioningState: e.provisioningState
    }
  }
}

function endpointNotFound(ctx: RequestContext): Reply {
  return armError(
    404,
    'ResourceNotFound',
    `The Resource '${PROVIDER}/workspaces/${ctx.params.workspaceName}/onlineEndpoints/${ctx.params.endpointName}' ` +
      `under resource group '${ctx.params.resourceGroupName}' was not found. For more details please go to ` +
      'https://aka.ms/ARMResourceNotFoundFix'
  )
}

/** The endpoint a request's path names (404 as ARM answers). */
export function findEndpoint(
  core: Core,
  ctx: RequestContext
): { ws: Workspace; wsKey: string; sub: string; endpoint: OnlineEndpointRecord } | Reply {
  const s = wsScope(core, ctx)
  if (isReply(s)) return s
  const endpoint = core.state.onlineEndpoints.get(onlineEndpointKey(s.wsKey!, ctx.params.endpointName))
  if (!endpoint) return endpointNotFound(ctx)
  return { ws: s.ws!, wsKey: s.wsKey!, sub: s.sub, endpoint }
}

/** The deployments of an endpoint. */
export function deploymentsOf(core: Core, e: OnlineEndpointRecord): OnlineDeploymentRecord[] {
  const prefix = `${onlineEndpointKey(e.workspaceKey, e.name)}/deployments/`
  return [...core.state.onlineDeployments.entries()].filter(([k]) => k.startsWith(prefix)).map(([, d]) => d)
}

/**
 * Checks `traffic` (sum 100 or 0) or `mirrorTraffic` (sum ≤ 50): each key a deployment of the endpoint, each value an
 * integer 0–100. Returns the shares under the deployments' own names, or the reason it is refused.
 */
export function checkTraffic(
  deployments: OnlineDeploymentRecord[],
  endpointName: string,
  value: unknown,
  field: 'traffic' | 'mirrorTraffic'
): Record<string, number> | string {
  if (value === undefined || value === null) return {}
  if (!isObj(value)) return `properties.${field} must be an object of deployment name → percent.`
  const out: Record<string, number> = {}
  let sum = 0
  for (const [name, pct] of Object.entries(value)) {
    const d = deployments.find(x => x.name.toLowerCase() === name.toLowerCase())
    if (!d) {
      return (
        `properties.${field} names deployment '${name}', which does not exist on endpoint '${endpointName}'` +
        (deployments.length > 0
          ? ` (its deployments: ${deployments.map(x => x.name).join(', ')}).`
          : ' (it has no deployments).')
      )
    }
    if (typeof pct !== 'number' || !Number.isInteger(pct) || pct < 0 || pct > 100) {
      return `properties.${field}.${name} must be an integer percent between 0 and 100, got ${JSON.stringify(pct)}.`
    }
    out[d.name] = pct
    sum += pct
  }
  if (field === 'traffic' && sum !== 100 && sum !== 0) {
    return `Traffic values of endpoint '${endpointName}' must add up to 100 (or 0 for none); these add up to ${sum}: ${JSON.stringify(value)}.`
  }
  if (field === 'mirrorTraffic' && sum > 50) {
    return `Mirror traffic values of endpoint '${endpointName}' must add up to at most 50; these add up to ${sum}.`
  }
  return out
}

function normalizeLocation(l: string): string {
  return l.replace(/\s+/g, '').toLowerCase()
}

function pendingOperation(core: Core, key: string, kinds: string[]): Operation | undefined {
  return [...core.state.operations.values()].find(o => kinds.includes(o.kind) && o.target === key && !o.applied)
}

// --------------------------------------------------------------------------------------------------------- handlers

export function listEndpoints(core: Core, ctx: RequestContext): Reply {
  const s = wsScope(core, ctx)
  if (isReply(s)) return s
  let value = [...core.state.onlineEndpoints.values()]
    .filter(e => e.workspaceKey === s.wsKey)
    .filter(e => !ctx.query.name || e.name.toLowerCase() === ctx.query.name.toLowerCase())
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
  const count = Number(ctx.query.count)
  if (Number.isInteger(count) && count > 0) value = value.slice(0, count)
  return json(200, { value: value.map(e => endpointBody(core, e)) })
}

export function getEndpoint(core: Core, ctx: RequestContext): Reply {
  const f = findEndpoint(core, ctx)
  return isReply(f) ? f : json(200, endpointBody(core, f.endpoint))
}

export function putEndpoint(core: Core, ctx: RequestContext): Reply {
  const s = wsScope(core, ctx)
  if (isReply(s)) return s
  const ws = s.ws!
  const name = ctx.params.endpointName
  if (!ENDPOINT_NAME.test(name)) {
    return armError(
      400,
      'UserError',
      `Endpoint name '${name}' is invalid: it must be 3 to 32 characters, start with a letter, end with a letter or ` +
        'digit, and contain only letters, digits and hyphens.'
    )
  }
  if (ws.provisioningState !== 'Succeeded') {
    return armError(
      409,
      'Conflict',
      `Workspace '${ws.name}' is ${ws.provisioningState}; endpoints need a Succeeded one.`
    )
  }
  const body = (ctx.json ?? {}) as Json
  const props = isObj(body.properties) ? { ...body.properties } : {}
  const location = typeof body.location === 'string' ? body.location : ''
  if (normalizeLocation(location) !== normalizeLocation(ws.location)) {
    return armError(
      400,
      'UserError',
      `The endpoint's location '${location}' must be the workspace's location '${ws.location}'.`
    )
  }
  const authMode = AUTH_MODES.find(m => m.toLowerCase() === String(props.authMode ?? '').toLowerCase())
  if (!authMode) {
    return armError(400, 'UserError', `properties.authMode must be one of ${AUTH_MODES.join(', ')}.`)
  }
  const key = onlineEndpointKey(s.wsKey!, name)
  const existing = core.state.onlineEndpoints.get(key)
  if (!existing) {
    const taken = [...core.state.onlineEndpoints.values()].find(e => e.name.toLowerCase() === name.toLowerCase())
    if (taken) {
      return armError(
        409,
        'Conflict',
        `An online endpoint named '${name}' already exists in region '${ws.location}' (endpoint names are unique per ` +
          'region, as the name is part of the scoring URI). Choose another name.'
      )
    }
  } else if (existing.provisioningState === 'Deleting') {
    return armError(409, 'Conflict', `Endpoint '${name}' is being deleted; retry once the deletion has finished.`)
  } else if (pendingOperation(core, key, ['endpoint-create', 'endpoint-update'])) {
    return armError(
      409,
      'Conflict',
      `Endpoint '${name}' has an operation in progress (${existing.provisioningState}); retry once it has finished.`
    )
  }
  const deployments = existing ? deploymentsOf(core, existing) : []
  const traffic = checkTraffic(deployments, name, props.traffic, 'traffic')
  if (typeof traffic === 'string') return armError(400, 'UserError', traffic)
  const mirror = checkTraffic(deployments, name, props.mirrorTraffic, 'mirrorTraffic')
  if (typeof mirror === 'string') return armError(400, 'UserError', mirror)
  const both = Object.keys(mirror).filter(d => (mirror[d] ?? 0) > 0 && (traffic[d] ?? 0) > 0)
  if (both.length > 0) {
    return armError(
      400,
      'UserError',
      `Deployment '${both[0]}' cannot take both live traffic and mirror traffic of endpoint '${name}'.`
    )
  }
  const keys = isObj(props.keys) ? props.keys : {}
  for (const f of READ_ONLY) delete props[f]
  const now = iso()
  const identity: Json = isObj(body.identity) ? { ...body.identity } : { type: 'SystemAssigned' }
  if (/systemassigned/i.test(String(identity.type ?? ''))) {
    identity.principalId = existing?.identity?.principalId ?? randomUUID()
    identity.tenantId = core.seed.tenantId
  }
  const tags = isObj(body.tags) ? (body.tags as Record<string, string>) : (existing?.tags ?? {})
  const fail = ctx.scenario.provisionFail
  if (existing) {
    existing.properties = props
    existing.authMode = authMode
    existing.traffic = traffic
    existing.mirrorTraffic = mirror
    existing.tags = tags
    existing.identity = identity
    existing.kind = typeof body.kind === 'string' ? body.kind : existing.kind
    existing.provisioningState = 'Updating'
    existing.modifiedAt = now
    const op = core.state.startOperation({
      kind: 'endpoint-update',
      target: key,
      location: ws.location,
      subscriptionId: s.sub,
      apiVersion: apiVersionOf(ctx),
      doneAt: Date.now() + core.config.delays.endpointProvisionMs,
      outcome: 'Succeeded',
      onApply: () => {
        const e = core.state.onlineEndpoints.get(key)
        if (e && e.provisioningState === 'Updating') e.provisioningState = 'Succeeded'
      }
    })
    return { status: 200, body: endpointBody(core, existing), headers: lroHeaders(core, op, ['async']) }
  }
  const endpoint: OnlineEndpointRecord = {
    workspaceKey: s.wsKey!,
    name,
    location: ws.location,
    properties: props,
    authMode,
    traffic,
    mirrorTraffic: mirror,
    tags,
    identity,
    kind: typeof body.kind === 'string' ? body.kind : undefined,
    provisioningState: 'Creating',
    keys: {
      primaryKey: typeof keys.primaryKey === 'string' && keys.primaryKey ? keys.primaryKey : newKey(),
      secondaryKey: typeof keys.secondaryKey === 'string' && keys.secondaryKey ? keys.secondaryKey : newKey()
    },
    tokens: new Map(),
    createdAt: now,
    modifiedAt: now
  }
  core.state.onlineEndpoints.set(key, endpoint)
  const error = fail
    ? {
        code: fail.code || 'EndpointProvisioningFailed',
        message: fail.message || `Provisioning of endpoint '${name}' failed (emulator fault provision-fail).`
      }
    : undefined
  const op = core.state.startOperation({
    kind: 'endpoint-create',
    target: key,
    location: ws.location,
    subscriptionId: s.sub,
    apiVersion: apiVersionOf(ctx),
    doneAt: Date.now() + core.config.delays.endpointProvisionMs,
    outcome: error ? 'Failed' : 'Succeeded',
    error,
    onApply: o => {
      const e = core.state.onlineEndpoints.get(key)
      if (e && e.provisioningState === 'Creating') e.provisioningState = o.outcome
    }
  })
  return { status: 201, body: endpointBody(core, endpoint), headers: lroHeaders(core, op, ['async']) }
}

export function patchEndpoint(core: Core, ctx: RequestContext): Reply {
  const f = findEndpoint(core, ctx)
  if (isReply(f)) return f
  const e = f.endpoint
  const body = (ctx.json ?? {}) as Json
  if (isObj(body.tags)) e.tags = body.tags as Record<string, string>
  if (isObj(body.identity)) {
    e.identity = { ...(e.identity ?? {}), ...body.identity }
    if (/systemassigned/i.test(String(e.identity.type ?? ''))) {
      e.identity.principalId ??= randomUUID()
      e.identity.tenantId = core.seed.tenantId
    }
  }
  e.modifiedAt = iso()
  return json(200, endpointBody(core, e))
}

export function deleteEndpoint(core: Core, ctx: RequestContext): Reply {
  const s = wsScope(core, ctx)
  if (isReply(s)) return s
  const key = onlineEndpointKey(s.wsKey!, ctx.params.endpointName)
  const e = core.state.onlineEndpoints.get(key)
  if (!e) return { status: 204 }
  const pending = pendingOperation(core, key, ['endpoint-delete'])
  if (pending) return { status: 202, headers: lroHeaders(core, pending, ['async', 'location']) }
  e.provisioningState = 'Deleting'
  e.modifiedAt = iso()
  for (const d of deploymentsOf(core, e)) {
    // A provisioning still under way must not bring it back.
    d.provisioningState = 'Deleting'
    d.generation++
  }
  const op = core.state.startOperation({
    kind: 'endpoint-delete',
    target: key,
    location: e.location,
    subscriptionId: s.sub,
    apiVersion: apiVersionOf(ctx),
    doneAt: Date.now() + core.config.delays.endpointDeleteMs,
    outcome: 'Succeeded',
    onApply: () => {
      const current = core.state.onlineEndpoints.get(key)
      if (!current) return
      for (const d of deploymentsOf(core, current)) {
        const dk = onlineDeploymentKey(d.workspaceKey, d.endpointName, d.name)
        core.inference.forget(dk)
        core.state.onlineDeployments.delete(dk)
      }
      core.state.onlineEndpoints.delete(key)
    }
  })
  return { status: 202, headers: lroHeaders(core, op, ['async', 'location']) }
}

function wrongMode(e: OnlineEndpointRecord, wanted: string, use: string): Reply {
  return armError(400, 'UserError', `Endpoint '${e.name}' uses authMode '${e.authMode}'; ${wanted}. ${use}`)
}

export function listKeys(core: Core, ctx: RequestContext): Reply {
  const f = findEndpoint(core, ctx)
  if (isReply(f)) return f
  const e = f.endpoint
  if (e.authMode !== 'Key') {
    return wrongMode(e, 'keys exist for Key endpoints only', 'Get a token (POST .../token) for AMLToken endpoints.')
  }
  return json(200, { primaryKey: e.keys.primaryKey, secondaryKey: e.keys.secondaryKey })
}

export function regenerateKeys(core: Core, ctx: RequestContext): Reply {
  const f = findEndpoint(core, ctx)
  if (isReply(f)) return f
  const e = f.endpoint
  if (e.authMode !== 'Key') return wrongMode(e, 'keys exist for Key endpoints only', '')
  const body = (ctx.json ?? {}) as { keyType?: string; keyValue?: string | null }
  const which = String(body.keyType ?? '').toLowerCase()
  if (which !== 'primary' && which !== 'secondary') {
    return armError(400, 'UserError', `keyType must be 'Primary' or 'Secondary', got '${String(body.keyType ?? '')}'.`)
  }
  const value = typeof body.keyValue === 'string' && body.keyValue ? body.keyValue : newKey()
  if (which === 'primary') e.keys.primaryKey = value
  else e.keys.secondaryKey = value
  e.modifiedAt = iso()
  const op = core.state.startOperation({
    kind: 'endpoint-keys',
    target: onlineEndpointKey(f.wsKey, e.name),
    location: e.location,
    subscriptionId: f.sub,
    apiVersion: apiVersionOf(ctx),
    doneAt: Date.now(),
    outcome: 'Succeeded'
  })
  return { status: 202, headers: lroHeaders(core, op, ['location']) }
}

export function getToken(core: Core, ctx: RequestContext): Reply {
  const f = findEndpoint(core, ctx)
  if (isReply(f)) return f
  const e = f.endpoint
  if (e.authMode !== 'AMLToken') {
    return wrongMode(
      e,
      'AML tokens exist for AMLToken endpoints only',
      e.authMode === 'Key'
        ? 'List its keys (POST .../listKeys).'
        : 'Use an Entra token (audience https://ml.azure.com).'
    )
  }
  const now = Math.floor(Date.now() / 1000)
  const lifetime = core.config.endpointTokenLifetimeSeconds
  const accessToken = signJwt(
    {
      iss: `${core.url}/aml-token`,
      aud: scoringUri(core, e.name),
      sub: core.seed.clientId,
      endpoint: e.name,
      iat: now,
      nbf: now,
      exp: now + lifetime,
      jti: randomUUID()
    },
    core.keys.entra
  )
  e.tokens.set(accessToken, (now + lifetime) * 1000)
  return json(200, {
    accessToken,
    tokenType: 'Bearer',
    expiryTimeUtc: now + lifetime,
    refreshAfterTimeUtc: now + Math.floor(lifetime / 2)
  })
}

// ---------------------------------------------------------------------------------------------------------- scoring

const NO_VALID_DEPLOYMENT =
  'No valid deployments to route to. Please check that the endpoint has at least one deployment with positive ' +
  'weight values or use a deployment specific header to route.'

function scoringEndpoint(core: Core, name: string): OnlineEndpointRecord | undefined {
  return [...core.state.onlineEndpoints.values()].find(e => e.name.toLowerCase() === name.toLowerCase())
}

function text(status: number, body: string, headers: Record<string, string> = {}): Reply {
  return { status, body, headers: { 'Content-Type': 'text/plain; charset=utf-8', ...headers } }
}

/** The key, AML token or Entra token check of `authMode`; undefined when allowed. */
function authorizeScoring(core: Core, ctx: RequestContext, e: OnlineEndpointRecord): Reply | undefined {
  const header = String(ctx.headers.authorization ?? '')
  const refuse = (why: string): Reply => text(401, `Unauthorized: ${why}`, { 'WWW-Authenticate': 'Bearer' })
  if (!header) return refuse('no Authorization header (Bearer <key or token>).')
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header)
  if (!m) return refuse("the Authorization header is not 'Bearer <key or token>'.")
  const presented = m[1]
  if (e.authMode === 'Key') {
    return presented === e.keys.primaryKey || presented === e.keys.secondaryKey
      ? undefined
      : refuse(`the key is not a key of endpoint '${e.name}'.`)
  }
  if (e.authMode === 'AMLToken') {
    const expiry = e.tokens.get(presented)
    if (expiry === undefined) return refuse(`the token is not an AML token of endpoint '${e.name}'.`)
    if (Date.now() >= expiry) return refuse('the AML token has expired; get a new one (POST .../token).')
    return undefined
  }
  const info = authenticate(core, ctx)
  return isReply(info) ? refuse('the Entra token is missing, unknown, expired, or for another audience.') : undefined
}

function pickByTraffic(e: OnlineEndpointRecord): string | undefined {
  const shares = Object.entries(e.traffic).filter(([, p]) => p > 0)
  const total = shares.reduce((a, [, p]) => a + p, 0)
  if (total <= 0) return undefined
  let r = Math.random() * total
  for (const [name, p] of shares) {
    if (r < p) return name
    r -= p
  }
  return shares[shares.length - 1][0]
}

/** `POST {scoringUri}` (`Emulator_OnlineScore`). */
export async function scoreOnline(core: Core, ctx: RequestContext): Promise<Reply> {
  const requestId = randomUUID()
  const base = { 'x-request-id': requestId }
  const e = scoringEndpoint(core, ctx.params.endpointName)
  if (!e || e.provisioningState === 'Creating' || e.provisioningState === 'Deleting') {
    return text(404, `No online endpoint named '${ctx.params.endpointName}' is serving here.`, base)
  }
  const denied = authorizeScoring(core, ctx, e)
  if (denied) return { ...denied, headers: { ...base, ...denied.headers } }
  const deployments = deploymentsOf(core, e)
  const wanted = ctx.headers['azureml-model-deployment']
  let name: string | undefined
  if (typeof wanted === 'string' && wanted.trim()) {
    const d = deployments.find(x => x.name.toLowerCase() === wanted.trim().toLowerCase())
    if (!d) {
      return text(
        404,
        `Deployment '${wanted.trim()}' (header azureml-model-deployment) was not found on endpoint '${e.name}'.`,
        base
      )
    }
    name = d.name
  } else {
    name = pickByTraffic(e)
    if (!name) return text(404, NO_VALID_DEPLOYMENT, base)
  }
  const d = deployments.find(x => x.name === name)
  const headers = { ...base, 'azureml-model-deployment': name }
  const dk = d ? onlineDeploymentKey(d.workspaceKey, d.endpointName, d.name) : ''
  const server = d ? core.inference.get(dk) : undefined
  if (!d || !server) {
    return text(
      503,
      `Deployment '${name}' of endpoint '${e.name}' is not serving (provisioningState ${d?.provisioningState ?? 'absent'}).`,
      headers
    )
  }
  const settings = isObj(d.properties.requestSettings) ? d.properties.requestSettings : {}
  const timeoutMs = isoDurationMs(String(settings.requestTimeout ?? '')) || 5000
  const result = await server.score(ctx.body.toString('utf8'), timeoutMs)
  const logs = core.inference.logs(dk).inference
  const access = (status: number, ms: number): void =>
    logs.line(`${iso()} ${status} POST /score ${ms} ms x-request-id=${requestId}`)
  switch (result.kind) {
    case 'ok':
      access(200, result.ms)
      return { status: 200, body: result.body, headers: { ...headers, 'Content-Type': 'application/json' } }
    case 'error':
      access(500, result.ms)
      return text(424, result.traceback || result.error, {
        ...headers,
        'ms-azureml-model-error-statuscode': '500',
        'ms-azureml-model-error-reason': 'model_error'
      })
    case 'timeout':
      access(408, result.ms)
      return text(408, `upstream request timeout (requestSettings.requestTimeout: ${timeoutMs} ms)`, headers)
    default:
      return text(502, `Bad gateway: ${result.why}.`, headers)
  }
}

/** `GET {swaggerUri}` (`Emulator_OnlineSwagger`): a minimal Swagger 2.0 document of `/score`. */
export function swaggerOnline(core: Core, ctx: RequestContext): Reply {
  const e = scoringEndpoint(core, ctx.params.endpointName)
  if (!e || e.provisioningState === 'Creating' || e.provisioningState === 'Deleting') {
    return text(404, `No online endpoint named '${ctx.params.endpointName}' is serving here.`)
  }
  const denied = authorizeScoring(core, ctx, e)
  if (denied) return denied
  return json(200, {
    swagger: '2.0',
    info: {
      title: e.name,
      description: `API specification for the Azure Machine Learning service ${e.name}`,
      version: '1.0'
    },
    schemes: [new URL(core.apiUrl).protocol.replace(':', '')],
    consumes: ['application/json'],
    produces: ['application/json'],
    paths: {
      '/score': {
        post: {
          description: "Run the deployment's scoring script (run(raw_data)) on the request body",
          parameters: [{ name: 'body', in: 'body', required: true, schema: { type: 'object' } }],
          responses: { '200': { description: "run()'s return value" }, default: { description: 'An error' } }
        }
      }
    }
  })
}

export const onlineEndpointsModule: EmulatorModule = {
  name: 'online-endpoints',
  operations: {
    'mfe-2024-04-01:OnlineEndpoints_List': listEndpoints,
    'mfe-2024-04-01:OnlineEndpoints_Get': getEndpoint,
    'mfe-2024-04-01:OnlineEndpoints_CreateOrUpdate': putEndpoint,
    'mfe-2024-04-01:OnlineEndpoints_Update': patchEndpoint,
    'mfe-2024-04-01:OnlineEndpoints_Delete': deleteEndpoint,
    'mfe-2024-04-01:OnlineEndpoints_ListKeys': listKeys,
    'mfe-2024-04-01:OnlineEndpoints_RegenerateKeys': regenerateKeys,
    'mfe-2024-04-01:OnlineEndpoints_GetToken': getToken
  },
  routes: [
    route('api', 'POST', '/endpoints/{endpointName}/score', 'Emulator_OnlineScore', scoreOnline, 'custom'),
    route('api', 'GET', '/endpoints/{endpointName}/swagger.json', 'Emulator_OnlineSwagger', swaggerOnline, 'custom')
  ],
  operationResults: {
    'endpoint-create': (core, target) => {
      const e = core.state.onlineEndpoints.get(target)
      return e ? endpointBody(core, e) : undefined
    },
    'endpoint-update': (core, target) => {
      const e = core.state.onlineEndpoints.get(target)
      return e ? endpointBody(core, e) : undefined
    }
  }
}
