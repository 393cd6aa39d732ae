/**
 * The network side of a job's references (`yaml/references.ts` `ReferenceResolver`): lookups of `azureml:` assets and
 * computes, uploads of local code and input paths, registration of inline environments (`src/assets/`).
 *
 * `checkReferences` runs first with uploads turned off, so a compute or asset that does not exist fails the step before
 * anything is uploaded or created; its lookups are remembered, so the real pass asks nothing twice.
 */
import * as core from '@actions/core'
import type { Context } from '../base/context.js'
import type { CommonSettings, WorkspaceRef } from '../base/settings.js'
import { ensureCodeAsset } from '../assets/code-asset.js'
import { uploadToDatastore } from '../assets/datastore-upload.js'
import { registerEnvironment } from '../assets/environment-asset.js'
import { workspacePath } from '../arm/endpoints.js'
import { assetVersionId, referenceLookups, type AssetKind } from '../assets/workspace-assets.js'
import { registerContentNamedVersion } from '../assets/asset-version.js'
import type { PipelineResolver } from './pipeline/index.js'
import { ANONYMOUS_COMPONENT_NAME } from './pipeline/to-rest.js'
import type { EnvironmentDefinition } from './yaml/index.js'

export interface JobResolver extends PipelineResolver {
  /** What the real pass uploaded: code reused or sent, inputs uploaded. */
  readonly uploads: { code?: { reused: boolean; files: number; bytes: number }; inputs: number; components?: number }
}

/**
 * The compute name that asks Azure for serverless compute instead of a workspace compute (azure-ai-ml
 * `constants/_common.py` `SERVERLESS_COMPUTE`; docs: https://learn.microsoft.com/azure/machine-learning/how-to-use-serverless-compute
 * "For pipeline jobs through CLI use `default_compute: azureml:serverless`"). Case-sensitive, as the SDK compares it.
 */
export const SERVERLESS_COMPUTE = 'serverless'

/**
 * The `computeId` the newer CLI sends for `serverless` (`compute: azureml:serverless`, a step's compute or a pipeline's
 * `settings.default_compute`): the compute ARM id form `{workspace ARM id}/computes/serverless`, with no GET of the
 * compute first. azure-ai-ml `_job_operations.py` `_try_get_compute_arm_id` skips the lookup for this name ("bypass
 * getting compute from service when it's serverless", Azure/azure-sdk-for-python#28919), then `_resolve_compute_id` /
 * `_resolve_arm_id_for_pipeline_job` write it through `_operation_orchestrator.py` `get_asset_arm_id` (`NAMED_RESOURCE_ID_FORMAT`).
 */
export function serverlessComputeId(ws: WorkspaceRef): string {
  return `${workspacePath(ws)}/computes/${SERVERLESS_COMPUTE}`
}

/** A resolver for `yaml`; with `checkOnly`, uploads and registrations answer placeholders and send nothing. */
export function createJobResolver(
  ctx: Context,
  settings: CommonSettings,
  ws: WorkspaceRef,
  yaml: { file: string },
  options: { checkOnly: boolean; signal?: AbortSignal; cache: Map<string, Promise<string>>; input?: string }
): JobResolver {
  const input = options.input ?? 'job'
  const { at, asset, compute } = referenceLookups(ctx, settings, ws, {
    input,
    file: yaml.file,
    cache: options.cache
  })
  // A job input naming a data or model version carries `azureml:<ARM id>`, as azure-ai-ml sends it.
  const inputAsset = (kind: AssetKind) => async (name: string, version: string) =>
    `azureml:${await asset(kind, 'inputs')(name, version)}`
  const uploads: JobResolver['uploads'] = { inputs: 0 }
  // One registration per anonymous component, however many nodes use it.
  const remember = (key: string, work: () => Promise<string>): Promise<string> => {
    let found = options.cache.get(key)
    if (!found) options.cache.set(key, (found = work()))
    return found
  }
  return {
    uploads,
    environmentId: asset('environments', 'environment'),
    codeId: asset('codes', 'code'),
    dataId: inputAsset('data'),
    modelId: inputAsset('models'),
    // Serverless compute is no workspace compute: sent as its id, never looked up (azure-ai-ml's SERVERLESS_COMPUTE).
    // A sub-pipeline's file is read as input `job`'s; within register-component it is input `component`'s.
    computeId: async (name, where) =>
      name === SERVERLESS_COMPUTE
        ? serverlessComputeId(ws)
        : compute('compute')(name, where && { ...where, input: where.input === 'set' ? 'set' : input }),
    async uploadCode(folder, additionalIncludes = []) {
      if (options.checkOnly) return 'code'
      // Pipeline steps often share one code folder: hashed and uploaded once per submit.
      return remember(`code/${[folder, ...additionalIncludes].join('\n')}`, async () => {
        const code = await ensureCodeAsset(ctx, settings, ws, folder, {
          at: at('code'),
          signal: options.signal,
          additionalIncludes
        })
        uploads.code = code
        return code.id
      })
    },
    async uploadInput(path) {
      if (options.checkOnly) return 'input'
      uploads.inputs++
      return uploadToDatastore(ctx, settings, ws, path, { at: at('inputs'), signal: options.signal })
    },
    componentId: asset('components', 'component'),
    async registerComponent(component) {
      // Checked by the real pass only: an anonymous component's id is known before it exists.
      const id = assetVersionId(ws, 'components', ANONYMOUS_COMPONENT_NAME, component.version)
      if (options.checkOnly) return id
      return remember(`components/${ANONYMOUS_COMPONENT_NAME}/${component.version}/registered`, async () => {
        const registered = await registerContentNamedVersion(ctx, settings, ws, {
          kind: 'components',
          name: ANONYMOUS_COMPONENT_NAME,
          version: component.version,
          body: component.body
        })
        uploads.components = (uploads.components ?? 0) + 1
        // Azure answers 201 for a new version and 200 for a PUT of one that exists with the same content.
        const fresh = registered.outcome === 'created' && registered.response?.status === 201
        core.info(
          `Component ${ANONYMOUS_COMPONENT_NAME}:${component.version} ` +
            (fresh ? 'registered.' : 'already registered with this content: reused.')
        )
        return registered.id
      })
    },
    async registerEnvironment(definition: EnvironmentDefinition) {
      if (options.checkOnly) return 'environment'
      // Steps that write the same inline environment register it once.
      return remember(`environment/${JSON.stringify(definition)}`, () =>
        registerEnvironment(ctx, settings, ws, definition, at('environment'))
      )
    }
  }
}
