/**
 * References to workspace assets in CLI v2 YAML (jobs, online deployments, models), parsed as `az ml` parses them.
 *
 * Forms (azure-ai-ml `_utils/_arm_id_utils.py`, `constants/_common.py` ARM_ID_PREFIX `azureml:`,
 * `_schema/core/fields.py` `ArmVersionedStr` / `RegistryStr`):
 * - `azureml:name:version` and `azureml:name@latest` → a workspace asset by name (environment, code, data, model);
 * - a full ARM id, `/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{ws}/`
 *   `{environments|codes|data|models}/{name}/versions/{v}`, optionally prefixed `azureml:`;
 * - registry assets `azureml://registries/{r}/{environments|models|data}/{name}/(versions/{v}|labels/{l})`, sent as
 *   they are (the service resolves them);
 * - curated environments, `azureml:AzureML-<name>:<version>`, `azureml:AzureML-<name>@<label>` (any label) or
 *   `azureml:AzureML-<name>`: sent as written, never looked up in the workspace, as azure-ai-ml 1.4 sends them
 *   (`_operation_orchestrator.py` `get_asset_arm_id`: "Short form of curated env will be expanded on the backend side",
 *   `CURATED_ENV_PREFIX = "AzureML-"`, case-sensitive; no warning); returned as kind `registry` (sent as written);
 * - `code:` may also be a local folder, relative to the folder of the YAML file (uploaded by the caller).
 *
 * A reference that cannot be parsed throws `BadReference`; the readers turn it into a located problem.
 */
import { existsSync, statSync } from 'node:fs'
import { isAbsolute, join, resolve } from 'node:path'
import type { EnvironmentDefinition } from './environment.js'

/** A version, or `'latest'` for `@latest`. */
export type VersionSpec = string

export type AssetKind = 'environments' | 'codes' | 'data' | 'models'

export type AssetReference =
  | { kind: 'arm'; id: string }
  | { kind: 'named'; name: string; version: VersionSpec }
  /** A registry URI, or a curated environment's short form: sent as written, the service resolves it. */
  | { kind: 'registry'; uri: string }

/** The name prefix of Microsoft's curated environments (azure-ai-ml `constants/_common.py` `CURATED_ENV_PREFIX`). */
export const CURATED_ENVIRONMENT_PREFIX = 'AzureML-'

/** A local file or folder: `path` absolute, `written` as in the YAML. */
export type LocalReference = { kind: 'local'; path: string; written: string }

export type CodeReference = AssetReference | LocalReference

export type EnvironmentReference = AssetReference | { kind: 'inline'; definition: EnvironmentDefinition }

/** A reference that cannot be parsed: the reader turns it into a located CliYamlError. */
export class BadReference extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'BadReference'
  }
}

/** The ARM id prefix of a workspace, as a regular expression source. */
export const WORKSPACE_ID_PATTERN =
  '^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\\.MachineLearningServices/workspaces/[^/]+'
const ARM_ASSET = new RegExp(`${WORKSPACE_ID_PATTERN}/(environments|codes|data|models)/[^/]+/versions/[^/]+$`, 'i')
const REGISTRY = /^azureml:\/\/registries\/[^/]+\/(environments|models|data)\/[^/]+(?:\/(?:versions|labels)\/[^/]+)?$/i
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9\-_.]{0,254}$/
/** URL schemes that name remote storage (sent as they are, never read locally). */
export const URL_SCHEMES = /^(?:https?|wasbs?|abfss?|adl):\/\//i

