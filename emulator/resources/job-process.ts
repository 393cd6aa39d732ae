/**
 * v2 jobs that really run (jobs.ts serves them; the statuses are mfe.json 2024-04-01's `JobStatus`). A Command job
 * walks NotStarted → Queued → Preparing → Running → Finalizing → Completed | Failed:
 *
 * - Preparing: its code (the code version's `codeUri`: blobs on Azurite) is downloaded into `<stateDir>/jobs/<job>-<n>/
 *   code`; every uri_file/uri_folder (mltable, model) input is downloaded into `inputs/<name>` (an
 *   `azureml://datastores/<ds>/paths/<p>` URI, a data asset `azureml:<name>:<version>` or its ARM id, or an Azurite URL;
 *   mode `Direct` passes the URI itself); every output gets an empty folder `outputs/<name>`;
 * - Running: `${{inputs.x}}` (a literal's value, or the local path) and `${{outputs.y}}` (the folder) are substituted
 *   into `command`, which runs with `bash -c` in the code folder with `environmentVariables` (plus
 *   `AZUREML_RUN_ID`, `AZURE_ML_INPUT_<x>`, `AZURE_ML_OUTPUT_<y>`, `PYTHONUNBUFFERED=1`); stdout and stderr go, as
 *   they come, to the append blob `ExperimentRun/dcid.<job>/user_logs/std_log.txt` of the container `azureml`
 *   (workspaceartifactstore, where Azure keeps run logs and artifacts; one Append Block every ~300 ms), so a reader can follow it with `Range: bytes=N-`. With the older
 *   runtime's layout (config `jobLogLayout: legacy`) a system log `azureml-logs/55_azureml-execution-tvmps_x.txt` is
 *   listed first and the output goes to `azureml-logs/70_driver_log.txt`, listed `delays.jobDriverLogAfterMs` later;
 * - Finalizing (at least `delays.jobFinalizingMs`; Azure uploads the outputs then, and refuses a cancel): the log's
 *   last bytes, and each output folder uploaded to the default datastore under `azureml/<job>/outputs/<y>/` (or the
 *   output's own `azureml://datastores/...` uri); the command's `./outputs`
 *   folder to `ExperimentRun/dcid.<job>/outputs/` of `workspaceartifactstore` (the job's artifacts);
 * - Completed on exit code 0; Failed otherwise, with `{code: "UserError", message}` naming the exit code and the last
 *   stderr line (also when the code or an input cannot be fetched, or `limits.timeout` is exceeded).
 *
 * Cancel kills the process group (run-process.ts's `killGroup`): CancelRequested (at least
 * `delays.jobCancelRequestedMs`, and until the process has exited) → Canceled. Faults (core/types.ts):
 * `run-stuck` (the job stops at a status; NotResponding/Paused are reached when the command exits), `job-fail` (it
 * fails at Running with the fault's error, without running the command), `job-slow` (each step takes `delayMs` more).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { iso } from '../core/http.js'
import type { State } from '../core/state.js'
import type { EmulatorConfig } from '../core/types.js'
import { jobArtifacts, type Blobs, type BlobLocation } from './blobs.js'
import { killGroup } from './run-process.js'

/**
 * The compute name that means Azure's serverless compute, not a compute of the workspace: a job's `computeId`
 * `{WS}/computes/serverless` (or `azureml:serverless`, `serverless`) runs without any compute existing
 * (https://learn.microsoft.com/azure/machine-learning/how-to-use-serverless-compute; azure-ai-ml
 * `constants/_common.py` `SERVERLESS_COMPUTE`, sent as `{WS}/computes/serverless` by `_job_operations.py`).
 */
export const SERVERLESS_COMPUTE = 'serverless'

/** Whether a compute name (the last segment of a `computeId`) is the serverless marker; compared as the SDK does. */
export function isServerlessCompute(name: string | undefined): boolean {
  return name === SERVERLESS_COMPUTE
}

type Json = Record<string, unknown>

export const JOB_TERMINAL = new Set(['Completed', 'Failed', 'Canceled'])
export const STD_LOG = 'user_logs/std_log.txt'
/** The older runtime's logs (`jobLogLayout: legacy`): the system's execution log, then the command's driver log. */
export const LEGACY_SYSTEM_LOG = 'azureml-logs/55_azureml-execution-tvmps_x.txt'
export const LEGACY_DRIVER_LOG = 'azureml-logs/70_driver_log.txt'
const FLUSH_MS = 300
const MAX_APPEND = 4 * 1024 * 1024

