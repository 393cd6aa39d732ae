/** The dispatch table: one module per operation, each `(op, ctx) => Promise<void>`. */
import type { Context } from '../context.js'
import type { OperationKind, OperationOf } from '../inputs.js'
import { cancelRun } from './cancel-run.js'
import { createCompute } from './create-compute.js'
import { createWorkspace } from './create-workspace.js'
import { deleteCompute } from './delete-compute.js'
import { deleteModel } from './delete-model.js'
import { deleteWorkspace } from './delete-workspace.js'
import { getToken } from './get-token.js'
import { getWorkspace } from './get-workspace.js'
import { listComputes } from './list-computes.js'
import { listExperiments } from './list-experiments.js'
import { listModels } from './list-models.js'
import { listResourceGroups } from './list-resource-groups.js'
import { listWorkspaces } from './list-workspaces.js'
import { pollRun } from './poll-run.js'
import { request } from './request.js'
import { score } from './score.js'
import { startRun } from './start-run.js'

export const OPERATIONS: { [K in OperationKind]: (op: OperationOf<K>, ctx: Context) => Promise<void> } = {
  'get-token': getToken,
  'list-resource-groups': listResourceGroups,
  'list-workspaces': listWorkspaces,
  'get-workspace': getWorkspace,
  'list-computes': listComputes,
  'list-experiments': listExperiments,
  'list-models': listModels,
  'delete-model': deleteModel,
  score,
  'start-run': startRun,
  'poll-run': pollRun,
  'cancel-run': cancelRun,
  'create-compute': createCompute,
  'delete-compute': deleteCompute,
  'create-workspace': createWorkspace,
  'delete-workspace': deleteWorkspace,
  request
}
