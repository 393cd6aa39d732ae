/**
 * What main leaves for the post step (`core.saveState`), typed. Never a secret: the post step reads the credentials
 * from its inputs again (GitHub gives a post step the same inputs as main).
 */
import * as core from '@actions/core'
import type { WorkspaceRef } from '../base/settings.js'

export enum State {
  RunId = 'runId',
  ExperimentName = 'experimentName',
  Workspace = 'workspace',
  ApiEndpoint = 'apiEndpoint',
  Outcome = 'runOutcome'
}

/**
 * - `starting`: the startrun POST was sent (the run may exist: its id was chosen before the POST);
 * - `in-flight`: the run exists and main has not seen it end (also with `wait: false`);
 * - `finished`: main saw a terminal status; `cancelled`: main cancelled it;
 * - `left-running`: timeout-minutes passed without cancel-on-timeout: the user chose to let it run.
 * The post step cancels `starting` and `in-flight` runs that are still not terminal, nothing else.
 */
export type RunOutcome = 'starting' | 'in-flight' | 'finished' | 'cancelled' | 'left-running'

export interface SavedRun {
  runId: string
  experimentName: string
  workspace: WorkspaceRef
  apiEndpoint: string
  outcome: RunOutcome
}

export function saveRun(run: Omit<SavedRun, 'outcome'>, outcome: RunOutcome): void {
  core.saveState(State.RunId, run.runId)
  core.saveState(State.ExperimentName, run.experimentName)
  core.saveState(State.Workspace, JSON.stringify(run.workspace))
  core.saveState(State.ApiEndpoint, run.apiEndpoint)
  markRunOutcome(outcome)
}

/** Records how main left the run. */
export function markRunOutcome(outcome: RunOutcome): void {
  core.saveState(State.Outcome, outcome)
}

export function loadRun(): SavedRun | undefined {
  const runId = core.getState(State.RunId)
  if (!runId) return undefined
  let workspace: WorkspaceRef
  try {
    workspace = JSON.parse(core.getState(State.Workspace)) as WorkspaceRef
  } catch {
    return undefined
  }
  return {
    runId,
    experimentName: core.getState(State.ExperimentName),
    workspace,
    apiEndpoint: core.getState(State.ApiEndpoint),
    outcome: (core.getState(State.Outcome) || 'in-flight') as RunOutcome
  }
}
