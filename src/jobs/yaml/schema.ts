/**
 * The JSON Schema (draft-07) of a CLI v2 **command job** YAML, compiled with ajv (`allErrors`), and ajv's errors turned
 * into one readable line each: `file:line: field.path: what is expected`.
 *
 * Source of the fields: Azure's published `commandJob` schema
 * (`https://azuremlschemas.azureedge.net/latest/commandJob.schema.json`) as generated from azure-ai-ml's marshmallow
 * schemas (`_schema/job/command_job.py`, `_schema/job/input_output_entry.py`, `_schema/assets/environment.py`,
 * `_schema/job/distribution.py`, `_schema/job/identity.py`, `_schema/job_resource_configuration.py`,
 * `_schema/queue_settings.py`, `_schema/job/job_limits.py`). Like `az ml`, unknown fields are errors at the top level and
 * in every known nested object (`additionalProperties: false`). Values that REST carries as strings (tags, properties,
 * environment variables) may be any scalar, as in the CLI, and are sent as text.
 *
 * Units: `limits.timeout` in seconds (integer); `resources.shm_size` as `<number><b|k|m|g>` (the REST pattern
 * `\d+[bBkKmMgG]`, mfe.json `JobResourceConfiguration.shmSize`).
 *
 * `type: sweep` / `type: pipeline` (and the other job types) are refused before the schema runs, naming field `type`.
 */
import { Ajv, type ErrorObject } from 'ajv'
import { byLocation, JobYamlError, problemAt, type FieldPath, type YamlProblem, type YamlSource } from './load.js'

export type Scalar = string | number | boolean

export const ASSET_INPUT_TYPES = [
  'uri_file',
  'uri_folder',
  'mltable',
  'custom_model',
  'mlflow_model',
  'triton_model'
] as const
export const LITERAL_INPUT_TYPES = ['integer', 'number', 'string', 'boolean'] as const
export const INPUT_MODES = [
  'ro_mount',
  'rw_mount',
  'download',
  'direct',
  'eval_mount',
  'eval_download',
  'mount'
] as const
export const OUTPUT_MODES = ['rw_mount', 'upload', 'direct', 'mount'] as const
export const SERVICE_TYPES = ['jupyter_lab', 'ssh', 'tensor_board', 'vs_code', 'custom'] as const
export const JOB_TIERS = ['null', 'spot', 'basic', 'standard', 'premium'] as const

export type AssetInputType = (typeof ASSET_INPUT_TYPES)[number]
export type LiteralInputType = (typeof LITERAL_INPUT_TYPES)[number]

export interface InputYaml {
  type?: AssetInputType | LiteralInputType
  path?: string
  mode?: (typeof INPUT_MODES)[number]
  default?: Scalar
  value?: Scalar
  description?: string
  optional?: boolean
}
export interface OutputYaml {
  type?: AssetInputType
  mode?: (typeof OUTPUT_MODES)[number]
  path?: string
  name?: string
  version?: string
  description?: string
}
export interface EnvironmentYaml {
  image?: string
  /** A path (relative to the job YAML) or the conda specification inline. */
  conda_file?: string | Record<string, unknown>
  build?: { path: string; dockerfile_path?: string }
  name?: string
  version?: string | number
  description?: string
  tags?: Record<string, Scalar>
}
export type DistributionYaml =
  | { type: 'pytorch'; process_count_per_instance?: number }
  | { type: 'mpi'; process_count_per_instance?: number }
  | { type: 'tensorflow'; worker_count?: number; parameter_server_count?: number }
export type IdentityYaml =
  | { type: 'user_identity' }
  | { type: 'aml_token' }
  | { type: 'managed'; client_id?: string; object_id?: string; resource_id?: string }
export interface ServiceYaml {
  type?: (typeof SERVICE_TYPES)[number]
  port?: number
  nodes?: 'all'
  endpoint?: string
  properties?: Record<string, Scalar>
}

