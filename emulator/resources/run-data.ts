/**
 * What `az ml job download` (azure-ai-ml `JobOperations.download`) reads before it downloads, on the data plane (the
 * discovery document's `api` server); no vendored spec has these, their shapes are azure-ai-ml 1.4's generated clients:
 *
 * - `POST /history/v1.0{WS}/rundata` (`_restclient/runhistory` `RunsOperations.get_run_data`), body
 *   `GetRunDataRequest` `{runId, selectRunMetadata, selectRunDefinition, selectJobSpecification}` →
 *   `GetRunDataResult` `{runMetadata: Run, runDefinition, jobSpecification}`. `runMetadata.outputs` maps each output
 *   name to a `TypedAssetReference` `{assetId, type}` (`operations/_job_ops_helper.py`
 *   `get_job_output_uris_from_dataplane`): `default` (the job's artifacts, `ExperimentRun/dcid.<job>/` of the
 *   `workspaceartifactstore` datastore) and each output the job declares.
 * - `POST /data/v1.0{WS}/dataversion/batchGetResolvedUris` (`_restclient/dataset_dataplane`
 *   `DataVersionOperations.batch_get_resolved_uris`), body `{values: [assetId...]}` → `{values: {<assetId>: {uri,
 *   type}}}`, the `azureml://datastores/<datastore>/paths/<path>` URI the SDK then lists and downloads.
 *
 * The asset ids are Azure's form, `azureml://locations/<region>/workspaces/<workspace guid>/data/
 * azureml_<job>_output_data_<output>/versions/1`; the emulator keeps no separate record of them: the job and output
 * are read back from the id.
 */
import { WS } from '../arm/scopes.js'
import type { Core } from '../core/context.js'
import { dpError, isReply, json } from '../core/http.js'
import { route, type EmulatorModule } from '../core/routes.js'
import type { Reply, RequestContext } from '../core/types.js'
import { jobBody, jobRun } from './jobs.js'
import { dataPlaneWorkspace } from './workspaces.js'

type Json = Record<string, unknown>
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

/** The artifacts of a job: Azure's `default` output, on the artifact store. */
export const DEFAULT_OUTPUT = 'default'

/** Model output types as run history names them (the SDK tells data from models by these). */
const MODEL_TYPES: Record<string, string> = {
  custom_model: 'CustomModel',
  mlflow_model: 'MLFlowModel',
  triton_model: 'TritonModel'
}

function assetId(location: string, workspaceGuid: string, job: string, output: string): string {
  return `azureml://locations/${location}/workspaces/${workspaceGuid}/data/azureml_${job}_output_data_${output}/versions/1`
}

/** The outputs of a job as `{name: {uri, type}}`: `default` (artifacts) first, then the job's own (uris filled in). */
function jobOutputs(
  core: Core,
  wsKey: string,
  name: string
): Record<string, { uri: string; type: string }> | undefined {
  const job = core.jobs.get(wsKey, name)
  if (!job) return undefined
  const props = jobBody(core, job).properties as Json
  const declared = isObj(props.outputs) ? props.outputs : {}
  const out: Record<string, { uri: string; type: string }> = {
    [DEFAULT_OUTPUT]: {
      uri: `azureml://datastores/workspaceartifactstore/paths/ExperimentRun/dcid.${job.name}/`,
      type: 'uri_folder'
    }
  }
  for (const [output, o] of Object.entries(declared)) {
    if (!isObj(o) || typeof o.uri !== 'string') continue
    const type = typeof o.jobOutputType === 'string' ? o.jobOutputType : 'uri_folder'
    out[output] = { uri: o.uri, type: MODEL_TYPES[type] ?? type }
  }
  return out
}

/** `POST /history/v1.0{WS}/rundata`. */
export function getRunData(core: Core, ctx: RequestContext): Reply {
  const w = dataPlaneWorkspace(core, ctx)
  if (isReply(w)) return w
  const body = ctx.json
  const runId = isObj(body) && typeof body.runId === 'string' ? body.runId : ''
  if (!runId) {
    return dpError(ctx, 400, 'UserError', 'The request body must name the run: {"runId": "<job name>"}.', 'BadArgument')
  }
  const outputs = jobOutputs(core, w.key, runId)
  if (!outputs) {
    return dpError(ctx, 404, 'UserError', `Run '${runId}' was not found in the workspace.`, 'NotFoundError')
  }
  // The run as GET .../runs/{runId} answers it (jobRun reads the run id from the path).
  const run = jobRun(core, { ...ctx, params: { ...ctx.params, runId } })
  if (run.status !== 200 || !isObj(run.body)) return run
  const runMetadata = {
    ...run.body,
    outputs: Object.fromEntries(
      Object.entries(outputs).map(([name, o]) => [
        name,
        { assetId: assetId(w.ws.location, w.ws.workspaceId, runId, name), type: o.type }
      ])
    )
  }
  return json(200, {
    runMetadata,
    ...(isObj(body) && body.selectRunDefinition === true ? { runDefinition: null } : {}),
    ...(isObj(body) && body.selectJobSpecification === true ? { jobSpecification: null } : {})
  })
}

/** `POST /data/v1.0{WS}/dataversion/batchGetResolvedUris`: the uri of each job output asset id; unknown ids left out. */
export function batchGetResolvedUris(core: Core, ctx: RequestContext): Reply {
  const w = dataPlaneWorkspace(core, ctx)
  if (isReply(w)) return w
  const body = ctx.json
  const ids = isObj(body) && Array.isArray(body.values) ? body.values.filter(v => typeof v === 'string') : undefined
  if (!ids) {
    return dpError(ctx, 400, 'UserError', 'The request body must list asset ids: {"values": ["azureml://..."]}.')
  }
  const values: Record<string, { uri: string; type: string }> = {}
  for (const id of ids as string[]) {
    const m = /\/data\/azureml_(.+)_output_data_([^/]+)\/versions\/1$/.exec(id)
    if (!m || !id.includes(`/workspaces/${w.ws.workspaceId}/`)) continue
    const o = jobOutputs(core, w.key, m[1])?.[m[2]]
    if (o) values[id] = o
  }
  return json(200, { values })
}

export const runDataModule: EmulatorModule = {
  name: 'run-data',
  routes: [
    route('api', 'POST', `/history/v1.0${WS}/rundata`, 'Emulator_GetRunData', getRunData, 'bearer'),
    route(
      'api',
      'POST',
      `/data/v1.0${WS}/dataversion/batchGetResolvedUris`,
      'Emulator_DataVersionBatchGetResolvedUris',
      batchGetResolvedUris,
      'bearer'
    )
  ]
}
