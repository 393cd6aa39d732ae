/**
 * Runs of the v1 data plane (the discovery document's `api` server), with their experiments and logs:
 *
 * - run history (runHistory.json 2019-09-30): `Experiments_GetByQuery`, `Experiments_Get`, `Experiments_Create`,
 *   `Runs_Get`, `Runs_GetDetails`, `Runs_GetByQuery`; and the guide's `GET .../experiments` (`Guide_ListExperiments`,
 *   not in the spec);
 * - execution (execution.json 2019-09-30): `Runs_StartRun` (multipart definition + project zip, checked against
 *   `RunDefinition`, unpacked by run-snapshot.ts and really run by run-process.ts), `Runs_CancelRunWithUri`;
 * - the driver log behind the SAS-style URL run details hand out (`Emulator_DriverLog`, no spec), with `Range`.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { workspaceId, WS } from '../arm/scopes.js'
import { describeErrors } from '../core/conformance.js'
import type { Core } from '../core/context.js'
import { dpError, isReply, json } from '../core/http.js'
import { route, type EmulatorModule } from '../core/routes.js'
import { computeKey, type Experiment } from '../core/state.js'
import type { Reply, RequestContext } from '../core/types.js'
import { DRIVER_LOG, TERMINAL, type Run } from './run-process.js'
import { extractZip, listZip } from './run-snapshot.js'
import { dataPlaneWorkspace } from './workspaces.js'

const MAX_SNAPSHOT_BYTES = 300 * 1024 * 1024
const MAX_SNAPSHOT_FILES = 2000

// ------------------------------------------------------------------------------------------------------ experiments

function experimentBody(e: Experiment): Record<string, unknown> {
  return {
    experimentId: e.experimentId,
    name: e.name,
    createdUtc: e.createdUtc,
    tags: {},
    ...(e.latestCreatedRunId ? { latestCreatedRunId: e.latestCreatedRunId } : {}),
    ...(e.latestCreatedRunCreatedUtc ? { latestCreatedRunCreatedUtc: e.latestCreatedRunCreatedUtc } : {})
  }
}

function experimentsOf(core: Core, key: string): Experiment[] {
  return [...core.state.experiments.values()]
    .filter(e => e.workspaceKey === key)
    .sort((a, b) => a.createdUtc.localeCompare(b.createdUtc))
}

/** The guide's `GET .../experiments` (not in the v1 spec), answered as the docs show it. */
export function listExperiments(core: Core, ctx: RequestContext): Reply {
  const w = dataPlaneWorkspace(core, ctx)
  if (isReply(w)) return w
  return json(200, { value: experimentsOf(core, w.key).map(experimentBody) })
}

/** Experiments_GetByQuery: `top` and `continuationToken` (an offset) are honoured, `filter` on `name eq '...'`. */
export function queryExperiments(core: Core, ctx: RequestContext): Reply {
  const w = dataPlaneWorkspace(core, ctx)
  if (isReply(w)) return w
  const q = (ctx.json ?? {}) as { top?: number; continuationToken?: string; filter?: string }
  let all = experimentsOf(core, w.key)
  const nameFilter = /^\s*name\s+eq\s+'([^']*)'\s*$/i.exec(q.filter ?? '')
  if (nameFilter) all = all.filter(e => e.name === nameFilter[1])
  const start = q.continuationToken ? Number(Buffer.from(q.continuationToken, 'base64url').toString()) || 0 : 0
  const top = q.top && q.top > 0 ? q.top : all.length
  const page = all.slice(start, start + top)
  const next = start + top < all.length ? Buffer.from(String(start + top)).toString('base64url') : undefined
  return json(200, { value: page.map(experimentBody), ...(next ? { continuationToken: next } : {}) })
}

export function getExperiment(core: Core, ctx: RequestContext): Reply {
  const w = dataPlaneWorkspace(core, ctx)
  if (isReply(w)) return w
  const e = core.state.experiments.get(core.state.experimentKey(w.key, ctx.params.experimentName))
  if (!e) {
    return dpError(ctx, 404, 'UserError', `Experiment '${ctx.params.experimentName}' was not found.`, 'NotFoundError')
  }
  return json(200, experimentBody(e))
}

export function createExperiment(core: Core, ctx: RequestContext): Reply {
  const w = dataPlaneWorkspace(core, ctx)
  if (isReply(w)) return w
  return json(200, experimentBody(core.state.ensureExperiment(w.key, ctx.params.experimentName)))
}

// ------------------------------------------------------------------------------------------------------------- runs

function logUrl(core: Core, run: Run): string {
  const se = new Date(Date.now() + 24 * 3600_000).toISOString().replace(/\.\d+Z$/, 'Z')
  return (
    `${core.apiUrl}/azureml-run/${encodeURIComponent(run.runId)}/${DRIVER_LOG}` +
    `?sv=2019-02-02&sr=b&sig=${encodeURIComponent(run.logSig)}&se=${encodeURIComponent(se)}&sp=r`
  )
}

