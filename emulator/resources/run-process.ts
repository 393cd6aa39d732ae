/**
 * Runs that really run: the snapshot is unpacked under the state folder, `python3 <Script> <Arguments...>` is started
 * in it, and the run walks NotStarted → Queued → Preparing → Running → (Finalizing →) Completed/Failed by exit code,
 * with stdout and stderr appended to the driver log as they arrive. Cancel kills the process group. The statuses are
 * the run history spec's (runHistory.json 2019-09-30, `Run.status`); runs.ts serves them.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { iso } from '../core/http.js'
import type { State } from '../core/state.js'
import type { EmulatorConfig, Seed } from '../core/types.js'

export const DRIVER_LOG = 'azureml-logs/70_driver_log.txt'
export const TERMINAL = new Set(['Completed', 'Failed', 'Canceled'])

export interface Run {
  workspaceKey: string
  experimentName: string
  experimentId: string
  runId: string
  runNumber: number
  status: string
  createdUtc: string
  startTimeUtc?: string
  endTimeUtc?: string
  error?: { code: string; message: string }
  definition: unknown
  script: string
  args: string[]
  target: string
  maxRunDurationSeconds?: number
  /** Entry names of the uploaded snapshot zip (for tests: what the action packed). */
  snapshotEntries: string[]
  snapshotBytes: number
  dir: string
  logPath: string
  /** The `sig` of the driver log's SAS-style URL. */
  logSig: string
  stuckIn?: string
  exitCode?: number | null
  revision: number
  lastStderrLine?: string
  cancelRequested: boolean
  timedOut: boolean
  proc?: ChildProcess
  timers: NodeJS.Timeout[]
  /** The status history with times, for tests. */
  history: { status: string; time: string }[]
}

export class Runner {
  runs = new Map<string, Run>()
  private runNumber = 0
  private dirCounter = 0

  constructor(
    private readonly config: EmulatorConfig,
    private readonly state: State,
    private readonly stateDir: string,
    private readonly log: (line: string) => void
  ) {
    state.onWorkspaceDeleted = wsKey => {
      for (const [k, run] of this.runs) {
        if (run.workspaceKey !== wsKey) continue
        this.stop(run)
        this.runs.delete(k)
      }
    }
  }

  key(wsKey: string, runId: string): string {
    return `${wsKey}/${runId}`.toLowerCase()
  }

  get(wsKey: string, runId: string): Run | undefined {
    return this.runs.get(this.key(wsKey, runId))
  }

  /** Finds a run by id in any workspace (admin API). */
  find(runId: string): Run | undefined {
    return [...this.runs.values()].find(r => r.runId === runId)
  }

  /** A fresh folder for a run's snapshot and logs. */
  newRunDir(runId: string): string {
    const dir = join(this.stateDir, 'runs', `${runId.replace(/[^\w-]/g, '_')}-${++this.dirCounter}`)
    mkdirSync(join(dir, 'azureml-logs'), { recursive: true })
    return dir
  }

  create(init: {
    workspaceKey: string
    experimentName: string
    runId: string
    definition: unknown
    script: string
    args: string[]
    target: string
    maxRunDurationSeconds?: number
    snapshotEntries: string[]
    snapshotBytes: number
    dir: string
    stuckIn?: string
  }): Run {
    const exp = this.state.ensureExperiment(init.workspaceKey, init.experimentName)
    const now = iso()
    const run: Run = {
      ...init,
      experimentId: exp.experimentId,
      runNumber: ++this.runNumber,
      status: 'NotStarted',
      createdUtc: now,
      logPath: join(init.dir, DRIVER_LOG),
      logSig: randomBytes(24).toString('base64url'),
      revision: 1,
      cancelRequested: false,
      timedOut: false,
      timers: [],
      history: [{ status: 'NotStarted', time: now }]
    }
    writeFileSync(run.logPath, '')
    exp.latestCreatedRunId = run.runId
    exp.latestCreatedRunCreatedUtc = now
    this.runs.set(this.key(run.workspaceKey, run.runId), run)
    this.schedule(run)
    return run
  }

