/**
 * v2 jobs, Microsoft.MachineLearningServices mfe.json 2024-04-01: `Jobs_CreateOrUpdate` (201; a name already used
 * in the workspace: 200 when only description, tags, displayName, properties or isArchived differ, which it updates,
 * else 400 UserError "A job with this name already exists ..."), `Jobs_Get`, `Jobs_List` (`jobType`, `tag`,
 * `listViewType`), `Jobs_Cancel` (202 + `Location` + `Retry-After`, polled through arm/lro.ts until the job has ended,
 * then 200; a job already Completed/Failed/Canceled: 400 UserError "... terminal state"). Command jobs really run
 * (job-process.ts); Pipeline jobs run their steps as child jobs (pipeline-process.ts), which `Jobs_List` leaves out and
 * `Jobs_Get` answers with `properties: null`; Sweep jobs run their trials as child jobs too (sweep-process.ts). A job with a user identity needs an `x-azureml-token` header (see
 * `checkUserIdentityToken`). `resolveStorageUri` (datastore, asset, job-output and Azurite URIs → blob folders) is
 * shared with online deployments.
 *
 * And the job's run in run history, on the data-plane server (no spec has these paths: runHistory.json 2019-09-30
 * knows runs under an experiment only; the bodies are its `RunDetails` and `Run`):
 * `GET /history/v1.0{WS}/runs/{runId}/details` (`Emulator_RunDetailsById`: `status`, times, `error: {error: {code,
 * message}}`, `logFiles: {"user_logs/std_log.txt": "<Azurite blob URL with a read SAS>"}` once the job runs) and
 * `GET /history/v1.0{WS}/runs/{runId}` (`Emulator_RunById`), `GET /history/v1.0{WS}/runs/{runId}/children`
 * (`Emulator_RunChildren`, `PaginatedRunList`, see `runChildren`). A v1 run's id works there too.
 */
import { resolveEnvironmentReference } from './curated-environments.js'
import { apiVersionOf } from '../arm/api-version.js'
import { lroHeaders } from '../arm/lro.js'
import { PROVIDER, workspaceId, WS, wsScope } from '../arm/scopes.js'
import type { Core } from '../core/context.js'
import { armError, dpError, isReply, iso, json } from '../core/http.js'
import { route, type EmulatorModule } from '../core/routes.js'
import { computeKey, type Workspace } from '../core/state.js'
import type { Reply, RequestContext } from '../core/types.js'
import { findContainer, findVersionById, latestVersion, systemData } from './assets.js'
import { defaultContainer, jobArtifacts, type BlobLocation } from './blobs.js'
import { datastoreContainer } from './datastores.js'
import { isServerlessCompute, JOB_TERMINAL, type Job, type JobResolver } from './job-process.js'
import { jobMlflowEnv } from './mlflow.js'
import { checkPipelineJob, startPipeline } from './pipeline-process.js'
import { getRun, getRunDetails } from './runs.js'
import { checkSweepJob, startSweep } from './sweep-process.js'
import { dataPlaneWorkspace } from './workspaces.js'

type Json = Record<string, unknown>
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

// ------------------------------------------------------------------------------------------------------ resolving

const WS_ID = new RegExp(
  `^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/${PROVIDER}/workspaces/([^/]+)(/.*)?$`,
  'i'
)

function workspaceOfId(core: Core, id: string): Workspace | undefined {
  const m = WS_ID.exec(id)
  return m ? core.state.workspaces.get(`${m[1]}/${m[2]}/${m[3]}`.toLowerCase()) : undefined
}

/** `azureml://datastores/<ds>/paths/<p>` (also the long `azureml://subscriptions/.../workspaces/<w>/datastores/...`). */
function datastoreUri(uri: string): { workspace?: string; datastore: string; path: string } | undefined {
  const short = /^azureml:\/\/datastores\/([^/]+)\/paths\/(.*)$/i.exec(uri)
  if (short) return { datastore: short[1], path: short[2] }
  const long =
    /^azureml:\/\/subscriptions\/[^/]+\/resource[gG]roups\/[^/]+\/(?:providers\/[^/]+\/)?workspaces\/([^/]+)\/datastores\/([^/]+)\/paths\/(.*)$/i.exec(
      uri
    )
  return long ? { workspace: long[1], datastore: long[2], path: long[3] } : undefined
}

/**
 * `azureml://jobs/<job>/outputs/<output>[/paths/<p>]` (`artifacts` is the job's artifact store), or MLflow's
 * `runs:/<job>/<p>` (the same artifacts: azure-ai-ml sends it as the model's URI unchanged, `is_mlflow_uri`).
 */
