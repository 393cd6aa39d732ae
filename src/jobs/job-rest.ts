/**
 * The v2 job on ARM and in run history: `GET/PUT {WS}/jobs/{name}` (Jobs_Get, Jobs_CreateOrUpdate),
 * `POST {WS}/jobs/{name}/cancel` (Jobs_Cancel: 200, or 202 with a `Location`), all at the v2 api-version
 * (mfe.json 2024-04-01), and the job's run-history details on the workspace's `api` server
 * (`history/v1.0{WS}/runs/{name}/details`: times, error, and `logFiles`, a map of log name → SAS URL; V2.md
 * "Following a job").
 */
import type { CommonSettings, WorkspaceRef } from '../base/settings.js'
import { armAuth, dataPlaneUrl, workspacePath } from '../arm/endpoints.js'
import { parseJson } from '../http/client.js'
import type { HttpClient, HttpResponse } from '../base/http-types.js'
import { workspaceV2Url } from '../assets/workspace-assets.js'

/** `properties` of a job as Jobs_Get answers it (the fields used here). */
export interface JobProperties {
  jobType?: string
  status?: string
  displayName?: string
  experimentName?: string
  services?: Record<string, { endpoint?: string | null } | undefined> | null
  [key: string]: unknown
}

export interface JobBody {
  id?: string
  name?: string
  properties?: JobProperties
}

/** Run-history details of the job's run (RunDetails in runHistory.json). */
export interface JobRunDetails {
  status?: string
  startTimeUtc?: string
  endTimeUtc?: string
  error?: { error?: { code?: string; message?: string; details?: unknown[] } }
  logFiles?: Record<string, string>
}

const TERMINAL = new Set(['completed', 'failed', 'canceled', 'cancelled', 'notresponding', 'paused'])

/**
 * Whether a job status ends the wait: Completed, Failed, Canceled, NotResponding, Paused (azure-ai-ml
 * `_job_ops_helper.py`). Finalizing and CancelRequested are in progress, as is every other or unknown value.
 */
export function isJobTerminal(status: string): boolean {
  return TERMINAL.has(status.trim().toLowerCase())
}

/** Whether a job body is a pipeline job (`properties.jobType`, mfe.json `JobType`: `Pipeline`). */
export function isPipelineJob(body: JobBody | undefined): boolean {
  return hasJobType(body, 'pipeline')
}

/** Whether a job body is a sweep job's (`properties.jobType` Sweep). */
export function isSweepJob(body: JobBody | undefined): boolean {
  return hasJobType(body, 'sweep')
}

/** `properties.jobType` compared without case (the service answers `Pipeline`, `Sweep`, ...). */
function hasJobType(body: JobBody | undefined, type: string): boolean {
  return typeof body?.properties?.jobType === 'string' && body.properties.jobType.toLowerCase() === type
}

export interface JobRef {
  workspace: WorkspaceRef
  name: string
}

export function jobUrl(settings: CommonSettings, job: JobRef, suffix = ''): string {
  return workspaceV2Url(settings, job.workspace, `/jobs/${encodeURIComponent(job.name)}${suffix}`)
}

/** GET the job; a 404 is returned (a job just created may not be visible yet, or it does not exist). */
export async function getJob(http: HttpClient, settings: CommonSettings, job: JobRef): Promise<HttpResponse> {
  return http.send({ method: 'GET', url: jobUrl(settings, job), auth: armAuth(settings), acceptStatus: [404] })
}

/**
 * Reads a job (`GET {WS}/jobs/{name}`, Jobs_Get): its status (`Unknown` when absent) and body; undefined when there is
 * no such job (404) or in dry-run when the GET was not sent. Throws `AzureRequestError` for other refusals.
 */
export async function readJobStatus(
  http: HttpClient,
  settings: CommonSettings,
  job: JobRef
): Promise<{ status: string; body: JobBody } | undefined> {
  const response = await getJob(http, settings, job)
  if (response.status === 404 || response.dryRun) return undefined
  const body = parseJson<JobBody>(response) ?? {}
  return { status: body.properties?.status ?? 'Unknown', body }
}

/**
 * POST cancel. Cancelling twice is harmless, so it is retried. A 404 (no such job) is returned, and so is a 400/409
 * (the service refuses to cancel a job that has already ended: the caller reads the job's status then).
 */
