/**
 * A scripted stand-in for Azure on 127.0.0.1, for service behaviour the emulator does not have (an operation that
 * moves, a 404 while polling a delete, two provisioningErrors, a cancel refused with "terminal state"): an Entra token
 * endpoint plus the routes a test scripts. Every request is recorded; an unscripted one answers 404 (ARM's shape).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface StandInRequest {
  method: string
  path: string
  query: URLSearchParams
  body: string
}

export interface StandInReply {
  status?: number
  headers?: Record<string, string>
  /** An object is sent as JSON, a string as it is. */
  body?: unknown
}

export interface StandInRoute {
  method: string
  /** Matched against the path (no query). */
  path: RegExp
  /** Answers in order, the last one repeated; or a function of the request. */
  replies: StandInReply[] | ((request: StandInRequest) => StandInReply)
}

export interface StandIn {
  url: string
  requests: StandInRequest[]
  /** The recorded requests as `METHOD path`, token requests left out. */
  calls(): string[]
  close(): Promise<void>
}

export const TENANT = '6f1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d'
export const SUBSCRIPTION = '5c7e2a14-3b9d-4f6e-a1c8-9d2e4b6f8a01'
export const WS = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/ws-demo`

export async function startStandIn(routes: StandInRoute[]): Promise<StandIn> {
  const requests: StandInRequest[] = []
  const served = new Map<StandInRoute, number>()
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://stand-in')
      const request = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        body: Buffer.concat(chunks).toString('utf8')
      }
      requests.push(request)
      if (/\/oauth2\/(v2\.0\/)?token$/.test(request.path)) {
        return send(res, {
          body: { token_type: 'Bearer', access_token: 'stand-in-token', expires_in: '3600', resource: 'x' }
        })
      }
      const route = routes.find(r => r.method === request.method && r.path.test(request.path))
      if (!route) return send(res, { status: 404, body: { error: { code: 'NotFound', message: 'not scripted' } } })
      if (typeof route.replies === 'function') return send(res, route.replies(request))
      const n = served.get(route) ?? 0
      served.set(route, n + 1)
      send(res, route.replies[Math.min(n, route.replies.length - 1)])
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    requests,
    calls: () => requests.filter(r => !r.path.includes('/oauth2/')).map(r => `${r.method} ${r.path}`),
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

function send(res: ServerResponse, reply: StandInReply): void {
  const body = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body)
  res.writeHead(reply.status ?? 200, {
    'content-type': 'application/json',
    'x-ms-request-id': 'stand-in-request',
    ...reply.headers
  })
  res.end(body)
}

/** The inputs that point the action at the stand-in: creds, ARM, authority host, the workspace. */
export function standInInputs(standIn: StandIn): Record<string, string> {
  return {
    creds: JSON.stringify({
      clientId: '8d3f1a2b-6c4e-4b7a-9e5d-2f1c3b4a5d6e',
      clientSecret: 'stand-in-secret',
      tenantId: TENANT,
      subscriptionId: SUBSCRIPTION
    }),
    'arm-endpoint': standIn.url,
    'authority-host': standIn.url,
    'resource-group': 'rg-ml',
    'workspace-name': 'ws-demo'
  }
}
