/**
 * Model management (list, get, delete, in the service's own ModelErrorResponse shape) and the scoring endpoint in
 * front of the registered regression model: a fixed linear model, so tests can check real numbers.
 *
 *   y = 2·x0 + 3·x1 + (x2 + x3 + ... + xn) − 1
 */
import { authenticate } from './auth.js'
import type { Core } from './core.js'
import { isReply, json, modelError } from './http.js'
import { dataPlaneWorkspace } from './dataplane.js'
import type { Model } from './state.js'
import type { Reply, RequestContext } from './types.js'

export const SCORING_WEIGHTS = { x0: 2, x1: 3, rest: 1, intercept: -1 }

/** The linear model the scoring endpoint serves. */
export function predict(row: number[]): number {
  let y = SCORING_WEIGHTS.intercept
  row.forEach((x, i) => {
    y += x * (i === 0 ? SCORING_WEIGHTS.x0 : i === 1 ? SCORING_WEIGHTS.x1 : SCORING_WEIGHTS.rest)
  })
  return y
}

function modelBody(m: Model): Record<string, unknown> {
  const { workspaceKey: _ws, ...rest } = m
  return rest
}

function workspaceOr404(core: Core, ctx: RequestContext): string | Reply {
  const w = dataPlaneWorkspace(core, ctx)
  if (isReply(w)) {
    const p = ctx.params
    return modelError(
      404,
      'WorkspaceNotFound',
      `Workspace '${p.workspace}' in resource group '${p.resourceGroup}' was not found.`
    )
  }
  return w.key
}

export function listModels(core: Core, ctx: RequestContext): Reply {
  const key = workspaceOr404(core, ctx)
  if (typeof key !== 'string') return key
  const q = ctx.query
  let models = [...core.state.models.values()].filter(m => m.workspaceKey === key)
  if (q.name) models = models.filter(m => m.name === q.name)
  if (q.framework) models = models.filter(m => m.framework.toLowerCase() === q.framework.toLowerCase())
  if (q.runId) models = models.filter(m => m.runId === q.runId)
  const asc = /Asc$/i.test(q.orderBy ?? '')
  models.sort((a, b) => (asc ? a.createdTime.localeCompare(b.createdTime) : b.createdTime.localeCompare(a.createdTime)))
  const start = q.$skipToken ? Number(Buffer.from(q.$skipToken, 'base64url').toString()) || 0 : 0
  const count = Number(q.count) > 0 ? Number(q.count) : models.length
  const page = models.slice(start, start + count)
  let nextLink: string | undefined
  if (start + count < models.length) {
    const url = new URL(`${core.apiUrl}${ctx.path}`)
    for (const [k, v] of Object.entries(q)) url.searchParams.set(k, v)
    url.searchParams.set('$skipToken', Buffer.from(String(start + count)).toString('base64url'))
    nextLink = url.toString()
  }
  return json(200, { value: page.map(modelBody), ...(nextLink ? { nextLink } : {}) })
}

export function getModel(core: Core, ctx: RequestContext): Reply {
  const key = workspaceOr404(core, ctx)
  if (typeof key !== 'string') return key
  const m = core.state.models.get(`${key}/${ctx.params.id}`.toLowerCase())
  return m ? json(200, modelBody(m)) : modelError(404, 'NotFound', `Model with id ${ctx.params.id} not found.`)
}

export function deleteModel(core: Core, ctx: RequestContext): Reply {
  const key = workspaceOr404(core, ctx)
  if (typeof key !== 'string') return key
  const k = `${key}/${ctx.params.id}`.toLowerCase()
  if (!core.state.models.delete(k)) {
    return core.config.deleteMissingModelStatus === 204
      ? { status: 204 }
      : modelError(404, 'NotFound', `Model with id ${ctx.params.id} not found.`)
  }
  return { status: 200 }
}

/** POST {scoringUri}: `Authorization: Bearer <key>` (or an Entra token), body `{"data": [[numbers...], ...]}`. */
export function score(core: Core, ctx: RequestContext): Reply {
  if (ctx.path !== new URL(core.seed.scoringUri).pathname) {
    return { status: 404, body: `No service is deployed at ${ctx.path}; the emulator serves ${core.seed.scoringUri}.` }
  }
  const header = String(ctx.headers.authorization ?? '')
  const m = /^Bearer\s+(\S+)$/i.exec(header)
  const keyOk = m !== null && m[1] === core.seed.scoringKey
  if (!keyOk) {
    const tokenOk = core.config.scoringAcceptsTokens && m !== null && !isReply(authenticate(core, ctx))
    if (!tokenOk) {
      return {
        status: 401,
        headers: { 'Content-Type': 'text/plain; charset=utf-8', 'WWW-Authenticate': 'Bearer' },
        body: header ? 'Unauthorized: the scoring key is wrong.' : 'Unauthorized: no Authorization header.'
      }
    }
  }
  const bad = (message: string): Reply => ({ status: 400, body: { error: message } })
  let body: unknown
  try {
    body = JSON.parse(ctx.body.toString('utf8'))
  } catch (e) {
    return bad(`The request body is not JSON: ${(e as Error).message}`)
  }
  const data = (body as { data?: unknown } | null)?.data
  if (!Array.isArray(data) || data.length === 0) {
    return bad('The body must be {"data": [[x0, x1, ...], ...]}: a non-empty list of rows.')
  }
  const width = Array.isArray(data[0]) ? data[0].length : -1
  for (const [i, row] of data.entries()) {
    if (!Array.isArray(row) || row.length === 0) return bad(`data[${i}] must be a non-empty list of numbers.`)
    if (row.length !== width) return bad(`data[${i}] has ${row.length} features; data[0] has ${width}.`)
    const j = row.findIndex(x => typeof x !== 'number' || !Number.isFinite(x))
    if (j >= 0) return bad(`data[${i}][${j}] is not a number: ${JSON.stringify(row[j])}.`)
  }
  return json(200, (data as number[][]).map(predict))
}
