/**
 * One attempt on the wire: the request, any redirects, and the whole response body, within one time limit.
 *
 * Built on @actions/http-client (proxy support from `https_proxy`/`no_proxy`), with its own retries and redirects
 * turned off: retries live in client.ts, redirects in redirect.ts. Its `readBody()` is not used because it never
 * settles when the socket drops mid-body; the body is read here from the raw IncomingMessage instead.
 */
import type { IncomingMessage } from 'node:http'
import { Readable } from 'node:stream'
import { HttpClient as ActionsHttpClient } from '@actions/http-client'
import type { RequestHandler } from '@actions/http-client/lib/interfaces'
import { MAX_TIMER_MS } from '../action/clock.js'
import type { PreparedBody } from './body.js'
import { MAX_REDIRECTS, planRedirect, withoutBodyHeaders, withoutCredentials } from './redirect.js'
import { AttemptTimeoutError, describeError } from './retry.js'
import type { HttpMethod } from './types.js'

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
  const client = new ActionsHttpClient(request.userAgent, [abortWith(controller.signal)], {
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
      const response = await sendOne(client, method, url, headers, body, controller)
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
    client.dispose()
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

/** Passes the attempt's AbortSignal to node's http.request, so a timeout or a body error cancels the socket. */
function abortWith(signal: AbortSignal): RequestHandler {
  return {
    prepareRequest: options => {
      options.signal = signal
    },
    canHandleAuthentication: () => false,
    handleAuthentication: () => Promise.reject(new Error('not used'))
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