/** A validated command job, as written in the YAML (snake_case). */
export interface CommandJobYaml {
  $schema?: string
  type?: 'command'
  name?: string
  display_name?: string
  experiment_name?: string
  description?: string
  tags?: Record<string, Scalar | null>
  properties?: Record<string, Scalar | null>
  command: string
  code?: string
  environment: string | EnvironmentYaml
  compute?: string
  inputs?: Record<string, Scalar | InputYaml | null>
  outputs?: Record<string, OutputYaml | null>
  environment_variables?: Record<string, Scalar | null>
  resources?: {
    instance_count?: number
    instance_type?: string
    shm_size?: string
    docker_args?: string
    properties?: Record<string, unknown>
  }
  distribution?: DistributionYaml
  limits?: { timeout?: number }
  identity?: IdentityYaml
  services?: Record<string, ServiceYaml | null>
  queue_settings?: { job_tier?: (typeof JOB_TIERS)[number]; priority?: 'low' | 'medium' | 'high' }
}

const scalar = { type: ['string', 'number', 'boolean'] }
const scalarMap = { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean', 'null'] } }
const NAME_HINT =
  'letters, digits and underscores, not starting with a digit (azure-ai-ml validate_key_contains_allowed_characters)'

const distribution = {
  type: 'object',
  required: ['type'],
  properties: { type: { enum: ['pytorch', 'mpi', 'tensorflow'] } },
  allOf: [
    {
      if: { type: 'object', properties: { type: { enum: ['pytorch', 'mpi'] } }, required: ['type'] },
      then: {
        type: 'object',
        properties: { type: {}, process_count_per_instance: { type: 'integer', minimum: 1 } },
        additionalProperties: false
      }
    },
    {
      if: { type: 'object', properties: { type: { const: 'tensorflow' } }, required: ['type'] },
      then: {
        type: 'object',
        properties: {
          type: {},
          worker_count: { type: 'integer', minimum: 1 },
          parameter_server_count: { type: 'integer', minimum: 0 }
        },
        additionalProperties: false
      }
    }
  ]
}

const identity = {
  type: 'object',
  required: ['type'],
  properties: { type: { enum: ['user_identity', 'managed', 'aml_token'] } },
  allOf: [
    {
      if: { type: 'object', properties: { type: { const: 'managed' } }, required: ['type'] },
      then: {
        type: 'object',
        properties: {
          type: {},
          client_id: { type: 'string' },
          object_id: { type: 'string' },
          resource_id: { type: 'string' }
        },
        additionalProperties: false
      },
      else: { type: 'object', properties: { type: {} }, additionalProperties: false }
    }
  ]
}

const environmentObject = {
  type: 'object',
  properties: {
    image: { type: 'string', minLength: 1 },
    conda_file: { type: ['string', 'object'] },
    build: {
      type: 'object',
      required: ['path'],
      properties: { path: { type: 'string', minLength: 1 }, dockerfile_path: { type: 'string', minLength: 1 } },
      additionalProperties: false
    },
    name: { type: 'string', minLength: 1 },
    version: { type: ['string', 'integer'] },
    description: { type: 'string' },
    tags: scalarMap
  },
  additionalProperties: false
}

/** The command job schema (draft-07). */
export const COMMAND_JOB_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  required: ['command', 'environment'],
  properties: {
    $schema: { type: 'string' },
    type: { const: 'command' },
    name: {
      type: 'string',
      pattern: '^[a-zA-Z0-9][a-zA-Z0-9\\-_]{0,254}$',
      hint: 'a job name: letters, digits, - and _, starting with a letter or digit, at most 255 characters (mfe.json Jobs_CreateOrUpdate id)'
    },
    display_name: { type: 'string' },
    experiment_name: { type: 'string', minLength: 1 },
    description: { type: 'string' },
    tags: scalarMap,
    properties: scalarMap,
    command: { type: 'string', minLength: 1 },
    code: { type: 'string', minLength: 1 },
    environment: { if: { type: 'string' }, then: { type: 'string', minLength: 1 }, else: environmentObject },
    compute: { type: 'string', minLength: 1 },
    inputs: {
      type: 'object',
      propertyNames: { pattern: '^[a-zA-Z_][a-zA-Z0-9_]*$', hint: NAME_HINT },
      additionalProperties: {
        if: { type: 'object' },
        then: {
          type: 'object',
          properties: {
            type: { enum: [...ASSET_INPUT_TYPES, ...LITERAL_INPUT_TYPES] },
            path: { type: 'string', minLength: 1 },
            mode: { enum: [...INPUT_MODES] },
            default: scalar,
            value: scalar,
            description: { type: 'string' },
            optional: { type: 'boolean' }
          },
          additionalProperties: false
        },
        else: { type: ['string', 'number', 'boolean', 'null'] }
      }
    },
    outputs: {
      type: 'object',
      propertyNames: { pattern: '^[a-zA-Z_][a-zA-Z0-9_]*$', hint: NAME_HINT },
      additionalProperties: {
        type: ['object', 'null'],
        properties: {
          type: { enum: [...ASSET_INPUT_TYPES] },
          mode: { enum: [...OUTPUT_MODES] },
          path: { type: 'string', minLength: 1 },
          name: { type: 'string', minLength: 1 },
          version: { type: ['string', 'integer'] },
          description: { type: 'string' }
        },
        additionalProperties: false
      }
    },
    environment_variables: scalarMap,
    resources: {
      type: 'object',
      properties: {
        instance_count: { type: 'integer', minimum: 1 },
        instance_type: { type: 'string', minLength: 1 },
        shm_size: {
          type: 'string',
          pattern: '^\\d+[bBkKmMgG]$',
          hint: 'a size like 2g, 512m (number then b, k, m or g)'
        },
        docker_args: { type: 'string' },
        properties: { type: 'object' }
      },
      additionalProperties: false
    },
    distribution,
    limits: {
      type: 'object',
      properties: { timeout: { type: 'integer', minimum: 1, hint: 'a whole number of seconds' } },
      additionalProperties: false
    },
    identity,
    services: {
      type: 'object',
      additionalProperties: {
        type: ['object', 'null'],
        properties: {
          type: { enum: [...SERVICE_TYPES] },
          port: { type: 'integer', minimum: 1, maximum: 65535 },
          nodes: { const: 'all' },
          endpoint: { type: 'string' },
          properties: scalarMap
        },
        additionalProperties: false
      }
    },
    queue_settings: {
      type: 'object',
      properties: { job_tier: { enum: [...JOB_TIERS] }, priority: { enum: ['low', 'medium', 'high'] } },
      additionalProperties: false
    }
  },
  additionalProperties: false
} as const

