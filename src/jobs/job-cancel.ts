/**
 * What a cancel of a v2 job amounts to, and what to tell the user about it: one place for cancel-job, a cancelled
 * workflow (SIGINT/SIGTERM), cancel-on-timeout and the post step.
 *
 * Azure facts: `POST {WS}/jobs/{name}/cancel` (mfe.json 2024-04-01 `Jobs_Cancel`) answers 200, or 202 with a
 * `Location`; its errors are the `default` ErrorResponse, with no status the spec names. A job that is `Finalizing`
 * (the command has ended, its outputs are being uploaded) cannot be cancelled: the service answers an error
 * (Azure/azureml-assets PR #2496: "the job was finalizing and we tried cancelling it which is an error"), so the
 * answer is read with the job's status, never from the HTTP status alone. `CancelRequested` means a cancel is under
 * way and can last long (MicrosoftDocs/azure-docs#77892: 40 hours); `Finalizing` and `CancelRequested` are both
 * still in progress (Azure/mlops-templates PR #9 lists them with the running statuses).
 */
import * as core from '@actions/core'
import type { CommonSettings } from '../base/settings.js'
import { parseJson } from '../http/client.js'
import { maskStepSecrets, oneLine } from '../http/redact.js'
import type { HttpClient } from '../base/http-types.js'
import {
  isJobTerminal,
  isPipelineJob,
  jobPortalUrl,
  readJobStatus,
  sendJobCancel,
  type JobBody,
  type JobRef
} from './job-rest.js'
import { markJobOutcome } from './state.js'

/**
 * - `requested`: the service took the cancel (the job goes CancelRequested, then Canceled);
 * - `under-way`: the job was already CancelRequested;
 * - `finalizing`: the job is Finalizing: it cannot be cancelled now and ends on its own;
 * - `ended`: the job had already ended (`status` is its final status);
 * - `refused`: the service refused and the job is still in progress in another status;
 * - `not-found`: no such job (yet: a job whose PUT is in flight may appear).
 */
export type CancelOutcome =
  | { kind: 'requested' | 'under-way' | 'finalizing' | 'ended'; status: string }
  | { kind: 'refused'; status: string; httpStatus: number; message?: string }
  | { kind: 'not-found' }

/**
 * Decides what a cancel amounted to.
 * @param httpStatus the answer to `POST .../cancel` (2xx, or 400/404/409 returned by `sendJobCancel`)
 * @param jobStatus the job's status read after a refusal, or the last one seen before a taken cancel (may be unknown)
 * @param message the service's error message of a refusal
 */
export function cancelOutcome(httpStatus: number, jobStatus: string | undefined, message?: string): CancelOutcome {
  if (httpStatus === 404) return { kind: 'not-found' }
  const status = jobStatus ?? 'Unknown'
  const s = status.trim().toLowerCase()
  if (isJobTerminal(status)) return { kind: 'ended', status }
  if (s === 'finalizing') return { kind: 'finalizing', status }
  if (s === 'cancelrequested') return { kind: 'under-way', status }
  if (httpStatus < 400) return { kind: 'requested', status: 'CancelRequested' }
  return { kind: 'refused', status, httpStatus, message }
}

/**
 * One sentence (or two) saying what is true after the cancel, naming the job and, when it goes on, its link.
 * @param pipeline the job is a pipeline (`isPipelineJob`): the service cancels its running and queued steps with it
 *   (issue 19's facts; azure-ai-ml cancels a pipeline by its own name only, `_job_operations.py` `begin_cancel`)
 */
export function describeCancel(outcome: CancelOutcome, jobName: string, portalUrl: string, pipeline = false): string {
  switch (outcome.kind) {
    case 'requested':
      return pipeline
        ? `Cancel requested for pipeline job ${jobName}: it and its running and queued steps go CancelRequested, ` +
            'then Canceled.'
        : `Cancel requested for job ${jobName}: it goes CancelRequested, then Canceled.`
    case 'under-way':
      return (
        `Job ${jobName} is CancelRequested: a cancel is already under way` +
        `${pipeline ? ' (its steps are being cancelled with it)' : ''}; it ends Canceled on its own: ${portalUrl}`
      )
    case 'finalizing':
      return (
        `Job ${jobName} is Finalizing (its command has ended; its outputs are being uploaded): it cannot be ` +
        `cancelled now and will end on its own: ${portalUrl}`
      )
    case 'ended':
      return `Job ${jobName} has already ended (${oneLine(outcome.status, 40)}): nothing to cancel.`
    case 'refused':
      return (
        `The service refused to cancel job ${jobName} (${outcome.httpStatus}` +
        `${outcome.message ? `: ${maskStepSecrets(oneLine(outcome.message, 300))}` : ''}); it is ${oneLine(outcome.status, 40)} ` +
        `and may go on: ${portalUrl}`
      )
    case 'not-found':
      return `Job ${jobName} was not found: nothing to cancel.`
  }
}

/** Whether the outcome leaves nothing to do (a cancel taken or under way, or the job ended). */
export function cancelSettled(outcome: CancelOutcome): boolean {
  return outcome.kind === 'requested' || outcome.kind === 'under-way' || outcome.kind === 'ended'
}

/**
 * Sends cancel once and says what it amounted to: on a refusal the job is read again (its status decides). Records the
 * outcome for the post step: a cancel taken or under way is `cancelled`, an ended job `finished`; a Finalizing job, a
 * refusal or a job not found (yet) stay as they were, so the post step looks again. Never throws: a failed request
 * is a warning and undefined.
 * @param known the job's last status and body seen by the caller (a taken cancel is not followed by a read)
 */
export async function bestEffortJobCancel(
  http: HttpClient,
  settings: CommonSettings,
  job: JobRef,
  known?: { status?: string; body?: JobBody }
): Promise<{ outcome: CancelOutcome; portalUrl: string } | undefined> {
  try {
    const response = await sendJobCancel(http, settings, job)
    let status = known?.status
    let body = known?.body
    let message: string | undefined
    if (response.status >= 400 && response.status !== 404) {
      message = parseJson<{ error?: { message?: string } }>(response)?.error?.message
      const now = await readJobStatus(http, settings, job).catch(() => undefined)
      status = now?.status
      body = now?.body ?? body
    }
    const outcome = cancelOutcome(response.status, status, message)
    const portalUrl = jobPortalUrl(settings, job, body)
    core.info(describeCancel(outcome, job.name, portalUrl, isPipelineJob(body)))
    if (outcome.kind === 'requested' || outcome.kind === 'under-way') markJobOutcome('cancelled')
    else if (outcome.kind === 'ended') markJobOutcome('finished')
    return { outcome, portalUrl }
  } catch (error) {
    core.warning(`Could not cancel job ${job.name}: ${(error as Error).message}`)
    return undefined
  }
}
