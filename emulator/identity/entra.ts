/**
 * Entra ID: the v1 (`/{tenant}/oauth2/token`, `resource`) and v2 (`/{tenant}/oauth2/v2.0/token`, `scope`) token
 * endpoints with a client secret or a client assertion (an ID token of the emulator's OIDC issuer, matched against the
 * app's federated credential), errors as Entra words them, the v2 metadata documents
 * (`/{tenant}/v2.0/.well-known/openid-configuration`, `/{tenant}/discovery/v2.0/keys`), and the bearer check every ARM
 * and data-plane route makes (`authenticate`). No vendored spec: it follows the Microsoft identity platform's documented
 * OAuth 2.0 client-credentials protocol and AADSTS error codes (operation ids `Entra_Token`, `Entra_TokenV2`,
 * `Entra_Metadata`, `Entra_Keys`).
 */
import { randomUUID } from 'node:crypto'
import type { Core, TokenInfo } from '../core/context.js'
import { armError, contentType, entraTimestamp } from '../core/http.js'
import { route, type EmulatorModule } from '../core/routes.js'
import type { Reply, RequestContext } from '../core/types.js'
import { decodeJwt, jwk, signJwt, verifyJwtSignature } from './jwt.js'

export const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
export const TOKEN_EXCHANGE_AUDIENCES = [
  'api://AzureADTokenExchange',
  'api://AzureADTokenExchangeUSGov',
  'api://AzureADTokenExchangeChina'
]

/** Audiences ARM and the Azure ML data plane accept (compared without a trailing slash). */
function acceptedAudiences(core: Core): string[] {
  return [
    'https://management.azure.com',
    'https://management.core.windows.net',
    'https://management.usgovcloudapi.net',
    'https://management.core.usgovcloudapi.net',
    'https://management.chinacloudapi.cn',
    'https://management.core.chinacloudapi.cn',
    'https://ml.azure.com',
    core.url,
    core.apiUrl
  ]
}

const trimSlash = (s: string): string => s.replace(/\/+$/, '').toLowerCase()

interface EntraErrorSpec {
  status: number
  error: string
  code: number
  description: string
}

function entraError(core: Core, e: EntraErrorSpec): Reply {
  const trace = randomUUID()
  const correlation = randomUUID()
  const timestamp = entraTimestamp()
  return {
    status: e.status,
    body: {
      error: e.error,
      error_description:
        `AADSTS${e.code}: ${e.description} Trace ID: ${trace} Correlation ID: ${correlation} ` +
        `Timestamp: ${timestamp}`,
      error_codes: [e.code],
      timestamp,
      trace_id: trace,
      correlation_id: correlation,
      error_uri: `${core.url}/error?code=${e.code}`
    }
  }
}

interface Client {
  clientId: string
  secret?: string
  federated?: { issuer: string; subject: string; audiences: string[] }
}

function clients(core: Core): Client[] {
  return [
    { clientId: core.seed.clientId, secret: core.seed.clientSecret },
    {
      clientId: core.seed.oidcClientId,
      federated: { issuer: core.seed.oidcIssuer, subject: core.seed.oidcSubject, audiences: TOKEN_EXCHANGE_AUDIENCES }
    }
  ]
}

