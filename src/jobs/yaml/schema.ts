/**
 * The JSON Schema (draft-07) of a CLI v2 **command job** YAML, compiled with ajv (`allErrors`); ajv's errors become one
 * readable line each, `file:line: field.path: what is expected`, by the shared machinery in `src/cli-yaml/schema.ts`.
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
 * `type: sweep` / `type: pipeline` (and the other job types) are refused before the schema runs, naming field `type`;
 * `type` is read without regard to case (`type: Command` is a command job).
 */
import { problemAt, type FieldPath, type YamlSource } from '../../cli-yaml/load.js'
import {
  compileYamlSchema,
  normalizeEnumAt,
  schemaProblems,
  SCALAR_MAP_SCHEMA,
  SCALAR_SCHEMA,
  type Scalar
} from '../../cli-yaml/schema.js'
import { ENVIRONMENT_OBJECT_SCHEMA, type EnvironmentYaml } from '../../cli-yaml/environment-yaml.js'
import { JobYamlError } from './errors.js'

export type { Scalar, EnvironmentYaml }

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
export type DistributionYaml =
  | { type: 'pytorch'; process_count_per_instance?: number }
  | { type: 'mpi'; process_count_per_instance?: number }
  | { type: 'tensorflow'; worker_count?: number; parameter_server_count?: number }
export type IdentityYaml =
  | { type: 'user_identity' }
  | { type: 'aml_token' }
  | { type: 'managed'; client_id?: string; object_id?: string; resource_id?: string }
/**
 * A `services` entry. `type` as the newest azure-ai-ml reads it (`_schema/job/services.py`: one schema per public type,
 * `log_dir` only on tensor_board, `ssh_public_keys` only on ssh, any other text through the generic schema), or
 * `job_service_type` as azure-ai-ml 1.4 reads it; `endpoint`, `status` and `error_message` are read-only (dump_only
 * there): accepted and not sent.
 */
export interface ServiceYaml {
  type?: string
  job_service_type?: string
  port?: number
  nodes?: 'all'
  endpoint?: string
  status?: string
  error_message?: string
  properties?: Record<string, Scalar>
  log_dir?: string
  ssh_public_keys?: string
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

const scalar = SCALAR_SCHEMA
const scalarMap = SCALAR_MAP_SCHEMA
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

const serviceBase = {
  port: { type: 'integer', minimum: 1, maximum: 65535 },
  nodes: { const: 'all', hint: "'all' (run the service on every node), or leave it out (the head node only)" },
  endpoint: { type: 'string' },
  status: { type: 'string' },
  error_message: { type: 'string' },
  properties: scalarMap
}
/** A service: its fields depend on `type` (see ServiceYaml). */
const service = {
  type: ['object', 'null'],
  properties: {
    type: { type: 'string' },
    job_service_type: { enum: ['jupyter_lab', 'ssh', 'tensor_board', 'vs_code', 'custom', 'Tracking', 'Studio'] }
  },
  allOf: [
    {
      if: { type: 'object', properties: { type: { const: 'tensor_board' } }, required: ['type'] },
      then: {
        type: 'object',
        properties: { type: {}, ...serviceBase, log_dir: { type: 'string' } },
        additionalProperties: false,
        fieldOf: { ssh_public_keys: 'ssh' }
      },
      else: {
        if: { type: 'object', properties: { type: { const: 'ssh' } }, required: ['type'] },
        then: {
          type: 'object',
          properties: { type: {}, ...serviceBase, ssh_public_keys: { type: 'string' } },
          additionalProperties: false,
          fieldOf: { log_dir: 'tensor_board' }
        },
        else: {
          type: ['object', 'null'],
          properties: { type: {}, job_service_type: {}, ...serviceBase },
          additionalProperties: false,
          // `type: tensorboard` with a log_dir: the error points at the type (did you mean tensor_board?).
          fieldOf: { log_dir: 'tensor_board', ssh_public_keys: 'ssh' }
        }
      }
    }
  ]
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
    environment: { if: { type: 'string' }, then: { type: 'string', minLength: 1 }, else: ENVIRONMENT_OBJECT_SCHEMA },
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
      additionalProperties: service
    },
    queue_settings: {
      type: 'object',
      properties: { job_tier: { enum: [...JOB_TIERS] }, priority: { enum: ['low', 'medium', 'high'] } },
      additionalProperties: false
    }
  },
  additionalProperties: false
} as const

const validateCommandJob = compileYamlSchema(COMMAND_JOB_SCHEMA)

/** Job types `az ml` knows that this action does not run (yet). */
const OTHER_TYPES: Record<string, string> = {
  sweep: 'sweep jobs are not supported yet (only type: command)',
  automl: 'AutoML jobs are not supported (only type: command)',
  spark: 'Spark jobs are not supported (only type: command)',
  parallel: 'parallel jobs are not supported (only type: command)'
}

/**
 * Check `data` (the YAML as plain values, after `set` lines) against the command job schema; throw a JobYamlError
 * naming every problem, else return it typed.
 */
export function validateCommandJobSchema(data: unknown, source: YamlSource): CommandJobYaml {
  // `type: Command` is read as `command`: the job schema's type field is a StringTransformedEnum (azure-ai-ml
  // `_schema/core/fields.py`, lower-cased before the check) and CLI versions took it (Azure/azure-cli-extensions#4207);
  // azure-ai-ml 1.4's `Job._resolve_cls_and_type` compares the text exactly and refuses it.
  normalizeEnumAt(data, ['type'])
  // A service's type is a StringTransformedEnum too (lower-cased: `type: VS_Code` is vs_code).
  const services = (data as { services?: unknown } | null)?.services
  if (services && typeof services === 'object' && !Array.isArray(services))
    for (const name of Object.keys(services)) normalizeEnumAt(services, [name, 'type'])
  const type = (data as { type?: unknown } | null)?.type
  if (typeof type === 'string' && type !== 'command') {
    const detail = OTHER_TYPES[type] ?? `unknown job type '${type}' (this action runs type: command)`
    throw new JobYamlError([problemAt(source, ['type'], detail)])
  }
  const problems = schemaProblems(validateCommandJob, data, source)
  if (problems.length) throw new JobYamlError(problems)
  return data as CommandJobYaml
}

export type { FieldPath }
