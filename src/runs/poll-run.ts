/** poll-run: follows an existing run to its end, as start-run does with `wait` (follow.ts). */
import * as core from '@actions/core'
import type { Context } from '../base/context.js'
import { workspaceApi } from '../arm/endpoints.js'
import type { PollRunOperation } from './inputs.js'
import { abortable, watchSignals } from '../follow/signals.js'
import { followRun, runPortalUrl, type RunTarget } from './follow.js'
import { commentWhenEnded } from '../reports/pr-comment.js'
import { saveRun } from './state.js'

export async function pollRun(op: PollRunOperation, ctx: Context): Promise<void> {
  const portalUrl = runPortalUrl(op, op.workspace, op.runId)
  ctx.outputs.set('runId', op.runId)
  ctx.outputs.set('portalUrl', portalUrl)
  ctx.report.facts.push(['Run', op.runId], ['Experiment', op.experimentName])
  ctx.report.links.push({ text: `Run ${op.runId} in Azure ML studio`, href: portalUrl })

  const watch = watchSignals()
  try {
    const api = await abortable(workspaceApi(ctx, op, op.workspace), watch.signal)
    const target: RunTarget = { api, workspace: op.workspace, experimentName: op.experimentName, runId: op.runId }
    saveRun(
      { runId: op.runId, experimentName: op.experimentName, workspace: op.workspace, apiEndpoint: api },
      'in-flight'
    )
    core.info(`Following run ${op.runId}: ${portalUrl}`)
    await followRun(ctx, target, {
      settings: op,
      cancelOnTimeout: op.cancelOnTimeout,
      signal: watch.signal,
      onEnd: commentWhenEnded(ctx, op, target)
    })
  } finally {
    watch.dispose()
  }
}
