/**
 * Versioned assets of a workspace on ARM (code, environments, data, models) at the v2 api-version: their paths, ids,
 * and the lookups the CLI does before a job is created: `name:version` must exist, `name@latest` is the container's
 * newest version. Spec: `stable/2024-04-01/mfe.json` (`CodeVersions_Get`, `EnvironmentVersions_List`, ...); `@latest`
 * as azure-ai-ml resolves it (V2.md: `$orderBy=createdtime desc&$top=1`).
 */
import type { Context } from '../base/context.js'
import { InputError } from '../base/errors.js'
import type { CommonSettings, WorkspaceRef } from '../base/settings.js'
import { armAuth, armUrl, listAll, workspacePath } from '../arm/endpoints.js'
import { parseJson } from '../http/client.js'
import { suggest } from '../cli-yaml/schema.js'

export type AssetKind = 'codes' | 'environments' | 'data' | 'models' | 'components'

/** Where a reference came from, for errors: the input, and the field inside it (`train.yml:7: environment`). */
export interface ReferenceSource {
  input: string
  field?: string
}

/** An `InputError` for `at`: `Input 'job': train.yml:7: environment: <message>`. */
export function referenceError(at: ReferenceSource, message: string): InputError {
  return new InputError(at.input, at.field ? `${at.field}: ${message}` : message)
}

const WHAT: Record<AssetKind, string> = {
  codes: 'code asset',
  environments: 'environment',
  data: 'data asset',
  models: 'model',
  components: 'component'
}

/** `{WS}/{kind}/{name}/versions/{version}`, the ARM id a job body carries. */
export function assetVersionId(ws: WorkspaceRef, kind: AssetKind, name: string, version: string): string {
  return `${workspacePath(ws)}/${kind}/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}`
}

/** An ARM URL under the workspace at the v2 api-version; `path` starts with `/`. */
export function workspaceV2Url(settings: CommonSettings, ws: WorkspaceRef, path: string, query = ''): string {
  const url = armUrl(settings, `${workspacePath(ws)}${path}`, settings.v2ApiVersion)
  return query ? `${url}&${query}` : url
}

/**
 * The ARM id of `name:version` (or of the newest version for `'latest'`), after checking it exists. Throws an
 * `InputError` for `at` (the input, and the YAML field) when it does not, before anything is created.
 */
export async function resolveAssetVersion(
  ctx: Context,
  settings: CommonSettings,
  ws: WorkspaceRef,
  kind: AssetKind,
  name: string,
  version: string,
  at: ReferenceSource
): Promise<string> {
  if (version === 'latest') {
    const response = await ctx.http.send({
      method: 'GET',
      url: workspaceV2Url(
        settings,
        ws,
        `/${kind}/${encodeURIComponent(name)}/versions`,
        `$orderBy=${encodeURIComponent('createdtime desc')}&$top=1`
      ),
      auth: armAuth(settings),
      acceptStatus: [404]
    })
    if (response.dryRun) return assetVersionId(ws, kind, name, 'latest')
    const body = response.status === 404 ? undefined : parseJson<{ value?: { name?: string }[] }>(response)
    const newest = body?.value?.[0]?.name
    if (!newest) {
      throw referenceError(at, `the ${WHAT[kind]} '${name}' has no version in workspace ${ws.workspaceName}.`)
    }
    return assetVersionId(ws, kind, name, newest)
  }
  const response = await ctx.http.send({
    method: 'GET',
    url: workspaceV2Url(settings, ws, `/${kind}/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}`),
    auth: armAuth(settings),
    acceptStatus: [404]
  })
  if (response.status === 404) {
    throw referenceError(
      at,
      `the ${WHAT[kind]} '${name}' version ${version} does not exist in workspace ${ws.workspaceName} ` +
        `(register it first, or use azureml:${name}@latest for the newest version).`
    )
  }
  return assetVersionId(ws, kind, name, version)
}

/**
 * The ARM id of compute `name` after checking it exists (`GET {WS}/computes/{name}`, `Compute_Get` in
 * stable/2024-04-01/machineLearningServices.json); an
 * `InputError` for `at` otherwise, listing the computes that do exist (one `GET {WS}/computes`, `Compute_List`, made
 * only then) with a did-you-mean when one is close. A listing that fails leaves the list out of the message.
 */
export async function resolveCompute(
  ctx: Context,
  settings: CommonSettings,
  ws: WorkspaceRef,
  name: string,
  at: ReferenceSource
): Promise<string> {
  const path = `/computes/${encodeURIComponent(name)}`
  const response = await ctx.http.send({
    method: 'GET',
    url: workspaceV2Url(settings, ws, path),
    auth: armAuth(settings),
    acceptStatus: [404]
  })
  if (response.status === 404) {
    const names = await computeNames(ctx, settings, ws)
    const guess = names && suggest(name, names)
    const there = !names ? '' : names.length ? ` (computes there: ${names.join(', ')})` : ' (it has no computes)'
    throw referenceError(
      at,
      `the compute '${name}' does not exist in workspace ${ws.workspaceName}${there}` +
        (guess ? `: did you mean '${guess}'? Or create` : ': create') +
        ` it with create-compute, or name an existing one.`
    )
  }
  return `${workspacePath(ws)}${path}`
}

/** The names of the workspace's computes, or undefined when they cannot be listed (for a message only). */
async function computeNames(ctx: Context, settings: CommonSettings, ws: WorkspaceRef): Promise<string[] | undefined> {
  try {
    const list = await listAll(ctx, workspaceV2Url(settings, ws, '/computes'), armAuth(settings))
    return list.value
      .map(c => (c as { name?: unknown } | null)?.name)
      .filter((n): n is string => typeof n === 'string')
      .sort()
  } catch {
    return undefined
  }
}

/**
 * Lookups of a YAML's references, remembered in `cache` so a check pass and the real pass ask each one once; errors
 * name `input` and the field in `file` (`Input 'job': train.yml: environment: ...`).
 */
export function referenceLookups(
  ctx: Context,
  settings: CommonSettings,
  ws: WorkspaceRef,
  source: { input: string; file: string; cache: Map<string, Promise<string>> }
) {
  const at = (field: string): ReferenceSource => ({ input: source.input, field: `${source.file}: ${field}` })
  const remember = (key: string, lookup: () => Promise<string>): Promise<string> => {
    let found = source.cache.get(key)
    if (!found) {
      found = lookup()
      source.cache.set(key, found)
    }
    return found
  }
  return {
    at,
    /** `(name, version | 'latest') → ARM id` of an asset version that exists. */
    asset: (kind: AssetKind, field: string) => (name: string, version: string) =>
      remember(`${kind}/${name}/${version}`, () =>
        resolveAssetVersion(ctx, settings, ws, kind, name, version, at(field))
      ),
    /** `name → ARM id` of a compute that exists; errors name `where` (the field and line) when given. */
    compute: (field: string) => (name: string, where?: ReferenceSource) =>
      remember(`computes/${name}`, () => resolveCompute(ctx, settings, ws, name, where ?? at(field)))
  }
}
