/**
 * Following an experiment run to its end: one module for start-run (with `wait`), poll-run and the post step.
 *
 * - Status rules (DESIGN.md): Completed, Failed and Canceled (or Cancelled) end the wait; every other value,
 *   known (NotStarted, Queued, Preparing, Running, Finalizing, CancelRequested, NotResponding, Paused, ...) or not, is
 *   polled through.
 * - Polls back off with jitter from about 2 s to 30 s, so a 6-hour run costs about 750 status reads.
 * - Tokens are refreshed by the token provider and the HTTP client (a 401 ExpiredAuthenticationToken refreshes once).
 * - At the deadline (timeout-minutes) the wait fails saying the run is still running; with cancel-on-timeout the run
 *   is cancelled first, through a client that has a few seconds of its own past the step's deadline.
 * - The driver log (`logFiles` of the run details) is followed with `Range: bytes=N-` and printed once per line, inside
 *   `::stop-commands::` so text from the service cannot act as a workflow command.
 * - SIGINT/SIGTERM (a cancelled workflow) aborts the wait; the run is cancelled within a few seconds and the step fails.
 */
import * as core from '@actions/core'
import { randomUUID } from 'node:crypto'
import type { Context } from '../action/context.js'
import { armAuth, dataPlaneUrl, workspacePath } from '../arm/endpoints.js'
import { OperationFailedError, TimeoutError } from '../action/errors.js'
import { createHttpClient, parseJson } from '../http/client.js'
import { oneLine } from '../http/redact.js'
import type { HttpClient, HttpResponse } from '../http/types.js'
import type { CommonSettings, WorkspaceRef } from '../action/settings.js'
import { markRunOutcome } from './state.js'
import { USER_AGENT } from '../action/version.js'

export type TerminalStatus = 'Completed' | 'Failed' | 'Canceled'

const TERMINAL: Record<string, TerminalStatus> = {
  completed: 'Completed',
  failed: 'Failed',
  canceled: 'Canceled',
  cancelled: 'Canceled'
}

/** The terminal status `status` stands for, or undefined while the run goes on (unknown values included). */
export function terminalStatus(status: string | undefined): TerminalStatus | undefined {
  return status === undefined ? undefined : TERMINAL[status.trim().toLowerCase()]
}

// 1 s right after a change of status: a short run is noticed within about a second (bench: end to end), and the
// growth to 30 s keeps a 6-hour run near 800 reads.
export const FIRST_POLL_MS = 1_000
export const MAX_POLL_MS = 30_000
const POLL_GROWTH = 1.5
/** A run GET may answer 404 for a moment after startrun: tolerated this long. */
const NOT_FOUND_GRACE_MS = 60_000
/** A partial line longer than this is printed without waiting for its end. */
const MAX_PENDING_LINE_BYTES = 64 * 1024
/** Time the last-chance cancel (SIGINT, cancel-on-timeout) may take: the runner kills the step 7.5 s after SIGINT. */
export const CANCEL_BUDGET_MS = 4_000

/**
 * The wait before poll `n` (0-based): FIRST_POLL_MS growing by half each time up to MAX_POLL_MS, times a jitter in
 * [0.8, 1) so that many runs started together do not poll in step.
 */
export function pollDelay(n: number, random: number): number {
  const base = Math.min(MAX_POLL_MS, FIRST_POLL_MS * POLL_GROWTH ** Math.min(n, 20))
  return Math.round(base * (0.8 + 0.2 * Math.min(Math.max(random, 0), 1)))
}

/** The run as history/v1.0 returns it (the fields used here). */
export interface RunBody {
  runId?: string
  status?: string
  startTimeUtc?: string
  endTimeUtc?: string
  createdUtc?: string
  error?: { error?: { code?: string; message?: string }; code?: string; message?: string }
  [key: string]: unknown
}

export interface RunTarget {
  /** The workspace's API server. */
  api: string
  workspace: WorkspaceRef
  experimentName: string
  runId: string
}

