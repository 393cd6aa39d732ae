/**
 * Following a pipeline job's steps (its child runs), for `followJob` when the job's `properties.jobType` is `Pipeline`.
 *
 * At every poll, after the pipeline's own status read, ONE listing of the children in run history
 * (`GET {api}/history/v1.0{WS}/runs/{pipeline}/children`, paged by `continuationToken`; azure-ai-ml 1.4
 * `_restclient/runhistory/operations/_runs_operations.py` `build_get_child_request`, answer `PaginatedRunList`
 * `{value: Run[], continuationToken, nextLink}`, `_restclient/runhistory/models/_models_py3.py` `Run`). Never a GET
 * per step per poll: the reads of a poll do not grow with the number of steps.
 *
 * - One log line per change of a step's status: `Step train (job <runId>): Queued` when it is first seen, then
 *   `Step train: Running`, `Step train: Completed (2 min 5 s)` (the duration from the child's start/end times).
 * - **Each step's log is printed once, when the step ends** (not streamed while it runs): its run-history details
 *   (`.../runs/{childRunId}/details`: `logFiles`, error) are read once when the step is seen ended, and its
 *   `user_logs/std_log.txt` (or the older runtime's driver log: `pickJobLog`) printed whole inside a collapsed group
 *   `Step train (Completed): user_logs/std_log.txt`; steps that end in the same poll are printed in the order they
 *   ended. Why not stream: steps of a pipeline run in parallel, and interleaved lines of several logs in one step log
 *   cannot be told apart; and a step's details are then read once, not at every poll. While steps run, the pipeline's
 *   own `logs/azureml/executionlogs.txt` (which says when each step starts and ends) is streamed as a job's log is.
 *   If a step that ended has no log listed yet, its details are read again at the next polls (at most
 *   `LOG_ATTEMPTS` reads in all), then the step's log is left to studio, with a line saying so.
 * - How a child names its step (lead's facts, issue 19): `displayName` is the step's key in `jobs`, or the node's
 *   `display_name` when the YAML set one (mapped back through the pipeline's `jobs`); `properties["azureml.nodeid"]` is
 *   not relied on (real node ids are opaque). A child with neither is named by its run id.
 * - **Sub-pipelines** (a `type: pipeline` node): ONE child run of the pipeline (runType `azureml.PipelineRun`) whose
 *   steps are that run's own children in run history (issue 19's facts; the emulator's pipeline-process.ts). Its
 *   steps are named `<sub>/<step>` (`Step train_pl/fit: Running`), with their logs once when they end, as for the
 *   pipeline's own steps; deeper sub-pipelines likewise (`a/b/fit`). Cost: ONE more children listing per poll for each
 *   sub-pipeline only while it has not ended, and once more when it is seen ended (its steps' last changes); none
 *   before it is listed, none after. A sub-pipeline's own details and log are not read (its steps' are what tell).
 *   A sub-pipeline step's `display_name` is not mapped back (that needs its component's spec: a read per
 *   sub-pipeline): such a step is named `<sub>/<its display name>`.
 * - `childJobs` output (JSON), set whenever a step changes: step name → `{jobName, status, startTimeUtc?,
 *   endTimeUtc?}`, steps in the order they were first seen; a sub-pipeline's steps as `"<sub>/<step>"` keys, after the
 *   sub-pipeline's own key.
 * - On failure (`failureMessage`): which steps failed, each with its own error (the child's details, else the error in
 *   the listing); a step inside a sub-pipeline as `<sub>/<step>` (Azure's pipeline error says `Failed nodes:
 *   /<sub>/<step>`), and the sub-pipeline itself not again when one of its steps is named.
 * A failed listing or log read never fails the wait (it is reported a few times, then quietly retried next poll).
 */