/** Parse an asset reference (`environment`, `code`, `model`, a model or data input). */
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
  if (kind === 'environments' && bare?.startsWith(CURATED_ENVIRONMENT_PREFIX)) {
    // Name checked as any asset name; whatever follows (`:<version>`, `@<label>`, nothing) is the service's to expand.
    const name = /^[^:@]*/.exec(bare)?.[0] ?? ''
    if (!NAME.test(name))
      throw new BadReference(`'${text}': '${name}' is not an asset name (letters, digits, -, _ and .)`)
    return { kind: 'registry', uri: `azureml:${bare}` }
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

/** A local path as written (`file:` prefix allowed), made absolute against `baseDir` (the YAML file's folder). */
export function parseLocalPath(value: string, baseDir: string): LocalReference {
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
  return parseLocalPath(text, baseDir)
}

/** The ARM id / URI of an asset reference: ARM ids and registry URIs as they are, names through `byName`. */
export async function resolveAsset(
  ref: AssetReference,
  byName: (name: string, version: VersionSpec) => Promise<string>
): Promise<string> {
  if (ref.kind === 'arm') return ref.id
  if (ref.kind === 'registry') return ref.uri
  return byName(ref.name, ref.version)
}

/** Model types (azure-ai-ml `AssetTypes`), sent as they are in `modelType`. */
export const MODEL_TYPES = ['custom_model', 'mlflow_model', 'triton_model'] as const
export type ModelType = (typeof MODEL_TYPES)[number]

/** Where a model's files are: a local file or folder (uploaded by the caller) or a URI the service reads. */
export type ModelPathReference =
  | LocalReference
  | {
      kind: 'job-output'
      uri: string
      job: string
      /** The output's name; `artifacts` for the job's default artifacts (and MLflow's `runs:/`). */
      output: string
      /** The path inside the output (`/paths/<p>`, or the `runs:/<job>/<p>` path), '' for the whole output. */
      path: string
    }
  | { kind: 'datastore'; uri: string; datastore: string; path: string }
  | { kind: 'url'; uri: string }

/**
 * Parse a model's `path` (azure-ai-ml `_schema/assets/model.py` `path`; `entities/_assets/_artifacts/model.py`): a job's
 * output `azureml://jobs/<job>/outputs/<output>[/paths/<p>]` (the default `artifacts` output is the job's artifact
 * folder, where its `./outputs` and MLflow's logged models land), MLflow's `runs:/<job>/<p>` (the same artifacts;
 * azure-ai-ml keeps it as the model's URI unchanged, `_utils/utils.py` `is_mlflow_uri`, and the service resolves it),
 * a datastore path `azureml://datastores/<ds>/paths/<p>` or
 * its long form `azureml://subscriptions/.../workspaces/<ws>/datastores/<ds>/paths/<p>`, a storage URL (`https://`,
 * `wasbs://`, `abfss://`, `adl://`), or a local file or folder relative to `baseDir`. Asset references
 * (`azureml:name:version`) are not model paths.
 */
export function parseModelPath(value: string, baseDir: string): ModelPathReference {
  const text = value.trim()
  const output = /^azureml:\/\/jobs\/([^/]+)\/outputs\/([^/]+)(?:\/paths\/(.*))?\/?$/i.exec(text)
  if (output) {
    return { kind: 'job-output', uri: text, job: output[1], output: output[2], path: trimSlashes(output[3] ?? '') }
  }
  const run = /^runs:\/([^/?]+)\/(.+)$/i.exec(text)
  if (run) return { kind: 'job-output', uri: text, job: run[1], output: 'artifacts', path: trimSlashes(run[2]) }
  if (/^runs:/i.test(text)) {
    throw new BadReference(
      `'${text}' is not an MLflow run path: use runs:/<job>/<path in the job's artifacts>, e.g. runs:/<job>/model`
    )
  }
  const datastore =
    /^azureml:\/\/(?:subscriptions\/[^/]+\/resource[gG]roups\/[^/]+\/workspaces\/[^/]+\/)?datastores\/([^/]+)\/paths\/(.+)$/i.exec(
      text
    )
  if (datastore) return { kind: 'datastore', uri: text, datastore: datastore[1], path: datastore[2] }
  if (text.startsWith('azureml://'))
    throw new BadReference(
      `'${text}' is not a model path: use azureml://jobs/<job>/outputs/<output>, azureml://datastores/<ds>/paths/<path>, a storage URL or a local path`
    )
  if (text.startsWith('azureml:'))
    throw new BadReference(
      `'${text}' is an asset reference, not a path: a model's path is a local path, azureml://jobs/<job>/outputs/<output>, azureml://datastores/<ds>/paths/<path> or a storage URL`
    )
  if (URL_SCHEMES.test(text)) return { kind: 'url', uri: text }
  return parseLocalPath(text, baseDir)
}

/** The file an MLflow model folder holds at its top: MLflow's model format (https://mlflow.org/docs/latest/models.html). */
export const MLMODEL_FILE = 'MLmodel'

/**
 * Why a local `mlflow_model` folder cannot be registered, if it cannot: it has no `MLmodel` file at its top (the
 * service registers it, and a deployment then fails to load it; MicrosoftDocs/azure-docs#103778). azure-ai-ml only
 * refuses a file (`_utils/utils.py` `validate_ml_flow_folder`); this check is the action's own, before any upload.
 */
export function mlflowFolderProblem(path: string): string | undefined {
  if (!existsSync(path) || !statSync(path).isDirectory()) return undefined
  if (existsSync(join(path, MLMODEL_FILE))) return undefined
  return (
    `'${path}' has no ${MLMODEL_FILE} file at its top, so it is not an MLflow model (an mlflow_model folder is what ` +
    'mlflow.<flavor>.save_model writes); register it as custom_model, or point at the folder that holds MLmodel'
  )
}

/**
 * Why a local path cannot be used (missing; a file where a folder is needed, or the reverse), if it cannot. `yamlKind`
 * names the YAML whose folder relative paths start from (`job`, `online deployment`, `model`).
 */
export function localPathProblem(path: string, need: 'file' | 'folder' | 'any', yamlKind: string): string | undefined {
  if (!existsSync(path))
    return `local path '${path}' does not exist (paths are relative to the ${yamlKind} YAML's folder)`
  const dir = statSync(path).isDirectory()
  if (need === 'file' && dir) return `'${path}' is a folder; a file is needed here`
  if (need === 'folder' && !dir) return `'${path}' is a file; a folder is needed here`
  return undefined
}

function trimSlashes(path: string): string {
  return path.replace(/^\/+|\/+$/g, '')
}