export interface RunResult {
  status: TerminalStatus
  run: RunBody
}

export interface PollOptions {
  settings: CommonSettings
  cancelOnTimeout: boolean
  /** Aborted with a WorkflowCancelledError on SIGINT/SIGTERM (see watchSignals). */
  signal?: AbortSignal
  /** The client for the last-chance cancel, which has its own few seconds past the deadline. Default: a new one. */
  graceHttp?: HttpClient
  /** Follow the driver log (default true). */
  streamLog?: boolean
  /** Where log lines go (default: stdout through core.info). */
  print?: (line: string) => void
  /** Called once the run has ended, Failed and Canceled too, before the step fails for them (the PR comment). */
  onEnd?: (result: RunResult) => Promise<void>
}

/** The workflow was cancelled (the runner sent SIGINT or SIGTERM). */
export class WorkflowCancelledError extends Error {
  constructor(readonly signalName: string) {
    super(`the workflow was cancelled (${signalName})`)
    this.name = 'WorkflowCancelledError'
  }
}

export function runUrl(target: RunTarget, suffix = ''): string {
  return dataPlaneUrl(
    target.api,
    'history',
    target.workspace,
    `/experiments/${encodeURIComponent(target.experimentName)}/runs/${encodeURIComponent(target.runId)}${suffix}`
  )
}

export function cancelUrl(target: RunTarget): string {
  return dataPlaneUrl(
    target.api,
    'execution',
    target.workspace,
    `/experiments/${encodeURIComponent(target.experimentName)}/runId/${encodeURIComponent(target.runId)}/cancel`
  )
}

/** The run's page in Azure ML studio: `{portalHost}/runs/{runId}?wsid={WS}`. */
export function runPortalUrl(settings: CommonSettings, workspace: WorkspaceRef, runId: string): string {
  return `${settings.endpoints.portalHost.replace(/\/+$/, '')}/runs/${encodeURIComponent(runId)}?wsid=${workspacePath(workspace)}`
}

/** The run's own error message (`error.error.message` in RunDetails and Run, or a flat `error.message`). */
export function runErrorMessage(run: RunBody): string | undefined {
  const inner = run.error?.error ?? run.error
  if (!inner?.message) return undefined
  return inner.code ? `${inner.code}: ${inner.message}` : inner.message
}

export async function getRun(http: HttpClient, settings: CommonSettings, target: RunTarget): Promise<HttpResponse> {
  return http.send({ method: 'GET', url: runUrl(target), auth: armAuth(settings), acceptStatus: [404] })
}

/** POST cancel. Idempotent (cancelling twice is harmless), so it is retried. A 404 (no such run) is returned. */
export async function sendCancel(http: HttpClient, settings: CommonSettings, target: RunTarget): Promise<HttpResponse> {
  return http.send({
    method: 'POST',
    url: cancelUrl(target),
    auth: armAuth(settings),
    idempotent: true,
    acceptStatus: [404]
  })
}

/** A client for a last call after the step's deadline or on SIGINT: the same tokens, its own short deadline. */
export function graceClient(ctx: Context, settings: CommonSettings, budgetMs = CANCEL_BUDGET_MS): HttpClient {
  return createHttpClient({
    tokens: ctx.tokens,
    clock: ctx.clock,
    userAgent: USER_AGENT,
    deadline: ctx.clock.now() + budgetMs,
    maxAttempts: 3,
    dryRun: settings.dryRun
  })
}

/**
 * Polls the run until a terminal status and returns it (Failed and Canceled included: the caller decides). Throws a
 * TimeoutError at the deadline (after cancelling with cancelOnTimeout) and a WorkflowCancelledError when `signal`
 * aborts (the caller cancels then, see cancelAfterSignal).
 */
