/**
 * The **model** YAML of `az ml model create -f model.yml` → the body of
 * `PUT {WS}/models/{name}/versions/{version}?api-version=2024-04-01` (mfe.json `ModelVersions_CreateOrUpdate`, body
 * `ModelVersionResource`).
 *
 *   const read = readModelYaml('models/model.yml', core.getInput('set'), { baseDir: workspace })  // CliYamlError
 *   const { name, version, body } = await toModelRestBody(read, { uploadModel, nextVersion }, { workspace })
 *   // PUT {WS}/models/${name}/versions/${version}
 *
 * YAML fields (azure-ai-ml `_schema/assets/model.py` `ModelSchema`): `$schema`, `name` (required), `version` (a string
 * or a number, sent as the text written: `1.10` stays `1.10` where PyYAML would read the float 1.1; absent: the container's next version, as `_get_next_version_from_container` does), `path`
 * (required: a local file or folder relative to the YAML file, uploaded by the caller;
 * `azureml://jobs/<job>/outputs/<output>`; `azureml://datastores/<ds>/paths/<p>` or its long form; a storage URL),
 * `type` (`custom_model` (default), `mlflow_model`, `triton_model`; any case), `description`, `tags`, `properties`,
 * `stage`. Unknown fields (`flavors`, `utc_time_created`, ...) are refused with a did-you-mean. A local
 * `mlflow_model` must be a folder (azure-ai-ml `_utils/utils.py` `validate_ml_flow_folder` refuses a file) with an
 * `MLmodel` file at its top (`mlflowFolderProblem`, the action's own check: MicrosoftDocs/azure-docs#103778).
 *
 * Body (mfe.json `ModelVersionResource`, `ModelVersion` ← `AssetBase` ← `ResourceBase`), following azure-ai-ml
 * `entities/_assets/_artifacts/model.py` `Model._to_rest_object` and `operations/_model_operations.py`
 * `create_or_update`:
 *   { properties: {modelUri, modelType: "custom_model" | "mlflow_model" | "triton_model", isAnonymous: false,
 *     description?, tags?, properties?, stage?} }
 * - `modelType` is sent as written in the YAML (snake_case): the SDK sends `type` as it is, and mfe.json's
 *   `modelType` is a free string.
 * - `modelUri`: the uploaded URI for a local path; a short datastore URI becomes the long form
 *   `azureml://subscriptions/{s}/resourcegroups/{rg}/workspaces/{ws}/datastores/{ds}/paths/{p}` when the caller gives
 *   the workspace (the SDK's `resolve_short_datastore_url`); other URIs as written.
 */
import {
  byLocation,
  CliYamlError,
  loadCliYaml,
  numberTextAt,
  problemAt,
  type FieldPath,
  type YamlKind,
  type YamlProblem,
  type YamlSource,
  type ReadYamlOptions
} from '../../cli-yaml/load.js'
import {
  BadReference,
  localPathProblem,
  mlflowFolderProblem,
  MODEL_TYPES,
  parseModelPath,
  type ModelPathReference,
  type ModelType
} from '../../cli-yaml/references.js'
import {
  ASSET_VERSION_SCHEMA,
  compileYamlSchema,
  normalizeEnumAt,
  schemaProblems,
  SCALAR_MAP_SCHEMA,
  type Scalar
} from '../../cli-yaml/schema.js'
import { applySetLines } from '../../cli-yaml/set.js'
import { textMap } from '../../cli-yaml/text.js'

/**
 * The step input that names the file, for messages (`Input 'model': ...`). The operation's inputs.ts reads and
 * declares it (scripts/action-spec.ts); this module only names it.
 */
export const MODEL_INPUT = 'model'

const MODEL_YAML: YamlKind = { input: MODEL_INPUT, kind: 'model', fieldsHint: 'name, version, path, type, ...' }

/** A model YAML, validated, as written (snake_case), after the `set` lines. */
export interface ModelYaml {
  $schema?: string
  name: string
  version?: string | number
  path: string
  type?: ModelType
  description?: string
  tags?: Record<string, Scalar | null>
  properties?: Record<string, Scalar | null>
  stage?: string
}

/** The model schema (draft-07). */
export const MODEL_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  required: ['name', 'path'],
  properties: {
    $schema: { type: 'string' },
    name: {
      type: 'string',
      pattern: '^[a-zA-Z0-9][a-zA-Z0-9\\-_]{0,254}$',
      hint: 'a model name: letters, digits, - and _, starting with a letter or digit, at most 255 characters (mfe.json models {name})'
    },
    version: ASSET_VERSION_SCHEMA,
    path: { type: 'string', minLength: 1 },
    type: { enum: [...MODEL_TYPES] },
    description: { type: 'string' },
    tags: SCALAR_MAP_SCHEMA,
    properties: SCALAR_MAP_SCHEMA,
    stage: { type: 'string' }
  },
  additionalProperties: false
} as const

const validateModel = compileYamlSchema(MODEL_SCHEMA)

export interface ModelReferences {
  /** Where the model's files are (a local path checked to exist). */
  path: ModelPathReference
}