function jobOutputUri(uri: string): { job: string; output: string; path: string } | undefined {
  const m = /^azureml:\/\/jobs\/([^/]+)\/outputs\/([^/]+)(?:\/paths\/(.*))?\/?$/i.exec(uri)
  if (m) return { job: decodeURIComponent(m[1]), output: decodeURIComponent(m[2]), path: m[3] ?? '' }
  const run = /^runs:\/([^/?]+)\/(.*)$/i.exec(uri)
  return run ? { job: decodeURIComponent(run[1]), output: 'artifacts', path: run[2] } : undefined
}

/**
 * Where a data or model URI points in the workspace's blob storage, or why it cannot be read:
 * `azureml://datastores/<ds>/paths/<p>` (also the long `azureml://subscriptions/.../datastores/...` form), an asset
 * (`azureml:<name>:<version>`, `azureml:<name>@latest`, or the version's ARM id: its `dataUri` / `modelUri`), a job's
 * output `azureml://jobs/<job>/outputs/<name>[/paths/<p>]` (where the job uploaded it: its output's `uri`, else
 * `azureml/<job>/outputs/<name>/` of the default datastore; `artifacts` (and `runs:/<job>/<p>`) is
 * `ExperimentRun/dcid.<job>/` of `workspaceartifactstore`, where the job's `./outputs` lands), or a URL of
 * the emulator's Azurite. Used by jobs (inputs, outputs) and online deployments (models, code).
 */
export async function resolveStorageUri(
  core: Core,
  ws: Workspace,
  value: string,
  kind: 'data' | 'models',
  depth = 0
): Promise<BlobLocation | string> {
  const wsKey = `${ws.subscriptionId}/${ws.resourceGroup}/${ws.name}`.toLowerCase()
  if (depth > 3) return `'${value}' refers to itself.`
  const ds = datastoreUri(value)
  if (ds) {
    const container = datastoreContainer(core, ws, ds.datastore)
    if (!container) return `datastore '${ds.datastore}' was not found (or is not an Azurite blob datastore).`
    return { container, prefix: ds.path }
  }
  const out = jobOutputUri(value)
  if (out) {
    const job = core.jobs.get(wsKey, out.job)
    if (!job) return `the job '${out.job}' of '${value}' was not found in workspace '${ws.name}'.`
    const sub = out.path.replace(/^\/+/, '')
    // `artifacts` and Azure's `default` output are the same folder: the job's artifacts in workspaceartifactstore.
    if (['artifacts', 'default'].includes(out.output.toLowerCase())) {
      const artifacts = jobArtifacts(job.name)
      return { container: artifacts.container, prefix: `${artifacts.prefix}${sub}` }
    }
    // A pipeline's (or sub-pipeline's) output bound to a step's output is that step's.
    const bound = job.outputBindings?.[out.output]
    if (bound) {
      const inner = `azureml://jobs/${bound.job}/outputs/${bound.output}${sub ? `/paths/${sub}` : ''}`
      return resolveStorageUri(core, ws, inner, kind, depth + 1)
    }
    const outputs = isObj(job.properties.outputs) ? job.properties.outputs : {}
    const declared = outputs[out.output]
    if (!isObj(declared)) return `the job '${job.name}' has no output '${out.output}'.`
    const base =
      typeof declared.uri === 'string' && declared.uri
        ? await resolveStorageUri(core, ws, declared.uri, 'data', depth + 1)
        : { container: defaultContainer(ws), prefix: `azureml/${job.name}/outputs/${out.output}/` }
    if (typeof base === 'string') return base
    if (!sub) return base
    const folder = base.prefix === '' || base.prefix.endsWith('/') ? base.prefix : `${base.prefix}/`
    return { container: base.container, prefix: `${folder}${sub}` }
  }
  // azureml:<name>:<version>, azureml:<name>@latest, or the version's ARM id, bare or after `azureml:` (the form
  // azure-ai-ml sends a job input's data asset in: `_job_operations.py` → `get_asset_arm_id`, prefixed `azureml:`)
  const short = /^azureml:([^:@/]+)(?::([^:@/]+)|@(latest))?$/i.exec(value)
  const armId = value.replace(/^azureml:(?=\/subscriptions\/)/i, '')
  if (short || armId.startsWith('/subscriptions/')) {
    let props: Json | undefined
    if (short) {
      const c = findContainer(core, wsKey, kind, short[1])
      const v = c && (short[2] ? c.versions.get(short[2]) : latestVersion(c))
      props = v?.properties
    } else {
      props = findVersionById(core, armId, kind)?.version.properties
    }
    const target = props?.[kind === 'models' ? 'modelUri' : 'dataUri']
    if (typeof target !== 'string') return `the ${kind === 'models' ? 'model' : 'data asset'} '${value}' was not found.`
    return resolveStorageUri(core, ws, target, kind, depth + 1)
  }
  if (/^https?:\/\//i.test(value)) {
    const at = await core.blobs.locate(value)
    if (at) return at
  }
  return (
    `cannot read '${value}': the emulator reads azureml://datastores/<datastore>/paths/<path> and ` +
    'azureml://jobs/<job>/outputs/<output> URIs, data or model assets (azureml:<name>:<version> or an ARM id) and ' +
    'URLs of its own Azurite.'
  )
}