  private setStatus(run: Run, status: string): void {
    run.status = status
    run.revision++
    run.history.push({ status, time: iso() })
    if (TERMINAL.has(status)) run.endTimeUtc ??= iso()
    this.log(`run ${run.runId}: ${status}`)
  }

  /** Moves to `status` unless the run is stuck in its current one; returns whether it moved. */
  private advance(run: Run, status: string): boolean {
    if (TERMINAL.has(run.status) || run.cancelRequested) return false
    if (run.stuckIn && run.stuckIn === run.status) return false
    this.setStatus(run, status)
    return true
  }

  private after(run: Run, ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      run.timers = run.timers.filter(x => x !== t)
      fn()
    }, ms)
    run.timers.push(t)
  }

  private schedule(run: Run): void {
    const d = this.config.delays
    this.after(run, d.runQueuedMs, () => {
      if (!this.advance(run, 'Queued')) return
      this.after(run, d.runPreparingMs, () => {
        if (!this.advance(run, 'Preparing')) return
        this.after(run, d.runStartMs, () => {
          if (!this.advance(run, 'Running')) return
          run.startTimeUtc = iso()
          this.spawn(run)
        })
      })
    })
  }

  private spawn(run: Run): void {
    const snapshot = join(run.dir, 'snapshot')
    const proc = spawn(this.config.python, [run.script, ...run.args], {
      cwd: snapshot,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        PYTHONUNBUFFERED: '1',
        AZUREML_RUN_ID: run.runId,
        AZUREML_EXPERIMENT_NAME: run.experimentName,
        AZUREML_ARM_WORKSPACE_NAME: run.workspaceKey.split('/')[2] ?? ''
      }
    })
    run.proc = proc
    const append = (chunk: Buffer): void => {
      try {
        appendFileSync(run.logPath, chunk)
      } catch {
        // The state folder was removed (reset/close) while the process still wrote.
      }
    }
    let stderrTail = ''
    proc.stdout?.on('data', append)
    proc.stderr?.on('data', (chunk: Buffer) => {
      append(chunk)
      stderrTail = (stderrTail + chunk.toString('utf8')).slice(-4096)
      const lines = stderrTail.split('\n').filter(l => l.trim() !== '')
      if (lines.length > 0) run.lastStderrLine = lines[lines.length - 1].trim()
    })
    if (run.maxRunDurationSeconds && run.maxRunDurationSeconds > 0) {
      this.after(run, run.maxRunDurationSeconds * 1000, () => {
        run.timedOut = true
        killGroup(proc)
      })
    }
    proc.on('error', err => {
      append(Buffer.from(`${err.message}\n`))
      run.lastStderrLine = `could not start ${this.config.python}: ${err.message}`
    })
    proc.on('close', code => {
      run.proc = undefined
      run.exitCode = code
      this.finish(run, code)
    })
  }

  private finish(run: Run, code: number | null): void {
    for (const t of run.timers) clearTimeout(t)
    run.timers = []
    if (run.cancelRequested) {
      this.setStatus(run, 'Canceled')
      return
    }
    let final = 'Completed'
    if (run.timedOut) {
      final = 'Failed'
      run.error = {
        code: 'UserError',
        message: `The run exceeded MaxRunDurationSeconds (${run.maxRunDurationSeconds} s) and was stopped.`
      }
    } else if (code !== 0) {
      final = 'Failed'
      const line = run.lastStderrLine
      const message = !line
        ? `User program failed with exit code ${code ?? 'unknown (killed)'}`
        : /^\w+(Error|Exception|Exit|Interrupt)\b/.test(line)
          ? `User program failed with ${line}`
          : `User program failed with exit code ${code}: ${line}`
      run.error = { code: 'UserError', message }
    }
    // A run stuck in Running stays there; stuck in a status off the normal path (NotResponding, Paused, ...) goes there.
    if (run.stuckIn === 'Running') return
    if (run.stuckIn && !['NotStarted', 'Queued', 'Preparing'].includes(run.stuckIn)) {
      this.setStatus(run, run.stuckIn)
      return
    }
    const fin = this.config.delays.runFinalizingMs
    if (fin > 0) {
      this.setStatus(run, 'Finalizing')
      this.after(run, fin, () => this.setStatus(run, final))
    } else {
      this.setStatus(run, final)
    }
  }

  /** Cancel: immediate when nothing runs, else the process group is killed and the run ends Canceled on exit. */
  cancel(run: Run): void {
    if (TERMINAL.has(run.status) || run.cancelRequested) return
    run.cancelRequested = true
    for (const t of run.timers) clearTimeout(t)
    run.timers = []
    if (run.proc) {
      this.setStatus(run, 'CancelRequested')
      killGroup(run.proc)
    } else {
      this.setStatus(run, 'Canceled')
    }
  }

  private stop(run: Run): void {
    for (const t of run.timers) clearTimeout(t)
    run.timers = []
    run.cancelRequested = true
    if (run.proc) killGroup(run.proc, 0)
  }

  stopAll(): void {
    for (const run of this.runs.values()) this.stop(run)
  }

  reset(seed: Seed, wsKey: string): void {
    this.stopAll()
    this.runs = new Map()
    this.runNumber = 0
    rmSync(join(this.stateDir, 'runs'), { recursive: true, force: true })
    // The seeded run: the guide's hello.py, completed.
    const exp = this.state.ensureExperiment(wsKey, seed.experimentName)
    exp.createdUtc = '2020-01-21T21:30:00.000Z'
    const dir = this.newRunDir(seed.runId)
    const created = Number(/_(\d{13})$/.exec(seed.runId)?.[1] ?? Date.parse('2020-01-21T21:30:22.877Z'))
    const run: Run = {
      workspaceKey: wsKey,
      experimentName: seed.experimentName,
      experimentId: exp.experimentId,
      runId: seed.runId,
      runNumber: ++this.runNumber,
      status: 'Completed',
      createdUtc: iso(created),
      startTimeUtc: iso(created + 95_000),
      endTimeUtc: iso(created + 101_000),
      definition: { Configuration: { Script: 'hello.py', Arguments: ['234'], Target: seed.computeName } },
      script: 'hello.py',
      args: ['234'],
      target: seed.computeName,
      snapshotEntries: ['hello.py'],
      snapshotBytes: 0,
      dir,
      logPath: join(dir, DRIVER_LOG),
      logSig: randomBytes(24).toString('base64url'),
      exitCode: 0,
      revision: 6,
      cancelRequested: false,
      timedOut: false,
      timers: [],
      history: [{ status: 'Completed', time: iso(created + 101_000) }]
    }
    writeFileSync(run.logPath, 'Hello, REST!\n')
    exp.latestCreatedRunId = run.runId
    exp.latestCreatedRunCreatedUtc = run.createdUtc
    this.runs.set(this.key(wsKey, run.runId), run)
  }
}

/** SIGTERM to the whole group (the script's own children too), SIGKILL after `graceMs`. */
export function killGroup(proc: ChildProcess, graceMs = 2000): void {
  const signal = (sig: NodeJS.Signals): void => {
    try {
      if (proc.pid) process.kill(-proc.pid, sig)
    } catch {
      try {
        proc.kill(sig)
      } catch {
        // already gone
      }
    }
  }
  if (graceMs === 0) return signal('SIGKILL')
  signal('SIGTERM')
  const t = setTimeout(() => {
    if (proc.exitCode === null && proc.signalCode === null) signal('SIGKILL')
  }, graceMs)
  t.unref()
}
