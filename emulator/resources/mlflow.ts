/**
 * A job's metrics through MLflow's tracking REST API, on the data-plane server under the workspace's MLflow base
 * `/mlflow/v1.0{WS}` (Azure's: the workspace's `mlFlowTrackingUri` `azureml://{region}.api.azureml.ms/mlflow/v1.0{WS}`
 * with `https://` in place of `azureml://`; ../shared/V2.md "A job's metrics (MLflow)"). The routes and bodies are
 * MLflow's REST API (https://mlflow.org/docs/latest/rest-api.html):
 *
 * - `POST .../api/2.0/mlflow/runs/log-metric` `{run_id, key, value, timestamp (ms), step}` → `{}`;
 * - `POST .../api/2.0/mlflow/runs/log-batch` `{run_id, metrics: [...], params: [{key, value}], tags: [...]}` → `{}`;
 * - `GET .../api/2.0/mlflow/runs/get?run_id=` → `{run: {info: {run_id, run_uuid, run_name, experiment_id, status,
 *   start_time, end_time, artifact_uri, lifecycle_stage}, data: {metrics (the last value per key), params, tags}}}`;
 * - `GET .../api/2.0/mlflow/metrics/get-history?run_id=&metric_key=` → `{metrics: [{key, value, timestamp, step}]}`.
 *
 * The run id is the job's name (a sweep's trial: `<sweep>_<n>`). Errors are MLflow's `{error_code, message}`
 * (`RESOURCE_DOES_NOT_EXIST` 404, `INVALID_PARAMETER_VALUE` 400). A metric logged on a job calls its `onMetric` (a
 * sweep's early termination watches its trials with it).
 *
 * `jobMlflowEnv` is what every job's process gets, as Azure's runtime sets it: `MLFLOW_TRACKING_URI` (the emulator's
 * http base instead of azureml://), `MLFLOW_RUN_ID` (the job name), `MLFLOW_EXPERIMENT_NAME`, `MLFLOW_EXPERIMENT_ID`
 * and `MLFLOW_TRACKING_TOKEN` (a token the emulator issued for https://ml.azure.com, which MLflow sends as a bearer
 * token: the variable and its audience are a guess, README "What is a guess").
 */
import { createHash, randomBytes } from 'node:crypto'
import { WS } from '../arm/scopes.js'
import type { Core } from '../core/context.js'
import { isReply, json } from '../core/http.js'
import { route, type EmulatorModule } from '../core/routes.js'
import type { Reply, RequestContext } from '../core/types.js'
import type { Job, MlflowMetric } from './job-process.js'
import { dataPlaneWorkspace } from './workspaces.js'

type Json = Record<string, unknown>
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

/** The MLflow base of a workspace on the emulator's data-plane server (`{apiUrl}/mlflow/v1.0{workspace ARM id}`). */
export function mlflowBase(core: Core, workspaceArmId: string): string {
  return `${core.apiUrl}/mlflow/v1.0${workspaceArmId}`
}

