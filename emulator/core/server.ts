/**
 * The request pipeline both servers share: record → route → faults → read body → authenticate → api-version (and an
 * older version's field names translated, arm/version-shapes.ts) → conformance → handler → answer (or drop the
 * connection, for a reset fault).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { randomUUID } from 'node:crypto'
import { checkApiVersion, isV2ApiVersion } from '../arm/api-version.js'
import { replyToRequested, requestToCurrent } from '../arm/version-shapes.js'
import { handleAdmin, type AdminDeps } from '../faults/admin.js'
import { faultBody } from '../faults/faults.js'
import { authenticate } from '../identity/entra.js'
import { checkRequest } from './conformance.js'
import type { Core } from './context.js'
import { armError, contentType, isReply, readBody, sleep } from './http.js'
import { describeMultipart, parseMultipart } from './multipart.js'
import { findRoute, normalizePath } from './router.js'
import { belongsTo, type Route } from './routes.js'
import type { RecordedRequest, Reply, RequestContext } from './types.js'

const BODY_LOG_LIMIT = 64 * 1024

function redactHeaders(headers: IncomingMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue
    out[k] = k === 'authorization' ? '[redacted]' : Array.isArray(v) ? v.join(', ') : v
  }
  return out
}

/** The body as the request log keeps it: form secrets redacted, multipart summarised, long text truncated. */
function bodyForLog(ctx: RequestContext): string {
  if (ctx.form) return describeMultipart(ctx.form)
  if (ctx.body.length === 0) return ''
  if (contentType(ctx) === 'application/x-www-form-urlencoded') {
    const f = new URLSearchParams(ctx.body.toString('utf8'))
    for (const k of ['client_secret', 'client_assertion']) if (f.has(k)) f.set(k, '[redacted]')
    return f.toString()
  }
  const text = ctx.body.subarray(0, BODY_LOG_LIMIT).toString('utf8')
  return ctx.body.length > BODY_LOG_LIMIT ? `${text}... [${ctx.body.length} bytes in all]` : text
}

function write(res: ServerResponse, method: string, reply: Reply): void {
  const headers: Record<string, string> = { ...(reply.headers ?? {}) }
  const has = (name: string): boolean => Object.keys(headers).some(k => k.toLowerCase() === name)
  let payload: Buffer | undefined
  if (reply.body !== undefined && reply.status !== 204 && reply.status !== 304) {
    if (Buffer.isBuffer(reply.body)) payload = reply.body
    else if (typeof reply.body === 'string') {
      payload = Buffer.from(reply.body, 'utf8')
      if (!has('content-type')) headers['Content-Type'] = 'text/plain; charset=utf-8'
    } else {
      payload = Buffer.from(JSON.stringify(reply.body), 'utf8')
      if (!has('content-type')) headers['Content-Type'] = 'application/json; charset=utf-8'
    }
  }
  headers['Content-Length'] = String(method === 'HEAD' ? 0 : (payload?.length ?? 0))
  res.writeHead(reply.status, headers)
  res.end(method === 'HEAD' ? undefined : payload)
}

/** Drops the connection without an answer: a TCP reset where the platform allows it. */
function dropConnection(req: IncomingMessage): void {
  const socket = req.socket as IncomingMessage['socket'] & { resetAndDestroy?: () => void }
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy()
  else socket.destroy()
}

function specViolation(message: string): Reply {
  return armError(400, 'SpecViolation', message)
}

async function dispatch(core: Core, ctx: RequestContext, match: ReturnType<typeof findRoute<Route>>): Promise<Reply> {
  if (match.kind === 'none') {
    const home = belongsTo(ctx.path)
    const hint =
      home && home !== ctx.server
        ? home === 'api'
          ? ` This is a data-plane path: send it to the workspace's discovery 'api' server (${core.apiUrl}).`
          : ` This is an ARM path: send it to the ARM endpoint (${core.url}).`
        : ''
    return specViolation(`No operation of the Azure specs matches ${ctx.method} ${ctx.path}.${hint}`)
  }
  if (match.kind === 'method') {
    return specViolation(`The specs allow ${match.allowed.join(', ')} on ${ctx.path}, not ${ctx.method}.`)
  }
  const route = match.route
  if (route.auth === 'bearer') {
    const auth = authenticate(core, ctx)
    if (isReply(auth)) return auth
  }
  if (route.apiVersion) {
    const bad = checkApiVersion(core, ctx, route.apiVersion)
    if (bad) return bad
    // An older api-version's field names, in the vendored version's shape (arm/version-shapes.ts).
    requestToCurrent(ctx)
  }
  if (route.spec) {
    const why = checkRequest(core.specs, route.spec, {
      method: ctx.method,
      params: ctx.params,
      query: ctx.query,
      headers: ctx.headers,
      contentType: contentType(ctx),
      body: ctx.body,
      formNames: ctx.form?.map(p => p.name)
    })
    if (why) return specViolation(why)
  }
  if (!route.handler) {
    return armError(
      501,
      'NotImplemented',
      `${route.operationId} is in the spec, but the emulator does not implement it.`
    )
  }
  const reply = await route.handler(core, ctx)
  if (route.apiVersion) replyToRequested(ctx, reply)
  return reply
}