/** POST /{tenant}/oauth2/token and /{tenant}/oauth2/v2.0/token. */
export function tokenEndpoint(version: 'v1' | 'v2') {
  return (core: Core, ctx: RequestContext): Reply => {
    const tenant = ctx.params.tenant
    const form = contentType(ctx) === 'application/x-www-form-urlencoded' ? ctx.body.toString('utf8') : ''
    const f = new URLSearchParams(form)
    const missing = (name: string): Reply =>
      entraError(core, {
        status: 400,
        error: 'invalid_request',
        code: 900144,
        description: `The request body must contain the following parameter: '${name}'.`
      })
    if (tenant.toLowerCase() !== core.seed.tenantId.toLowerCase()) {
      return entraError(core, {
        status: 400,
        error: 'invalid_request',
        code: 90002,
        description:
          `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into ` +
          'the correct cloud. Check with your subscription administrator, this may happen if there are no active ' +
          'subscriptions for the tenant.'
      })
    }
    const grant = f.get('grant_type')
    if (!grant) return missing('grant_type')
    if (grant !== 'client_credentials') {
      return entraError(core, {
        status: 400,
        error: 'unsupported_grant_type',
        code: 70003,
        description: `The app requested an unsupported grant type '${grant}'.`
      })
    }
    const clientId = f.get('client_id')
    if (!clientId) return missing('client_id')
    let resource: string
    if (version === 'v1') {
      const r = f.get('resource')
      if (!r) return missing('resource')
      resource = r
    } else {
      const scope = f.get('scope')
      if (!scope) return missing('scope')
      if (!scope.endsWith('/.default') || scope.trim().includes(' ')) {
        return entraError(core, {
          status: 400,
          error: 'invalid_scope',
          code: 1002012,
          description:
            `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value ` +
            'with /.default suffixed to the resource identifier (application ID URI).'
        })
      }
      resource = scope.slice(0, -'.default'.length)
    }
    const client = clients(core).find(c => c.clientId.toLowerCase() === clientId.toLowerCase())
    if (!client) {
      return entraError(core, {
        status: 400,
        error: 'unauthorized_client',
        code: 700016,
        description:
          `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if ` +
          'the application has not been installed by the administrator of the tenant or consented to by any user ' +
          'in the tenant. You may have sent your authentication request to the wrong tenant.'
      })
    }
    const secret = f.get('client_secret')
    const assertion = f.get('client_assertion')
    if (secret !== null) {
      if (!client.secret || secret !== client.secret) {
        return entraError(core, {
          status: 401,
          error: 'invalid_client',
          code: 7000215,
          description:
            "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '" +
            `${client.clientId}'.`
        })
      }
    } else if (assertion !== null) {
      const bad = checkAssertion(core, client, f.get('client_assertion_type'), assertion)
      if (bad) return bad
    } else {
      return entraError(core, {
        status: 401,
        error: 'invalid_client',
        code: 7000218,
        description: "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."
      })
    }
    return issueToken(core, ctx, client.clientId, resource, version)
  }
}

function checkAssertion(core: Core, client: Client, type: string | null, assertion: string): Reply | undefined {
  if (type !== ASSERTION_TYPE) {
    return entraError(core, {
      status: 400,
      error: 'invalid_request',
      code: 7000216,
      description: `'client_assertion_type' must be '${ASSERTION_TYPE}'.`
    })
  }
  const jwt = decodeJwt(assertion)
  if (!jwt) {
    return entraError(core, {
      status: 400,
      error: 'invalid_request',
      code: 50027,
      description: 'JWT token is invalid or malformed.'
    })
  }
  const c = jwt.claims
  const now = Math.floor(Date.now() / 1000)
  const exp = typeof c.exp === 'number' ? c.exp : 0
  const nbf = typeof c.nbf === 'number' ? c.nbf : 0
  // Entra allows five minutes of clock skew; the emulator allows none, so an expired assertion is noticed at once.
  if (now >= exp || now < nbf) {
    const at = (s: number): string => new Date(s * 1000).toISOString()
    return entraError(core, {
      status: 400,
      error: 'invalid_client',
      code: 700024,
      description:
        `Client assertion is not within its valid time range. Current time: ${at(now)}, assertion valid from ` +
        `${at(nbf)}, expiry time of assertion ${at(exp)}. Review the documentation at ` +
        'https://learn.microsoft.com/entra/identity-platform/certificate-credentials .'
    })
  }
  const aud = Array.isArray(c.aud) ? c.aud.map(String) : [String(c.aud)]
  const fic = client.federated
  const matches =
    fic !== undefined && c.iss === fic.issuer && c.sub === fic.subject && aud.some(a => fic.audiences.includes(a))
  if (!matches) {
    return entraError(core, {
      status: 400,
      error: 'invalid_request',
      code: 70021,
      description:
        `No matching federated identity record found for presented assertion. Assertion Issuer: '${String(c.iss)}'. ` +
        `Assertion Subject: '${String(c.sub)}'. Assertion Audience: '${aud.join(', ')}'. ` +
        'https://docs.microsoft.com/azure/active-directory/develop/workload-identity-federation'
    })
  }
  if (!verifyJwtSignature(jwt, core.keys.oidc)) {
    return entraError(core, {
      status: 401,
      error: 'invalid_client',
      code: 700027,
      description: 'Client assertion failed signature validation.'
    })
  }
  return undefined
}

