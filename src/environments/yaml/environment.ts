/**
 * The **environment** YAML of `az ml environment create -f env.yml` → the body of
 * `PUT {WS}/environments/{name}/versions/{version}?api-version=2024-04-01` (mfe.json
 * `EnvironmentVersions_CreateOrUpdate`, body `EnvironmentVersionResource`).
 *
 * Fields (azure-ai-ml 1.4 `_schema/assets/environment.py` `EnvironmentSchema`): `$schema`, `name` (required),
 * `version` (as written; absent: the container's `nextVersion`, as `operations/_environment_operations.py`
 * `create_or_update` takes it through `_get_next_version_from_container`), `image` or `build` (`path`: a local folder
 * relative to the YAML, uploaded, or a URL; `dockerfile_path`), `conda_file` (a path relative to the YAML or inline),
 * `os_type` (`linux`, `windows`, any case), `description`, `tags`. azure-ai-ml 1.4 refuses `properties` ("Unknown
 * field") and so does this reader; `channels`/`dependencies` at the top (a conda file given as the environment) are
 * refused as the SDK does (`CREATE_ENVIRONMENT_ERROR_MESSAGE`).
 *
 * Body (`Environment._to_rest_object().serialize()`, checked against the SDK in
 * __tests__/environments/fixtures/sdk.json): `{properties: {image?, condaFile?, build?: {contextUri, dockerfilePath?},
 * osType?, tags?, description?, isAnonymous: false, isArchived: false}}`, `osType` and tags as written (tags as text).
 */
import {
  inferenceConfigBody,
  readEnvironmentContent,
  ENVIRONMENT_OBJECT_SCHEMA,
  type EnvironmentYaml
} from '../../cli-yaml/environment-yaml.js'
import type { EnvironmentVersionProperties } from '../../cli-yaml/environment.js'
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
import { ASSET_VERSION_SCHEMA, compileYamlSchema, schemaProblems, type Scalar } from '../../cli-yaml/schema.js'
import { applySetLines } from '../../cli-yaml/set.js'
import { textMap } from '../../cli-yaml/text.js'

/** The step input that names the file. */
export const ENVIRONMENT_INPUT = 'environment'

const ENVIRONMENT_YAML: YamlKind = {
  input: 'environment',
  kind: 'environment',
  fieldsHint: 'name, version, image, conda_file, build, os_type, ...'
}

/** An environment YAML, validated, as written. */
export interface EnvironmentFileYaml {
  $schema?: string
  name: string
  version?: string | number
  image?: string
  conda_file?: string | Record<string, unknown>
  build?: { path: string; dockerfile_path?: string }
  os_type?: string
  inference_config?: EnvironmentYaml['inference_config']
  description?: string
  tags?: Record<string, Scalar | null>
}

/** The environment YAML schema (draft-07): the inline environment's fields plus `$schema`, `os_type`; `name` needed. */
export const ENVIRONMENT_FILE_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  required: ['name'],
  properties: {
    ...ENVIRONMENT_OBJECT_SCHEMA.properties,
    $schema: { type: 'string' },
    name: {
      type: 'string',
      pattern: '^[a-zA-Z0-9][a-zA-Z0-9\\-_.]{0,254}$',
      hint: 'an environment name: letters, digits, -, _ and ., starting with a letter or digit (mfe.json environments {name})'
    },
    version: ASSET_VERSION_SCHEMA,
    os_type: {
      type: 'string',
      pattern: '^(?:[Ll][Ii][Nn][Uu][Xx]|[Ww][Ii][Nn][Dd][Oo][Ww][Ss])$',
      hint: 'linux or windows',
      suggest: ['linux', 'windows']
    }
  },
  additionalProperties: false
} as const

const validate = compileYamlSchema(ENVIRONMENT_FILE_SCHEMA)

/** An environment YAML read and checked: ready for `toEnvironmentRestBody`. */
export interface EnvironmentYamlRead {
  yaml: EnvironmentFileYaml
  /** The version as written (number text kept: `1.10` stays `1.10`), absent when the YAML has none. */
  version?: string
  /** The body without a local build context's `contextUri` (set by the caller after the upload). */
  properties: EnvironmentVersionProperties & { isAnonymous: false; isArchived: false; osType?: string }
  /** A local Docker build context to upload (absolute folder). */
  localBuild?: { folder: string; dockerfilePath?: string }
  file: string
  source: YamlSource
}

/** Checks the parsed document of an environment YAML (`data`) and builds its body; problems thrown located. */
export function environmentFromDocument(source: YamlSource): EnvironmentYamlRead {
  const data: unknown = source.doc.toJS()
  if (data && typeof data === 'object' && ('channels' in data || 'dependencies' in data)) {
    throw new CliYamlError(source.input, [
      problemAt(
        source,
        [],
        "this looks like a conda file ('channels', 'dependencies'): an environment YAML names the conda file in " +
          "'conda_file' (https://aka.ms/ml-cli-v2-environment-yaml-reference)"
      )
    ])
  }
  const schema = schemaProblems(validate, data, source)
  if (schema.length) throw new CliYamlError(source.input, schema)
  const yaml = data as EnvironmentFileYaml
  const problems: YamlProblem[] = []
  const at = (...f: string[]) => f
  if (yaml.image !== undefined && yaml.build !== undefined)
    problems.push(problemAt(source, ['build'], "give either 'image' or 'build', not both"))
  if (yaml.image === undefined && yaml.build === undefined)
    problems.push(
      problemAt(source, [], "an environment needs 'image' (a Docker image) or 'build' (a Docker build context)")
    )
  const { condaText, build, localBuild } = readEnvironmentContent(yaml, source, at, problems)
  if (problems.length) throw new CliYamlError(source.input, problems.sort(byLocation))
  const numberText = (path: FieldPath) => numberTextAt(source, path)
  const properties: EnvironmentYamlRead['properties'] = { isAnonymous: false, isArchived: false }
  if (condaText !== undefined) properties.condaFile = condaText
  if (yaml.image !== undefined) properties.image = yaml.image
  if (build) properties.build = build
  if (yaml.os_type !== undefined) properties.osType = yaml.os_type
  const inferenceConfig = inferenceConfigBody(yaml.inference_config)
  if (inferenceConfig) properties.inferenceConfig = inferenceConfig
  const tags = textMap(yaml.tags, 'tags', numberText)
  if (tags) properties.tags = tags
  if (yaml.description) properties.description = yaml.description
  const version = yaml.version === undefined ? undefined : (numberText(['version']) ?? String(yaml.version))
  return { yaml, version, properties, localBuild, file: source.file, source }
}

/**
 * Read, `set`, validate and check an environment YAML (input `environment`, relative to `options.baseDir`). Throws a
 * `CliYamlError` listing every problem with file, line and field, or an `InputError('environment')` for a missing file.
 */
export function readEnvironmentYaml(
  file: string,
  setLines: string | readonly string[] = [],
  options: ReadYamlOptions = {}
): EnvironmentYamlRead {
  const source = loadCliYaml(file, ENVIRONMENT_YAML, options.baseDir)
  applySetLines(source, setLines)
  return environmentFromDocument(source)
}