/** What a job needs resolved from the emulator's state, before it runs (jobs.ts supplies it). */
export interface JobResolver {
  /** Where the code version's blobs are, or an error message. */
  code(job: Job): Promise<BlobLocation | string | undefined>
  /** Where an input's or output's `uri` points, or an error message. */
  uri(job: Job, uri: string, kind: 'data' | 'models'): Promise<BlobLocation | string>
  /** The default datastore's container of the job's workspace. */
  defaultContainer(job: Job): string | undefined
  /** Variables the service sets in every job's process (MLflow's, mlflow.ts `jobMlflowEnv`). */
  env?(job: Job): Record<string, string>
}

/** One logged value of a metric, as MLflow's REST API carries it (mlflow.ts): `timestamp` in epoch ms. */
export interface MlflowMetric {
  key: string
  value: number
  timestamp: number
  step: number
}

export interface Job {
  workspaceKey: string
  /** The workspace's ARM id. */
  workspaceId: string
  name: string
  /** The PUT's `properties` (returned as sent, plus what the service fills in). */
  properties: Json
  tags?: Json
  status: string
  createdAt: string
  modifiedAt: string
  startTimeUtc?: string
  endTimeUtc?: string
  error?: { code: string; message: string }
  stuckIn?: string
  failWith?: { code: string; message: string }
  stepMs: number
  dir: string
  /** `common-runtime` or `legacy` (config `jobLogLayout` when the job was created). */
  logLayout: 'common-runtime' | 'legacy'
  /** The log blobs' container, once they exist. */
  logContainer?: string
  /** The job's log files as run history lists them: name (`user_logs/std_log.txt`, ...) → blob, and from when. */
  logs: { name: string; blob: string; listedFrom: number }[]
  /** When the cancel arrived (epoch ms). */
  cancelRequestedAt?: number
  exitCode?: number | null
  lastStderrLine?: string
  cancelRequested: boolean
  timedOut: boolean
  proc?: ChildProcess
  timers: NodeJS.Timeout[]
  history: { status: string; time: string }[]
  /** Pending cancel operation id (one per job). */
  cancelOperationId?: string
  runNumber: number
  /** A pipeline's step (or sub-pipeline): the run it is a child of, and the root pipeline's name (pipeline-process.ts). */
  parentJobName?: string
  rootJobName?: string
  /** A job the JobRunner does not walk itself (a pipeline: pipeline-process.ts drives its statuses). */
  orchestrated?: boolean
  /** Called after each change of status (a pipeline watches its steps with it). */
  onStatus?: (job: Job) => void
  /** An orchestrated job's cancel: reaches its steps; the orchestrator sets Canceled once they have ended. */
  onCancel?: () => void
  /** Run-history fields of a pipeline's child run: `displayName`, `properties` (`azureml.nodeid`, ...), `runType`. */
  run?: { displayName?: string; properties: Record<string, string>; runType: string }
  /** A pipeline's output bound to a step's output: `azureml://jobs/<pipeline>/outputs/<o>` reads the step's. */
  outputBindings?: Record<string, { job: string; output: string }>
  /** What the job logged through MLflow (mlflow.ts), in the order received. */
  metrics?: MlflowMetric[]
  mlflowParams?: Record<string, string>
  mlflowTags?: Record<string, string>
  /** Called for each metric the job logs (a sweep's early termination watches its trials with it). */
  onMetric?: (job: Job, metric: MlflowMetric) => void
}

export class JobRunner {
  jobs = new Map<string, Job>()
  private counter = 0

  constructor(
    private readonly config: EmulatorConfig,
    state: State,
    private readonly stateDir: string,
    private readonly blobs: Blobs,
    private readonly log: (line: string) => void
  ) {
    const previous = state.onWorkspaceDeleted
    state.onWorkspaceDeleted = wsKey => {
      previous(wsKey)
      for (const [k, job] of this.jobs) {
        if (job.workspaceKey !== wsKey) continue
        this.stop(job)
        this.jobs.delete(k)
      }
    }
  }

  key(wsKey: string, name: string): string {
    return `${wsKey}/${name}`.toLowerCase()
  }

  get(wsKey: string, name: string): Job | undefined {
    return this.jobs.get(this.key(wsKey, name))
  }

