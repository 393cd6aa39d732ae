/**
 * A simulated pipeline job on ARM, run history and storage, for the pipeline-following tests and the bench
 * (bench/pipeline-entry.ts): every answer follows the simulated time (`clock.now()`), so a test or a bench drives a
 * two-hour pipeline in milliseconds. Shapes as Azure answers them (issue 19's facts): the job at `GET {WS}/jobs/{name}`
 * (`properties.jobType: Pipeline`, `jobs` with `display_name`), the children at `GET .../runs/{name}/children`
 * (`PaginatedRunList`, `continuationToken` paging), each run's `details` with `logFiles` (SAS URLs), logs with `Range`.
 * It counts every request by kind, and when each was sent, so a test can say how many reads a poll made.
 *
 * A step with `steps` is a sub-pipeline: one child run of the pipeline (runType `azureml.PipelineRun`, node `type:
 * pipeline`) whose own steps are ITS children in run history (`GET .../runs/<sub's runId>/children`, counted as
 * `sub-children`), as the emulator runs them (emulator/resources/pipeline-process.ts). Its times and result are the
 * test's to give (consistent with its steps').
 */
import type { HttpClient, HttpRequest, HttpResponse } from '../src/base/http-types.js'

export interface SimStep {
  /** The step's key in the pipeline's `jobs`. */
  name: string
  /** The node's `display_name` (the child run's displayName is then this). */
  displayName?: string
  /** Ms after the pipeline's start: queued from `startMs - 30 s` (listed from then), running, ended at `endMs`. */
  startMs: number
  endMs: number
  /** How it ends (default Completed). */
  result?: 'Completed' | 'Failed'
  error?: { code: string; message: string }
  /** Its `user_logs/std_log.txt` (default one line naming the step). */
  log?: string
  /** A sub-pipeline's steps (times still ms after the top pipeline's start). */
  steps?: SimStep[]
}

export type RequestKind =
  | 'job'
  | 'cancel'
  | 'children'
  | 'sub-children'
  | 'pipeline-details'
  | 'step-details'
  | 'pipeline-log'
  | 'step-log'
  | 'other'

export const PIPELINE = 'pl_sim'
const QUEUED_MS = 30_000
const STARTING_MS = 5_000
const WS =
  '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws'

export class PipelineService implements HttpClient {
  readonly requests: { kind: RequestKind; at: number; url: string }[] = []
  /** Ms after the start at which the pipeline was cancelled. */
  cancelledAt: number | undefined
  /** Every step at any depth, with its run id and its parent's (the pipeline's for a top step). */
  private readonly runs = new Map<SimStep, { runId: string; parentRunId: string }>()

  /**
   * @param clock the simulated time (epoch ms)
   * @param start epoch ms of the pipeline's start
   * @param pageSize children per page of the listing
   */
  constructor(
    private readonly clock: { now(): number },
    private readonly start: number,
    readonly steps: SimStep[],
    private readonly pageSize = 100
  ) {
    const add = (list: SimStep[], parentRunId: string, prefix: string): void => {
      for (const s of list) {
        const runId = `${prefix}_${s.name}`
        this.runs.set(s, { runId, parentRunId })
        if (s.steps) add(s.steps, runId, runId)
      }
    }
    add(steps, PIPELINE, PIPELINE)
  }

  /** Every step at any depth. */
  get allSteps(): SimStep[] {
    return [...this.runs.keys()]
  }

  /** Requests of a kind (optionally only those for `run`). */
  count(kind: RequestKind, run?: string): number {
    return this.requests.filter(r => r.kind === kind && (run === undefined || r.url.includes(`/${run}/`))).length
  }

  /** `pl_sim_<step>` for a top step, `pl_sim_<sub>_<step>` for a sub-pipeline's. */
  runId(step: SimStep): string {
    return this.runs.get(step)?.runId ?? `${PIPELINE}_${step.name}`
  }

  /** When the last step ends (ms after the start). */
  get endMs(): number {
    return Math.max(...this.steps.map(s => s.endMs)) + STARTING_MS
  }

  private elapsed(): number {
    const t = this.clock.now() - this.start
    return this.cancelledAt === undefined ? t : Math.min(t, this.cancelledAt)
  }

  /** A step's status at `t` (undefined while it is not listed); after a cancel, the steps not ended are Canceled. */
  stepStatus(step: SimStep, t = this.elapsed()): string | undefined {
    if (t < step.startMs - QUEUED_MS) return undefined
    if (this.cancelledAt !== undefined && t >= this.cancelledAt && t < step.endMs) return 'Canceled'
    if (t < step.startMs) return 'Queued'
    if (t < step.endMs) return 'Running'
    return step.result ?? 'Completed'
  }

  pipelineStatus(): string {
    if (this.cancelledAt !== undefined) return 'Canceled'
    const t = this.elapsed()
    if (t < STARTING_MS) return 'NotStarted'
    if (t < this.endMs) return 'Running'
    return this.steps.some(s => s.result === 'Failed') ? 'Failed' : 'Completed'
  }