const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true })
ajv.addVocabulary(['hint'])
const validateCommandJob = ajv.compile(COMMAND_JOB_SCHEMA)

/** Job types `az ml` knows that this action does not run (yet). */
const OTHER_TYPES: Record<string, string> = {
  sweep: 'sweep jobs are not supported yet (only type: command)',
  pipeline: 'pipeline jobs are not supported yet (only type: command)',
  automl: 'AutoML jobs are not supported (only type: command)',
  spark: 'Spark jobs are not supported (only type: command)',
  parallel: 'parallel jobs are not supported (only type: command)'
}

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)])
  for (let j = 1; j <= b.length; j++) d[0][j] = j
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
  }
  return d[a.length][b.length]
}

/** The closest of `candidates` to `word`, if close enough to be a typo. */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined
  let bestD = Infinity
  for (const c of candidates) {
    const dist = distance(word.toLowerCase(), c.toLowerCase())
    if (dist < bestD) [best, bestD] = [c, dist]
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined
}

function pathOf(instancePath: string): (string | number)[] {
  if (!instancePath) return []
  return instancePath
    .slice(1)
    .split('/')
    .map(s => s.replace(/~1/g, '/').replace(/~0/g, '~'))
}

function typeName(v: unknown): string {
  if (v === null) return 'nothing (null)'
  if (Array.isArray(v)) return 'a list'
  if (typeof v === 'object') return 'a mapping'
  if (typeof v === 'string') return `the string '${v}'`
  return `${typeof v === 'number' ? 'the number' : 'the boolean'} ${String(v)}`
}

function valueAt(data: unknown, path: readonly (string | number)[]): unknown {
  let v = data
  for (const p of path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined
  return v
}

const A_TYPE: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  null: 'nothing'
}

