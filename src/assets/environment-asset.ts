/**
 * Registers an environment version from an inline `environment:` of a job (an image, a conda file): `PUT
 * {WS}/environments/{name}/versions/{version}` (mfe.json 2024-04-01 `EnvironmentVersions_CreateOrUpdate`). The CLI
 * does the same before a job (V2.md "A command job"): ARM has no inline image on a job. Asset versions are immutable:
 * the same definition PUT again is answered 200, another one 409 (azure-ai-ml `_environment_operations.py` catches
 * `ResourceExistsError` there). An anonymous version is named by its content, so its 409 means another submit
 * registered it at the same time: it is reused (`asset-version.ts`). A named version's 409 means its definition changed.
 * A local Docker build context is uploaded first (`build-context.ts`), as azure-ai-ml's orchestrator does.
 * A named environment without a version (an online deployment's inline one) takes the container's next version
 * (`GET {WS}/environments/{name}`, `EnvironmentContainers_Get` `properties.nextVersion`; "1" when there is no container),
 * as azure-ai-ml `_environment_operations.py` `create_or_update` does (`_get_next_version_from_container`).
 */
import * as core from '@actions/core'
import type { Context } from '../base/context.js'
import type { CommonSettings, WorkspaceRef } from '../base/settings.js'
import { armAuth } from '../arm/endpoints.js'
import { parseJson } from '../http/client.js'
import { anonymousBuildContextVersion } from '../cli-yaml/environment.js'
import { nextAssetVersion, registerContentNamedVersion } from './asset-version.js'
import { withoutQuery } from './blob-upload.js'
import { uploadBuildContext } from './build-context.js'
import { assetVersionId, referenceError, workspaceV2Url, type ReferenceSource } from './workspace-assets.js'

export interface EnvironmentToRegister {
  name: string
  /** Absent: the container's next version. */
  version?: string
  body: { properties: { isAnonymous?: boolean; build?: { contextUri: string; dockerfilePath?: string } } }
  /** A local Docker build context: uploaded first (build-context.ts), then `build.contextUri` set. */
  localBuild?: { folder: string; dockerfilePath?: string }
  /** The CLI's warning for this definition, printed when it is registered. */
  warning?: string
}

/** The message of a named version that exists with another definition (the PUT's 409, or found before the upload). */
export function changedVersionMessage(name: string, version: string, workspace: string): string {
  return (
    `environment ${name}:${version} already exists in workspace ${workspace} with another definition; environment ` +
    'versions are immutable, so give the changed environment a new version (or leave version out to register the ' +
    'next one).'
  )
}

/** The fields of a registered environment version read back (`EnvironmentVersions_Get`, mfe.json 2024-04-01). */
export interface RegisteredEnvironmentVersion {
  build?: { contextUri?: string; dockerfilePath?: string | null } | null
  description?: string | null
  tags?: Record<string, string> | null
}

/**
 * `GET {WS}/environments/{name}/versions/{version}` (`EnvironmentVersions_Get`, mfe.json 2024-04-01): its
 * properties, or undefined when it does not exist (404) or in a dry run. Throws `AzureRequestError` otherwise.
 */
export async function getEnvironmentVersion(
  ctx: Context,
  settings: CommonSettings,
  ws: WorkspaceRef,
  name: string,
  version: string
): Promise<RegisteredEnvironmentVersion | undefined> {
  const response = await ctx.http.send({
    method: 'GET',
    url: workspaceV2Url(
      settings,
      ws,
      `/environments/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}`
    ),
    auth: armAuth(settings),
    acceptStatus: [404]
  })
  if (response.status === 404 || response.dryRun) return undefined
  return parseJson<{ properties?: RegisteredEnvironmentVersion }>(response)?.properties ?? {}
}

/**
 * Whether `registered` was built from another context than the local one hashed to the blob prefix `prefix`
 * (`LocalUpload/<hash>/<folder>/`) with `dockerfilePath` (mfe.json `BuildContext.dockerfilePath`, default
 * `Dockerfile`). The hash names the content (build-context.ts), so another prefix is another content, whatever the
 * datastore's URL.
 */
function builtFromAnotherContext(
  registered: RegisteredEnvironmentVersion,
  prefix: string,
  dockerfilePath: string | undefined
): boolean {
  const build = registered.build
  if (!build?.contextUri) return true
  const uri = withoutQuery(build.contextUri).replace(/\/*$/, '/')
  return !uri.endsWith(`/${prefix}`) || (build.dockerfilePath ?? 'Dockerfile') !== (dockerfilePath ?? 'Dockerfile')
}

/**
 * `env` with its local build context (if any) uploaded: `build: {contextUri, dockerfilePath}` in the body and, for an
 * anonymous environment, the version azure-ai-ml derives from the folder's hash. Other environments unchanged.
 * A named version given in the YAML is fetched first: when it exists built from another context, `changed()` is
 * thrown before anything is uploaded (`options.changed`, default an `InputError` for `at`), as its PUT would be
 * refused (409) after.
 */
export async function withBuildContextUploaded(
  ctx: Context,
  settings: CommonSettings,
  ws: WorkspaceRef,
  env: EnvironmentToRegister,
  at: ReferenceSource,
  options: {
    /** The error for a changed version (default: an `InputError` for `at`). */
    changed?: (version: string) => Error
    /** The registered version, when the caller fetched it already (default: fetched here when needed). */
    registered?: () => Promise<RegisteredEnvironmentVersion | undefined>
  } = {}
): Promise<EnvironmentToRegister> {
  if (!env.localBuild) return env
  const { folder, dockerfilePath } = env.localBuild
  const version = env.body.properties.isAnonymous === true ? undefined : env.version
  const uploaded = await uploadBuildContext(ctx, settings, ws, folder, {
    at,
    beforeUpload: async prefix => {
      if (version === undefined) return
      const registered = await (
        options.registered ?? (() => getEnvironmentVersion(ctx, settings, ws, env.name, version))
      )()
      if (registered && builtFromAnotherContext(registered, prefix, dockerfilePath)) {
        throw (
          options.changed?.(version) ?? referenceError(at, changedVersionMessage(env.name, version, ws.workspaceName))
        )
      }
    }
  })
  const build = { contextUri: uploaded.contextUri, ...(dockerfilePath === undefined ? {} : { dockerfilePath }) }
  const anonymous = env.body.properties.isAnonymous === true
  return {
    name: env.name,
    version: anonymous ? anonymousBuildContextVersion(uploaded.hash, dockerfilePath) : env.version,
    body: { ...env.body, properties: { ...env.body.properties, build } },
    ...(env.warning === undefined ? {} : { warning: env.warning })
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
  if (env.warning) core.warning(env.warning)
  if (env.body.properties.isAnonymous && env.version !== undefined) {
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
  const version = env.version ?? (await nextAssetVersion(ctx, settings, ws, 'environments', env.name))
  const path = `/environments/${encodeURIComponent(env.name)}/versions/${encodeURIComponent(version)}`
  const response = await ctx.http.send({
    method: 'PUT',
    url: workspaceV2Url(settings, ws, path),
    body: env.body,
    auth: armAuth(settings),
    acceptStatus: [409]
  })
  if (response.status === 409) {
    throw referenceError(at, changedVersionMessage(env.name, version, ws.workspaceName))
  }
  core.info(`Environment ${env.name}:${version} registered${env.version === undefined ? ' (next version)' : ''}.`)
  return assetVersionId(ws, 'environments', env.name, version)
}
