/**
 * What the v2 asset kinds share (mfe.json 2024-04-01: `{Kind}Containers_List/Get/CreateOrUpdate`,
 * `{Kind}Versions_List/Get/CreateOrUpdate` for codes, environments, data and models): containers with
 * `latestVersion`/`nextVersion`, versions that are immutable once registered (a PUT of an existing version with another
 * definition is 409; the same: 200; tags, description, properties and `isArchived` may change), version lists with
 * `$orderBy=createdtime desc|asc`, `$top` and `listViewType`. A version PUT creates its container, as Azure does.
 * The modules codes.ts, environments.ts, data.ts and model-assets.ts build their handlers from `assetHandlers`.
 */
import { PROVIDER, workspaceId, wsScope } from '../arm/scopes.js'
import type { Core } from '../core/context.js'
import { armError, isReply, iso, json } from '../core/http.js'
import type { Handler } from '../core/context.js'
import type { AssetContainer, AssetKind, AssetVersion, Workspace } from '../core/state.js'
import type { Reply, RequestContext } from '../core/types.js'

type Json = Record<string, unknown>

export interface AssetKindSpec {
  kind: AssetKind
  /** For messages: `code`, `environment`, `data`, `model`. */
  what: string
  /** `properties` fields that define the version (a different value on a re-PUT is 409). */
  definition: string[]
  /** Bodies carry `provisioningState` (CodeVersion, EnvironmentVersion, ModelVersion; not data). */
  provisioning: boolean
  /** Checks and completes a version PUT's properties; a Reply refuses it. */
  prepareVersion?: (core: Core, props: Json, ctx: RequestContext) => Reply | Json | Promise<Reply | Json>
  /**
   * The message of the 409 for a re-PUT with another definition (default: names the changed fields). Code versions
   * answer Azure's "Asset paths cannot be updated." (azure-ai-ml `_artifacts/_constants.py` ASSET_PATH_ERROR).
   */
  conflictMessage?: (name: string, version: string, changed: string[]) => string
  /** Properties a container created by a version PUT starts with (DataContainer needs its `dataType`). */
  containerFrom?: (versionProps: Json) => Json
}

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

export function systemData(core: Core, createdAt: string, modifiedAt: string): Json {
  return {
    createdAt,
    createdBy: core.seed.clientId,
    createdByType: 'Application',
    lastModifiedAt: modifiedAt,
    lastModifiedBy: core.seed.clientId,
    lastModifiedByType: 'Application'
  }
}

function versionSort(a: string, b: string): number {
  const na = Number(a)
  const nb = Number(b)
  if (Number.isFinite(na) && Number.isFinite(nb)) return na - nb
  return a.localeCompare(b)
}

export function latestVersion(c: AssetContainer): AssetVersion | undefined {
  return [...c.versions.values()].sort((a, b) => b.seq - a.seq)[0]
}

export function containerBody(core: Core, ws: Workspace, c: AssetContainer, spec: AssetKindSpec): Json {
  const latest = latestVersion(c)
  const numeric = [...c.versions.keys()].map(Number).filter(n => Number.isInteger(n) && n >= 0)
  const next = numeric.length > 0 ? String(Math.max(...numeric) + 1) : c.versions.size === 0 ? '1' : undefined
  return {
    id: `${workspaceId(ws)}/${c.kind}/${c.name}`,
    name: c.name,
    type: `${PROVIDER}/workspaces/${c.kind}`,
    systemData: systemData(core, c.createdAt, c.modifiedAt),
    properties: {
      isArchived: false,
      ...c.properties,
      ...(latest ? { latestVersion: latest.version } : {}),
      ...(next ? { nextVersion: next } : {}),
      ...(spec.provisioning ? { provisioningState: 'Succeeded' } : {})
    }
  }
}

export function versionBody(core: Core, ws: Workspace, c: AssetContainer, v: AssetVersion, spec: AssetKindSpec): Json {
  return {
    id: `${workspaceId(ws)}/${c.kind}/${c.name}/versions/${v.version}`,
    name: v.version,
    type: `${PROVIDER}/workspaces/${c.kind}/versions`,
    systemData: systemData(core, v.createdAt, v.modifiedAt),
    properties: {
      isAnonymous: false,
      isArchived: false,
      ...v.properties,
      ...(spec.provisioning ? { provisioningState: 'Succeeded' } : {})
    }
  }
}

