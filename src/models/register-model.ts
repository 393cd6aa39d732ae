/**
 * register-model: `PUT {WS}/models/{name}/versions/{version}` (ModelVersions_CreateOrUpdate, mfe.json 2024-04-01) from a
 * model YAML, or from `model-name` + `model-path`. A local path is uploaded to the default datastore first; a job's
 * output (`azureml://jobs/{job}/outputs/{output}`) is checked to belong to a job that has Completed (a model of a job
 * still running or failed would be incomplete). A missing version is the container's next, as `az ml model create`
 * does. Outputs `modelName`, `modelVersion`, `modelId`, `response`.
 */
import * as core from '@actions/core'
import type { Context } from '../action/context.js'
import { InputError } from '../action/errors.js'
import type { CommonSettings, WorkspaceRef } from '../action/settings.js'
import { uploadToDatastore } from '../assets/datastore-upload.js'
import { nextModelVersion, registerModelVersion } from '../assets/model-asset.js'
import { parseJson } from '../http/client.js'
import { getJob, type JobBody } from '../jobs/job-rest.js'
import type { RegisterModelOperation } from './inputs.js'
import { toModelRestBody, type ModelPathReference, type ModelRestRequest } from './yaml/index.js'

export async function registerModel(op: RegisterModelOperation, ctx: Context): Promise<void> {
  const ws = op.workspace
  const m = op.model
  const input = m.from === 'yaml' ? 'model' : 'model-path'
  const path = m.from === 'yaml' ? m.read.references.path : m.path
  if (path.kind === 'job-output') await checkJobOutput(ctx, op, ws, path, input)
  const resolver = {
    uploadModel: (local: string) =>
      uploadToDatastore(ctx, op, ws, local, {
        at: { input, field: m.from === 'yaml' ? `${m.read.file}: path` : undefined }
      }),
    nextVersion: (name: string) => nextModelVersion(ctx, op, ws, name)
  }
  let request: ModelRestRequest
  if (m.from === 'yaml') {
    request = await toModelRestBody(m.read, resolver, { workspace: ws })
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
}

/** A job output is only a model once its job has Completed: checked before anything is registered. */
async function checkJobOutput(
  ctx: Context,
  settings: CommonSettings,
  ws: WorkspaceRef,
  path: Extract<ModelPathReference, { kind: 'job-output' }>,
  input: string
): Promise<void> {
  const response = await getJob(ctx.http, settings, { workspace: ws, name: path.job })
  if (response.dryRun) return
  if (response.status === 404) {
    throw new InputError(input, `${path.uri}: job ${path.job} does not exist in workspace ${ws.workspaceName}.`)
  }
  const job = parseJson<JobBody>(response)
  const status = job?.properties?.status ?? 'Unknown'
  if (status !== 'Completed') {
    throw new InputError(
      input,
      `${path.uri}: job ${path.job} is ${status}, not Completed, so its output ${path.output} is not a finished ` +
        'model (follow it with poll-job first).'
    )
  }
  const outputs = (job?.properties as { outputs?: Record<string, unknown> } | undefined)?.outputs
  // `artifacts` is the job's artifact store, never listed among its outputs (Azure lists it as the `default` output).
  if (outputs && path.output !== 'artifacts' && !(path.output in outputs)) {
    throw new InputError(
      input,
      `${path.uri}: job ${path.job} has no output ${path.output} (it has ${Object.keys(outputs).join(', ') || 'none'}).`
    )
  }
  core.info(`Job ${path.job} Completed; registering its output ${path.output}.`)
}
