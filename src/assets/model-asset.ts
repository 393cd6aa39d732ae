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
import { nextAssetVersion } from './asset-version.js'
import { assetVersionId, workspaceV2Url } from './workspace-assets.js'

export interface ModelVersionToRegister {
  name: string
  version: string
  body: { properties: { modelUri: string; modelType: string; isAnonymous?: boolean } }
}

/** The container's `nextVersion` ("1" when the model has no container yet): `asset-version.ts` `nextAssetVersion`. */
export async function nextModelVersion(
  ctx: Context,
  settings: CommonSettings,
  ws: WorkspaceRef,
  name: string
): Promise<string> {
  return nextAssetVersion(ctx, settings, ws, 'models', name)
}

/**
 * PUTs the model version (idempotent: the same name and version address the same asset); its ARM id. Says whether
 * it was registered (201) or already there with the same definition (200: reused).
 */
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
  // Azure answers 201 for a new version and 200 for a PUT of an existing one with the same definition (a rerun that
  // registers the same local model: its content-hash name and version 1 again).
  core.info(
    response.status === 200
      ? `Model ${model.name}:${model.version} is already registered with the same definition: reused.`
      : `Registered model ${model.name}:${model.version} (${model.body.properties.modelType}).`
  )
  return { id, response: parseJson(response) }
}
