/**
 * References in a job YAML, parsed as `az ml` parses them, and the walk that turns a validated job into its REST body
 * through a `ReferenceResolver` (the network layer: resolving `@latest`, checking existence, uploading, registering).
 *
 * Forms (azure-ai-ml `_utils/_arm_id_utils.py`, `constants/_common.py` ARM_ID_PREFIX `azureml:`,
 * `entities/_job/_input_output_helpers.py`, `operations/_job_operations.py` `_resolve_arm_id_or_upload_dependencies`):
 * - `azureml:name:version` and `azureml:name@latest` → a workspace asset by name (environment, code, data, model);
 * - `azureml:name` or a bare `name` → a compute (assets need a version or `@latest`: refused, naming the field);
 * - a full ARM id, `/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{ws}/`
 *   `computes/{c}` or `.../{environments|codes|data|models}/{name}/versions/{v}`, optionally prefixed `azureml:`;
 * - registry assets `azureml://registries/{r}/{environments|models|data}/{name}/(versions/{v}|labels/{l})`, sent as
 *   they are (the service resolves them);
 * - data paths: `azureml://datastores/{ds}/paths/{p}`, `azureml://jobs/{job}/outputs/{out}` (and other `azureml://`
 *   URIs), `https://`, `http://`, `wasbs://`, `abfss://`, `adl://`: sent as the input's `uri`;
 * - anything else is a local path, relative to the folder of the YAML file (uploaded by the resolver).
 */
import {
  BadReference,
  parseAssetReference,
  parseLocalPath,
  resolveAsset,
  URL_SCHEMES,
  WORKSPACE_ID_PATTERN,
  type AssetKind,
  type AssetReference,
  type CodeReference,
  type EnvironmentReference,
  type LocalReference,
  type VersionSpec
} from '../../cli-yaml/references.js'
import type { EnvironmentDefinition } from '../../cli-yaml/environment.js'

// The asset forms are shared with the other CLI v2 YAML kinds (src/cli-yaml/references.ts).
export { BadReference, parseAssetReference, parseCodeReference } from '../../cli-yaml/references.js'
export type {
  AssetKind,
  AssetReference,
  CodeReference,
  EnvironmentReference,
  LocalReference,
  VersionSpec
} from '../../cli-yaml/references.js'

export type ComputeReference = { kind: 'arm'; id: string } | { kind: 'named'; name: string }

export type DataReference =
  | AssetReference
  | LocalReference
  | { kind: 'datastore'; uri: string; datastore: string; path: string }
  | { kind: 'job-output'; uri: string; job: string; output: string }
  | { kind: 'url'; uri: string }

/** Every reference of a job, parsed (and local paths checked) before anything is sent. */
export interface JobReferences {
  code?: CodeReference
  environment: EnvironmentReference
  compute?: ComputeReference
  /** Asset inputs by name (literal inputs have no reference). */
  inputs: Record<string, { type: string; ref: DataReference }>
}

/** What the network layer provides: each call returns the ARM id (or URI) the job body carries. */
export interface ReferenceResolver {
  /** `{WS}/environments/{name}/versions/{v}`; `'latest'` resolved to the newest version; fails if it does not exist. */
  environmentId(name: string, version: VersionSpec): Promise<string>
  /** `{WS}/codes/{name}/versions/{v}`. */
  codeId(name: string, version: VersionSpec): Promise<string>
  /**
   * `{WS}/computes/{name}`; fails if it does not exist, naming `where` (the input and `file.yml:12: field`, see
   * `fieldAt` in cli-yaml/load.ts) when given.
   */
  computeId(name: string, where?: { input: string; field: string }): Promise<string>
  /** The `uri` of a job input naming a data asset version. */
  dataId(name: string, version: VersionSpec): Promise<string>
  /** The `uri` of a job input naming a model version. */
  modelId(name: string, version: VersionSpec): Promise<string>
  /**
   * Upload a local code folder as an anonymous code version (content hash, reuse); its ARM id. `additionalIncludes`
   * (absolute; a component's `additional_includes`) join the snapshot.
   */
  uploadCode(localFolder: string, additionalIncludes?: readonly string[]): Promise<string>
  /** Upload a local file or folder to the default datastore; the `azureml://datastores/.../paths/...` URI. */
  uploadInput(localPath: string): Promise<string>
  /** Register (PUT, idempotent) an environment version from an inline definition; its ARM id. */
  registerEnvironment(definition: EnvironmentDefinition): Promise<string>
}