/** A model YAML read and validated: ready for `toModelRestBody`. */
export interface ModelYamlRead {
  yaml: ModelYaml
  /** The file as named in input `model`; its absolute path and folder. */
  file: string
  path: string
  dir: string
  references: ModelReferences
  /** The parsed document, for locating later errors (`problemAt(read.source, path, ...)`). */
  source: YamlSource
}

/**
 * Read, `set`, validate and check a model YAML. `file` is input `model` (relative to `options.baseDir`), `setLines`
 * input `set`. Throws a `CliYamlError` (an InputError naming `model` or `set`) listing every problem with its file,
 * line and field, or an `InputError('model')` when the file is missing.
 */
export function readModelYaml(
  file: string,
  setLines: string | readonly string[] = [],
  options: ReadYamlOptions = {}
): ModelYamlRead {
  const source = loadCliYaml(file, MODEL_YAML, options.baseDir)
  applySetLines(source, setLines)
  const data: unknown = source.doc.toJS()
  normalizeEnumAt(data, ['type'])
  const schema = schemaProblems(validateModel, data, source)
  if (schema.length) throw new CliYamlError(source.input, schema)
  const yaml = data as ModelYaml
  const problems: YamlProblem[] = []
  let path: ModelPathReference | undefined
  try {
    path = parseModelPath(yaml.path, source.dir)
    if (path.kind === 'local') {
      const type = yaml.type ?? 'custom_model'
      const problem = localPathProblem(path.path, type === 'mlflow_model' ? 'folder' : 'any', source.kind)
      if (problem)
        problems.push(
          problemAt(source, ['path'], type === 'mlflow_model' ? `${problem} (an mlflow_model is a folder)` : problem)
        )
      else if (type === 'mlflow_model') {
        const mlflow = mlflowFolderProblem(path.path)
        if (mlflow) problems.push(problemAt(source, ['path'], mlflow))
      }
    }
  } catch (e) {
    if (!(e instanceof BadReference)) throw e
    problems.push(problemAt(source, ['path'], e.message))
  }
  if (problems.length || !path) throw new CliYamlError(source.input, problems.sort(byLocation))
  return { yaml, file: source.file, path: source.path, dir: source.dir, references: { path }, source }
}

/** What the network layer provides for a model. */
export interface ModelResolver {
  /** Upload a local model file or folder (to the workspace's default datastore); the URI to put in `modelUri`. */
  uploadModel(localPath: string): Promise<string>
  /** The container's next version for `name` (`GET {WS}/models/{name}` → `properties.nextVersion`; `1` if none). */
  nextVersion(name: string): Promise<string>
}

/** mfe.json `ModelVersion` (with `AssetBase`, `ResourceBase`), the fields sent. */
export interface ModelVersionProperties {
  modelUri: string
  modelType: ModelType
  isAnonymous: false
  description?: string
  tags?: Record<string, string>
  properties?: Record<string, string>
  stage?: string
}

/** The PUT to send: `PUT {WS}/models/{name}/versions/{version}` with `body` (mfe.json `ModelVersionResource`). */
export interface ModelRestRequest {
  name: string
  version: string
  body: { properties: ModelVersionProperties }
}

export interface ModelRestOptions {
  /** The workspace, to write a short datastore URI in its long form as the SDK does; without it, sent as written. */
  workspace?: { subscriptionId: string; resourceGroup: string; workspaceName: string }
}

/** `azureml://datastores/{ds}/paths/{p}` → `azureml://subscriptions/{s}/resourcegroups/{rg}/workspaces/{ws}/...`. */
export function longDatastoreUri(uri: string, ws: NonNullable<ModelRestOptions['workspace']>): string {
  const m = /^azureml:\/\/datastores\/([^/]+)\/paths\/(.+)$/i.exec(uri)
  if (!m) return uri
  return `azureml://subscriptions/${ws.subscriptionId}/resourcegroups/${ws.resourceGroup}/workspaces/${ws.workspaceName}/datastores/${m[1]}/paths/${m[2]}`
}

/**
 * The version (the YAML's, as written, else `resolver.nextVersion`), the model's URI (a local path uploaded through
 * `resolver.uploadModel`), and the body of the PUT.
 */
export async function toModelRestBody(
  read: ModelYamlRead,
  resolver: ModelResolver,
  options: ModelRestOptions = {}
): Promise<ModelRestRequest> {
  const m = read.yaml
  const numberText = (path: FieldPath): string | undefined => numberTextAt(read.source, path)
  const version =
    m.version === undefined ? await resolver.nextVersion(m.name) : (numberText(['version']) ?? String(m.version))
  const ref = read.references.path
  let modelUri: string
  if (ref.kind === 'local') modelUri = await resolver.uploadModel(ref.path)
  else if (ref.kind === 'datastore' && options.workspace) modelUri = longDatastoreUri(ref.uri, options.workspace)
  else modelUri = ref.uri
  const properties: ModelVersionProperties = {
    modelUri,
    modelType: m.type ?? 'custom_model',
    isAnonymous: false
  }
  if (m.description !== undefined) properties.description = m.description
  const tags = textMap(m.tags, 'tags', numberText)
  if (tags) properties.tags = tags
  const props = textMap(m.properties, 'properties', numberText)
  if (props) properties.properties = props
  if (m.stage !== undefined) properties.stage = m.stage
  return { name: m.name, version, body: { properties } }
}
