/**
 * cancel-job: `POST {WS}/jobs/{name}/cancel` (Jobs_Cancel: 200, or 202 with a `Location`). A job that has already
 * ended is success, with `status` its own final status. With `wait`, the job is read until it has ended.
 */
import * as core from '@actions/core'
import type { Context } from '../action/context.js'
import { OperationFailedError } from '../action/errors.js'
import { pollToEnd } from '../follow/poll.js'
import { parseJson } from '../http/client.js'
import { isJobTerminal } from './follow-job.js'
import type { CancelJobOperation } from './inputs.js'
import { getJob, sendJobCancel, type JobBody, type JobRef } from './job-rest.js'
import { TimeoutError } from '../action/errors.js'

export async function cancelJob(op: CancelJobOperation, ctx: Context): Promise<void> {
  const job: JobRef = { workspace: op.workspace, name: op.jobName }
  ctx.outputs.set('jobName', op.jobName)
  const response = await sendJobCancel(ctx.http, op, job)
  if (response.dryRun) return
  if (response.status === 404) {
    ctx.outputs.set('status', 'NotFound')
    throw new OperationFailedError(`Job ${op.jobName} was not found in workspace ${op.workspace.workspaceName}.`)
  }
  const now = await getJob(ctx.http, op, job)
  const status = parseJson<JobBody>(now)?.properties?.status ?? 'Unknown'
  if (response.status >= 400) {
    // The service refuses to cancel a job that has ended: that is what the user wanted.
    if (!isJobTerminal(status))
      throw new OperationFailedError(`Cancelling job ${op.jobName} was refused (${response.status}); it is ${status}.`)
    core.info(`Job ${op.jobName} had already ended (${status}): nothing to cancel.`)
    ctx.outputs.set('status', status)
    return
  }
  core.info(`Cancel requested for job ${op.jobName} (it was ${status}).`)
  ctx.outputs.set('status', isJobTerminal(status) ? status : 'CancelRequested')
  if (!op.wait || isJobTerminal(status)) return
  const end = await pollToEnd<JobBody>(
    ctx,
    {
      label: `Job ${op.jobName}`,
      read: async () => {
        const r = await getJob(ctx.http, op, job)
        if (r.status === 404) return { found: false }
        const body = parseJson<JobBody>(r) ?? {}
        return { found: true, status: body.properties?.status ?? 'Unknown', body }
      },
      isTerminal: isJobTerminal
    },
    {
      onStatus: s => ctx.outputs.set('status', s),
      onTimeout: last => {
        throw new TimeoutError(`Job ${op.jobName} is still ${last} after timeout-minutes; the cancel was requested.`)
      }
    }
  )
  ctx.outputs.set('status', end.status)
  ctx.outputs.setResponse(end.body)
}
