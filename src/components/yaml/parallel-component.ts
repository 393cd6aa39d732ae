/**
 * The **parallel component** YAML (`type: parallel`; azure-ai-ml 1.4 `_schema/component/parallel_component.py`
 * `ParallelComponentSchema`, `_schema/component/parallel_task.py` `ComponentParallelTaskSchema`,
 * `_schema/component/retry_settings.py`; the CLI's `parallelComponent.schema.json`) → its `componentSpec`, as
 * azure-ai-ml 1.4 `entities/_component/parallel_component.py` `ParallelComponent._to_rest_object` writes it (checked
 * against the SDK's own bodies: `__tests__/components/fixtures/parallel-*.sdk.json`, printed by `sdk_body.py`).
 *
 * A component file (read by component.ts `readComponentYaml`, which dispatches on `type`):
 *   const read = readComponentYaml('components/score.yml', setLines, { baseDir })   // read.type === 'parallel'
 *   const { name, version, body } = await toComponentRestBody(read, resolver)
 * A pipeline's inline `type: parallel` node (the pipeline reader maps the node to component fields first):
 *   const read = readParallelComponentAt(source, nodeAsComponent, ['jobs', 'score'], { anonymous: true })
 *   const refs = await resolveComponentReferences(read.references, resolver)
 *   const spec = parallelComponentSpec(read, refs, version, 'YAML.JOB')   // name: 'azureml_anonymous' when absent
 * Problems are located at `at` + the field (`pipeline.yml:31: jobs.score.task.environment: ...`).
 *
 * Fields, beyond the common ones (component-parts.ts): `input_data` (`${{inputs.x}}`), `mini_batch_size` (`10`,
 * `"10kb"`, `"5mb"`, `"1gb"`: sent as the number of bytes or items, as text: `"10kb"` → `"10240"`, as the SDK's
 * constructor converts it), `partition_keys` (a list, sent as its JSON text `["a", "b"]`, as `_to_rest_object` does
 * because the service takes a string), `resources`, `retry_settings` (`max_retries`, `timeout`: integers),
 * `logging_level` (`DEBUG`, `INFO`, `WARNING`), `max_concurrency_per_instance`, `error_threshold`,
 * `mini_batch_error_threshold` (integers), `task` (required: `type` `run_function`, `function` or `model`; `code`,
 * `entry_script`, `program_arguments`, `model`, `append_row_to`; `environment`, required, a reference or inline), and
 * `environment_variables` (not in azure-ai-ml 1.4's schema, which drops it; sent as text, as for command components).
 * The SDK writes no defaults for the fields left out (checked: `parallel-oj.sdk.json`); neither does this.
 */
import { byLocation, CliYamlError, type FieldPath, type YamlProblem, type YamlSource } from '../../cli-yaml/load.js'
import { ENVIRONMENT_OBJECT_SCHEMA, readEnvironment, type EnvironmentYaml } from '../../cli-yaml/environment-yaml.js'
import { compileYamlSchema, schemaProblems, SCALAR_MAP_SCHEMA, type Scalar } from '../../cli-yaml/schema.js'
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

/** azure-ai-ml `ParallelTaskType`. */
export const PARALLEL_TASK_TYPES = ['run_function', 'function', 'model'] as const
/** azure-ai-ml `LoggingLevel` (the values `logging_level` takes, as written: `DumpableEnumField` is case-sensitive). */
export const PARALLEL_LOGGING_LEVELS = ['DEBUG', 'INFO', 'WARNING'] as const

/** `mini_batch_size` as azure-ai-ml's `ParallelComponent.__init__` accepts it: a count, or a size in kb, mb or gb. */
const MINI_BATCH_SIZE = /^(\d+)([kKmMgG][bB])?$/

export interface ParallelTaskYaml {
  type: (typeof PARALLEL_TASK_TYPES)[number]
  code?: string
  entry_script?: string
  program_arguments?: string
  model?: string
  append_row_to?: string
  environment: string | EnvironmentYaml
}