export function assetNotFound(ctx: RequestContext, what: string, name: string, version?: string): Reply {
  return armError(
    404,
    'UserError',
    `${what.charAt(0).toUpperCase()}${what.slice(1)} '${name}'${version === undefined ? '' : ` version '${version}'`} ` +
      `was not found in workspace '${ctx.params.workspaceName}'.`
  )
}

/** The container of `{kind}/{name}` in the request's workspace, if any. */
export function findContainer(core: Core, wsKey: string, kind: AssetKind, name: string): AssetContainer | undefined {
  return core.state.assets.get(core.state.assetKey(wsKey, kind, name))
}

/** Looks up `{WS}/{kind}/{name}/versions/{version}` from an ARM id (any casing); undefined if absent or not one. */
export function findVersionById(
  core: Core,
  id: string,
  kind: AssetKind
): { ws: Workspace; container: AssetContainer; version: AssetVersion } | undefined {
  const m = new RegExp(
    `^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/${PROVIDER}/workspaces/([^/]+)/${kind}/([^/]+)/versions/([^/]+)$`,
    'i'
  ).exec(id)
  if (!m) return undefined
  const wsKey = `${m[1]}/${m[2]}/${m[3]}`.toLowerCase()
  const ws = core.state.workspaces.get(wsKey)
  const container = findContainer(core, wsKey, kind, decodeURIComponent(m[4]))
  const version = container?.versions.get(decodeURIComponent(m[5]))
  return ws && container && version ? { ws, container, version } : undefined
}

/** Versions as a list answer (`$orderBy`, `$top`, `listViewType`). */
export function listAnswer(
  core: Core,
  ctx: RequestContext,
  ws: Workspace,
  pairs: [AssetContainer, AssetVersion][],
  spec: AssetKindSpec
): Reply {
  const view = String(ctx.query.listViewType ?? 'ActiveOnly').toLowerCase()
  let rows = pairs.filter(([, v]) => {
    const archived = v.properties.isArchived === true
    return view === 'all' ? true : view === 'archivedonly' ? archived : !archived
  })
  const order = String(ctx.query.$orderBy ?? ctx.query.$orderby ?? 'createdtime desc').toLowerCase()
  const asc = /\basc$/.test(order)
  if (/version/.test(order) && !/createdtime/.test(order)) {
    rows.sort(([, a], [, b]) => versionSort(a.version, b.version) * (asc ? 1 : -1))
  } else {
    rows.sort(([, a], [, b]) => (a.seq - b.seq) * (asc ? 1 : -1))
  }
  const top = Number(ctx.query.$top)
  if (Number.isInteger(top) && top > 0) rows = rows.slice(0, top)
  return json(200, { value: rows.map(([c, v]) => versionBody(core, ws, c, v, spec)) })
}

function sameDefinition(spec: AssetKindSpec, a: Json, b: Json): string[] {
  const canon = (v: unknown): string =>
    JSON.stringify(v ?? null, (_k, x: unknown) => (isObj(x) ? Object.fromEntries(Object.entries(x).sort()) : x))
  return spec.definition.filter(f => canon(a[f]) !== canon(b[f]))
}

