/**
 * Redaction for everything the REST layer prints: URLs, headers, service text and known secrets.
 *
 * Workflow commands: the runner treats a line whose text (after leading spaces) starts with `::` as a command. Service
 * text only ever reaches our log lines through `oneLine`, which removes line breaks, so it is always embedded after our
 * own prefix (`HTTP GET ...`) and can never start a line. Multi-line service text (run logs) is not printed from here.
 */

export const MASK = '***'

/** Control characters and the Unicode line separators: anything that could break a log line. */
// eslint-disable-next-line no-control-regex
export const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f\u2028\u2029]/
const CONTROL_RUNS = new RegExp(`${CONTROL_CHARACTERS.source}+`, 'g')

/** Query parameters whose values are credentials: SAS `sig`, function `code`, keys, tokens, client secrets. */
const SECRET_QUERY_NAMES =
  /^(sig|code|key)$|secret|token|password|passwd|signature|assertion|credential|api[-_]?key|subscription[-_]?key|access[-_]?key|^sas/i

/** Headers whose values are credentials. `keep-alive` and `x-ms-request-id` stay readable. */
const SECRET_HEADER_NAMES =
  /authorization|cookie|secret|password|passwd|token|signature|credential|(^|[-_])(api[-_]?|access[-_]?|subscription[-_]?|functions[-_]?|account[-_]?)?key$/i

export function isSecretQueryName(name: string): boolean {
  return SECRET_QUERY_NAMES.test(name)
}

export function isSecretHeaderName(name: string): boolean {
  return SECRET_HEADER_NAMES.test(name)
}

/**
 * The URL with credential query values and user info replaced by `***`. Other parameters are kept byte for byte (no
 * re-encoding), so `$filter=a eq b` stays readable. A string that is not a URL is returned with its query masked.
 * With `allQueryValues`, every query value is masked (a URL the user gave, such as a scoring URI, whose query may
 * carry a key under a name no rule knows).
 */
export function redactUrl(url: string | URL, allQueryValues = false): string {
  const text = typeof url === 'string' ? url : url.href
  const withoutUserInfo = text.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#@]*@/i, `$1${MASK}@`)
  const queryStart = withoutUserInfo.indexOf('?')
  if (queryStart < 0) return withoutUserInfo
  const hashStart = withoutUserInfo.indexOf('#', queryStart)
  const end = hashStart < 0 ? withoutUserInfo.length : hashStart
  const query = withoutUserInfo
    .slice(queryStart + 1, end)
    .split('&')
    .map(pair => {
      const eq = pair.indexOf('=')
      if (eq < 0) return pair
      return allQueryValues || isSecretQueryName(safeDecode(pair.slice(0, eq))) ? `${pair.slice(0, eq)}=${MASK}` : pair
    })
    .join('&')
  return `${withoutUserInfo.slice(0, queryStart)}?${query}${withoutUserInfo.slice(end)}`
}

/**
 * A URL as it may be printed (log lines, messages, the job summary): `redactUrl`, then every known secret of the
 * request and of the step masked in each of its forms, so a secret in a path segment or under an unknown query name
 * never shows either.
 */
export function printableUrl(url: string | URL, secrets: readonly string[] = [], allQueryValues = false): string {
  return maskKnownSecrets(redactUrl(url, allQueryValues), secrets)
}

/**
 * Characters Node refuses in a header value (its `ERR_INVALID_CHAR` check, lib/_http_common.js: anything but tab,
 * 0x20-0x7E and 0x80-0xFF): line breaks, other control characters and anything above U+00FF.
 */
const INVALID_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/

/** What makes `value` unusable in an HTTP header, in words ('a line break', 'a control character'), or undefined. */
export function headerValueProblem(value: string): string | undefined {
  const bad = INVALID_HEADER_VALUE.exec(value)?.[0]
  if (bad === undefined) return undefined
  if (/[\r\n\u2028\u2029]/.test(value)) return 'a line break'
  return bad.charCodeAt(0) < 0x20 || bad === '\u007f'
    ? 'a control character'
    : `a character outside Latin-1 (U+${bad.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')})`
}

