/**
 * Datastores, Microsoft.MachineLearningServices mfe.json 2024-04-01: `Datastores_List` (`isDefault`, `names`,
 * `count`), `Datastores_Get`, `Datastores_CreateOrUpdate`, `Datastores_ListSecrets`.
 *
 * Every workspace has its default `workspaceblobstore`: an AzureBlob datastore on Azurite (account `devstoreaccount1`,
 * container `azureml-blobstore-<workspace guid>`, `endpoint: "127.0.0.1:<azurite port>"`, `protocol: "http"`,
 * `isDefault: true`, SAS credentials). A client builds its URL path-style for a loopback endpoint:
 * `{protocol}://{endpoint}/{accountName}/{containerName}`. `listSecrets` answers `{secretsType: "Sas", sasToken}`
 * (a container SAS, read/add/create/write/delete/list, 24 h, without the `?`). Azurite starts on the first datastore
 * request. Datastores created by a PUT are stored as sent, their `credentials.secrets` never read back (as in Azure).
 */
import { PROVIDER, workspaceId, wsScope } from '../arm/scopes.js'
import type { Core } from '../core/context.js'
import { armError, isReply, iso, json } from '../core/http.js'
import type { EmulatorModule } from '../core/routes.js'
import type { Workspace } from '../core/state.js'
import type { Reply, RequestContext } from '../core/types.js'
import { AZURITE_ACCOUNT_NAME } from '../azurite.js'
import { systemData } from './assets.js'
import { DEFAULT_DATASTORE, defaultContainer } from './blobs.js'

type Json = Record<string, unknown>

/** The default datastore's body (starts Azurite: its port is part of the endpoint). */
async function defaultBody(core: Core, ws: Workspace): Promise<Json> {
  const azurite = await core.blobs.get()
  return {
    id: `${workspaceId(ws)}/datastores/${DEFAULT_DATASTORE}`,
    name: DEFAULT_DATASTORE,
    type: `${PROVIDER}/workspaces/datastores`,
    systemData: systemData(core, ws.creationTime, ws.creationTime),
    properties: {
      description: 'The workspace default blob store (Azurite)',
      tags: {},
      properties: {},
      datastoreType: 'AzureBlob',
      accountName: AZURITE_ACCOUNT_NAME,
      containerName: defaultContainer(ws),
      endpoint: new URL(azurite.blobEndpoint).host,
      protocol: 'http',
      isDefault: true,
      credentials: { credentialsType: 'Sas' },
      serviceDataAccessAuthIdentity: 'None'
    }
  }
}

function storedBody(core: Core, ws: Workspace, name: string): Json | undefined {
  const d = core.state.datastores.get(datastoreKey(core, ws, name))
  if (!d) return undefined
  const props = structuredClone(d.properties)
  const creds = props.credentials as Json | undefined
  if (creds) delete creds.secrets
  return {
    id: `${workspaceId(ws)}/datastores/${d.name}`,
    name: d.name,
    type: `${PROVIDER}/workspaces/datastores`,
    systemData: systemData(core, d.createdAt, d.createdAt),
    properties: { ...props, isDefault: false }
  }
}

function datastoreKey(core: Core, ws: Workspace, name: string): string {
  return `${core.state.rgKey(ws.subscriptionId, ws.resourceGroup)}/${ws.name}/${name}`.toLowerCase()
}

/** The body of datastore `name` of the workspace, or undefined. */
export async function datastoreBody(core: Core, ws: Workspace, name: string): Promise<Json | undefined> {
  if (name.toLowerCase() === DEFAULT_DATASTORE) return defaultBody(core, ws)
  return storedBody(core, ws, name)
}

/** The container a datastore of the workspace stores its blobs in (Azurite), or undefined. */
export function datastoreContainer(core: Core, ws: Workspace, name: string): string | undefined {
  if (name.toLowerCase() === DEFAULT_DATASTORE) return defaultContainer(ws)
  const d = core.state.datastores.get(datastoreKey(core, ws, name))
  const p = d?.properties
  return p && p.accountName === AZURITE_ACCOUNT_NAME && typeof p.containerName === 'string'
    ? p.containerName
    : undefined
}

