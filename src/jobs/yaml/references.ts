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
import { isAbsolute, resolve } from 'node:path'
import type { EnvironmentDefinition } from './environment.js'

/** A version, or `'latest'` for `@latest`. */
export type VersionSpec = string

export type AssetKind = 'environments' | 'codes' | 'data' | 'models'

export type AssetReference =
  | { kind: 'arm'; id: string }
  | { kind: 'named'; name: string; version: VersionSpec }
  | { kind: 'registry'; uri: string }

export type ComputeReference = { kind: 'arm'; id: string } | { kind: 'named'; name: string }

export type LocalReference = { kind: 'local'; path: string; written: string }

export type CodeReference = AssetReference | LocalReference

export type EnvironmentReference = AssetReference | { kind: 'inline'; definition: EnvironmentDefinition }

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
  /** `{WS}/computes/{name}`; fails if it does not exist. */
  computeId(name: string): Promise<string>
  /** The `uri` of a job input naming a data asset version. */
  dataId(name: string, version: VersionSpec): Promise<string>
  /** The `uri` of a job input naming a model version. */
  modelId(name: string, version: VersionSpec): Promise<string>
  /** Upload a local code folder as an anonymous code version (content hash, reuse); its ARM id. */
  uploadCode(localFolder: string): Promise<string>
  /** Upload a local file or folder to the default datastore; the `azureml://datastores/.../paths/...` URI. */
  uploadInput(localPath: string): Promise<string>
  /** Register (PUT, idempotent) an environment version from an inline definition; its ARM id. */
  registerEnvironment(definition: EnvironmentDefinition): Promise<string>
}

/** A reference that cannot be parsed: the reader turns it into a located JobYamlError. */
export class BadReference extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'BadReference'
  }
}

const WS = '^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\\.MachineLearningServices/workspaces/[^/]+'
const ARM_COMPUTE = new RegExp(`${WS}/computes/[^/]+$`, 'i')
const ARM_ASSET = new RegExp(`${WS}/(environments|codes|data|models)/[^/]+/versions/[^/]+$`, 'i')
const REGISTRY = /^azureml:\/\/registries\/[^/]+\/(environments|models|data)\/[^/]+(?:\/(?:versions|labels)\/[^/]+)?$/i
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9\-_.]{0,254}$/
const COMPUTE_NAME = /^[a-zA-Z][a-zA-Z0-9-]{1,31}$/
const URL_SCHEMES = /^(?:https?|wasbs?|abfss?|adl):\/\//i

/** Parse an asset reference (`environment`, `code`, a model or data input). */
export function parseAssetReference(value: string, kind: AssetKind): AssetReference {
  const text = value.trim()
  if (text.startsWith('azureml://registries/')) {
    const m = REGISTRY.exec(text)
    if (!m)
      throw new BadReference(`'${text}' is not a registry asset (azureml://registries/<r>/${kind}/<name>/versions/<v>)`)
    if (m[1].toLowerCase() !== kind) throw new BadReference(`'${text}' names ${m[1]}, not ${kind}`)
    return { kind: 'registry', uri: text }
  }
  const bare = text.startsWith('azureml:') ? text.slice('azureml:'.length) : undefined
  const arm = bare !== undefined && bare.startsWith('/') ? bare : text.startsWith('/subscriptions/') ? text : undefined
  if (arm !== undefined) {
    const m = ARM_ASSET.exec(arm)
    if (!m)
      throw new BadReference(
        `'${text}' is not an ARM id of a workspace ${kind} version (.../workspaces/<ws>/${kind}/<name>/versions/<v>)`
      )
    if (m[1].toLowerCase() !== kind) throw new BadReference(`'${text}' is the ARM id of ${m[1]}, not of ${kind}`)
    return { kind: 'arm', id: arm }
  }
  if (bare === undefined) {
    throw new BadReference(
      `'${text}' is not a reference: use azureml:<name>:<version>, azureml:<name>@latest or an ARM id`
    )
  }
  let name: string
  let version: string
  const at = bare.lastIndexOf('@')
  const colon = bare.indexOf(':')
  if (at > 0 && colon < 0) {
    name = bare.slice(0, at)
    const label = bare.slice(at + 1)
    if (label !== 'latest') throw new BadReference(`'${text}': the only label is @latest`)
    version = 'latest'
  } else if (colon > 0) {
    name = bare.slice(0, colon)
    version = bare.slice(colon + 1)
    if (!version || /[:@/]/.test(version)) throw new BadReference(`'${text}': bad version '${version}'`)
  } else {
    throw new BadReference(
      `'${text}' needs a version: azureml:${bare || '<name>'}:<version> or azureml:${bare || '<name>'}@latest`
    )
  }
  if (!NAME.test(name))
    throw new BadReference(`'${text}': '${name}' is not an asset name (letters, digits, -, _ and .)`)
  return { kind: 'named', name, version }
}

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

function local(value: string, baseDir: string): LocalReference {
  const written = value.startsWith('file:') ? value.replace(/^file:(\/\/)?/, '') : value
  return { kind: 'local', path: isAbsolute(written) ? written : resolve(baseDir, written), written: value }
}

/** Parse `code`: a local folder (relative to `baseDir`), `azureml:name:version` / `@latest`, or an ARM id. */
export function parseCodeReference(value: string, baseDir: string): CodeReference {
  const text = value.trim()
  if (text.startsWith('azureml:') || text.startsWith('/subscriptions/')) return parseAssetReference(text, 'codes')
  if (URL_SCHEMES.test(text))
    throw new BadReference(
      `'${text}': remote code URLs are not supported yet; use a local folder or azureml:<name>:<version>`
    )
  return local(text, baseDir)
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
  return local(text, baseDir)
}

/** The ARM id / URI of an asset reference, through the resolver. */
async function assetId(
  ref: AssetReference,
  byName: (name: string, version: VersionSpec) => Promise<string>
): Promise<string> {
  if (ref.kind === 'arm') return ref.id
  if (ref.kind === 'registry') return ref.uri
  return byName(ref.name, ref.version)
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
export async function resolveReferences(refs: JobReferences, resolver: ReferenceResolver): Promise<ResolvedReferences> {
  let codeId: string | undefined
  if (refs.code) {
    const code = refs.code
    codeId =
      code.kind === 'local'
        ? await resolver.uploadCode(code.path)
        : await assetId(code, (n, v) => resolver.codeId(n, v))
  }
  const env = refs.environment
  const environmentId =
    env.kind === 'inline'
      ? await resolver.registerEnvironment(env.definition)
      : await assetId(env, (n, v) => resolver.environmentId(n, v))
  let computeId: string | undefined
  if (refs.compute)
    computeId = refs.compute.kind === 'arm' ? refs.compute.id : await resolver.computeId(refs.compute.name)
  const inputUris: Record<string, string> = {}
  for (const [name, { type, ref }] of Object.entries(refs.inputs)) {
    switch (ref.kind) {
      case 'local':
        inputUris[name] = await resolver.uploadInput(ref.path)
        break
      case 'arm':
      case 'registry':
      case 'named':
        inputUris[name] = await assetId(ref, (n, v) =>
          type.endsWith('_model') ? resolver.modelId(n, v) : resolver.dataId(n, v)
        )
        break
      default:
        inputUris[name] = ref.uri
    }
  }
  return { codeId, environmentId, computeId, inputUris }
}
