/** JSON over the REST layer: parse a response body, or send and parse in one call. */
import { oneLine, redactUrl } from './redact.js'
import type { HttpClient, HttpRequest, HttpResponse } from '../base/http-types.js'

/** A 2xx answer whose body is not the JSON the caller expected. */
export class ResponseFormatError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ResponseFormatError'
  }
}

/**
 * The body parsed as JSON; undefined when it is empty (204, 202 without a body, or a dry-run). Throws
 * `ResponseFormatError` for a body that is not JSON, quoting its first 120 characters unless `options.holdsSecrets`
 * (the answer of `listSecrets`, `listKeys`, `token`: a broken one may still carry the key, which is not masked yet).
 */
export function parseJson<T = unknown>(
  response: HttpResponse,
  options: { holdsSecrets?: boolean } = {}
): T | undefined {
  const text = response.body.replace(/^\uFEFF/, '')
  if (text.trim() === '') return undefined
  try {
    return JSON.parse(text) as T
  } catch {
    const where = response.url ? ` from ${redactUrl(response.url)}` : ''
    const type = response.headers['content-type'] ?? 'no content-type'
    throw new ResponseFormatError(
      `Expected JSON${where} (status ${response.status}), got ${Buffer.byteLength(text)} bytes of ${oneLine(type, 100)} ` +
        (options.holdsSecrets ? '(not shown: the answer holds secrets)' : `starting with: ${oneLine(text, 120)}`)
    )
  }
}

/** Sends the request (retries and errors as `client.send`) and returns its parsed JSON body. */
export async function sendJson<T = unknown>(client: HttpClient, request: HttpRequest): Promise<T | undefined> {
  return parseJson<T>(await client.send(request))
}
