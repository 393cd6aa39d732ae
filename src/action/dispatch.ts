/**
 * The dispatch table: every operation of the contract (CONTRACT.md) with the reader of its own inputs (in its domain
 * folder) and the module that runs it. `parseInputs` reads the common inputs once, then the operation's own; all of it
 * before any request, so bad input fails the step with an `InputError` that names the input.
 */
import { readRegisterComponent } from '../components/inputs.js'
import { registerComponent } from '../components/register-component.js'
import { readRegisterEnvironment } from '../environments/inputs.js'
import { registerEnvironmentOperation } from '../environments/register-environment.js'
import { createCompute } from '../computes/create-compute.js'
import { deleteCompute } from '../computes/delete-compute.js'
import { readCreateCompute, readDeleteCompute, readListComputes } from '../computes/inputs.js'
import { listComputes } from '../computes/list-computes.js'
import { cancelJob } from '../jobs/cancel-job.js'
import { readCancelJob, readPollJob, readSubmitJob } from '../jobs/inputs.js'
import { pollJob } from '../jobs/poll-job.js'
import { submitJob } from '../jobs/submit-job.js'
import { deleteModel } from '../models/delete-model.js'
import { registerModel } from '../models/register-model.js'
import { createDeployment } from '../online-endpoints/create-deployment.js'
import { createEndpoint } from '../online-endpoints/create-endpoint.js'
import { deleteDeployment } from '../online-endpoints/delete-deployment.js'
import { deleteEndpoint } from '../online-endpoints/delete-endpoint.js'
import {
  readCreateDeployment,
  readCreateEndpoint,
  readDeleteDeployment,
  readDeleteEndpoint,
  readSetTraffic
} from '../online-endpoints/inputs.js'
import { setTraffic } from '../online-endpoints/set-traffic.js'
import { readDeleteModel, readListModels, readRegisterModel } from '../models/inputs.js'
import { readRegisterData } from '../data/inputs.js'
import { registerData } from '../data/register-data.js'
import { listModels } from '../models/list-models.js'
import { getToken } from '../rest/get-token.js'
import { readGetToken, readRequest } from '../rest/inputs.js'
import { request } from '../rest/request.js'
import { cancelRun } from '../runs/cancel-run.js'
import { readCancelRun, readListExperiments, readPollRun, readStartRun } from '../runs/inputs.js'
import { listExperiments } from '../runs/list-experiments.js'
import { pollRun } from '../runs/poll-run.js'
import { startRun } from '../runs/start-run.js'
import { readScore, scoreNeedsToken } from '../scoring/inputs.js'
import { score } from '../scoring/score.js'
import { createWorkspace } from '../workspaces/create-workspace.js'
import { deleteWorkspace } from '../workspaces/delete-workspace.js'
import { getWorkspace } from '../workspaces/get-workspace.js'
import {
  readCreateWorkspace,
  readDeleteWorkspace,
  readGetWorkspace,
  readListResourceGroups,
  readListWorkspaces
} from '../workspaces/inputs.js'
import { listResourceGroups } from '../workspaces/list-resource-groups.js'
import { listWorkspaces } from '../workspaces/list-workspaces.js'
import { missingAuthError, readCommonInputs } from './common-inputs.js'
import type { Context } from '../base/context.js'
import { InputError } from '../base/errors.js'
import { optionalSecret, required } from './input-readers.js'
import { entry, type OperationEntry } from './operation-entry.js'
import type { CommonSettings } from '../base/settings.js'

/** The one table: operation name → its entry. The order is the contract's. */
export const OPERATIONS = {
  'get-token': entry({ read: readGetToken, run: getToken }),
  'list-resource-groups': entry({ read: readListResourceGroups, run: listResourceGroups }),
  'list-workspaces': entry({ read: readListWorkspaces, run: listWorkspaces }),
  'get-workspace': entry({ read: readGetWorkspace, run: getWorkspace }),
  'list-computes': entry({ read: readListComputes, run: listComputes }),
  'list-experiments': entry({ read: readListExperiments, run: listExperiments }),
  'list-models': entry({ read: readListModels, run: listModels }),
  'delete-model': entry({ read: readDeleteModel, run: deleteModel }),
  score: entry({ read: readScore, run: score, secretInputs: ['scoring-key'], needsToken: scoreNeedsToken }),
  request: entry({ read: readRequest, run: request }),
  'start-run': entry({ read: readStartRun, run: startRun }),
  'poll-run': entry({ read: readPollRun, run: pollRun }),
  'cancel-run': entry({ read: readCancelRun, run: cancelRun }),
  'submit-job': entry({ read: readSubmitJob, run: submitJob }),
  'poll-job': entry({ read: readPollJob, run: pollJob }),
  'cancel-job': entry({ read: readCancelJob, run: cancelJob }),
  'register-model': entry({ read: readRegisterModel, run: registerModel }),
  'register-data': entry({ read: readRegisterData, run: registerData }),
  'register-component': entry({ read: readRegisterComponent, run: registerComponent }),
  'register-environment': entry({ read: readRegisterEnvironment, run: registerEnvironmentOperation }),
  'create-endpoint': entry({ read: readCreateEndpoint, run: createEndpoint }),
  'create-deployment': entry({ read: readCreateDeployment, run: createDeployment }),
  'set-traffic': entry({ read: readSetTraffic, run: setTraffic }),
  'delete-deployment': entry({ read: readDeleteDeployment, run: deleteDeployment }),
  'delete-endpoint': entry({ read: readDeleteEndpoint, run: deleteEndpoint }),
  'create-compute': entry({ read: readCreateCompute, run: createCompute, secretInputs: ['admin-password'] }),
  'delete-compute': entry({ read: readDeleteCompute, run: deleteCompute }),
  'create-workspace': entry({ read: readCreateWorkspace, run: createWorkspace }),
  'delete-workspace': entry({ read: readDeleteWorkspace, run: deleteWorkspace })
} satisfies Record<string, OperationEntry<{ kind: string }>>

export type OperationKind = keyof typeof OPERATIONS
type InputsOf<K extends OperationKind> = ReturnType<(typeof OPERATIONS)[K]['read']>
export type OperationOf<K extends OperationKind> = CommonSettings & InputsOf<K>
export type Operation = { [K in OperationKind]: OperationOf<K> }[OperationKind]

export const OPERATION_KINDS = Object.keys(OPERATIONS) as OperationKind[]

/** Step inputs → one validated, typed `Operation`. Secret inputs are masked before any input is parsed. */
export function parseInputs(): Operation {
  const kind = readOperationKind()
  const entry: OperationEntry<{ kind: string }> = OPERATIONS[kind]
  // Secrets first: masked before any other input is parsed, so no later error can reveal them.
  for (const name of entry.secretInputs ?? []) optionalSecret(name)
  const scope = readCommonInputs()
  if (!scope.common.auth && (entry.needsToken?.() ?? true)) throw missingAuthError()
  return { ...scope.common, ...entry.read(scope) } as Operation
}

/** Runs the operation's module. */
export function runOperation(op: Operation, ctx: Context): Promise<void> {
  const entry = OPERATIONS[op.kind] as OperationEntry<{ kind: string }>
  return entry.run(op, ctx)
}

function readOperationKind(): OperationKind {
  const value = required('operation', `(one of ${OPERATION_KINDS.join(', ')})`)
  const kind = OPERATION_KINDS.find(k => k === value.toLowerCase())
  if (kind) return kind
  throw new InputError('operation', `unknown operation '${value}'. Expected one of ${OPERATION_KINDS.join(', ')}.`)
}
