/**
 * Entra ID tokens for the REST layer: client secret (the guide's v1 `oauth2/token` with `resource`) or OpenID Connect
 * (a GitHub ID token exchanged at `oauth2/v2.0/token` as a client assertion). Tokens are cached per resource, refreshed
 * a few minutes before they expire, and concurrent callers share one request.
 */
import * as core from '@actions/core'
import type { Clock } from '../base/clock.js'
import { AuthenticationError } from '../base/errors.js'
import type { HttpClient, HttpResponse } from '../base/http-types.js'
import { assertSecureEndpoint, withTrailingSlash } from './clouds.js'
import { entraError } from './entra-errors.js'
import { readJwtClaims, stringClaim } from './jwt.js'
import { maskSecret } from './mask.js'
import type { AccessToken, AuthConfig, TokenProvider } from '../base/auth-types.js'

/** A cached token is reused while more than this remains (Entra tokens live 60–90 minutes). */
export const REFRESH_MARGIN_MS = 5 * 60_000

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'

export const ID_TOKEN_PERMISSION_MESSAGE =
  'OpenID Connect: the job cannot request a GitHub ID token (ACTIONS_ID_TOKEN_REQUEST_URL is not set). ' +
  'Add "permissions: id-token: write" to the workflow or job (pull requests from forks never get one), ' +
  'or authenticate with client-secret or creds instead.'

export interface TokenProviderDeps {
  http: HttpClient
  clock: Clock
  /** Defaults to `core.getIDToken`. Called once per exchange: a GitHub ID token is only valid about 5 minutes. */
  getIDToken?: (audience: string) => Promise<string>
}

interface CachedToken extends AccessToken {
  /** When the request was sent, for the refresh margin of short-lived tokens. */
  issuedAt: number
}

export function createTokenProvider(config: AuthConfig, deps: TokenProviderDeps): TokenProvider {
  // The secret travels to the authority host: the same https-or-loopback rule as for tokens.
  assertSecureEndpoint('authority-host', config.authorityHost)
  const secretForms = config.kind === 'secret' ? maskSecret(config.clientSecret) : []
  const cache = new Map<string, CachedToken>()
  const inFlight = new Map<string, Promise<CachedToken>>()

  const fetchToken = (resource: string): Promise<CachedToken> => {
    const existing = inFlight.get(resource)
    if (existing) return existing
    const pending = requestToken(config, deps, resource, secretForms)
      .then(token => {
        cache.set(resource, token)
        return token
      })
      .finally(() => {
        if (inFlight.get(resource) === pending) inFlight.delete(resource)
      })
    inFlight.set(resource, pending)
    return pending
  }

  return {
    async getToken(resource, options = {}) {
      const cached = cache.get(resource)
      if (!options.forceRefresh && cached && isFresh(cached, deps.clock.now())) return publicToken(cached)
      try {
        return publicToken(await fetchToken(resource))
      } catch (error) {
        // A transient failure (network, 5xx after the client's retries) while the old token still has time left:
        // keep working with it. Entra's refusals and forced refreshes (the old token was rejected) always fail.
        const now = deps.clock.now()
        if (
          !options.forceRefresh &&
          !(error instanceof AuthenticationError) &&
          cached &&
          cached.expiresOn - now > 60_000
        ) {
          core.debug(
            `Token refresh for ${resource} failed; reusing the current token, valid until ${iso(cached.expiresOn)}`
          )
          return publicToken(cached)
        }
        throw error
      }
    }
  }
}

/** Reused while more than REFRESH_MARGIN_MS remains, or half its lifetime for short-lived tokens (local emulators). */
function isFresh(token: CachedToken, now: number): boolean {
  const margin = Math.max(0, Math.min(REFRESH_MARGIN_MS, (token.expiresOn - token.issuedAt) / 2))
  return token.expiresOn - now > margin
}

function publicToken(token: CachedToken): AccessToken {
  return { token: token.token, expiresOn: token.expiresOn }
}

async function requestToken(
  config: AuthConfig,
  deps: TokenProviderDeps,
  resource: string,
  secretForms: string[]
): Promise<CachedToken> {
  const tenantPath = `${withTrailingSlash(config.authorityHost)}${encodeURIComponent(config.tenantId)}`
  let url: string
  let form: URLSearchParams
  let secrets: string[]
  let assertion: string | undefined
  if (config.kind === 'secret') {
    url = `${tenantPath}/oauth2/token`
    form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: config.clientId,
      client_secret: config.clientSecret,
      resource: v1Resource(resource)
    })
    secrets = secretForms
  } else {
    url = `${tenantPath}/oauth2/v2.0/token`
    assertion = await fetchIdToken(config.audience, deps)
    secrets = maskSecret(assertion)
    form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: config.clientId,
      scope: v2Scope(resource),
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: assertion
    })
  }

  // Never the body: it holds the secret or the assertion, form-encoded (a form the runner does not mask).
  core.debug(
    `Requesting an Entra token for ${resource} from ${url} (${config.kind === 'secret' ? 'client secret' : 'OpenID Connect'})`
  )
  const sentAt = deps.clock.now()
  const response = await deps.http.send({
    method: 'POST',
    url,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
    auth: { kind: 'none' },
    idempotent: true,
    readOnly: true,
    secrets,
    acceptStatus: [400, 401, 403]
  })
  if (response.dryRun) {
    throw new AuthenticationError(`The token request to ${url} was not sent (dry-run): no token is available.`)
  }
  if (response.status < 200 || response.status >= 300) {
    throw entraError({
      status: response.status,
      body: response.body,
      secrets,
      tenantId: config.tenantId,
      clientId: config.clientId,
      audience: config.kind === 'oidc' ? config.audience : undefined,
      subject: assertion ? stringClaim(assertion, 'sub') : undefined
    })
  }
  const token = parseTokenAnswer(response, url, sentAt)
  core.debug(`Token for ${resource} valid until ${iso(token.expiresOn)}`)
  return token
}

