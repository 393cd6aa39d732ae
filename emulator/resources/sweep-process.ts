/**
 * Sweep jobs that really run (jobs.ts serves them; mfe.json 2024-04-01 `SweepJob`): the checks of the PUT, then the
 * trials, each a child run in run history running the trial's command the way a Command job runs (job-process.ts).
 *
 * The body, as azure-ai-ml 1.4 sends it (`entities/_job/sweep/sweep_job.py` `_to_rest_object`, `search_space.py`):
 * `samplingAlgorithm` (`samplingAlgorithmType` Random (`seed`, `rule` Random/Sobol) / Grid / Bayesian), `searchSpace`
 * (name → `[type, args]`: `["choice", [[v, ...]]]`, `["randint", [upper]]`, `["uniform", [min, max]]`,
 * `["quniform", [min, max, q]]`, `["loguniform", [min, max]]`, `["qloguniform", [min, max, q]]`, `["normal", [mu,
 * sigma]]`, `["qnormal", [mu, sigma, q]]`, `["lognormal", [mu, sigma]]`, `["qlognormal", [mu, sigma, q]]`),
 * `objective` (`goal`, `primaryMetric`), `trial` (`command`, `codeId`, `environmentId`, `environmentVariables`,
 * `distribution`, `resources`), `limits` (`maxTotalTrials`, `maxConcurrentTrials`, `timeout`, `trialTimeout`),
 * `earlyTermination` (`policyType` Bandit/MedianStopping/TruncationSelection, `evaluationInterval`, `delayEvaluation`,
 * `slackFactor`/`slackAmount`, `truncationPercentage`), `inputs`, `outputs`, `computeId`.
 *
 * Sampling follows HyperDrive's documented distributions (https://learn.microsoft.com/azure/machine-learning/
 * how-to-tune-hyperparameters): randint(upper) an integer in [0, upper); loguniform/lognormal `exp()` of
 * uniform/normal; the q forms `round(x / q) * q`. Random with a `seed` samples the same values every time (a seeded
 * generator of the emulator's, not Azure's sequence); Grid enumerates the product of the choices (choice only, as
 * HyperDrive requires); Bayesian and the Sobol rule sample as Random does (a guess: README "What is a guess").
 *
 * Running: the sweep walks NotStarted → Running → Completed | Failed | Canceled. Trials `<sweep>_<n>` (n from 0,
 * HyperDrive's naming) start while fewer than `maxConcurrentTrials` run, up to `maxTotalTrials` (a grid: at most its
 * size); each is a Command job with the trial's fields, the sweep's inputs, outputs and compute, `${{search_space.x}}`
 * replaced in its command by the sampled value (`${{inputs.x}}` as for any command job), `limits.timeout` the
 * `trialTimeout`; its run's `properties._aml_system_hyperparameters` holds the sampled values as JSON (a guess). The
 * primary metric is what the trial logs through MLflow (mlflow.ts); early termination (see `terminates`) cancels a
 * running trial by its reported values. `azureml-logs/hyperdrive.txt` (the sweep's run artifacts) gets a line per
 * trial start and end. At the end the best trial by the objective (its last reported primary metric value; Completed
 * trials first) goes in `properties.properties.best_child_run_id` with `score` (the value) and `best_metric_status`.
 * The sweep ends Completed, or Failed when no trial completed and at least one failed (the first failed trial's error
 * named); the `timeout` cancels the running trials and ends it Completed. Cancel reaches the running trials, then
 * the sweep ends Canceled.
 */
import { randomInt } from 'node:crypto'
import type { Core } from '../core/context.js'
import { isoDurationMs, JOB_TERMINAL, type Job, type JobResolver, type MlflowMetric } from './job-process.js'
import { orchestratorLog } from './pipeline-process.js'

type Json = Record<string, unknown>
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

/** The sweep's own log (azure-ai-ml 1.4 `constants/_job/job.py` `SWEEP_JOB_LOG_PATTERN`). */
export const HYPERDRIVE_LOG = 'azureml-logs/hyperdrive.txt'

const DISTRIBUTIONS: Record<string, number> = {
  choice: 1,
  randint: 1,
  uniform: 2,
  loguniform: 2,
  normal: 2,
  lognormal: 2,
  quniform: 3,
  qloguniform: 3,
  qnormal: 3,
  qlognormal: 3
}

