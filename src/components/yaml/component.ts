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
 * `type` (`command`, the default; `parallel` and `pipeline` components are refused for now), `inputs` (`type`:
 * uri_folder, uri_file, mltable, mlflow_model, custom_model, triton_model, integer, number, string, boolean; `default`,
 * `optional`, `description`, `min`, `max`, `enum`), `outputs` (`type`, `description`), `code`, `environment`
 * (required), `command` (required), `resources`, `distribution`, `environment_variables`, `is_deterministic`.
 *
 * Body, as azure-ai-ml 1.4 `entities/_component/component.py` `Component._to_rest_object` builds it (checked by
 * printing the SDK's body for corpus components, `__tests__/components/to-rest.test.ts`):
 *   { properties: { componentSpec: <the YAML's dict form>, description?, tags: {}, properties: {},
 *     isAnonymous: false, isArchived: false } }
 * - `componentSpec` holds the fields as written (snake_case) plus `_source: "YAML.COMPONENT"` and
 *   `is_deterministic` (default true); `code` and `environment` become `azureml:<ARM id>` (a registry URI stays as
 *   written); `version` is text (the YAML's as written, else the container's next one); tags are text.
 * - input `default`, `min` and `max` are sent as text (Python's `str()`: booleans `True`/`False`; numbers as
 *   written).
 * - azure-ai-ml 1.4 leaves `environment_variables` out of the spec; later versions send it, and so does this.
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
import { ENVIRONMENT_OBJECT_SCHEMA, readEnvironment, type EnvironmentYaml } from '../../cli-yaml/environment-yaml.js'
import type { EnvironmentDefinition } from '../../cli-yaml/environment.js'
import {
  BadReference,
  localPathProblem,
  parseCodeReference,
  resolveAsset,
  type CodeReference,
  type EnvironmentReference,
  type VersionSpec
} from '../../cli-yaml/references.js'
import {
  compileYamlSchema,
  normalizeEnumAt,
  schemaProblems,
  SCALAR_MAP_SCHEMA,
  type Scalar
} from '../../cli-yaml/schema.js'
import { applySetLines } from '../../cli-yaml/set.js'
import { scalarText, textMap } from '../../cli-yaml/text.js'
import { COMMAND_JOB_SCHEMA } from '../../jobs/yaml/schema.js'

/** The step input that names the file (declared in scripts/action-spec.ts, read by ../inputs.ts). */
export const COMPONENT_INPUT = 'component'

const COMPONENT_YAML: YamlKind = {
  input: COMPONENT_INPUT,
  kind: 'component',
  fieldsHint: 'name, version, type, inputs, outputs, code, environment, command, ...'
}

export const COMPONENT_ASSET_TYPES = [
  'uri_file',
  'uri_folder',
  'mltable',
  'custom_model',
  'mlflow_model',
  'triton_model'
] as const
export const COMPONENT_LITERAL_TYPES = ['integer', 'number', 'string', 'boolean'] as const

export interface ComponentInputYaml {
  type: string
  default?: Scalar
  optional?: boolean
  description?: string
  min?: number
  max?: number
  enum?: Scalar[]
}

/** A command component YAML, validated, as written (snake_case), after the `set` lines. */
export interface CommandComponentYaml {
  $schema?: string
  name: string
  version?: string | number
  display_name?: string
  description?: string
  tags?: Record<string, Scalar | null>
  type?: 'command'
  is_deterministic?: boolean
  inputs?: Record<string, ComponentInputYaml>
  outputs?: Record<string, { type: string; description?: string } | null>
  code?: string
  environment: string | EnvironmentYaml
  command: string
  resources?: Record<string, unknown>
  distribution?: Record<string, unknown>
  environment_variables?: Record<string, Scalar | null>
}

const NAME_HINT = 'letters, digits and underscores, not starting with a digit'
const PORT_NAME = { pattern: '^[a-zA-Z_][a-zA-Z0-9_]*$', hint: NAME_HINT }

/** The command component schema (draft-07). */
export const COMMAND_COMPONENT_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  required: ['name', 'command', 'environment'],
  properties: {
    $schema: { type: 'string' },
    name: {
      type: 'string',
      pattern: '^[a-zA-Z_][a-zA-Z0-9_.-]{0,254}$',
      hint: 'a component name: letters, digits, _, - and ., starting with a letter or _ (azure-ai-ml ComponentNameStr)'
    },
    version: { type: ['string', 'number'], pattern: '^[^/?#:@]+$', hint: 'a version without /, ?, #, : or @' },
    display_name: { type: 'string' },
    description: { type: 'string' },
    tags: SCALAR_MAP_SCHEMA,
    type: { const: 'command' },
    is_deterministic: { type: 'boolean' },
    inputs: {
      type: 'object',
      propertyNames: PORT_NAME,
      additionalProperties: {
        type: 'object',
        required: ['type'],
        properties: {
          type: { enum: [...COMPONENT_ASSET_TYPES, ...COMPONENT_LITERAL_TYPES] },
          default: { type: ['string', 'number', 'boolean'] },
          optional: { type: 'boolean' },
          description: { type: 'string' },
          min: { type: 'number' },
          max: { type: 'number' },
          enum: { type: 'array', minItems: 1, items: { type: ['string', 'number', 'boolean'] } },
          mode: { type: 'string' }
        },
        additionalProperties: false
      }
    },
    outputs: {
      type: 'object',
      propertyNames: PORT_NAME,
      additionalProperties: {
        type: 'object',
        required: ['type'],
        properties: {
          type: { enum: [...COMPONENT_ASSET_TYPES] },
          description: { type: 'string' },
          mode: { type: 'string' }
        },
        additionalProperties: false
      }
    },
    code: { type: 'string', minLength: 1 },
    environment: { if: { type: 'string' }, then: { type: 'string', minLength: 1 }, else: ENVIRONMENT_OBJECT_SCHEMA },
    command: { type: 'string', minLength: 1 },
    resources: COMMAND_JOB_SCHEMA.properties.resources,
    distribution: COMMAND_JOB_SCHEMA.properties.distribution,
    environment_variables: SCALAR_MAP_SCHEMA
  },
  additionalProperties: false
} as const

