/**
 * One attempt on the wire: the request, any redirects, and the whole response body, within one time limit.
 *
 * Built on @actions/http-client (its proxy agents from `https_proxy`/`http_proxy`), with its own retries and redirects
 * turned off: retries live in client.ts, redirects in redirect.ts. Its `readBody()` is not used because it never
 * settles when the socket drops mid-body; the body is read here from the raw IncomingMessage instead.
 *
 * Two of its agent choices are replaced here (checked on @actions/http-client 4.0.1, lib/index.js `_getAgent` and
 * lib/proxy.js `checkBypass`):
 * - it caches its first direct agent and hands it to every later request of the same client, so a redirect from
 *   `http:` to `https:` (the emulator on loopback sending the client on to TLS) went out on an http Agent and failed
 *   with `ERR_INVALID_PROTOCOL`: each hop here gets a client of its own;
 * - its `NO_PROXY` matching knows exact names, `.suffix` and `*` only, so `*.azure.com` still sent ARM requests through
 *   the proxy: `bypassesProxy` decides instead, as curl and the runner do, and a bypassed request gets a direct agent.
 */
import * as http from 'node:http'
import type { IncomingMessage } from 'node:http'
import * as https from 'node:https'
import { BlockList, isIP } from 'node:net'
import { Readable } from 'node:stream'
import { HttpClient as ActionsHttpClient } from '@actions/http-client'
import type { RequestHandler } from '@actions/http-client/lib/interfaces'
import { MAX_TIMER_MS } from '../base/clock.js'
import type { PreparedBody } from './body.js'
import { MAX_REDIRECTS, planRedirect, withoutBodyHeaders, withoutCredentials } from './redirect.js'
import { AttemptTimeoutError, describeError } from './retry.js'
import { isLoopbackHost } from './transport-security.js'
import type { HttpMethod } from '../base/http-types.js'

export interface WireRequest {
  method: HttpMethod
  url: URL
  headers: Record<string, string>
  body: PreparedBody
  /** The whole attempt (all redirects and the full body) must finish within this. */
  timeoutMs: number
  userAgent: string
}

export interface WireResponse {
  status: number
  statusText: string
  /** Names lower-cased; repeated headers joined with `, `. */
  headers: Record<string, string | undefined>
  body: Buffer
  /** The URL that gave this answer (after redirects). */
  url: URL
}

export interface RedirectEvent {
  status: number
  from: URL
  to: URL
  method: HttpMethod
  droppedCredentials: boolean
}

/** The request body could not be read (a file vanished): a local problem, never retried. */
export class RequestBodyError extends Error {
  constructor(cause: unknown) {
    super(`Reading the request body failed: ${describeError(cause)}`, { cause })
    this.name = 'RequestBodyError'
  }
}

/** The connection closed before the response body was complete. */
export class TruncatedResponseError extends Error {
  readonly code = 'ECONNRESET'
  constructor() {
    super('the connection closed before the response body was complete')
    this.name = 'TruncatedResponseError'
  }
}

export async function sendAttempt(
  request: WireRequest,
  onRedirect: (event: RedirectEvent) => void = () => {}
): Promise<WireResponse> {
  const controller = new AbortController()
  const timeoutMs = Math.min(Math.max(1, request.timeoutMs), MAX_TIMER_MS)
  const timer = setTimeout(() => controller.abort(new AttemptTimeoutError(timeoutMs)), timeoutMs)
  // One client per hop: the library reuses its first agent for every later URL, whatever the scheme (see above).
  const clientFor = (url: URL): ActionsHttpClient =>
    new ActionsHttpClient(request.userAgent, [prepareFor(url, controller.signal)], {
      allowRedirects: false,
      allowRetries: false,
      maxRetries: 0,
      keepAlive: false,
      // The library's own idle timer would fail the request with an uncoded error; ours fires first.
      socketTimeout: Math.min(timeoutMs + 1_000, MAX_TIMER_MS)
    })
  try {
    let { method, url, headers, body } = request
    for (let hops = 0; ; hops++) {
      const client = clientFor(url)
      let response: Omit<WireResponse, 'url'>
      try {
        response = await sendOne(client, method, url, headers, body, controller)
      } finally {
        client.dispose()
      }
      const plan = planRedirect(url, response.status, response.headers['location'], method)
      if (!plan) return { ...response, url }
      if (hops >= MAX_REDIRECTS) throw new Error(`Stopped after ${MAX_REDIRECTS} redirects`)
      onRedirect({
        status: response.status,
        from: url,
        to: plan.url,
        method: plan.method,
        droppedCredentials: plan.dropCredentials
      })
      if (plan.dropCredentials) headers = withoutCredentials(headers)
      if (!plan.keepBody) {
        headers = withoutBodyHeaders(headers)
        body = { kind: 'none' }
      }
      ;({ method, url } = plan)
    }
  } catch (err) {
    throw controller.signal.aborted ? controller.signal.reason : err
  } finally {
    clearTimeout(timer)
  }
}

async function sendOne(
  client: ActionsHttpClient,
  method: HttpMethod,
  url: URL,
  headers: Record<string, string>,
  body: PreparedBody,
  controller: AbortController
): Promise<Omit<WireResponse, 'url'>> {
  const data = openBody(body, headers, controller)
  try {
    const response = await client.request(method, url.href, data.payload, data.headers)
    const message = response.message
    return {
      status: message.statusCode ?? 0,
      statusText: message.statusMessage ?? '',
      headers: normalizeHeaders(message.headers),
      body: await readAll(message, controller.signal)
    }
  } finally {
    data.close()
  }
}