import * as core from '@actions/core'
import type { Context } from '../base/context.js'
import type { HttpClient } from '../base/http-types.js'
import type { CommonSettings } from '../base/settings.js'
import { armAuth, dataPlaneUrl, Pages } from '../arm/endpoints.js'
import { LogFilesStream } from '../follow/log-files.js'
import { LogStream, type FollowedLog } from '../follow/log-stream.js'
import { parseJson } from '../http/client.js'
import { oneLine } from '../http/redact.js'
import { formatDuration } from '../http/retry.js'
import { runDuration } from '../runs/follow.js'
import { getJobDetails, isJobTerminal, pickJobLog, type JobBody, type JobRef, type JobRunDetails } from './job-rest.js'

/** The pipeline's own log in its run's `logFiles` (V2.md "Following a job"). */
export const PIPELINE_LOG = 'logs/azureml/executionlogs.txt'
/** Reads of an ended step's details while its log is not listed yet, before leaving it to studio. */
export const LOG_ATTEMPTS = 3
/** Read failures (listings, logs, metrics) reported before going quiet about them; the sweep's follower too. */
export const REPORTED_FAILURES = 3

/** A child run as the children listing gives it (runHistory `Run`; the fields used here). */
export interface ChildRun {
  runId?: string
  parentRunId?: string
  status?: string
  startTimeUtc?: string
  endTimeUtc?: string
  displayName?: string
  /** `azureml.PipelineRun` for a sub-pipeline's run, `azureml.StepRun` for a step's (runHistory `Run.runType`). */
  runType?: string
  /** Run properties (a sweep trial's sampled values: `_aml_system_hyperparameters`, see `sweep-follow.ts`). */
  properties?: Record<string, unknown>
  error?: { error?: { code?: string; message?: string; details?: unknown[] } }
}

/** One entry of the `childJobs` output. */
export interface ChildJob {
  jobName: string
  status: string
  startTimeUtc?: string
  endTimeUtc?: string
}

interface StepState {
  /** The step's name: its key, or `<sub>/<key>` inside a sub-pipeline. */
  step: string
  run: ChildRun
  status: string
  details?: JobRunDetails
  logDone: boolean
  logAttempts: number
  /** A sub-pipeline's run: its own children are listed while it runs (and once when it has ended). */
  subPipeline: boolean
  /** The sub-pipeline's children were listed after it ended: never again. */
  nestedDone: boolean
  /** A sub-pipeline's run seen ended, applied after its steps' last listing (so its end line comes after theirs). */
  endedRun?: ChildRun
}

/** The run type of a pipeline's run in run history (a sub-pipeline's too). */
const PIPELINE_RUN = 'azureml.PipelineRun'

/** `GET {api}/history/v1.0{WS}/runs/{name}/children` (the first page; later ones add `$continuationtoken`). */
export function childrenUrl(api: string, job: JobRef, continuationToken?: string): string {
  return dataPlaneUrl(api, 'history', job.workspace, `/runs/${encodeURIComponent(job.name)}/children`, {
    $continuationtoken: continuationToken
  })
}

/**
 * Lists every child run of `job` (all pages, each once: `Pages`). Undefined when the pipeline's run is not in run
 * history yet (404) or in dry-run. Throws `AzureRequestError` for other refusals.
 */
export async function listChildRuns(
  http: HttpClient,
  settings: CommonSettings,
  api: string,
  job: JobRef
): Promise<ChildRun[] | undefined> {
  const pages = new Pages(`the steps of pipeline job ${job.name}`, 50, message => core.info(message))
  const runs: ChildRun[] = []
  const seen = new Set<string>()
  let token: string | undefined
  while (pages.admit(token ?? '')) {
    const response = await http.send({
      method: 'GET',
      url: childrenUrl(api, job, token),
      auth: armAuth(settings),
      acceptStatus: [404],
      readOnly: true
    })
    if (response.status === 404 || response.dryRun) return token === undefined ? undefined : runs
    const body = parseJson<{ value?: ChildRun[]; continuationToken?: string | null }>(response)
    for (const run of body?.value ?? []) {
      if (!run || typeof run !== 'object') continue
      if (run.runId && seen.has(run.runId)) continue
      if (run.runId) seen.add(run.runId)
      runs.push(run)
    }
    token = body?.continuationToken ?? undefined
    if (!token) break
  }
  return runs
}

