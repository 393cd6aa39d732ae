/**
 * Entra ID's refusals (400/401/403 from the token endpoint) → one line with the AADSTS code and what to do about it.
 * These are answers about the credential, not transient faults: they are never retried.
 */
import { AuthenticationError } from '../base/errors.js'
import { maskKnownSecrets } from '../http/redact.js'

export interface EntraErrorContext {
  status: number
  /** The response body as received. */
  body: string
  /** Every form of every secret sent (client secret, ID token): removed from anything quoted from the body. */
  secrets: readonly string[]
  tenantId: string
  clientId: string
  /** OpenID Connect: the audience the ID token was requested for, and its `sub` claim, for the federated-credential hint. */
  audience?: string
  subject?: string
}

interface EntraErrorBody {
  error?: unknown
  error_description?: unknown
  error_codes?: unknown
  trace_id?: unknown
}

const FEDERATED_HINT = (ctx: EntraErrorContext): string =>
  `no federated identity credential on app ${ctx.clientId} matches this workflow's ID token` +
  (ctx.subject ? ` (subject '${ctx.subject}'${ctx.audience ? `, audience '${ctx.audience}'` : ''})` : '') +
  '; add a federated credential for this repo/branch/environment with the subject claim ' +
  'repo:OWNER/REPO:ref:refs/heads/BRANCH (or repo:OWNER/REPO:environment:NAME, repo:OWNER/REPO:pull_request)' +
  (ctx.audience ? ` and audience ${ctx.audience}` : '')

/** Hints by AADSTS code (the number only). */
const HINTS: Record<string, (ctx: EntraErrorContext) => string> = {
  '7000215': () =>
    "the client secret is wrong or expired; create a new one with az ad sp credential reset (and use the secret's value, not its id)",
  '7000222': ctx =>
    `the client secret has expired; create a new one with az ad sp credential reset --id ${ctx.clientId} and update the stored secret`,
  '700016': ctx =>
    `application ${ctx.clientId} was not found in tenant ${ctx.tenantId}: check client-id and tenant-id (and the cloud)`,
  '90002': ctx => `tenant ${ctx.tenantId} was not found: check tenant-id and the cloud / authority-host`,
  '700024': () =>
    'the client assertion (the GitHub ID token) was too old or not yet valid when Entra received it; ' +
    "ID tokens live about 5 minutes and a fresh one is requested for each exchange: rerun, and check the runner's clock",
  '70021': FEDERATED_HINT,
  '700213': FEDERATED_HINT,
  '500011': () => 'the resource is not known in this tenant: check the resource input and arm-endpoint for this cloud'
}

export function entraError(ctx: EntraErrorContext): AuthenticationError {
  const answer = parseBody(ctx.body)
  const description = typeof answer?.error_description === 'string' ? answer.error_description : ''
  const number = /AADSTS(\d+)/.exec(description)?.[1] ?? firstErrorCode(answer)
  const code = number ? `AADSTS${number}` : undefined
  const traceId = typeof answer?.trace_id === 'string' ? answer.trace_id : /Trace ID: ([\w-]+)/.exec(description)?.[1]

  const hint = number ? HINTS[number] : undefined
  let what: string
  if (description) {
    // Line one is the message; the rest is "Trace ID / Correlation ID / Timestamp" boilerplate. A known code gets only
    // its first sentence, as the hint says the rest better.
    const line = stripCode(description.split(/\r?\n/)[0])
    what = hint ? firstSentence(line) : line
  } else if (typeof answer?.error === 'string') {
    what = answer.error
  } else {
    what = answer ? 'no error description' : 'the answer was not JSON'
  }

  const parts = [`Entra ID did not issue a token (HTTP ${ctx.status}${code ? `, ${code}` : ''}): ${what}`]
  if (hint) parts.push(`Hint: ${hint(ctx)}.`)
  if (traceId) parts.push(`(Trace ID: ${traceId})`)
  const message = maskKnownSecrets(parts.join(' '), ctx.secrets).replace(/\s+/g, ' ').trim()
  return new AuthenticationError(message, code)
}

function parseBody(body: string): EntraErrorBody | undefined {
  try {
    const parsed: unknown = JSON.parse(body)
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as EntraErrorBody)
      : undefined
  } catch {
    return undefined
  }
}

function firstErrorCode(answer: EntraErrorBody | undefined): string | undefined {
  const codes = answer?.error_codes
  if (!Array.isArray(codes) || codes.length === 0) return undefined
  const first: unknown = codes[0]
  return typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first)) ? String(first) : undefined
}

/** "AADSTS7000215: Invalid client secret provided." → "Invalid client secret provided." (the code is shown once). */
function stripCode(line: string): string {
  return line.replace(/^\s*AADSTS\d+:\s*/, '').trim()
}

/** Up to the first full stop followed by a space, so periods inside names and hosts (`contoso.onmicrosoft.com`) stay. */
function firstSentence(text: string): string {
  const match = /^.*?[.!?](?=\s|$)/.exec(text)
  return match ? match[0] : text
}
