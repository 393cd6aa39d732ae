/**
 * The **command component** YAML of `az ml component create -f component.yml` → the body of
 * `PUT {WS}/components/{name}/versions/{version}?api-version=2024-04-01` (mfe.json `ComponentVersions_CreateOrUpdate`,
 * body `ComponentVersionResource`).
 *
 *   const read = readComponentYaml('components/train.yml', core.getInput('set'), { baseDir: workspace })
 *   const { name, version, body } = await toComponentRestBody(read, resolver)   // CliYamlError for bad YAML
 *
 * YAML fields (azure-ai-ml `_schema/component/command_component.py` `CommandComponentSchema`, the CLI's
 * `commandComponent.schema.json`): `$schema`, `name` (required), `version`, `display_name`, `description`, `tags`,
 * `type` (`command`, the default; `type: parallel` files are read by parallel-component.ts; `pipeline` ones are
 * refused for now), `inputs` (`type`:
 * uri_folder, uri_file, mltable, mlflow_model, custom_model, triton_model, integer, number, string, boolean; `default`,
 * `optional`, `description`, `min`, `max`, `enum`), `outputs` (`type`, `description`), `code`, `environment`
 * (required), `command` (required), `resources`, `distribution`, `environment_variables`, `is_deterministic`.
 *
 * Body, as azure-ai-ml 1.4 `entities/_component/component.py` `Component._to_rest_object` builds it (checked by
 * printing the SDK's body for corpus components, `__tests__/components/component-yaml.test.ts`):
 *   { properties: { componentSpec: <the YAML's dict form>, description?, tags: {}, properties: {},
 *     isAnonymous: false, isArchived: false } }
 * - `componentSpec` holds the fields as written (snake_case) plus `_source: "YAML.COMPONENT"` and
 *   `is_deterministic` (default true); `code` and `environment` become `azureml:<ARM id>` (a registry URI stays as
 *   written); `version` is text (the YAML's as written, else the container's next one); tags are text.
 * - input `default`, `min` and `max` are sent as text (Python's `str()`: booleans `True`/`False`; numbers as
 *   written).
 * - azure-ai-ml 1.4 leaves `environment_variables` out of the spec; later versions send it, and so does this.
 */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import type { CodeReference } from '../../cli-yaml/references.js'
import {
  byLocation,
  CliYamlError,
  loadCliYaml,
  problemAt,
  type YamlKind,
  type YamlProblem,
  type YamlSource,
  type ReadYamlOptions
} from '../../cli-yaml/load.js'
import { ENVIRONMENT_OBJECT_SCHEMA, readEnvironment, type EnvironmentYaml } from '../../cli-yaml/environment-yaml.js'
import {
  compileYamlSchema,
  normalizeEnumAt,
  schemaProblems,
  SCALAR_MAP_SCHEMA,
  type Scalar
} from '../../cli-yaml/schema.js'
import { applySetLines } from '../../cli-yaml/set.js'
import { textMap } from '../../cli-yaml/text.js'
import { COMMAND_JOB_SCHEMA } from '../../jobs/yaml/schema.js'
import {
  COMPONENT_HEAD_PROPERTIES,
  componentRequest,
  componentVersion,
  headSpec,
  inputPortProblems,
  numberTextUnder,
  readCodeReference,
  resolveComponentReferences,
  type ComponentHeadYaml,
  type ComponentReferences,
  type ComponentResolver,
  type ComponentRestRequest
} from './component-parts.js'
import {
  readParallelComponentAt,
  toParallelComponentRestBody,
  type ParallelComponentRead
} from './parallel-component.js'

export * from './component-parts.js'

/** The step input that names the file (declared in scripts/action-spec.ts, read by ../inputs.ts). */
export const COMPONENT_INPUT = 'component'

const COMPONENT_YAML: YamlKind = {
  input: COMPONENT_INPUT,
  kind: 'component',
  fieldsHint: 'name, version, type, inputs, outputs, code, environment, command, ...'
}

/** A command component YAML, validated, as written (snake_case), after the `set` lines. */
export interface CommandComponentYaml extends ComponentHeadYaml {
  type?: 'command'
  code?: string
  environment: string | EnvironmentYaml
  command: string
  resources?: Record<string, unknown>
  distribution?: Record<string, unknown>
  environment_variables?: Record<string, Scalar | null>
  /** Files and folders (relative to the YAML) added to the code snapshot (see `files.ts` listCodeFilesWithIncludes). */
  additional_includes?: string[]
}

/** The command component schema (draft-07). */
export const COMMAND_COMPONENT_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  required: ['name', 'command', 'environment'],
  properties: {
    ...COMPONENT_HEAD_PROPERTIES,
    type: { const: 'command' },
    code: { type: 'string', minLength: 1 },
    environment: { if: { type: 'string' }, then: { type: 'string', minLength: 1 }, else: ENVIRONMENT_OBJECT_SCHEMA },
    command: { type: 'string', minLength: 1 },
    resources: COMMAND_JOB_SCHEMA.properties.resources,
    distribution: COMMAND_JOB_SCHEMA.properties.distribution,
    environment_variables: SCALAR_MAP_SCHEMA,
    additional_includes: { type: 'array', items: { type: 'string', minLength: 1 } }
  },
  additionalProperties: false
} as const

