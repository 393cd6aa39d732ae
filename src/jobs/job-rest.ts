/**
 * The v2 job on ARM and in run history: `GET/PUT {WS}/jobs/{name}` (Jobs_Get, Jobs_CreateOrUpdate),
 * `POST {WS}/jobs/{name}/cancel` (Jobs_Cancel: 200, or 202 with a `Location`), all at the v2 api-version
 * (mfe.json 2024-04-01), and the job's run-history details on the workspace's `api` server
 * (`history/v1.0{WS}/runs/{name}/details`: times, error, and `logFiles`, a map of log name → SAS URL; V2.md
 * "Following a job").
 */
import type { CommonSettings, WorkspaceRef } from '../action/settings.js'
import { armAuth, dataPlaneUrl, workspacePath } from '../arm/endpoints.js'
import { parseJson } from '../http/client.js'
import type { HttpClient, HttpResponse } from '../http/types.js'
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

/**
 * The log to stream from `logFiles` (V2.md, after azure-ai-ml `_job_ops_helper.py`): the rank-0 `user_logs/std_log.txt`
 * (`user_logs/std_log[\D]*[0]*(?:_ps)?\.txt`), else the highest `azureml-logs/NN_*.txt`, else
 * `logs/azureml/executionlogs.txt` (pipelines), else `azureml-logs/hyperdrive.txt` (sweeps).
 */
export function pickJobLog(logFiles: Record<string, string>): string | undefined {
  const names = Object.keys(logFiles).sort()
  const std = names.filter(n => /^user_logs\/std_log[\D]*[0]*(?:_ps)?\.txt$/.test(n))
  if (std.length > 0) return std.find(n => /std_log(?:_process)?_?0*\.txt$|std_log\.txt$/.test(n)) ?? std[0]
  const numbered = names.filter(n => /^azureml-logs\/\d{2}_.+\.txt$/.test(n))
  if (numbered.length > 0) return numbered[numbered.length - 1]
  return names.find(n => n === 'logs/azureml/executionlogs.txt') ?? names.find(n => n === 'azureml-logs/hyperdrive.txt')
}