  create(
    init: Pick<
      Job,
      'workspaceKey' | 'workspaceId' | 'name' | 'properties' | 'tags' | 'stuckIn' | 'failWith' | 'stepMs'
    > &
      Partial<
        Pick<
          Job,
          'logLayout' | 'parentJobName' | 'rootJobName' | 'orchestrated' | 'onStatus' | 'onCancel' | 'run' | 'onMetric'
        >
      >,
    resolver: JobResolver
  ): Job {
    const now = iso()
    const dir = join(this.stateDir, 'jobs', `${init.name.replace(/[^\w-]/g, '_')}-${++this.counter}`)
    const job: Job = {
      ...init,
      logLayout: init.logLayout ?? this.config.jobLogLayout ?? 'common-runtime',
      logs: [],
      status: 'NotStarted',
      createdAt: now,
      modifiedAt: now,
      dir,
      cancelRequested: false,
      timedOut: false,
      timers: [],
      history: [{ status: 'NotStarted', time: now }],
      runNumber: this.counter
    }
    this.jobs.set(this.key(job.workspaceKey, job.name), job)
    if (!job.orchestrated) this.schedule(job, resolver)
    return job
  }

  /** A new status (and its time in `history`); public for the orchestrator of a pipeline (pipeline-process.ts). */
  setStatus(job: Job, status: string): void {
    job.status = status
    job.modifiedAt = iso()
    job.history.push({ status, time: job.modifiedAt })
    if (status === 'Running') job.startTimeUtc ??= job.modifiedAt
    if (JOB_TERMINAL.has(status)) job.endTimeUtc ??= job.modifiedAt
    this.log(`job ${job.name}: ${status}`)
    job.onStatus?.(job)
  }

  private advance(job: Job, status: string): boolean {
    if (JOB_TERMINAL.has(job.status) || job.cancelRequested) return false
    if (job.stuckIn && job.stuckIn === job.status) return false
    this.setStatus(job, status)
    return true
  }