function resolverFor(core: Core, ws: Workspace): JobResolver {
  const uri = (_job: Job, value: string, kind: 'data' | 'models'): Promise<BlobLocation | string> =>
    resolveStorageUri(core, ws, value, kind)
  return {
    code: async job => {
      const codeId = job.properties.codeId
      if (typeof codeId !== 'string' || !codeId) return undefined
      const found = findVersionById(core, codeId, 'codes')
      const codeUri = found?.version.properties.codeUri
      if (typeof codeUri !== 'string') return `The job's code ${codeId} was not found.`
      const where = await uri(job, codeUri, 'data')
      return typeof where === 'string' ? `The job's code (${codeUri}): ${where}` : where
    },
    uri: (job, value, kind) => uri(job, value, kind),
    defaultContainer: () => defaultContainer(ws),
    env: job => jobMlflowEnv(core, job)
  }
}

// ----------------------------------------------------------------------------------------------------------- bodies

function studioUrl(core: Core, job: Job): string {
  return (
    `https://ml.azure.com/runs/${encodeURIComponent(job.name)}?wsid=${encodeURIComponent(job.workspaceId)}` +
    `&tid=${core.seed.tenantId}`
  )
}

function jobOutputs(job: Job): Json {
  return isObj(job.properties.outputs) ? job.properties.outputs : {}
}

/**
 * The output Azure adds to every job: the job's artifact folder (`./outputs`, logs) on the `workspaceartifactstore`
 * datastore, `uri_folder` mounted read-write. Seen in `az ml job show` (type uri_folder, mode rw_mount, path
 * `azureml://datastores/workspaceartifactstore/ExperimentRun/dcid.<job>`) and in Az PowerShell's job examples (the
 * same `uri`); it is not a user output.
 */
export function defaultJobOutput(job: Job): Json {
  return {
    description: null,
    jobOutputType: 'uri_folder',
    mode: 'ReadWriteMount',
    uri: `azureml://datastores/workspaceartifactstore/ExperimentRun/dcid.${job.name}`
  }
}

export function jobBody(core: Core, job: Job): Json {
  const p = job.properties
  const outputs = { default: defaultJobOutput(job), ...jobOutputs(job) }
  const filledOutputs = Object.fromEntries(
    Object.entries(outputs).map(([name, o]) => [
      name,
      isObj(o)
        ? {
            ...o,
            uri:
              typeof o.uri === 'string' && o.uri
                ? o.uri
                : `azureml://datastores/workspaceblobstore/paths/azureml/${job.name}/outputs/${name}/`
          }
        : o
    ])
  )
  const services = isObj(p.services) ? p.services : {}
  const ws = core.state.workspaces.get(job.workspaceKey)
  return {
    id: `${job.workspaceId}/jobs/${job.name}`,
    name: job.name,
    type: `${PROVIDER}/workspaces/jobs`,
    systemData: systemData(core, job.createdAt, job.modifiedAt),
    properties: {
      ...p,
      displayName: typeof p.displayName === 'string' && p.displayName ? p.displayName : job.name,
      experimentName: typeof p.experimentName === 'string' && p.experimentName ? p.experimentName : 'Default',
      isArchived: p.isArchived === true,
      status: job.status,
      outputs: filledOutputs,
      services: {
        ...services,
        Tracking: {
          jobServiceType: 'Tracking',
          endpoint: `azureml://${ws?.location ?? core.seed.location}.api.azureml.ms/mlflow/v1.0${job.workspaceId}?`
        },
        Studio: { jobServiceType: 'Studio', endpoint: studioUrl(core, job) }
      }
    }
  }
}

function jobNotFound(ctx: RequestContext): Reply {
  return armError(404, 'UserError', `Job '${ctx.params.id}' was not found in workspace '${ctx.params.workspaceName}'.`)
}

// --------------------------------------------------------------------------------------------------------- handlers

function bindings(command: string): string[] {
  return [...command.matchAll(/\$\{\{\s*((?:inputs|outputs)\.[\w.-]+)\s*\}\}/g)].map(m => m[1])
}

