/**
 * Redirects, followed by us rather than by @actions/http-client, because that client (4.0.1) only strips
 * `Authorization` when the hostname changes (not the port), only from per-call headers, keeps the method and body on a
 * 303, and throws on a relative `Location`. The rules here follow the Fetch standard, stricter on credentials: once a
 * redirect leaves the origin (scheme, host and port) of the request, every credential header is dropped for good.
 */
import { isSecretHeaderName } from './redact.js'
import type { HttpMethod } from '../base/http-types.js'

export const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])
export const MAX_REDIRECTS = 10

export interface RedirectPlan {
  url: URL
  method: HttpMethod
  /** False when the redirect turns the request into a GET (303, or 301/302 after a POST). */
  keepBody: boolean
  /** True when the target is another origin: credential headers must not follow. */
  dropCredentials: boolean
}

/** Where a 3xx answer sends the request next, or undefined when it is not a redirect to follow. Throws when refused. */
export function planRedirect(
  from: URL,
  status: number,
  location: string | undefined,
  method: HttpMethod
): RedirectPlan | undefined {
  if (!REDIRECT_STATUSES.has(status) || !location) return undefined
  let url: URL
  try {
    url = new URL(location, from)
  } catch {
    throw new Error(`The server redirected (${status}) to an invalid URL`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new Error(`The server redirected (${status}) to an unsupported scheme '${url.protocol}'`)
  }
  if (from.protocol === 'https:' && url.protocol === 'http:') {
    throw new Error(`Refusing a redirect (${status}) from https to plain http (${url.host})`)
  }
  const becomesGet = (status === 303 && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST')
  return {
    url,
    method: becomesGet ? 'GET' : method,
    keepBody: !becomesGet,
    dropCredentials: url.origin !== from.origin
  }
}

/** The headers without `Authorization`, cookies, keys or any other credential header. */
export function withoutCredentials(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !isSecretHeaderName(name)))
}

/** The headers without those that describe a body (after a redirect turned the request into a GET). */
export function withoutBodyHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !/^content-/i.test(name)))
}
