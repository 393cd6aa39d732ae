/**
 * The reading half of the sweep job type (`type: sweep`): the YAML (its `set` lines applied) checked against the
 * schema of azure-ai-ml 1.4's `SweepJobSchema` (`_schema/_sweep/sweep_job.py`, `parameterized_sweep.py`,
 * `sweep_sampling_algorithm.py`, `sweep_termination.py`, `sweep_objective.py`, `search_space/*.py`,
 * `_schema/job/parameterized_command.py` for `trial`, `_schema/job/job_limits.py` `SweepJobLimitsSchema`), then the
 * checks beyond it, every problem as `file:line: field: ...` before anything is sent:
 * - the trial's code, environment, the sweep's compute and asset inputs parsed by the command job's reader
 *   (`checkCommandReferences`: one place for what a command's references are);
 * - `${{inputs.x}}` / `${{outputs.y}}` in `trial.command` name the sweep's inputs and outputs (`checkCommandBindings`),
 *   and `${{search_space.x}}` names a search space entry;
 * - the rules the service applies at submit (azure-ai-ml 1.4 does not check them): grid sampling takes only `choice`
 *   (https://learn.microsoft.com/azure/machine-learning/how-to-tune-hyperparameters "Grid sampling ... can only be used
 *   with choice hyperparameters"); Bayesian sampling takes only `choice`, `uniform` and `quniform` and no early
 *   termination (azureml-train-core `BayesianParameterSampling` docs:
 *   https://learn.microsoft.com/python/api/azureml-train-core/azureml.train.hyperdrive.bayesianparametersampling).
 *
 * Units: `limits.timeout` and `limits.trial_timeout` in seconds (integers), sent as ISO 8601 durations.
 */
import { problemAt, type FieldPath, type YamlProblem, type YamlSource } from '../../cli-yaml/load.js'
import { compileYamlSchema, normalizeEnumAt, schemaProblems, type Scalar } from '../../cli-yaml/schema.js'
import { byLocation } from '../../cli-yaml/load.js'
import { JobYamlError, asJobYamlError } from '../yaml/errors.js'
import { checkCommandReferences } from '../yaml/index.js'
import type { JobReferences } from '../yaml/references.js'
import { COMMAND_JOB_SCHEMA, type CommandJobYaml } from '../yaml/schema.js'
import { checkCommandBindings } from '../yaml/to-rest.js'

/** A search space entry, as written (azure-ai-ml `entities/_job/sweep/search_space.py`). */
export type SearchSpaceYaml =
  | { type: 'choice'; values: (Scalar | Record<string, unknown>)[] }
  | { type: 'randint'; upper: number }
  | { type: 'uniform' | 'loguniform'; min_value: number; max_value: number }
  | { type: 'quniform' | 'qloguniform'; min_value: number; max_value: number; q: number }
  | { type: 'normal' | 'lognormal'; mu: number; sigma: number }
  | { type: 'qnormal' | 'qlognormal'; mu: number; sigma: number; q: number }

export type SamplingAlgorithmYaml =
  | 'random'
  | 'grid'
  | 'bayesian'
  | { type: 'random'; seed?: number; rule?: 'random' | 'sobol' }
  | { type: 'grid' | 'bayesian' }

export type EarlyTerminationYaml = { evaluation_interval?: number; delay_evaluation?: number } & (
  | { type: 'bandit'; slack_factor?: number; slack_amount?: number }
  | { type: 'median_stopping' }
  | { type: 'truncation_selection'; truncation_percentage: number }
)

/** A validated sweep job, as written (snake_case), after the `set` lines. */
export interface SweepJobYaml {
  $schema?: string
  type: 'sweep'
  name?: string
  display_name?: string
  experiment_name?: string
  description?: string
  tags?: Record<string, Scalar | null>
  properties?: Record<string, Scalar | null>
  compute?: string
  inputs?: CommandJobYaml['inputs']
  outputs?: CommandJobYaml['outputs']
  identity?: CommandJobYaml['identity']
  trial: Pick<
    CommandJobYaml,
    'command' | 'code' | 'environment' | 'environment_variables' | 'resources' | 'distribution'
  >
  sampling_algorithm: SamplingAlgorithmYaml
  search_space: Record<string, SearchSpaceYaml>
  objective: { goal: 'minimize' | 'maximize'; primary_metric: string }
  limits: { max_total_trials: number; max_concurrent_trials?: number; timeout?: number; trial_timeout?: number }
  early_termination?: EarlyTerminationYaml
}

