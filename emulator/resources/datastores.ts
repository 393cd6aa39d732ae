/**
 * Datastores, Microsoft.MachineLearningServices mfe.json 2024-04-01: `Datastores_List` (`isDefault`, `names`,
 * `count`), `Datastores_Get`, `Datastores_CreateOrUpdate`, `Datastores_ListSecrets`.
 *
 * Every workspace has the two blob datastores Azure creates with it, on Azurite (account `devstoreaccount1`,
 * `endpoint: "127.0.0.1:<azurite port>"`, `protocol: "http"`; a client builds the URL path-style for a loopback
 * endpoint: `{protocol}://{endpoint}/{accountName}/{containerName}`):
 * - `workspaceblobstore`, the default (`isDefault: true`), container `azureml-blobstore-<workspace guid>`;
 * - `workspaceartifactstore`, container `azureml`, where run artifacts go (`ExperimentRun/dcid.<job>/`).
 * Their credentials follow `config.defaultDatastoreCredentials`, Azure's default being the storage account key
 * (V2.md "Datastores as Azure hands them out"): `credentials: {credentialsType: "AccountKey"}` and listSecrets
 * `{secretsType: "AccountKey", key: <Azurite's published development key>}` (mfe.json `AccountKeyDatastoreSecrets`).
 * `Sas`: `{credentialsType: "Sas"}` and `{secretsType: "Sas", sasToken}` (a container SAS, read/add/create/write/
 * delete/list, 24 h, without the `?`; `SasDatastoreSecrets`). `None` (identity-based): `{credentialsType: "None"}`
 * and listSecrets refused. Azurite starts on the first datastore request. Datastores created by a PUT are stored as
 * sent, their `credentials.secrets` never read back (as in Azure).
 */
import { PROVIDER, workspaceId, wsScope } from '../arm/scopes.js'
import type { Core } from '../core/context.js'
import { armError, isReply, iso, json } from '../core/http.js'
import type { EmulatorModule } from '../core/routes.js'
import type { Workspace } from '../core/state.js'
import type { Reply, RequestContext } from '../core/types.js'
import { AZURITE_ACCOUNT_KEY, AZURITE_ACCOUNT_NAME } from '../azurite.js'
import { systemData } from './assets.js'
import { ARTIFACT_CONTAINER, ARTIFACT_DATASTORE, DEFAULT_DATASTORE, defaultContainer } from './blobs.js'

type Json = Record<string, unknown>

/** The built-in datastores of every workspace: name → container and description. */
const BUILT_IN: Record<string, { container: (ws: Workspace) => string; description: string; isDefault: boolean }> = {
  [DEFAULT_DATASTORE]: {
    container: defaultContainer,
    description: 'The workspace default blob store (Azurite)',
    isDefault: true
  },
  [ARTIFACT_DATASTORE]: {
    container: () => ARTIFACT_CONTAINER,
    description: 'The workspace artifact store: run artifacts (Azurite)',
    isDefault: false
  }
}

/** A built-in datastore's body (starts Azurite: its port is part of the endpoint). */
async function builtInBody(core: Core, ws: Workspace, name: string): Promise<Json> {
  const azurite = await core.blobs.get()
  const d = BUILT_IN[name]
  return {
    id: `${workspaceId(ws)}/datastores/${name}`,
    name,
    type: `${PROVIDER}/workspaces/datastores`,
    systemData: systemData(core, ws.creationTime, ws.creationTime),
    properties: {
      description: d.description,
      tags: {},
      properties: {},
      datastoreType: 'AzureBlob',
      accountName: AZURITE_ACCOUNT_NAME,
      containerName: d.container(ws),
      endpoint: new URL(azurite.blobEndpoint).host,
      protocol: 'http',
      isDefault: d.isDefault,
      credentials: { credentialsType: core.config.defaultDatastoreCredentials },
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
  const builtIn = name.toLowerCase()
  if (builtIn in BUILT_IN) return builtInBody(core, ws, builtIn)
  return storedBody(core, ws, name)
}

/** The container a datastore of the workspace stores its blobs in (Azurite), or undefined. */
export function datastoreContainer(core: Core, ws: Workspace, name: string): string | undefined {
  const builtIn = BUILT_IN[name.toLowerCase()]
  if (builtIn) return builtIn.container(ws)
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
  const builtIns = await Promise.all(Object.keys(BUILT_IN).map(name => builtInBody(core, ws, name)))
  let all = [...builtIns, ...stored]
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
  if (name.toLowerCase() in BUILT_IN) {
    return armError(400, 'UserError', `The workspace's own datastore '${name}' cannot be replaced.`)
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
  const builtIn = BUILT_IN[name.toLowerCase()]
  if (builtIn) {
    const container = builtIn.container(s.ws!)
    switch (core.config.defaultDatastoreCredentials) {
      case 'AccountKey':
        await core.blobs.container(container) // created on first use, as the SAS variant does
        return json(200, { secretsType: 'AccountKey', key: AZURITE_ACCOUNT_KEY })
      case 'Sas': {
        const sasUrl = await core.blobs.containerSasUrl(container)
        return json(200, { secretsType: 'Sas', sasToken: sasUrl.slice(sasUrl.indexOf('?') + 1) })
      }
      default:
        return noSecrets(name)
    }
  }
  const d = core.state.datastores.get(datastoreKey(core, s.ws!, name))
  if (!d) return notFound(ctx)
  const secrets = (d.properties.credentials as Json | undefined)?.secrets
  if (secrets) return json(200, secrets)
  return noSecrets(name)
}

function noSecrets(name: string): Reply {
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