export async function pollRun(ctx: Context, target: RunTarget, options: PollOptions): Promise<RunResult> {
  const { settings, signal } = options
  const log = options.streamLog === false ? undefined : new DriverLog(ctx, settings, target, options.print)
  const started = ctx.clock.now()
  let last: string | undefined
  let polls = 0
  for (;;) {
    signal?.throwIfAborted()
    let response: HttpResponse
    try {
      response = await abortable(getRun(ctx.http, settings, target), signal)
    } catch (error) {
      // A read cut short by the deadline is the timeout, not a failed read.
      if (error instanceof TimeoutError && ctx.clock.now() >= ctx.deadline) {
        return timedOut(ctx, target, options, last ?? 'not visible')
      }
      throw error
    }
    let run: RunBody | undefined
    if (response.status === 404) {
      if (ctx.clock.now() - started > NOT_FOUND_GRACE_MS) {
        throw new OperationFailedError(
          `Run ${target.runId} was not found in experiment ${target.experimentName} of workspace ` +
            `${target.workspace.workspaceName}.`
        )
      }
      core.info(`Run ${target.runId} is not visible yet; waiting.`)
    } else {
      run = parseJson<RunBody>(response) ?? {}
      const status = run.status ?? 'Unknown'
      if (status !== last) {
        // Service text on one line: a status can never start a line of the log (a workflow command).
        core.info(`Run ${target.runId}: ${oneLine(status, 200)}`)
        if (last !== undefined) polls = 0 // a change: look again soon
        last = status
      }
      const terminal = terminalStatus(status)
      if (log) await abortable(log.follow(terminal !== undefined), signal)
      if (terminal) return { status: terminal, run }
    }

    const remaining = ctx.deadline - ctx.clock.now()
    const delay = pollDelay(polls++, ctx.clock.random())
    if (remaining <= delay) {
      // No read can start after the deadline: wait it out, and the last status seen is the answer.
      await ctx.clock.sleep(Math.max(0, remaining), signal)
      return timedOut(ctx, target, options, last ?? 'not visible')
    }
    await ctx.clock.sleep(delay, signal)
  }
}

async function timedOut(ctx: Context, target: RunTarget, options: PollOptions, status: string): Promise<never> {
  const minutes = `${options.settings.timeoutMinutes} minute${options.settings.timeoutMinutes === 1 ? '' : 's'}`
  const what = `Run ${target.runId} is still ${status} after ${minutes} (timeout-minutes)`
  if (!options.cancelOnTimeout) {
    markRunOutcome('left-running')
    throw new TimeoutError(
      `${what}; it keeps running in Azure ML. Follow it with poll-run, stop it with cancel-run, or set ` +
        'cancel-on-timeout: true to cancel it at the timeout.'
    )
  }
  const cancelled = await bestEffortCancel(options.graceHttp ?? graceClient(ctx, options.settings), options, target)
  throw new TimeoutError(
    cancelled
      ? `${what}: cancelled it (cancel-on-timeout).`
      : `${what}; cancelling it (cancel-on-timeout) failed, so it may still be running: stop it with cancel-run.`
  )
}

/** Sends cancel once; true when the service took it, false (with a warning) otherwise. Records the outcome in state. */
export async function bestEffortCancel(
  http: HttpClient,
  options: Pick<PollOptions, 'settings'>,
  target: RunTarget
): Promise<boolean> {
  try {
    const response = await sendCancel(http, options.settings, target)
    if (response.status === 404) {
      core.info(`Run ${target.runId} was not found: nothing to cancel.`)
    } else {
      core.info(`Cancel requested for run ${target.runId}.`)
    }
    markRunOutcome('cancelled')
    return true
  } catch (error) {
    core.warning(`Could not cancel run ${target.runId}: ${(error as Error).message}`)
    return false
  }
}

/**
 * After SIGINT/SIGTERM: cancels the run (within CANCEL_BUDGET_MS) and returns the error the step fails with. The
 * process is made to exit soon after, even if a request of the aborted poll still holds a socket open.
 */