/** A sweep job YAML read and checked: ready for `toSweepRestBody`. */
export interface SweepJobRead {
  job: SweepJobYaml
  file: string
  source: YamlSource
  /** The trial's code and environment, the compute and the asset inputs, parsed (local paths checked). */
  references: JobReferences
  /** Fields taken but not sent (none for a sweep today): see `JobYamlRead.warnings`. */
  warnings?: string[]
}

const P = COMMAND_JOB_SCHEMA.properties
const NUMBER = { type: 'number' }
const INTEGER = { type: 'integer' }

/** Each search space type and its fields (all required), as azure-ai-ml's `search_space/*.py` schemas have them. */
const SPACE_FIELDS: Record<SearchSpaceYaml['type'], Record<string, object>> = {
  choice: {
    values: {
      type: 'array',
      minItems: 1,
      items: { type: ['string', 'number', 'boolean', 'object'] },
      hint: 'a list of values, like [0.01, 0.1] or [rbf, linear]'
    }
  },
  randint: { upper: INTEGER },
  uniform: { min_value: NUMBER, max_value: NUMBER },
  loguniform: { min_value: NUMBER, max_value: NUMBER },
  quniform: { min_value: NUMBER, max_value: NUMBER, q: NUMBER },
  qloguniform: { min_value: NUMBER, max_value: NUMBER, q: NUMBER },
  normal: { mu: NUMBER, sigma: NUMBER },
  lognormal: { mu: NUMBER, sigma: NUMBER },
  qnormal: { mu: NUMBER, sigma: NUMBER, q: NUMBER },
  qlognormal: { mu: NUMBER, sigma: NUMBER, q: NUMBER }
}
export const SEARCH_SPACE_TYPES = Object.keys(SPACE_FIELDS) as SearchSpaceYaml['type'][]

/** A discriminated object: `type` from `types`, then for each type its own fields (unknown fields refused). */
function byType(types: Record<string, Record<string, object>>, required: Record<string, string[]> = {}) {
  return {
    type: 'object',
    required: ['type'],
    properties: { type: { enum: Object.keys(types) } },
    allOf: Object.entries(types).map(([type, fields]) => ({
      if: { type: 'object', properties: { type: { const: type } }, required: ['type'] },
      then: {
        type: 'object',
        required: required[type] ?? [],
        properties: { type: {}, ...fields },
        additionalProperties: false
      }
    }))
  }
}

const POLICY = {
  evaluation_interval: { type: 'integer', minimum: 0 },
  delay_evaluation: { type: 'integer', minimum: 0 }
}

/** The sweep job schema (draft-07). */
export const SWEEP_JOB_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  required: ['type', 'trial', 'sampling_algorithm', 'search_space', 'objective', 'limits'],
  properties: {
    $schema: P.$schema,
    type: { const: 'sweep' },
    name: P.name,
    display_name: P.display_name,
    experiment_name: P.experiment_name,
    description: P.description,
    tags: P.tags,
    properties: P.properties,
    compute: P.compute,
    inputs: P.inputs,
    outputs: P.outputs,
    identity: P.identity,
    trial: {
      type: 'object',
      required: ['command', 'environment'],
      properties: {
        command: P.command,
        code: P.code,
        environment: P.environment,
        environment_variables: P.environment_variables,
        resources: P.resources,
        distribution: P.distribution
      },
      additionalProperties: false
    },
    sampling_algorithm: {
      if: { type: 'string' },
      then: { enum: ['random', 'grid', 'bayesian'] },
      else: byType({
        random: { seed: INTEGER, rule: { enum: ['random', 'sobol'] } },
        grid: {},
        bayesian: {}
      })
    },
    search_space: {
      type: 'object',
      minProperties: 1,
      propertyNames: {
        pattern: '^[a-zA-Z_][a-zA-Z0-9_]*$',
        hint: 'letters, digits and underscores, not starting with a digit (azure-ai-ml validate_key_contains_allowed_characters)'
      },
      additionalProperties: byType(
        SPACE_FIELDS,
        Object.fromEntries(SEARCH_SPACE_TYPES.map(t => [t, Object.keys(SPACE_FIELDS[t])]))
      )
    },
    objective: {
      type: 'object',
      required: ['goal', 'primary_metric'],
      properties: { goal: { enum: ['minimize', 'maximize'] }, primary_metric: { type: 'string', minLength: 1 } },
      additionalProperties: false
    },
    limits: {
      type: 'object',
      required: ['max_total_trials'],
      properties: {
        max_total_trials: { type: 'integer', minimum: 1 },
        max_concurrent_trials: { type: 'integer', minimum: 1 },
        timeout: { type: 'integer', minimum: 1, hint: 'a whole number of seconds' },
        trial_timeout: { type: 'integer', minimum: 1, hint: 'a whole number of seconds' }
      },
      additionalProperties: false
    },
    early_termination: byType(
      {
        bandit: { ...POLICY, slack_factor: NUMBER, slack_amount: NUMBER },
        median_stopping: POLICY,
        truncation_selection: { ...POLICY, truncation_percentage: { type: 'integer', minimum: 1, maximum: 99 } }
      },
      { truncation_selection: ['truncation_percentage'] }
    )
  },
  additionalProperties: false
} as const

