/**
 * Registers an environment version from an inline `environment:` of a job (an image, a conda file): `PUT
 * {WS}/environments/{name}/versions/{version}` (mfe.json 2024-04-01 `EnvironmentVersions_CreateOrUpdate`). The CLI
 * does the same before a job (V2.md "A command job"): ARM has no inline image on a job. Asset versions are immutable:
 * a 409 for an anonymous version (named by its content) means it is already there, which is what we want.
 */
import * as core from '@actions/core'
import type { Context } from '../action/context.js'
import type { CommonSettings, WorkspaceRef } from '../action/settings.js'
import { armAuth } from '../arm/endpoints.js'
import { assetVersionId, referenceError, workspaceV2Url, type ReferenceSource } from './workspace-assets.js'

export interface EnvironmentToRegister {
  name: string
  version: string
  body: { properties: { isAnonymous?: boolean } }
}

/** PUTs the version (idempotent) and returns its ARM id. `at` names the input and YAML field in errors. */
export async function registerEnvironment(
  ctx: Context,
  settings: CommonSettings,
  ws: WorkspaceRef,
  env: EnvironmentToRegister,
  at: ReferenceSource
): Promise<string> {
  const path = `/environments/${encodeURIComponent(env.name)}/versions/${encodeURIComponent(env.version)}`
  const response = await ctx.http.send({
    method: 'PUT',
    url: workspaceV2Url(settings, ws, path),
    body: env.body,
    auth: armAuth(settings),
    acceptStatus: [409]
  })
  if (response.status === 409 && !env.body.properties.isAnonymous) {
    throw referenceError(
      at,
      `environment ${env.name}:${env.version} already exists with another definition; versions are immutable, so ` +
        'give the changed environment a new version.'
    )
  }
  core.info(`Environment ${env.name}:${env.version} ${response.status === 409 ? 'already registered' : 'registered'}.`)
  return assetVersionId(ws, 'environments', env.name, env.version)
}
