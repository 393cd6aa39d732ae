/**
 * cancel-run: POST `execution/v1.0{WS}/experiments/{exp}/runId/{runId}/cancel`, then the run's status as it is now.
 * A run that has already ended is success: the service refuses its cancel with 400 "terminal state", and `status` is
 * the run's own final status (Completed, Failed, Canceled).
 */
import * as core from '@actions/core'
import type { Context } from '../base/context.js'
import { workspaceApi } from '../arm/endpoints.js'
import { toAzureRequestError } from '../http/azure-error.js'
import { parseJson } from '../http/client.js'
import { oneLine } from '../http/redact.js'
import type { CancelRunOperation } from './inputs.js'
import { cancelUrl, getRun, runPortalUrl, sendCancel, terminalStatus, type RunBody, type RunTarget } from './follow.js'

/** Cancels the run; sets `runId` at once, `status` (the run's status after the cancel) and `response` (the run). */
export async function cancelRun(op: CancelRunOperation, ctx: Context): Promise<void> {
  ctx.outputs.set('runId', op.runId)
  ctx.report.facts.push(['Run', op.runId], ['Experiment', op.experimentName])
  ctx.report.links.push({ text: `Run ${op.runId} in Azure ML studio`, href: runPortalUrl(op, op.workspace, op.runId) })
  const api = await workspaceApi(ctx, op, op.workspace)
  const target: RunTarget = { api, workspace: op.workspace, experimentName: op.experimentName, runId: op.runId }
  const response = await sendCancel(ctx.http, op, target)
  if (response.dryRun) return
  if (response.status === 404) {
    // No such run: the service's own answer, as every other refusal.
    throw toAzureRequestError({
      method: 'POST',
      url: response.url ?? cancelUrl(target),
      status: 404,
      headers: response.headers,
      body: response.body
    })
  }
  const now = await getRun(ctx.http, op, target)
  const run = now.status === 404 ? {} : (parseJson<RunBody>(now) ?? {})
  const status = oneLine(run.status ?? (response.alreadyEnded ? 'Unknown' : 'CancelRequested'), 200)
  ctx.outputs.set('status', status)
  if (now.status !== 404) ctx.outputs.setResponse(run)
  ctx.report.facts.push(['Status', status])
  const terminal = terminalStatus(status)
  core.info(
    response.alreadyEnded || (terminal && terminal !== 'Canceled')
      ? `Run ${op.runId} had already ended${terminal ? ` ${terminal}` : ''}: nothing to cancel.`
      : `Cancel requested for run ${op.runId} (status: ${status}).`
  )
}
