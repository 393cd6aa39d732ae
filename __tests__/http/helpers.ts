/** Test doubles for the REST layer: a real HTTP server on loopback, a fake clock, a token provider, a captured log. */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { AccessToken, TokenProvider } from '../../src/base/auth-types.js'
import type { Clock } from '../../src/base/clock.js'

export interface RecordedRequest {
  method: string
  url: string
  headers: IncomingHttpHeaders
  body: string
}

export type Handler = (req: IncomingMessage, res: ServerResponse, recorded: RecordedRequest, index: number) => void

export interface TestServer {
  /** `http://<host>:<port>` */
  origin: string
  port: number
  requests: RecordedRequest[]
  close(): Promise<void>
}

/** A server that records each request (with its whole body) and hands it to `handler`. */
export async function startServer(handler: Handler, host = '127.0.0.1'): Promise<TestServer> {
  const requests: RecordedRequest[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const recorded = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8')
      }
      requests.push(recorded)
      handler(req, res, recorded, requests.length - 1)
    })
  })
  await new Promise<void>(resolve => server.listen(0, host, resolve))
  const port = (server.address() as AddressInfo).port
  return {
    origin: `http://${host}:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(body === undefined ? '' : JSON.stringify(body))
}

/** A clock whose sleep records the wait and advances time at once. */
export function fakeClock(start = Date.parse('2030-01-01T00:00:00Z'), random = 0.5) {
  let now = start
  const waits: number[] = []
  const clock: Clock = {
    now: () => now,
    random: () => random,
    sleep: async ms => {
      waits.push(ms)
      now += ms
    }
  }
  return { clock, waits, start }
}

/** Hands out `token-1-…`, `token-2-…`: each call a new token, so a refresh is visible on the wire. */
export function fakeTokens() {
  const calls: { resource: string; forceRefresh: boolean }[] = []
  const tokens: TokenProvider = {
    getToken: async (resource, options) => {
      calls.push({ resource, forceRefresh: options?.forceRefresh ?? false })
      const token: AccessToken = { token: `token-${calls.length}-s3cr3t`, expiresOn: Date.now() + 3_600_000 }
      return token
    }
  }
  return { tokens, calls }
}

export function captureLog() {
  const lines: { level: 'debug' | 'info'; message: string }[] = []
  return {
    lines,
    log: {
      debug: (message: string) => lines.push({ level: 'debug', message }),
      info: (message: string) => lines.push({ level: 'info', message })
    },
    text: () => lines.map(line => `${line.level}: ${line.message}`).join('\n')
  }
}
