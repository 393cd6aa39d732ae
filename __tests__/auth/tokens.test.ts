import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import * as core from '../../__fixtures__/core.js'
import {
  deferred,
  entraReply,
  FakeClock,
  START,
  FakeHttp,
  fakeJwt,
  tokenReply,
  type Reply
} from '../../__fixtures__/fakes.js'

jest.unstable_mockModule('@actions/core', () => core)
const { createTokenProvider, REFRESH_MARGIN_MS, ID_TOKEN_PERMISSION_MESSAGE } = await import('../../src/auth/tokens.js')
const { AuthenticationError, AzureRequestError, InputError } = await import('../../src/base/errors.js')
type AuthConfig = import('../../src/base/auth-types.js').AuthConfig

const SECRET = 'Ab1~c+d/e=f%g"h i'
const FORM_SECRET = 'Ab1%7Ec%2Bd%2Fe%3Df%25g%22h+i'
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47'
const CLIENT = '11111111-2222-3333-4444-555555555555'
const ARM = 'https://management.azure.com/'
const HOUR = 3_600_000
const MINUTE = 60_000

const secretConfig: AuthConfig = {
  kind: 'secret',
  tenantId: TENANT,
  clientId: CLIENT,
  clientSecret: SECRET,
  authorityHost: 'https://login.microsoftonline.com/'
}
const oidcConfig: AuthConfig = {
  kind: 'oidc',
  tenantId: TENANT,
  clientId: CLIENT,
  audience: 'api://AzureADTokenExchange',
  authorityHost: 'https://login.microsoftonline.com/'
}

let http: FakeHttp
let clock: FakeClock
let idTokens: string[]
let getIDToken: jest.Mock<(audience: string) => Promise<string>>

beforeEach(() => {
  core.resetCoreFixture()
  http = new FakeHttp()
  clock = new FakeClock()
  idTokens = []
  let n = 0
  getIDToken = jest.fn(async () => {
    const token = fakeJwt({ sub: 'repo:octo/ml:ref:refs/heads/main', aud: 'api://AzureADTokenExchange', n: ++n })
    idTokens.push(token)
    return token
  })
})

const secretProvider = () => createTokenProvider(secretConfig, { http, clock })
const oidcProvider = () => createTokenProvider(oidcConfig, { http, clock, getIDToken })
const masked = (): string[] => core.setSecret.mock.calls.map(c => c[0])

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (e) {
    return e as Error
  }
  throw new Error('expected a rejection')
}

describe('client secret (v1 oauth2/token)', () => {
  it('posts the guide form to {authority}{tenant}/oauth2/token', async () => {
    http.reply(tokenReply('tok-1', { expires_in: '3599', expires_on: String((clock.now() + HOUR) / 1000) }))
    const token = await secretProvider().getToken(ARM)

    expect(token).toEqual({ token: 'tok-1', expiresOn: clock.now() + HOUR - 1000 })
    expect(http.requests).toHaveLength(1)
    const request = http.requests[0]
    expect(request).toMatchObject({
      method: 'POST',
      url: `https://login.microsoftonline.com/${TENANT}/oauth2/token`,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      auth: { kind: 'none' },
      idempotent: true,
      readOnly: true,
      acceptStatus: [400, 401, 403]
    })
    expect(http.form(0)).toEqual({
      grant_type: 'client_credentials',
      client_id: CLIENT,
      client_secret: SECRET,
      resource: ARM
    })
    // Form encoding, the form the runner does not mask: it must be among the request's secrets and masked.
    expect(request.body).toContain(`client_secret=${FORM_SECRET}`)
    expect(request.secrets).toEqual(expect.arrayContaining([SECRET, FORM_SECRET, encodeURIComponent(SECRET)]))
  })

  it('masks the secret, its encoded forms and the access token', async () => {
    http.reply(tokenReply('the-access-token'))
    await secretProvider().getToken(ARM)
    expect(masked()).toEqual(
      expect.arrayContaining([SECRET, FORM_SECRET, encodeURIComponent(SECRET), 'the-access-token'])
    )
  })

  it('never logs the request body', async () => {
    http.reply(tokenReply('eyJ-access-xyz'))
    await secretProvider().getToken(ARM)
    const logged = [...core.debug.mock.calls, ...core.info.mock.calls].map(c => String(c[0])).join('\n')
    expect(logged).toContain('oauth2/token')
    expect(logged).not.toContain('client_secret')
    expect(logged).not.toContain(FORM_SECRET)
    expect(logged).not.toContain('eyJ-access-xyz')
    expect(logged).not.toContain(SECRET)
  })

  it('joins the authority host and the tenant with exactly one slash', async () => {
    http.reply(tokenReply('tok'))
    await createTokenProvider({ ...secretConfig, authorityHost: 'http://127.0.0.1:7071' }, { http, clock }).getToken(
      'https://ml.azure.com'
    )
    expect(http.requests[0].url).toBe(`http://127.0.0.1:7071/${TENANT}/oauth2/token`)
    expect(http.form(0).resource).toBe('https://ml.azure.com')
  })

  it('refuses an authority host reached over plain http', () => {
    expect(() =>
      createTokenProvider({ ...secretConfig, authorityHost: 'http://login.example.com/' }, { http, clock })
    ).toThrow(InputError)
    expect(http.requests).toHaveLength(0)
  })
})