function notFound(ctx: RequestContext): Reply {
  return armError(
    404,
    'UserError',
    `Datastore '${ctx.params.name}' was not found in workspace '${ctx.params.workspaceName}'.`
  )
}

export async function listDatastores(core: Core, ctx: RequestContext): Promise<Reply> {
  const s = wsScope(core, ctx)
  if (isReply(s)) return s
  const ws = s.ws!
  const stored = [...core.state.datastores.values()]
    .filter(d => d.workspaceKey === s.wsKey)
    .map(d => storedBody(core, ws, d.name))
    .filter((b): b is Json => b !== undefined)
  let all = [await defaultBody(core, ws), ...stored]
  const isDefault = String(ctx.query.isDefault ?? '').toLowerCase()
  if (isDefault === 'true') all = all.filter(d => (d.properties as Json).isDefault === true)
  if (isDefault === 'false') all = all.filter(d => (d.properties as Json).isDefault !== true)
  const names = ctx.query.names ? ctx.query.names.split(',').map(n => n.trim().toLowerCase()) : undefined
  if (names) all = all.filter(d => names.includes(String(d.name).toLowerCase()))
  const count = Number(ctx.query.count)
  if (Number.isInteger(count) && count > 0) all = all.slice(0, count)
  return json(200, { value: all })
}

export async function getDatastore(core: Core, ctx: RequestContext): Promise<Reply> {
  const s = wsScope(core, ctx)
  if (isReply(s)) return s
  const body = await datastoreBody(core, s.ws!, ctx.params.name)
  return body ? json(200, body) : notFound(ctx)
}

export function putDatastore(core: Core, ctx: RequestContext): Reply {
  const s = wsScope(core, ctx)
  if (isReply(s)) return s
  const name = ctx.params.name
  if (name.toLowerCase() === DEFAULT_DATASTORE) {
    return armError(400, 'UserError', `The default datastore '${DEFAULT_DATASTORE}' cannot be replaced.`)
  }
  const body = (ctx.json ?? {}) as { properties?: Json }
  const key = datastoreKey(core, s.ws!, name)
  const existed = core.state.datastores.has(key)
  const props = { ...(body.properties ?? {}) }
  delete props.isDefault
  core.state.datastores.set(key, { workspaceKey: s.wsKey!, name, properties: props, createdAt: iso() })
  return json(existed ? 200 : 201, storedBody(core, s.ws!, name))
}

export async function listSecrets(core: Core, ctx: RequestContext): Promise<Reply> {
  const s = wsScope(core, ctx)
  if (isReply(s)) return s
  const name = ctx.params.name
  const container = datastoreContainer(core, s.ws!, name)
  if (container) {
    const sasUrl = await core.blobs.containerSasUrl(container)
    return json(200, { secretsType: 'Sas', sasToken: sasUrl.slice(sasUrl.indexOf('?') + 1) })
  }
  const d = core.state.datastores.get(datastoreKey(core, s.ws!, name))
  if (!d) return notFound(ctx)
  const secrets = (d.properties.credentials as Json | undefined)?.secrets
  if (secrets) return json(200, secrets)
  return armError(
    400,
    'UserError',
    `Datastore '${name}' has no secrets to list (identity-based access): its credentials are not a key or a SAS.`
  )
}

export const datastoresModule: EmulatorModule = {
  name: 'datastores',
  operations: {
    'mfe-2024-04-01:Datastores_List': listDatastores,
    'mfe-2024-04-01:Datastores_Get': getDatastore,
    'mfe-2024-04-01:Datastores_CreateOrUpdate': putDatastore,
    'mfe-2024-04-01:Datastores_ListSecrets': listSecrets
  }
}
