/**
 * cancel-job: the job read, `POST {WS}/jobs/{name}/cancel` (Jobs_Cancel: 200, or 202 with a `Location`), the job read
 * again, to say what the cancel amounted to (`job-cancel.ts`: a cancel taken is judged by the status before it, a
 * refusal by the status after it). Success, with `status` the job's own: a cancel taken
 * (`CancelRequested`), a cancel already under way (`CancelRequested`), a job `Finalizing` (it cannot be cancelled now
 * and ends on its own; the service refuses the cancel), a job that has already ended. Failure: no such job, or the
 * service refused while the job is in another status. With `wait`, the job is read until it has ended.
 */
import * as core from '@actions/core'
import type { Context } from '../base/context.js'
import { OperationFailedError, TimeoutError } from '../base/errors.js'
import { pollToEnd } from '../follow/poll.js'
import { parseJson } from '../http/client.js'
import { cancelOutcome, describeCancel } from './job-cancel.js'
import type { CancelJobOperation } from './inputs.js'
import {
  getJob,
  isJobTerminal,
  isPipelineJob,
  jobPortalUrl,
  readJobStatus,
  sendJobCancel,
  type JobBody,
  type JobRef
} from './job-rest.js'

export async function cancelJob(op: CancelJobOperation, ctx: Context): Promise<void> {
  const job: JobRef = { workspace: op.workspace, name: op.jobName }
  ctx.outputs.set('jobName', op.jobName)
  // The status before the cancel is what tells this step's cancel (Running, then CancelRequested or Canceled) from one
  // already under way or a job that had already ended: read after a cancel taken, both look the same.
  const before = await readJobStatus(ctx.http, op, job)
  const response = await sendJobCancel(ctx.http, op, job)
  if (response.dryRun) return
  if (response.status === 404) {
    ctx.outputs.set('status', 'NotFound')
    throw new OperationFailedError(`Job ${op.jobName} was not found in workspace ${op.workspace.workspaceName}.`)
  }
  const now = await readJobStatus(ctx.http, op, job)
  const refused = response.status >= 400
  const message = refused ? parseJson<{ error?: { message?: string } }>(response)?.error?.message : undefined
  const outcome = cancelOutcome(response.status, refused ? now?.status : (before ?? now)?.status, message)
  const portalUrl = jobPortalUrl(op, job, now?.body)
  const pipeline = isPipelineJob(now?.body ?? before?.body)
  if (outcome.kind === 'not-found') {
    ctx.outputs.set('status', 'NotFound')
    throw new OperationFailedError(`Job ${op.jobName} was not found in workspace ${op.workspace.workspaceName}.`)
  }
  // A cancel taken: the job's status now when it has already ended (Canceled), else CancelRequested.
  ctx.outputs.set(
    'status',
    outcome.kind === 'requested' && now && isJobTerminal(now.status) ? now.status : outcome.status
  )
  if (now) ctx.outputs.setResponse(now.body)
  if (outcome.kind === 'refused')
    throw new OperationFailedError(describeCancel(outcome, op.jobName, portalUrl, pipeline))
  core.info(describeCancel(outcome, op.jobName, portalUrl, pipeline))
  if (!op.wait || outcome.kind === 'ended' || (now && isJobTerminal(now.status))) return
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
        throw new TimeoutError(
          `Job ${op.jobName} is still ${last} after timeout-minutes; ` +
            (outcome.kind === 'finalizing' ? 'it ends on its own.' : 'the cancel was requested.')
        )
      }
    }
  )
  ctx.outputs.set('status', end.status)
  ctx.outputs.setResponse(end.body)
}
