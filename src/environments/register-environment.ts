/**
 * register-environment (`az ml environment create -f env.yml`): `PUT {WS}/environments/{name}/versions/{version}`
 * (mfe.json 2024-04-01 `EnvironmentVersions_CreateOrUpdate`) from an environment YAML (yaml/environment.ts). A local
 * Docker build context is uploaded to the default datastore first (`assets/build-context.ts`, reused when the same
 * content is there); a missing version is the container's `nextVersion` (`EnvironmentContainers_Get`; "1" when there
 * is none), as azure-ai-ml 1.4 `_environment_operations.py` `create_or_update` picks it.
 *
 * Versions are immutable: the same definition PUT again is answered 200 (reported as reused), a changed one 409,
 * which fails the step naming the file and the version. Outputs `environmentName`, `environmentVersion`,
 * `environmentId` (the version's ARM id), `response`.
 */
import * as core from '@actions/core'
import type { Context } from '../base/context.js'
import { armAuth, workspacePath } from '../arm/endpoints.js'
import { nextAssetVersion } from '../assets/asset-version.js'
import { changedVersionMessage, withBuildContextUploaded } from '../assets/environment-asset.js'
import { workspaceV2Url } from '../assets/workspace-assets.js'
import { CliYamlError, problemAt } from '../cli-yaml/load.js'
import { parseJson } from '../http/client.js'
import type { RegisterEnvironmentOperation } from './inputs.js'
import { ENVIRONMENT_INPUT } from './yaml/environment.js'

export async function registerEnvironmentOperation(op: RegisterEnvironmentOperation, ctx: Context): Promise<void> {
  const ws = op.workspace
  const read = op.read
  const name = read.yaml.name
  const version = read.version ?? (await nextAssetVersion(ctx, op, ws, 'environments', name))
  const changed = () =>
    new CliYamlError(read.source.input, [
      problemAt(
        read.source,
        [read.version === undefined ? 'name' : 'version'],
        changedVersionMessage(name, version, ws.workspaceName)
      )
    ])
  const env = await withBuildContextUploaded(
    ctx,
    op,
    ws,
    // Only a version written in the YAML can exist already: the next version is new by definition.
    { name, version: read.version, body: { properties: read.properties }, localBuild: read.localBuild },
    { input: ENVIRONMENT_INPUT, field: `${read.file}: build.path` },
    changed
  )
  ctx.outputs.set('environmentName', name)
  ctx.outputs.set('environmentVersion', version)
  const path = `/environments/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}`
  const put = await ctx.http.send({
    method: 'PUT',
    url: workspaceV2Url(op, ws, path),
    body: env.body,
    auth: armAuth(op),
    acceptStatus: [409]
  })
  if (put.status === 409) throw changed()
  // Azure answers 201 for a new version and 200 for a PUT of an existing one with the same definition.
  const outcome = put.status === 200 ? 'reused' : 'registered'
  core.info(
    `Environment ${name}:${version} ${outcome === 'reused' ? 'is already registered with the same definition: reused' : 'registered'}.`
  )
  ctx.outputs.set(
    'environmentId',
    `${workspacePath(ws)}/environments/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}`
  )
  if (!put.dryRun) ctx.outputs.setResponse(parseJson(put))
  const build = env.body.properties.build
  ctx.report.facts.push(
    ['Environment', `${name}:${version} (${outcome})`],
    ['Source', build ? `Docker build context ${build.contextUri}` : `image ${read.properties.image ?? ''}`]
  )
}
