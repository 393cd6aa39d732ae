/**
 * Following a v2 job to its end, for submit-job (with `wait`) and poll-job: the status from `GET {WS}/jobs/{name}` with
 * the shared backoff (`follow/poll.ts`), the job's log streamed from its run-history `logFiles` (`follow/log-stream.ts`),
 * the job cancelled on SIGINT/SIGTERM and, with cancel-on-timeout, at the timeout. A pipeline job (`jobType` Pipeline,
 * known from the first read) is followed with its steps instead of a job log (`pipeline-follow.ts`: one children
 * listing per poll, a line per step status change, each step's log when it ends, the `childJobs` output, the failed
 * step's own error); cancelling it is cancelling the pipeline job itself, which cancels its steps service-side. A sweep
 * job (`jobType` Sweep) is followed with its trials (`sweep-follow.ts`: its hyperdrive log, one children listing per
 * poll, a line per trial end) and sets `bestChildRunId` / `bestMetric`; cancelling it cancels its trials service-side.
 *
 * Statuses (V2.md; the Go SDK's JobStatus values): Completed, Failed, Canceled, NotResponding and Paused end the wait,
 * as in azure-ai-ml (`_job_ops_helper.py`), but only Completed passes: the SDK reports the others as success, a CI step
 * must not. Every other value (NotStarted, Starting, Provisioning, Preparing, Queued, Running, Finalizing,
 * CancelRequested, Unknown, new ones) is polled through.
 */
import * as core from '@actions/core'
import type { Context } from '../base/context.js'
import { OperationFailedError, TimeoutError } from '../base/errors.js'
import type { CommonSettings } from '../base/settings.js'
import { workspaceApi } from '../arm/endpoints.js'
import { graceClient } from '../follow/grace.js'
import { LogFilesStream } from '../follow/log-files.js'
import { pollToEnd, type Reading } from '../follow/poll.js'
import { WorkflowCancelledError } from '../follow/signals.js'
import type { FollowedLog } from '../follow/log-stream.js'
import { parseJson } from '../http/client.js'
import { oneLine } from '../http/redact.js'
import type { HttpClient } from '../base/http-types.js'
import { commentOnPr, runMetrics, type PrCommentSettings } from '../reports/pr-comment.js'
import { formatDuration } from '../http/retry.js'
import { runDuration } from '../runs/follow.js'
import { bestEffortJobCancel, describeCancel, type CancelOutcome } from './job-cancel.js'
import {
  getJob,
  getJobDetails,
  isJobTerminal,
  isPipelineJob,
  isSweepJob,
  jobPortalUrl,
  logPreference,
  pickJobLog,
  type JobBody,
  type JobRef,
  type JobRunDetails
} from './job-rest.js'
import { PipelineFollower } from './pipeline-follow.js'
import { bestTrial, SweepFollower } from './sweep-follow.js'
import { markJobOutcome } from './state.js'

export { isJobTerminal }

export interface FollowJobOptions {
  settings: CommonSettings
  cancelOnTimeout: boolean
  signal: AbortSignal
  prComment?: PrCommentSettings
  /** The client for a last-chance cancel (tests); default a new grace client. */
  graceHttp?: HttpClient
}

/**
 * Follows the job to a terminal status, sets `status` (each change, so it is set on every path) and `response`, writes
 * the summary and the PR comment, and throws unless the job Completed: `OperationFailedError` with the job's own
 * error, `TimeoutError` at timeout-minutes, `OperationFailedError` after a cancelled workflow (the job cancelled).
 */
