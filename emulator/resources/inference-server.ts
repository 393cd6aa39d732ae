/**
 * The inference servers of online deployments: what Azure runs in a deployment's containers, the storage initializer
 * (which downloads the model and the code) and the inference server (azureml-inference-server-http, `azmlinfsrv`, which
 * imports the scoring script, calls `init()` once and `run(raw_data)` per request). No spec of its own:
 * online-deployments.ts starts a server when a deployment provisions, online-endpoints.ts sends it the scoring
 * requests, and `OnlineDeployments_GetLogs` reads the logs kept here.
 *
 * Each Succeeded deployment has ONE long-lived python3 process running `emulator/inference_harness.py` (its docstring
 * has the protocol: requests on stdin, answers on file descriptor 3, both line-delimited JSON; the script's own output
 * on stdout/stderr is the `InferenceServer` log). Its folder, `<stateDir>/deployments/<endpoint>-<deployment>-<n>/`,
 * holds `model/` (`AZUREML_MODEL_DIR`: a model folder is downloaded under its own name, `model/<folder name>/...`, a
 * single-file model as `model/<file name>`, as Azure mounts them) and `code/<folder name>/` (`AML_APP_ROOT`, the
 * working directory; the scoring script is relative to it). Requests are served one at a time, in order; one that
 * takes longer than `requestSettings.requestTimeout` is answered 408 (its late answer is dropped).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { Readable, Writable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import type { State } from '../core/state.js'
import type { EmulatorConfig } from '../core/types.js'
import type { BlobLocation, Blobs } from './blobs.js'
import { killGroup } from './run-process.js'

/** The Python side: emulator/inference_harness.py. */
export const HARNESS = join(dirname(fileURLToPath(import.meta.url)), '..', 'inference_harness.py')

const MAX_LOG_LINES = 5000
/** A hung `init()` fails the deployment after this long (Azure: the readiness probe gives up). */
const INIT_LIMIT_MS = 10 * 60_000

/** A container's log: whole lines, the last MAX_LOG_LINES kept. */
export class LogBuffer {
  private lines: string[] = []
  private partial = ''

  /** Output as it comes (partial lines are held until their newline). */
  write(chunk: string): void {
    const text = this.partial + chunk
    const parts = text.split(/\r?\n/)
    this.partial = parts.pop() ?? ''
    for (const p of parts) this.push(p)
  }

  /** A whole line. */
  line(text: string): void {
    this.push(text)
  }

  private push(line: string): void {
    this.lines.push(line)
    if (this.lines.length > MAX_LOG_LINES) this.lines.splice(0, this.lines.length - MAX_LOG_LINES)
  }

  /** The last `tail` lines (all without), newline-terminated. */
  tail(tail?: number | null): string {
    const all = this.partial ? [...this.lines, this.partial] : this.lines
    const picked = typeof tail === 'number' && tail >= 0 ? all.slice(Math.max(0, all.length - tail)) : all
    return picked.length > 0 ? `${picked.join('\n')}\n` : ''
  }
}

export interface DeploymentLogs {
  /** `containerType: InferenceServer`: the server process's stdout and stderr, plus one access line per request. */
  inference: LogBuffer
  /** `containerType: StorageInitializer`: the model and code downloads. */
  storage: LogBuffer
}

export type ScoreResult =
  | { kind: 'ok'; body: string; ms: number }
  | { kind: 'error'; error: string; traceback: string; ms: number }
  | { kind: 'timeout'; ms: number }
  | { kind: 'unavailable'; why: string }

/** What a deployment's server needs: where its model and code are, the script, its environment. */
export interface LaunchPlan {
  /** The deployment's name, for folder names and messages. */
  label: string
  model?: { uri: string; location: BlobLocation }
  code?: { uri: string; location: BlobLocation }
  scoringScript: string
  environmentVariables: Record<string, string>
  /** `requestSettings.requestTimeout` in ms (shown in the server's banner; applied per request by the caller). */
  requestTimeoutMs: number
  /** Extra wait before the process starts (the `deployment-slow` fault). */
  delayMs?: number
}

export type LaunchResult = { ok: true; server: InferenceServer } | { ok: false; code: string; message: string }

const troubleshooting = (anchor: string): string =>
  `Please see troubleshooting guide, available here: https://aka.ms/oe-tsg#error-${anchor}`

/** One running harness process. */
export class InferenceServer {
  ready = false
  exited = false
  exitCode: number | null = null
  private nextId = 1
  private pending = new Map<number, (r: ScoreResult) => void>()
  private lastStderr = ''
  private waiters: ((r: { ok: true } | { ok: false; error: string; traceback: string }) => void)[] = []
  private initOutcome?: { ok: true } | { ok: false; error: string; traceback: string }

