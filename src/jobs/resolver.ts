/**
 * The network side of a job's references (`yaml/references.ts` `ReferenceResolver`): lookups of `azureml:` assets and
 * computes, uploads of local code and input paths, registration of inline environments (`src/assets/`).
 *
 * `checkReferences` runs first with uploads turned off, so a compute or asset that does not exist fails the step before
 * anything is uploaded or created; its lookups are remembered, so the real pass asks nothing twice.
 */
import type { Context } from '../base/context.js'
import type { CommonSettings, WorkspaceRef } from '../base/settings.js'
import { ensureCodeAsset } from '../assets/code-asset.js'
import { uploadToDatastore } from '../assets/datastore-upload.js'
import { registerEnvironment } from '../assets/environment-asset.js'
import { referenceLookups, type AssetKind } from '../assets/workspace-assets.js'
import type { EnvironmentDefinition, JobYaml, ReferenceResolver } from './yaml/index.js'

export interface JobResolver extends ReferenceResolver {
  /** What the real pass uploaded: code reused or sent, inputs uploaded. */
  readonly uploads: { code?: { reused: boolean; files: number; bytes: number }; inputs: number }
}

/** A resolver for `yaml`; with `checkOnly`, uploads and registrations answer placeholders and send nothing. */
export function createJobResolver(
  ctx: Context,
  settings: CommonSettings,
  ws: WorkspaceRef,
  yaml: JobYaml,
  options: { checkOnly: boolean; signal?: AbortSignal; cache: Map<string, Promise<string>> }
): JobResolver {
  const { at, asset, compute } = referenceLookups(ctx, settings, ws, {
    input: 'job',
    file: yaml.file,
    cache: options.cache
  })
  // A job input naming a data or model version carries `azureml:<ARM id>`, as azure-ai-ml sends it.
  const inputAsset = (kind: AssetKind) => async (name: string, version: string) =>
    `azureml:${await asset(kind, 'inputs')(name, version)}`
  const uploads: JobResolver['uploads'] = { inputs: 0 }
  return {
    uploads,
    environmentId: asset('environments', 'environment'),
    codeId: asset('codes', 'code'),
    dataId: inputAsset('data'),
    modelId: inputAsset('models'),
    computeId: compute('compute'),
    async uploadCode(folder) {
      if (options.checkOnly) return 'code'
      const code = await ensureCodeAsset(ctx, settings, ws, folder, { at: at('code'), signal: options.signal })
      uploads.code = code
      return code.id
    },
    async uploadInput(path) {
      if (options.checkOnly) return 'input'
      uploads.inputs++
      return uploadToDatastore(ctx, settings, ws, path, { at: at('inputs'), signal: options.signal })
    },
    async registerEnvironment(definition: EnvironmentDefinition) {
      if (options.checkOnly) return 'environment'
      return registerEnvironment(ctx, settings, ws, definition, at('environment'))
    }
  }
}
