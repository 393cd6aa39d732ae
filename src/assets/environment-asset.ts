/**
 * Registers an environment version from an inline `environment:` of a job (an image, a conda file): `PUT
 * {WS}/environments/{name}/versions/{version}` (mfe.json 2024-04-01 `EnvironmentVersions_CreateOrUpdate`). The CLI
 * does the same before a job (V2.md "A command job"): ARM has no inline image on a job. Asset versions are immutable:
 * the same definition PUT again is answered 200, another one 409 (azure-ai-ml `_environment_operations.py` catches
 * `ResourceExistsError` there). An anonymous version is named by its content, so its 409 means another submit
 * registered it at the same time: it is reused (`asset-version.ts`). A named version's 409 means its definition changed.
 * A local Docker build context is uploaded first (`build-context.ts`), as azure-ai-ml's orchestrator does.
 */
import * as core from '@actions/core'
import type { Context } from '../base/context.js'
import type { CommonSettings, WorkspaceRef } from '../base/settings.js'
import { armAuth } from '../arm/endpoints.js'
import { parseJson } from '../http/client.js'
import { anonymousBuildContextVersion } from '../cli-yaml/environment.js'
import { registerContentNamedVersion } from './asset-version.js'
import { uploadBuildContext } from './build-context.js'
import { assetVersionId, referenceError, workspaceV2Url, type ReferenceSource } from './workspace-assets.js'

export interface EnvironmentToRegister {
  name: string
  version: string
  body: { properties: { isAnonymous?: boolean; build?: { contextUri: string; dockerfilePath?: string } } }
  /** A local Docker build context: uploaded first (build-context.ts), then `build.contextUri` set. */
  localBuild?: { folder: string; dockerfilePath?: string }
}

/**
 * The version `az ml environment create` gives an environment YAML without one: the container's `nextVersion`
 * (`GET {WS}/environments/{name}`, `EnvironmentContainers_Get`), "1" when there is no container (azure-ai-ml 1.4
 * `_get_next_version_from_container`). In dry-run "1".
 */
export async function nextEnvironmentVersion(
  ctx: Context,
  settings: CommonSettings,
  ws: WorkspaceRef,
  name: string
): Promise<string> {
  const response = await ctx.http.send({
    method: 'GET',
    url: workspaceV2Url(settings, ws, `/environments/${encodeURIComponent(name)}`),
    auth: armAuth(settings),
    acceptStatus: [404]
  })
  if (response.status === 404 || response.dryRun) return '1'
  const next = parseJson<{ properties?: { nextVersion?: string | number | null } }>(response)?.properties?.nextVersion
  return next === undefined || next === null ? '1' : String(next)
}

/**
 * `env` with its local build context (if any) uploaded: `build: {contextUri, dockerfilePath}` in the body and, for an
 * anonymous environment, the version azure-ai-ml derives from the folder's hash. Other environments unchanged.
 */
export async function withBuildContextUploaded(
  ctx: Context,
  settings: CommonSettings,
  ws: WorkspaceRef,
  env: EnvironmentToRegister,
  at: ReferenceSource
): Promise<EnvironmentToRegister> {
  if (!env.localBuild) return env
  const { folder, dockerfilePath } = env.localBuild
  const uploaded = await uploadBuildContext(ctx, settings, ws, folder, { at })
  const build = { contextUri: uploaded.contextUri, ...(dockerfilePath === undefined ? {} : { dockerfilePath }) }
  const anonymous = env.body.properties.isAnonymous === true
  return {
    name: env.name,
    version: anonymous ? anonymousBuildContextVersion(uploaded.hash, dockerfilePath) : env.version,
    body: { ...env.body, properties: { ...env.body.properties, build } }
  }
}

/**
 * PUTs the version and returns its ARM id. `at` names the input and YAML field in errors: an `InputError` when a
 * named version exists with another definition; `OperationFailedError` when an anonymous one's 409 leaves nothing to
 * reuse.
 */
export async function registerEnvironment(
  ctx: Context,
  settings: CommonSettings,
  ws: WorkspaceRef,
  env: EnvironmentToRegister,
  at: ReferenceSource
): Promise<string> {
  env = await withBuildContextUploaded(ctx, settings, ws, env, at)
  if (env.body.properties.isAnonymous) {
    const registered = await registerContentNamedVersion(ctx, settings, ws, {
      kind: 'environments',
      name: env.name,
      version: env.version,
      body: env.body
    })
    core.info(
      `Environment ${env.name}:${env.version} ${registered.outcome === 'reused' ? 'already registered' : 'registered'}.`
    )
    return registered.id
  }
  const path = `/environments/${encodeURIComponent(env.name)}/versions/${encodeURIComponent(env.version)}`
  const response = await ctx.http.send({
    method: 'PUT',
    url: workspaceV2Url(settings, ws, path),
    body: env.body,
    auth: armAuth(settings),
    acceptStatus: [409]
  })
  if (response.status === 409) {
    throw referenceError(
      at,
      `environment ${env.name}:${env.version} already exists with another definition; versions are immutable, so ` +
        'give the changed environment a new version.'
    )
  }
  core.info(`Environment ${env.name}:${env.version} registered.`)
  return assetVersionId(ws, 'environments', env.name, env.version)
}
