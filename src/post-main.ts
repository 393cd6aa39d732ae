/**
 * The `post:` step (dist/post/index.js). GitHub runs it at the end of the job, also after a failure or a cancelled
 * workflow (`post-if: always()`). It cancels a v1 run or a v2 job that main left in flight: main was killed before it
 * could cancel (SIGKILL after SIGTERM), its own cancel failed, or it started the run or job with `wait: false` and it
 * has not ended by the end of the job. It does nothing when main saw it end, cancelled it, or let it run on at
 * timeout-minutes (the user chose that by leaving cancel-on-timeout off). Never fails the job: problems are warnings.
 */
import * as core from '@actions/core'
import { parseJson } from './http/client.js'
import { parseInputs, type Operation } from './action/dispatch.js'
import { createContext, type RunDependencies } from './main.js'
import { bestEffortJobCancel, describeCancel } from './jobs/job-cancel.js'
import { isJobTerminal, isPipelineJob, jobPortalUrl, readJobStatus } from './jobs/job-rest.js'
import { loadJob } from './jobs/state.js'
import { bestEffortCancel, getRun, terminalStatus, type RunBody, type RunTarget } from './runs/follow.js'
import { loadRun, type SavedRun } from './runs/state.js'
import { newReport } from './action/summary.js'
import type { Context } from './base/context.js'

export async function runPost(deps: RunDependencies = {}): Promise<void> {
  const run = loadRun()
  const job = loadJob()
  const pending: { what: string; outcome: string; live: boolean }[] = []
  if (run) {
    pending.push({
      what: `Run ${run.runId}`,
      outcome: run.outcome,
      live: ['starting', 'in-flight'].includes(run.outcome)
    })
  }
  if (job) {
    pending.push({
      what: `Job ${job.name}`,
      outcome: job.outcome,
      live: ['creating', 'in-flight'].includes(job.outcome)
    })
  }
  if (pending.length === 0) return
  for (const p of pending) if (!p.live) core.info(`${p.what}: ${describe(p.outcome)}; nothing to clean up.`)
  if (!pending.some(p => p.live)) return
  let op: Operation
  let ctx: Context
  try {
    // The same inputs as main (GitHub passes them to the post step): credentials never go through the state file.
    op = parseInputs()
    ctx = createContext({ ...op, timeoutMinutes: 1 }, newReport('post'), deps)
  } catch (error) {
    core.warning(`Post step: could not read the inputs to clean up: ${(error as Error).message}`)
    return
  }
  if (run && (run.outcome === 'starting' || run.outcome === 'in-flight')) await cancelRun(ctx, op, run)
  if (job && (job.outcome === 'creating' || job.outcome === 'in-flight')) {
    try {
      const target = { workspace: job.workspace, name: job.name }
      const now = await readJobStatus(ctx.http, op, target)
      if (!now) {
        core.info(`Job ${job.name} does not exist: nothing to cancel.`)
        return
      }
      const { status, body } = now
      if (isJobTerminal(status)) {
        core.info(`Job ${job.name} has ended (${status}): nothing to cancel.`)
        return
      }
      const lower = status.toLowerCase()
      if (lower === 'finalizing' || lower === 'cancelrequested') {
        // Nothing a cancel can change: say what is true.
        const kind = lower === 'finalizing' ? 'finalizing' : 'under-way'
        core.info(
          `Looked again: ${describeCancel({ kind, status }, job.name, jobPortalUrl(op, target, body), isPipelineJob(body))}`
        )
        return
      }
      core.info(
        `Job ${job.name} is still ${status} at the end of the job: cancelling it` +
          `${isPipelineJob(body) ? ' (a pipeline: its running and queued steps with it)' : ''}.`
      )
      await bestEffortJobCancel(ctx.http, op, target, { status, body })
    } catch (error) {
      core.warning(`Post step: could not check or cancel job ${job.name}: ${(error as Error).message}`)
    }
  }
}

async function cancelRun(ctx: Context, op: Operation, saved: SavedRun): Promise<void> {
  try {
    const target: RunTarget = {
      api: saved.apiEndpoint,
      workspace: saved.workspace,
      experimentName: saved.experimentName,
      runId: saved.runId
    }
    const response = await getRun(ctx.http, op, target)
    if (response.status === 404) {
      core.info(`Run ${saved.runId} does not exist: nothing to cancel.`)
      return
    }
    const status = parseJson<RunBody>(response)?.status ?? 'Unknown'
    if (terminalStatus(status)) {
      core.info(`Run ${saved.runId} has ended (${status}): nothing to cancel.`)
      return
    }
    core.info(`Run ${saved.runId} is still ${status} at the end of the job: cancelling it.`)
    await bestEffortCancel(ctx.http, { settings: op }, target)
  } catch (error) {
    core.warning(`Post step: could not check or cancel run ${saved.runId}: ${(error as Error).message}`)
  }
}

function describe(outcome: string): string {
  switch (outcome) {
    case 'finished':
      return 'the step saw it end'
    case 'cancelled':
      return 'the step cancelled it'
    case 'left-running':
      return 'left running at timeout-minutes (cancel-on-timeout is off)'
    default:
      return outcome
  }
}