describe('OpenID Connect (v2.0 client assertion)', () => {
  it('exchanges a GitHub ID token for the audience at oauth2/v2.0/token', async () => {
    http.reply(tokenReply('tok-oidc', { expires_in: 3600 }))
    const token = await oidcProvider().getToken(ARM)

    expect(token).toEqual({ token: 'tok-oidc', expiresOn: clock.now() + HOUR })
    expect(getIDToken).toHaveBeenCalledWith('api://AzureADTokenExchange')
    expect(http.requests[0]).toMatchObject({
      method: 'POST',
      url: `https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/token`,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      auth: { kind: 'none' },
      idempotent: true,
      readOnly: true,
      acceptStatus: [400, 401, 403]
    })
    expect(http.form(0)).toEqual({
      grant_type: 'client_credentials',
      client_id: CLIENT,
      scope: 'https://management.azure.com/.default',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: idTokens[0]
    })
    expect(http.requests[0].secrets).toContain(idTokens[0])
  })

  it.each([
    ['https://management.azure.com/', 'https://management.azure.com/.default'],
    ['https://management.azure.com', 'https://management.azure.com/.default'],
    ['https://ml.azure.com//', 'https://ml.azure.com/.default'],
    ['https://management.azure.com/.default', 'https://management.azure.com/.default']
  ])('scope for %s is %s', async (resource, scope) => {
    http.reply(tokenReply('tok'))
    await oidcProvider().getToken(resource)
    expect(http.form(0).scope).toBe(scope)
  })

  it('masks the ID token and the access token', async () => {
    http.reply(tokenReply('tok-oidc'))
    await oidcProvider().getToken(ARM)
    expect(masked()).toEqual(expect.arrayContaining([idTokens[0], 'tok-oidc']))
  })

  it('asks for a fresh ID token for every exchange', async () => {
    http.reply(tokenReply('a'), tokenReply('b'), tokenReply('c'))
    const provider = oidcProvider()
    await provider.getToken(ARM)
    await provider.getToken(ARM, { forceRefresh: true })
    await provider.getToken('https://ml.azure.com/')
    expect(getIDToken).toHaveBeenCalledTimes(3)
    expect(new Set(idTokens).size).toBe(3)
    expect([0, 1, 2].map(i => http.form(i).client_assertion)).toEqual(idTokens)
  })

  it('uses core.getIDToken by default, and says what permission is missing when it fails', async () => {
    // The fixture's getIDToken fails the way @actions/core does without `permissions: id-token: write`.
    const provider = createTokenProvider(oidcConfig, { http, clock })
    const error = await rejection(provider.getToken(ARM))
    expect(core.getIDToken).toHaveBeenCalledWith('api://AzureADTokenExchange')
    expect(error).toBeInstanceOf(AuthenticationError)
    expect(error.message).toBe(ID_TOKEN_PERMISSION_MESSAGE)
    expect(error.message).toContain('ACTIONS_ID_TOKEN_REQUEST_URL is not set')
    expect(error.message).toContain('permissions: id-token: write')
    expect(http.requests).toHaveLength(0)
  })

  it('reports any other ID token failure on one line', async () => {
    getIDToken.mockRejectedValue(new Error('Failed to get ID Token. \n Error Code : 500'))
    const error = await rejection(oidcProvider().getToken(ARM))
    expect(error).toBeInstanceOf(AuthenticationError)
    expect(error.message).toBe(
      "OpenID Connect: could not get a GitHub ID token for audience 'api://AzureADTokenExchange': Failed to get ID Token."
    )
    expect(http.requests).toHaveLength(0)
  })

  it('masks an ID token that comes back from a custom getter', async () => {
    getIDToken.mockResolvedValue('custom-id-token')
    http.reply(tokenReply('tok'))
    await oidcProvider().getToken(ARM)
    expect(core.setSecret).toHaveBeenCalledWith('custom-id-token')
  })
})