  private child(step: SimStep): Record<string, unknown> | undefined {
    const t = this.elapsed()
    const status = this.stepStatus(step, t)
    if (status === undefined) return undefined
    const iso = (ms: number): string => new Date(this.start + ms).toISOString()
    const ended = status !== 'Queued' && status !== 'Running'
    return {
      runId: this.runId(step),
      parentRunId: this.runs.get(step)?.parentRunId ?? PIPELINE,
      rootRunId: PIPELINE,
      displayName: step.displayName ?? step.name,
      status,
      runType: step.steps ? 'azureml.PipelineRun' : 'azureml.StepRun',
      properties: { 'azureml.nodeid': step.name },
      ...(t >= step.startMs ? { startTimeUtc: iso(step.startMs) } : {}),
      ...(ended ? { endTimeUtc: iso(Math.min(step.endMs, t)) } : {}),
      ...(status === 'Failed' && step.error ? { error: { error: step.error } } : {})
    }
  }

  private reply(kind: RequestKind, url: string, body: unknown, status = 200): HttpResponse {
    this.requests.push({ kind, at: this.clock.now() - this.start, url })
    return { status, headers: {}, body: typeof body === 'string' ? body : JSON.stringify(body) }
  }

  private range(kind: RequestKind, request: HttpRequest, text: string): HttpResponse {
    const from = Number(/bytes=(\d+)-/.exec(request.headers?.Range ?? '')?.[1] ?? 0)
    const bytes = Buffer.from(text)
    if (from >= bytes.length) return this.reply(kind, request.url, '', 416)
    return this.reply(kind, request.url, bytes.subarray(from).toString('utf8'), 206)
  }

  private executionLog(): string {
    const t = this.elapsed()
    const lines: [number, string][] = []
    for (const s of this.steps) {
      if (t >= s.startMs) lines.push([s.startMs, `[pipeline] step ${s.name} started\n`])
      if (t >= s.endMs) lines.push([s.endMs, `[pipeline] step ${s.name} ended\n`])
    }
    return lines
      .sort((a, b) => a[0] - b[0])
      .map(l => l[1])
      .join('')
  }

  async send(request: HttpRequest): Promise<HttpResponse> {
    const url = new URL(request.url)
    const path = decodeURIComponent(url.pathname)
    if (url.host === 'blob.example') {
      const [run, ...rest] = path.slice(1).split('/')
      if (run === PIPELINE) return this.range('pipeline-log', request, this.executionLog())
      const step = this.allSteps.find(s => this.runId(s) === run)
      if (!step || rest.join('/') !== 'user_logs/std_log.txt') return this.reply('other', request.url, '', 404)
      // The log is whole once the step has ended (it grows while it runs: half of it then).
      const log = step.log ?? `hello from ${step.name}\n`
      const running = this.stepStatus(step) === 'Running'
      return this.range('step-log', request, running ? log.slice(0, Math.floor(log.length / 2)) : log)
    }
    if (path.startsWith(`${WS}/jobs/${PIPELINE}`)) {
      if (request.method === 'POST' && path.endsWith('/cancel')) {
        this.cancelledAt ??= this.clock.now() - this.start
        return this.reply('cancel', request.url, '', 202)
      }
      const jobs = Object.fromEntries(
        this.steps.map(s => [
          s.name,
          { type: s.steps ? 'pipeline' : 'command', ...(s.displayName ? { display_name: s.displayName } : {}) }
        ])
      )
      return this.reply('job', request.url, {
        id: `${WS}/jobs/${PIPELINE}`,
        name: PIPELINE,
        properties: { jobType: 'Pipeline', status: this.pipelineStatus(), experimentName: 'sim', jobs }
      })
    }
    const runs = /\/history\/v1\.0.*\/runs\/([^/]+)\/(children|details)$/.exec(path)
    if (runs) {
      const [, run, what] = runs
      const sub = this.allSteps.find(s => s.steps && this.runId(s) === run)
      if (what === 'children' && (run === PIPELINE || sub)) {
        const all = (sub?.steps ?? this.steps).map(s => this.child(s)).filter(c => c !== undefined)
        const from = Number(url.searchParams.get('$continuationtoken') ?? 0)
        const page = all.slice(from, from + this.pageSize)
        const next = from + this.pageSize < all.length ? String(from + this.pageSize) : null
        const kind = sub ? 'sub-children' : 'children'
        return this.reply(kind, request.url, { value: page, continuationToken: next, nextLink: null })
      }
      if (what === 'details' && run === PIPELINE) {
        return this.reply('pipeline-details', request.url, {
          runId: PIPELINE,
          status: this.pipelineStatus(),
          logFiles: {
            'logs/azureml/executionlogs.txt': `https://blob.example/${PIPELINE}/logs/azureml/executionlogs.txt?sig=PiPeSeCrEt`
          }
        })
      }
      const step = this.allSteps.find(s => this.runId(s) === run)
      if (what === 'details' && step) {
        const child = this.child(step) ?? { runId: run, status: 'NotStarted' }
        const started = this.elapsed() >= step.startMs
        return this.reply('step-details', request.url, {
          ...child,
          logFiles: started
            ? { 'user_logs/std_log.txt': `https://blob.example/${run}/user_logs/std_log.txt?sig=StEpSeCrEt` }
            : {}
        })
      }
    }
    return this.reply('other', request.url, { error: { code: 'NotFound', message: 'no such thing' } }, 404)
  }
}
