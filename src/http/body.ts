/** Request bodies, normalized once per logical request so each attempt can send them again. */
import type { HttpRequest, StreamBody } from '../base/http-types.js'

export type PreparedBody =
  | { kind: 'none' }
  /** Sent as UTF-8; JSON bodies end up here. */
  | { kind: 'text'; text: string }
  | { kind: 'bytes'; data: Buffer }
  /** Re-opened for every attempt. */
  | { kind: 'stream'; stream: StreamBody }

export function isStreamBody(body: unknown): body is StreamBody {
  return (
    typeof body === 'object' &&
    body !== null &&
    typeof (body as StreamBody).open === 'function' &&
    typeof (body as StreamBody).describe === 'string'
  )
}

/** The body to send, and the Content-Type it implies (JSON for objects) when the caller did not set one. */
export function prepareBody(body: HttpRequest['body']): { body: PreparedBody; impliedContentType?: string } {
  if (body === undefined || body === null) return { body: { kind: 'none' } }
  if (typeof body === 'string') return { body: { kind: 'text', text: body } }
  if (Buffer.isBuffer(body)) return { body: { kind: 'bytes', data: body } }
  if (body instanceof Uint8Array) return { body: { kind: 'bytes', data: Buffer.from(body) } }
  if (isStreamBody(body)) return { body: { kind: 'stream', stream: body } }
  return { body: { kind: 'text', text: JSON.stringify(body) }, impliedContentType: 'application/json' }
}

/** Size in bytes, when known before sending. */
export function bodySize(body: PreparedBody): number | undefined {
  switch (body.kind) {
    case 'none':
      return 0
    case 'text':
      return Buffer.byteLength(body.text, 'utf8')
    case 'bytes':
      return body.data.length
    case 'stream':
      return body.stream.length
  }
}
