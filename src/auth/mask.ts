import * as core from '@actions/core'
import { isSecretQueryName, rememberSecret, secretForms } from '../http/redact.js'

/**
 * Registers `value` with the runner's log masking in every form a log can show it, and returns those forms (for
 * `HttpRequest.secrets`): the value, and each line of a multi-line value (a PEM key, a pasted JSON: the runner shows a
 * log line by line, so a whole multi-line value never matches), each raw, trimmed, JSON-escaped, URI-encoded
 * (`encodeURIComponent` and RFC 3986) and form-encoded (http/redact.ts `secretForms`). The runner masks base64, JSON-
 * and URI-escaped forms of a secret itself, but not form encoding (`~` → `%7E`, space → `+`), which is exactly how a
 * token request body carries a client secret; registering our own forms does not depend on the runner's encoders.
 */
export function maskSecret(value: string): string[] {
  const forms = [value, ...allLines(value)].flatMap(secretForms)
  rememberSecret(value)
  const unique = [...new Set(forms)]
  for (const form of unique) core.setSecret(form)
  return unique
}

/**
 * Every non-blank line of a multi-line value, as written and trimmed, however short: the runner masks each one it is
 * given (a short line masks some ordinary text too, which is the safe side). Empty for a one-line value.
 */
function allLines(value: string): string[] {
  if (!/[\r\n\u2028\u2029]/.test(value)) return []
  const lines = value.split(/\r\n|[\r\n\u2028\u2029]/).filter(line => line.trim() !== '')
  return [...new Set(lines.flatMap(line => [line, line.trim()]))]
}

/**
 * Registers a SAS URL with the runner's masking, in every form it can be printed: the whole URL, its query string
 * (with and without `?`), and each credential parameter's value (`sig`, ...), raw and URI-encoded.
 */
export function maskSasUrl(url: string): void {
  maskSecret(url)
  const queryStart = url.indexOf('?')
  if (queryStart < 0) return
  const query = url.slice(queryStart + 1).split('#')[0]
  if (query.length > 0) {
    maskSecret(query)
    maskSecret(`?${query}`)
  }
  for (const [name, value] of new URLSearchParams(query)) {
    if (isSecretQueryName(name) && value.length > 0) maskSecret(value)
  }
}