function issueToken(core: Core, ctx: RequestContext, clientId: string, resource: string, version: 'v1' | 'v2'): Reply {
  const now = Math.floor(Date.now() / 1000)
  const real = ctx.scenario.tokenLifetimeSeconds ?? core.config.tokenLifetimeSeconds
  const advertised = ctx.scenario.tokenLifetimeSeconds
    ? (ctx.scenario.advertisedLifetimeSeconds ?? core.config.tokenLifetimeSeconds)
    : real
  const tenant = core.seed.tenantId
  const accessToken = signJwt(
    {
      aud: resource,
      iss: `https://sts.windows.net/${tenant}/`,
      iat: now,
      nbf: now,
      exp: now + real,
      appid: clientId,
      appidacr: '1',
      idp: `https://sts.windows.net/${tenant}/`,
      oid: clientId,
      sub: clientId,
      tid: tenant,
      ver: version === 'v1' ? '1.0' : '2.0',
      jti: randomUUID()
    },
    core.keys.entra
  )
  // Expiry in milliseconds from the moment of issue: a 1-second token lives a full second, whatever the clock's phase.
  const issuedMs = Date.now()
  core.tokens.add(accessToken, {
    clientId,
    tenantId: tenant,
    audience: resource,
    issuedAt: issuedMs,
    expiresAt: issuedMs + real * 1000
  })
  if (version === 'v1') {
    return {
      status: 200,
      body: {
        token_type: 'Bearer',
        expires_in: String(advertised),
        ext_expires_in: String(advertised),
        expires_on: String(now + advertised),
        not_before: String(now),
        resource,
        access_token: accessToken
      }
    }
  }
  return {
    status: 200,
    body: { token_type: 'Bearer', expires_in: advertised, ext_expires_in: advertised, access_token: accessToken }
  }
}

/** The bearer token of the request, or why it is refused (ARM's 401 answers, with WWW-Authenticate). */
export function authenticate(core: Core, ctx: RequestContext): TokenInfo | Reply {
  const header = ctx.headers.authorization
  const authority = `${core.url}/${core.seed.tenantId}`
  const refuse = (code: string, message: string, description: string): Reply =>
    armError(401, code, message, {
      'WWW-Authenticate': `Bearer authorization_uri="${authority}", error="invalid_token", error_description="${description}"`
    })
  if (!header) {
    return refuse(
      'AuthenticationFailed',
      "Authentication failed. The 'Authorization' header is missing.",
      "The authentication failed because of missing 'Authorization' header."
    )
  }
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header)
  if (!m) {
    return refuse(
      'AuthenticationFailed',
      "Authentication failed. The 'Authorization' header is provided in an invalid format.",
      "The 'Authorization' header is provided in an invalid format."
    )
  }
  const info = core.tokens.get(m[1])
  if (!info) return refuse('InvalidAuthenticationToken', 'The access token is invalid.', 'The access token is invalid.')
  const now = Date.now()
  if (now >= info.expiresAt) {
    const msg =
      `The access token expiry UTC time '${new Date(info.expiresAt).toISOString()}' is earlier than current UTC ` +
      `time '${new Date(now).toISOString()}'.`
    return refuse('ExpiredAuthenticationToken', msg, 'The access token has expired.')
  }
  const audiences = acceptedAudiences(core).map(trimSlash)
  if (!audiences.includes(trimSlash(info.audience))) {
    return refuse(
      'InvalidAuthenticationTokenAudience',
      `The access token has been obtained for wrong audience or resource '${info.audience}'. It should exactly match ` +
        `with one of the allowed audiences '${acceptedAudiences(core).join("','")}'.`,
      'The access token has been obtained for wrong audience or resource.'
    )
  }
  return info
}

/** Entra's v2 metadata, for SDKs that discover the token endpoint. */
export function entraConfiguration(core: Core, ctx: RequestContext): Reply {
  const base = `${core.url}/${ctx.params.tenant}`
  return {
    status: 200,
    body: {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${core.url}/${ctx.params.tenant}/discovery/v2.0/keys`,
      issuer: `${core.url}/${core.seed.tenantId}/v2.0`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      tenant_region_scope: 'NA',
      cloud_instance_name: 'emulator'
    }
  }
}

export function entraKeys(core: Core): Reply {
  return { status: 200, body: { keys: [jwk(core.keys.entra)] } }
}

export const entraModule: EmulatorModule = {
  name: 'entra',
  routes: [
    route('arm', 'POST', '/{tenant}/oauth2/token', 'Entra_Token', tokenEndpoint('v1'), 'none'),
    route('arm', 'POST', '/{tenant}/oauth2/v2.0/token', 'Entra_TokenV2', tokenEndpoint('v2'), 'none'),
    route(
      'arm',
      'GET',
      '/{tenant}/v2.0/.well-known/openid-configuration',
      'Entra_Metadata',
      entraConfiguration,
      'none'
    ),
    route('arm', 'GET', '/{tenant}/discovery/v2.0/keys', 'Entra_Keys', entraKeys, 'none')
  ]
}
