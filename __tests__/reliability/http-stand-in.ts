/**
 * A scripted stand-in for Azure on 127.0.0.1 for the REST-layer faults of issue 13 (a 424 with model-error headers, a
 * page that links to itself, a redirect to https, a proxy), which the emulator does not have: Entra's token endpoint
 * answers every client secret, each test scripts the rest. Plus a TLS server with a throw-away CA, an HTTP CONNECT
 * proxy that records what it tunnels, and a preload that resolves chosen host names to 127.0.0.1 inside the step only.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { connect, type AddressInfo, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generate } from 'selfsigned'

export const TENANT = '11111111-2222-3333-4444-555555555555'
export const SUBSCRIPTION = '00000000-1111-2222-3333-444444444444'
export const CLIENT_ID = '99999999-8888-7777-6666-555555555555'
export const ACCESS_TOKEN = 'stand-in-access-token-Zq8'

export interface Recorded {
  method: string
  /** Path and query, as received. */
  url: string
  path: string
  headers: IncomingMessage['headers']
  body: string
}

/** Answers one request and returns true; anything else falls through (a token, or a 404 ARM error). */
export type Route = (req: Recorded, res: ServerResponse) => boolean | void

export interface StandIn {
  /** `http://127.0.0.1:<port>`, or `https://localhost:<port>` with TLS. */
  url: string
  port: number
  /** Every request but the token requests. */
  requests: Recorded[]
  tokenRequests: Recorded[]
  close(): Promise<void>
}

const opened: Array<{ close(): Promise<void> }> = []

/** Closes everything the helpers here started (call from afterEach). */
export async function closeAll(): Promise<void> {
  await Promise.all(opened.splice(0).map(s => s.close()))
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(body === undefined ? '' : JSON.stringify(body))
}

function handler(route: Route, requests: Recorded[], tokenRequests: Recorded[]) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const url = req.url ?? '/'
      const recorded: Recorded = {
        method: req.method ?? '',
        url,
        path: url.split('?')[0],
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8')
      }
      if (recorded.method === 'POST' && /\/oauth2\/(v2\.0\/)?token$/.test(recorded.path)) {
        tokenRequests.push(recorded)
        if (route(recorded, res) === true) return
        sendJson(res, 200, { token_type: 'Bearer', access_token: ACCESS_TOKEN, expires_in: 3600 })
        return
      }
      requests.push(recorded)
      if (route(recorded, res) === true) return
      sendJson(res, 404, { error: { code: 'NotFound', message: `not scripted: ${recorded.method} ${recorded.path}` } })
    })
  }
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

function closer(server: Server): () => Promise<void> {
  return () =>
    new Promise<void>(resolve => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
}

/** A stand-in on plain http (loopback, where the action sends credentials over http), or https with `tls`. */
export async function startStandIn(route: Route, tls?: Tls): Promise<StandIn> {
  const requests: Recorded[] = []
  const tokenRequests: Recorded[] = []
  const handle = handler(route, requests, tokenRequests)
  const server = tls ? createHttpsServer({ key: tls.key, cert: tls.certChain }, handle) : createServer(handle)
  const port = await listen(server)
  const standIn: StandIn = {
    url: `${tls ? 'https' : 'http'}://${tls ? 'localhost' : '127.0.0.1'}:${port}`,
    port,
    requests,
    tokenRequests,
    close: closer(server)
  }
  opened.push(standIn)
  return standIn
}

/** The inputs that point the action at the stand-in (Entra on `token`, ARM on `arm`) with a client secret. */
export function standInAuth(
  token: StandIn,
  arm: string = token.url,
  clientSecret = 'stand-in-client-secret-9'
): Record<string, string> {
  return {
    creds: JSON.stringify({ clientId: CLIENT_ID, clientSecret, tenantId: TENANT, subscriptionId: SUBSCRIPTION }),
    'arm-endpoint': arm,
    'authority-host': token.url
  }
}

export interface Tls {
  key: string
  /** Leaf then CA, as the server presents it. */
  certChain: string
  /** A file holding the CA certificate, for NODE_EXTRA_CA_CERTS. */
  caFile: string
  dir: string
}

/** A throw-away CA and a server certificate for `names` (DNS names) plus localhost and 127.0.0.1. */
export async function createTls(names: string[] = []): Promise<Tls> {
  const notBeforeDate = new Date(Date.now() - 60_000)
  const notAfterDate = new Date(Date.now() + 24 * 3600_000)
  const ca = await generate([{ name: 'commonName', value: 'HTTP stand-in test CA' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true }
    ]
  })
  const leaf = await generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          ...names.map(value => ({ type: 2 as const, value }))
        ]
      }
    ]
  })
  const dir = mkdtempSync(join(tmpdir(), 'http-stand-in-tls-'))
  const caFile = join(dir, 'ca.pem')
  writeFileSync(caFile, ca.cert)
  opened.push({ close: async () => rmSync(dir, { recursive: true, force: true }) })
  return { key: leaf.private, certChain: `${leaf.cert.trim()}\n${ca.cert.trim()}\n`, caFile, dir }
}

/** A preload (for NODE_OPTIONS=--import) that resolves `names` to 127.0.0.1 in the step's process only. */
export function loopbackDnsPreload(dir: string, names: string[]): string {
  const file = join(dir, 'loopback-dns.mjs')
  writeFileSync(
    file,
    `import dns from 'node:dns'
const names = new Set(${JSON.stringify(names.map(n => n.toLowerCase()))})
const original = dns.lookup
dns.lookup = function (hostname, options, callback) {
  if (typeof options === 'function') { callback = options; options = {} }
  if (typeof options === 'number') options = { family: options }
  if (!names.has(String(hostname).toLowerCase())) return original.call(this, hostname, options, callback)
  process.nextTick(() =>
    options && options.all ? callback(null, [{ address: '127.0.0.1', family: 4 }]) : callback(null, '127.0.0.1', 4))
  return {}
}
`
  )
  return file
}

export interface Proxy {
  url: string
  /** `host:port` of every CONNECT, in order. */
  connects: string[]
  /** Plain-http requests sent to the proxy (absolute URLs); answered 502. */
  forwarded: string[]
  close(): Promise<void>
}

/** An HTTP proxy that records each CONNECT and tunnels it to 127.0.0.1 on the asked port. */
export async function startProxy(): Promise<Proxy> {
  const connects: string[] = []
  const forwarded: string[] = []
  const sockets = new Set<Socket>()
  const server = createServer((req, res) => {
    forwarded.push(req.url ?? '')
    res.writeHead(502).end('this proxy only tunnels')
  })
  server.on('connect', (req: IncomingMessage, client: Socket) => {
    connects.push(req.url ?? '')
    sockets.add(client)
    const port = Number((req.url ?? '').split(':').pop())
    const upstream = connect(port, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      upstream.pipe(client)
      client.pipe(upstream)
    })
    sockets.add(upstream)
    upstream.on('error', () => client.destroy())
    client.on('error', () => upstream.destroy())
  })
  const port = await listen(server)
  const proxy: Proxy = {
    url: `http://127.0.0.1:${port}`,
    connects,
    forwarded,
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await closer(server)()
    }
  }
  opened.push(proxy)
  return proxy
}
