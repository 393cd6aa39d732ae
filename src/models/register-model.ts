/**
 * register-model: `PUT {WS}/models/{name}/versions/{version}` (ModelVersions_CreateOrUpdate, mfe.json 2024-04-01) from a
 * model YAML, or from `model-name` + `model-path`. A local path is uploaded to the default datastore first; a job's
 * output (`azureml://jobs/{job}/outputs/{output}[/paths/{p}]`, the default artifacts `.../outputs/artifacts/paths/{p}`,
 * or MLflow's `runs:/{job}/{p}`, sent as written as azure-ai-ml does) is checked to belong to a job that has
 * Completed (a model of a job still running or failed would be incomplete). An `mlflow_model` must hold an `MLmodel`
 * file: a local folder is checked when the inputs are read; a job output's blob listing is checked here (read-only:
 * the datastore's listSecrets and one List Blobs), before anything is registered; where the output's location is not
 * known (a named output without a datastore `uri` in the job), it is not checked, and the log says so. A missing
 * version is the container's next, as `az ml model create` does. An output of a pipeline job is registered from the
 * step that wrote it (pipeline-output.ts). Outputs `modelName`, `modelVersion`, `modelId`, `response`.
 */
import * as core from '@actions/core'
import type { Context } from '../base/context.js'
import { InputError } from '../base/errors.js'
import type { CommonSettings, WorkspaceRef } from '../base/settings.js'
import { blobListed, defaultDatastore, uploadToDatastore } from '../assets/datastore-upload.js'
import { nextModelVersion, registerModelVersion } from '../assets/model-asset.js'
import { parseJson } from '../http/client.js'
import { getJob, isPipelineJob, type JobBody } from '../jobs/job-rest.js'
import type { RegisterModelOperation } from './inputs.js'
import { resolvePipelineOutput, type JobOutputPath } from './pipeline-output.js'
import { MLMODEL_FILE, toModelRestBody, type ModelRestRequest } from './yaml/index.js'

export async function registerModel(op: RegisterModelOperation, ctx: Context): Promise<void> {
  const ws = op.workspace
  const m = op.model
  const input = m.from === 'yaml' ? 'model' : 'model-path'
  const written = m.from === 'yaml' ? m.read.references.path : m.path
  const type = m.from === 'yaml' ? (m.read.yaml.type ?? 'custom_model') : m.type
  let path = written
  if (written.kind === 'job-output') {
    const resolved = await resolveJobOutput(ctx, op, ws, written, input, type === 'mlflow_model')
    path = resolved.path
    if (resolved.job && type === 'mlflow_model')
      await checkMlflowJobOutput(ctx, op, ws, resolved.path, resolved.job, input)
  }
  const resolver = {
    uploadModel: (local: string) =>
      uploadToDatastore(ctx, op, ws, local, {
        at: { input, field: m.from === 'yaml' ? `${m.read.file}: path` : undefined }
      }),
    nextVersion: (name: string) => nextModelVersion(ctx, op, ws, name)
  }
  let request: ModelRestRequest
  if (m.from === 'yaml') {
    request = await toModelRestBody({ ...m.read, references: { path } }, resolver, { workspace: ws })
  } else {
    const modelUri = path.kind === 'local' ? await resolver.uploadModel(path.path) : path.uri
    request = {
      name: m.name,
      version: await resolver.nextVersion(m.name),
      body: { properties: { modelUri, modelType: m.type, isAnonymous: false } }
    }
  }
  ctx.outputs.set('modelName', request.name)
  ctx.outputs.set('modelVersion', request.version)
  const registered = await registerModelVersion(ctx, op, ws, request)
  ctx.outputs.set('modelId', registered.id)
  if (registered.response !== undefined) ctx.outputs.setResponse(registered.response)
  ctx.report.facts.push(
    ['Model', `${request.name}:${request.version}`],
    ['Type', request.body.properties.modelType],
    ['From', path.kind === 'local' ? `${path.written} (uploaded)` : path.uri]
  )
  if (path !== written && written.kind === 'job-output') ctx.report.facts.push(['Pipeline output', written.uri])
}

/** The default artifacts output of a job (azure-ai-ml `JOB_URI_FORMAT` with `artifacts`; `runs:/` maps to it). */
const ARTIFACTS = 'artifacts'

/**
 * The outputs every job has of its own, a pipeline too: its artifacts, and `default` (the service's name for the same
 * folder, `azureml://datastores/workspaceartifactstore/ExperimentRun/dcid.<job>`): registered as written.
 */
const OWN_OUTPUTS = new Set([ARTIFACTS, 'default'])

/**
 * The job output to register and its job's body (undefined in dry-run, or when not read): the output as written for
 * a command job (checked by `checkJobOutput`); for a pipeline job's named output, the output of the step bound to it
 * (`resolvePipelineOutput`, through sub-pipelines), whose own job is read only when `needBody` (the MLflow check).
 */
async function resolveJobOutput(
  ctx: Context,
  settings: CommonSettings,
  ws: WorkspaceRef,
  path: JobOutputPath,
  input: string,
  needBody: boolean
): Promise<{ path: JobOutputPath; job?: JobBody }> {
  const job = await checkJobOutput(ctx, settings, ws, path, input)
  if (!job || !isPipelineJob(job) || OWN_OUTPUTS.has(path.output)) return { path, job }
  // resolvePipelineOutput goes down through sub-pipelines itself and returns the innermost step, never a pipeline.
  const resolved = await resolvePipelineOutput(ctx, settings, ws, path, job, input)
  if (!needBody) return { path: resolved.path }
  // A step's job answers with `properties: null` on Azure (a child run): the MLflow check then says so and goes on.
  const response = await getJob(ctx.http, settings, { workspace: ws, name: resolved.path.job })
  const body = response.status === 404 || response.dryRun ? {} : (parseJson<JobBody>(response) ?? {})
  return { path: resolved.path, job: body }
}

