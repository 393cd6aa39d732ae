/** poll-job: follow an existing job by name to its end (`follow-job.ts`), its log streamed. */
import * as core from '@actions/core'
import type { Context } from '../action/context.js'
import { OperationFailedError } from '../action/errors.js'
import { watchSignals } from '../follow/signals.js'
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
  saveJob({ name: op.jobName, workspace: op.workspace }, 'in-flight')
  core.info(`Following job ${op.jobName}.`)
  ctx.report.facts.push(['Job', op.jobName])
  const watch = watchSignals()
  try {
    await followJob(ctx, job, {
      settings: op,
      cancelOnTimeout: op.cancelOnTimeout,
      signal: watch.signal,
      prComment: op.prComment
    })
  } finally {
    watch.dispose()
  }
}
