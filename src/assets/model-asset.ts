/**
 * Model versions on ARM (mfe.json 2024-04-01 `ModelVersions_CreateOrUpdate`, `ModelContainers_Get`): registering a
 * version (`PUT {WS}/models/{name}/versions/{version}` with `modelUri`, `modelType`), and the container's next version
 * (`properties.nextVersion`, "1" for a model not registered yet), as `az ml model create` picks it when the YAML names
 * no version (V2.md "What the CLI fills in"). A local model path is uploaded to the default datastore first
 * (`datastore-upload.ts`), as azure-ai-ml does.
 */
import * as core from '@actions/core'
import type { Context } from '../base/context.js'
import type { CommonSettings, WorkspaceRef } from '../base/settings.js'
import { armAuth } from '../arm/endpoints.js'
import { parseJson } from '../http/client.js'
import { assetVersionId, workspaceV2Url } from './workspace-assets.js'

export interface ModelVersionToRegister {
  name: string
  version: string
  body: { properties: { modelUri: string; modelType: string; isAnonymous?: boolean } }
}

/** The container's `nextVersion` ("1" when the model has no container yet). */
export async function nextModelVersion(
  ctx: Context,
  settings: CommonSettings,
  ws: WorkspaceRef,
  name: string
): Promise<string> {
  return nextContainerVersion(ctx, settings, ws, 'models', name)
}

/**
 * The next version of asset container `{WS}/{kind}/{name}` as azure-ai-ml picks it when a YAML names none
 * (`_asset_utils.py` `_create_or_update_autoincrement` / `_get_next_version_from_container`, for models and data):
 * the container's `properties.nextVersion`, else its `latestVersion` + 1, else "1" (no container yet, or dry-run).
 */
export async function nextContainerVersion(
  ctx: Context,
  settings: CommonSettings,
  ws: WorkspaceRef,
  kind: 'models' | 'data',
  name: string
): Promise<string> {
  const response = await ctx.http.send({
    method: 'GET',
    url: workspaceV2Url(settings, ws, `/${kind}/${encodeURIComponent(name)}`),
    auth: armAuth(settings),
    acceptStatus: [404]
  })
  if (response.status === 404 || response.dryRun) return '1'
  const props = parseJson<{ properties?: { nextVersion?: string | number; latestVersion?: string } }>(
    response
  )?.properties
  if (props?.nextVersion !== undefined && props.nextVersion !== null) return String(props.nextVersion)
  const latest = Number(props?.latestVersion)
  return Number.isInteger(latest) ? String(latest + 1) : '1'
}

/** PUTs the model version (idempotent: the same name and version address the same asset); its ARM id. */
export async function registerModelVersion(
  ctx: Context,
  settings: CommonSettings,
  ws: WorkspaceRef,
  model: ModelVersionToRegister
): Promise<{ id: string; response?: unknown }> {
  const response = await ctx.http.send({
    method: 'PUT',
    url: workspaceV2Url(
      settings,
      ws,
      `/models/${encodeURIComponent(model.name)}/versions/${encodeURIComponent(model.version)}`
    ),
    body: model.body,
    auth: armAuth(settings)
  })
  const id = assetVersionId(ws, 'models', model.name, model.version)
  if (response.dryRun) return { id }
  core.info(`Registered model ${model.name}:${model.version} (${model.body.properties.modelType}).`)
  return { id, response: parseJson(response) }
}
