/**
 * Inputs of the experiment-run operations (list-experiments, start-run, poll-run, cancel-run), read and validated up front like every
 * other input: the run definition is parsed and merged here, so the operation modules never re-check an input.
 */
import * as core from '@actions/core'
import { statSync } from 'node:fs'
import { resolve } from 'node:path'
import { InputError } from '../base/errors.js'
import { bool, optional, parseJsonText, readFileInput, required, resourceName } from '../action/input-readers.js'
import type { InputScope } from '../action/common-inputs.js'
import type { Op, WorkspaceRef } from '../base/settings.js'
import { readPrComment } from '../reports/inputs.js'
import type { PrCommentSettings } from '../reports/pr-comment.js'

/** Azure ML run ids (the spec's pattern for `runId`). */
export const RUN_ID = /^[a-zA-Z0-9][\w-]{0,255}$/
/** Experiment names: letters, digits, `_` and `-`, starting with a letter or digit (Azure allows up to 250). */
export const EXPERIMENT_NAME = /^[a-zA-Z0-9][\w-]{0,249}$/
/** Compute names (clusters: up to 24, such as `gpu-v100-1GPU-cluster`), or `local`. Lenient: the service has the last word. */
const COMPUTE_NAME = /^[a-zA-Z0-9][\w-]{0,63}$/

/** The guide's runDefinition.json: `Configuration` with PascalCase keys (the service reads them case-insensitively). */
export type RunDefinition = { Configuration: Record<string, unknown> } & Record<string, unknown>

export interface RunRef {
  workspace: WorkspaceRef
  experimentName: string
  runId: string
}

export interface StartRunInputs {
  kind: 'start-run'
  workspace: WorkspaceRef
  experimentName: string
  /** Absolute path of an existing folder. */
  sourceDirectory: string
  /** The entry script, relative to sourceDirectory (the definition's `Script` after overrides). */
  script: string
  /** The definition to send: `run-definition` with `script`, `arguments`, `compute-target` applied, or built from them. */
  runDefinition: RunDefinition
  /** A client-chosen run id; undefined: `{experiment}_{epoch ms}` at start. */
  runId?: string
  cancelOnTimeout: boolean
  /** `comment-on-pr: true`: the token that comments the result on the pull request. */
  prComment?: PrCommentSettings
}

export interface PollRunInputs extends RunRef {
  kind: 'poll-run'
  cancelOnTimeout: boolean
  prComment?: PrCommentSettings
}

export interface CancelRunInputs extends RunRef {
  kind: 'cancel-run'
}

export interface ListExperimentsInputs {
  kind: 'list-experiments'
  workspace: WorkspaceRef
}

export type ListExperimentsOperation = Op<ListExperimentsInputs>
export type StartRunOperation = Op<StartRunInputs>
export type PollRunOperation = Op<PollRunInputs>
export type CancelRunOperation = Op<CancelRunInputs>

export function readListExperiments(scope: InputScope): ListExperimentsInputs {
  return { kind: 'list-experiments', workspace: scope.workspace('list-experiments') }
}

export function readStartRun(scope: InputScope): StartRunInputs {
  const workspace = scope.workspace('start-run')
  const experimentName = readExperimentName('start-run')
  const sourceDirectory = readSourceDirectory()
  const base = readRunDefinition()
  const script = optional('script')
  const args = readArguments()
  const target = resourceName(
    'compute-target',
    optional('compute-target'),
    COMPUTE_NAME,
    'a compute name (letters, digits, _ or -), or local'
  )
  const runDefinition = mergeRunDefinition(base, { script, args, target })
  const finalScript = configValue(runDefinition.Configuration, 'Script')
  if (typeof finalScript !== 'string' || finalScript.trim() === '') {
    throw new InputError(
      'script',
      'required by start-run: the entry script, relative to source-directory (or Configuration.Script in run-definition).'
    )
  }
  if (configValue(runDefinition.Configuration, 'Target') === undefined) {
    throw new InputError(
      'compute-target',
      'required by start-run: the compute to run on, e.g. cpu-cluster (or Configuration.Target in run-definition).'
    )
  }
  const runId = readRunId(false)
  return {
    kind: 'start-run',
    workspace,
    experimentName,
    sourceDirectory,
    script: finalScript.trim(),
    runDefinition,
    runId,
    cancelOnTimeout: bool('cancel-on-timeout', false),
    prComment: readPrComment()
  }
}

export function readPollRun(scope: InputScope): PollRunInputs {
  return {
    kind: 'poll-run',
    workspace: scope.workspace('poll-run'),
    experimentName: readExperimentName('poll-run'),
    runId: readRunId(true) as string,
    cancelOnTimeout: bool('cancel-on-timeout', false),
    prComment: readPrComment()
  }
}

