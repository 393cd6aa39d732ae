/**
 * A simulated sweep job on ARM, run history, MLflow and storage, for the sweep-following tests: every answer follows
 * the simulated time (`clock.now()`). Shapes as the emulator serves them (emulator/resources/sweep-process.ts,
 * mlflow.ts): the job at `GET {WS}/jobs/{name}` (`jobType: Sweep`, `objective`, `limits`, and once ended
 * `properties.best_child_run_id` / `score`), the trials at `GET .../runs/{name}/children` (runIds `<sweep>_<n>`, their
 * sampled values in `properties._aml_system_hyperparameters`), a failed trial's `details` with its error, the sweep's
 * `details` listing `azureml-logs/hyperdrive.txt`, and `GET .../mlflow/v1.0{WS}/api/2.0/mlflow/runs/get`. Every request
 * is counted by kind.
 */
import type { HttpClient, HttpRequest, HttpResponse } from '../src/base/http-types.js'

export interface SimTrial {
  /** Ms after the sweep's start: listed (Queued) from `startMs - 10 s`, Running, ended at `endMs`. */
  startMs: number
  endMs: number
  result?: 'Completed' | 'Failed'
  error?: { code: string; message: string }
  values: Record<string, unknown>
  /** Its last logged primary metric value (none: never logged). */
  metric?: number
}

export type SweepRequestKind = 'job' | 'cancel' | 'children' | 'details' | 'log' | 'mlflow' | 'other'

export const SWEEP = 'sweep_sim'
const QUEUED_MS = 10_000
const WS =
  '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws'

export class SweepService implements HttpClient {
  readonly requests: { kind: SweepRequestKind; url: string }[] = []
  cancelledAt: number | undefined

  constructor(
    private readonly clock: { now(): number },
    private readonly start: number,
    readonly trials: SimTrial[],
    readonly objective = { goal: 'maximize', primaryMetric: 'accuracy' }
  ) {}

  count(kind: SweepRequestKind): number {
    return this.requests.filter(r => r.kind === kind).length
  }

  private elapsed(): number {
    const t = this.clock.now() - this.start
    return this.cancelledAt === undefined ? t : Math.min(t, this.cancelledAt)
  }

  private get endMs(): number {
    return Math.max(...this.trials.map(t => t.endMs)) + 5_000
  }

  trialStatus(trial: SimTrial, t = this.elapsed()): string | undefined {
    if (t < trial.startMs - QUEUED_MS) return undefined
    if (this.cancelledAt !== undefined && t >= this.cancelledAt && t < trial.endMs) return 'Canceled'
    if (t < trial.startMs) return 'Queued'
    if (t < trial.endMs) return 'Running'
    return trial.result ?? 'Completed'
  }

  sweepStatus(): string {
    if (this.cancelledAt !== undefined) return 'Canceled'
    const t = this.elapsed()
    if (t < 5_000) return 'NotStarted'
    if (t < this.endMs) return 'Running'
    return this.trials.every(x => x.result === 'Failed') ? 'Failed' : 'Completed'
  }

  /** The best completed trial by the objective (what the service records at the end). */
  best(): { runId: string; metric: number } | undefined {
    const done = this.trials
      .map((trial, n) => ({ trial, n }))
      .filter(x => (x.trial.result ?? 'Completed') === 'Completed' && x.trial.metric !== undefined)
    if (done.length === 0) return undefined
    const sign = this.objective.goal === 'maximize' ? -1 : 1
    done.sort((a, b) => sign * ((a.trial.metric as number) - (b.trial.metric as number)))
    return { runId: `${SWEEP}_${done[0].n}`, metric: done[0].trial.metric as number }
  }

  private child(trial: SimTrial, n: number): Record<string, unknown> | undefined {
    const t = this.elapsed()
    const status = this.trialStatus(trial, t)
    if (status === undefined) return undefined
    const iso = (ms: number): string => new Date(this.start + ms).toISOString()
    const ended = status !== 'Queued' && status !== 'Running'
    return {
      runId: `${SWEEP}_${n}`,
      parentRunId: SWEEP,
      status,
      properties: { _aml_system_hyperparameters: JSON.stringify(trial.values) },
      ...(t >= trial.startMs ? { startTimeUtc: iso(trial.startMs) } : {}),
      ...(ended ? { endTimeUtc: iso(Math.min(trial.endMs, t)) } : {})
    }
  }