export function createHandler(
  core: Core,
  server: 'arm' | 'api',
  routes: Route[],
  admin: AdminDeps
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(core, server, routes, admin, req, res).catch(err => {
      core.log(`internal error: ${(err as Error).stack ?? String(err)}`)
      if (!res.headersSent) write(res, 'GET', armError(500, 'InternalServerError', `Emulator error: ${String(err)}`))
      else res.destroy()
    })
  }
}

async function handle(
  core: Core,
  server: 'arm' | 'api',
  routes: Route[],
  admin: AdminDeps,
  req: IncomingMessage,
  res: ServerResponse
): Promise<void> {
  const started = Date.now()
  const method = (req.method ?? 'GET').toUpperCase()
  const url = new URL(req.url ?? '/', 'http://emulator.invalid')
  if (server === 'arm' && url.pathname.startsWith('/_emulator/')) {
    const body = await readBody(req)
    write(res, method, await handleAdmin(admin, method, url, body))
    return
  }
  // A registry's regional management front end serves ARM's paths under `/mferp/managementfrontend` (azure-ai-ml
  // `_utils/_registry_utils.py`: the discovery's primaryRegionResourceProviderUri + that prefix).
  const path = normalizePath(
    server === 'arm' ? url.pathname.replace(/^\/mferp\/managementfrontend(?=\/)/i, '') : url.pathname
  )
  const query = Object.fromEntries(url.searchParams)
  const rec: RecordedRequest = {
    server,
    method,
    path: url.pathname,
    query,
    headers: redactHeaders(req.headers),
    body: '',
    status: 0,
    time: started
  }
  core.requests.push(rec)
  // A path two spec versions describe (a compute): the operation of the request's api-version family, if implemented.
  const apiVersion = Object.entries(query).find(([k]) => k.toLowerCase() === 'api-version')?.[1] ?? ''
  const family = isV2ApiVersion(core, apiVersion) ? 'v2' : 'v1'
  const match = findRoute(routes, method, path, r => (r.handler ? ((r.family ?? family) === family ? 2 : 1) : 0))
  const route = match.kind === 'found' ? match.route : undefined
  if (route) rec.operationId = route.operationId

  const decision = core.faults.evaluate({ server, method, path, operationId: route?.operationId })
  if (decision.gates) await gathered(decision.gates, decision.delayMs)
  else if (decision.delayMs > 0) await sleep(decision.delayMs)
  const action = decision.action
  const finish = (status: number): void => {
    rec.status = status
    rec.durationMs = Date.now() - started
    core.log(
      `${server === 'arm' ? 'ARM' : 'API'} ${method} ${url.pathname} ${status || 'reset'}` +
        `${route ? ` ${route.operationId}` : ''}${rec.fault ? ` [fault ${rec.fault}]` : ''} ${rec.durationMs}ms`
    )
  }
  if (action?.kind === 'reset') {
    rec.fault = 'reset'
    dropConnection(req)
    finish(0)
    return
  }
  let body: Buffer
  try {
    body = await readBody(req)
  } catch {
    res.destroy()
    finish(0)
    return
  }
  const incomingCorrelation = req.headers['x-ms-correlation-request-id']
  const ctx: RequestContext = {
    server,
    req,
    method,
    path,
    query,
    headers: req.headers,
    body,
    params: match.kind === 'found' ? match.params : {},
    operationId: route?.operationId,
    scenario: decision.scenario,
    correlationId: typeof incomingCorrelation === 'string' ? incomingCorrelation : randomUUID(),
    requestId: randomUUID()
  }
  let reply: Reply | undefined
  const ct = contentType(ctx)
  if (ct === 'multipart/form-data' && body.length > 0) {
    try {
      ctx.form = await parseMultipart(req.headers, body)
    } catch (e) {
      reply = specViolation(`The multipart/form-data body does not parse: ${(e as Error).message}`)
    }
  } else if (body.length > 0 && /json/.test(ct)) {
    try {
      ctx.json = JSON.parse(body.toString('utf8'))
    } catch {
      // Left undefined: conformance names the parse error for operations that take a JSON body.
    }
  }
  rec.body = bodyForLog(ctx)

  if (action?.kind === 'status') {
    rec.fault = 'status'
    const status = action.status ?? 503
    reply = {
      status,
      headers: { ...(action.headers ?? {}) },
      body: action.body === undefined ? faultBody(status) : action.body
    }
  } else if (!reply) {
    core.state.tick()
    reply = await dispatch(core, ctx, match)
  }
  reply.headers = {
    'x-ms-request-id': ctx.requestId,
    'x-ms-correlation-request-id': ctx.correlationId,
    'Cache-Control': 'no-cache',
    ...(reply.headers ?? {})
  }
  if (action?.kind === 'reset-after-body') {
    // The request was fully received and processed (a startrun really started its run); the answer is lost.
    rec.fault = 'reset-after-body'
    dropConnection(req)
    finish(0)
    return
  }
  write(res, method, reply)
  finish(reply.status)
}

/** Waits until every gate is open, or `capMs` has passed (a gathering delay fault whose company never came). */
async function gathered(gates: Promise<void>[], capMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([Promise.all(gates), new Promise<void>(resolve => (timer = setTimeout(resolve, capMs)))])
  clearTimeout(timer)
}