const SEARCH_SPACE_REF = /\$\{\{\s*search_space\.([\w-]+)\s*\}\}/g

// ------------------------------------------------------------------------------------------------------- sampling

/** A deterministic generator in [0, 1) (mulberry32) for a 32-bit seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function gaussian(rand: () => number): number {
  const u = 1 - rand()
  const v = rand()
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
}

const quantize = (x: number, q: number): number => Math.round(x / q) * q

/** One value of a search-space entry `[type, args]` (checked by `checkSweepJob`). */
export function sampleOne(entry: unknown[], rand: () => number): unknown {
  const type = String(entry[0]).toLowerCase()
  const args = entry[1] as unknown[]
  if (type === 'choice') {
    const values = args[0] as unknown[]
    return values[Math.floor(rand() * values.length)]
  }
  const [a, b, q] = args.map(Number)
  switch (type) {
    case 'randint':
      return Math.floor(rand() * a)
    case 'uniform':
      return a + rand() * (b - a)
    case 'quniform':
      return quantize(a + rand() * (b - a), q)
    case 'loguniform':
      return Math.exp(a + rand() * (b - a))
    case 'qloguniform':
      return quantize(Math.exp(a + rand() * (b - a)), q)
    case 'normal':
      return a + b * gaussian(rand)
    case 'qnormal':
      return quantize(a + b * gaussian(rand), q)
    case 'lognormal':
      return Math.exp(a + b * gaussian(rand))
    default:
      return quantize(Math.exp(a + b * gaussian(rand)), q)
  }
}

/**
 * The trials' values, in order: a grid's product (the first parameter varying slowest; `size` its count), or random
 * samples from `seed` (a random seed when none is given).
 */
export function sampler(
  algorithm: Json,
  space: Record<string, unknown[]>
): { next: () => Record<string, unknown> | undefined; size?: number } {
  const names = Object.keys(space)
  if (String(algorithm.samplingAlgorithmType).toLowerCase() === 'grid') {
    const lists = names.map(n => (space[n][1] as unknown[])[0] as unknown[])
    const size = lists.reduce((p, l) => p * l.length, 1)
    let i = 0
    return {
      size,
      next: () => {
        if (i >= size) return undefined
        let rest = i++
        const values: Record<string, unknown> = {}
        for (let k = names.length - 1; k >= 0; k--) {
          values[names[k]] = lists[k][rest % lists[k].length]
          rest = Math.floor(rest / lists[k].length)
        }
        return Object.fromEntries(names.map(n => [n, values[n]]))
      }
    }
  }
  const seed = typeof algorithm.seed === 'number' ? algorithm.seed : randomInt(2 ** 31)
  const rand = seededRandom(seed)
  return { next: () => Object.fromEntries(names.map(n => [n, sampleOne(space[n], rand)])) }
}

/** `${{search_space.x}}` in a command replaced by the sampled values (strings as they are, others as JSON). */
export function substituteSearchSpace(command: string, values: Record<string, unknown>): string {
  return command.replace(SEARCH_SPACE_REF, (whole, name: string) => {
    if (!(name in values)) return whole
    const v = values[name]
    return typeof v === 'string' ? v : JSON.stringify(v)
  })
}

// ------------------------------------------------------------------------------------------------------- checking

const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)

/**
 * Checks a sweep job's `properties` before it is created; returns why it is refused (400 UserError), else undefined.
 * The wording is the emulator's (README, What is a guess); what is checked follows HyperDrive's documented limits.
 */