/** display name → step key, from the pipeline's `jobs` (a node's `display_name`, as the SDK writes it, or `displayName`). */
export function stepNamesByDisplayName(body: JobBody | undefined): Map<string, string> {
  const names = new Map<string, string>()
  const jobs = body?.properties?.jobs
  if (!jobs || typeof jobs !== 'object') return names
  for (const [step, node] of Object.entries(jobs as Record<string, unknown>)) {
    if (!node || typeof node !== 'object') continue
    const n = node as { display_name?: unknown; displayName?: unknown }
    const display = typeof n.display_name === 'string' ? n.display_name : n.displayName
    if (typeof display === 'string' && display !== '' && display !== step) names.set(display, step)
  }
  return names
}

/** The steps of a pipeline's `jobs` that are sub-pipelines (`type: pipeline`, as the SDK writes a node). */
export function subPipelineSteps(body: JobBody | undefined): Set<string> {
  const steps = new Set<string>()
  const jobs = body?.properties?.jobs
  if (!jobs || typeof jobs !== 'object') return steps
  for (const [step, node] of Object.entries(jobs as Record<string, unknown>)) {
    if (node && typeof node === 'object' && String((node as { type?: unknown }).type).toLowerCase() === 'pipeline')
      steps.add(step)
  }
  return steps
}

/** The error of a run's details or listing entry, one line: `code: message | detail...`. */
export function runError(error: ChildRun['error']): string | undefined {
  const e = error?.error
  if (!e?.message && !e?.code) return undefined
  const parts = [oneLine(`${e.code ? `${e.code}: ` : ''}${e.message ?? ''}`, 500)]
  for (const detail of (e.details ?? []).slice(0, 10) as { code?: string; message?: string }[]) {
    if (detail?.message) parts.push(oneLine(`${detail.code ? `${detail.code}: ` : ''}${detail.message}`, 500))
  }
  return parts.join(' | ')
}

/**
 * The steps of one pipeline job, followed along its polls: a `FollowedLog` that `pollToEnd` calls after each status
 * read (the pipeline's own log, then the children listing, status lines and ended steps' logs).
 */
export class PipelineFollower implements FollowedLog {
  private readonly steps = new Map<string, StepState>()
  private readonly pipelineLog: LogFilesStream
  private displayNames: Map<string, string>
  private subPipelines: Set<string>
  private failures = 0

  /**
   * @param api the workspace's API server (run history)
   * @param body the pipeline job's body (its `jobs`, to map display names back to steps); `update` refreshes it
   */
  constructor(
    private readonly ctx: Context,
    private readonly settings: CommonSettings,
    private readonly api: string,
    private readonly job: JobRef,
    body: JobBody | undefined
  ) {
    this.displayNames = stepNamesByDisplayName(body)
    this.subPipelines = subPipelineSteps(body)
    this.pipelineLog = new LogFilesStream(
      ctx,
      async () => (await getJobDetails(ctx.http, settings, api, job))?.logFiles,
      names => (names.includes(PIPELINE_LOG) ? PIPELINE_LOG : undefined),
      "the pipeline's log",
      () => true
    )
  }

  /** The latest pipeline body seen (its `jobs` may have been absent from an earlier answer). */
  update(body: JobBody | undefined): void {
    if (this.displayNames.size === 0) this.displayNames = stepNamesByDisplayName(body)
    if (this.subPipelines.size === 0) this.subPipelines = subPipelineSteps(body)
  }

