/**
 * Small HTTP helpers shared by the handlers: ids, error bodies in each service's own shape, body reading.
 */
import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { Reply, RequestContext } from './types.js'

export const guid = (): string => randomUUID()

export const iso = (ms: number = Date.now()): string => new Date(ms).toISOString()

/** A handler's answer, as opposed to the value a helper looked up (a Run also has a `status`, but a string one). */
export function isReply(v: unknown): v is Reply {
  return typeof v === 'object' && v !== null && typeof (v as { status?: unknown }).status === 'number'
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return { status, body, headers }
}

/** ARM's error envelope: `{"error": {"code", "message"}}`. */
export function armError(status: number, code: string, message: string, headers: Record<string, string> = {}): Reply {
  return { status, body: { error: { code, message } }, headers }
}

/** The data plane's ErrorResponse (runHistory/execution specs): a RootError plus correlation details. */
export function dpError(ctx: RequestContext, status: number, code: string, message: string, inner?: string): Reply {
  return {
    status,
    body: {
      error: { code, message, ...(inner ? { innerError: { code: inner } } : {}) },
      correlation: { operation: ctx.correlationId, request: ctx.requestId },
      environment: 'emulator',
      location: 'local',
      time: iso()
    }
  }
}

/** The model management service's own error shape (ModelErrorResponse: no `error` wrapper). */
export function modelError(status: number, code: string, message: string): Reply {
  return { status, body: { code, statusCode: status, message } }
}

/** Reads the whole body; rejects past `limit` bytes (a snapshot may be up to 300 MB). */
export function readBody(req: IncomingMessage, limit = 350 * 1024 * 1024): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > limit) {
        reject(new Error(`request body over ${limit} bytes`))
        req.destroy()
        return
      }
      chunks.push(c)
    })
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

export function contentType(ctx: { headers: RequestContext['headers'] }): string {
  return String(ctx.headers['content-type'] ?? '')
    .split(';')[0]
    .trim()
    .toLowerCase()
}

export function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms))
}

/** Entra's timestamp format: `2024-05-01 12:00:00Z`. */
export function entraTimestamp(ms: number = Date.now()): string {
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z')
}