  constructor(
    private readonly proc: ChildProcess,
    logs: DeploymentLogs
  ) {
    proc.stdout?.on('data', (c: Buffer) => logs.inference.write(c.toString('utf8')))
    proc.stderr?.on('data', (c: Buffer) => {
      const text = c.toString('utf8')
      logs.inference.write(text)
      const lines = (this.lastStderr + text).split('\n').filter(l => l.trim() !== '')
      this.lastStderr = lines.slice(-3).join('\n')
    })
    let buffered = ''
    const channel = proc.stdio[3] as Readable | null
    channel?.on('data', (c: Buffer) => {
      buffered += c.toString('utf8')
      let nl: number
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl)
        buffered = buffered.slice(nl + 1)
        if (line.trim()) this.message(line)
      }
    })
    channel?.on('error', () => {})
    ;(proc.stdin as Writable | null)?.on('error', () => {})
    proc.on('error', err => {
      logs.inference.line(`could not start python3: ${err.message}`)
      this.settleInit({ ok: false, error: `could not start python3: ${err.message}`, traceback: '' })
    })
    proc.on('close', code => {
      this.exited = true
      this.ready = false
      this.exitCode = code
      const last = this.lastStderr.split('\n').pop() ?? ''
      this.settleInit({
        ok: false,
        error: `the inference server exited with code ${code ?? 'unknown (killed)'}${last ? `: ${last}` : ''}`,
        traceback: this.lastStderr
      })
      for (const resolve of this.pending.values()) {
        resolve({ kind: 'unavailable', why: `the inference server exited (code ${code ?? 'killed'})` })
      }
      this.pending.clear()
    })
  }

  private message(line: string): void {
    let m: { type?: string; id?: number; ok?: boolean; body?: string; error?: string; traceback?: string }
    try {
      m = JSON.parse(line) as typeof m
    } catch {
      return
    }
    if (m.type === 'ready') {
      this.ready = true
      this.settleInit({ ok: true })
    } else if (m.type === 'init_failed') {
      this.settleInit({ ok: false, error: m.error ?? 'init() failed', traceback: m.traceback ?? '' })
    } else if (typeof m.id === 'number') {
      const resolve = this.pending.get(m.id)
      this.pending.delete(m.id)
      resolve?.(
        m.ok
          ? { kind: 'ok', body: m.body ?? '', ms: 0 }
          : { kind: 'error', error: m.error ?? 'run() failed', traceback: m.traceback ?? '', ms: 0 }
      )
    }
  }

  private settleInit(outcome: { ok: true } | { ok: false; error: string; traceback: string }): void {
    if (this.initOutcome) return
    this.initOutcome = outcome
    for (const w of this.waiters) w(outcome)
    this.waiters = []
  }

  /** Resolves when `init()` has returned or failed (or the process died). */
  initialized(): Promise<{ ok: true } | { ok: false; error: string; traceback: string }> {
    if (this.initOutcome) return Promise.resolve(this.initOutcome)
    return new Promise(resolve => this.waiters.push(resolve))
  }

  /** Calls `run(data)`; answers within `timeoutMs` or with `timeout`. */
  score(data: string, timeoutMs: number): Promise<ScoreResult> {
    if (!this.ready || this.exited) {
      return Promise.resolve({ kind: 'unavailable', why: 'the inference server is not running' })
    }
    const id = this.nextId++
    const started = Date.now()
    return new Promise<ScoreResult>(resolve => {
      const timer =
        timeoutMs > 0
          ? setTimeout(() => {
              this.pending.delete(id)
              resolve({ kind: 'timeout', ms: Date.now() - started })
            }, timeoutMs)
          : undefined
      this.pending.set(id, r => {
        if (timer) clearTimeout(timer)
        resolve(r.kind === 'ok' || r.kind === 'error' ? { ...r, ms: Date.now() - started } : r)
      })
      ;(this.proc.stdin as Writable).write(`${JSON.stringify({ id, data })}\n`)
    })
  }

  stop(): void {
    this.ready = false
    if (this.exited) return
    try {
      ;(this.proc.stdin as Writable | null)?.end()
    } catch {
      // already closed
    }
    killGroup(this.proc, 500)
  }
}

/** The servers and logs of every deployment, by deployment key (core/state.ts `onlineDeploymentKey`). */
export class InferenceServers {
  private servers = new Map<string, InferenceServer>()
  private logsByKey = new Map<string, DeploymentLogs>()
  private counter = 0
  private closed = false
  /** Waits of provisioning (the least a deployment takes, the deployment-slow fault): cut short on close/reset. */
  private waits = new Set<{ timer: NodeJS.Timeout; done: () => void }>()