/** Headers with credential values replaced; `Authorization` keeps its scheme (`Bearer ***`) so logs stay useful. */
export function redactHeaders(headers: Record<string, string | string[] | number | undefined>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, raw] of Object.entries(headers)) {
    if (raw === undefined) continue
    const value = Array.isArray(raw) ? raw.join(', ') : String(raw)
    if (!isSecretHeaderName(name)) {
      out[name] = value
    } else if (/authorization/i.test(name)) {
      const scheme = /^(Bearer|Basic|SharedKey|SharedAccessSignature|Key)\s/i.exec(value)
      out[name] = scheme ? `${scheme[1]} ${MASK}` : MASK
    } else {
      out[name] = MASK
    }
  }
  return out
}

/**
 * Every form in which a secret can appear in text we print: raw, JSON-escaped (`JSON.stringify`), URI-encoded
 * (`encodeURIComponent`, and the RFC 3986 form that also escapes `!'()*`, as .NET's `Uri.EscapeDataString` and the
 * runner's own masker give it) and form-encoded (`URLSearchParams`: space `+`, `~` `%7E`).
 */
export function secretForms(secret: string): string[] {
  const forms = new Set<string>([
    secret,
    JSON.stringify(secret).slice(1, -1),
    encodeURIComponent(secret),
    strictUriEncoded(secret),
    formEncoded(secret)
  ])
  return [...forms].filter(form => form.length > 0)
}

/** RFC 3986 percent-encoding: `encodeURIComponent` plus `!'()*`. */
export function strictUriEncoded(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, c => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

/** application/x-www-form-urlencoded, as in a token request (space `+`, `~` `%7E`): the runner does not mask this form. */
export function formEncoded(text: string): string {
  return new URLSearchParams({ s: text }).toString().slice(2)
}

/**
 * Every secret of this step (secret inputs, credentials, tokens, keys), remembered the moment it is masked: service
 * text can echo a secret that the request it answers never carried (an error quoting a client secret back), so
 * every error line, output and the job summary are masked with all of them, not only the request's own.
 */
const stepSecrets = new Set<string>()
/** Shorter values would mask ordinary words; the runner still masks them in the log. */
const MIN_REMEMBERED_LENGTH = 4

export function rememberSecret(secret: string): void {
  for (const part of [secret, ...secretLines(secret)]) {
    if (part.trim().length >= MIN_REMEMBERED_LENGTH) stepSecrets.add(part)
  }
}

/**
 * The lines of a multi-line secret (a PEM key, a pasted JSON): a log shows text line by line, and `oneLine` turns
 * the breaks into spaces, so the whole value never matches; each line is masked on its own too.
 */
export function secretLines(secret: string): string[] {
  if (!/[\r\n]/.test(secret)) return []
  return secret.split(/\r\n|\r|\n/).filter(line => line.trim().length >= MIN_REMEMBERED_LENGTH)
}

/** Replaces each secret of this step (see rememberSecret) in each of its forms with `***`. */
export function maskStepSecrets(text: string): string {
  return maskKnownSecrets(text, [])
}

/**
 * Replaces each known secret (in each of its forms), and each secret of the step, with `***`. Longest first, so a
 * secret inside another is covered.
 */
export function maskKnownSecrets(text: string, secrets: readonly string[]): string {
  const forms = [...secrets, ...stepSecrets]
    .filter(secret => secret.length > 0)
    .flatMap(secretForms)
    .sort((a, b) => b.length - a.length)
  let masked = text
  for (const form of forms) masked = masked.split(form).join(MASK)
  return masked
}

/**
 * Service text made safe to embed in one log line or error message: control characters and line breaks become spaces
 * (so it cannot start a line, hence cannot be a workflow command), runs of spaces collapse, long text is truncated.
 */
export function oneLine(text: string, maxLength = 500): string {
  const flat = text
    .replace(CONTROL_RUNS, ' ')
    .replace(/\s{2,}/g, ' ')
    .trim()
  return flat.length > maxLength ? `${flat.slice(0, maxLength)}… [${flat.length - maxLength} more characters]` : flat
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '))
  } catch {
    return text
  }
}
