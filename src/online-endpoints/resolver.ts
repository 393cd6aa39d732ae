/**
 * The network side of a deployment's references (`yaml/deployment.ts` `DeploymentResolver`): model, code and
 * environment versions looked up (they must exist), a local model uploaded and registered, local code uploaded as a
 * code asset, an inline environment registered (`src/assets/`). As for jobs, a first pass with uploads turned off
 * checks every reference before anything is uploaded; its lookups are remembered for the real pass.
 */
import type { Context } from '../base/context.js'
import type { CommonSettings, WorkspaceRef } from '../base/settings.js'
import { ensureCodeAsset } from '../assets/code-asset.js'
import { contentHash } from '../assets/content-hash.js'
import { uploadToDatastore } from '../assets/datastore-upload.js'
import { registerEnvironment } from '../assets/environment-asset.js'
import { listCodeFiles } from '../assets/files.js'
import { nextModelVersion, registerModelVersion } from '../assets/model-asset.js'
import { referenceLookups } from '../assets/workspace-assets.js'
import type { DeploymentResolver, DeploymentYaml } from './yaml/index.js'

export function createDeploymentResolver(
  ctx: Context,
  settings: CommonSettings,
  ws: WorkspaceRef,
  yaml: DeploymentYaml,
  options: { checkOnly: boolean; signal?: AbortSignal; cache: Map<string, Promise<string>> }
): DeploymentResolver {
  const { at, asset } = referenceLookups(ctx, settings, ws, {
    input: 'deployment',
    file: yaml.file,
    cache: options.cache
  })
  return {
    modelVersionId: asset('models', 'model'),
    codeId: asset('codes', 'code_configuration.code'),
    environmentId: asset('environments', 'environment'),
    async registerModel(localPath, type, spec) {
      if (options.checkOnly) return 'model'
      // Anonymous (no name in the YAML): named by its content, version 1, so the same files register once.
      const files = await listCodeFiles(localPath, { input: 'deployment' })
      const anonymous = spec.name === undefined
      const name = spec.name ?? (await contentHash(files.files))
      const version = spec.version ?? (anonymous ? '1' : await nextModelVersion(ctx, settings, ws, name))
      const modelUri = await uploadToDatastore(ctx, settings, ws, localPath, {
        at: at('model.path'),
        signal: options.signal
      })
      const properties: Record<string, unknown> = { modelUri, modelType: type, isAnonymous: anonymous }
      if (spec.description !== undefined) properties.description = spec.description
      if (spec.tags) properties.tags = spec.tags
      if (spec.properties) properties.properties = spec.properties
      const registered = await registerModelVersion(ctx, settings, ws, {
        name,
        version,
        body: { properties: properties as { modelUri: string; modelType: string } }
      })
      return registered.id
    },
    async uploadCode(folder) {
      if (options.checkOnly) return 'code'
      return (
        await ensureCodeAsset(ctx, settings, ws, folder, { at: at('code_configuration.code'), signal: options.signal })
      ).id
    },
    async registerEnvironment(definition) {
      if (options.checkOnly) return 'environment'
      return registerEnvironment(ctx, settings, ws, definition, at('environment'))
    }
  }
}