export async function cancelAfterSignal(
  ctx: Context,
  target: RunTarget,
  options: Pick<PollOptions, 'settings' | 'graceHttp'>,
  reason: WorkflowCancelledError
): Promise<OperationFailedError> {
  core.info(`The workflow is being cancelled (${reason.signalName}): cancelling run ${target.runId}.`)
  const cancelled = await bestEffortCancel(options.graceHttp ?? graceClient(ctx, options.settings), options, target)
  ctx.outputs.set('status', cancelled ? 'CancelRequested' : 'Unknown')
  return new OperationFailedError(
    `The workflow was cancelled (${reason.signalName}) while run ${target.runId} was in progress: ` +
      (cancelled
        ? 'the run was cancelled.'
        : 'cancelling the run failed; the post step tries again, else cancel it in Azure ML studio.')
  )
}

/** Resolves with `promise`, or rejects with the signal's reason as soon as it aborts (the promise is left to settle). */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      value => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      error => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      }
    )
  })
}

export interface SignalWatch {
  signal: AbortSignal
  /** Removes the handlers; with `exitSoon`, also makes sure the process exits shortly (sockets of an aborted poll). */
  dispose(options?: { exitSoon?: boolean }): void
}

/**
 * Turns SIGINT/SIGTERM into an aborted signal (Node's default would kill the process before the run is cancelled).
 * A hard stop 5 s after the first signal ends the process whatever is still pending.
 */
export function watchSignals(hardStopMs = 5_000): SignalWatch {
  const controller = new AbortController()
  let hardStop: NodeJS.Timeout | undefined
  const handler = (name: NodeJS.Signals): void => {
    if (controller.signal.aborted) return
    hardStop = setTimeout(() => process.exit(process.exitCode || 1), hardStopMs)
    controller.abort(new WorkflowCancelledError(name))
  }
  process.on('SIGINT', handler)
  process.on('SIGTERM', handler)
  return {
    signal: controller.signal,
    dispose(options) {
      process.off('SIGINT', handler)
      process.off('SIGTERM', handler)
      if (options?.exitSoon || controller.signal.aborted) {
        hardStop?.unref()
        // Lets main write its failure and the summary, then exits if an aborted request still keeps Node alive.
        setTimeout(() => process.exit(process.exitCode || 1), 500).unref()
      }
    }
  }
}

/**
 * The driver log, followed as it grows. The byte offset of what was printed is kept; only whole lines are printed
 * (a chunk may end inside a line or a UTF-8 character), the rest at the end of the run.
 */
export class DriverLog {
  private url: string | undefined
  private offset = 0
  private failures = 0
  private readonly print: (line: string) => void

  constructor(
    private readonly ctx: Context,
    private readonly settings: CommonSettings,
    private readonly target: RunTarget,
    print?: (line: string) => void
  ) {
    this.print = print ?? (line => core.info(line))
  }

  /** Prints what the log gained since the last call; `final`: everything, the last partial line too. */
  async follow(final: boolean): Promise<void> {
    try {
      if (!this.url) this.url = await this.findUrl()
      if (!this.url) return
      const response = await this.ctx.http.send({
        method: 'GET',
        url: this.url,
        headers: { Range: `bytes=${this.offset}-`, Accept: '*/*' },
        auth: { kind: 'none' },
        acceptStatus: [416, 403, 404],
        timeoutMs: 30_000
      })
      if (response.status === 416) return // nothing new
      if (response.status === 403 || response.status === 404) {
        // An expired SAS: ask the run details for a fresh URL next time.
        this.url = undefined
        return
      }
      let chunk = Buffer.from(response.body, 'utf8')
      // A server that ignores Range answers 200 with the whole log.
      if (response.status === 200) chunk = chunk.subarray(Math.min(this.offset, chunk.length))
      this.emit(chunk, final)
    } catch (error) {
      // The log is a courtesy: a failure to read it never fails the wait.
      if (this.failures++ < 3) core.info(`Could not read the driver log: ${(error as Error).message}`)
    }
  }