/** A parallel component, validated, as written (snake_case). `name` is absent only for an anonymous (inline) one. */
export interface ParallelComponentYaml extends Omit<ComponentHeadYaml, 'name'> {
  name?: string
  type: 'parallel'
  input_data?: string
  mini_batch_size?: string | number
  partition_keys?: string[]
  resources?: Record<string, unknown>
  retry_settings?: { max_retries?: number; timeout?: number }
  logging_level?: (typeof PARALLEL_LOGGING_LEVELS)[number]
  max_concurrency_per_instance?: number
  error_threshold?: number
  mini_batch_error_threshold?: number
  task: ParallelTaskYaml
  environment_variables?: Record<string, Scalar | null>
}

const PARALLEL_PROPERTIES = {
  ...COMPONENT_HEAD_PROPERTIES,
  type: { const: 'parallel' },
  input_data: { type: 'string', minLength: 1 },
  mini_batch_size: {
    type: ['string', 'integer'],
    pattern: MINI_BATCH_SIZE.source,
    hint: 'a number of items or a size such as 10kb, 5mb or 1gb'
  },
  partition_keys: { type: 'array', items: { type: 'string' } },
  resources: COMMAND_JOB_SCHEMA.properties.resources,
  retry_settings: {
    type: 'object',
    properties: { max_retries: { type: 'integer' }, timeout: { type: 'integer' } },
    additionalProperties: false
  },
  logging_level: { enum: [...PARALLEL_LOGGING_LEVELS] },
  max_concurrency_per_instance: { type: 'integer' },
  error_threshold: { type: 'integer' },
  mini_batch_error_threshold: { type: 'integer' },
  task: {
    type: 'object',
    required: ['type', 'environment'],
    properties: {
      type: { enum: [...PARALLEL_TASK_TYPES] },
      code: { type: 'string', minLength: 1 },
      entry_script: { type: 'string', minLength: 1 },
      program_arguments: { type: 'string' },
      model: { type: 'string' },
      append_row_to: { type: 'string' },
      environment: { if: { type: 'string' }, then: { type: 'string', minLength: 1 }, else: ENVIRONMENT_OBJECT_SCHEMA }
    },
    additionalProperties: false
  },
  environment_variables: SCALAR_MAP_SCHEMA
} as const

/** The parallel component schema (draft-07) of a component file: `name`, `type` and `task` required. */
export const PARALLEL_COMPONENT_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  required: ['name', 'type', 'task'],
  properties: PARALLEL_PROPERTIES,
  additionalProperties: false
} as const

/**
 * The parallel fields a pipeline's `type: parallel` node may set over its component's (azure-ai-ml 1.4
 * `_schema/pipeline/component_job.py` `ParallelSchema`; with `resources`, `environment_variables`, and `task` for an
 * inline node).
 */
export const PARALLEL_NODE_FIELDS = [
  'input_data',
  'mini_batch_size',
  'partition_keys',
  'retry_settings',
  'logging_level',
  'max_concurrency_per_instance',
  'error_threshold',
  'mini_batch_error_threshold'
] as const

const validateNodeFields = compileYamlSchema({
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: Object.fromEntries(
    (['type', 'resources', ...PARALLEL_NODE_FIELDS] as const).map(k => [k, PARALLEL_PROPERTIES[k]])
  ),
  additionalProperties: false
})

/**
 * Problems of the parallel fields a node sets over a named or file component (`data`: those fields, plus `type`;
 * `at`: the node's path), checked as a parallel component's same fields.
 */
export function checkParallelNodeFields(source: YamlSource, data: unknown, at: FieldPath): YamlProblem[] {
  return schemaProblems(validateNodeFields, data, source, at)
}

const validateNamed = compileYamlSchema(PARALLEL_COMPONENT_SCHEMA)
const validateAnonymous = compileYamlSchema({ ...PARALLEL_COMPONENT_SCHEMA, required: ['type', 'task'] })

/** A parallel component read and checked: ready for `parallelComponentSpec` / `toParallelComponentRestBody`. */
export interface ParallelComponentRead {
  type: 'parallel'
  yaml: ParallelComponentYaml
  /** The file as named (in input `component`, or the pipeline's). */
  file: string
  references: ComponentReferences
  source: YamlSource
  /** Where the component sits in `source`: `[]` for a component file. */
  at: FieldPath
}

/**
 * Check `data` (plain values, as at `at` in `source`, after any `set` lines) as a parallel component: the schema, the
 * input ports, `task.code` (a local folder must exist) and `task.environment` (a reference, or inline with its conda
 * file read). `anonymous`: `name` may be left out (an inline pipeline node). Throws a `CliYamlError` (naming
 * `source.input`) listing every problem with its file, line and field.
 */
