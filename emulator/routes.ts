/**
 * The route table of each server: every operation of the vendored specs (with the handler that implements it, if
 * any), plus the few routes the specs do not describe but a client needs: Entra, OIDC, the guide's experiment list,
 * discovery, the LRO polling URLs, driver logs and scoring.
 */
import * as arm from './arm.js'
import { tokenEndpoint } from './auth.js'
import type { SpecOperation, SpecSet } from './conformance.js'
import type { Handler } from './core.js'
import * as dp from './dataplane.js'
import * as models from './models.js'
import { entraConfiguration, entraKeys, idTokenEndpoint, oidcConfiguration, oidcKeys } from './oidc.js'
import { compileTemplate, type Template } from './router.js'

export interface Route {
  server: 'arm' | 'api'
  method: string
  tpl: Template
  operationId: string
  spec?: SpecOperation
  handler?: Handler
  /** `bearer`: an emulator-issued Entra token; `none`; `custom`: the handler checks (scoring key, SAS, OIDC). */
  auth: 'bearer' | 'none' | 'custom'
  /** Which provider's api-versions the route takes (ARM only). */
  apiVersion?: arm.ApiVersionKind
}

/** Handlers of spec operations, by `${specId}:${operationId}`. */
const IMPLEMENTED: Record<string, Handler> = {
  'resources-2019-10-01:ResourceGroups_List': arm.listResourceGroups,
  'resources-2019-10-01:ResourceGroups_Get': arm.getResourceGroup,
  'resources-2019-10-01:ResourceGroups_CheckExistence': arm.checkResourceGroup,
  'mls-2019-11-01:Workspaces_ListByResourceGroup': arm.listWorkspaces,
  'mls-2019-11-01:Workspaces_ListBySubscription': arm.listWorkspaces,
  'mls-2019-11-01:Workspaces_Get': arm.getWorkspace,
  'mls-2019-11-01:Workspaces_CreateOrUpdate': arm.putWorkspace,
  'mls-2019-11-01:Workspaces_Delete': arm.deleteWorkspace,
  'mls-2019-11-01:MachineLearningCompute_ListByWorkspace': arm.listComputes,
  'mls-2019-11-01:MachineLearningCompute_Get': arm.getCompute,
  'mls-2019-11-01:MachineLearningCompute_CreateOrUpdate': arm.putCompute,
  'mls-2019-11-01:MachineLearningCompute_Delete': arm.deleteCompute,
  'runHistory-2019-09-30:Experiments_GetByQuery': dp.queryExperiments,
  'runHistory-2019-09-30:Experiments_Get': dp.getExperiment,
  'runHistory-2019-09-30:Experiments_Create': dp.createExperiment,
  'runHistory-2019-09-30:Runs_Get': dp.getRun,
  'runHistory-2019-09-30:Runs_GetDetails': dp.getRunDetails,
  'runHistory-2019-09-30:Runs_GetByQuery': dp.queryRuns,
  'execution-2019-09-30:Runs_StartRun': dp.startRun,
  'execution-2019-09-30:Runs_CancelRunWithUri': dp.cancelRun,
  'modelManagement-2019-09-30:MLModels_ListQuery': models.listModels,
  'modelManagement-2019-09-30:MLModels_QueryById': models.getModel,
  'modelManagement-2019-09-30:MLModels_Delete': models.deleteModel
}

const WS =
  '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.MachineLearningServices/workspaces/{workspaceName}'
const LOCATION_OPS = '/subscriptions/{subscriptionId}/providers/Microsoft.MachineLearningServices/locations/{location}'

function extra(
  server: 'arm' | 'api',
  method: string,
  template: string,
  operationId: string,
  handler: Handler,
  auth: Route['auth'],
  apiVersion?: arm.ApiVersionKind
): Route {
  return { server, method, tpl: compileTemplate(template), operationId, handler, auth, apiVersion }
}

/**
 * Microsoft.Resources' generic operations (`/{resourceId}`, `/{scope}/...`, `.../providers/{resourceProviderNamespace}/
 * {parentResourcePath}/{resourceType}/{resourceName}`) are how ARM forwards to any provider. Left in, they would make
 * every unknown Machine Learning path "match"; the emulator is the Machine Learning provider, so its own spec decides.
 */
function isCatchAll(op: SpecOperation): boolean {
  return op.template.startsWith('/{') || op.template.includes('{parentResourcePath}')
}

export function buildRoutes(specs: SpecSet): Record<'arm' | 'api', Route[]> {
  const routes: Record<'arm' | 'api', Route[]> = { arm: [], api: [] }
  for (const op of specs.operations) {
    if (isCatchAll(op)) continue
    routes[op.server].push({
      server: op.server,
      method: op.method,
      tpl: op.tpl,
      operationId: op.operationId,
      spec: op,
      handler: IMPLEMENTED[`${op.specId}:${op.operationId}`],
      auth: 'bearer',
      apiVersion: op.api === 'mls' ? 'mls' : op.api === 'resources' ? 'resources' : undefined
    })
  }
  routes.arm.push(
    extra('arm', 'POST', '/{tenant}/oauth2/token', 'Entra_Token', tokenEndpoint('v1'), 'none'),
    extra('arm', 'POST', '/{tenant}/oauth2/v2.0/token', 'Entra_TokenV2', tokenEndpoint('v2'), 'none'),
    extra(
      'arm',
      'GET',
      '/{tenant}/v2.0/.well-known/openid-configuration',
      'Entra_Metadata',
      entraConfiguration,
      'none'
    ),
    extra('arm', 'GET', '/{tenant}/discovery/v2.0/keys', 'Entra_Keys', entraKeys, 'none'),
    extra('arm', 'GET', '/oidc/idtoken', 'Oidc_IdToken', idTokenEndpoint, 'custom'),
    extra('arm', 'GET', '/oidc/.well-known/openid-configuration', 'Oidc_Metadata', oidcConfiguration, 'none'),
    extra('arm', 'GET', '/oidc/.well-known/jwks', 'Oidc_Keys', oidcKeys, 'none'),
    extra(
      'arm',
      'GET',
      `${LOCATION_OPS}/operationsStatus/{operationId}`,
      'Emulator_OperationStatus',
      arm.operationStatus,
      'bearer',
      'mls'
    ),
    extra(
      'arm',
      'GET',
      `${LOCATION_OPS}/operationResults/{operationId}`,
      'Emulator_OperationResult',
      arm.operationResult,
      'bearer',
      'mls'
    )
  )
  routes.api.push(
    extra('api', 'GET', '/discovery', 'Emulator_Discovery', dp.discovery, 'none'),
    extra('api', 'GET', `/history/v1.0${WS}/experiments`, 'Guide_ListExperiments', dp.listExperiments, 'bearer'),
    extra('api', 'GET', '/azureml-run/{runId}/azureml-logs/{file}', 'Emulator_DriverLog', dp.driverLog, 'custom'),
    extra('api', 'POST', '/api/v1/service/{service}/score', 'Emulator_Score', models.score, 'custom')
  )
  return routes
}

/** Which server a path belongs to, for a helpful message when a request reaches the other one. */
export function belongsTo(path: string): 'arm' | 'api' | undefined {
  if (/^\/(history|execution|modelmanagement|artifact|datastore|hyperdrive)\/v\d/i.test(path)) return 'api'
  if (/^\/(discovery|api\/v1\/service)(\/|$)/i.test(path)) return 'api'
  if (/^\/(subscriptions|providers)(\/|$)/i.test(path)) return 'arm'
  return undefined
}
