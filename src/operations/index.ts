/** The dispatch table: one module per operation, each `(op, ctx) => Promise<void>`. */
import type { Context } from '../context.js'
import type { OperationKind, OperationOf } from '../inputs.js'
import { getToken } from './get-token.js'
import { getWorkspace } from './get-workspace.js'
import { listComputes } from './list-computes.js'
import { listExperiments } from './list-experiments.js'
import { listModels } from './list-models.js'
import { listResourceGroups } from './list-resource-groups.js'
import { listWorkspaces } from './list-workspaces.js'
import { request } from './request.js'

export const OPERATIONS: { [K in OperationKind]: (op: OperationOf<K>, ctx: Context) => Promise<void> } = {
  'get-token': getToken,
  'list-resource-groups': listResourceGroups,
  'list-workspaces': listWorkspaces,
  'get-workspace': getWorkspace,
  'list-computes': listComputes,
  'list-experiments': listExperiments,
  'list-models': listModels,
  request
}
