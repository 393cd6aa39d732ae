/**
 * start-run: the guide's step 6. The source directory is checked and zipped first (nothing is sent for a snapshot
 * Azure ML would refuse), then POSTed as multipart with a client-chosen runId, so a retried POST can never start a
 * second run. The runId is an output and in the post step's state the moment the run exists; with `wait`, the run is
 * followed to its end (follow.ts).
 */
import * as core from '@actions/core'
import type { Context } from '../base/context.js'
import { armAuth, dataPlaneUrl, workspaceApi } from '../arm/endpoints.js'
import { parseJson } from '../http/client.js'
import { AzureRequestError } from '../base/errors.js'
import { createIdempotently } from '../arm/idempotent-create.js'
import type { StartRunOperation } from './inputs.js'
import { multipartBody } from './multipart.js'
import { abortable, watchSignals, WorkflowCancelledError } from '../follow/signals.js'
import {
  followRun,
  getRun,
  reportRunResult,
  runPortalUrl,
  cancelAfterSignal,
  type RunBody,
  type RunTarget
} from './follow.js'
import { commentWhenEnded } from '../reports/pr-comment.js'
import { saveRun } from './state.js'
import { formatBytes, prepareSnapshot, writeSnapshotFile } from './snapshot/index.js'

/** `{experiment}_{epoch ms}`, as the service names runs; the experiment part shortened to keep within 256 characters. */
export function defaultRunId(experimentName: string, now: number): string {
  return `${experimentName.slice(0, 256 - 14)}_${now}`
}

export async function startRun(op: StartRunOperation, ctx: Context): Promise<void> {
  // Everything local first: a snapshot that is too big or lacks the entry script fails before any request.
  const plan = await prepareSnapshot(op.sourceDirectory, { script: op.script })
  const definition = Buffer.from(JSON.stringify(op.runDefinition, null, 2), 'utf8')
  const runId = op.runId ?? defaultRunId(op.experimentName, ctx.clock.now())
  const zip = await writeSnapshotFile(plan)
  core.info(`Snapshot zip: ${zip.files} files, ${formatBytes(zip.bytes)}.`)

  const watch = watchSignals()
  try {
    const api = await abortable(workspaceApi(ctx, op, op.workspace), watch.signal)
    const target: RunTarget = { api, workspace: op.workspace, experimentName: op.experimentName, runId }
    const portalUrl = runPortalUrl(op, op.workspace, runId)
    const multipart = multipartBody([
      { name: 'runDefinitionFile', filename: 'runDefinition.json', contentType: 'application/json', data: definition },
      {
        name: 'projectZipFile',
        filename: 'project.zip',
        contentType: 'application/zip',
        path: zip.path,
        size: zip.bytes
      }
    ])
    const url = dataPlaneUrl(
      api,
      'execution',
      op.workspace,
      `/experiments/${encodeURIComponent(op.experimentName)}/startrun`,
      {
        runId
      }
    )

    // The id is ours before the POST: if the step dies mid-request, the post step can still cancel the run.
    if (!op.dryRun)
      saveRun({ runId, experimentName: op.experimentName, workspace: op.workspace, apiEndpoint: api }, 'starting')
    core.info(`Starting run ${runId} in experiment ${op.experimentName} on ${String(target.workspace.workspaceName)}.`)
    let response
    try {
      // After a lost answer the run is looked up by its id before startrun is sent again (kind 3 of issue 13): the
      // runId already makes a second POST harmless, and the look-up spares re-uploading a snapshot of up to 300 MB.
      const outcome = await abortable(
        createIdempotently({
          http: ctx.http,
          clock: ctx.clock,
          deadline: ctx.deadline,
          what: `run ${runId}`,
          request: {
            method: 'POST',
            url,
            headers: { 'Content-Type': multipart.contentType },
            body: multipart.body,
            auth: armAuth(op),
            idempotent: true,
            // An upload of up to 300 MB: 100 s plus a second per MB.
            timeoutMs: 100_000 + Math.ceil(zip.bytes / 1024)
          },
          lookup: async () => {
            const found = await getRun(ctx.http, op, target)
            return found.status === 404 ? undefined : found
          }
        }),
        watch.signal
      )
      response = outcome.response
    } catch (error) {
      if (error instanceof WorkflowCancelledError) throw await cancelAfterSignal(ctx, target, { settings: op }, error)
      // The run may exist (its startrun was sent, and what came of it is unknown): name it in the outputs.
      if (!(error instanceof AzureRequestError)) {
        ctx.outputs.set('runId', runId)
        ctx.outputs.set('portalUrl', portalUrl)
      }
      throw error
    }
    if (response.dryRun) {
      core.info(`dry-run: run ${runId} was not started.`)
      ctx.outputs.set('runId', runId)
      return
    }
    const created = parseJson<{ runId?: string }>(response)
    if (created?.runId && created.runId !== runId) {
      core.warning(`The service named the run ${created.runId}, not ${runId}; following ${created.runId}.`)
      target.runId = created.runId
      saveRun(
        { runId: target.runId, experimentName: op.experimentName, workspace: op.workspace, apiEndpoint: api },
        'in-flight'
      )
    } else {
      saveRun({ runId, experimentName: op.experimentName, workspace: op.workspace, apiEndpoint: api }, 'in-flight')
    }
    const link = target.runId === runId ? portalUrl : runPortalUrl(op, op.workspace, target.runId)
    ctx.outputs.set('runId', target.runId)
    ctx.outputs.set('portalUrl', link)
    core.info(`Run ${target.runId} started: ${link}`)
    ctx.report.facts.push(
      ['Run', target.runId],
      ['Experiment', op.experimentName],
      ['Snapshot', `${zip.files} files, ${formatBytes(zip.bytes)}`]
    )
    ctx.report.links.push({ text: `Run ${target.runId} in Azure ML studio`, href: link })

    if (op.wait) {
      await followRun(ctx, target, {
        settings: op,
        cancelOnTimeout: op.cancelOnTimeout,
        signal: watch.signal,
        onEnd: commentWhenEnded(ctx, op, target)
      })
      return
    }
    // wait: false: the status as it is now; the post step cancels the run at the end of the job if it has not ended.
    const now = await getRun(ctx.http, op, target)
    reportRunResult(
      ctx,
      now.status === 404 ? { runId: target.runId, status: 'NotStarted' } : (parseJson<RunBody>(now) ?? {})
    )
    if (op.prComment) {
      core.notice('comment-on-pr: the run has not ended (wait: false); comment from a later poll-run step instead.')
    }
    core.info(
      `Not waiting (wait: false). Follow the run with poll-run (run-id: ${target.runId}); if it is still running when ` +
        'the job ends, the post step cancels it.'
    )
  } finally {
    watch.dispose()
    await zip.remove()
  }
}
