/**
 * Inputs of the model operations: list-models and delete-model (v1, `model-id`), register-model (v2: a model YAML, or
 * `model-name` + `model-path`). Errors name the input, and for the YAML the file, line and field.
 */
import type { InputScope } from '../action/common-inputs.js'
import { InputError } from '../base/errors.js'
import * as core from '@actions/core'
import { existsSync, statSync } from 'node:fs'
import { choice, optional, resourceName } from '../action/input-readers.js'
import type { Op, WorkspaceRef } from '../base/settings.js'
import {
  MLMODEL_FILE,
  MODEL_TYPES,
  mlflowFolderProblem,
  parseModelPath,
  readModelYaml,
  type ModelPathReference,
  type ModelType,
  type ModelYamlRead
} from './yaml/index.js'

/** Azure ML model ids are `name:version`; the name may hold letters, digits and `. _ -`. */
const MODEL_ID = /^[A-Za-z0-9][\w.-]{0,254}:\d{1,10}$/

export interface ListModelsInputs {
  kind: 'list-models'
  workspace: WorkspaceRef
}

export interface DeleteModelInputs {
  kind: 'delete-model'
  workspace: WorkspaceRef
  /** `name:version`. */
  modelId: string
}

export type ListModelsOperation = Op<ListModelsInputs>
export type DeleteModelOperation = Op<DeleteModelInputs>

export function readListModels(scope: InputScope): ListModelsInputs {
  return { kind: 'list-models', workspace: scope.workspace('list-models') }
}

export function readDeleteModel(scope: InputScope): DeleteModelInputs {
  return { kind: 'delete-model', workspace: scope.workspace('delete-model'), modelId: readModelId() }
}

function readModelId(): string {
  const value = optional('model-id')
  if (value === undefined) {
    throw new InputError('model-id', 'required by delete-model: the model id, e.g. sklearn_regression_model.pkl:1.')
  }
  if (!MODEL_ID.test(value)) {
    throw new InputError(
      'model-id',
      `expected a model id such as sklearn_regression_model.pkl:1 (name:version; letters, digits, . _ -), got '${value}'.`
    )
  }
  return value
}

/** register-model: a model YAML, or `model-name` + `model-path` (+ `model-type`). */
export interface RegisterModelInputs {
  kind: 'register-model'
  workspace: WorkspaceRef
  model:
    | { from: 'yaml'; read: ModelYamlRead }
    | { from: 'inputs'; name: string; path: ModelPathReference; type: ModelType; written: string }
}

export type RegisterModelOperation = Op<RegisterModelInputs>

/** Model names (azure-ai-ml's asset name rule). */
const MODEL_NAME = /^[a-zA-Z0-9][a-zA-Z0-9\-_.]{0,254}$/

export function readRegisterModel(scope: InputScope): RegisterModelInputs {
  const workspace = scope.workspace('register-model')
  const baseDir = process.env.GITHUB_WORKSPACE || process.cwd()
  const file = optional('model')
  const name = optional('model-name')
  const path = optional('model-path')
  if (file !== undefined) {
    if (name !== undefined || path !== undefined) {
      throw new InputError('model', 'give either model (a model YAML) or model-name and model-path, not both.')
    }
    return {
      kind: 'register-model',
      workspace,
      model: { from: 'yaml', read: readModelYaml(file, core.getMultilineInput('set'), { baseDir }) }
    }
  }
  if (name === undefined) {
    throw new InputError(
      'model-name',
      'required by register-model (unless model, a model YAML, is given): the model name, e.g. credit-default.'
    )
  }
  resourceName('model-name', name, MODEL_NAME, 'a model name: letters, digits, - _ or ., up to 255')
  if (path === undefined) {
    throw new InputError(
      'model-path',
      'required with model-name: a local file or folder, or a job output such as azureml://jobs/<job>/outputs/model.'
    )
  }
  let ref: ModelPathReference
  try {
    ref = parseModelPath(path, baseDir)
  } catch (error) {
    throw new InputError('model-path', `${(error as Error).message}.`)
  }
  if (ref.kind === 'local' && !existsSync(ref.path)) {
    throw new InputError('model-path', `'${path}' does not exist (relative to the workspace, ${baseDir}).`)
  }
  const type = choice<ModelType>('model-type', MODEL_TYPES, 'custom_model')
  if (ref.kind === 'local' && type === 'mlflow_model') {
    const problem = mlflowFolderProblem(ref.path)
    if (problem) throw new InputError('model-path', `${problem}.`)
    if (!statSync(ref.path).isDirectory()) {
      throw new InputError('model-path', `'${path}' is a file; an mlflow_model is a folder holding ${MLMODEL_FILE}.`)
    }
  }
  return { kind: 'register-model', workspace, model: { from: 'inputs', name, path: ref, type, written: path } }
}