export function checkSweepJob(props: Json): string | undefined {
  const algo = props.samplingAlgorithm
  const type = isObj(algo) ? String(algo.samplingAlgorithmType ?? '').toLowerCase() : ''
  if (!['random', 'grid', 'bayesian'].includes(type)) {
    return 'properties.samplingAlgorithm.samplingAlgorithmType must be Random, Grid or Bayesian.'
  }
  const space = props.searchSpace
  if (!isObj(space) || Object.keys(space).length === 0) {
    return 'properties.searchSpace must map at least one parameter to a distribution such as ["choice", [[1, 2]]].'
  }
  for (const [name, entry] of Object.entries(space)) {
    const at = `properties.searchSpace.${name}`
    if (!Array.isArray(entry) || !Array.isArray(entry[1])) return `${at} must be [type, [arguments]].`
    const dist = String(entry[0]).toLowerCase()
    if (!(dist in DISTRIBUTIONS)) {
      return `${at}: unknown distribution '${String(entry[0])}' (one of ${Object.keys(DISTRIBUTIONS).join(', ')}).`
    }
    const args = entry[1] as unknown[]
    if (dist === 'choice') {
      if (!Array.isArray(args[0]) || args[0].length === 0) return `${at}: choice needs a non-empty list of values.`
    } else if (args.length !== DISTRIBUTIONS[dist] || !args.every(num)) {
      return `${at}: ${dist} takes ${DISTRIBUTIONS[dist]} numbers, got ${JSON.stringify(args)}.`
    } else if (dist === 'randint' && !(Number.isInteger(args[0]) && (args[0] as number) > 0)) {
      return `${at}: randint's upper bound must be a positive integer.`
    }
    if (type === 'grid' && dist !== 'choice') {
      return `${at}: grid sampling takes choice parameters only, got ${dist}.`
    }
  }
  const objective = props.objective
  if (!isObj(objective) || !['maximize', 'minimize'].includes(String(objective.goal ?? '').toLowerCase())) {
    return 'properties.objective.goal must be Maximize or Minimize.'
  }
  if (typeof objective.primaryMetric !== 'string' || !objective.primaryMetric) {
    return 'properties.objective.primaryMetric is required: the metric the trials log.'
  }
  const trial = props.trial
  if (!isObj(trial) || typeof trial.command !== 'string' || !trial.command.trim()) {
    return 'properties.trial.command is required and must not be empty.'
  }
  for (const m of trial.command.matchAll(SEARCH_SPACE_REF)) {
    if (!(m[1] in space)) {
      return `properties.trial.command refers to \${{search_space.${m[1]}}}, but properties.searchSpace has no '${m[1]}'.`
    }
  }
  const inputs = isObj(props.inputs) ? props.inputs : {}
  for (const m of trial.command.matchAll(/\$\{\{\s*inputs\.([\w.-]+)\s*\}\}/g)) {
    if (!(m[1] in inputs)) {
      return `properties.trial.command refers to \${{inputs.${m[1]}}}, but the job has no input '${m[1]}' (properties.inputs).`
    }
  }
  const limits = isObj(props.limits) ? props.limits : {}
  for (const f of ['maxTotalTrials', 'maxConcurrentTrials']) {
    const v = limits[f]
    if (v !== undefined && v !== null && !(Number.isInteger(v) && (v as number) > 0)) {
      return `properties.limits.${f} must be a positive integer, got ${JSON.stringify(v)}.`
    }
  }
  if (type !== 'grid' && (limits.maxTotalTrials === undefined || limits.maxTotalTrials === null)) {
    return 'properties.limits.maxTotalTrials is required for random and bayesian sampling.'
  }
  for (const f of ['timeout', 'trialTimeout']) {
    const v = limits[f]
    if (v !== undefined && v !== null && isoDurationMs(String(v)) <= 0) {
      return `properties.limits.${f} must be an ISO 8601 duration such as PT30M, got ${JSON.stringify(v)}.`
    }
  }
  const et = props.earlyTermination
  if (isObj(et)) {
    const policy = String(et.policyType ?? '').toLowerCase()
    if (!['bandit', 'medianstopping', 'truncationselection'].includes(policy)) {
      return 'properties.earlyTermination.policyType must be Bandit, MedianStopping or TruncationSelection.'
    }
    if (policy === 'bandit' && !num(et.slackFactor) && !num(et.slackAmount)) {
      return 'properties.earlyTermination: a Bandit policy needs slackFactor or slackAmount.'
    }
    if (policy === 'truncationselection') {
      const p = et.truncationPercentage
      if (!(Number.isInteger(p) && (p as number) >= 1 && (p as number) <= 99)) {
        return 'properties.earlyTermination.truncationPercentage must be an integer from 1 to 99.'
      }
    }
  }
  return undefined
}