function runError(run: Run): Record<string, unknown> | undefined {
  return run.error ? { error: { code: run.error.code, message: run.error.message } } : undefined
}

export function runBody(core: Core, run: Run): Record<string, unknown> {
  const ws = core.state.workspaces.get(run.workspaceKey)
  const error = runError(run)
  return {
    runNumber: run.runNumber,
    rootRunId: run.runId,
    experimentId: run.experimentId,
    createdUtc: run.createdUtc,
    createdBy: { userObjectId: core.seed.clientId, userTenantId: core.seed.tenantId, userName: core.seed.clientId },
    userId: core.seed.clientId,
    ...(error ? { error } : {}),
    warnings: [],
    revision: run.revision,
    runId: run.runId,
    status: run.status,
    ...(run.startTimeUtc ? { startTimeUtc: run.startTimeUtc } : {}),
    ...(run.endTimeUtc ? { endTimeUtc: run.endTimeUtc } : {}),
    heartbeatEnabled: false,
    options: { generateDataContainerIdIfNotSpecified: true },
    dataContainerId: `dcid.${run.runId}`,
    hidden: false,
    runType: 'azureml.scriptrun',
    properties: {
      _azureml_ComputeTargetType: run.target === 'local' ? 'local' : 'amlcompute',
      'azureml.runsource': 'experiment',
      ContentSnapshotId: run.experimentId
    },
    scriptName: run.script,
    target: run.target,
    tags: {},
    runDefinition: run.definition,
    ...(ws
      ? {
          cancelUri:
            `${core.apiUrl}/execution/v1.0${workspaceId(ws)}/experiments/${encodeURIComponent(run.experimentName)}` +
            `/runId/${encodeURIComponent(run.runId)}/cancel`
        }
      : {})
  }
}

function findRun(core: Core, ctx: RequestContext): Run | Reply {
  const w = dataPlaneWorkspace(core, ctx)
  if (isReply(w)) return w
  const run = core.runner.get(w.key, ctx.params.runId)
  if (!run || run.experimentName.toLowerCase() !== ctx.params.experimentName.toLowerCase()) {
    return dpError(
      ctx,
      404,
      'UserError',
      `Run '${ctx.params.runId}' was not found in experiment '${ctx.params.experimentName}'.`,
      'NotFoundError'
    )
  }
  return run
}

export function getRun(core: Core, ctx: RequestContext): Reply {
  const run = findRun(core, ctx)
  return isReply(run) ? run : json(200, runBody(core, run))
}

export function getRunDetails(core: Core, ctx: RequestContext): Reply {
  const run = findRun(core, ctx)
  if (isReply(run)) return run
  const error = runError(run)
  // Logs appear once the run has started, as in Azure ML.
  const started = !['NotStarted', 'Queued', 'Preparing'].includes(run.status) || run.startTimeUtc !== undefined
  return json(200, {
    runId: run.runId,
    target: run.target,
    status: run.status,
    ...(run.startTimeUtc ? { startTimeUtc: run.startTimeUtc } : {}),
    ...(run.endTimeUtc ? { endTimeUtc: run.endTimeUtc } : {}),
    ...(error ? { error } : {}),
    warnings: [],
    tags: {},
    properties: { 'azureml.runsource': 'experiment' },
    runDefinition: run.definition,
    logFiles: started ? { [DRIVER_LOG]: logUrl(core, run) } : {},
    revision: run.revision
  })
}

export function queryRuns(core: Core, ctx: RequestContext): Reply {
  const w = dataPlaneWorkspace(core, ctx)
  if (isReply(w)) return w
  const q = (ctx.json ?? {}) as { top?: number }
  let runs = [...core.runner.runs.values()].filter(
    r => r.workspaceKey === w.key && r.experimentName.toLowerCase() === ctx.params.experimentName.toLowerCase()
  )
  runs.sort((a, b) => b.createdUtc.localeCompare(a.createdUtc))
  if (q.top && q.top > 0) runs = runs.slice(0, q.top)
  return json(200, { value: runs.map(r => runBody(core, r)) })
}

/** Case-insensitive property read (the guide writes `Configuration`/`Script`, the spec `configuration`/`script`). */
function prop(obj: unknown, name: string): unknown {
  if (typeof obj !== 'object' || obj === null) return undefined
  const key = Object.keys(obj).find(k => k.toLowerCase() === name.toLowerCase())
  return key === undefined ? undefined : (obj as Record<string, unknown>)[key]
}

