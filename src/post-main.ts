/**
 * The `post:` step (dist/post/index.js). GitHub runs it at the end of the job, also after a failure or a cancelled
 * workflow (`post-if: always()`). It cancels a run that main left in flight: main was killed before it could cancel
 * (SIGKILL after SIGTERM), its own cancel failed, or it started the run with `wait: false` and the run has not ended
 * by the end of the job. It does nothing when main saw the run end, cancelled it, or let it run on at timeout-minutes
 * (the user chose that by leaving cancel-on-timeout off). Never fails the job: problems are warnings.
 */
import * as core from '@actions/core'
import { parseJson } from './http/client.js'
import { parseInputs } from './action/dispatch.js'
import { createContext, type RunDependencies } from './main.js'
import { bestEffortCancel, getRun, terminalStatus, type RunBody, type RunTarget } from './runs/follow.js'
import { loadRun } from './runs/state.js'
import { newReport } from './action/summary.js'

export async function runPost(deps: RunDependencies = {}): Promise<void> {
  const saved = loadRun()
  if (!saved) return
  if (saved.outcome !== 'starting' && saved.outcome !== 'in-flight') {
    core.info(`Run ${saved.runId}: ${describe(saved.outcome)}; nothing to clean up.`)
    return
  }
  try {
    // The same inputs as main (GitHub passes them to the post step): credentials never go through the state file.
    const op = parseInputs()
    const ctx = createContext({ ...op, timeoutMinutes: 1 }, newReport('post'), deps)
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