  private emit(chunk: Buffer, final: boolean): void {
    const lastNewline = chunk.lastIndexOf(0x0a)
    let take: Buffer
    if (final || chunk.length > MAX_PENDING_LINE_BYTES) take = chunk
    else if (lastNewline < 0) return
    else take = chunk.subarray(0, lastNewline + 1)
    if (take.length === 0) return
    this.offset += take.length
    const lines = take.toString('utf8').replace(/\n$/, '').split('\n')
    // Text from the service must not act as workflow commands: a fresh token each time, which no log can guess.
    const token = randomUUID()
    this.print(`::stop-commands::${token}`)
    for (const line of lines) this.print(line.replace(/\r$/, ''))
    this.print(`::${token}::`)
  }

  private async findUrl(): Promise<string | undefined> {
    const response = await this.ctx.http.send({
      method: 'GET',
      url: runUrl(this.target, '/details'),
      auth: armAuth(this.settings)
    })
    const details = parseJson<{ logFiles?: Record<string, string> }>(response)
    const files = details?.logFiles ?? {}
    const names = Object.keys(files)
    const name =
      names.find(n => /(^|\/)70_driver_log\.txt$/.test(n)) ??
      names.find(n => /driver_log/.test(n)) ??
      names.find(n => /(^|\/)std_log\.txt$/.test(n))
    const url = name ? files[name] : undefined
    if (url) maskSasUrl(url)
    return url
  }
}

/** A log URL is a SAS URL: its signature is a secret, masked before anything could print it. */
export function maskSasUrl(url: string): void {
  try {
    const sig = new URL(url).searchParams.get('sig')
    if (sig) {
      core.setSecret(sig)
      core.setSecret(encodeURIComponent(sig))
    }
  } catch {
    // not a URL: nothing to mask
  }
}

/**
 * The wait shared by start-run and poll-run: polls to the end, sets `status` and `response`, writes the job summary,
 * records the outcome for the post step, and fails on Failed or Canceled with the run's own error message.
 */
export async function followRun(
  ctx: Context,
  target: RunTarget,
  options: PollOptions & { signal: AbortSignal }
): Promise<void> {
  let result: RunResult
  try {
    result = await pollRun(ctx, target, options)
  } catch (error) {
    if (error instanceof WorkflowCancelledError) throw await cancelAfterSignal(ctx, target, options, error)
    throw error
  }
  markRunOutcome('finished')
  reportRunResult(ctx, result.run)
  await options.onEnd?.(result)
  if (result.status === 'Completed') {
    core.info(`Run ${target.runId} completed.`)
    return
  }
  const message = runErrorMessage(result.run)
  throw new OperationFailedError(
    `Run ${target.runId} ended ${result.status}${message ? `: ${message}` : '.'} ` +
      `Logs: ${runPortalUrl(options.settings, target.workspace, target.runId)}`
  )
}

/** `status`, `response` and the summary's status and duration lines, from a run body. */
export function reportRunResult(ctx: Context, run: RunBody): void {
  const status = run.status ?? 'Unknown'
  ctx.outputs.set('status', status)
  ctx.outputs.setResponse(run)
  ctx.report.facts.push(['Status', status])
  const duration = runDuration(run)
  if (duration !== undefined) ctx.report.facts.push(['Duration', formatDuration(duration)])
  const message = runErrorMessage(run)
  if (message && terminalStatus(status) !== 'Completed') ctx.report.facts.push(['Run error', message])
}

/** From the start (or creation) to the end, when both are known. */
export function runDuration(run: RunBody): number | undefined {
  const start = Date.parse(run.startTimeUtc ?? run.createdUtc ?? '')
  const end = Date.parse(run.endTimeUtc ?? '')
  return Number.isFinite(start) && Number.isFinite(end) && end >= start ? end - start : undefined
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000)
  if (s < 60) return `${s} s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m} min ${s % 60} s`
  return `${Math.floor(m / 60)} h ${m % 60} min`
}
