/** poll-job: follow an existing job by name to its end (`follow-job.ts`), its log streamed. */
import * as core from '@actions/core'
import type { Context } from '../base/context.js'
import { OperationFailedError } from '../base/errors.js'
import type { CommonSettings } from '../base/settings.js'
import { watchSignals } from '../follow/signals.js'
import type { PrCommentSettings } from '../reports/pr-comment.js'
import { followJob } from './follow-job.js'
import type { PollJobOperation } from './inputs.js'
import { getJob, jobPortalUrl, type JobRef } from './job-rest.js'
import { saveJob } from './state.js'

export async function pollJob(op: PollJobOperation, ctx: Context): Promise<void> {
  const job: JobRef = { workspace: op.workspace, name: op.jobName }
  ctx.outputs.set('jobName', op.jobName)
  ctx.outputs.set('portalUrl', jobPortalUrl(op, job))
  const first = await getJob(ctx.http, op, job)
  if (first.status === 404) {
    ctx.outputs.set('status', 'NotFound')
    throw new OperationFailedError(
      `Job ${op.jobName} was not found in workspace ${op.workspace.workspaceName} (check job-name and the workspace inputs).`
    )
  }
  if (first.dryRun) return
  const watch = watchSignals()
  try {
    await followExistingJob(ctx, job, {
      settings: op,
      cancelOnTimeout: op.cancelOnTimeout,
      prComment: op.prComment,
      signal: watch.signal
    })
  } finally {
    watch.dispose()
  }
}

/**
 * Follows a job that exists to its end, as poll-job does (also submit-job's `if-job-exists: follow`): saved for the
 * post step as `in-flight`, so a cancelled workflow cancels it (here on the signal, else in the post step), and so does
 * timeout-minutes with cancel-on-timeout. Throws as `followJob` does unless the job Completed.
 */
export async function followExistingJob(
  ctx: Context,
  job: JobRef,
  options: { settings: CommonSettings; cancelOnTimeout: boolean; prComment?: PrCommentSettings; signal: AbortSignal }
): Promise<void> {
  saveJob({ name: job.name, workspace: job.workspace }, 'in-flight')
  core.info(`Following job ${job.name}.`)
  ctx.report.facts.push(['Job', job.name])
  await followJob(ctx, job, {
    settings: options.settings,
    cancelOnTimeout: options.cancelOnTimeout,
    signal: options.signal,
    prComment: options.prComment
  })
}