// --------------------------------------------------------------------------------------------- early termination

/**
 * Whether the early-termination policy cancels a trial that has just reported its `k`-th primary metric value (k from
 * 1), given every trial's reported values (`series`, the trial's own included). The policy is applied when `k >
 * delayEvaluation` and `k` is a multiple of `evaluationInterval` (default 1; HyperDrive counts intervals as reported
 * values: a reading of the docs, README "What is a guess"). Against the trials that reported a `k`-th value:
 * - Bandit: the best k-th value `best`; maximize cancels below `best / (1 + slackFactor)` or `best - slackAmount`,
 *   minimize above `best * (1 + slackFactor)` or `best + slackAmount`;
 * - MedianStopping: cancels when the trial's best value so far is worse than the median of the others' running
 *   averages over their first k values (at least one other trial needed);
 * - TruncationSelection: cancels when the trial's k-th value is among the lowest `truncationPercentage`% of the k-th
 *   values (`floor(n * p / 100)` trials of n).
 */
export function terminates(policy: Json, maximize: boolean, trial: string, series: Map<string, number[]>): boolean {
  const own = series.get(trial) ?? []
  const k = own.length
  const delay = num(policy.delayEvaluation) ? policy.delayEvaluation : 0
  const every = num(policy.evaluationInterval) && policy.evaluationInterval > 0 ? policy.evaluationInterval : 1
  if (k === 0 || k <= delay || k % every !== 0) return false
  const better = (a: number, b: number): boolean => (maximize ? a > b : a < b)
  const atK = [...series.entries()].filter(([, s]) => s.length >= k)
  const value = own[k - 1]
  const type = String(policy.policyType).toLowerCase()
  if (type === 'bandit') {
    const best = atK.map(([, s]) => s[k - 1]).reduce((a, b) => (better(b, a) ? b : a))
    if (num(policy.slackFactor)) {
      const sf = policy.slackFactor
      return maximize ? value < best / (1 + sf) : value > best * (1 + sf)
    }
    const sa = num(policy.slackAmount) ? policy.slackAmount : 0
    return maximize ? value < best - sa : value > best + sa
  }
  if (type === 'medianstopping') {
    const others = atK.filter(([id]) => id !== trial).map(([, s]) => s.slice(0, k).reduce((a, b) => a + b, 0) / k)
    if (others.length === 0) return false
    others.sort((a, b) => a - b)
    const mid = others.length / 2
    const median = others.length % 2 ? others[Math.floor(mid)] : (others[mid - 1] + others[mid]) / 2
    const bestSoFar = own.reduce((a, b) => (better(b, a) ? b : a))
    return better(median, bestSoFar)
  }
  if (type === 'truncationselection') {
    const pct = num(policy.truncationPercentage) ? policy.truncationPercentage : 0
    const ranked = atK.map(([id, s]) => ({ id, v: s[k - 1] })).sort((a, b) => (better(a.v, b.v) ? 1 : -1))
    const cut = Math.floor((ranked.length * pct) / 100)
    return ranked.slice(0, cut).some(r => r.id === trial)
  }
  return false
}

// -------------------------------------------------------------------------------------------------------- running

interface Trial {
  job: Job
  values: Record<string, unknown>
  earlyTerminated?: boolean
}

class SweepRun {
  private readonly trials: Trial[] = []
  private readonly series = new Map<string, number[]>()
  private readonly next: () => Record<string, unknown> | undefined
  private readonly maxTotal: number
  private readonly maxConcurrent: number
  private exhausted = false
  private timedOut = false
  private readonly log: (line: string) => void
  private readonly p: Json

  constructor(
    private readonly core: Core,
    private readonly resolver: JobResolver,
    private readonly sweep: Job
  ) {
    this.p = sweep.properties
    const s = sampler(this.p.samplingAlgorithm as Json, this.p.searchSpace as Record<string, unknown[]>)
    this.next = s.next
    const limits = isObj(this.p.limits) ? this.p.limits : {}
    const total = num(limits.maxTotalTrials) ? limits.maxTotalTrials : (s.size ?? 1)
    this.maxTotal = s.size === undefined ? total : Math.min(total, s.size)
    this.maxConcurrent = num(limits.maxConcurrentTrials) ? limits.maxConcurrentTrials : this.maxTotal
    this.log = orchestratorLog(core, sweep, HYPERDRIVE_LOG)
    sweep.onCancel = () => this.stop()
  }