  private after(job: Job, ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      job.timers = job.timers.filter(x => x !== t)
      fn()
    }, ms)
    job.timers.push(t)
  }

  private fail(job: Job, message: string, code = 'UserError'): void {
    if (JOB_TERMINAL.has(job.status)) return
    job.error = { code, message }
    this.setStatus(job, 'Failed')
  }

  private schedule(job: Job, resolver: JobResolver): void {
    const d = this.config.delays
    const step = job.stepMs
    this.after(job, d.runQueuedMs + step, () => {
      if (!this.advance(job, 'Queued')) return
      this.after(job, d.runPreparingMs + step, () => {
        if (!this.advance(job, 'Preparing')) return
        const started = Date.now()
        this.prepare(job, resolver).then(
          prepared => {
            if (job.cancelRequested || JOB_TERMINAL.has(job.status)) return
            if (typeof prepared === 'string') return this.fail(job, prepared)
            const wait = Math.max(0, d.runStartMs + step - (Date.now() - started))
            this.after(job, wait, () => {
              if (!this.advance(job, 'Running')) return
              job.startTimeUtc = iso()
              void this.run(job, prepared, resolver).catch((error: unknown) =>
                this.fail(job, `The job could not run: ${(error as Error).message}`, 'SystemError')
              )
            })
          },
          (error: unknown) =>
            this.fail(job, `The job could not be prepared: ${(error as Error).message}`, 'SystemError')
        )
      })
    })
  }

  /** Code, inputs and output folders; the substituted command and environment. A string is the failure. */
  private async prepare(job: Job, resolver: JobResolver): Promise<Prepared | string> {
    const p = job.properties
    rmSync(job.dir, { recursive: true, force: true })
    const codeDir = join(job.dir, 'code')
    mkdirSync(codeDir, { recursive: true })
    mkdirSync(join(job.dir, 'user_logs'), { recursive: true })
    const code = await resolver.code(job)
    if (typeof code === 'string') return code
    if (code) {
      const got = await this.blobs.download(code, codeDir)
      if (got.count === 0) {
        return `The code of the job (${String(p.codeId)}) has no files at ${code.container}/${code.prefix}.`
      }
    }
    const values: Record<string, string> = {}
    const env: Record<string, string> = { ...(resolver.env?.(job) ?? {}) }
    const inputs = (p.inputs ?? {}) as Record<string, Json | null>
    for (const [name, input] of Object.entries(inputs)) {
      if (!input) continue
      const type = String(input.jobInputType ?? '').toLowerCase()
      if (type === 'literal') {
        values[`inputs.${name}`] = String(input.value ?? '')
        continue
      }
      const uri = String(input.uri ?? '')
      if (String(input.mode ?? '').toLowerCase() === 'direct') {
        values[`inputs.${name}`] = uri
        env[`AZURE_ML_INPUT_${name}`] = uri
        continue
      }
      const where = await resolver.uri(job, uri, type.endsWith('_model') ? 'models' : 'data')
      if (typeof where === 'string') return `Input '${name}': ${where}`
      const dir = join(job.dir, 'inputs', name)
      const got = await this.blobs.download(where, dir)
      if (got.count === 0) return `Input '${name}': nothing found at ${uri} (${where.container}/${where.prefix}).`
      const local = type === 'uri_file' && got.single ? got.single : dir
      values[`inputs.${name}`] = local
      env[`AZURE_ML_INPUT_${name}`] = local
    }
    const outputs = (p.outputs ?? {}) as Record<string, Json | null>
    for (const name of Object.keys(outputs)) {
      const dir = join(job.dir, 'outputs', name)
      mkdirSync(dir, { recursive: true })
      values[`outputs.${name}`] = dir
      env[`AZURE_ML_OUTPUT_${name}`] = dir
    }
    const command = String(p.command ?? '').replace(
      /\$\{\{\s*((?:inputs|outputs)\.[\w.-]+)\s*\}\}/g,
      (whole, key: string) => (key in values ? values[key] : whole)
    )
    return { command, env, codeDir }
  }

  private async run(job: Job, prepared: Prepared, resolver: JobResolver): Promise<void> {
    // Logs are run artifacts: the `azureml` container of workspaceartifactstore, beside ./outputs (Azure's logFiles
    // URLs read `https://<account>.blob.core.windows.net/azureml/ExperimentRun/dcid.<run>/...`, e.g. in
    // Azure/azureml-examples#1123), so `jobs.download` (the `default` output) finds them there.
    const container = resolver.defaultContainer(job) ? jobArtifacts(job.name).container : undefined
    const logPath = join(job.dir, STD_LOG)
    writeFileSync(logPath, '')
    const legacy = job.logLayout === 'legacy'
    const userLog = legacy ? LEGACY_DRIVER_LOG : STD_LOG
    let appendClient: import('@azure/storage-blob').AppendBlobClient | undefined
    try {
      if (container) {
        job.logContainer = container
        if (legacy) {
          // The older runtime lists its own execution log first; the driver log appears once the command runs.
          await this.systemLog(job, `${iso()} Starting the job on its node (emulator: older log layout).\n`)
        }
        appendClient = await this.logBlob(container, job, userLog)
        const listedFrom = Date.now() + (legacy ? this.config.delays.jobDriverLogAfterMs : 0)
        job.logs.push({ name: userLog, blob: logBlobName(job, userLog), listedFrom })
      }
    } catch (error) {
      this.log(`job ${job.name}: log blob not created: ${(error as Error).message}`)
    }
    let pending: Buffer[] = []
    let flushing: Promise<void> = Promise.resolve()
    const flush = (): Promise<void> => {
      flushing = flushing.then(async () => {
        if (!appendClient || pending.length === 0) return
        const data = Buffer.concat(pending)
        pending = []
        for (let at = 0; at < data.length; at += MAX_APPEND) {
          const part = data.subarray(at, at + MAX_APPEND)
          try {
            await appendClient.appendBlock(part, part.length)
          } catch (error) {
            this.log(`job ${job.name}: log append failed: ${(error as Error).message}`)
          }
        }
      })
      return flushing
    }
    const ticker = setInterval(() => void flush(), FLUSH_MS)
    const write = (chunk: Buffer): void => {
      pending.push(chunk)
      try {
        appendFileSync(logPath, chunk)
      } catch {
        // The state folder was removed (reset/close) while the process still wrote.
      }
    }

    if (job.cancelRequested) {
      clearInterval(ticker)
      return
    }
    let code: number | null
    if (job.failWith) {
      write(Buffer.from(`Emulator fault job-fail: ${job.failWith.message}\n`))
      code = null
    } else {
      code = await new Promise<number | null>(resolve => {
        const timeoutMs = isoDurationMs(String((job.properties.limits as Json | undefined)?.timeout ?? ''))
        const vars = (job.properties.environmentVariables ?? {}) as Record<string, unknown>
        const proc = spawn('bash', ['-c', prepared.command], {
          cwd: prepared.codeDir,
          detached: true,
          stdio: ['ignore', 'pipe', 'pipe'],
          env: {
            ...process.env,
            ...Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, String(v)])),
            ...prepared.env,
            PYTHONUNBUFFERED: '1',
            AZUREML_RUN_ID: job.name,
            AZUREML_EXPERIMENT_NAME: String(job.properties.experimentName ?? 'Default')
          }
        })
        job.proc = proc
        let stderrTail = ''
        proc.stdout?.on('data', write)
        proc.stderr?.on('data', (chunk: Buffer) => {
          write(chunk)
          stderrTail = (stderrTail + chunk.toString('utf8')).slice(-4096)
          const lines = stderrTail.split('\n').filter(l => l.trim() !== '')
          if (lines.length > 0) job.lastStderrLine = lines[lines.length - 1].trim()
        })
        if (timeoutMs > 0) {
          this.after(job, timeoutMs, () => {
            job.timedOut = true
            killGroup(proc)
          })
        }
        proc.on('error', err => {
          write(Buffer.from(`${err.message}\n`))
          job.lastStderrLine = `could not start bash: ${err.message}`
        })
        proc.on('close', exit => {
          job.proc = undefined
          resolve(exit)
        })
      })
    }
    job.exitCode = code
    clearInterval(ticker)
    for (const t of job.timers) clearTimeout(t)
    job.timers = []
    await this.finish(job, code, resolver, flush)
  }

  /** Creates (if need be) the append blob of one of the job's logs. */
  private async logBlob(
    container: string,
    job: Job,
    name: string
  ): Promise<import('@azure/storage-blob').AppendBlobClient> {
    const client = (await this.blobs.container(container)).getAppendBlobClient(logBlobName(job, name))
    await client.createIfNotExists({ blobHTTPHeaders: { blobContentType: 'text/plain; charset=utf-8' } })
    return client
  }

  /** Appends a line to the older runtime's system log (`legacy` layout only; listed from its first line). */
  private async systemLog(job: Job, text: string): Promise<void> {
    if (job.logLayout !== 'legacy' || !job.logContainer) return
    try {
      const client = await this.logBlob(job.logContainer, job, LEGACY_SYSTEM_LOG)
      await client.appendBlock(text, Buffer.byteLength(text))
      if (!job.logs.some(l => l.name === LEGACY_SYSTEM_LOG)) {
        job.logs.unshift({ name: LEGACY_SYSTEM_LOG, blob: logBlobName(job, LEGACY_SYSTEM_LOG), listedFrom: 0 })
      }
    } catch (error) {
      this.log(`job ${job.name}: system log not written: ${(error as Error).message}`)
    }
  }

  private async finish(
    job: Job,
    code: number | null,
    resolver: JobResolver,
    flush: () => Promise<void>
  ): Promise<void> {
    await this.systemLog(job, `${iso()} The user process exited with code ${code ?? 'unknown (killed)'}.\n`)
    if (job.cancelRequested) {
      await flush()
      this.endCancel(job)
      return
    }
    let error: Job['error']
    if (job.failWith) error = job.failWith
    else if (job.timedOut) {
      error = {
        code: 'UserError',
        message: `The job exceeded its limits.timeout (${String((job.properties.limits as Json | undefined)?.timeout)}) and was stopped.`
      }
    } else if (code !== 0) {
      const line = job.lastStderrLine
      error = {
        code: 'UserError',
        message:
          `Execution failed. User process 'bash' exited with status code ${code ?? 'unknown (killed)'}.` +
          (line
            ? ` Please check log file '${job.logLayout === 'legacy' ? LEGACY_DRIVER_LOG : STD_LOG}' for error ` +
              `details. Error: ${line}`
            : '')
      }
    }
    // Stuck in Running: stays there. Stuck in a status off the normal path (NotResponding, Paused): goes there.
    if (job.stuckIn === 'Running') {
      await flush()
      return
    }
    if (job.stuckIn && !['NotStarted', 'Queued', 'Preparing', 'Finalizing', 'CancelRequested'].includes(job.stuckIn)) {
      await flush()
      this.setStatus(job, job.stuckIn)
      return
    }
    this.setStatus(job, 'Finalizing')
    const started = Date.now()
    await flush()
    if (!error) {
      try {
        await this.uploadOutputs(job, resolver)
      } catch (e) {
        error = { code: 'SystemError', message: `Uploading the job's outputs failed: ${(e as Error).message}` }
      }
    }
    if (job.stuckIn === 'Finalizing') return
    const wait = Math.max(0, this.config.delays.jobFinalizingMs + job.stepMs - (Date.now() - started))
    this.after(job, wait, () => {
      if (job.cancelRequested || JOB_TERMINAL.has(job.status)) return
      if (error) {
        job.error = error
        this.setStatus(job, 'Failed')
      } else {
        this.setStatus(job, 'Completed')
      }
    })
  }

  private async uploadOutputs(job: Job, resolver: JobResolver): Promise<void> {
    const outputs = (job.properties.outputs ?? {}) as Record<string, Json | null>
    for (const [name, output] of Object.entries(outputs)) {
      const uri = typeof output?.uri === 'string' && output.uri ? output.uri : undefined
      let where: BlobLocation | string | undefined = uri ? await resolver.uri(job, uri, 'data') : undefined
      if (typeof where === 'string') throw new Error(`output '${name}': ${where}`)
      if (!where) {
        const container = resolver.defaultContainer(job)
        if (!container) continue
        where = { container, prefix: `azureml/${job.name}/outputs/${name}/` }
      }
      await this.blobs.upload(join(job.dir, 'outputs', name), where)
    }
    // The command's own ./outputs folder: run artifacts, as Azure uploads them to the artifact store
    // (ExperimentRun/dcid.<job>/outputs/...), what azureml://jobs/<job>/outputs/artifacts/paths/outputs/... reads.
    const artifacts = jobArtifacts(job.name)
    await this.blobs.upload(join(job.dir, 'code', 'outputs'), {
      container: artifacts.container,
      prefix: `${artifacts.prefix}outputs/`
    })
  }

  /**
   * Cancel: CancelRequested, the process group killed, then Canceled once it has exited and
   * `delays.jobCancelRequestedMs` has passed (never, for a job `run-stuck` in CancelRequested). The caller refuses a
   * job in Finalizing (jobs.ts).
   */
  cancel(job: Job): void {
    if (JOB_TERMINAL.has(job.status) || job.cancelRequested) return
    job.cancelRequested = true
    job.cancelRequestedAt = Date.now()
    for (const t of job.timers) clearTimeout(t)
    job.timers = []
    this.setStatus(job, 'CancelRequested')
    if (job.onCancel) return job.onCancel()
    // With a process, finish() ends the cancel once it has exited.
    if (job.proc) killGroup(job.proc)
    else this.endCancel(job)
  }

  private endCancel(job: Job): void {
    if (JOB_TERMINAL.has(job.status) || job.stuckIn === 'CancelRequested') return
    const wait = Math.max(0, this.config.delays.jobCancelRequestedMs - (Date.now() - (job.cancelRequestedAt ?? 0)))
    this.after(job, wait, () => {
      if (!JOB_TERMINAL.has(job.status)) this.setStatus(job, 'Canceled')
    })
  }

  private stop(job: Job): void {
    for (const t of job.timers) clearTimeout(t)
    job.timers = []
    job.cancelRequested = true
    if (job.proc) killGroup(job.proc, 0)
  }

  stopAll(): void {
    for (const job of this.jobs.values()) this.stop(job)
  }

  reset(): void {
    this.stopAll()
    this.jobs = new Map()
    rmSync(join(this.stateDir, 'jobs'), { recursive: true, force: true })
  }
}

/** Where a log of the job lives in the artifact container (`azureml`): beside its artifacts, as Azure keeps them. */
function logBlobName(job: Job, name: string): string {
  return `ExperimentRun/dcid.${job.name}/${name}`
}

interface Prepared {
  command: string
  env: Record<string, string>
  codeDir: string
}

/** `PT1H30M`, `PT45S`, `P1DT2H` → milliseconds; 0 when absent or not a duration. */
export function isoDurationMs(value: string): number {
  const m = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(value)
  if (!m || value === 'P' || value === 'PT') return 0
  const [d, h, min, s] = m.slice(1).map(x => Number(x ?? 0))
  return Math.round(((d * 24 + h) * 60 + min) * 60_000 + s * 1000)
}