export function readParallelComponentAt(
  source: YamlSource,
  data: unknown,
  at: FieldPath,
  options: { anonymous?: boolean } = {}
): ParallelComponentRead {
  const schema = schemaProblems(options.anonymous ? validateAnonymous : validateNamed, data, source, at)
  if (schema.length) throw new CliYamlError(source.input, schema)
  const yaml = data as ParallelComponentYaml
  const problems: YamlProblem[] = inputPortProblems(yaml.inputs, source, at)
  const code = readCodeReference(yaml.task.code, source, [...at, 'task', 'code'], problems)
  const environment = readEnvironment(yaml.task.environment, source, [...at, 'task', 'environment'], problems)
  if (problems.length || !environment) throw new CliYamlError(source.input, problems.sort(byLocation))
  return { type: 'parallel', yaml, file: source.file, references: { code, environment }, source, at }
}

/** `mini_batch_size` as the SDK's constructor converts it: items, or kb/mb/gb in bytes (1024-based), as text. */
export function miniBatchSizeText(value: string | number): string {
  const m = MINI_BATCH_SIZE.exec(String(value))
  if (!m) throw new Error(`mini_batch_size '${value}' was not checked`) // the schema refuses it first
  const unit = { '': 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(m[2] ?? '').toLowerCase()] ?? 1
  return String(BigInt(m[1]) * BigInt(unit))
}

/** Python's `json.dumps(list_of_str)`: `["a", "b"]` (", " between items, non-ASCII as \uXXXX). */
export function pythonJsonList(items: readonly string[]): string {
  const text = (s: string) =>
    JSON.stringify(s).replace(/[\u0080-\uffff]/g, c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  return `[${items.map(text).join(', ')}]`
}

/**
 * The `componentSpec` of a read parallel component, its references already resolved (`resolveComponentReferences`:
 * `azureml:<ARM id>` forms), for `version`. `specSource` is the SDK's `_source`: `YAML.COMPONENT` for a component
 * file, `YAML.JOB` for a pipeline's inline node. An anonymous component's name is `azureml_anonymous`.
 */
export function parallelComponentSpec(
  read: ParallelComponentRead,
  refs: { code?: string; environment: string },
  version: string,
  specSource = 'YAML.COMPONENT'
): Record<string, unknown> {
  const y = read.yaml
  const numberText = numberTextUnder(read.source, read.at)
  const spec = headSpec({ ...y, name: y.name ?? 'azureml_anonymous' }, 'parallel', version, numberText, specSource)
  for (const key of [
    'input_data',
    'resources',
    'retry_settings',
    'logging_level',
    'max_concurrency_per_instance',
    'error_threshold',
    'mini_batch_error_threshold'
  ] as const) {
    if (y[key] !== undefined) spec[key] = y[key]
  }
  if (y.mini_batch_size !== undefined) spec.mini_batch_size = miniBatchSizeText(y.mini_batch_size)
  if (y.partition_keys?.length) spec.partition_keys = pythonJsonList(y.partition_keys)
  const task: Record<string, unknown> = { type: y.task.type }
  if (refs.code !== undefined) task.code = refs.code
  for (const key of ['entry_script', 'program_arguments', 'model', 'append_row_to'] as const) {
    if (y.task[key] !== undefined) task[key] = y.task[key]
  }
  task.environment = refs.environment
  spec.task = task
  if (y.environment_variables !== undefined)
    spec.environment_variables = textMap(y.environment_variables, 'environment_variables', numberText)
  return spec
}

/**
 * A parallel component file's PUT: the version (the YAML's as written, else `resolver.nextVersion`), the references
 * resolved through `resolver` (task.code, then task.environment), and the `ComponentVersion` body.
 */
export async function toParallelComponentRestBody(
  read: ParallelComponentRead,
  resolver: ComponentResolver
): Promise<ComponentRestRequest> {
  const y = read.yaml
  if (y.name === undefined) throw new Error('an anonymous parallel component has no file of its own to register')
  const head = { ...y, name: y.name }
  const numberText = numberTextUnder(read.source, read.at)
  const version = await componentVersion(head, numberText, resolver)
  const refs = await resolveComponentReferences(read.references, resolver)
  return componentRequest(head, version, parallelComponentSpec(read, refs, version), numberText)
}