const ARM_COMPUTE = new RegExp(`${WORKSPACE_ID_PATTERN}/computes/[^/]+$`, 'i')
const COMPUTE_NAME = /^[a-zA-Z][a-zA-Z0-9-]{1,31}$/

/** Parse `compute`: `azureml:name`, a bare name, or an ARM id of a workspace compute. */
export function parseComputeReference(value: string): ComputeReference {
  const text = value.trim()
  const bare = text.startsWith('azureml:') ? text.slice('azureml:'.length) : text
  if (bare.startsWith('/')) {
    if (!ARM_COMPUTE.test(bare))
      throw new BadReference(`'${text}' is not the ARM id of a workspace compute (.../workspaces/<ws>/computes/<name>)`)
    return { kind: 'arm', id: bare }
  }
  if (bare === 'local')
    throw new BadReference(
      "compute 'local' (run on this machine with Docker) is not supported: name a workspace compute"
    )
  if (!COMPUTE_NAME.test(bare)) {
    throw new BadReference(
      `'${text}' is not a compute name (azureml:<name>, <name>: letters, digits and -, starting with a letter)`
    )
  }
  return { kind: 'named', name: bare }
}

/** Parse the `path` of an asset input of `type` (model types name models, the others data). */
export function parseInputPath(value: string, type: string, baseDir: string): DataReference {
  const text = value.trim()
  const kind: AssetKind = type.endsWith('_model') ? 'models' : 'data'
  const datastore = /^azureml:\/\/datastores\/([^/]+)\/paths\/(.*)$/i.exec(text)
  if (datastore) return { kind: 'datastore', uri: text, datastore: datastore[1], path: datastore[2] }
  const output = /^azureml:\/\/jobs\/([^/]+)\/outputs\/([^/]+)(?:\/.*)?$/i.exec(text)
  if (output) return { kind: 'job-output', uri: text, job: output[1], output: output[2] }
  if (text.startsWith('azureml://registries/')) return parseAssetReference(text, kind)
  if (text.startsWith('azureml://')) return { kind: 'url', uri: text }
  if (URL_SCHEMES.test(text)) return { kind: 'url', uri: text }
  if (text.startsWith('azureml:') || text.startsWith('/subscriptions/')) return parseAssetReference(text, kind)
  return parseLocalPath(text, baseDir)
}

/** The ids and URIs the job body carries, once every reference is resolved. */
export interface ResolvedReferences {
  codeId?: string
  environmentId: string
  computeId?: string
  /** The `uri` of each asset input. */
  inputUris: Record<string, string>
}

/**
 * Resolve every reference of a job through `resolver`, one call at a time in a fixed order (code, environment,
 * compute, inputs in YAML order), so a failure stops before later uploads.
 */
export async function resolveReferences(
  refs: JobReferences,
  resolver: ReferenceResolver,
  computeAt?: { input: string; field: string }
): Promise<ResolvedReferences> {
  let codeId: string | undefined
  if (refs.code) {
    const code = refs.code
    codeId =
      code.kind === 'local'
        ? await resolver.uploadCode(code.path)
        : await resolveAsset(code, (n, v) => resolver.codeId(n, v))
  }
  const env = refs.environment
  const environmentId =
    env.kind === 'inline'
      ? await resolver.registerEnvironment(env.definition)
      : await resolveAsset(env, (n, v) => resolver.environmentId(n, v))
  let computeId: string | undefined
  if (refs.compute)
    computeId = refs.compute.kind === 'arm' ? refs.compute.id : await resolver.computeId(refs.compute.name, computeAt)
  const inputUris: Record<string, string> = {}
  for (const [name, { type, ref }] of Object.entries(refs.inputs)) {
    switch (ref.kind) {
      case 'local':
        inputUris[name] = await resolver.uploadInput(ref.path)
        break
      case 'arm':
      case 'registry':
      case 'named':
        inputUris[name] = await resolveAsset(ref, (n, v) =>
          type.endsWith('_model') ? resolver.modelId(n, v) : resolver.dataId(n, v)
        )
        break
      default:
        inputUris[name] = ref.uri
    }
  }
  return { codeId, environmentId, computeId, inputUris }
}