  constructor(
    private readonly config: EmulatorConfig,
    state: State,
    private readonly stateDir: string,
    private readonly blobs: Blobs,
    private readonly log: (line: string) => void
  ) {
    // A deleted workspace takes its endpoints' servers with it (deployment keys start with the workspace key).
    const previous = state.onWorkspaceDeleted
    state.onWorkspaceDeleted = wsKey => {
      previous(wsKey)
      for (const key of [...this.servers.keys(), ...this.logsByKey.keys()]) {
        if (key.startsWith(`${wsKey}/`)) this.forget(key)
      }
    }
  }

  /** Whether the emulator is closing: provisioning stops where it is. */
  get isClosed(): boolean {
    return this.closed
  }

  /**
   * Waits `ms` for a provisioning step. Every such wait ends early (resolves) when the emulator closes or is reset, so
   * no timer outlives the emulator (a deployment still provisioning after a test file ended kept the process busy).
   */
  sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.closed) return Promise.resolve()
    return new Promise(resolve => {
      const entry = {
        timer: setTimeout(() => {
          this.waits.delete(entry)
          resolve()
        }, ms),
        done: resolve
      }
      this.waits.add(entry)
    })
  }

  private endWaits(): void {
    for (const w of this.waits) {
      clearTimeout(w.timer)
      w.done()
    }
    this.waits.clear()
  }

  logs(key: string): DeploymentLogs {
    let l = this.logsByKey.get(key)
    if (!l) {
      l = { inference: new LogBuffer(), storage: new LogBuffer() }
      this.logsByKey.set(key, l)
    }
    return l
  }

  /** The ready server of a deployment. */
  get(key: string): InferenceServer | undefined {
    const s = this.servers.get(key)
    return s?.ready && !s.exited ? s : undefined
  }

  /**
   * The storage initializer and the inference server: downloads the model and the code, starts the harness and waits
   * for `init()`. A failure is the deployment's error (`ResourceNotReady` when the script fails, as Azure says).
   */
  async launch(key: string, plan: LaunchPlan): Promise<LaunchResult> {
    const logs = this.logs(key)
    const stamp = (): string => new Date().toISOString()
    const dir = join(this.stateDir, 'deployments', `${plan.label.replace(/[^\w-]/g, '_')}-${++this.counter}`)
    rmSync(dir, { recursive: true, force: true })
    const modelDir = join(dir, 'model')
    const codeRoot = join(dir, 'code')
    mkdirSync(modelDir, { recursive: true })
    mkdirSync(codeRoot, { recursive: true })
    if (plan.delayMs) await this.sleep(plan.delayMs)
    const storage = logs.storage
    storage.line(`${stamp()} Storage initializer started: model ${plan.model ? 'and' : 'none,'} code to download.`)
    let appRoot = codeRoot
    try {
      if (plan.model) {
        storage.line(`${stamp()} Downloading model ${plan.model.uri}`)
        // The real initializer logs the blob URL it reads, SAS included: a secret a client must not print.
        storage.line(`${stamp()} Source: ${await this.sourceUrl(plan.model.location)}`)
        const got = await this.downloadNamed(plan.model.location, modelDir)
        if (got === 0) {
          return storageFailure(
            storage,
            'model',
            `no blobs found at ${plan.model.location.container}/${plan.model.location.prefix} (BlobNotFound)`
          )
        }
        storage.line(`${stamp()} Downloaded ${got} model file(s) to ${modelDir}`)
      }
      if (plan.code) {
        storage.line(`${stamp()} Downloading code ${plan.code.uri}`)
        storage.line(`${stamp()} Source: ${await this.sourceUrl(plan.code.location)}`)
        const name = folderName(plan.code.location.prefix) || 'code'
        appRoot = join(codeRoot, name)
        const got = await this.blobs.download(plan.code.location, appRoot)
        if (got.count === 0) {
          return storageFailure(
            storage,
            'code',
            `no blobs found at ${plan.code.location.container}/${plan.code.location.prefix} (BlobNotFound)`
          )
        }
        storage.line(`${stamp()} Downloaded ${got.count} code file(s) to ${appRoot}`)
      }
    } catch (e) {
      return storageFailure(storage, plan.model ? 'model' : 'code', (e as Error).message)
    }
    storage.line(`${stamp()} Storage initializer finished.`)
    if (this.closed) return { ok: false, code: 'Canceled', message: 'The emulator is closing.' }
    const script = join(appRoot, plan.scoringScript)
    const proc = spawn(this.config.python, ['-u', HARNESS, script], {
      cwd: appRoot,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
      env: {
        ...process.env,
        ...plan.environmentVariables,
        AZUREML_MODEL_DIR: modelDir,
        AML_APP_ROOT: appRoot,
        AZUREML_ENTRY_SCRIPT: plan.scoringScript,
        SCORING_TIMEOUT_MS: String(plan.requestTimeoutMs),
        PYTHONUNBUFFERED: '1',
        PYTHONDONTWRITEBYTECODE: '1'
      }
    })
    const server = new InferenceServer(proc, logs)
    const limit = new Promise<{ ok: false; error: string; traceback: string }>(resolve => {
      const t = setTimeout(
        () => resolve({ ok: false, error: `init() did not return within ${INIT_LIMIT_MS / 1000} s`, traceback: '' }),
        INIT_LIMIT_MS
      )
      t.unref()
    })
    const outcome = await Promise.race([server.initialized(), limit])
    if (outcome.ok) {
      this.log(`deployment ${plan.label}: inference server ready (pid ${proc.pid ?? '?'})`)
      return { ok: true, server }
    }
    server.stop()
    return {
      ok: false,
      code: 'ResourceNotReady',
      message:
        `User container has crashed or terminated: the scoring script's init() failed: ${outcome.error}. ` +
        `Check the deployment's logs (getLogs) for the traceback. ${troubleshooting('resourcenotready')}`
    }
  }

  /** Makes `server` the deployment's (stopping the one it replaces). */
  install(key: string, server: InferenceServer): void {
    if (this.closed) return server.stop()
    const previous = this.servers.get(key)
    if (previous && previous !== server) previous.stop()
    this.servers.set(key, server)
  }

  /** Stops the deployment's server (its logs stay until `forget`). */
  stop(key: string): void {
    this.servers.get(key)?.stop()
    this.servers.delete(key)
  }

  /** Stops the server and drops the logs (the deployment is gone). */
  forget(key: string): void {
    this.stop(key)
    this.logsByKey.delete(key)
  }

  stopAll(): void {
    for (const s of this.servers.values()) s.stop()
    this.servers.clear()
  }

  /** The emulator closes: every server stops, and none starts any more. */
  close(): void {
    this.closed = true
    this.endWaits()
    this.stopAll()
  }

  reset(): void {
    this.endWaits()
    this.stopAll()
    this.logsByKey.clear()
    rmSync(join(this.stateDir, 'deployments'), { recursive: true, force: true })
  }

  /** The blob folder's URL with a read SAS, as the storage initializer's log shows it; the bare path when none can be made. */
  private async sourceUrl(location: BlobLocation): Promise<string> {
    try {
      return await this.blobs.blobReadUrl(location.container, location.prefix.replace(/^\/+/, ''), 3600_000)
    } catch {
      return `${location.container}/${location.prefix}`
    }
  }

  /** A folder is downloaded under its own name, one blob as itself. Returns the number of files. */
  private async downloadNamed(location: BlobLocation, into: string): Promise<number> {
    const prefix = location.prefix.replace(/^\/+/, '')
    if (prefix && !prefix.endsWith('/')) {
      const container = await this.blobs.container(location.container)
      if (await container.getBlobClient(prefix).exists()) {
        return (await this.blobs.download({ container: location.container, prefix }, into)).count
      }
    }
    const name = folderName(prefix)
    return (await this.blobs.download(location, name ? join(into, name) : into)).count
  }
}

