/**
 * The admin API under `{url}/_emulator/`: no authentication, never recorded, never faulted. Tests and demos use it to
 * read the seed and the request log, add faults, look at runs, expire tokens and reset. Emulator-only: no spec.
 */
import type { Core } from '../core/context.js'
import { normalizeRule } from './faults.js'
import type { Run } from '../resources/run-process.js'
import type { Reply } from '../core/types.js'

export interface AdminDeps {
  core: Core
  reset: () => void
  info: () => Record<string, unknown>
}

export function runSummary(run: Run): Record<string, unknown> {
  return {
    runId: run.runId,
    experimentName: run.experimentName,
    workspace: run.workspaceKey,
    status: run.status,
    history: run.history,
    script: run.script,
    arguments: run.args,
    target: run.target,
    definition: run.definition,
    snapshotEntries: run.snapshotEntries,
    snapshotBytes: run.snapshotBytes,
    exitCode: run.exitCode,
    error: run.error,
    stuckIn: run.stuckIn,
    dir: run.dir,
    logPath: run.logPath,
    createdUtc: run.createdUtc,
    startTimeUtc: run.startTimeUtc,
    endTimeUtc: run.endTimeUtc
  }
}

const notFound = (what: string): Reply => ({ status: 404, body: { error: { code: 'NotFound', message: what } } })

export async function handleAdmin(deps: AdminDeps, method: string, url: URL, body: Buffer): Promise<Reply> {
  const { core } = deps
  const path = url.pathname.replace(/^\/_emulator/, '').replace(/\/+$/, '')
  const parse = (): unknown => JSON.parse(body.toString('utf8') || 'null')
  try {
    if (method === 'GET' && path === '/seed') return { status: 200, body: { ...core.seed, ...deps.info() } }
    if (method === 'GET' && path === '/requests') return { status: 200, body: core.requests }
    if (method === 'DELETE' && path === '/requests') {
      core.requests.length = 0
      return { status: 204 }
    }
    if (method === 'GET' && path === '/faults') return { status: 200, body: core.faults.list() }
    if (method === 'POST' && path === '/faults') {
      const input = parse()
      const rules = (Array.isArray(input) ? input : [input]).map(r => core.faults.add(normalizeRule(r)))
      return { status: 201, body: Array.isArray(input) ? rules : rules[0] }
    }
    if (method === 'DELETE' && path === '/faults') {
      core.faults.clear()
      return { status: 204 }
    }
    const fault = /^\/faults\/([^/]+)$/.exec(path)
    if (method === 'DELETE' && fault) {
      return core.faults.remove(decodeURIComponent(fault[1])) ? { status: 204 } : notFound(`no fault ${fault[1]}`)
    }
    if (method === 'POST' && path === '/reset') {
      deps.reset()
      return { status: 204 }
    }
    if (method === 'POST' && path === '/tokens/expire') {
      return { status: 200, body: { expired: core.tokens.expireAll() } }
    }
    if (method === 'GET' && path === '/runs') {
      return { status: 200, body: [...core.runner.runs.values()].map(runSummary) }
    }
    const run = /^\/runs\/([^/]+)$/.exec(path)
    if (method === 'GET' && run) {
      const r = core.runner.find(decodeURIComponent(run[1]))
      return r ? { status: 200, body: runSummary(r) } : notFound(`no run ${run[1]}`)
    }
    if (method === 'GET' && path === '/state') {
      core.state.tick()
      const s = core.state
      return {
        status: 200,
        body: {
          resourceGroups: [...s.resourceGroups.values()],
          workspaces: [...s.workspaces.values()],
          computes: [...s.computes.values()],
          operations: [...s.operations.values()],
          experiments: [...s.experiments.values()],
          models: [...s.models.values()],
          onlineEndpoints: [...s.onlineEndpoints.values()].map(({ tokens, ...e }) => ({ ...e, tokens: tokens.size })),
          onlineDeployments: [...s.onlineDeployments.values()]
        }
      }
    }
  } catch (e) {
    return { status: 400, body: { error: { code: 'BadRequest', message: (e as Error).message } } }
  }
  return notFound(`no admin route ${method} ${url.pathname}`)
}
