/** Inputs of the v1 model operations: list-models, delete-model (`model-id`). */
import type { InputScope } from '../action/common-inputs.js'
import { InputError } from '../action/errors.js'
import { optional } from '../action/input-readers.js'
import type { Op, WorkspaceRef } from '../action/settings.js'

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