function openBody(
  body: PreparedBody,
  headers: Record<string, string>,
  controller: AbortController
): { payload: string | NodeJS.ReadableStream | null; headers: Record<string, string>; close(): void } {
  const none = { close: () => {} }
  switch (body.kind) {
    case 'none':
      return { ...none, payload: null, headers }
    case 'text':
      // The library sets Content-Length for string payloads.
      return { ...none, payload: body.text, headers }
    case 'bytes':
      return {
        ...none,
        payload: Readable.from([body.data]),
        headers: { ...headers, 'content-length': String(body.data.length) }
      }
    case 'stream': {
      let stream: NodeJS.ReadableStream
      try {
        stream = body.stream.open()
      } catch (err) {
        throw new RequestBodyError(err)
      }
      // The library pipes the stream into the request but ignores its errors, which would leave the request hanging.
      stream.on('error', err => controller.abort(new RequestBodyError(err)))
      const length = body.stream.length
      return {
        payload: stream,
        headers: length === undefined ? headers : { ...headers, 'content-length': String(length) },
        close: () => (stream as Partial<Readable>).destroy?.()
      }
    }
  }
}

/**
 * Passes the attempt's AbortSignal to node's http.request, so a timeout or a body error cancels the socket; and sends
 * a request that NO_PROXY exempts (bypassesProxy) on a direct agent of its own scheme, whatever agent the library
 * chose (the library's agent, a proxy tunnel when a proxy is set, stays for every other request).
 */
function prepareFor(url: URL, signal: AbortSignal): RequestHandler {
  return {
    prepareRequest: options => {
      options.signal = signal
      if (bypassesProxy(url)) {
        options.agent =
          url.protocol === 'https:' ? new https.Agent({ keepAlive: false }) : new http.Agent({ keepAlive: false })
      }
    },
    canHandleAuthentication: () => false,
    handleAuthentication: () => Promise.reject(new Error('not used'))
  }
}

/** `no_proxy`, else `NO_PROXY` (the order @actions/http-client and curl read them in). */
export function noProxyFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env.no_proxy || env.NO_PROXY || ''
}

/**
 * Whether a request to `url` goes direct rather than through `https_proxy`/`http_proxy`: a loopback host always (as
 * @actions/http-client does), else when an entry of `noProxy` (comma- or space-separated, case-insensitive) covers it,
 * matching as curl (`--noproxy` / CURLOPT_NOPROXY: a name covers itself and every name under it, a leading dot is
 * ignored, `*` alone means every host, IP addresses and CIDR ranges match by address) and the runner (actions/runner
 * ADR 0263 "Self Hosted Runner Proxies": `.github.com` and `github.com` both cover `api.github.com`). A leading
 * `*.` is read as `.` (Go's net/http, and what users write), so `*.azure.com`, `.azure.com` and `azure.com` all cover
 * `management.azure.com`. An entry with a port (`host:8443`, `[::1]:8443`) covers only that port (443/80 when the URL
 * has none).
 */
export function bypassesProxy(url: URL, noProxy: string = noProxyFromEnv()): boolean {
  const host = url.hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
  if (!host) return false
  if (isLoopbackHost(url.hostname)) return true
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80))
  const hostIp = isIP(host)
  for (const raw of noProxy.split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase()
    if (!entry) continue
    if (entry === '*') return true
    const { name, entryPort } = splitPort(entry)
    if (entryPort !== undefined && entryPort !== port) continue
    if (hostIp) {
      if (ipCovers(name, host, hostIp)) return true
      continue
    }
    const domain = name.replace(/^\*?\./, '').replace(/\.$/, '')
    if (domain && (host === domain || host.endsWith(`.${domain}`))) return true
  }
  return false
}

/** `host:port`, `[v6]:port`, `[v6]`, a bare IPv6 address (its colons are not a port), or a CIDR range. */
function splitPort(entry: string): { name: string; entryPort?: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry)
  if (bracketed) return { name: bracketed[1], entryPort: bracketed[2] ? Number(bracketed[2]) : undefined }
  const colon = entry.lastIndexOf(':')
  if (colon > 0 && entry.indexOf(':') === colon && /^\d+$/.test(entry.slice(colon + 1))) {
    return { name: entry.slice(0, colon), entryPort: Number(entry.slice(colon + 1)) }
  }
  return { name: entry }
}

/** Whether the NO_PROXY entry `name` (an address, or `address/prefix`) covers the IP address `host`. */
function ipCovers(name: string, host: string, hostIp: number): boolean {
  const [address, prefixText] = name.split('/')
  const family = isIP(address)
  if (!family) return false
  const type = family === 6 ? 'ipv6' : 'ipv4'
  const list = new BlockList()
  try {
    if (prefixText === undefined) list.addAddress(address, type)
    else if (/^\d+$/.test(prefixText)) list.addSubnet(address, Number(prefixText), type)
    else return false
    return list.check(host, hostIp === 6 ? 'ipv6' : 'ipv4')
  } catch {
    return false
  }
}

function readAll(message: IncomingMessage, signal: AbortSignal): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    const onAbort = (): void => {
      message.destroy()
      reject(signal.reason)
    }
    if (signal.aborted) return onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    const settle = (err?: unknown): void => {
      signal.removeEventListener('abort', onAbort)
      if (err) reject(err)
      else resolve(Buffer.concat(chunks))
    }
    message.on('data', (chunk: Buffer) => chunks.push(chunk))
    message.on('end', () => settle())
    message.on('error', err => settle(err))
    message.on('close', () => {
      if (!message.complete) settle(new TruncatedResponseError())
    })
  })
}

function normalizeHeaders(headers: IncomingMessage['headers']): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {}
  for (const [name, value] of Object.entries(headers)) {
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value
  }
  return out
}