  private reply(kind: SweepRequestKind, url: string, body: unknown, status = 200): HttpResponse {
    this.requests.push({ kind, url })
    return { status, headers: {}, body: typeof body === 'string' ? body : JSON.stringify(body) }
  }

  private hyperdriveLog(): string {
    const t = this.elapsed()
    return this.trials
      .flatMap((x, n) => [
        ...(t >= x.startMs ? [[x.startMs, `[hyperdrive] trial ${SWEEP}_${n} started\n`] as const] : []),
        ...(t >= x.endMs ? [[x.endMs, `[hyperdrive] trial ${SWEEP}_${n} ended\n`] as const] : [])
      ])
      .sort((a, b) => a[0] - b[0])
      .map(l => l[1])
      .join('')
  }

  async send(request: HttpRequest): Promise<HttpResponse> {
    const url = new URL(request.url)
    const path = decodeURIComponent(url.pathname)
    if (url.host === 'blob.example') {
      const text = Buffer.from(this.hyperdriveLog())
      const from = Number(/bytes=(\d+)-/.exec(request.headers?.Range ?? '')?.[1] ?? 0)
      if (from >= text.length) return this.reply('log', request.url, '', 416)
      return this.reply('log', request.url, text.subarray(from).toString('utf8'), 206)
    }
    if (path.startsWith(`${WS}/jobs/${SWEEP}`)) {
      if (request.method === 'POST' && path.endsWith('/cancel')) {
        this.cancelledAt ??= this.clock.now() - this.start
        return this.reply('cancel', request.url, '', 202)
      }
      const status = this.sweepStatus()
      const best = status === 'Completed' ? this.best() : undefined
      return this.reply('job', request.url, {
        id: `${WS}/jobs/${SWEEP}`,
        name: SWEEP,
        properties: {
          jobType: 'Sweep',
          status,
          experimentName: 'sim',
          objective: this.objective,
          limits: { jobLimitsType: 'Sweep', maxTotalTrials: this.trials.length, maxConcurrentTrials: 2 },
          properties: best ? { best_child_run_id: best.runId, score: String(best.metric) } : {}
        }
      })
    }
    if (path.endsWith('/api/2.0/mlflow/runs/get')) {
      const n = Number(/_(\d+)$/.exec(url.searchParams.get('run_id') ?? '')?.[1] ?? -1)
      const trial = this.trials[n]
      if (!trial) return this.reply('mlflow', request.url, { error_code: 'RESOURCE_DOES_NOT_EXIST' }, 404)
      const metrics =
        trial.metric === undefined ? [] : [{ key: this.objective.primaryMetric, value: trial.metric, step: 0 }]
      return this.reply('mlflow', request.url, { run: { info: { run_id: `${SWEEP}_${n}` }, data: { metrics } } })
    }
    const runs = /\/history\/v1\.0.*\/runs\/([^/]+)\/(children|details)$/.exec(path)
    if (runs) {
      const [, run, what] = runs
      if (what === 'children' && run === SWEEP) {
        const value = this.trials.map((x, n) => this.child(x, n)).filter(c => c !== undefined)
        return this.reply('children', request.url, { value, continuationToken: null })
      }
      if (what === 'details' && run === SWEEP)
        return this.reply('details', request.url, {
          runId: SWEEP,
          status: this.sweepStatus(),
          logFiles: { 'azureml-logs/hyperdrive.txt': `https://blob.example/${SWEEP}/hyperdrive.txt?sig=HyPeRsEcReT` }
        })
      const n = Number(/_(\d+)$/.exec(run)?.[1] ?? -1)
      const trial = this.trials[n]
      if (what === 'details' && trial) {
        const child = this.child(trial, n) ?? { runId: run, status: 'NotStarted' }
        const failed = child.status === 'Failed' && trial.error
        return this.reply('details', request.url, { ...child, ...(failed ? { error: { error: trial.error } } : {}) })
      }
    }
    return this.reply('other', request.url, { error: { code: 'NotFound', message: 'no such thing' } }, 404)
  }
}