export async function sendJobCancel(http: HttpClient, settings: CommonSettings, job: JobRef): Promise<HttpResponse> {
  return http.send({
    method: 'POST',
    url: jobUrl(settings, job, '/cancel'),
    auth: armAuth(settings),
    idempotent: true,
    acceptStatus: [400, 404, 409]
  })
}

export function jobDetailsUrl(api: string, job: JobRef): string {
  return dataPlaneUrl(api, 'history', job.workspace, `/runs/${encodeURIComponent(job.name)}/details`)
}

/** The run-history details (undefined while the run is not visible there). */
export async function getJobDetails(
  http: HttpClient,
  settings: CommonSettings,
  api: string,
  job: JobRef
): Promise<JobRunDetails | undefined> {
  const response = await http.send({
    method: 'GET',
    url: jobDetailsUrl(api, job),
    auth: armAuth(settings),
    acceptStatus: [404]
  })
  return response.status === 404 || response.dryRun ? undefined : parseJson<JobRunDetails>(response)
}

/** The job's page in Azure ML studio: `services.Studio.endpoint`, else `{portalHost}/runs/{name}?wsid={WS}`. */
export function jobPortalUrl(settings: CommonSettings, job: JobRef, body?: JobBody): string {
  const studio = body?.properties?.services?.Studio?.endpoint
  if (typeof studio === 'string' && /^https?:\/\//.test(studio)) return studio
  return (
    `${settings.endpoints.portalHost.replace(/\/+$/, '')}/runs/${encodeURIComponent(job.name)}` +
    `?wsid=${workspacePath(job.workspace)}`
  )
}

const STD_LOG_RANK0 = /^user_logs\/std_log[\D]*[0]*(?:_ps)?\.txt$/
const DRIVER_LOG_RANK0 = /^azureml-logs\/70_driver_log(?:_(?:rank_|worker_|process_)?0+)?\.txt$/
const NUMBERED_LOG = /^azureml-logs\/(\d{2})_.+\.txt$/

/**
 * How much a log of `logFiles` is preferred for following (lower first), or undefined when it is never followed
 * (V2.md "Following a job", after azure-ai-ml `_job_ops_helper.py` and `constants/_job/job.py` `JobLogPattern`):
 * 1. the user's log of the current runtime, rank 0: `user_logs/std_log[\D]*[0]*(?:_ps)?\.txt` (the pattern itself
 *    admits only rank 0: `std_log.txt`, `std_log_process_0.txt`, `std_log_node_0_ps.txt`);
 * 2. the older runtime's user log, rank 0: `azureml-logs/70_driver_log.txt` (or `_0`, `_rank_0`, `_worker_0`);
 * 3. the older runtime's other numbered logs `azureml-logs/NN_*.txt`, the higher NN first (the later phase: 55
 *    execution, 65 job preparation, 75 job release), other ranks' driver logs left out;
 * 4. `logs/azureml/executionlogs.txt` (pipelines); 5. `azureml-logs/hyperdrive.txt` (sweeps).
 */
export function logPreference(name: string): number | undefined {
  if (STD_LOG_RANK0.test(name)) return 0
  if (DRIVER_LOG_RANK0.test(name)) return 1
  const numbered = NUMBERED_LOG.exec(name)
  if (numbered) return name.startsWith('azureml-logs/70_driver_log') ? undefined : 2 + (99 - Number(numbered[1])) / 100
  if (name === 'logs/azureml/executionlogs.txt') return 3
  if (name === 'azureml-logs/hyperdrive.txt') return 4
  return undefined
}

/**
 * The log to follow among `names` (the keys of `logFiles`, read at every poll), given the one followed so far:
 * the most preferred (`logPreference`; ties by name), but a switch only to a log preferred strictly more than the
 * current one, so the choice only ever moves towards the user's log (a log that leaves the list is not replaced by a
 * worse one). Undefined while no log is worth following.
 */
export function pickJobLog(names: readonly string[], current?: string): string | undefined {
  let best: string | undefined
  let bestRank = Infinity
  for (const name of [...names].sort()) {
    const rank = logPreference(name)
    if (rank !== undefined && rank < bestRank) {
      best = name
      bestRank = rank
    }
  }
  if (current === undefined) return best
  const currentRank = logPreference(current) ?? Infinity
  return best !== undefined && bestRank < currentRank ? best : current
}