export async function followJob(ctx: Context, job: JobRef, options: FollowJobOptions): Promise<void> {
  const { settings } = options
  let api: string | undefined
  try {
    api = await workspaceApi(ctx, settings, job.workspace)
  } catch (error) {
    core.info(`The job's log will not be streamed: the workspace API server is unknown (${(error as Error).message}).`)
  }
  // The log is chosen at every poll: the older runtime lists its system logs before the user's (log-files.ts).
  const jobLog = api
    ? new LogFilesStream(
        ctx,
        async () => (await getJobDetails(ctx.http, settings, api as string, job))?.logFiles,
        pickJobLog,
        "the job's log",
        name => logPreference(name) === 0
      )
    : undefined

  let last = 'not visible'
  let lastBody: JobBody | undefined
  // A pipeline's steps are followed instead (pipeline-follow.ts), known from the first read's jobType.
  let pipeline: PipelineFollower | undefined
  // A sweep's trials likewise (sweep-follow.ts).
  let sweep: SweepFollower | undefined
  const log: FollowedLog | undefined = jobLog && {
    follow: async (final: boolean): Promise<void> => {
      if (!pipeline && isPipelineJob(lastBody)) {
        pipeline = new PipelineFollower(ctx, settings, api as string, job, lastBody)
        core.info(
          `Job ${job.name} is a pipeline: following its steps (one listing of them per poll; each step's log is ` +
            'printed when the step ends).'
        )
      }
      if (!pipeline && !sweep && isSweepJob(lastBody)) {
        sweep = new SweepFollower(ctx, settings, api as string, job, lastBody)
        core.info(
          `Job ${job.name} is a sweep: following its trials (one listing of them per poll; a line per trial end ` +
            'with its sampled values and primary metric) and its log.'
        )
      }
      pipeline?.update(lastBody)
      sweep?.update(lastBody)
      await (pipeline ?? sweep ?? jobLog).follow(final)
    }
  }
  let result: { status: string; body: JobBody }
  try {
    result = await pollToEnd<JobBody>(
      ctx,
      {
        label: `Job ${job.name}`,
        read: async (): Promise<Reading<JobBody>> => {
          const response = await getJob(ctx.http, settings, job)
          if (response.status === 404) return { found: false }
          const body = parseJson<JobBody>(response) ?? {}
          lastBody = body
          return { found: true, status: body.properties?.status ?? 'Unknown', body }
        },
        isTerminal: isJobTerminal,
        log
      },
      {
        signal: options.signal,
        onStatus: status => {
          last = status
          ctx.outputs.set('status', status)
        },
        onTimeout: lastStatus => timedOut(ctx, job, options, lastStatus, lastBody)
      }
    )
  } catch (error) {
    if (error instanceof WorkflowCancelledError) {
      throw await cancelAfterSignal(ctx, job, options, error, { status: last, body: lastBody })
    }
    if (!(error instanceof TimeoutError)) ctx.outputs.set('status', last)
    throw error
  }
  markJobOutcome('finished')
  const details = api ? await getJobDetails(ctx.http, settings, api, job).catch(() => undefined) : undefined
  const portalUrl = jobPortalUrl(settings, job, result.body)
  ctx.outputs.set('status', result.status)
  ctx.outputs.set('portalUrl', portalUrl)
  ctx.outputs.setResponse(result.body)
  ctx.report.facts.push(['Status', result.status])
  const duration = details
    ? runDuration({ startTimeUtc: details.startTimeUtc, endTimeUtc: details.endTimeUtc })
    : undefined
  if (duration !== undefined) ctx.report.facts.push(['Duration', formatDuration(duration)])
  let message = jobErrorMessage(details)
  if (pipeline) {
    ctx.outputs.set('childJobs', JSON.stringify(pipeline.childJobs()))
    ctx.report.table = { headers: ['Step', 'Job', 'Status', 'Duration'], rows: pipeline.summaryRows() }
    // Which step failed, with its own error, before the pipeline's own (which seldom names the step).
    const steps = result.status === 'Completed' ? undefined : pipeline.failureMessage()
    if (steps) message = message ? `${steps}; the pipeline's error: ${message}` : steps
  }
  const best = bestTrial(result.body)
  if (best) {
    ctx.outputs.set('bestChildRunId', best.runId)
    if (best.metric !== undefined) ctx.outputs.set('bestMetric', best.metric)
    ctx.report.facts.push(['Best trial', `${best.runId}${best.metric !== undefined ? ` (${best.metric})` : ''}`])
    core.info(
      `Best trial: ${oneLine(best.runId, 100)}${best.metric !== undefined ? `, ${oneLine(best.metric, 60)}` : ''}.`
    )
  }
  if (sweep) {
    ctx.report.table = { headers: ['Trial', 'Status', 'Duration', 'Values', 'Metric'], rows: sweep.summaryRows() }
    // Which trial failed, with its own error, before the sweep's own.
    const trials = result.status === 'Completed' ? undefined : sweep.failureMessage()
    if (trials) message = message ? `${trials}; the sweep's error: ${message}` : trials
  }
  if (message && result.status !== 'Completed') ctx.report.facts.push(['Job error', message])

  if (options.prComment) {
    const experimentName = result.body.properties?.experimentName ?? 'Default'
    const target = api ? { api, workspace: job.workspace, experimentName, runId: job.name } : undefined
    await commentOnPr(ctx, options.prComment, {
      runId: job.name,
      experimentName,
      status: result.status,
      run: {
        status: result.status,
        startTimeUtc: details?.startTimeUtc,
        endTimeUtc: details?.endTimeUtc,
        // A pipeline's comment quotes the failed step's own error first, as the step's error does.
        error:
          pipeline && message
            ? { error: { message } }
            : details?.error?.error
              ? { error: details.error.error }
              : undefined
      },
      portalUrl,
      metrics: target ? await runMetrics(ctx, settings, target) : undefined,
      steps: pipeline?.summaryRows()
    })
  }

  if (result.status === 'Completed') {
    core.info(`Job ${job.name} completed.`)
    return
  }
  throw new OperationFailedError(
    `Job ${job.name} ended ${oneLine(result.status, 40)}${message ? `: ${message}` : '.'}` +
      `${endedHint(result.status)} Logs: ${portalUrl}`
  )
}