  private get objective(): { metric: string; maximize: boolean } {
    const o = this.p.objective as Json
    return { metric: String(o.primaryMetric), maximize: String(o.goal).toLowerCase() === 'maximize' }
  }

  start(): void {
    const limits = isObj(this.p.limits) ? this.p.limits : {}
    this.after(this.core.config.delays.runQueuedMs + this.sweep.stepMs, () => {
      if (this.sweep.cancelRequested || JOB_TERMINAL.has(this.sweep.status)) return
      this.core.jobs.setStatus(this.sweep, 'Running')
      this.log(
        `Sweep started: ${String((this.p.samplingAlgorithm as Json).samplingAlgorithmType)} sampling, at most ` +
          `${this.maxTotal} trials, ${this.maxConcurrent} at once; objective ${this.objective.metric} ` +
          `(${this.objective.maximize ? 'maximize' : 'minimize'}).`
      )
      const timeoutMs = isoDurationMs(String(limits.timeout ?? ''))
      if (timeoutMs > 0) {
        this.after(timeoutMs, () => {
          this.timedOut = true
          this.log(`The sweep reached its limits.timeout (${String(limits.timeout)}): running trials are canceled.`)
          this.stop()
        })
      }
      this.pump()
    })
  }

  private after(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.sweep.timers = this.sweep.timers.filter(x => x !== t)
      fn()
    }, ms)
    this.sweep.timers.push(t)
  }

  private running(): Trial[] {
    return this.trials.filter(t => !JOB_TERMINAL.has(t.job.status))
  }

  private stop(): void {
    for (const t of this.running()) {
      if (!t.job.cancelRequested && t.job.status !== 'Finalizing') this.core.jobs.cancel(t.job)
    }
    this.pump()
  }

  /** Starts trials while there is room, and ends the sweep once nothing runs and nothing more will start. */
  private pump(): void {
    if (JOB_TERMINAL.has(this.sweep.status) || (this.sweep.status !== 'Running' && !this.sweep.cancelRequested)) return
    const stopping = this.sweep.cancelRequested || this.timedOut
    while (!stopping && !this.exhausted && this.trials.length < this.maxTotal) {
      if (this.running().length >= this.maxConcurrent) break
      const values = this.next()
      if (!values) {
        this.exhausted = true
        break
      }
      this.launch(values)
    }
    if (this.running().length > 0) return
    if (stopping || this.exhausted || this.trials.length >= this.maxTotal) this.finish()
  }

  private launch(values: Record<string, unknown>): void {
    const p = this.p
    const trial = p.trial as Json
    const name = `${this.sweep.name}_${this.trials.length}`
    const limits = isObj(p.limits) ? p.limits : {}
    const props: Json = {
      jobType: 'Command',
      displayName: name,
      experimentName: p.experimentName,
      command: substituteSearchSpace(String(trial.command), values),
      codeId: trial.codeId,
      environmentId: trial.environmentId,
      environmentVariables: isObj(trial.environmentVariables) ? trial.environmentVariables : {},
      ...(trial.distribution ? { distribution: trial.distribution } : {}),
      ...(trial.resources ? { resources: trial.resources } : {}),
      computeId: p.computeId,
      inputs: isObj(p.inputs) ? p.inputs : {},
      outputs: isObj(p.outputs) ? p.outputs : {},
      ...(limits.trialTimeout ? { limits: { jobLimitsType: 'Command', timeout: limits.trialTimeout } } : {}),
      properties: {},
      tags: {}
    }
    const entry: Trial = { job: undefined as unknown as Job, values }
    this.trials.push(entry)
    entry.job = this.core.jobs.create(
      {
        workspaceKey: this.sweep.workspaceKey,
        workspaceId: this.sweep.workspaceId,
        name,
        properties: props,
        parentJobName: this.sweep.name,
        rootJobName: this.sweep.rootJobName ?? this.sweep.name,
        stepMs: this.sweep.stepMs,
        run: {
          displayName: name,
          runType: 'azureml.scriptrun',
          properties: { _aml_system_hyperparameters: JSON.stringify(values), 'azureml.runsource': 'azureml.scriptrun' }
        },
        onStatus: j => {
          if (JOB_TERMINAL.has(j.status)) this.ended(entry)
        },
        onMetric: (_job, m) => this.metric(entry, m)
      },
      this.resolver
    )
    this.log(`Trial ${name} started with ${JSON.stringify(values)}.`)
  }

  private metric(trial: Trial, m: MlflowMetric): void {
    const { metric, maximize } = this.objective
    if (m.key !== metric) return
    const s = this.series.get(trial.job.name) ?? []
    s.push(m.value)
    this.series.set(trial.job.name, s)
    const policy = this.p.earlyTermination
    if (!isObj(policy) || trial.job.status !== 'Running' || trial.job.cancelRequested) return
    if (!terminates(policy, maximize, trial.job.name, this.series)) return
    trial.earlyTerminated = true
    this.log(
      `Trial ${trial.job.name} canceled by the ${String(policy.policyType)} early termination policy at interval ` +
        `${s.length} (${metric}=${m.value}).`
    )
    this.core.jobs.cancel(trial.job)
  }

  private lastValue(trial: Trial): number | undefined {
    const s = this.series.get(trial.job.name)
    return s && s.length > 0 ? s[s.length - 1] : undefined
  }

  private ended(trial: Trial): void {
    const v = this.lastValue(trial)
    this.log(
      `Trial ${trial.job.name} ended: ${trial.job.status}` +
        (v !== undefined ? `, ${this.objective.metric}=${v}` : `, no ${this.objective.metric} reported`) +
        (trial.earlyTerminated ? ' (early termination).' : '.')
    )
    this.pump()
  }

  /** The best trial by the objective: its last reported value; Completed trials first, else any that reported. */
  private best(): { trial: Trial; value: number } | undefined {
    const { maximize } = this.objective
    const scored = (list: Trial[]): { trial: Trial; value: number }[] =>
      list.flatMap(t => {
        const value = this.lastValue(t)
        return value === undefined ? [] : [{ trial: t, value }]
      })
    let pool = scored(this.trials.filter(t => t.job.status === 'Completed'))
    if (pool.length === 0) pool = scored(this.trials)
    return pool.reduce<{ trial: Trial; value: number } | undefined>(
      (a, b) => (!a || (maximize ? b.value > a.value : b.value < a.value) ? b : a),
      undefined
    )
  }

  private finish(): void {
    const best = this.best()
    if (best) {
      this.sweep.properties.properties = {
        ...(isObj(this.sweep.properties.properties) ? this.sweep.properties.properties : {}),
        best_child_run_id: best.trial.job.name,
        score: String(best.value),
        best_metric_status: 'Succeeded'
      }
      this.log(`Best trial: ${best.trial.job.name} (${this.objective.metric}=${best.value}).`)
    }
    if (this.sweep.cancelRequested && !this.timedOut) {
      this.log('The sweep was canceled.')
      this.core.jobs.setStatus(this.sweep, 'Canceled')
      return
    }
    const failed = this.trials.filter(t => t.job.status === 'Failed')
    const completed = this.trials.some(t => t.job.status === 'Completed')
    if (!completed && failed.length > 0) {
      const first = failed[0].job
      this.sweep.error = {
        code: 'UserError',
        message:
          `All ${failed.length} trials of the sweep failed${failed.length < this.trials.length ? ' or were canceled' : ''}. ` +
          `The first failed trial ${first.name}: ${first.error?.message ?? 'no error recorded'}`
      }
      this.log(`The sweep failed: no trial completed (${failed.length} failed).`)
      this.core.jobs.setStatus(this.sweep, 'Failed')
      return
    }
    this.log(`The sweep completed: ${this.trials.length} trials.`)
    this.core.jobs.setStatus(this.sweep, 'Completed')
  }
}

/** Starts a sweep job created (orchestrated) by jobs.ts: its trials run; the job's `onCancel` reaches them. */
export function startSweep(core: Core, sweep: Job, resolver: JobResolver): void {
  new SweepRun(core, resolver, sweep).start()
}