const validateSweepJob = compileYamlSchema(SWEEP_JOB_SCHEMA)

/** The sampling algorithm's type (`random`, `grid`, `bayesian`), whichever form it is written in. */
export function samplingType(s: SamplingAlgorithmYaml): 'random' | 'grid' | 'bayesian' {
  return typeof s === 'string' ? s : s.type
}

/** The service's submit-time rules on sampling, search space and early termination (see the module comment). */
function samplingProblems(job: SweepJobYaml, source: YamlSource): YamlProblem[] {
  const problems: YamlProblem[] = []
  const sampling = samplingType(job.sampling_algorithm)
  const allowed: Record<string, readonly string[]> = { grid: ['choice'], bayesian: ['choice', 'uniform', 'quniform'] }
  const only = allowed[sampling]
  if (only) {
    for (const [name, space] of Object.entries(job.search_space)) {
      if (only.includes(space.type)) continue
      problems.push(
        problemAt(
          source,
          ['search_space', name, 'type'],
          `${sampling} sampling takes only ${only.join(', ')} (got ${space.type}): ` +
            (sampling === 'grid'
              ? 'list the values to try with type: choice, or use sampling_algorithm: random'
              : 'use one of those, or sampling_algorithm: random')
        )
      )
    }
  }
  if (sampling === 'bayesian' && job.early_termination)
    problems.push(
      problemAt(
        source,
        ['early_termination'],
        'Bayesian sampling takes no early termination policy: remove early_termination, or use sampling_algorithm: random'
      )
    )
  return problems
}

/** Every `${{search_space.x}}` in the trial's command names an entry of `search_space`. */
function searchSpaceBindings(job: SweepJobYaml, source: YamlSource): YamlProblem[] {
  const problems: YamlProblem[] = []
  const names = Object.keys(job.search_space)
  for (const m of job.trial.command.matchAll(/\$\{\{\s*search_space\.([\w.-]+)\s*\}\}/g)) {
    if (Object.hasOwn(job.search_space, m[1])) continue
    problems.push(
      problemAt(
        source,
        ['trial', 'command'],
        `'${m[0]}' names no entry of search_space (search_space: ${names.join(', ')})`
      )
    )
  }
  return problems
}

/**
 * Validate and check a sweep job already parsed (`loadJobSource`, `set` lines applied); `JobYamlError` listing every
 * problem (`file:line: field: ...`).
 */
export function readSweepJob(source: YamlSource): SweepJobRead {
  try {
    const data = source.doc.toJS() as unknown
    // azure-ai-ml's StringTransformedEnum reads these case-insensitively (`Random`, `MINIMIZE`).
    for (const path of [['type'], ['sampling_algorithm'], ['sampling_algorithm', 'type'], ['objective', 'goal']])
      normalizeEnumAt(data, path)
    normalizeEnumAt(data, ['sampling_algorithm', 'rule'], 'camelToSnake')
    normalizeEnumAt(data, ['early_termination', 'type'], 'camelToSnake')
    const spaces = (data as { search_space?: unknown }).search_space
    if (spaces && typeof spaces === 'object')
      for (const name of Object.keys(spaces)) normalizeEnumAt(data, ['search_space', name, 'type'])
    const schema = schemaProblems(validateSweepJob, data, source)
    if (schema.length) throw new JobYamlError(schema)
    const job = data as SweepJobYaml
    const problems: YamlProblem[] = []
    const references = checkCommandReferences(
      { ...job.trial, compute: job.compute, inputs: job.inputs },
      source,
      problems,
      ['trial']
    )
    problems.push(
      ...checkCommandBindings({ ...job.trial, inputs: job.inputs, outputs: job.outputs }, source, ['trial', 'command'])
    )
    problems.push(...searchSpaceBindings(job, source), ...samplingProblems(job, source))
    if (problems.length) throw new JobYamlError(problems.sort(byLocation))
    return { job, file: source.file, source, references }
  } catch (e) {
    throw asJobYamlError(e)
  }
}

export type { FieldPath }