const validateComponent = compileYamlSchema(COMMAND_COMPONENT_SCHEMA)

/** Component types `az ml component create` knows that this action does not register yet. */
const OTHER_TYPES: Record<string, string> = {
  parallel: 'parallel components are not supported yet (only type: command)',
  pipeline: 'pipeline components are not supported yet (only type: command)',
  spark: 'Spark components are not supported (only type: command)',
  import: 'import components are not supported (only type: command)'
}

export interface ComponentReferences {
  code?: CodeReference
  environment: EnvironmentReference
}

/** A component YAML read and validated: ready for `toComponentRestBody`. */
export interface ComponentYamlRead {
  yaml: CommandComponentYaml
  /** The file as named in input `component`. */
  file: string
  references: ComponentReferences
  source: YamlSource
}

/**
 * Read, `set`, validate and check a command component YAML. Throws a `CliYamlError` (an InputError naming `component`
 * or `set`) listing every problem with its file, line and field, or an `InputError('component')` for a missing file.
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
  if (typeof type === 'string' && type !== 'command') {
    const detail = OTHER_TYPES[type] ?? `unknown component type '${type}' (this action registers type: command)`
    throw new CliYamlError(source.input, [problemAt(source, ['type'], detail)])
  }
  const schema = schemaProblems(validateComponent, data, source)
  if (schema.length) throw new CliYamlError(source.input, schema)
  const yaml = data as CommandComponentYaml
  const problems: YamlProblem[] = []
  for (const [name, input] of Object.entries(yaml.inputs ?? {})) {
    const literal = (COMPONENT_LITERAL_TYPES as readonly string[]).includes(input.type)
    if (!literal && (input.min !== undefined || input.max !== undefined || input.enum !== undefined)) {
      problems.push(
        problemAt(source, ['inputs', name, 'type'], `min, max and enum need a literal type, not ${input.type}`)
      )
    }
    if (input.min !== undefined && input.max !== undefined && input.min > input.max) {
      problems.push(problemAt(source, ['inputs', name, 'min'], `min ${input.min} is above max ${input.max}`))
    }
  }
  let code: CodeReference | undefined
  if (yaml.code !== undefined) {
    try {
      code = parseCodeReference(yaml.code, source.dir)
      if (code.kind === 'local') {
        const problem = localPathProblem(code.path, 'folder', source.kind)
        if (problem) problems.push(problemAt(source, ['code'], problem))
      }
    } catch (e) {
      if (!(e instanceof BadReference)) throw e
      problems.push(problemAt(source, ['code'], e.message))
    }
  }
  const environment = readEnvironment(yaml.environment, source, ['environment'], problems)
  if (problems.length || !environment) throw new CliYamlError(source.input, problems.sort(byLocation))
  return { yaml, file: source.file, references: { code, environment }, source }
}

/** What the network layer provides for a component's references (src/components/register-component.ts). */
export interface ComponentResolver {
  /** Upload a local code folder as an anonymous code asset; its ARM id. */
  uploadCode(folder: string): Promise<string>
  codeId(name: string, version: VersionSpec): Promise<string>
  environmentId(name: string, version: VersionSpec): Promise<string>
  /** Register an inline environment; its ARM id. */
  registerEnvironment(definition: EnvironmentDefinition): Promise<string>
  /** The container's next version (`GET {WS}/components/{name}` → `nextVersion`; "1" when none). */
  nextVersion(name: string): Promise<string>
}