/** Handlers for one asset kind. */
export function assetHandlers(spec: AssetKindSpec): {
  listContainers: Handler
  getContainer: Handler
  putContainer: Handler
  listVersions: Handler
  getVersion: Handler
  putVersion: Handler
} {
  const kind = spec.kind

  const listContainers: Handler = (core, ctx) => {
    const s = wsScope(core, ctx)
    if (isReply(s)) return s
    const value = [...core.state.assets.values()]
      .filter(c => c.workspaceKey === s.wsKey && c.kind === kind)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
      .map(c => containerBody(core, s.ws!, c, spec))
    return json(200, { value })
  }

  const getContainer: Handler = (core, ctx) => {
    const s = wsScope(core, ctx)
    if (isReply(s)) return s
    const c = findContainer(core, s.wsKey!, kind, ctx.params.name)
    return c ? json(200, containerBody(core, s.ws!, c, spec)) : assetNotFound(ctx, spec.what, ctx.params.name)
  }

  const putContainer: Handler = (core, ctx) => {
    const s = wsScope(core, ctx)
    if (isReply(s)) return s
    const body = (ctx.json ?? {}) as Json
    const props = isObj(body.properties) ? { ...body.properties } : {}
    for (const ro of ['latestVersion', 'nextVersion', 'provisioningState']) delete props[ro]
    const key = core.state.assetKey(s.wsKey!, kind, ctx.params.name)
    const existing = core.state.assets.get(key)
    const now = iso()
    if (existing) {
      existing.properties = { ...existing.properties, ...props }
      existing.modifiedAt = now
      return json(200, containerBody(core, s.ws!, existing, spec))
    }
    const c: AssetContainer = {
      workspaceKey: s.wsKey!,
      kind,
      name: ctx.params.name,
      properties: props,
      createdAt: now,
      modifiedAt: now,
      versions: new Map()
    }
    core.state.assets.set(key, c)
    return json(201, containerBody(core, s.ws!, c, spec))
  }

  const listVersions: Handler = (core, ctx) => {
    const s = wsScope(core, ctx)
    if (isReply(s)) return s
    const c = findContainer(core, s.wsKey!, kind, ctx.params.name)
    if (!c) return assetNotFound(ctx, spec.what, ctx.params.name)
    return listAnswer(
      core,
      ctx,
      s.ws!,
      [...c.versions.values()].map(v => [c, v]),
      spec
    )
  }

  const getVersion: Handler = (core, ctx) => {
    const s = wsScope(core, ctx)
    if (isReply(s)) return s
    const c = findContainer(core, s.wsKey!, kind, ctx.params.name)
    const v = c?.versions.get(ctx.params.version)
    if (!c || !v) return assetNotFound(ctx, spec.what, ctx.params.name, ctx.params.version)
    return json(200, versionBody(core, s.ws!, c, v, spec))
  }

  const putVersion: Handler = async (core, ctx) => {
    const s = wsScope(core, ctx)
    if (isReply(s)) return s
    const body = (ctx.json ?? {}) as Json
    let props: Json = isObj(body.properties) ? { ...body.properties } : {}
    for (const ro of ['provisioningState', 'environmentType']) delete props[ro]
    if (spec.prepareVersion) {
      const prepared = await spec.prepareVersion(core, props, ctx)
      if (isReply(prepared)) return prepared
      props = prepared
    }
    const { name, version } = ctx.params
    const key = core.state.assetKey(s.wsKey!, kind, name)
    const now = iso()
    let c = core.state.assets.get(key)
    const existing = c?.versions.get(version)
    if (c && existing) {
      const changed = sameDefinition(spec, existing.properties, props)
      if (changed.length > 0) {
        return armError(
          409,
          'UserError',
          spec.conflictMessage?.(name, version, changed) ??
            `${spec.what.charAt(0).toUpperCase()}${spec.what.slice(1)} '${name}' version '${version}' already exists ` +
              `with a different ${changed.join(', ')}. Asset versions are immutable: register a new version instead.`
        )
      }
      for (const f of ['description', 'tags', 'properties', 'isArchived']) {
        if (props[f] !== undefined) existing.properties[f] = props[f]
      }
      existing.modifiedAt = now
      return json(200, versionBody(core, s.ws!, c, existing, spec))
    }
    if (!c) {
      c = {
        workspaceKey: s.wsKey!,
        kind,
        name,
        properties: spec.containerFrom ? spec.containerFrom(props) : {},
        createdAt: now,
        modifiedAt: now,
        versions: new Map()
      }
      core.state.assets.set(key, c)
    }
    const v: AssetVersion = {
      name,
      version,
      properties: props,
      createdAt: now,
      modifiedAt: now,
      seq: ++core.state.assetSeq
    }
    c.versions.set(version, v)
    c.modifiedAt = now
    return json(201, versionBody(core, s.ws!, c, v, spec))
  }

  return { listContainers, getContainer, putContainer, listVersions, getVersion, putVersion }
}
