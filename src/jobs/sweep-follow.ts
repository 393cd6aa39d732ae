/**
 * Following a sweep job's trials (its child runs), for `followJob` when the job's `properties.jobType` is `Sweep`.
 *
 * At every poll, after the sweep's own status read: its log `azureml-logs/hyperdrive.txt` (azure-ai-ml 1.4
 * `constants/_job/job.py` `SWEEP_JOB_LOG_PATTERN`) streamed from its run-history `logFiles`, as a job's log is, then ONE
 * listing of its children (`listChildRuns`, the pipeline's: trials are child runs of the sweep, `<sweep>_<n>` as
 * HyperDrive names them). The reads of a poll do not grow with the number of trials.
 *
 * - Trials are counted, not listed one line each as they change: `Trials: 2 running, 1 ended of 4` when the counts
 *   change (at most one line per poll).
 * - ONE line per trial end: `Trial sweep_2 Completed (1 min 5 s): lr=0.1, kernel=rbf; accuracy=0.93`: its sampled
 *   values from the child run's `properties._aml_system_hyperparameters` (a JSON object, as the emulator writes it;
 *   what HyperDrive puts there is not documented: emulator/README.md "What is a guess"), and its primary metric read
 *   once, when it ends, from MLflow: `GET {api}/mlflow/v1.0{WS}/api/2.0/mlflow/runs/get?run_id=<trial>` (the last
 *   value in `run.data.metrics`; V2.md "A job's metrics (MLflow)": the workspace's `mlFlowTrackingUri` is this API
 *   server's `/mlflow/v1.0{WS}`). A failed trial's details are read once for its own error.
 * - At the end, `bestChildRunId` and `bestMetric` (CONTRACT.md) from the sweep's own `properties.properties`:
 *   `best_child_run_id` (azure-ai-ml 1.4 `constants/_common.py` `SWEEP_JOB_BEST_CHILD_RUN_ID_PROPERTY_NAME`) and
 *   `score` (the value beside it; HyperDrive's name for it is a guess shared with the emulator), when present.
 * - On failure (`failureMessage`): the first failed trial (by end time) and its own error, and how many failed.
 * Cancelling a sweep is cancelling the sweep job itself: the service cancels its running trials with it.
 * A failed listing, log or metric read never fails the wait (it is reported a few times, then quietly retried).
 */
import * as core from '@actions/core'
import type { Context } from '../base/context.js'
import type { CommonSettings } from '../base/settings.js'
import { armAuth, dataPlaneUrl } from '../arm/endpoints.js'
import { LogFilesStream } from '../follow/log-files.js'
import type { FollowedLog } from '../follow/log-stream.js'
import { parseJson } from '../http/client.js'
import { oneLine } from '../http/redact.js'
import { formatDuration } from '../http/retry.js'
import { runDuration } from '../runs/follow.js'
import { getJobDetails, isJobTerminal, type JobBody, type JobRef, type JobRunDetails } from './job-rest.js'
import { listChildRuns, REPORTED_FAILURES, runError, type ChildRun } from './pipeline-follow.js'

/** The sweep's own log in its run's `logFiles`. */
export const HYPERDRIVE_LOG = 'azureml-logs/hyperdrive.txt'
/** The trial run property holding its sampled values (JSON), as the emulator writes it (a guess). */
export const HYPERPARAMETERS_PROPERTY = '_aml_system_hyperparameters'

interface TrialState {
  run: ChildRun
  status: string
  ended: boolean
  metric?: number
  details?: JobRunDetails
}

/** The sweep's best trial and its metric, from its `properties.properties` (undefined until the service sets them). */
export function bestTrial(body: JobBody | undefined): { runId: string; metric?: string } | undefined {
  const props = body?.properties?.properties as Record<string, unknown> | undefined
  const runId = props?.best_child_run_id
  if (typeof runId !== 'string' || runId === '') return undefined
  const score = props?.score
  return { runId, ...(score !== undefined && score !== null ? { metric: String(score) } : {}) }
}

/** A trial's sampled values, `name=value, ...` (empty when its run does not carry them). */
export function sampledValues(run: ChildRun): string {
  const raw = run.properties?.[HYPERPARAMETERS_PROPERTY]
  let values: unknown = raw
  if (typeof raw === 'string') {
    try {
      values = JSON.parse(raw)
    } catch {
      return ''
    }
  }
  if (!values || typeof values !== 'object' || Array.isArray(values)) return ''
  return Object.entries(values as Record<string, unknown>)
    .map(([k, v]) => `${oneLine(k, 60)}=${oneLine(typeof v === 'string' ? v : JSON.stringify(v), 60)}`)
    .join(', ')
}

/**
 * The trials of one sweep job, followed along its polls: a `FollowedLog` that `pollToEnd` calls after each status read.
 */
export class SweepFollower implements FollowedLog {
  private readonly trials = new Map<string, TrialState>()
  private readonly log: LogFilesStream
  private primaryMetric: string | undefined
  private maxTotal: number | undefined
  private counts = ''
  private failures = 0

  constructor(
    private readonly ctx: Context,
    private readonly settings: CommonSettings,
    private readonly api: string,
    private readonly job: JobRef,
    body: JobBody | undefined
  ) {
    this.update(body)
    this.log = new LogFilesStream(
      ctx,
      async () => (await getJobDetails(ctx.http, settings, api, job))?.logFiles,
      names => (names.includes(HYPERDRIVE_LOG) ? HYPERDRIVE_LOG : undefined),
      "the sweep's log",
      () => true
    )
  }

