/**
 * Following an experiment run to its end: one module for start-run (with `wait`), poll-run and the post step.
 *
 * - Status rules (DESIGN.md): Completed, Failed and Canceled (or Cancelled) end the wait; every other value,
 *   known (NotStarted, Queued, Preparing, Running, Finalizing, CancelRequested, NotResponding, Paused, ...) or not, is
 *   polled through.
 * - The loop, its backoff (1 s after a change, up to 30 s: about 830 reads for a 6-hour run), the log streaming and
 *   the signal handling are shared with v2 jobs (`src/follow/`); this module holds what is particular to v1 runs.
 * - Tokens are refreshed by the token provider and the HTTP client (a 401 ExpiredAuthenticationToken refreshes once).
 * - At the deadline (timeout-minutes) the wait fails saying the run is still running; with cancel-on-timeout the run
 *   is cancelled first, through a client that has a few seconds of its own past the step's deadline.
 * - The driver log (`logFiles` of the run details) is followed with `Range: bytes=N-` and printed once per line, inside
 *   `::stop-commands::` so text from the service cannot act as a workflow command.
 * - SIGINT/SIGTERM (a cancelled workflow) aborts the wait; the run is cancelled within a few seconds and the step fails.
 */
import * as core from '@actions/core'
import type { Context } from '../base/context.js'
import { armAuth, dataPlaneUrl, workspacePath } from '../arm/endpoints.js'
import { OperationFailedError, TimeoutError } from '../base/errors.js'
import { parseJson } from '../http/client.js'
import { oneLine } from '../http/redact.js'
import { formatDuration } from '../http/retry.js'
import { parseServiceError, toAzureRequestError } from '../http/azure-error.js'
import type { HttpClient, HttpResponse } from '../base/http-types.js'
import type { CommonSettings, WorkspaceRef } from '../base/settings.js'
import { markRunOutcome } from './state.js'
import { graceClient } from '../follow/grace.js'
import { LogStream } from '../follow/log-stream.js'
import { pollToEnd } from '../follow/poll.js'
import { WorkflowCancelledError } from '../follow/signals.js'

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

/**
 * POST cancel. Idempotent (cancelling twice is harmless), so it is retried. A 404 (no such run) is returned, and so is
 * the refusal of a run that has already ended (see isTerminalStateRefusal), with `alreadyEnded` set.
 */
export async function sendCancel(
  http: HttpClient,
  settings: CommonSettings,
  target: RunTarget
): Promise<HttpResponse & { alreadyEnded?: boolean }> {
  const response = await http.send({
    method: 'POST',
    url: cancelUrl(target),
    auth: armAuth(settings),
    idempotent: true,
    acceptStatus: [404, 400, 409]
  })
  if (response.status === 400 || response.status === 409) {
    if (isTerminalStateRefusal(response.status, response.body)) return { ...response, alreadyEnded: true }
    throw toAzureRequestError({
      method: 'POST',
      url: response.url ?? cancelUrl(target),
      status: response.status,
      headers: response.headers,
      body: response.body
    })
  }
  return response
}

/**
 * Does this answer to a cancel say the run has already ended? The execution service refuses to cancel a run in a
 * terminal state with 400 (a message naming the "terminal state"; 409 with the same words is taken too), which for a
 * cancel means there is nothing left to do.
 */
export function isTerminalStateRefusal(status: number, body: string): boolean {
  if (status !== 400 && status !== 409) return false
  const { code, message } = parseServiceError(body)
  return /terminal\s*state|already\s+(ended|completed|finished|terminated|canceled|cancelled)/i.test(
    `${code ?? ''} ${message ?? ''}`
  )
}

/**
 * Polls the run until a terminal status and returns it (Failed and Canceled included: the caller decides). Throws a
 * TimeoutError at the deadline (after cancelling with cancelOnTimeout) and a WorkflowCancelledError when `signal`
 * aborts (the caller cancels then, see cancelAfterSignal).
 */
export async function pollRun(ctx: Context, target: RunTarget, options: PollOptions): Promise<RunResult> {
  const { settings } = options
  const log =
    options.streamLog === false
      ? undefined
      : new LogStream(ctx, () => driverLogUrl(ctx, settings, target), 'the driver log', options.print)
  const end = await pollToEnd<RunBody>(
    ctx,
    {
      label: `Run ${target.runId}`,
      read: async () => {
        const response = await getRun(ctx.http, settings, target)
        if (response.status === 404) return { found: false }
        const run = parseJson<RunBody>(response) ?? {}
        return { found: true, status: run.status ?? 'Unknown', body: run }
      },
      isTerminal: status => terminalStatus(status) !== undefined,
      log,
      notFoundMessage:
        `Run ${target.runId} was not found in experiment ${target.experimentName} of workspace ` +
        `${target.workspace.workspaceName}.`
    },
    {
      signal: options.signal,
      // The last status seen is an output at once: a timeout or a failed read later still leaves it set.
      onStatus: status => ctx.outputs.set('status', oneLine(status, 200)),
      onTimeout: last => timedOut(ctx, target, options, last)
    }
  )
  return { status: terminalStatus(end.status) as TerminalStatus, run: end.body }
}

/** The SAS URL of the run's driver log from its details (`logFiles`), once the run has one. */
async function driverLogUrl(ctx: Context, settings: CommonSettings, target: RunTarget): Promise<string | undefined> {
  const response = await ctx.http.send({ method: 'GET', url: runUrl(target, '/details'), auth: armAuth(settings) })
  const files = parseJson<{ logFiles?: Record<string, string> }>(response)?.logFiles ?? {}
  const names = Object.keys(files)
  const name =
    names.find(n => /(^|\/)70_driver_log\.txt$/.test(n)) ??
    names.find(n => /driver_log/.test(n)) ??
    names.find(n => /(^|\/)std_log\.txt$/.test(n))
  return name ? files[name] : undefined
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
    if (response.alreadyEnded) {
      core.info(`Run ${target.runId} had already ended: nothing to cancel.`)
    } else if (response.status === 404) {
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