export function readCancelRun(scope: InputScope): CancelRunInputs {
  return {
    kind: 'cancel-run',
    workspace: scope.workspace('cancel-run'),
    experimentName: readExperimentName('cancel-run'),
    runId: readRunId(true) as string
  }
}

function readExperimentName(kind: string): string {
  return resourceName(
    'experiment-name',
    required('experiment-name', `by ${kind}: the experiment, e.g. my-first-experiment`),
    EXPERIMENT_NAME,
    'an experiment name: 1-250 letters, digits, _ or -, starting with a letter or digit'
  ) as string
}

function readRunId(isRequired: boolean): string | undefined {
  const value = isRequired
    ? required('run-id', 'here: the id of the run, e.g. the runId output of start-run')
    : optional('run-id')
  return resourceName(
    'run-id',
    value,
    RUN_ID,
    'a run id: 1-256 letters, digits, _ or -, starting with a letter or digit'
  )
}

function readSourceDirectory(): string {
  const value = optional('source-directory') ?? '.'
  const path = resolve(value)
  let isDirectory: boolean
  try {
    isDirectory = statSync(path).isDirectory()
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new InputError('source-directory', `'${value}' does not exist${code ? ` (${code})` : ''}: expected a folder.`)
  }
  if (!isDirectory) throw new InputError('source-directory', `'${value}' is a file: expected the folder to snapshot.`)
  return path
}

/** `core.getMultilineInput` semantics: one argument a line, empty lines dropped, each line trimmed. */
function readArguments(): string[] | undefined {
  if (optional('arguments') === undefined) return undefined
  return core.getMultilineInput('arguments')
}

/** `run-definition`: inline JSON (starting with `{`) or the path of a JSON file, in the guide's shape. */
function readRunDefinition(): RunDefinition | undefined {
  const value = optional('run-definition')
  if (value === undefined) return undefined
  const inline = value.startsWith('{')
  const text = inline ? value : readFileInput('run-definition', value)
  const expected = 'a run definition such as {"Configuration": {"Script": "train.py", "Target": "cpu-cluster"}}'
  const parsed = parseJsonText('run-definition', text, expected)
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InputError('run-definition', `expected a JSON object: ${expected}.`)
  }
  const configKey = Object.keys(parsed).find(k => k.toLowerCase() === 'configuration')
  const config = configKey === undefined ? undefined : (parsed as Record<string, unknown>)[configKey]
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new InputError('run-definition', `has no Configuration object: expected ${expected}.`)
  }
  const args = configValue(config as Record<string, unknown>, 'Arguments')
  if (args !== undefined && args !== null && !Array.isArray(args)) {
    throw new InputError('run-definition', 'Configuration.Arguments must be an array of strings.')
  }
  // One spelling of Configuration from here on, so the overrides below land on the right object.
  const { [configKey as string]: _, ...rest } = parsed as Record<string, unknown>
  return { ...rest, Configuration: { ...(config as Record<string, unknown>) } }
}

/** The guide's definition, for runs started from the inputs alone (the environment updated to a current image). */
export function defaultRunDefinition(): RunDefinition {
  return {
    Configuration: {
      Script: '',
      Arguments: [],
      SourceDirectoryDataStore: null,
      Framework: 'Python',
      Communicator: 'None',
      Target: undefined,
      NodeCount: 1,
      Environment: {
        Python: {
          InterpreterPath: 'python',
          UserManagedDependencies: false,
          CondaDependencies: {
            name: 'project_environment',
            dependencies: ['python=3.10', { pip: ['azureml-defaults'] }]
          }
        },
        Docker: { BaseImage: 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04' }
      },
      History: { OutputCollection: true }
    }
  }
}

/** `script`, `arguments` and `compute-target` override the definition's `Script`, `Arguments` and `Target`. */
export function mergeRunDefinition(
  base: RunDefinition | undefined,
  overrides: { script?: string; args?: string[]; target?: string }
): RunDefinition {
  const definition = base ?? defaultRunDefinition()
  const config = { ...definition.Configuration }
  const set = (name: string, value: unknown): void => {
    const key = Object.keys(config).find(k => k.toLowerCase() === name.toLowerCase()) ?? name
    config[key] = value
  }
  if (overrides.script !== undefined) set('Script', overrides.script)
  if (overrides.args !== undefined) set('Arguments', overrides.args)
  if (overrides.target !== undefined) set('Target', overrides.target)
  for (const key of Object.keys(config)) if (config[key] === undefined) delete config[key]
  return { ...definition, Configuration: config }
}

/** A Configuration field read case-insensitively (the guide writes `Script`, the spec `script`). */
export function configValue(config: Record<string, unknown>, name: string): unknown {
  const key = Object.keys(config).find(k => k.toLowerCase() === name.toLowerCase())
  return key === undefined ? undefined : config[key]
}
