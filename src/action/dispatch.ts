/** The dispatch table: one module per operation, each `(op, ctx) => Promise<void>`. */
import type { Context } from './context.js'
import type { OperationKind, OperationOf } from './inputs.js'
import { cancelRun } from '../runs/cancel-run.js'
import { createCompute } from '../computes/create-compute.js'
import { createWorkspace } from '../workspaces/create-workspace.js'
import { deleteCompute } from '../computes/delete-compute.js'
import { deleteModel } from '../models/delete-model.js'
import { deleteWorkspace } from '../workspaces/delete-workspace.js'
import { getToken } from '../rest/get-token.js'
import { getWorkspace } from '../workspaces/get-workspace.js'
import { listComputes } from '../computes/list-computes.js'
import { listExperiments } from '../runs/list-experiments.js'
import { listModels } from '../models/list-models.js'
import { listResourceGroups } from '../workspaces/list-resource-groups.js'
import { listWorkspaces } from '../workspaces/list-workspaces.js'
import { pollRun } from '../runs/poll-run.js'
import { request } from '../rest/request.js'
import { score } from '../scoring/score.js'
import { startRun } from '../runs/start-run.js'

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