/** The GitHub ID token for `audience`, masked the moment it arrives. */
async function fetchIdToken(audience: string, deps: TokenProviderDeps): Promise<string> {
  const get = deps.getIDToken ?? ((aud: string) => core.getIDToken(aud))
  let idToken: string
  try {
    idToken = await get(audience)
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    // @actions/core throws "Unable to get ACTIONS_ID_TOKEN_REQUEST_URL env variable" without id-token: write.
    if (/ACTIONS_ID_TOKEN_REQUEST_(URL|TOKEN)/.test(message)) throw new AuthenticationError(ID_TOKEN_PERMISSION_MESSAGE)
    const line = message.split(/\r?\n/)[0].trim()
    throw new AuthenticationError(`OpenID Connect: could not get a GitHub ID token for audience '${audience}': ${line}`)
  }
  if (typeof idToken !== 'string' || idToken === '') {
    throw new AuthenticationError(`OpenID Connect: GitHub returned an empty ID token for audience '${audience}'.`)
  }
  maskSecret(idToken)
  return idToken
}

interface TokenAnswer {
  access_token?: unknown
  refresh_token?: unknown
  id_token?: unknown
  expires_on?: unknown
  expires_in?: unknown
}

function parseTokenAnswer(response: HttpResponse, url: string, sentAt: number): CachedToken {
  let answer: TokenAnswer
  try {
    answer = JSON.parse(response.body) as TokenAnswer
  } catch {
    // JSON.parse's message would quote the body, i.e. the token: word it ourselves.
    throw new AuthenticationError(
      `The token endpoint ${url} answered HTTP ${response.status} with a body that is not JSON.`
    )
  }
  if (
    typeof answer !== 'object' ||
    answer === null ||
    typeof answer.access_token !== 'string' ||
    !answer.access_token
  ) {
    throw new AuthenticationError(`The token endpoint ${url} answered HTTP ${response.status} without an access_token.`)
  }
  const token = answer.access_token
  maskSecret(token)
  for (const other of [answer.refresh_token, answer.id_token]) {
    if (typeof other === 'string' && other) maskSecret(other)
  }
  return { token, expiresOn: expiryOf(answer, token, sentAt), issuedAt: sentAt }
}

/**
 * Epoch ms. `expires_in` counts from when we sent the request, on our own clock; `expires_on` is Entra's clock. With
 * both, the earlier wins, so a runner clock that is off makes us refresh early, never late. Without either, the JWT's
 * `exp`; without that, "now" (the token is used once and never reused from the cache).
 */
function expiryOf(answer: TokenAnswer, token: string, sentAt: number): number {
  const candidates: number[] = []
  const expiresIn = toNumber(answer.expires_in)
  if (expiresIn !== undefined) candidates.push(sentAt + expiresIn * 1000)
  const expiresOn = toEpochMs(answer.expires_on)
  if (expiresOn !== undefined) candidates.push(expiresOn)
  if (candidates.length === 0) {
    const exp = readJwtClaims(token)?.exp
    if (typeof exp === 'number' && Number.isFinite(exp)) candidates.push(exp * 1000)
  }
  return candidates.length > 0 ? Math.min(...candidates) : sentAt
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value
  if (typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value)) return Number(value)
  return undefined
}

/** Epoch seconds (number or string, as v1 sends it), epoch ms, or a date string (as some managed identity hosts send). */
function toEpochMs(value: unknown): number | undefined {
  const n = toNumber(value)
  if (n !== undefined) return n > 1e12 ? n : n * 1000
  if (typeof value === 'string') {
    const parsed = Date.parse(value)
    if (Number.isFinite(parsed)) return parsed
  }
  return undefined
}

/** v1 takes the resource itself; accept a v2-style `.../.default` too. */
function v1Resource(resource: string): string {
  return resource.endsWith('/.default') ? resource.slice(0, -'.default'.length) : resource
}

/** v2 takes a scope: `https://management.azure.com/` → `https://management.azure.com/.default` (no double slash). */
function v2Scope(resource: string): string {
  return resource.endsWith('/.default') ? resource : `${resource.replace(/\/+$/, '')}/.default`
}

function iso(ms: number): string {
  return new Date(ms).toISOString()
}
