/**
 * A GitHub-Actions-style OIDC issuer (`{url}/oidc`): the ID-token request endpoint that `@actions/core`'s
 * `getIDToken(audience)` calls (ACTIONS_ID_TOKEN_REQUEST_URL + `&audience=...`, with ACTIONS_ID_TOKEN_REQUEST_TOKEN as
 * bearer, answer `{"value": "<jwt>"}`), its discovery document and its keys (`Oidc_IdToken`, `Oidc_Metadata`,
 * `Oidc_Keys`; no vendored spec: it follows GitHub's OIDC token endpoint and OpenID Connect Discovery).
 *
 * Emulator-only query parameters on the ID-token endpoint, for tests of the failure paths: `subject=...` (a `sub` the
 * federated credential does not know → AADSTS70021) and `lifetime=<seconds>` (negative → an expired assertion →
 * AADSTS700024).
 */
import { randomUUID, timingSafeEqual } from 'node:crypto'
import type { Core } from '../core/context.js'
import { route, type EmulatorModule } from '../core/routes.js'
import type { Reply, RequestContext } from '../core/types.js'
import { jwk, signJwt } from './jwt.js'

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

export function idTokenEndpoint(core: Core, ctx: RequestContext): Reply {
  const m = /^Bearer\s+(\S+)$/i.exec(String(ctx.headers.authorization ?? ''))
  if (!m || !sameSecret(m[1], core.seed.oidcRequestToken)) {
    return { status: 401, body: { message: 'Unauthorized: the ID token request token is missing or wrong.' } }
  }
  const now = Math.floor(Date.now() / 1000)
  const lifetime = ctx.query.lifetime !== undefined ? Number(ctx.query.lifetime) : core.config.idTokenLifetimeSeconds
  if (!Number.isFinite(lifetime)) return { status: 400, body: { message: 'lifetime must be a number of seconds' } }
  const [owner, repo] = (/^repo:([^/]+)\/([^:]+)/.exec(core.seed.oidcSubject) ?? [undefined, 'octo-org', 'octo-repo'])
    .slice(1)
    .map(String)
  const claims = {
    jti: randomUUID(),
    sub: ctx.query.subject ?? core.seed.oidcSubject,
    aud: ctx.query.audience ?? `https://github.com/${owner}`,
    ref: 'refs/heads/main',
    sha: '0000000000000000000000000000000000000000',
    repository: `${owner}/${repo}`,
    repository_owner: owner,
    run_id: '1',
    run_number: '1',
    run_attempt: '1',
    actor: 'octocat',
    workflow: 'emulator',
    event_name: 'push',
    ref_type: 'branch',
    job_workflow_ref: `${owner}/${repo}/.github/workflows/ci.yml@refs/heads/main`,
    runner_environment: 'github-hosted',
    iss: core.seed.oidcIssuer,
    // The real issuer back-dates nbf a little; so does this one, so a fresh token is valid at once.
    nbf: Math.min(now - 5, now + lifetime - 1),
    iat: Math.min(now, now + lifetime - 1),
    exp: now + lifetime
  }
  return { status: 200, body: { count: 1, value: signJwt(claims, core.keys.oidc) } }
}

export function oidcConfiguration(core: Core): Reply {
  const issuer = core.seed.oidcIssuer
  return {
    status: 200,
    body: {
      issuer,
      jwks_uri: `${issuer}/.well-known/jwks`,
      subject_types_supported: ['public', 'pairwise'],
      response_types_supported: ['id_token'],
      claims_supported: ['sub', 'aud', 'exp', 'iat', 'iss', 'jti', 'nbf', 'ref', 'repository', 'repository_owner'],
      id_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: ['openid']
    }
  }
}

export function oidcKeys(core: Core): Reply {
  return { status: 200, body: { keys: [jwk(core.keys.oidc)] } }
}

export const oidcModule: EmulatorModule = {
  name: 'oidc',
  routes: [
    route('arm', 'GET', '/oidc/idtoken', 'Oidc_IdToken', idTokenEndpoint, 'custom'),
    route('arm', 'GET', '/oidc/.well-known/openid-configuration', 'Oidc_Metadata', oidcConfiguration, 'none'),
    route('arm', 'GET', '/oidc/.well-known/jwks', 'Oidc_Keys', oidcKeys, 'none')
  ]
}