  /**
   * One poll: the pipeline's log, one children listing, one per sub-pipeline not yet ended (or just seen ended), a
   * line per step status change, ended steps' logs.
   */
  async follow(final: boolean): Promise<void> {
    await this.pipelineLog.follow(final)
    const changed: StepState[] = []
    const runs = await this.list(this.job.name, `pipeline job ${this.job.name}`)
    if (runs) this.apply(runs, '', changed)
    // Sub-pipelines found in this poll are listed in it too (deeper ones as they are found).
    const queue = [...this.steps.values()].filter(s => s.subPipeline && !s.nestedDone)
    for (let sub = queue.shift(); sub; sub = queue.shift()) {
      const ended = isJobTerminal(sub.endedRun?.status ?? sub.status)
      const nested = await this.list(sub.run.runId as string, `sub-pipeline ${oneLine(sub.step, 100)}`)
      if (nested) {
        if (ended) sub.nestedDone = true
        for (const deeper of this.apply(nested, `${sub.step}/`, changed))
          if (!queue.includes(deeper)) queue.push(deeper)
      }
      if (sub.endedRun) {
        this.setStatus(sub, sub.endedRun, changed)
        sub.endedRun = undefined
      }
    }
    if (changed.length > 0) this.ctx.outputs.set('childJobs', JSON.stringify(this.childJobs()))
    await this.printEndedLogs(final)
  }

  /** The children of run `runId` (undefined when they cannot be read now: said a few times, retried next poll). */
  private async list(runId: string, what: string): Promise<ChildRun[] | undefined> {
    try {
      return await listChildRuns(this.ctx.http, this.settings, this.api, { workspace: this.job.workspace, name: runId })
    } catch (error) {
      if (this.failures++ < REPORTED_FAILURES)
        core.info(`Could not list the steps of ${what}: ${(error as Error).message}`)
      return undefined
    }
  }

  /** The `childJobs` output's value: step → `{jobName, status, startTimeUtc?, endTimeUtc?}`. */
  childJobs(): Record<string, ChildJob> {
    const out: Record<string, ChildJob> = {}
    for (const s of this.steps.values()) {
      out[s.step] = {
        jobName: s.run.runId ?? '',
        status: s.status,
        ...(s.run.startTimeUtc ? { startTimeUtc: s.run.startTimeUtc } : {}),
        ...(s.run.endTimeUtc ? { endTimeUtc: s.run.endTimeUtc } : {})
      }
    }
    return out
  }

  /** Rows for the job summary: step, child job, status, duration. */
  summaryRows(): string[][] {
    return [...this.steps.values()].map(s => {
      const ms = runDuration({ startTimeUtc: s.run.startTimeUtc, endTimeUtc: s.run.endTimeUtc })
      return [s.step, s.run.runId ?? '', s.status, ms === undefined ? '' : formatDuration(ms)]
    })
  }

  /**
   * Which steps failed, each with its own error (its details read once when it ended, else the listing's error), e.g.
   * `step train (job train_abc) failed: UserError: loss is NaN`; undefined when no step failed.
   */
  failureMessage(): string | undefined {
    const all = [...this.steps.values()].filter(s => s.status.toLowerCase() === 'failed')
    // A sub-pipeline fails because a step of it did: that step is named, not the sub-pipeline again.
    const failed = all.filter(s => !s.subPipeline || !all.some(n => n.step.startsWith(`${s.step}/`)))
    if (failed.length === 0) return undefined
    return failed
      .slice(0, 5)
      .map(s => {
        const error = runError(s.details?.error) ?? runError(s.run.error)
        return `step ${oneLine(s.step, 100)} (job ${oneLine(s.run.runId ?? '?', 100)}) failed${error ? `: ${error}` : ''}`
      })
      .join('; ')
      .concat(failed.length > 5 ? `; and ${failed.length - 5} more steps failed` : '')
  }

