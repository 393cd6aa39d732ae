/**
 * The scoring endpoint of a deployed web service (`POST {scoringUri}`, `/api/v1/service/{service}/score`,
 * `Emulator_Score`; no spec: it follows the Azure ML scoring front end) in front of the registered regression model:
 * a fixed linear model, so tests can check real numbers. Authorized by the service key or, with
 * `scoringAcceptsTokens`, an Entra token.
 *
 *   y = 2·x0 + 3·x1 + (x2 + x3 + ... + xn) − 1
 */
import type { Core } from '../core/context.js'
import { isReply, json } from '../core/http.js'
import { route, type EmulatorModule } from '../core/routes.js'
import type { Reply, RequestContext } from '../core/types.js'
import { authenticate } from '../identity/entra.js'

export const SCORING_WEIGHTS = { x0: 2, x1: 3, rest: 1, intercept: -1 }

/** The linear model the scoring endpoint serves. */
export function predict(row: number[]): number {
  let y = SCORING_WEIGHTS.intercept
  row.forEach((x, i) => {
    y += x * (i === 0 ? SCORING_WEIGHTS.x0 : i === 1 ? SCORING_WEIGHTS.x1 : SCORING_WEIGHTS.rest)
  })
  return y
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

export const scoringModule: EmulatorModule = {
  name: 'scoring',
  routes: [route('api', 'POST', '/api/v1/service/{service}/score', 'Emulator_Score', score, 'custom')]
}