describe('expiry', () => {
  // Table rows are built before any test runs: relative to the clock's start, not to `clock`.
  const at = (offsetMs: number) => (START + offsetMs) / 1000

  it.each<[string, Record<string, unknown>, number]>([
    ['expires_on as a string of epoch seconds', { expires_on: String(at(HOUR)) }, HOUR],
    ['expires_on as a number', { expires_on: at(80 * MINUTE) }, 80 * MINUTE],
    ['expires_in as a string', { expires_in: '4000' }, 4_000_000],
    [
      'the earlier of expires_in and expires_on (a skewed runner clock)',
      { expires_in: 3600, expires_on: at(50 * MINUTE) },
      50 * MINUTE
    ],
    ['the JWT exp when the answer has neither', {}, 30 * MINUTE]
  ])('reads %s', async (_label, fields, lifetime) => {
    const jwt = fakeJwt({ exp: at(30 * MINUTE) })
    http.reply(tokenReply(jwt, fields))
    const token = await secretProvider().getToken(ARM)
    expect(token.expiresOn).toBe(clock.now() + lifetime)
  })
})

describe('cache', () => {
  it('reuses a token while more than 5 minutes remain, then refreshes', async () => {
    http.reply(tokenReply('first'), tokenReply('second'))
    const provider = secretProvider()
    const start = clock.now()
    expect((await provider.getToken(ARM)).token).toBe('first')

    clock.time = start + HOUR - REFRESH_MARGIN_MS - 1
    expect((await provider.getToken(ARM)).token).toBe('first')
    expect(http.requests).toHaveLength(1)

    clock.time = start + HOUR - REFRESH_MARGIN_MS
    const refreshed = await provider.getToken(ARM)
    expect(refreshed.token).toBe('second')
    expect(refreshed.expiresOn).toBe(clock.now() + HOUR)
    expect(http.requests).toHaveLength(2)

    expect(REFRESH_MARGIN_MS).toBe(5 * MINUTE)
  })

  it('keeps one entry per resource', async () => {
    http.reply(tokenReply('arm'), tokenReply('ml'))
    const provider = secretProvider()
    expect((await provider.getToken(ARM)).token).toBe('arm')
    expect((await provider.getToken('https://ml.azure.com/')).token).toBe('ml')
    expect((await provider.getToken(ARM)).token).toBe('arm')
    expect((await provider.getToken('https://ml.azure.com/')).token).toBe('ml')
    expect(http.requests.map(r => new URLSearchParams(r.body as string).get('resource'))).toEqual([
      ARM,
      'https://ml.azure.com/'
    ])
  })

  it('bypasses the cache on forceRefresh and keeps the new token', async () => {
    http.reply(tokenReply('old'), tokenReply('new'))
    const provider = secretProvider()
    await provider.getToken(ARM)
    expect((await provider.getToken(ARM, { forceRefresh: true })).token).toBe('new')
    expect((await provider.getToken(ARM)).token).toBe('new')
    expect(http.requests).toHaveLength(2)
  })

  it('refreshes a short-lived token (a local emulator) at half its lifetime, not on every call', async () => {
    http.reply(tokenReply('short', { expires_in: 120 }), tokenReply('next', { expires_in: 120 }))
    const provider = secretProvider()
    await provider.getToken(ARM)
    clock.advance(59_000)
    expect((await provider.getToken(ARM)).token).toBe('short')
    clock.advance(1_000)
    expect((await provider.getToken(ARM)).token).toBe('next')
  })

  it('never reuses a token whose expiry is unknown', async () => {
    http.reply(tokenReply('opaque-1', {}), tokenReply('opaque-2', {}))
    const provider = secretProvider()
    await provider.getToken(ARM)
    expect((await provider.getToken(ARM)).token).toBe('opaque-2')
  })

  it('shares one in-flight request among concurrent callers', async () => {
    const gate = deferred<Reply>()
    http.reply(() => gate.promise)
    const provider = oidcProvider()
    const calls = [provider.getToken(ARM), provider.getToken(ARM), provider.getToken(ARM, { forceRefresh: true })]
    await Promise.resolve()
    gate.resolve(tokenReply('shared'))
    const tokens = await Promise.all(calls)
    expect(tokens.map(t => t.token)).toEqual(['shared', 'shared', 'shared'])
    expect(http.requests).toHaveLength(1)
    expect(getIDToken).toHaveBeenCalledTimes(1)
  })

  it('shares a failure too, and the next call tries again', async () => {
    const gate = deferred<Reply>()
    http.reply(() => gate.promise, tokenReply('after'))
    const provider = secretProvider()
    const calls = [provider.getToken(ARM), provider.getToken(ARM)].map(p => rejection(p))
    gate.resolve(entraReply(401, 7000215, 'Invalid client secret provided.'))
    const errors = await Promise.all(calls)
    expect(errors[0]).toBeInstanceOf(AuthenticationError)
    expect(errors[1]).toBe(errors[0])
    expect(http.requests).toHaveLength(1)
    expect((await provider.getToken(ARM)).token).toBe('after')
  })

  it('keeps using a still-valid token when a refresh fails transiently', async () => {
    http.reply(
      tokenReply('current'),
      new AzureRequestError('POST token: HTTP 503 after 4 attempts', 503),
      new AzureRequestError('POST token: HTTP 503 after 4 attempts', 503)
    )
    const provider = secretProvider()
    await provider.getToken(ARM)
    clock.advance(HOUR - 3 * MINUTE)
    expect((await provider.getToken(ARM)).token).toBe('current')
    // A forced refresh means the current token was refused: the failure must surface.
    await expect(provider.getToken(ARM, { forceRefresh: true })).rejects.toBeInstanceOf(AzureRequestError)
  })

  it('does not paper over an Entra refusal with the cached token', async () => {
    http.reply(tokenReply('current'), entraReply(401, 7000222, 'The provided client secret keys are expired.'))
    const provider = secretProvider()
    await provider.getToken(ARM)
    clock.advance(HOUR - 3 * MINUTE)
    await expect(provider.getToken(ARM)).rejects.toBeInstanceOf(AuthenticationError)
  })
})