/** One ajv error → one located problem (or none, for errors that only repeat another one). */
function toProblem(e: ErrorObject, data: unknown, source: YamlSource): YamlProblem | undefined {
  const path = pathOf(e.instancePath)
  const hint = (e.parentSchema as { hint?: string } | undefined)?.hint
  const value = valueAt(data, path)
  switch (e.keyword) {
    case 'additionalProperties': {
      const field = (e.params as { additionalProperty: string }).additionalProperty
      const known = Object.keys((e.parentSchema as { properties?: object }).properties ?? {})
      const guess = suggest(field, known)
      const detail = guess
        ? `unknown field '${field}' (did you mean '${guess}'?)`
        : `unknown field '${field}' (known fields here: ${known.join(', ')})`
      return problemAt(source, [...path, field], detail)
    }
    case 'required': {
      const field = (e.params as { missingProperty: string }).missingProperty
      return problemAt(source, [...path, field], `missing required field '${field}'`)
    }
    case 'type': {
      const t = (e.params as { type: string | string[] }).type
      const want = (Array.isArray(t) ? t : t.split(','))
        .filter(x => x !== 'null')
        .map(x => A_TYPE[x] ?? x)
        .join(' or ')
      return problemAt(source, path, `expected ${want}, got ${typeName(value)}`)
    }
    case 'enum': {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map(String)
      const guess = typeof value === 'string' ? suggest(value, allowed) : undefined
      return problemAt(
        source,
        path,
        `${typeName(value)} is not one of ${allowed.join(', ')}${guess ? ` (did you mean '${guess}'?)` : ''}`
      )
    }
    case 'const': {
      const allowed = String((e.params as { allowedValue: unknown }).allowedValue)
      return problemAt(source, path, `expected '${allowed}', got ${typeName(value)}`)
    }
    case 'propertyNames': {
      const name = (e.params as { propertyName: string }).propertyName
      const names = (e.parentSchema as { propertyNames?: { hint?: string } }).propertyNames
      return problemAt(source, [...path, name], `invalid name '${name}': ${names?.hint ?? 'not allowed'}`)
    }
    case 'pattern':
      if ((e.params as { propertyName?: string }).propertyName !== undefined || e.propertyName !== undefined)
        return undefined
      return problemAt(
        source,
        path,
        `${typeName(value)} is not ${hint ?? `of the form ${(e.params as { pattern: string }).pattern}`}`
      )
    case 'minLength':
      return problemAt(source, path, 'must not be empty')
    case 'minimum':
    case 'maximum': {
      const { comparison, limit } = e.params as { comparison: string; limit: number }
      return problemAt(source, path, `${typeName(value)} must be ${comparison} ${limit}${hint ? ` (${hint})` : ''}`)
    }
    case 'if':
      return undefined // the failing then/else branch reports the real problem
    default:
      return problemAt(source, path, e.message ?? 'invalid value')
  }
}

/**
 * Check `data` (the YAML as plain values, after `set` lines) against the command job schema; throw a JobYamlError
 * naming every problem, else return it typed.
 */
export function validateCommandJobSchema(data: unknown, source: YamlSource): CommandJobYaml {
  const type = (data as { type?: unknown } | null)?.type
  if (typeof type === 'string' && type !== 'command') {
    const detail = OTHER_TYPES[type] ?? `unknown job type '${type}' (this action runs type: command)`
    throw new JobYamlError([problemAt(source, ['type'], detail)])
  }
  if (validateCommandJob(data)) return data as unknown as CommandJobYaml
  const seen = new Set<string>()
  const problems: YamlProblem[] = []
  for (const e of validateCommandJob.errors ?? []) {
    const p = toProblem(e, data, source)
    if (!p) continue
    const key = `${p.field}\u0000${p.detail}`
    if (seen.has(key)) continue
    seen.add(key)
    problems.push(p)
  }
  if (!problems.length) problems.push(problemAt(source, [], 'does not match the command job schema'))
  throw new JobYamlError(problems.sort(byLocation))
}

export type { FieldPath }