/** Checks a reference to a workspace asset or compute: undefined when fine, else why not. */
export function checkReference(
  core: Core,
  ws: Workspace,
  field: string,
  id: unknown,
  kind: 'codes' | 'environments'
): string | undefined {
  if (typeof id !== 'string' || !id) return undefined
  if (!id.startsWith('/subscriptions/')) {
    // Curated environments (azureml:AzureML-<name>@latest) and the azureml registry's, as Azure's job service expands them.
    if (kind === 'environments') return resolveEnvironmentReference(core, ws, field, id)
    // Other registry assets (azureml://registries/...) are not checked.
    if (/^azureml:\/\/registries\//i.test(id)) return undefined
    return `properties.${field} must be the ARM id of a ${kind === 'codes' ? 'code' : 'environment'} version ({WS}/${kind}/<name>/versions/<version>) or an azureml://registries/ id, got '${id}'.`
  }
  const owner = workspaceOfId(core, id)
  if (!owner || owner !== ws) return `properties.${field} '${id}' is not in workspace '${ws.name}'.`
  const m = new RegExp(`/${kind}/([^/]+)(?:/versions/([^/]+))?$`, 'i').exec(id)
  if (!m) return `properties.${field} '${id}' is not a ${kind} version id.`
  const c = findContainer(
    core,
    `${ws.subscriptionId}/${ws.resourceGroup}/${ws.name}`.toLowerCase(),
    kind,
    decodeURIComponent(m[1])
  )
  if (!c || (m[2] !== undefined && !c.versions.has(decodeURIComponent(m[2])))) {
    return `${kind === 'codes' ? 'Code' : 'Environment'} '${decodeURIComponent(m[1])}'${m[2] ? ` version '${decodeURIComponent(m[2])}'` : ''} (properties.${field}) was not found in workspace '${ws.name}'.`
  }
  return undefined
}

export function putJob(core: Core, ctx: RequestContext): Reply {
  const s = wsScope(core, ctx)
  if (isReply(s)) return s
  const ws = s.ws!
  const name = ctx.params.id
  if (ws.provisioningState !== 'Succeeded') {
    return armError(409, 'Conflict', `Workspace '${ws.name}' is ${ws.provisioningState}; jobs need a Succeeded one.`)
  }
  const body = (ctx.json ?? {}) as Json
  const refused = checkUserIdentityToken(core, ctx, body)
  if (refused) return refused
  const existing = core.jobs.get(s.wsKey!, name)
  if (existing) return updateJob(core, existing, isObj(body.properties) ? body.properties : {})
  const props = isObj(body.properties) ? structuredClone(body.properties) : {}
  delete props.status
  const jobType = String(props.jobType ?? '')
  if (jobType.toLowerCase() === 'pipeline') return putPipelineJob(core, ctx, ws, s.wsKey!, name, props)
  if (jobType.toLowerCase() === 'sweep') return putSweepJob(core, ctx, ws, s.wsKey!, name, props)
  if (jobType.toLowerCase() !== 'command') {
    return armError(
      400,
      'UserError',
      `The emulator runs Command, Pipeline and Sweep jobs only; jobType '${jobType}' is not supported here.`
    )
  }
  props.jobType = 'Command'
  const command = String(props.command ?? '')
  if (!command.trim()) return armError(400, 'UserError', 'properties.command is required and must not be empty.')
  for (const [field, kind] of [
    ['codeId', 'codes'],
    ['environmentId', 'environments']
  ] as const) {
    const why = checkReference(core, ws, field, props[field], kind)
    if (why) return armError(400, 'UserError', why)
  }
  const refusedCompute = checkCompute(core, ws, s.wsKey!, props.computeId)
  if (refusedCompute) return refusedCompute
  const inputs = isObj(props.inputs) ? props.inputs : {}
  const outputs = isObj(props.outputs) ? props.outputs : {}
  for (const b of bindings(command)) {
    const [group, key] = [b.slice(0, b.indexOf('.')), b.slice(b.indexOf('.') + 1)]
    const declared = group === 'inputs' ? inputs : outputs
    if (!(key in declared)) {
      return armError(
        400,
        'UserError',
        `The command refers to \${{${b}}}, but the job has no ${group === 'inputs' ? 'input' : 'output'} '${key}' ` +
          `(properties.${group}).`
      )
    }
  }
  const sc = ctx.scenario
  const job = core.jobs.create(
    {
      workspaceKey: s.wsKey!,
      workspaceId: workspaceId(ws),
      name,
      properties: props,
      stuckIn: sc.runStuckIn ?? core.config.runStuckIn,
      failWith: sc.jobFail ? { code: sc.jobFail.code || 'ServiceError', message: sc.jobFail.message } : undefined,
      stepMs: sc.jobStepMs ?? 0
    },
    resolverFor(core, ws)
  )
  return json(201, jobBody(core, job))
}

/** A job's `computeId`: none, or the serverless marker, runs on serverless compute (no compute need exist). */
function checkCompute(core: Core, ws: Workspace, wsKey: string, computeId: unknown): Reply | undefined {
  if (typeof computeId !== 'string' || !computeId) return undefined
  const computeName = computeId.split('/').pop() ?? ''
  const owner = computeId.startsWith('/subscriptions/') ? workspaceOfId(core, computeId) : ws
  const compute = owner === ws ? core.state.computes.get(computeKey(wsKey, computeName)) : undefined
  if (!compute && !(owner === ws && isServerlessCompute(computeName))) {
    return armError(
      400,
      'UserError',
      `Compute '${computeName}' (properties.computeId) was not found in workspace '${ws.name}'.`
    )
  }
  return undefined
}

/** The audiences of the Azure ML resource per cloud (azure-ai-ml 1.4 `_azure_environments.py` `aml_resource_id`). */
const AML_RESOURCES = ['https://ml.azure.com', 'https://ml.azure.us', 'https://ml.azure.cn']

/**
 * A job with `properties.identity.identityType: UserIdentity` (command or pipeline) runs as the submitter, whose token
 * for the Azure ML resource comes in the `x-azureml-token` header (azure-ai-ml 1.4 `_job_operations.py`
 * `_set_headers_with_user_aml_token`). Without one this emulator issued, unexpired, for that audience: 400 `UserError`
 * (Azure's status and wording are not documented: a guess, see README "What is a guess").
 */
function checkUserIdentityToken(core: Core, ctx: RequestContext, body: Json): Reply | undefined {
  const props = isObj(body.properties) ? body.properties : {}
  if (!isObj(props.identity) || props.identity.identityType !== 'UserIdentity') return undefined
  const header = ctx.headers['x-azureml-token']
  const value = Array.isArray(header) ? header[0] : header
  const needs =
    'A job with identity type UserIdentity must be submitted with the x-azureml-token header: a token of the ' +
    'submitting identity for the Azure ML resource (https://ml.azure.com).'
  if (!value) return armError(400, 'UserError', `The x-azureml-token header is missing. ${needs}`)
  const info = core.tokens.get(value.replace(/^Bearer\s+/i, '').trim())
  if (!info) return armError(400, 'UserError', `The x-azureml-token header is not a valid token. ${needs}`)
  if (Date.now() >= info.expiresAt) {
    return armError(400, 'UserError', `The token in the x-azureml-token header has expired. ${needs}`)
  }
  const aud = info.audience.replace(/\/+$/, '').toLowerCase()
  if (!AML_RESOURCES.includes(aud)) {
    return armError(
      400,
      'UserError',
      `The token in the x-azureml-token header is for audience '${info.audience}', not the Azure ML resource. ${needs}`
    )
  }
  return undefined
}

/** A new pipeline job: checked (pipeline-process.ts `checkPipelineJob`), created, its steps started. */
function putPipelineJob(
  core: Core,
  ctx: RequestContext,
  ws: Workspace,
  wsKey: string,
  name: string,
  props: Json
): Reply {
  props.jobType = 'Pipeline'
  const refused = checkPipelineJob(core, ws, wsKey, props)
  if (refused) return refused
  const sc = ctx.scenario
  const job = core.jobs.create(
    {
      workspaceKey: wsKey,
      workspaceId: workspaceId(ws),
      name,
      properties: props,
      stepMs: sc.jobStepMs ?? 0,
      orchestrated: true
    },
    resolverFor(core, ws)
  )
  startPipeline(core, job, resolverFor(core, ws))
  return json(201, jobBody(core, job))
}

/**
 * A new sweep job: checked (sweep-process.ts `checkSweepJob`; the trial's code and environment as a command job's,
 * its compute existing or serverless), created, its trials started.
 */
function putSweepJob(core: Core, ctx: RequestContext, ws: Workspace, wsKey: string, name: string, props: Json): Reply {
  props.jobType = 'Sweep'
  const refused = checkSweepJob(props)
  if (refused) return armError(400, 'UserError', refused)
  const trial = props.trial as Json
  for (const [field, kind] of [
    ['codeId', 'codes'],
    ['environmentId', 'environments']
  ] as const) {
    const why = checkReference(core, ws, field, trial[field], kind)
    if (why) return armError(400, 'UserError', why.replace(`properties.${field}`, `properties.trial.${field}`))
  }
  const refusedCompute = checkCompute(core, ws, wsKey, props.computeId)
  if (refusedCompute) return refusedCompute
  const job = core.jobs.create(
    {
      workspaceKey: wsKey,
      workspaceId: workspaceId(ws),
      name,
      properties: props,
      stepMs: ctx.scenario.jobStepMs ?? 0,
      orchestrated: true,
      run: { runType: 'hyperdrive', properties: { 'azureml.runsource': 'hyperdrive' } }
    },
    resolverFor(core, ws)
  )
  startSweep(core, job, resolverFor(core, ws))
  return json(201, jobBody(core, job))
}

/** What a PUT may change on an existing job (Azure's message, Azure/azure-sdk-for-python PR #47389). */
const JOB_MUTABLE = ['description', 'tags', 'displayName', 'properties', 'isArchived']
/** What the service fills in or owns: never a difference. */
const JOB_SERVICE_OWNED = ['status', 'services', 'provisioningState', 'parentJobName']

/**
 * A PUT on an existing job name is not a new job: with only mutable fields changed it updates them (200, the job as it
 * is, status and all); anything else is 400 UserError "A job with this name already exists ..." with inner codes
 * `Immutable`/`JobPropertyImmutable` naming the fields (Azure/azure-sdk-for-python PR #47389, MicrosoftDocs/azure-docs
 * #122250). Which fields Azure compares for a command job is inferred from that message.
 */
function updateJob(core: Core, job: Job, props: Json): Reply {
  const canon = (v: unknown): string =>
    JSON.stringify(v ?? null, (_k, x: unknown) => (isObj(x) ? Object.fromEntries(Object.entries(x).sort()) : x))
  const norm = (p: Json): Json => ({ ...p, jobType: String(p.jobType ?? '').toLowerCase() })
  const [was, now] = [norm(job.properties), norm(props)]
  const changed = [...new Set([...Object.keys(was), ...Object.keys(now)])]
    .filter(k => !JOB_MUTABLE.includes(k) && !JOB_SERVICE_OWNED.includes(k))
    .filter(k => canon(was[k]) !== canon(now[k]))
    .sort()
  if (changed.length > 0) {
    const fields = changed.map(k => `${k.charAt(0).toUpperCase()}${k.slice(1)}`).join(', ')
    const reply = armError(
      400,
      'UserError',
      'A job with this name already exists. If you are trying to create a new job, use a different name. If you are ' +
        `trying to update an existing job, the existing job's ${fields} cannot be changed. Only description, tags, ` +
        'displayName, properties, and isArchived can be updated.'
    )
    const error = (reply.body as { error: Json }).error
    error.innerError = { code: 'Immutable', innerError: { code: 'JobPropertyImmutable' } }
    error.messageParameters = { property: fields }
    return reply
  }
  for (const k of JOB_MUTABLE) if (props[k] !== undefined) job.properties[k] = props[k]
  job.modifiedAt = iso()
  return json(200, jobBody(core, job))
}

export function getJob(core: Core, ctx: RequestContext): Reply {
  const s = wsScope(core, ctx)
  if (isReply(s)) return s
  const job = core.jobs.get(s.wsKey!, ctx.params.id)
  if (!job) return jobNotFound(ctx)
  // A pipeline's child job is no job of MFE's: its resource answers without properties, and clients read it from run
  // history (azure-ai-ml 1.4 `_job_operations.py` `get`: "Child jobs are no longer available through MFE", detected by
  // `properties is None`, entities/_job/job.py `_is_pipeline_child_job`).
  if (job.parentJobName) {
    return json(200, {
      id: `${job.workspaceId}/jobs/${job.name}`,
      name: job.name,
      type: `${PROVIDER}/workspaces/jobs`,
      systemData: systemData(core, job.createdAt, job.modifiedAt),
      properties: null
    })
  }
  return json(200, jobBody(core, job))
}

export function listJobs(core: Core, ctx: RequestContext): Reply {
  const s = wsScope(core, ctx)
  if (isReply(s)) return s
  const q = ctx.query
  const view = String(q.listViewType ?? 'ActiveOnly').toLowerCase()
  const value = [...core.jobs.jobs.values()]
    .filter(j => j.workspaceKey === s.wsKey && !j.parentJobName)
    .filter(j => !q.jobType || String(j.properties.jobType).toLowerCase() === q.jobType.toLowerCase())
    .filter(j => !q.tag || (isObj(j.properties.tags) && q.tag in j.properties.tags))
    .filter(j => {
      const archived = j.properties.isArchived === true
      return view === 'all' ? true : view === 'archivedonly' ? archived : !archived
    })
    .sort((a, b) => b.runNumber - a.runNumber)
    .map(j => jobBody(core, j))
  return json(200, { value })
}

export function cancelJob(core: Core, ctx: RequestContext): Reply {
  const s = wsScope(core, ctx)
  if (isReply(s)) return s
  const job = core.jobs.get(s.wsKey!, ctx.params.id)
  if (!job) return jobNotFound(ctx)
  if (JOB_TERMINAL.has(job.status)) {
    return armError(
      400,
      'UserError',
      `Cannot cancel job '${job.name}': it is already in a terminal state (${job.status}).`
    )
  }
  if (job.status === 'Finalizing') {
    // Azure refuses to cancel a job that is finishing (azureml-assets PR #2496: "the job was finalizing and we tried
    // cancelling it which is an error"); the status code and text are the emulator's guess (README, What is a guess).
    return armError(
      400,
      'UserError',
      `Cannot cancel job '${job.name}': it is Finalizing (its outputs are being uploaded) and cannot be canceled ` +
        'now; it ends on its own.'
    )
  }
  const pending = job.cancelOperationId ? core.state.operations.get(job.cancelOperationId) : undefined
  const op =
    pending ??
    core.state.startOperation({
      kind: 'job-cancel',
      target: core.jobs.key(job.workspaceKey, job.name),
      location: s.ws!.location,
      subscriptionId: s.sub,
      apiVersion: apiVersionOf(ctx),
      doneAt: Date.now(),
      outcome: 'Succeeded',
      doneWhen: () => JOB_TERMINAL.has(job.status)
    })
  job.cancelOperationId = op.id
  core.jobs.cancel(job)
  return { status: 202, headers: lroHeaders(core, op, ['location']) }
}

// ------------------------------------------------------------------------------------------------------ run history

function findJobRun(core: Core, ctx: RequestContext): { job?: Job; reply?: Reply } {
  const w = dataPlaneWorkspace(core, ctx)
  if (isReply(w)) return { reply: w }
  const job = core.jobs.get(w.key, ctx.params.runId)
  if (job) return { job }
  // A v1 run by its id (run history has one namespace of run ids per workspace).
  const run = core.runner.get(w.key, ctx.params.runId)
  if (run) {
    ctx.params.experimentName = run.experimentName
    return {}
  }
  return {
    reply: dpError(ctx, 404, 'UserError', `Run '${ctx.params.runId}' was not found in the workspace.`, 'NotFoundError')
  }
}

function runError(job: Job): Json | undefined {
  return job.error ? { error: { code: job.error.code, message: job.error.message } } : undefined
}

export async function jobRunDetails(core: Core, ctx: RequestContext): Promise<Reply> {
  const { job, reply } = findJobRun(core, ctx)
  if (reply) return reply
  if (!job) return getRunDetails(core, ctx)
  const error = runError(job)
  const logFiles: Record<string, string> = {}
  // A log is listed from its time (the older layout's driver log comes later), and surely once the command has ended.
  const ended = JOB_TERMINAL.has(job.status) || job.status === 'Finalizing' || job.exitCode !== undefined
  for (const log of job.logs) {
    if (!job.logContainer || (Date.now() < log.listedFrom && !ended)) continue
    logFiles[log.name] = await core.blobs.blobReadUrl(job.logContainer, log.blob)
  }
  const compute = typeof job.properties.computeId === 'string' ? job.properties.computeId.split('/').pop() : undefined
  return json(200, {
    runId: job.name,
    ...(job.parentJobName ? { parentRunId: job.parentJobName } : {}),
    rootRunId: job.rootJobName ?? job.name,
    target: compute ?? 'serverless',
    status: job.status,
    ...(job.startTimeUtc ? { startTimeUtc: job.startTimeUtc } : {}),
    ...(job.endTimeUtc ? { endTimeUtc: job.endTimeUtc } : {}),
    ...(error ? { error } : {}),
    warnings: [],
    tags: isObj(job.properties.tags) ? job.properties.tags : {},
    properties: {
      'azureml.runsource': runKind(job),
      ...(isObj(job.properties.properties) ? job.properties.properties : {}),
      ...(job.run?.properties ?? {})
    },
    logFiles,
    revision: job.history.length
  })
}

/** Run history's names for a job's run: `runType` and `azureml.runsource` (a pipeline's step: its own, see job.run). */
function runKind(job: Job): string {
  if (job.run) return job.run.runType
  return String(job.properties.jobType).toLowerCase() === 'pipeline' ? 'azureml.PipelineRun' : 'azureml.CommandJob'
}

/**
 * A job's run as run history answers it (azure-ai-ml 1.4 `_restclient/runhistory/models` `Run`): for a pipeline's
 * step also `parentRunId`, `rootRunId` (the top pipeline), `displayName` (the node's display_name or the step name)
 * and `properties["azureml.nodeid"]` (the step name; a guess: Azure's node ids are opaque).
 */
export function runBody(core: Core, job: Job): Json {
  const error = runError(job)
  const compute = typeof job.properties.computeId === 'string' ? job.properties.computeId.split('/').pop() : undefined
  const kind = runKind(job)
  const displayName =
    job.run?.displayName ?? (typeof job.properties.displayName === 'string' ? job.properties.displayName : job.name)
  return {
    runNumber: job.runNumber,
    rootRunId: job.rootJobName ?? job.name,
    ...(job.parentJobName ? { parentRunId: job.parentJobName } : {}),
    createdUtc: job.createdAt,
    createdBy: { userObjectId: core.seed.clientId, userTenantId: core.seed.tenantId, userName: core.seed.clientId },
    userId: core.seed.clientId,
    ...(error ? { error } : {}),
    warnings: [],
    revision: job.history.length,
    runId: job.name,
    status: job.status,
    ...(job.startTimeUtc ? { startTimeUtc: job.startTimeUtc } : {}),
    ...(job.endTimeUtc ? { endTimeUtc: job.endTimeUtc } : {}),
    heartbeatEnabled: false,
    dataContainerId: `dcid.${job.name}`,
    description: typeof job.properties.description === 'string' ? job.properties.description : undefined,
    hidden: false,
    runType: kind,
    properties: { 'azureml.runsource': kind, ...(job.run?.properties ?? {}) },
    displayName,
    name: displayName,
    target: compute ?? (kind === 'azureml.PipelineRun' ? undefined : 'serverless'),
    tags: isObj(job.properties.tags) ? job.properties.tags : {}
  }
}

export function jobRun(core: Core, ctx: RequestContext): Reply {
  const { job, reply } = findJobRun(core, ctx)
  if (reply) return reply
  if (!job) return getRun(core, ctx)
  return json(200, runBody(core, job))
}

/** The continuation token of the children listing: the offset of the next page, opaque to clients. */
const pageToken = (offset: number): string => Buffer.from(`children:${offset}`).toString('base64url')
function pageOffset(token: string): number | undefined {
  const m = /^children:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'))
  return m ? Number(m[1]) : undefined
}

/** A query parameter by name, any case (azure-ai-ml sends `$continuationtoken`, `$top`). */
function queryParam(ctx: RequestContext, ...names: string[]): string | undefined {
  const wanted = names.map(n => n.toLowerCase())
  for (const [k, v] of Object.entries(ctx.query)) if (wanted.includes(k.toLowerCase())) return v
  return undefined
}

/**
 * `GET /history/v1.0{WS}/runs/{runId}/children` (azure-ai-ml 1.4 `_restclient/runhistory` `RunsOperations.get_child`:
 * query `$filter`, `$continuationtoken`, `$orderby`, `$sortorder`, `$top`, `$count`) → `PaginatedRunList` `{value:
 * Run[], continuationToken, nextLink}`: the run's direct children, oldest first; `$top` (default and at most 100: a
 * guess) per page, the next page at `nextLink` (the same URL with `$continuationtoken`), none after the last.
 */
export function runChildren(core: Core, ctx: RequestContext): Reply {
  const { job, reply } = findJobRun(core, ctx)
  if (reply) return reply
  const children = job
    ? [...core.jobs.jobs.values()]
        .filter(j => j.workspaceKey === job.workspaceKey && j.parentJobName === job.name)
        .sort((a, b) => a.runNumber - b.runNumber)
    : []
  const topText = queryParam(ctx, '$top', 'top')
  const top = topText === undefined ? 100 : Number(topText)
  if (!Number.isInteger(top) || top < 1) {
    return dpError(ctx, 400, 'UserError', `$top must be a positive integer, got '${topText}'.`, 'BadArgument')
  }
  const size = Math.min(top, 100)
  const token = queryParam(ctx, '$continuationtoken', 'continuationtoken')
  const offset = token ? pageOffset(token) : 0
  if (offset === undefined) {
    return dpError(ctx, 400, 'UserError', 'The continuation token is not valid for this listing.', 'BadArgument')
  }
  const page = children.slice(offset, offset + size)
  const next = offset + size < children.length ? pageToken(offset + size) : undefined
  let nextLink: string | undefined
  if (next) {
    const url = new URL(`${core.apiUrl}${ctx.path}`)
    url.searchParams.set('$top', String(top))
    url.searchParams.set('$continuationtoken', next)
    nextLink = url.toString()
  }
  return json(200, {
    value: page.map(j => runBody(core, j)),
    ...(next ? { continuationToken: next, nextLink } : {})
  })
}

export const jobsModule: EmulatorModule = {
  name: 'jobs',
  operations: {
    'mfe-2024-04-01:Jobs_CreateOrUpdate': putJob,
    'mfe-2024-04-01:Jobs_Get': getJob,
    'mfe-2024-04-01:Jobs_List': listJobs,
    'mfe-2024-04-01:Jobs_Cancel': cancelJob
  },
  routes: [
    route('api', 'GET', `/history/v1.0${WS}/runs/{runId}/children`, 'Emulator_RunChildren', runChildren, 'bearer'),
    route('api', 'GET', `/history/v1.0${WS}/runs/{runId}/details`, 'Emulator_RunDetailsById', jobRunDetails, 'bearer'),
    route('api', 'GET', `/history/v1.0${WS}/runs/{runId}`, 'Emulator_RunById', jobRun, 'bearer')
  ],
  operationResults: {
    'job-cancel': () => ({})
  }
}