/**
 * A job output is only a model once its job has Completed: checked before anything is registered. Returns the job's
 * body (undefined in dry-run). A pipeline's named outputs are checked by `resolvePipelineOutput` instead.
 */
async function checkJobOutput(
  ctx: Context,
  settings: CommonSettings,
  ws: WorkspaceRef,
  path: JobOutputPath,
  input: string
): Promise<JobBody | undefined> {
  const response = await getJob(ctx.http, settings, { workspace: ws, name: path.job })
  if (response.dryRun) return undefined
  if (response.status === 404) {
    throw new InputError(input, `${path.uri}: job ${path.job} does not exist in workspace ${ws.workspaceName}.`)
  }
  const job = parseJson<JobBody>(response)
  const status = job?.properties?.status ?? 'Unknown'
  const what = path.output === ARTIFACTS ? 'its artifacts are' : `its output ${path.output} is`
  if (status !== 'Completed') {
    throw new InputError(
      input,
      `${path.uri}: job ${path.job} is ${status}, not Completed, so ${what} not a finished model (follow it with ` +
        'poll-job first).'
    )
  }
  const outputs = isPipelineJob(job) ? undefined : outputsOf(job)
  // `artifacts` is no key of `outputs`: it is the job's artifact folder, which every job has.
  if (path.output !== ARTIFACTS && outputs && !(path.output in outputs)) {
    throw new InputError(
      input,
      `${path.uri}: job ${path.job} has no output ${path.output} (it has ${Object.keys(outputs).join(', ') || 'none'}` +
        `; a file the job wrote to ./outputs is azureml://jobs/${path.job}/outputs/artifacts/paths/outputs/<path>).`
    )
  }
  core.info(
    `Job ${path.job} Completed; registering ${what.replace(/ (is|are)$/, '')}${path.path ? ` (${path.path})` : ''}.`
  )
  return job
}

function outputsOf(job: JobBody | undefined): Record<string, { uri?: string } | null> | undefined {
  return (job?.properties as { outputs?: Record<string, { uri?: string } | null> } | undefined)?.outputs
}

/**
 * Where a job output is in a datastore: the artifacts are `ExperimentRun/dcid.<job>/` of `workspaceartifactstore`
 * (the job's `default` output on Azure, `azureml://datastores/workspaceartifactstore/ExperimentRun/dcid.<job>`,
 * azure-ai-ml `OUTPUT_URI_REGEX_FORMAT`; its `uri` is used when the job gives one); a named output, the datastore
 * `uri` the job gives it. Undefined when not known.
 */
export function jobOutputLocation(
  path: JobOutputPath,
  outputs: Record<string, { uri?: string } | null> | undefined
): { datastore: string; folder: string } | undefined {
  const declared = path.output === ARTIFACTS ? outputs?.default?.uri : outputs?.[path.output]?.uri
  let base: { datastore: string; folder: string } | undefined
  const m = declared
    ? /^azureml:\/\/(?:subscriptions\/[^/]+\/resource[gG]roups\/[^/]+\/workspaces\/[^/]+\/)?datastores\/([^/]+)\/(?:paths\/)?(.*)$/i.exec(
        declared
      )
    : null
  if (m) base = { datastore: m[1], folder: m[2] }
  else if (path.output === ARTIFACTS) {
    base = { datastore: 'workspaceartifactstore', folder: `ExperimentRun/dcid.${path.job}` }
  }
  if (!base) return undefined
  const folder = [base.folder, path.path]
    .map(p => p.replace(/^\/+|\/+$/g, ''))
    .filter(Boolean)
    .join('/')
  return { datastore: base.datastore, folder }
}

/** An `mlflow_model` from a job output must hold `MLmodel`: looked up in the output's blob listing (read-only). */
async function checkMlflowJobOutput(
  ctx: Context,
  settings: CommonSettings,
  ws: WorkspaceRef,
  path: JobOutputPath,
  job: JobBody,
  input: string
): Promise<void> {
  const where = jobOutputLocation(path, outputsOf(job))
  if (!where) {
    core.info(
      `${path.uri}: the output's storage location is not known from the job, so its ${MLMODEL_FILE} file is not ` +
        'checked before registering.'
    )
    return
  }
  const blob = `${where.folder}/${MLMODEL_FILE}`
  let found: boolean | undefined
  try {
    const store = await defaultDatastore(ctx, settings, ws, { input }, where.datastore)
    found = await blobListed(store.containerSasUrl, blob)
  } catch (error) {
    // An identity-based or non-blob datastore: nothing to list with; the check is a courtesy, not a gate.
    if (!(error instanceof InputError)) throw error
    found = undefined
  }
  if (found === false) {
    throw new InputError(
      input,
      `${path.uri} has no ${MLMODEL_FILE} file (no blob ${blob} in datastore ${where.datastore}), so it is not an ` +
        'MLflow model: register it as custom_model, or give the folder the job saved with mlflow.<flavor>.save_model ' +
        '/ log_model.'
    )
  }
  if (found === undefined) {
    core.info(`${path.uri}: datastore ${where.datastore} could not be listed; ${MLMODEL_FILE} not checked.`)
  }
}
