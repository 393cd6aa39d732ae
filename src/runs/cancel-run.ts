/** cancel-run: POST `execution/v1.0{WS}/experiments/{exp}/runId/{runId}/cancel`, then the run's status as it is now. */
import * as core from '@actions/core'
import type { Context } from '../action/context.js'
import { armAuth, workspaceApi } from '../arm/endpoints.js'
import { parseJson } from '../http/client.js'
import { oneLine } from '../http/redact.js'
import type { CancelRunOperation } from './inputs.js'
import { cancelUrl, getRun, runPortalUrl, terminalStatus, type RunBody, type RunTarget } from './follow.js'

export async function cancelRun(op: CancelRunOperation, ctx: Context): Promise<void> {
  ctx.outputs.set('runId', op.runId)
  ctx.report.facts.push(['Run', op.runId], ['Experiment', op.experimentName])
  const api = await workspaceApi(ctx, op, op.workspace)
  const target: RunTarget = { api, workspace: op.workspace, experimentName: op.experimentName, runId: op.runId }
  const response = await ctx.http.send({ method: 'POST', url: cancelUrl(target), auth: armAuth(op), idempotent: true })
  if (response.dryRun) return
  const now = await getRun(ctx.http, op, target)
  const run = parseJson<RunBody>(now) ?? {}
  const status = run.status ?? 'CancelRequested'
  ctx.outputs.set('status', status)
  ctx.report.facts.push(['Status', status])
  ctx.report.links.push({ text: `Run ${op.runId} in Azure ML studio`, href: runPortalUrl(op, op.workspace, op.runId) })
  const terminal = terminalStatus(status)
  core.info(
    terminal && terminal !== 'Canceled'
      ? `Run ${op.runId} had already ended ${terminal}: nothing to cancel.`
      : `Cancel requested for run ${op.runId} (status: ${oneLine(status, 200)}).`
  )
}
