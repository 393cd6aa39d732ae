/**
 * Inputs of the v2 job operations: submit-job (a CLI v2 job YAML, read and validated here with its `set` lines, before
 * any request), poll-job and cancel-job (`job-name`). Errors name the input, and for the YAML the file, line and field.
 */
import * as core from '@actions/core'
import { randomBytes } from 'node:crypto'
import type { InputScope } from '../action/common-inputs.js'
import { bool, choice, optional, required, resourceName } from '../action/input-readers.js'
import { isSetLocation, locate } from '../cli-yaml/load.js'
import type { Op, WorkspaceRef } from '../base/settings.js'
import { readPrComment } from '../reports/inputs.js'
import type { PrCommentSettings } from '../reports/pr-comment.js'
import { EXPERIMENT_NAME } from '../runs/inputs.js'
import { readAnyJobYaml, type AnyJobYaml } from './job-types.js'

/** Job names (`Jobs_CreateOrUpdate`'s `id`): what the service and studio accept. */
export const JOB_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,254}$/
const JOB_NAME_FORM = 'a job name: 1-255 letters, digits, _ or -, starting with a letter or digit'

export interface SubmitJobInputs {
  kind: 'submit-job'
  workspace: WorkspaceRef
  /** The YAML read, `set` applied, validated by its job type (`job-types.ts`); references parsed, local paths checked. */
  yaml: AnyJobYaml
  /** Chosen before the PUT: input `job-name`, else the YAML's `name`, else a new one. */
  jobName: string
  /**
   * Where a name the user chose came from, for the message when a job of that name exists: `input 'job-name'`,
   * `train.yml:3: name`, `set line 1 (name=x)`; undefined for a new name.
   */
  jobNameSource?: string
  /** Input `if-job-exists`: what to do when a job of that name already exists (a re-run of the workflow). */
  ifJobExists: IfJobExists
  /** Input `experiment-name` (wins over the YAML's). */
  experimentName?: string
  cancelOnTimeout: boolean
  prComment?: PrCommentSettings
}

/** `fail` (default): fail before anything is uploaded; `follow`: follow the existing job as poll-job does. */
export const IF_JOB_EXISTS = ['fail', 'follow'] as const
export type IfJobExists = (typeof IF_JOB_EXISTS)[number]

export interface PollJobInputs {
  kind: 'poll-job'
  workspace: WorkspaceRef
  jobName: string
  cancelOnTimeout: boolean
  prComment?: PrCommentSettings
}

export interface CancelJobInputs {
  kind: 'cancel-job'
  workspace: WorkspaceRef
  jobName: string
}

export type SubmitJobOperation = Op<SubmitJobInputs>
export type PollJobOperation = Op<PollJobInputs>
export type CancelJobOperation = Op<CancelJobInputs>

export function readSubmitJob(scope: InputScope): SubmitJobInputs {
  const workspace = scope.workspace('submit-job')
  const file = required('job', 'by submit-job: the path of a CLI v2 job YAML, e.g. jobs/train.yml')
  const setLines = core.getMultilineInput('set')
  const yaml = readAnyJobYaml(file, setLines, { baseDir: process.env.GITHUB_WORKSPACE || process.cwd() })
  const named = readJobName(false)
  const jobName = named ?? yaml.job.name ?? newJobName()
  let jobNameSource: string | undefined
  if (named) jobNameSource = "input 'job-name'"
  else if (yaml.job.name) {
    const where = locate(yaml.source, ['name'])
    jobNameSource = isSetLocation(where)
      ? `set line ${where.line} (${where.text})`
      : `${where.file}:${where.line}: name`
  }
  const experimentName = resourceName(
    'experiment-name',
    optional('experiment-name'),
    EXPERIMENT_NAME,
    'an experiment name: 1-250 letters, digits, _ or -, starting with a letter or digit'
  )
  return {
    kind: 'submit-job',
    workspace,
    yaml,
    jobName,
    jobNameSource,
    ifJobExists: choice('if-job-exists', IF_JOB_EXISTS, 'fail'),
    experimentName,
    cancelOnTimeout: bool('cancel-on-timeout', false),
    prComment: readPrComment()
  }
}

export function readPollJob(scope: InputScope): PollJobInputs {
  return {
    kind: 'poll-job',
    workspace: scope.workspace('poll-job'),
    jobName: readJobName(true) as string,
    cancelOnTimeout: bool('cancel-on-timeout', false),
    prComment: readPrComment()
  }
}

export function readCancelJob(scope: InputScope): CancelJobInputs {
  return { kind: 'cancel-job', workspace: scope.workspace('cancel-job'), jobName: readJobName(true) as string }
}

function readJobName(isRequired: boolean): string | undefined {
  const value = isRequired
    ? required('job-name', 'here: the name of the job, e.g. the jobName output of submit-job')
    : optional('job-name')
  return resourceName('job-name', value, JOB_NAME, JOB_NAME_FORM)
}

/** A new job name, the CLI's shape (lower-case words and a random part): `job_<yyyymmdd>_<hhmmss>_<8 random>`. */
export function newJobName(now = new Date(), random = randomBytes(5)): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15)
  const suffix = random.toString('hex').slice(0, 8)
  return `job_${stamp}_${suffix}`
}
