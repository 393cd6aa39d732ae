/** Entra token endpoints, the OIDC issuer and the bearer check, over real HTTP. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import type { Emulator } from '../../emulator/index.js'
import { call, startFast, token, v1Token, wsPath } from './helpers.js'

let emu: Emulator
beforeAll(async () => {
  emu = await startFast()
})
afterAll(() => emu.close())
beforeEach(() => emu.reset())

const b64json = (part: string): Record<string, unknown> => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))

async function idToken(query = '', auth = emu.seed.oidcRequestToken) {
  // As @actions/core's getIDToken does: the request URL plus `&audience=...`, the request token as bearer.
  return call(`${emu.seed.oidcRequestUrl}&audience=${encodeURIComponent('api://AzureADTokenExchange')}${query}`, {
    token: auth
  })
}

async function v2(assertion: string, over: Record<string, string> = {}) {
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: emu.seed.oidcClientId,
    scope: 'https://management.azure.com/.default',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: assertion,
    ...over
  })
  return call(`${emu.url}/${emu.seed.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    body: form.toString(),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' }
  })
}

describe('seed', () => {
  it('has GUIDs and a secret that exercises masking', () => {
    const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
    for (const k of ['tenantId', 'subscriptionId', 'clientId', 'oidcClientId'] as const)
      expect(emu.seed[k]).toMatch(guid)
    for (const ch of ['~', '+', '/', '=', '%', '"', ' ']) expect(emu.seed.clientSecret).toContain(ch)
    expect(emu.seed.scoringUri.startsWith(emu.apiUrl)).toBe(true)
    expect(emu.apiUrl).not.toBe(emu.url)
  })
})

describe('client secret (v1 endpoint)', () => {
  it('issues a token shaped like Entra v1', async () => {
    const before = Math.floor(Date.now() / 1000)
    const a = await v1Token(emu)
    expect(a.status).toBe(200)
    expect(a.json).toMatchObject({
      token_type: 'Bearer',
      expires_in: '3600',
      resource: 'https://management.azure.com/'
    })
    expect(Number(a.json.expires_on)).toBeGreaterThanOrEqual(before + 3600)
    expect(Number(a.json.not_before)).toBeGreaterThanOrEqual(before)
    const claims = b64json(a.json.access_token.split('.')[1])
    expect(claims).toMatchObject({
      aud: 'https://management.azure.com/',
      tid: emu.seed.tenantId,
      appid: emu.seed.clientId
    })
  })

  it('answers AADSTS7000215 for a wrong secret, 700016 for an unknown client, 90002 for an unknown tenant', async () => {
    const wrong = await v1Token(emu, { client_secret: 'nope' })
    expect(wrong.status).toBe(401)
    expect(wrong.json.error).toBe('invalid_client')
    expect(wrong.json.error_codes).toEqual([7000215])
    expect(wrong.json.error_description).toMatch(/^AADSTS7000215: Invalid client secret provided\./)
    expect(wrong.json).toHaveProperty('trace_id')
    expect(wrong.json).toHaveProperty('correlation_id')
    expect(wrong.json).toHaveProperty('timestamp')

    const unknown = await v1Token(emu, { client_id: '11111111-2222-4333-8444-555555555555' })
    expect(unknown.status).toBe(400)
    expect(unknown.json.error_codes).toEqual([700016])
    expect(unknown.json.error).toBe('unauthorized_client')

    const tenant = await v1Token(emu, { tenant: '99999999-2222-4333-8444-555555555555' })
    expect(tenant.status).toBe(400)
    expect(tenant.json.error_codes).toEqual([90002])
    expect(tenant.json.error_description).toContain("Tenant '99999999-2222-4333-8444-555555555555' not found")
  })

  it('names a missing form field (AADSTS900144)', async () => {
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: emu.seed.clientId })
    const a = await call(`${emu.url}/${emu.seed.tenantId}/oauth2/token`, {
      method: 'POST',
      body: form.toString(),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' }
    })
    expect(a.status).toBe(400)
    expect(a.json.error_description).toContain("'resource'")
  })
})

describe('OpenID Connect', () => {
  it('serves ID tokens the way @actions/core asks for them, and exchanges them for an access token', async () => {
    const id = await idToken()
    expect(id.status).toBe(200)
    const claims = b64json(id.json.value.split('.')[1])
    expect(claims).toMatchObject({
      iss: emu.seed.oidcIssuer,
      sub: emu.seed.oidcSubject,
      aud: 'api://AzureADTokenExchange'
    })
    const a = await v2(id.json.value)
    expect(a.status).toBe(200)
    expect(a.json).toMatchObject({ token_type: 'Bearer', expires_in: 3600 })
    const ws = await call(`${emu.url}${wsPath(emu)}?api-version=2019-11-01`, { token: a.json.access_token })
    expect(ws.status).toBe(200)
  })

  it('publishes its discovery document and keys', async () => {
    const conf = await call(`${emu.seed.oidcIssuer}/.well-known/openid-configuration`)
    expect(conf.json.issuer).toBe(emu.seed.oidcIssuer)
    const keys = await call(conf.json.jwks_uri)
    expect(keys.json.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', kid: 'emulator-oidc' })
  })

  it('refuses a wrong request token', async () => {
    expect((await idToken('', 'wrong')).status).toBe(401)
  })

  it('accepts the US Government and China token-exchange audiences', async () => {
    for (const aud of ['api://AzureADTokenExchangeUSGov', 'api://AzureADTokenExchangeChina']) {
      const id = await call(`${emu.seed.oidcRequestUrl}&audience=${encodeURIComponent(aud)}`, {
        token: emu.seed.oidcRequestToken
      })
      expect((await v2(id.json.value)).status).toBe(200)
    }
  })

  it('answers AADSTS700024 for an expired assertion and AADSTS70021 for an unknown subject or audience', async () => {
    const expired = await v2((await idToken('&lifetime=-10')).json.value)
    expect(expired.status).toBe(400)
    expect(expired.json.error_codes).toEqual([700024])

    const otherSubject = await v2((await idToken('&subject=repo:evil/fork:pull_request')).json.value)
    expect(otherSubject.status).toBe(400)
    expect(otherSubject.json.error_codes).toEqual([70021])
    expect(otherSubject.json.error_description).toContain("Assertion Subject: 'repo:evil/fork:pull_request'")

    const github = await call(
      `${emu.seed.oidcRequestUrl}&audience=${encodeURIComponent('https://github.com/octo-org')}`,
      {
        token: emu.seed.oidcRequestToken
      }
    )
    expect((await v2(github.json.value)).json.error_codes).toEqual([70021])
  })

  it('refuses a forged assertion (AADSTS700027) and a bad scope', async () => {
    const id = (await idToken()).json.value as string
    const [h, p] = id.split('.')
    const forged = `${h}.${p}.${Buffer.from('not a signature').toString('base64url')}`
    expect((await v2(forged)).json.error_codes).toEqual([700027])
    const scope = await v2(id, { scope: 'https://management.azure.com/user_impersonation' })
    expect(scope.json.error).toBe('invalid_scope')
  })

  it('refuses the secret client with an assertion (no federated credential) ', async () => {
    const a = await v2((await idToken()).json.value, { client_id: emu.seed.clientId })
    expect(a.json.error_codes).toEqual([70021])
  })
})

describe('bearer check on ARM and the data plane', () => {
  const armUrl = () => `${emu.url}${wsPath(emu)}?api-version=2019-11-01`
  const apiUrl = () => `${emu.apiUrl}/history/v1.0${wsPath(emu)}/experiments/${emu.seed.experimentName}`

  it('answers AuthenticationFailed without a header and InvalidAuthenticationToken for an unknown token', async () => {
    for (const url of [armUrl(), apiUrl()]) {
      const missing = await call(url)
      expect(missing.status).toBe(401)
      expect(missing.json.error.code).toBe('AuthenticationFailed')
      expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer authorization_uri=/)
      const unknown = await call(url, { token: 'eyJ0eXAi.made.up' })
      expect(unknown.status).toBe(401)
      expect(unknown.json.error.code).toBe('InvalidAuthenticationToken')
    }
  })

  it('answers ExpiredAuthenticationToken once a token has expired (admin expiry)', async () => {
    const tok = await token(emu)
    expect((await call(armUrl(), { token: tok })).status).toBe(200)
    const admin = await call(`${emu.url}/_emulator/tokens/expire`, { method: 'POST' })
    expect(admin.json.expired).toBeGreaterThanOrEqual(1)
    for (const url of [armUrl(), apiUrl()]) {
      const a = await call(url, { token: tok })
      expect(a.status).toBe(401)
      expect(a.json.error.code).toBe('ExpiredAuthenticationToken')
    }
    expect((await call(armUrl(), { token: await token(emu) })).status).toBe(200)
  })

  it('refuses a token for another audience', async () => {
    const a = await v1Token(emu, { resource: 'https://vault.azure.net' })
    const r = await call(armUrl(), { token: a.json.access_token })
    expect(r.status).toBe(401)
    expect(r.json.error.code).toBe('InvalidAuthenticationTokenAudience')
  })

  it('accepts a token whose resource is the emulator itself (arm-endpoint as resource)', async () => {
    const a = await v1Token(emu, { resource: `${emu.url}/` })
    expect((await call(armUrl(), { token: a.json.access_token })).status).toBe(200)
  })
})
