/**
 * register-component (`az ml component create -f component.yml`): `PUT {WS}/components/{name}/versions/{version}`
 * (mfe.json 2024-04-01 `ComponentVersions_CreateOrUpdate`) from a command, parallel or pipeline component YAML. A
 * pipeline component's inline and local steps are registered first as anonymous component versions, as submit-job does
 * for a pipeline job (`src/jobs/pipeline`, `src/jobs/resolver.ts`: every reference checked in a first pass that sends
 * no change), then its version with `jobs` carrying their `componentId`s (azure-ai-ml 1.4
 * `PipelineComponent._to_rest_object`). A local `code:`
 * folder (a parallel component's `task.code`) is uploaded as an anonymous code asset and an inline `environment:`
 * registered first, exactly as submit-job does
 * (`src/assets/code-asset.ts`, `environment-asset.ts`); `azureml:` references are checked to exist. A missing version
 * is the container's `nextVersion` (`ComponentContainers_Get`; "1" when there is none), as the CLI picks it.
 *
 * Versions are immutable: when the version exists (`ComponentVersions_Get`) with the same `componentSpec` it is reused
 * and nothing is PUT; otherwise the PUT decides: 200 (the service found it the same) is a reuse too, 409 (another
 * definition) fails the step naming the file and the version, before nothing else is changed. Outputs
 * `componentName`, `componentVersion`, `componentId` (the version's ARM id), `response`.
 */
import * as core from '@actions/core'
import type { Context } from '../base/context.js'
import { armAuth } from '../arm/endpoints.js'
import { ensureCodeAsset } from '../assets/code-asset.js'
import { registerEnvironment } from '../assets/environment-asset.js'
import { referenceLookups, workspaceV2Url } from '../assets/workspace-assets.js'
import { workspacePath } from '../arm/endpoints.js'
import { CliYamlError, problemAt } from '../cli-yaml/load.js'
import { parseJson } from '../http/client.js'
import { toPipelineComponentRestBody } from '../jobs/pipeline/index.js'
import { createJobResolver } from '../jobs/resolver.js'
import type { RegisterComponentOperation } from './inputs.js'
import {
  COMPONENT_INPUT,
  toComponentRestBody,
  type ComponentResolver,
  type ComponentRestRequest
} from './yaml/index.js'

type Json = Record<string, unknown>

/** JSON with object keys sorted, to compare two specs whatever their key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value ?? null, (_k, x: unknown) =>
    typeof x === 'object' && x !== null && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort()) : x
  )
}

export async function registerComponent(op: RegisterComponentOperation, ctx: Context): Promise<void> {
  const ws = op.workspace
  const read = op.read
  const { at, asset } = referenceLookups(ctx, op, ws, { input: 'component', file: read.file, cache: new Map() })
  const containerUrl = (name: string) => workspaceV2Url(op, ws, `/components/${encodeURIComponent(name)}`)
  let code: { reused: boolean; files: number } | undefined
  const resolver: ComponentResolver = {
    async uploadCode(folder, additionalIncludes) {
      const c = await ensureCodeAsset(ctx, op, ws, folder, { at: at('code'), additionalIncludes })
      code = c
      return c.id
    },
    codeId: asset('codes', 'code'),
    environmentId: asset('environments', 'environment'),
    registerEnvironment: definition => registerEnvironment(ctx, op, ws, definition, at('environment')),
    async nextVersion(name) {
      const response = await ctx.http.send({
        method: 'GET',
        url: containerUrl(name),
        auth: armAuth(op),
        acceptStatus: [404]
      })
      if (response.status === 404 || response.dryRun) return '1'
      const next = parseJson<{ properties?: { nextVersion?: string | number | null } }>(response)?.properties
        ?.nextVersion
      return next === undefined || next === null ? '1' : String(next)
    }
  }
  let request: ComponentRestRequest
  let anonymous: number | undefined
  if (read.type === 'pipeline') {
    const cache = new Map<string, Promise<string>>()
    const jobResolver = (checkOnly: boolean) =>
      createJobResolver(ctx, op, ws, read, { checkOnly, cache, input: COMPONENT_INPUT })
    // Every reference of every step checked first (reads only), then code uploaded and steps registered.
    await core.group('Check references', () => toPipelineComponentRestBody(read, jobResolver(true), async () => '1'))
    const real = jobResolver(false)
    request = await toPipelineComponentRestBody(read, real, name => resolver.nextVersion(name))
    code = real.uploads.code
    anonymous = real.uploads.components
  } else request = await toComponentRestBody(read, resolver)
  const { name, version } = request
  ctx.outputs.set('componentName', name)
  ctx.outputs.set('componentVersion', version)
  const id = `${workspacePath(ws)}/components/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}`
  const versionUrl = workspaceV2Url(
    op,
    ws,
    `/components/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}`
  )
  const existing = await ctx.http.send({ method: 'GET', url: versionUrl, auth: armAuth(op), acceptStatus: [404] })
  const found = existing.status === 200 && !existing.dryRun ? parseJson<{ properties?: Json }>(existing) : undefined
  let response: unknown
  let outcome: 'registered' | 'reused'
  if (found && canonical(found.properties?.componentSpec) === canonical(request.body.properties.componentSpec)) {
    outcome = 'reused'
    response = found
    core.info(`Component ${name}:${version} is already registered with the same definition; reusing it.`)
  } else {
    const put = await ctx.http.send({
      method: 'PUT',
      url: versionUrl,
      body: request.body,
      auth: armAuth(op),
      acceptStatus: [409]
    })
    if (put.status === 409) {
      throw new CliYamlError(read.source.input, [
        problemAt(
          read.source,
          [(read.type === 'pipeline' ? read.version : read.yaml.version) === undefined ? 'name' : 'version'],
          `component ${name}:${version} already exists in workspace ${ws.workspaceName} with another definition; ` +
            'component versions are immutable, so give the changed component a new version (or leave version out ' +
            'to register the next one).'
        )
      ])
    }
    outcome = found ? 'reused' : 'registered'
    response = put.dryRun ? undefined : parseJson(put)
    core.info(`Component ${name}:${version} ${found ? 'already registered; reused' : 'registered'}.`)
  }
  ctx.outputs.set('componentId', id)
  if (response !== undefined) ctx.outputs.setResponse(response)
  ctx.report.facts.push(
    ['Component', `${name}:${version} (${outcome})`],
    ['Code', code ? (code.reused ? `reused (${code.files} files)` : `uploaded (${code.files} files)`) : 'none']
  )
  if (anonymous) ctx.report.facts.push(['Steps', `${anonymous} anonymous component versions registered`])
}
