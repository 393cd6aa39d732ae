/**
 * A read sweep job → the body of `PUT {WS}/jobs/{name}?api-version=2024-04-01` (`Jobs_CreateOrUpdate`, mfe.json
 * `SweepJob`, which extends `JobBase`), as azure-ai-ml 1.4 writes it (`entities/_job/sweep/sweep_job.py`
 * `_to_rest_object`, `search_space.py`, `sampling_algorithm.py`, `early_termination_policy.py`, `objective.py`,
 * `job_limits.py` `SweepJobLimits`); the fixtures in `__tests__/jobs/sweep/fixtures/*.sdk.json` are the SDK's bodies for
 * the same files:
 * - `searchSpace`: each entry `[type, [args]]`, `choice` as `["choice", [[values...]]]` (a value that is a mapping has
 *   its nested search spaces written the same way; they are not checked further), `randint` `[upper]`,
 *   `(log)uniform` `[min, max]`, `q(log)uniform` `[min, max, q]`, `(log)normal` `[mu, sigma]`, `q(log)normal`
 *   `[mu, sigma, q]`;
 * - `samplingAlgorithm`: `{samplingAlgorithmType: Random|Grid|Bayesian}`, random with `seed` and `rule` (the SDK sends
 *   the rule and `objective.goal` in snake case, `sobol`, `minimize`: the service reads enums case-insensitively);
 * - `earlyTermination`: `{policyType: Bandit|MedianStopping|TruncationSelection, evaluationInterval, delayEvaluation}`
 *   (0 when not written, as the SDK's defaults), Bandit with `slackFactor` and `slackAmount` (0 by default),
 *   truncation with `truncationPercentage`;
 * - `limits`: `{jobLimitsType: Sweep, maxTotalTrials, maxConcurrentTrials, timeout, trialTimeout}` (seconds → ISO);
 * - `trial`: `TrialComponent` with the code and environment resolved as a command job's (`resolveReferences`: one
 *   place for uploads and registrations), the command as written (`${{search_space.x}}` is replaced by the service).
 * Like the SDK, `isArchived`, `properties`, `tags`, `inputs`, `outputs`, the trial's `environmentVariables` and its
 * `resources.properties` are always sent.
 */
import { fieldAt, numberTextAt } from '../../cli-yaml/load.js'
import { textMap } from '../../cli-yaml/text.js'
import { isoDuration } from '../../arm/duration.js'
import { resolveReferences, type ReferenceResolver } from '../yaml/references.js'
import {
  buildCommandJobBody,
  inputsRest,
  outputsRest,
  type CommandJobProperties,
  type JobInputRest,
  type JobOutputRest,
  type JobRestOptions
} from '../yaml/to-rest.js'
import { samplingType, SEARCH_SPACE_TYPES, type SearchSpaceYaml, type SweepJobRead } from './read.js'

/** mfe.json `SweepJob` (with `JobBase`), the fields this action sends. */
export interface SweepJobProperties {
  jobType: 'Sweep'
  displayName: string
  experimentName: string
  description?: string
  isArchived: false
  tags: Record<string, string>
  properties: Record<string, string>
  computeId?: string
  identity?: CommandJobProperties['identity']
  inputs: Record<string, JobInputRest>
  outputs: Record<string, JobOutputRest>
  searchSpace: Record<string, unknown[]>
  samplingAlgorithm: { samplingAlgorithmType: 'Random' | 'Grid' | 'Bayesian'; seed?: number; rule?: string }
  objective: { goal: string; primaryMetric: string }
  limits: {
    jobLimitsType: 'Sweep'
    maxTotalTrials: number
    maxConcurrentTrials?: number
    timeout?: string
    trialTimeout?: string
  }
  earlyTermination?: {
    policyType: 'Bandit' | 'MedianStopping' | 'TruncationSelection'
    evaluationInterval: number
    delayEvaluation: number
    slackFactor?: number
    slackAmount?: number
    truncationPercentage?: number
  }
  trial: {
    command: string
    codeId?: string
    environmentId: string
    environmentVariables: Record<string, string>
    resources?: CommandJobProperties['resources']
    distribution?: CommandJobProperties['distribution']
  }
}