/**
 * The storage initializer could not download the model or the code: its log says why and the deployment fails the way
 * Azure's does. Azure's text (the troubleshooting guide's "ERROR: ResourceNotFound", "Unable to download user model";
 * reports such as MicrosoftDocs/azure-docs#120727 "ResourceNotFound: Unable to download user model/code artifacts")
 * names the artifacts and points at the container logs; the inference server never starts (its log stays empty).
 */
export function storageFailure(
  storage: LogBuffer,
  what: 'model' | 'code',
  why: string
): { ok: false; code: string; message: string } {
  const stamp = new Date().toISOString()
  storage.line(`${stamp} Error: failed to download the ${what}: ${why}`)
  storage.line(
    `${stamp} Storage initializer failed: the ${what} could not be downloaded; the inference server was not started.`
  )
  return {
    ok: false,
    code: 'ResourceNotFound',
    message:
      `Unable to download user ${what} artifacts. Check the storage initializer container's logs for details ` +
      `(getLogs with containerType StorageInitializer; az ml online-deployment get-logs --container ` +
      `storage-initializer). ${troubleshooting('resourcenotfound')}`
  }
}

/** `a/b/model/` → `model`; '' for the container's root. */
function folderName(prefix: string): string {
  return prefix.replace(/\/+$/, '').split('/').pop() ?? ''
}