/** mfe.json `ComponentVersion` (with `AssetBase`, `ResourceBase`), the fields sent. */
export interface ComponentVersionProperties {
  componentSpec: Record<string, unknown>
  description?: string
  tags: Record<string, string>
  properties: Record<string, string>
  isAnonymous: false
  isArchived: false
}

/** The PUT to send: `PUT {WS}/components/{name}/versions/{version}` with `body`. */
export interface ComponentRestRequest {
  name: string
  version: string
  body: { properties: ComponentVersionProperties }
}

/** `azureml:` + an ARM id, as the SDK writes a resolved asset in `componentSpec`; registry URIs as they are. */
function specRef(id: string): string {
  return id.startsWith('azureml:') ? id : `azureml:${id}`
}

/**
 * The version (the YAML's as written, else `resolver.nextVersion`), the references resolved through `resolver` (code,
 * then environment), and the PUT body.
 */
export async function toComponentRestBody(
  read: ComponentYamlRead,
  resolver: ComponentResolver
): Promise<ComponentRestRequest> {
  const y = read.yaml
  const numberText = (path: FieldPath): string | undefined => numberTextAt(read.source, path)
  const version =
    y.version === undefined ? await resolver.nextVersion(y.name) : (numberText(['version']) ?? String(y.version))
  const { code, environment } = read.references
  let codeId: string | undefined
  if (code) {
    codeId =
      code.kind === 'local'
        ? await resolver.uploadCode(code.path)
        : await resolveAsset(code, (n, v) => resolver.codeId(n, v))
  }
  const environmentId =
    environment.kind === 'inline'
      ? await resolver.registerEnvironment(environment.definition)
      : await resolveAsset(environment, (n, v) => resolver.environmentId(n, v))
  const tags = textMap(y.tags, 'tags', numberText) ?? {}
  const spec: Record<string, unknown> = {}
  if (y.$schema !== undefined) spec.$schema = y.$schema
  spec._source = 'YAML.COMPONENT'
  spec.name = y.name
  spec.version = version
  if (y.display_name !== undefined) spec.display_name = y.display_name
  if (y.description !== undefined) spec.description = y.description
  if (y.tags !== undefined) spec.tags = tags
  spec.type = 'command'
  spec.is_deterministic = y.is_deterministic ?? true
  if (y.inputs) spec.inputs = portsSpec(y.inputs, numberText)
  if (y.outputs) spec.outputs = y.outputs
  if (codeId !== undefined) spec.code = specRef(codeId)
  spec.environment = environment.kind === 'registry' ? environment.uri : specRef(environmentId)
  spec.command = y.command
  if (y.resources !== undefined) spec.resources = y.resources
  if (y.distribution !== undefined) spec.distribution = y.distribution
  if (y.environment_variables !== undefined)
    spec.environment_variables = textMap(y.environment_variables, 'environment_variables', numberText)
  const properties: ComponentVersionProperties = {
    componentSpec: spec,
    tags,
    properties: {},
    isAnonymous: false,
    isArchived: false
  }
  if (y.description !== undefined) properties.description = y.description
  return { name: y.name, version, body: { properties } }
}

/** Component `inputs` for `componentSpec`: `default`, `min` and `max` as text (Python `str()`), the rest as written. */
export function portsSpec(
  inputs: Record<string, ComponentInputYaml>,
  numberText: (path: FieldPath) => string | undefined
): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {}
  for (const [name, input] of Object.entries(inputs)) {
    const port: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(input)) {
      port[key] =
        key === 'default' || key === 'min' || key === 'max'
          ? scalarText(value as Scalar, numberText(['inputs', name, key]))
          : value
    }
    out[name] = port
  }
  return out
}