describe('Entra errors', () => {
  const cases: Array<[number, number, string, string, AuthConfig]> = [
    [
      401,
      7000215,
      "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '11111111-2222-3333-4444-555555555555'.",
      'the client secret is wrong or expired; create a new one with az ad sp credential reset',
      secretConfig
    ],
    [
      401,
      7000222,
      "The provided client secret keys for app '11111111-2222-3333-4444-555555555555' are expired. Visit the Azure portal to create new keys for your app.",
      'the client secret has expired',
      secretConfig
    ],
    [
      400,
      700016,
      "Application with identifier '11111111-2222-3333-4444-555555555555' was not found in the directory 'Contoso'. This can happen if the application has not been installed by the administrator of the tenant.",
      'check client-id and tenant-id',
      secretConfig
    ],
    [
      400,
      90002,
      "Tenant '72f988bf-86f1-41af-91ab-2d7cd011db47' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.",
      'check tenant-id and the cloud',
      secretConfig
    ],
    [
      400,
      700024,
      'Client assertion is not within its valid time range. Current time: 2025-01-01T00:10:00Z, assertion valid from 2025-01-01T00:00:00Z, expiry time of assertion 2025-01-01T00:05:00Z.',
      'the GitHub ID token) was too old',
      oidcConfig
    ],
    [
      400,
      70021,
      "No matching federated identity record found for presented assertion. Assertion Issuer: 'https://token.actions.githubusercontent.com'. Assertion Subject: 'repo:octo/ml:ref:refs/heads/main'.",
      'add a federated credential for this repo/branch/environment with the subject claim repo:OWNER/REPO:ref:refs/heads/BRANCH',
      oidcConfig
    ],
    [
      400,
      700213,
      "No matching federated identity record found for presented assertion subject 'repo:octo/ml:ref:refs/heads/main'.",
      'add a federated credential for this repo/branch/environment',
      oidcConfig
    ]
  ]

  it.each(cases)(
    'HTTP %i AADSTS%i: one line with the code and a hint, never retried',
    async (status, code, sentence, hint, config) => {
      http.reply(entraReply(status, code, sentence))
      const error = await rejection(createTokenProvider(config, { http, clock, getIDToken }).getToken(ARM))

      expect(error).toBeInstanceOf(AuthenticationError)
      expect((error as InstanceType<typeof AuthenticationError>).code).toBe(`AADSTS${code}`)
      expect(error.message).toMatch(new RegExp(`^Entra ID did not issue a token \\(HTTP ${status}, AADSTS${code}\\): `))
      expect(error.message).toMatch(/ Hint: .+\. \(Trace ID/)
      expect(error.message).toContain(hint)
      expect(error.message).toContain('(Trace ID: 0f2a-trace)')
      expect(error.message).not.toMatch(/[\r\n]/)
      expect(error.message).not.toContain('Correlation ID')
      expect(error.message).not.toContain('Timestamp')
      for (const secret of [SECRET, FORM_SECRET, encodeURIComponent(SECRET), ...idTokens]) {
        expect(error.message).not.toContain(secret)
      }
      expect(http.requests).toHaveLength(1)
    }
  )

  it('keeps only the first sentence of a known error', async () => {
    http.reply(entraReply(401, 7000215, cases[0][2]))
    const error = await rejection(secretProvider().getToken(ARM))
    expect(error.message).toContain('AADSTS7000215): Invalid client secret provided. Hint:')
    expect(error.message).not.toContain('Ensure the secret')
  })

  it('names the subject of the presented ID token when no federated credential matches', async () => {
    http.reply(entraReply(400, 70021, 'No matching federated identity record found for presented assertion.'))
    const error = await rejection(oidcProvider().getToken(ARM))
    expect(error.message).toContain(
      "(subject 'repo:octo/ml:ref:refs/heads/main', audience 'api://AzureADTokenExchange')"
    )
    expect(error.message).toContain(`on app ${CLIENT}`)
  })

  it('gives the first line of the description for an unknown code', async () => {
    http.reply(entraReply(400, 50126, 'Error validating credentials. Something else. And more.', 'invalid_grant'))
    const error = await rejection(secretProvider().getToken(ARM))
    expect(error.message).toBe(
      'Entra ID did not issue a token (HTTP 400, AADSTS50126): Error validating credentials. Something else. And more. (Trace ID: 0f2a-trace)'
    )
  })

  it('removes the secret when Entra echoes the request', async () => {
    const body = JSON.stringify({
      error: 'invalid_request',
      error_description: `AADSTS900144: The request body must contain the following parameter: 'x'. Body was client_secret=${FORM_SECRET}&raw=${SECRET}\r\nTrace ID: t`,
      error_codes: [900144]
    })
    http.reply({ status: 400, body })
    const error = await rejection(secretProvider().getToken(ARM))
    expect(error.message).toContain('AADSTS900144')
    expect(error.message).not.toContain(FORM_SECRET)
    expect(error.message).not.toContain(SECRET)
    expect(error.message).toContain('client_secret=***')
  })

  it('removes the ID token when Entra echoes the assertion', async () => {
    http.reply(req => ({
      status: 400,
      body: JSON.stringify({
        error: 'invalid_client',
        error_description: `AADSTS50027: Invalid JWT token ${new URLSearchParams(req.body as string).get('client_assertion')}`
      })
    }))
    const error = await rejection(oidcProvider().getToken(ARM))
    expect(error.message).toContain('AADSTS50027')
    expect(error.message).not.toContain(idTokens[0])
  })

  it('falls back to error_codes and the error field', async () => {
    http.reply({ status: 403, body: JSON.stringify({ error: 'unauthorized_client', error_codes: [700016] }) })
    const error = await rejection(secretProvider().getToken(ARM))
    expect(error.message).toContain('(HTTP 403, AADSTS700016): unauthorized_client Hint: application')
  })

  it('reports an error answer that is not JSON without quoting it', async () => {
    http.reply({ status: 400, body: `<html>bad request ${SECRET}</html>` })
    const error = await rejection(secretProvider().getToken(ARM))
    expect(error.message).toBe('Entra ID did not issue a token (HTTP 400): the answer was not JSON')
  })
})

describe('malformed success answers', () => {
  it('does not quote a body that is not JSON (it may hold the token)', async () => {
    http.reply({ status: 200, body: '{"access_token": "half-a-tok' })
    const error = await rejection(secretProvider().getToken(ARM))
    expect(error).toBeInstanceOf(AuthenticationError)
    expect(error.message).toBe(
      `The token endpoint https://login.microsoftonline.com/${TENANT}/oauth2/token answered HTTP 200 with a body that is not JSON.`
    )
  })

  it('refuses an answer without access_token', async () => {
    http.reply({ status: 200, body: JSON.stringify({ token_type: 'Bearer', expires_in: 3600 }) })
    await expect(secretProvider().getToken(ARM)).rejects.toThrow('without an access_token')
  })

  it('says so when dry-run skipped the token request', async () => {
    http.reply({ status: 0, body: '', dryRun: true })
    await expect(secretProvider().getToken(ARM)).rejects.toThrow('was not sent (dry-run)')
  })

  it('lets transport failures through unchanged, for the caller to report', async () => {
    const failure = new AzureRequestError('POST https://login.microsoftonline.com/...: ECONNRESET', 0)
    http.reply(failure)
    await expect(secretProvider().getToken(ARM)).rejects.toBe(failure)
  })
})