function endedHint(status: string): string {
  switch (status.toLowerCase()) {
    case 'notresponding':
      return ' Only Completed counts as success; the job stopped reporting (NotResponding): look at its node in studio.'
    case 'paused':
      return ' Only Completed counts as success; the job is Paused: resume or cancel it in studio.'
    case 'canceled':
    case 'cancelled':
      return ' Someone or something cancelled it.'
    default:
      return ''
  }
}

/** The job's own error from its run details: `code: message`, then each detail, each cut to 500 characters. */
export function jobErrorMessage(details: JobRunDetails | undefined): string | undefined {
  const error = details?.error?.error
  if (!error?.message && !error?.code) return undefined
  const parts = [oneLine(`${error.code ? `${error.code}: ` : ''}${error.message ?? ''}`, 500)]
  for (const detail of (error.details ?? []).slice(0, 10) as { code?: string; message?: string }[]) {
    if (detail?.message) parts.push(oneLine(`${detail.code ? `${detail.code}: ` : ''}${detail.message}`, 500))
  }
  return parts.join(' | ')
}

async function timedOut(
  ctx: Context,
  job: JobRef,
  options: FollowJobOptions,
  status: string,
  body: JobBody | undefined
): Promise<never> {
  ctx.outputs.set('status', status)
  const minutes = `${options.settings.timeoutMinutes} minute${options.settings.timeoutMinutes === 1 ? '' : 's'}`
  const what = `Job ${job.name} is still ${oneLine(status, 40)} after ${minutes} (timeout-minutes)`
  if (!options.cancelOnTimeout) {
    markJobOutcome('left-running')
    throw new TimeoutError(
      `${what}; it keeps running in Azure ML. Follow it with poll-job, stop it with cancel-job, or set ` +
        'cancel-on-timeout: true to cancel it at the timeout.'
    )
  }
  const cancel = await bestEffortJobCancel(
    options.graceHttp ?? graceClient(ctx, options.settings),
    options.settings,
    job,
    { status, body }
  )
  if (!cancel) {
    throw new TimeoutError(
      `${what}; cancelling it (cancel-on-timeout) failed, so it may still be running: stop it with cancel-job.`
    )
  }
  throw new TimeoutError(
    cancel.outcome.kind === 'requested'
      ? `${what}: cancelled it (cancel-on-timeout).`
      : `${what}; cancel-on-timeout: ${describeCancel(cancel.outcome, job.name, cancel.portalUrl)}`
  )
}

/** The `status` output after a cancel: what the job is now, as far as the step knows. */
function statusAfterCancel(outcome: CancelOutcome | undefined, last: string | undefined): string {
  if (!outcome) return last && last !== 'not visible' ? last : 'Unknown'
  return outcome.kind === 'not-found' ? (last ?? 'Unknown') : outcome.status
}

/**
 * After SIGINT/SIGTERM: cancels the job (within the grace budget) and returns the error the step fails with, saying
 * what is true: a cancel requested or already under way, a job that is Finalizing and cannot be cancelled now (it
 * ends on its own; the post step looks again), a refusal, or a job that had already ended. Never "was cancelled".
 * @param known the last status and body the step saw (undefined before the job exists)
 */
export async function cancelAfterSignal(
  ctx: Context,
  job: JobRef,
  options: Pick<FollowJobOptions, 'settings' | 'graceHttp'>,
  reason: WorkflowCancelledError,
  known?: { status?: string; body?: JobBody }
): Promise<OperationFailedError> {
  core.info(
    `The workflow is being cancelled (${reason.signalName}): cancelling ` +
      (isPipelineJob(known?.body)
        ? `pipeline job ${job.name} (the service cancels its running and queued steps with it).`
        : isSweepJob(known?.body)
          ? `sweep job ${job.name} (the service cancels its running trials with it).`
          : `job ${job.name}.`)
  )
  const cancel = await bestEffortJobCancel(
    options.graceHttp ?? graceClient(ctx, options.settings),
    options.settings,
    job,
    known
  )
  ctx.outputs.set('status', statusAfterCancel(cancel?.outcome, known?.status))
  const what = `The workflow was cancelled (${reason.signalName}) while job ${job.name} was in progress`
  if (!cancel) {
    return new OperationFailedError(
      `${what}: cancelling it failed; the post step tries again, else cancel it in studio.`
    )
  }
  const { outcome, portalUrl } = cancel
  switch (outcome.kind) {
    case 'requested':
      return new OperationFailedError(`${what}: cancel requested; it goes CancelRequested, then Canceled.`)
    case 'finalizing':
    case 'refused':
      return new OperationFailedError(
        `${what}. ${describeCancel(outcome, job.name, portalUrl)} The post step looks at it again.`
      )
    default:
      return new OperationFailedError(`${what}. ${describeCancel(outcome, job.name, portalUrl)}`)
  }
}
