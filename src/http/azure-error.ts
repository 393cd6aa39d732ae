/**
 * Turns a failed Azure response into one clear line: what was called, the status, the service's error code and message,
 * and the request id that Azure support asks for.
 */
import { STATUS_CODES } from 'node:http'
import { AzureRequestError } from '../base/errors.js'
import { maskKnownSecrets, oneLine, redactUrl } from './redact.js'

/** Longest service message kept in a one-line error, in characters. */
const MAX_SERVICE_TEXT = 500
/** Longest message of each listed error or detail, in characters: long enough to read, short enough to scan. */
export const MAX_ERROR_ENTRY_TEXT = 300
/** At most this many errors (and this many details under each) are listed; the rest are counted. */
export const MAX_ERRORS_LISTED = 10
/** Longest whole message of a parsed error (the message plus its listed details), in characters. */
const MAX_PARSED_TEXT = 4_000

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
    const details = errorEntry(error)?.details ?? []
    const detailText = details.length > 0 ? listEntries(details) : undefined
    const own = str(error.message) ?? str(error.Message)
    const message = [own ? oneLine(own, MAX_SERVICE_TEXT) : undefined, detailText ? `(details: ${detailText})` : '']
      .filter(Boolean)
      .join(' ')
    return {
      code: codes.length > 0 ? oneLine(codes.join('/'), 100) : undefined,
      message: message ? oneLine(message, MAX_PARSED_TEXT) : undefined
    }
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

/**
 * One error of an Azure answer, as ARM's ErrorResponse / ErrorDetail define it (`code`, `message`, `details[]`,
 * recursively: Azure Resource Manager's "Common API details", error response content), with the message kept whole:
 * cutting to a readable length happens when it is formatted.
 */
export interface ServiceErrorEntry {
  code?: string
  message?: string
  details?: ServiceErrorEntry[]
}

/** Reads an ARM error object (`{code, message, details}`; `Code`/`Message` too) into an entry; nested up to 3 levels. */
export function errorEntry(value: unknown, depth = 0): ServiceErrorEntry | undefined {
  if (!isObject(value)) return undefined
  const code = str(value.code) ?? str(value.Code)
  const message = str(value.message) ?? str(value.Message)
  const details =
    depth < 3 && Array.isArray(value.details)
      ? value.details.map(detail => errorEntry(detail, depth + 1)).filter((d): d is ServiceErrorEntry => !!d)
      : []
  if (!code && !message && details.length === 0) return undefined
  return { code, message, ...(details.length > 0 ? { details } : {}) }
}

/**
 * Every error an ARM answer or resource carries, in order: `error` (an operation status or an ErrorResponse),
 * `properties.error`, and each `properties.provisioningErrors[].error` (AmlCompute reports failed provisioning there:
 * the Machine Learning Services 2019-11-01 spec, `Compute.provisioningErrors`). Duplicates (same code and message) are
 * listed once.
 */
export function collectServiceErrors(body: unknown): ServiceErrorEntry[] {
  if (!isObject(body)) return []
  const properties = isObject(body.properties) ? body.properties : {}
  const candidates: unknown[] = [body.error, properties.error]
  if (Array.isArray(properties.provisioningErrors)) {
    for (const item of properties.provisioningErrors)
      candidates.push(isObject(item) && 'error' in item ? item.error : item)
  }
  const out: ServiceErrorEntry[] = []
  for (const candidate of candidates) {
    const entry = errorEntry(candidate)
    if (entry && !out.some(e => sameError(e, entry))) out.push(entry)
  }
  return out
}

function sameError(a: ServiceErrorEntry, b: ServiceErrorEntry): boolean {
  return a.code === b.code && a.message === b.message
}

/**
 * Errors for a one-line message a person reads: one error as `Code: message [details: Code: message; …]`, several as
 * `2 errors: (1) …; (2) …`. Each message is cut to MAX_ERROR_ENTRY_TEXT characters (the cut says how much was left
 * out), at most MAX_ERRORS_LISTED errors and details are listed, and line breaks are flattened. The whole text stays in
 * the `response` output and the debug log.
 */
export function formatServiceErrors(errors: readonly ServiceErrorEntry[]): string {
  if (errors.length === 0) return 'no error details given'
  if (errors.length === 1) return formatEntry(errors[0])
  const listed = errors.slice(0, MAX_ERRORS_LISTED).map((error, i) => `(${i + 1}) ${formatEntry(error)}`)
  const more = errors.length > MAX_ERRORS_LISTED ? `; and ${errors.length - MAX_ERRORS_LISTED} more` : ''
  return `${errors.length} errors: ${listed.join('; ')}${more}`
}

/** True when `errors` already says everything `other` does (the same code and message, and as many details). */
export function mentionsAll(errors: readonly ServiceErrorEntry[], other: readonly ServiceErrorEntry[]): boolean {
  return other.every(entry =>
    errors.some(e => sameError(e, entry) && (e.details?.length ?? 0) >= (entry.details?.length ?? 0))
  )
}

function formatEntry(entry: ServiceErrorEntry): string {
  const head = [
    entry.code ? oneLine(entry.code, 100) : undefined,
    entry.message ? oneLine(entry.message, MAX_ERROR_ENTRY_TEXT) : undefined
  ]
    .filter(Boolean)
    .join(': ')
  const details = entry.details && entry.details.length > 0 ? ` [details: ${listEntries(entry.details)}]` : ''
  return `${head || 'Error'}${details}`
}

function listEntries(entries: readonly ServiceErrorEntry[]): string {
  const listed = entries.slice(0, MAX_ERRORS_LISTED).map(formatEntry)
  const more = entries.length > MAX_ERRORS_LISTED ? `; and ${entries.length - MAX_ERRORS_LISTED} more` : ''
  return listed.join('; ') + more
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

/**
 * What an Azure ML online endpoint says about its model's own failure: a `424` (and at times another status) carries
 * the scoring container's status and reason in `ms-azureml-model-error-statuscode` and
 * `ms-azureml-model-error-reason` (Microsoft Learn, "Troubleshoot online endpoint deployment and scoring", HTTP status
 * codes: "424 Model Error ... check response headers ms-azureml-model-error-statuscode and
 * ms-azureml-model-error-reason"). Returns `the model answered 500 (model_error)`, or undefined when neither is there.
 */
export function modelErrorOf(headers: Record<string, string | undefined>): string | undefined {
  const status = headers['ms-azureml-model-error-statuscode']?.trim()
  const reason = headers['ms-azureml-model-error-reason']?.trim()
  if (!status && !reason) return undefined
  const said = status ? `answered ${oneLine(status, 20)}` : 'failed'
  return `the model ${said}${reason ? ` (${oneLine(reason, 200)})` : ''}`
}

/**
 * `<METHOD> <url> failed: <status> <reason>: <model error>: <code>: <message> (x-ms-request-id: <id>)`, one line;
 * the model error only from a scoring endpoint that sends it (modelErrorOf).
 */
export function formatFailure(exchange: FailedExchange): string {
  const { code, message } = parseServiceError(exchange.body)
  const reason = oneLine(exchange.statusText || STATUS_CODES[exchange.status] || '', 100)
  const id = requestIdOf(exchange.headers)
  const parts = [
    `${exchange.method} ${redactUrl(exchange.url)} failed: ${exchange.status}${reason ? ` ${reason}` : ''}`
  ]
  const modelError = modelErrorOf(exchange.headers)
  if (modelError) parts.push(modelError)
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