  /** A child's step name: `prefix` (`''` at the top, `<sub>/` inside a sub-pipeline) and its key or display name. */
  private stepName(run: ChildRun, prefix: string): string {
    const display = run.displayName
    if (display) return prefix + (prefix === '' ? (this.displayNames.get(display) ?? display) : display)
    return prefix + (run.runId ?? '?')
  }

  /**
   * Applies one listing of a run's children (`prefix` names their parent): a line per new child or change of status,
   * pushed on `changed`. Returns the sub-pipelines first seen in it.
   */
  private apply(runs: ChildRun[], prefix: string, changed: StepState[]): StepState[] {
    const found: StepState[] = []
    for (const run of runs) {
      if (!run.runId) continue
      const status = run.status ?? 'Unknown'
      let state = this.steps.get(run.runId)
      if (!state) {
        const step = this.stepName(run, prefix)
        const subPipeline = run.runType === PIPELINE_RUN || (prefix === '' && this.subPipelines.has(step))
        // A sub-pipeline's log is its steps' logs, printed for each of them: nothing of its own to read.
        state = { step, run, status, logDone: subPipeline, logAttempts: 0, subPipeline, nestedDone: false }
        this.steps.set(run.runId, state)
        changed.push(state)
        if (subPipeline) found.push(state)
        core.info(`Step ${oneLine(state.step, 200)} (job ${oneLine(run.runId, 100)}): ${this.describe(state)}`)
        continue
      }
      // A sub-pipeline's end is said after its steps' last changes (listed next, in this poll).
      if (state.subPipeline && !state.nestedDone && isJobTerminal(status) && status !== state.status)
        state.endedRun = run
      else this.setStatus(state, run, changed)
    }
    return found
  }

  /** A step's latest run: a line when its status changed. */
  private setStatus(state: StepState, run: ChildRun, changed: StepState[]): void {
    const status = run.status ?? 'Unknown'
    state.run = run
    if (status === state.status) return
    state.status = status
    changed.push(state)
    core.info(`Step ${oneLine(state.step, 200)}: ${this.describe(state)}`)
  }

  private describe(state: StepState): string {
    const status = oneLine(state.status, 40)
    if (!isJobTerminal(state.status)) return status
    const ms = runDuration({ startTimeUtc: state.run.startTimeUtc, endTimeUtc: state.run.endTimeUtc })
    return ms === undefined ? status : `${status} (${formatDuration(ms)})`
  }

  private async printEndedLogs(final: boolean): Promise<void> {
    const ended = [...this.steps.values()]
      .filter(s => !s.logDone && isJobTerminal(s.status))
      .sort((a, b) => (Date.parse(a.run.endTimeUtc ?? '') || 0) - (Date.parse(b.run.endTimeUtc ?? '') || 0))
    for (const state of ended) await this.printLog(state, final)
  }

  private async printLog(state: StepState, final: boolean): Promise<void> {
    const ref: JobRef = { workspace: this.job.workspace, name: state.run.runId as string }
    state.logAttempts++
    try {
      state.details = (await getJobDetails(this.ctx.http, this.settings, this.api, ref)) ?? state.details
    } catch (error) {
      core.info(`Could not read step ${oneLine(state.step, 100)}'s details: ${(error as Error).message}`)
    }
    const files = state.details?.logFiles ?? {}
    const name = pickJobLog(Object.keys(files))
    if (!name) {
      if (final || state.logAttempts >= LOG_ATTEMPTS) {
        state.logDone = true
        core.info(`Step ${oneLine(state.step, 100)} lists no log to print; its logs are in studio.`)
      }
      return
    }
    state.logDone = true
    core.startGroup(`Step ${oneLine(state.step, 100)} (${oneLine(state.status, 40)}): ${oneLine(name, 200)}`)
    try {
      await new LogStream(this.ctx, async () => files[name], `step ${oneLine(state.step, 100)}'s log`).follow(true)
    } finally {
      core.endGroup()
    }
  }
}
