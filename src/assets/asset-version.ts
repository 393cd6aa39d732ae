/**
 * Registering a content-named asset version (anonymous code, anonymous environments; anonymous components next) when
 * other registrations of the same content may run at the same time: the legs of a workflow matrix hash the same
 * folder, find no version, upload, and PUT the same `{WS}/{kind}/{name}/versions/{version}`
 * (`CodeVersions_CreateOrUpdate`, `EnvironmentVersions_CreateOrUpdate`, mfe.json 2024-04-01). Asset versions are
 * immutable, so the slower leg's PUT is refused with 409 Conflict once the faster one registered it with its own blob
 * folder (Azure/azure-sdk-for-python#30155; azure-ai-ml treats a 409 on an environment version PUT as "that version
 * exists" in `_environment_operations.py` `_try_update_latest_version`, and a code PUT that would move an existing
 * version's blob folder is answered "(UserError) Asset paths cannot be updated." per `_artifacts/_constants.py`).
 *
 * A 409 here therefore means "someone else registered it": the version is looked up again (the caller says how: the
 * content-hash query for code, a GET of the version for an environment) and reused. The job never fails for it; only a
 * 409 after which no such version can be found fails, saying so.
 */
import * as core from '@actions/core'
import type { Context } from '../base/context.js'
import { OperationFailedError } from '../base/errors.js'
import type { CommonSettings, WorkspaceRef } from '../base/settings.js'
import { armAuth } from '../arm/endpoints.js'
import { parseServiceError } from '../http/azure-error.js'
import { parseJson } from '../http/client.js'
import { maskStepSecrets } from '../http/redact.js'
import type { HttpResponse } from '../base/http-types.js'
import { assetVersionId, workspaceV2Url, type AssetKind } from './workspace-assets.js'

/** The kinds whose anonymous versions are named by their content (components join with issue 19). */
export type ContentNamedKind = Extract<AssetKind, 'codes' | 'environments'> | 'components'

const WHAT: Record<ContentNamedKind, string> = { codes: 'code', environments: 'environment', components: 'component' }

export interface ContentNamedVersion {
  kind: ContentNamedKind
  name: string
  version: string
  /** The PUT body (`{"properties": {...}}`). */
  body: object
  /**
   * After a 409: the ARM id of the version with this content that is now registered, or undefined when there is none.
   * Default: `GET {WS}/{kind}/{name}/versions/{version}` (200: that version's id).
   */
  findExisting?: () => Promise<string | undefined>
}

export interface RegisteredVersion {
  /** `{WS}/{kind}/{name}/versions/{version}`, or the id `findExisting` gave. */
  id: string
  /** `created`: this PUT registered it (or updated an identical one); `reused`: another registration won the race. */
  outcome: 'created' | 'reused'
  /** The PUT's answer (absent when reused). */
  response?: HttpResponse
}

/**
 * PUTs a content-named version; on 409 Conflict looks it up and reuses it. Throws `AzureRequestError` for any other
 * refusal, and `OperationFailedError` naming the asset when a 409 is followed by no version to reuse (or the look-up
 * itself fails).
 */
export async function registerContentNamedVersion(
  ctx: Context,
  settings: CommonSettings,
  ws: WorkspaceRef,
  asset: ContentNamedVersion
): Promise<RegisteredVersion> {
  const path = `/${asset.kind}/${encodeURIComponent(asset.name)}/versions/${encodeURIComponent(asset.version)}`
  const ownId = assetVersionId(ws, asset.kind as AssetKind, asset.name, asset.version)
  const label = `${WHAT[asset.kind]} ${asset.name}:${asset.version}`
  const response = await ctx.http.send({
    method: 'PUT',
    url: workspaceV2Url(settings, ws, path),
    body: asset.body,
    auth: armAuth(settings),
    acceptStatus: [409]
  })
  if (response.status !== 409) return { id: ownId, outcome: 'created', response }

  const refusal = parseServiceError(response.body)
  // Service text, printed: every secret of the step masked in it (the runner masks only what it was told).
  const said = refusal.message ? `: ${maskStepSecrets(refusal.message)}` : ''
  core.info(
    `The ${label} was registered by another submit at the same time (409 Conflict${said}); looking it up to reuse it.`
  )
  const findExisting =
    asset.findExisting ??
    (async () => {
      const got = await ctx.http.send({
        method: 'GET',
        url: workspaceV2Url(settings, ws, path),
        auth: armAuth(settings),
        acceptStatus: [404]
      })
      return got.status === 200 ? ownId : undefined
    })
  let found: string | undefined
  try {
    found = await findExisting()
  } catch (error) {
    throw new OperationFailedError(
      `Registering ${label} was refused with 409 Conflict${said}, and looking it up afterwards failed ` +
        `(${(error as Error).message}). Run the step again: the next attempt finds the registered version.`
    )
  }
  if (!found) {
    throw new OperationFailedError(
      `Registering ${label} was refused with 409 Conflict${said}, yet no ${WHAT[asset.kind]} version with this ` +
        `content is registered in workspace ${ws.workspaceName}: the version name is taken by a different ` +
        'definition. Nothing was created; check the version in Azure ML studio (or give the asset a new version).'
    )
  }
  core.info(`Reusing ${found.split(`/${asset.kind}/`)[1] ?? found}: it has the same content.`)
  return { id: found, outcome: 'reused' }
}

/**
 * The next version of a named asset as azure-ai-ml picks it when none is given (`_utils/_asset_utils.py`
 * `_get_next_version_from_container`): `GET {WS}/{kind}/{name}` (`EnvironmentContainers_Get`, `ModelContainers_Get`, `DataContainers_Get`,
 * mfe.json 2024-04-01), its `properties.nextVersion`; "1" when the container does not exist (404) or in a dry run.
 * Without `nextVersion` (older API versions) the latest integer version + 1. Throws `AzureRequestError` for any other
 * refusal.
 */
export async function nextAssetVersion(
  ctx: Context,
  settings: CommonSettings,
  ws: WorkspaceRef,
  kind: Extract<AssetKind, 'environments' | 'data' | 'models' | 'components'>,
  name: string
): Promise<string> {
  const response = await ctx.http.send({
    method: 'GET',
    url: workspaceV2Url(settings, ws, `/${kind}/${encodeURIComponent(name)}`),
    auth: armAuth(settings),
    acceptStatus: [404]
  })
  if (response.status === 404 || response.dryRun) return '1'
  const props = parseJson<{ properties?: { nextVersion?: string | number | null; latestVersion?: string | null } }>(
    response
  )?.properties
  if (props?.nextVersion !== undefined && props.nextVersion !== null) return String(props.nextVersion)
  const latest = Number(props?.latestVersion)
  return Number.isInteger(latest) ? String(latest + 1) : '1'
}