/** A search space entry as REST carries it (`[type, [args]]`). */
export function searchSpaceRest(space: SearchSpaceYaml): unknown[] {
  switch (space.type) {
    case 'choice':
      // A choice of mappings may nest search spaces in their values (azure-ai-ml `Choice._to_rest_object`).
      return ['choice', [space.values.map(v => (isObject(v) ? nestedRest(v) : v))]]
    case 'randint':
      return ['randint', [space.upper]]
    case 'uniform':
    case 'loguniform':
      return [space.type, [space.min_value, space.max_value]]
    case 'quniform':
    case 'qloguniform':
      return [space.type, [space.min_value, space.max_value, space.q]]
    case 'normal':
    case 'lognormal':
      return [space.type, [space.mu, space.sigma]]
    case 'qnormal':
    case 'qlognormal':
      return [space.type, [space.mu, space.sigma, space.q]]
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** A mapping inside a `choice`: each value that is a search space (an object with a known `type`) as REST. */
function nestedRest(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      k,
      isObject(v) && typeof v.type === 'string' && SEARCH_SPACE_TYPES.includes(v.type as SearchSpaceYaml['type'])
        ? searchSpaceRest(v as SearchSpaceYaml)
        : v
    ])
  )
}

const SAMPLING = { random: 'Random', grid: 'Grid', bayesian: 'Bayesian' } as const
const POLICY = {
  bandit: 'Bandit',
  median_stopping: 'MedianStopping',
  truncation_selection: 'TruncationSelection'
} as const

/** Resolve the trial's code and environment, the compute and the inputs through `resolver`, and build the body. */
export async function toSweepRestBody(
  read: SweepJobRead,
  resolver: ReferenceResolver,
  options: JobRestOptions
): Promise<{ properties: SweepJobProperties }> {
  const { job, source } = read
  const numberText = (path: readonly (string | number)[]) => numberTextAt(source, path)
  const resolved = await resolveReferences(read.references, resolver, fieldAt(source, ['compute']))
  // The trial's resources and distribution, and the sweep's identity, are written as a command job's (one place).
  const command = buildCommandJobBody(
    {
      command: job.trial.command,
      environment: '',
      resources: job.trial.resources,
      distribution: job.trial.distribution,
      identity: job.identity
    },
    resolved,
    options
  ).properties
  const p: SweepJobProperties = {
    jobType: 'Sweep',
    displayName: job.display_name ?? options.jobName,
    experimentName: options.experimentName ?? job.experiment_name ?? options.defaultExperimentName,
    isArchived: false,
    tags: { ...textMap(job.tags, 'tags', numberText), ...options.extraTags },
    properties: textMap(job.properties, 'properties', numberText) ?? {},
    inputs: inputsRest(job.inputs, resolved.inputUris, numberText) ?? {},
    outputs: outputsRest(job.outputs) ?? {},
    searchSpace: Object.fromEntries(Object.entries(job.search_space).map(([k, v]) => [k, searchSpaceRest(v)])),
    samplingAlgorithm: { samplingAlgorithmType: SAMPLING[samplingType(job.sampling_algorithm)] },
    objective: { goal: job.objective.goal, primaryMetric: job.objective.primary_metric },
    limits: { jobLimitsType: 'Sweep', maxTotalTrials: job.limits.max_total_trials },
    trial: {
      command: job.trial.command,
      environmentId: resolved.environmentId,
      environmentVariables:
        textMap(job.trial.environment_variables, ['trial', 'environment_variables'], numberText) ?? {}
    }
  }
  if (job.description !== undefined) p.description = job.description
  if (resolved.computeId !== undefined) p.computeId = resolved.computeId
  if (resolved.codeId !== undefined) p.trial.codeId = resolved.codeId
  // azure-ai-ml's JobResourceConfiguration always carries `properties` ({} when none).
  if (command.resources) p.trial.resources = { ...command.resources, properties: command.resources.properties ?? {} }
  if (command.distribution) p.trial.distribution = command.distribution
  if (command.identity) p.identity = command.identity
  const s = job.sampling_algorithm
  if (typeof s === 'object' && s.type === 'random') {
    if (s.seed !== undefined) p.samplingAlgorithm.seed = s.seed
    if (s.rule !== undefined) p.samplingAlgorithm.rule = s.rule
  }
  const l = job.limits
  if (l.max_concurrent_trials !== undefined) p.limits.maxConcurrentTrials = l.max_concurrent_trials
  if (l.timeout !== undefined) p.limits.timeout = isoDuration(l.timeout)
  if (l.trial_timeout !== undefined) p.limits.trialTimeout = isoDuration(l.trial_timeout)
  const e = job.early_termination
  if (e) {
    const policy: NonNullable<SweepJobProperties['earlyTermination']> = {
      policyType: POLICY[e.type],
      evaluationInterval: e.evaluation_interval ?? 0,
      delayEvaluation: e.delay_evaluation ?? 0
    }
    if (e.type === 'bandit') {
      policy.slackFactor = e.slack_factor ?? 0
      policy.slackAmount = e.slack_amount ?? 0
    }
    if (e.type === 'truncation_selection') policy.truncationPercentage = e.truncation_percentage
    p.earlyTermination = policy
  }
  return { properties: p }
}
