/**
 * What main leaves for the post step about a v2 job (`core.saveState`), typed. The job's name is saved before its PUT
 * is sent, so the post step can cancel it even when main is killed mid-request. Never a secret.
 */
import * as core from '@actions/core'
import type { WorkspaceRef } from '../base/settings.js'

export enum JobState {
  Name = 'jobName',
  Workspace = 'jobWorkspace',
  Outcome = 'jobOutcome'
}

/**
 * - `creating`: the PUT was sent (the job may exist: its name was chosen before the PUT);
 * - `in-flight`: the job exists and main has not seen it end (also with `wait: false`);
 * - `finished`: main saw a terminal status; `cancelled`: main cancelled it;
 * - `left-running`: timeout-minutes passed without cancel-on-timeout: the user chose to let it run.
 * The post step cancels `creating` and `in-flight` jobs that have not ended, nothing else.
 */
export type JobOutcome = 'creating' | 'in-flight' | 'finished' | 'cancelled' | 'left-running'

export interface SavedJob {
  name: string
  workspace: WorkspaceRef
  outcome: JobOutcome
}

export function saveJob(job: Omit<SavedJob, 'outcome'>, outcome: JobOutcome): void {
  core.saveState(JobState.Name, job.name)
  core.saveState(JobState.Workspace, JSON.stringify(job.workspace))
  markJobOutcome(outcome)
}

export function markJobOutcome(outcome: JobOutcome): void {
  core.saveState(JobState.Outcome, outcome)
}

export function loadJob(): SavedJob | undefined {
  const name = core.getState(JobState.Name)
  if (!name) return undefined
  try {
    const workspace = JSON.parse(core.getState(JobState.Workspace)) as WorkspaceRef
    return { name, workspace, outcome: (core.getState(JobState.Outcome) || 'in-flight') as JobOutcome }
  } catch {
    return undefined
  }
}
