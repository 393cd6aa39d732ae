/**
 * register-environment (`az ml environment create -f env.yml`): `PUT {WS}/environments/{name}/versions/{version}`
 * (mfe.json 2024-04-01 `EnvironmentVersions_CreateOrUpdate`) from an environment YAML (yaml/environment.ts). A local
 * Docker build context is uploaded to the default datastore first (`assets/build-context.ts`, reused when the same
 * content is there); a missing version is the container's `nextVersion` (`EnvironmentContainers_Get`; "1" when there
 * is none), as azure-ai-ml 1.4 `_environment_operations.py` `create_or_update` picks it.
 *
 * Versions are immutable: the same definition PUT again is answered 200, a changed one 409, which fails the step
 * naming the file and the version (a changed build context is refused before its upload). The 200 also replaces the
 * version's description and tags (the only fields `az ml environment update` changes,
 * https://learn.microsoft.com/cli/azure/ml/environment#az-ml-environment-update): reported as "description/tags
 * updated" when the YAML's differ from the version fetched first, else "reused unchanged". Outputs `environmentName`, `environmentVersion`,
 * `environmentId` (the version's ARM id), `response`.
 */
import * as core from '@actions/core'
import type { Context } from '../base/context.js'
import { armAuth, workspacePath } from '../arm/endpoints.js'
import { nextAssetVersion } from '../assets/asset-version.js'
import {
  changedVersionMessage,
  getEnvironmentVersion,
  withBuildContextUploaded,
  type RegisteredEnvironmentVersion
} from '../assets/environment-asset.js'
import { workspaceV2Url } from '../assets/workspace-assets.js'
import { CliYamlError, formatProblem, problemAt } from '../cli-yaml/load.js'
import { parseJson } from '../http/client.js'
import type { RegisterEnvironmentOperation } from './inputs.js'
import { ENVIRONMENT_INPUT } from './yaml/environment.js'

/**
 * Names reserved for curated environments: "Do not start your environment name with "Microsoft" or "AzureML"" (azureml-core
 * `Environment` docs). azure-ai-ml 1.4 does not refuse them (and the service's answer is not documented), so a warning.
 */
const RESERVED_PREFIX = /^(azureml|microsoft)/i

export async function registerEnvironmentOperation(op: RegisterEnvironmentOperation, ctx: Context): Promise<void> {
  const ws = op.workspace
  const read = op.read
  const name = read.yaml.name
  const reserved = RESERVED_PREFIX.exec(name)
  if (reserved) {
    core.warning(
      formatProblem(
        problemAt(
          read.source,
          ['name'],
          `the prefix '${reserved[1]}' is reserved for curated environments (azureml-core Environment docs: ` +
            'https://learn.microsoft.com/python/api/azureml-core/azureml.core.environment(class)); a reference ' +
            `azureml:${name}:<version> may then be taken for a curated one (azure-ai-ml sends 'AzureML-' references ` +
            'as written): give the environment another name'
        )
      )
    )
  }
  const version = read.version ?? (await nextAssetVersion(ctx, op, ws, 'environments', name))
  const changed = () =>
    new CliYamlError(read.source.input, [
      problemAt(
        read.source,
        [read.version === undefined ? 'name' : 'version'],
        changedVersionMessage(name, version, ws.workspaceName)
      )
    ])
  // A version written in the YAML may exist: fetched once, to refuse a changed build context before its upload and to
  // tell "reused unchanged" from "description/tags updated" after the PUT (Azure answers 200 to both).
  const registered = read.version === undefined ? undefined : await getEnvironmentVersion(ctx, op, ws, name, version)
  const env = await withBuildContextUploaded(
    ctx,
    op,
    ws,
    // Only a version written in the YAML can exist already: the next version is new by definition.
    { name, version: read.version, body: { properties: read.properties }, localBuild: read.localBuild },
    { input: ENVIRONMENT_INPUT, field: `${read.file}: build.path` },
    { changed, registered: async () => registered }
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
  // Azure answers 201 for a new version and 200 for a PUT of an existing one with the same definition, whose
  // description and tags the PUT replaces (they are not part of the immutable definition).
  const outcome =
    put.status !== 200 ? 'registered' : metadataChanged(registered, read.properties) ? 'updated' : 'reused'
  core.info(
    outcome === 'registered'
      ? `Environment ${name}:${version} registered.`
      : outcome === 'updated'
        ? `Environment ${name}:${version} exists with the same definition; its description/tags updated.`
        : `Environment ${name}:${version} is already registered with the same definition: reused unchanged.`
  )
  ctx.outputs.set(
    'environmentId',
    `${workspacePath(ws)}/environments/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}`
  )
  if (!put.dryRun) ctx.outputs.setResponse(parseJson(put))
  const build = env.body.properties.build
  ctx.report.facts.push(
    ['Environment', `${name}:${version} (${outcome === 'updated' ? 'description/tags updated' : outcome})`],
    ['Source', build ? `Docker build context ${build.contextUri}` : `image ${read.properties.image ?? ''}`]
  )
}

/**
 * Whether the YAML's description or tags (`sent`) differ from the registered version's (`registered`, fetched before
 * the PUT). Fields the YAML leaves out are not compared (nothing is sent for them).
 */
export function metadataChanged(
  registered: RegisteredEnvironmentVersion | undefined,
  sent: { description?: string; tags?: Record<string, string> }
): boolean {
  if (!registered) return false
  if (sent.description !== undefined && sent.description !== (registered.description ?? undefined)) return true
  if (sent.tags === undefined) return false
  const before = registered.tags ?? {}
  const keys = new Set([...Object.keys(before), ...Object.keys(sent.tags)])
  return [...keys].some(k => before[k] !== sent.tags?.[k])
}
