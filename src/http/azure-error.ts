/**
 * Turns a failed Azure response into one clear line: what was called, the status, the service's error code and message,
 * and the request id that Azure support asks for.
 */
import { STATUS_CODES } from 'node:http'
import { AzureRequestError } from '../action/errors.js'
import { maskKnownSecrets, oneLine, redactUrl } from './redact.js'

/** Longest service text kept in a message. */
const MAX_SERVICE_TEXT = 500
const MAX_DETAILS = 3

export interface ServiceError {
  code?: string
  message?: string
}

/**
 * Reads the error shapes Azure uses: ARM `{"error":{"code","message","details"}}` (with nested `innererror` codes on
 * the ML data plane), data-plane `{"code","message"}`, Entra `{"error","error_description"}`, HTML pages from gateways
 * (their title), and plain text. Everything returned is one line and truncated.
 */
export function parseServiceError(body: string): ServiceError {
  const text = body.replace(/^\uFEFF/, '').trim()
  if (!text) return {}
  if (text.startsWith('{')) {
    const parsed = tryParseObject(text)
    if (parsed) return fromJson(parsed)
  }
  if (/^<(!doctype|html|\?xml|head|body)/i.test(text)) {
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1]
    return { message: title ? oneLine(title, MAX_SERVICE_TEXT) : `(an HTML page of ${text.length} characters)` }
  }
  return { message: oneLine(text, MAX_SERVICE_TEXT) }
}

function fromJson(json: Record<string, unknown>): ServiceError {
  const error = json.error
  if (isObject(error)) {
    const codes = innerCodes(error)
    const details = Array.isArray(error.details) ? error.details.filter(isObject).slice(0, MAX_DETAILS) : []
    const detailText = details
      .map(detail => [str(detail.code), str(detail.message)].filter(Boolean).join(': '))
      .filter(Boolean)
      .join('; ')
    const message = [str(error.message) ?? str(error.Message), detailText ? `(details: ${detailText})` : undefined]
      .filter(Boolean)
      .join(' ')
    return clean({ code: codes.join('/') || undefined, message: message || undefined })
  }
  if (typeof error === 'string') {
    return clean({ code: error, message: str(json.error_description) })
  }
  const code = str(json.code) ?? str(json.Code)
  const message = str(json.message) ?? str(json.Message)
  if (code || message) return clean({ code, message })
  return Object.keys(json).length === 0 ? {} : { message: oneLine(JSON.stringify(json), MAX_SERVICE_TEXT) }
}

/** `UserError/NotFound`: the ML data plane puts the specific code in nested `innerError`s. */
function innerCodes(error: Record<string, unknown>): string[] {
  const codes: string[] = []
  for (let current: unknown = error, depth = 0; isObject(current) && depth < 5; depth++) {
    const code = str(current.code)
    if (code && !codes.includes(code)) codes.push(code)
    current = current.innererror ?? current.innerError
  }
  return codes
}

function clean(error: ServiceError): ServiceError {
  return {
    code: error.code ? oneLine(error.code, 100) : undefined,
    message: error.message ? oneLine(error.message, MAX_SERVICE_TEXT) : undefined
  }
}

export interface FailedExchange {
  method: string
  url: string
  status: number
  /** The reason phrase from the status line, if any. */
  statusText?: string
  headers: Record<string, string | undefined>
  body: string
  /** Secrets of this request, masked out of the message and body in every encoding. */
  secrets?: readonly string[]
}

/** The request id Azure support asks for; ARM also sends a correlation id, used when the request id is missing. */
export function requestIdOf(headers: Record<string, string | undefined>): { name: string; value: string } | undefined {
  for (const name of ['x-ms-request-id', 'x-ms-correlation-request-id', 'request-id']) {
    const value = headers[name]
    if (value) return { name, value: oneLine(value, 100) }
  }
  return undefined
}

/** `<METHOD> <url> failed: <status> <reason>: <code>: <message> (x-ms-request-id: <id>)`, one line. */
export function formatFailure(exchange: FailedExchange): string {
  const { code, message } = parseServiceError(exchange.body)
  const reason = oneLine(exchange.statusText || STATUS_CODES[exchange.status] || '', 100)
  const id = requestIdOf(exchange.headers)
  const parts = [
    `${exchange.method} ${redactUrl(exchange.url)} failed: ${exchange.status}${reason ? ` ${reason}` : ''}`
  ]
  if (code) parts.push(code)
  if (message && message !== code) parts.push(message)
  const line = parts.join(': ') + (id ? ` (${id.name}: ${id.value})` : '')
  return maskKnownSecrets(line, exchange.secrets ?? [])
}

export function toAzureRequestError(exchange: FailedExchange): AzureRequestError {
  const { code } = parseServiceError(exchange.body)
  return new AzureRequestError(
    formatFailure(exchange),
    exchange.status,
    code,
    requestIdOf(exchange.headers)?.value,
    maskKnownSecrets(exchange.body, exchange.secrets ?? [])
  )
}

/**
 * A 401 that says the token expired (ARM `ExpiredAuthenticationToken`, `InvalidAuthenticationToken` "...expired",
 * or an OAuth `invalid_token` challenge mentioning expiry): worth one forced token refresh.
 */
export function isExpiredTokenChallenge(status: number, headers: Record<string, string | undefined>, body: string) {
  if (status !== 401) return false
  const challenge = headers['www-authenticate'] ?? ''
  const { code, message } = parseServiceError(body)
  const text = `${challenge} ${code ?? ''} ${message ?? ''}`
  if (/ExpiredAuthenticationToken/i.test(text)) return true
  if (/InvalidAuthenticationToken/i.test(text) && /expired/i.test(text)) return true
  return /invalid_token/i.test(challenge) && /expired/i.test(challenge)
}

function tryParseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text)
    return isObject(value) ? value : undefined
  } catch {
    return undefined
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() ? value : typeof value === 'number' ? String(value) : undefined
}