const validateComponent = compileYamlSchema(COMMAND_COMPONENT_SCHEMA)

/** Component types `az ml component create` knows that this action does not register yet. */
const OTHER_TYPES: Record<string, string> = {
  pipeline: 'this is a pipeline component: a pipeline node that runs it is written with type: pipeline',
  spark: 'Spark components are not supported (only type: command, parallel and pipeline)',
  import: 'import components are not supported (only type: command, parallel and pipeline)'
}

/** A command component YAML read and validated. */
export interface CommandComponentRead {
  type: 'command'
  yaml: CommandComponentYaml
  /** The file as named in input `component`. */
  file: string
  references: ComponentReferences
  source: YamlSource
}

/** A component YAML read and validated (command or parallel): ready for `toComponentRestBody`. */
export type ComponentYamlRead = CommandComponentRead | ParallelComponentRead

/**
 * Read, `set`, validate and check a component YAML (`type: command`, the default, or `type: parallel`). Throws a
 * `CliYamlError` (an InputError naming `component` or `set`) listing every problem with its file, line and field, or
 * an `InputError('component')` for a missing file.
 */
export function readComponentYaml(
  file: string,
  setLines: string | readonly string[] = [],
  options: ReadYamlOptions = {}
): ComponentYamlRead {
  const source = loadCliYaml(file, COMPONENT_YAML, options.baseDir)
  applySetLines(source, setLines)
  const data: unknown = source.doc.toJS()
  normalizeEnumAt(data, ['type'])
  const type = (data as { type?: unknown } | null)?.type
  if (type === 'parallel') return readParallelComponentAt(source, data, [])
  if (typeof type === 'string' && type !== 'command') {
    const detail =
      OTHER_TYPES[type] ??
      `unknown component type '${type}' (this action registers type: command, parallel and pipeline)`
    throw new CliYamlError(source.input, [problemAt(source, ['type'], detail)])
  }
  const schema = schemaProblems(validateComponent, data, source)
  if (schema.length) throw new CliYamlError(source.input, schema)
  const yaml = data as CommandComponentYaml
  const problems: YamlProblem[] = inputPortProblems(yaml.inputs, source, [])
  const code = readCodeReference(yaml.code, source, ['code'], problems)
  const environment = readEnvironment(yaml.environment, source, ['environment'], problems)
  const additionalIncludes = readAdditionalIncludes(yaml.additional_includes, code, source, problems)
  if (problems.length || !environment) throw new CliYamlError(source.input, problems.sort(byLocation))
  const references: ComponentReferences = { code, environment }
  if (additionalIncludes.length) references.additionalIncludes = additionalIncludes
  return { type: 'command', yaml, file: source.file, references, source }
}

/**
 * `additional_includes` (newest azure-ai-ml `AdditionalIncludes._validate`): each path, relative to the YAML's folder,
 * must exist, and needs a local code folder to join; absolute paths returned, problems pushed naming
 * `additional_includes[i]`.
 */
function readAdditionalIncludes(
  includes: string[] | undefined,
  code: CodeReference | undefined,
  source: YamlSource,
  problems: YamlProblem[]
): string[] {
  if (!includes?.length) return []
  if (code?.kind !== 'local') {
    problems.push(
      problemAt(source, ['additional_includes'], 'additional_includes join a local code folder: give code as a folder')
    )
    return []
  }
  return includes.map((include, i) => {
    const absolute = resolve(source.dir, include)
    if (!existsSync(absolute))
      problems.push(
        problemAt(
          source,
          ['additional_includes', i],
          `'${include}' does not exist (resolved to ${absolute}; paths are relative to the component YAML's folder)`
        )
      )
    return absolute
  })
}

/**
 * The version (the YAML's as written, else `resolver.nextVersion`), the references resolved through `resolver` (code,
 * then environment), and the PUT body, for either component type.
 */
export async function toComponentRestBody(
  read: ComponentYamlRead,
  resolver: ComponentResolver
): Promise<ComponentRestRequest> {
  if (read.type === 'parallel') return toParallelComponentRestBody(read, resolver)
  const y = read.yaml
  const numberText = numberTextUnder(read.source, [])
  const version = await componentVersion(y, numberText, resolver)
  const refs = await resolveComponentReferences(read.references, resolver)
  const spec = headSpec(y, 'command', version, numberText)
  if (refs.code !== undefined) spec.code = refs.code
  spec.environment = refs.environment
  spec.command = y.command
  if (y.resources !== undefined) spec.resources = y.resources
  if (y.distribution !== undefined) spec.distribution = y.distribution
  if (y.environment_variables !== undefined)
    spec.environment_variables = textMap(y.environment_variables, 'environment_variables', numberText)
  return componentRequest(y, version, spec, numberText)
}