/** A stable GUID-shaped experiment id for an experiment name (Azure's experiment ids are GUIDs; this mapping is ours). */
export function experimentId(workspaceKey: string, experimentName: string): string {
  const h = createHash('sha256').update(`${workspaceKey}/${experimentName}`).digest('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`
}

/** The lifetime of the token a job gets in `MLFLOW_TRACKING_TOKEN` (ms); a guess, long enough for any test. */
const JOB_TOKEN_MS = 24 * 3600_000

/** The MLflow variables of a job's process (see the module comment). */
export function jobMlflowEnv(core: Core, job: Job): Record<string, string> {
  const token = randomBytes(24).toString('base64url')
  const now = Date.now()
  core.tokens.add(token, {
    clientId: core.seed.clientId,
    tenantId: core.seed.tenantId,
    audience: 'https://ml.azure.com',
    issuedAt: now,
    expiresAt: now + JOB_TOKEN_MS
  })
  const experiment = String(job.properties.experimentName ?? '') || 'Default'
  return {
    MLFLOW_TRACKING_URI: mlflowBase(core, job.workspaceId),
    MLFLOW_RUN_ID: job.name,
    MLFLOW_EXPERIMENT_NAME: experiment,
    MLFLOW_EXPERIMENT_ID: experimentId(job.workspaceKey, experiment),
    MLFLOW_TRACKING_TOKEN: token
  }
}

function mlflowError(status: number, code: string, message: string): Reply {
  return { status, body: { error_code: code, message } }
}

function findRun(core: Core, ctx: RequestContext, runId: unknown): Job | Reply {
  const w = dataPlaneWorkspace(core, ctx)
  if (isReply(w)) return w
  if (typeof runId !== 'string' || !runId) {
    return mlflowError(400, 'INVALID_PARAMETER_VALUE', "Missing value for required parameter 'run_id'.")
  }
  const job = core.jobs.get(w.key, runId)
  if (!job) return mlflowError(404, 'RESOURCE_DOES_NOT_EXIST', `Run '${runId}' not found.`)
  return job
}

/** A metric of a request body, checked as MLflow checks it; a string says what is wrong. */
function metricOf(m: unknown, where: string): MlflowMetric | string {
  if (!isObj(m)) return `${where} must be an object {key, value, timestamp, step}.`
  if (typeof m.key !== 'string' || !m.key) return `Missing value for required parameter '${where}.key'.`
  const value = typeof m.value === 'string' ? Number(m.value) : m.value
  if (typeof value !== 'number' || Number.isNaN(value)) {
    return `Invalid value ${JSON.stringify(m.value)} for parameter '${where}.value': it must be a number.`
  }
  const timestamp = m.timestamp === undefined ? Date.now() : Number(m.timestamp)
  const step = m.step === undefined ? 0 : Number(m.step)
  if (!Number.isFinite(timestamp) || !Number.isInteger(step)) {
    return `Invalid '${where}.timestamp' or '${where}.step': both must be integers.`
  }
  return { key: m.key, value, timestamp, step }
}

function record(job: Job, metrics: MlflowMetric[]): void {
  job.metrics ??= []
  for (const m of metrics) {
    job.metrics.push(m)
    job.onMetric?.(job, m)
  }
}

export function logMetric(core: Core, ctx: RequestContext): Reply {
  const body = isObj(ctx.json) ? ctx.json : {}
  const job = findRun(core, ctx, body.run_id ?? body.run_uuid)
  if (isReply(job)) return job
  const m = metricOf(body, 'metric')
  if (typeof m === 'string') return mlflowError(400, 'INVALID_PARAMETER_VALUE', m)
  record(job, [m])
  return json(200, {})
}

export function logBatch(core: Core, ctx: RequestContext): Reply {
  const body = isObj(ctx.json) ? ctx.json : {}
  const job = findRun(core, ctx, body.run_id)
  if (isReply(job)) return job
  const list = Array.isArray(body.metrics) ? body.metrics : []
  const metrics: MlflowMetric[] = []
  for (const [i, raw] of list.entries()) {
    const m = metricOf(raw, `metrics[${i}]`)
    if (typeof m === 'string') return mlflowError(400, 'INVALID_PARAMETER_VALUE', m)
    metrics.push(m)
  }
  for (const [field, into] of [
    ['params', (job.mlflowParams ??= {})],
    ['tags', (job.mlflowTags ??= {})]
  ] as const) {
    const items = Array.isArray(body[field]) ? (body[field] as unknown[]) : []
    for (const p of items) if (isObj(p) && typeof p.key === 'string') into[p.key] = String(p.value ?? '')
  }
  record(job, metrics)
  return json(200, {})
}

/** MLflow's run status for a job status (`RunStatus`: RUNNING, SCHEDULED, FINISHED, FAILED, KILLED). */
function mlflowStatus(status: string): string {
  if (status === 'Completed') return 'FINISHED'
  if (status === 'Failed') return 'FAILED'
  if (status === 'Canceled' || status === 'CancelRequested') return 'KILLED'
  if (['NotStarted', 'Queued', 'Preparing'].includes(status)) return 'SCHEDULED'
  return 'RUNNING'
}

const pairs = (m: Record<string, string> | undefined): Json[] =>
  Object.entries(m ?? {}).map(([key, value]) => ({ key, value }))

export function getRun(core: Core, ctx: RequestContext): Reply {
  const job = findRun(core, ctx, ctx.query.run_id ?? ctx.query.run_uuid)
  if (isReply(job)) return job
  const last = new Map<string, MlflowMetric>()
  for (const m of job.metrics ?? []) {
    const was = last.get(m.key)
    if (!was || m.step > was.step || (m.step === was.step && m.timestamp >= was.timestamp)) last.set(m.key, m)
  }
  const experiment = String(job.properties.experimentName ?? '') || 'Default'
  const ms = (t: string | undefined): number | undefined => (t ? Date.parse(t) : undefined)
  return json(200, {
    run: {
      info: {
        run_id: job.name,
        run_uuid: job.name,
        run_name: typeof job.properties.displayName === 'string' ? job.properties.displayName : job.name,
        experiment_id: experimentId(job.workspaceKey, experiment),
        user_id: core.seed.clientId,
        status: mlflowStatus(job.status),
        start_time: ms(job.startTimeUtc) ?? ms(job.createdAt),
        ...(job.endTimeUtc ? { end_time: ms(job.endTimeUtc) } : {}),
        artifact_uri: `azureml://experiments/${experiment}/runs/${job.name}/artifacts`,
        lifecycle_stage: 'active'
      },
      data: {
        metrics: [...last.values()],
        params: pairs(job.mlflowParams),
        tags: pairs(job.mlflowTags)
      }
    }
  })
}

export function metricHistory(core: Core, ctx: RequestContext): Reply {
  const job = findRun(core, ctx, ctx.query.run_id ?? ctx.query.run_uuid)
  if (isReply(job)) return job
  const key = ctx.query.metric_key
  if (!key) return mlflowError(400, 'INVALID_PARAMETER_VALUE', "Missing value for required parameter 'metric_key'.")
  return json(200, { metrics: (job.metrics ?? []).filter(m => m.key === key) })
}

const BASE = `/mlflow/v1.0${WS}/api/2.0/mlflow`

export const mlflowModule: EmulatorModule = {
  name: 'mlflow',
  routes: [
    route('api', 'POST', `${BASE}/runs/log-metric`, 'Emulator_MlflowLogMetric', logMetric, 'bearer'),
    route('api', 'POST', `${BASE}/runs/log-batch`, 'Emulator_MlflowLogBatch', logBatch, 'bearer'),
    route('api', 'GET', `${BASE}/runs/get`, 'Emulator_MlflowGetRun', getRun, 'bearer'),
    route('api', 'GET', `${BASE}/metrics/get-history`, 'Emulator_MlflowMetricHistory', metricHistory, 'bearer')
  ]
}