/** Lower-cases the first letter of every key, so the PascalCase definition can be checked against the spec. */
function camelKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(camelKeys)
  if (typeof v !== 'object' || v === null) return v
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k.charAt(0).toLowerCase() + k.slice(1), camelKeys(x)]))
}

/** Runs being created, by workspace/runId: a retry arriving meanwhile waits for the same answer. */
const inFlight = new WeakMap<Core, Map<string, Promise<Reply>>>()

export async function startRun(core: Core, ctx: RequestContext): Promise<Reply> {
  const w = dataPlaneWorkspace(core, ctx)
  if (isReply(w)) return w
  const experimentName = ctx.params.experimentName
  const requestedId = ctx.query.runId
  if (requestedId) {
    const existing = core.runner.get(w.key, requestedId)
    if (existing) {
      if (existing.experimentName.toLowerCase() !== experimentName.toLowerCase()) {
        return dpError(
          ctx,
          409,
          'UserError',
          `Run id '${requestedId}' already exists in experiment '${existing.experimentName}'.`,
          'Conflict'
        )
      }
      // Idempotent: the same runId never starts a second run.
      return json(200, { runId: existing.runId })
    }
    let pending = inFlight.get(core)
    if (!pending) inFlight.set(core, (pending = new Map()))
    const key = core.runner.key(w.key, requestedId)
    const running = pending.get(key)
    if (running) return running
    const p = createRun(core, ctx, w.key, experimentName, requestedId).finally(() => pending.delete(key))
    pending.set(key, p)
    return p
  }
  let runId = `${experimentName}_${Date.now()}`
  for (let i = 1; core.runner.get(w.key, runId); i++) runId = `${experimentName}_${Date.now() + i}`
  return createRun(core, ctx, w.key, experimentName, runId)
}