  /** The latest sweep body seen: its objective's primary metric and its trial limit. */
  update(body: JobBody | undefined): void {
    const p = body?.properties as
      { objective?: { primaryMetric?: unknown }; limits?: { maxTotalTrials?: unknown } } | undefined
    if (typeof p?.objective?.primaryMetric === 'string') this.primaryMetric = p.objective.primaryMetric
    if (typeof p?.limits?.maxTotalTrials === 'number') this.maxTotal = p.limits.maxTotalTrials
  }

  /** One poll: the sweep's log, one children listing, the counts when they change, a line per trial that ended. */
  async follow(final: boolean): Promise<void> {
    await this.log.follow(final)
    let runs: ChildRun[] | undefined
    try {
      runs = await listChildRuns(this.ctx.http, this.settings, this.api, this.job)
    } catch (error) {
      if (this.failures++ < REPORTED_FAILURES)
        core.info(`Could not list the trials of sweep job ${this.job.name}: ${(error as Error).message}`)
    }
    const ended: TrialState[] = []
    for (const run of runs ?? []) {
      if (!run.runId) continue
      const status = run.status ?? 'Unknown'
      let state = this.trials.get(run.runId)
      if (!state) this.trials.set(run.runId, (state = { run, status, ended: false }))
      state.run = run
      state.status = status
      if (!state.ended && isJobTerminal(status)) {
        state.ended = true
        ended.push(state)
      }
    }
    this.sayCounts()
    ended.sort((a, b) => (Date.parse(a.run.endTimeUtc ?? '') || 0) - (Date.parse(b.run.endTimeUtc ?? '') || 0))
    for (const trial of ended) await this.sayEnded(trial)
  }

  private sayCounts(): void {
    const all = [...this.trials.values()]
    const running = all.filter(t => !t.ended && t.status.toLowerCase() === 'running').length
    const done = all.filter(t => t.ended).length
    const waiting = all.length - running - done
    const total = this.maxTotal ?? all.length
    const counts =
      `Trials: ${running} running, ${done} ended of ${total}` + (waiting > 0 ? ` (${waiting} starting)` : '')
    if (all.length === 0 || counts === this.counts) return
    this.counts = counts
    core.info(counts)
  }

  /** One line for a trial that ended: its status, duration, sampled values and primary metric (or its error). */
  private async sayEnded(trial: TrialState): Promise<void> {
    const runId = trial.run.runId as string
    const ms = runDuration({ startTimeUtc: trial.run.startTimeUtc, endTimeUtc: trial.run.endTimeUtc })
    const values = sampledValues(trial.run)
    let tail = ''
    if (trial.status.toLowerCase() === 'failed') {
      try {
        trial.details = await getJobDetails(this.ctx.http, this.settings, this.api, { ...this.job, name: runId })
      } catch (error) {
        core.debug(`Could not read trial ${runId}'s details: ${(error as Error).message}`)
      }
      const error = this.trialError(trial)
      if (error) tail = `; ${error}`
    } else if (this.primaryMetric) {
      trial.metric = await this.readMetric(runId, this.primaryMetric)
      if (trial.metric !== undefined) tail = `; ${oneLine(this.primaryMetric, 100)}=${trial.metric}`
    }
    core.info(
      `Trial ${oneLine(runId, 100)} ${oneLine(trial.status, 40)}${ms === undefined ? '' : ` (${formatDuration(ms)})`}` +
        `${values ? `: ${values}` : ''}${tail}`
    )
  }

  private trialError(trial: TrialState): string | undefined {
    return runError(trial.details?.error) ?? runError(trial.run.error)
  }

  /** The last value of `metric` the trial logged (MLflow `runs/get`); undefined when none or unreadable. */
  private async readMetric(runId: string, metric: string): Promise<number | undefined> {
    try {
      const response = await this.ctx.http.send({
        method: 'GET',
        url: dataPlaneUrl(this.api, 'mlflow', this.job.workspace, '/api/2.0/mlflow/runs/get', { run_id: runId }),
        auth: armAuth(this.settings),
        acceptStatus: [404],
        readOnly: true
      })
      if (response.dryRun || response.status === 404) return undefined
      const body = parseJson<{ run?: { data?: { metrics?: { key?: string; value?: unknown }[] } } }>(response)
      const value = body?.run?.data?.metrics?.find(m => m?.key === metric)?.value
      return typeof value === 'number' ? value : undefined
    } catch (error) {
      if (this.failures++ < REPORTED_FAILURES)
        core.info(`Could not read trial ${oneLine(runId, 100)}'s ${oneLine(metric, 100)}: ${(error as Error).message}`)
      return undefined
    }
  }

  /** Rows for the job summary: trial, status, duration, sampled values, primary metric. */
  summaryRows(): string[][] {
    return [...this.trials.values()].map(t => {
      const ms = runDuration({ startTimeUtc: t.run.startTimeUtc, endTimeUtc: t.run.endTimeUtc })
      return [
        t.run.runId ?? '',
        t.status,
        ms === undefined ? '' : formatDuration(ms),
        sampledValues(t.run),
        t.metric === undefined ? '' : String(t.metric)
      ]
    })
  }

  /**
   * The first failed trial (by end time) with its own error, and how many failed, e.g. `trial sweep_1 failed:
   * UserError: loss is NaN (2 of 4 trials failed)`; undefined when none failed.
   */
  failureMessage(): string | undefined {
    const failed = [...this.trials.values()]
      .filter(t => t.status.toLowerCase() === 'failed')
      .sort((a, b) => (Date.parse(a.run.endTimeUtc ?? '') || 0) - (Date.parse(b.run.endTimeUtc ?? '') || 0))
    if (failed.length === 0) return undefined
    const first = failed[0]
    const error = this.trialError(first)
    return (
      `trial ${oneLine(first.run.runId ?? '?', 100)} failed${error ? `: ${error}` : ''}` +
      ` (${failed.length} of ${this.trials.size} trials failed)`
    )
  }
}