async function createRun(
  core: Core,
  ctx: RequestContext,
  wsKey: string,
  experimentName: string,
  runId: string
): Promise<Reply> {
  const parts = ctx.form ?? []
  const defPart = parts.find(p => p.name === 'runDefinitionFile')
  const zipPart = parts.find(p => p.name === 'projectZipFile')
  if (!defPart || !zipPart) {
    return dpError(ctx, 400, 'UserError', 'runDefinitionFile and projectZipFile are both required.', 'BadArgument')
  }
  let definition: unknown
  try {
    definition = JSON.parse(defPart.data.toString('utf8'))
  } catch (e) {
    return dpError(ctx, 400, 'UserError', `runDefinitionFile is not valid JSON: ${(e as Error).message}`, 'BadArgument')
  }
  const validate = core.specs.definition('execution-2019-09-30', 'RunDefinition')
  if (!validate(camelKeys(definition))) {
    return {
      status: 400,
      body: {
        error: {
          code: 'SpecViolation',
          message: `Runs_StartRun: runDefinitionFile breaks the RunDefinition schema: ${describeErrors(validate.errors).join('; ')}`
        }
      }
    }
  }
  const config = prop(definition, 'Configuration')
  const script = prop(config, 'Script')
  if (typeof script !== 'string' || script.trim() === '') {
    return dpError(
      ctx,
      400,
      'UserError',
      'The run definition has no Configuration.Script: name the entry script at the root of the snapshot zip.',
      'BadArgument'
    )
  }
  const argsRaw = prop(config, 'Arguments') ?? []
  const args = (Array.isArray(argsRaw) ? argsRaw : []).map(String)
  const target = String(prop(config, 'Target') ?? 'local')
  const maxRaw = prop(config, 'MaxRunDurationSeconds')
  const maxRunDurationSeconds = typeof maxRaw === 'number' ? maxRaw : undefined

  let entries
  try {
    entries = await listZip(zipPart.data)
  } catch (e) {
    return dpError(
      ctx,
      400,
      'UserError',
      `projectZipFile is not a readable zip archive: ${(e as Error).message}`,
      'BadArgument'
    )
  }
  const files = entries.filter(e => !e.directory)
  const total = files.reduce((n, e) => n + e.size, 0)
  if (files.length > MAX_SNAPSHOT_FILES || total > MAX_SNAPSHOT_BYTES) {
    return dpError(
      ctx,
      400,
      'UserError',
      `The snapshot has ${files.length} files and ${total} bytes; the limits are ${MAX_SNAPSHOT_FILES} files and ` +
        '300 MB. Exclude files with .amlignore.',
      'SnapshotTooLarge'
    )
  }
  const scriptPath = script.replace(/^\.\//, '')
  if (!files.some(e => e.name === scriptPath)) {
    const root = files.filter(e => !e.name.includes('/')).map(e => e.name)
    return dpError(
      ctx,
      400,
      'UserError',
      `The entry script '${script}' named in the run definition is not in the snapshot zip (files at its root: ` +
        `${root.join(', ') || 'none'}). The script must be at the root of projectZipFile.`,
      'BadArgument'
    )
  }
  if (target.toLowerCase() !== 'local') {
    const compute = core.state.computes.get(computeKey(wsKey, target))
    if (!compute) {
      return dpError(ctx, 400, 'UserError', `Compute target '${target}' was not found in the workspace.`, 'BadArgument')
    }
    if (compute.provisioningState !== 'Succeeded') {
      return dpError(
        ctx,
        400,
        'UserError',
        `Compute target '${target}' is not ready (provisioningState ${compute.provisioningState}).`,
        'BadArgument'
      )
    }
  }
  const dir = core.runner.newRunDir(runId)
  try {
    await extractZip(zipPart.data, join(dir, 'snapshot'))
  } catch (e) {
    return dpError(
      ctx,
      400,
      'UserError',
      `projectZipFile could not be unpacked: ${(e as Error).message}`,
      'BadArgument'
    )
  }
  const run = core.runner.create({
    workspaceKey: wsKey,
    experimentName,
    runId,
    definition,
    script: scriptPath,
    args,
    target,
    maxRunDurationSeconds,
    snapshotEntries: entries.map(e => e.name),
    snapshotBytes: zipPart.data.length,
    dir,
    stuckIn: ctx.scenario.runStuckIn ?? core.config.runStuckIn
  })
  return json(200, { runId: run.runId })
}

export function cancelRun(core: Core, ctx: RequestContext): Reply {
  const run = findRun(core, ctx)
  if (isReply(run)) return run
  if (!TERMINAL.has(run.status)) core.runner.cancel(run)
  return json(200, { runId: run.runId })
}

// ------------------------------------------------------------------------------------------------------------- logs

function storageError(status: number, code: string, message: string): Reply {
  return {
    status,
    headers: { 'Content-Type': 'application/xml', 'x-ms-error-code': code },
    body: `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`
  }
}

/** The driver log behind a SAS-style URL: the `sig` authorizes; `Range: bytes=N-` reads from N (206 / 416). */
export function driverLog(core: Core, ctx: RequestContext): Reply {
  const sig = ctx.query.sig
  const run = [...core.runner.runs.values()].find(r => r.runId === ctx.params.runId && r.logSig === sig)
  if (!run) {
    return storageError(
      403,
      'AuthenticationFailed',
      'Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.'
    )
  }
  if (`azureml-logs/${ctx.params.file}` !== DRIVER_LOG) {
    return storageError(404, 'BlobNotFound', 'The specified blob does not exist.')
  }
  const size = statSync(run.logPath).size
  const range = /^bytes=(\d+)-(\d*)$/.exec(String(ctx.headers.range ?? ''))
  const read = (start: number, end: number): Buffer => {
    const len = Math.max(0, end - start)
    const buf = Buffer.alloc(len)
    if (len === 0) return buf
    const fd = openSync(run.logPath, 'r')
    try {
      readSync(fd, buf, 0, len, start)
    } finally {
      closeSync(fd)
    }
    return buf
  }
  const common = {
    'Content-Type': 'text/plain; charset=utf-8',
    'Accept-Ranges': 'bytes',
    'x-ms-blob-type': 'AppendBlob'
  }
  if (range) {
    const start = Number(range[1])
    const end = range[2] ? Math.min(Number(range[2]) + 1, size) : size
    if (start >= size) {
      return {
        ...storageError(416, 'InvalidRange', 'The range specified is invalid for the current size of the resource.'),
        headers: { 'Content-Range': `bytes */${size}`, 'x-ms-error-code': 'InvalidRange' }
      }
    }
    return {
      status: 206,
      headers: { ...common, 'Content-Range': `bytes ${start}-${end - 1}/${size}` },
      body: read(start, end)
    }
  }
  return { status: 200, headers: common, body: read(0, size) }
}

export const runsModule: EmulatorModule = {
  name: 'runs',
  operations: {
    'runHistory-2019-09-30:Experiments_GetByQuery': queryExperiments,
    'runHistory-2019-09-30:Experiments_Get': getExperiment,
    'runHistory-2019-09-30:Experiments_Create': createExperiment,
    'runHistory-2019-09-30:Runs_Get': getRun,
    'runHistory-2019-09-30:Runs_GetDetails': getRunDetails,
    'runHistory-2019-09-30:Runs_GetByQuery': queryRuns,
    'execution-2019-09-30:Runs_StartRun': startRun,
    'execution-2019-09-30:Runs_CancelRunWithUri': cancelRun
  },
  routes: [
    route('api', 'GET', `/history/v1.0${WS}/experiments`, 'Guide_ListExperiments', listExperiments, 'bearer'),
    route('api', 'GET', '/azureml-run/{runId}/azureml-logs/{file}', 'Emulator_DriverLog', driverLog, 'custom')
  ]
}
