import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import * as core from '../../__fixtures__/core.js'

jest.unstable_mockModule('@actions/core', () => core)
const { parseCredentials } = await import('../../src/auth/credentials.js')
const { isGuid } = await import('../../src/auth/guid.js')
const { InputError } = await import('../../src/base/errors.js')

// Characters the runner's masking handles differently once encoded: ~ + / = % " and a space.
const SECRET = 'Ab1~c+d/e=f%g"h i'
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47'
const CLIENT = '11111111-2222-3333-4444-555555555555'
const SUBSCRIPTION = 'AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE'

/** What `az ad sp create-for-rbac --sdk-auth` prints. */
function sdkAuth(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    clientId: CLIENT,
    clientSecret: SECRET,
    subscriptionId: SUBSCRIPTION,
    tenantId: TENANT,
    activeDirectoryEndpointUrl: 'https://login.microsoftonline.com',
    resourceManagerEndpointUrl: 'https://management.azure.com/',
    activeDirectoryGraphResourceId: 'https://graph.windows.net/',
    sqlManagementEndpointUrl: 'https://management.core.windows.net:8443/',
    galleryEndpointUrl: 'https://gallery.azure.com/',
    managementEndpointUrl: 'https://management.core.windows.net/',
    ...overrides
  }
}

function errorOf(fn: () => unknown): Error {
  try {
    fn()
  } catch (e) {
    return e as Error
  }
  throw new Error('expected an error')
}

beforeEach(() => core.resetCoreFixture())

describe('parseCredentials', () => {
  it('parses the --sdk-auth form, tolerating its extra fields', () => {
    expect(parseCredentials(JSON.stringify(sdkAuth()))).toEqual({
      clientId: CLIENT,
      clientSecret: SECRET,
      tenantId: TENANT,
      subscriptionId: SUBSCRIPTION,
      activeDirectoryEndpointUrl: 'https://login.microsoftonline.com',
      resourceManagerEndpointUrl: 'https://management.azure.com/'
    })
  })

  it('needs only the four fields', () => {
    const raw = JSON.stringify({ clientId: CLIENT, clientSecret: 's', tenantId: TENANT, subscriptionId: SUBSCRIPTION })
    expect(parseCredentials(raw)).toEqual({
      clientId: CLIENT,
      clientSecret: 's',
      tenantId: TENANT,
      subscriptionId: SUBSCRIPTION
    })
  })

  it('masks the client secret and its encoded forms', () => {
    parseCredentials(JSON.stringify(sdkAuth()))
    const masked = core.setSecret.mock.calls.map(c => c[0])
    expect(masked).toContain(SECRET)
    expect(masked).toContain(encodeURIComponent(SECRET))
    expect(masked).toContain('Ab1%7Ec%2Bd%2Fe%3Df%25g%22h+i') // application/x-www-form-urlencoded
  })

  it('masks the secret even when a later check fails', () => {
    expect(() => parseCredentials(JSON.stringify(sdkAuth({ tenantId: 'nope' })))).toThrow(InputError)
    expect(core.setSecret).toHaveBeenCalledWith(SECRET)
  })

  it('words a JSON syntax error itself, never quoting the text', () => {
    const raw = `{"clientId": "${CLIENT}", "clientSecret": "${SECRET}", oops}`
    const error = errorOf(() => parseCredentials(raw))
    expect(error).toBeInstanceOf(InputError)
    expect(error.message).toBe(
      "Input 'creds': not valid JSON. Expected the AZURE_CREDENTIALS form " +
        '{"clientId": ..., "clientSecret": ..., "tenantId": ..., "subscriptionId": ...}'
    )
    expect(error.message).not.toContain('oops')
    expect(error.message).not.toContain('Ab1')
  })

  it.each([['[]'], ['"a string"'], ['42'], ['null']])('refuses %s: not an object', raw => {
    expect(() => parseCredentials(raw)).toThrow("Input 'creds': not a JSON object.")
  })

  it.each(['clientId', 'clientSecret', 'tenantId', 'subscriptionId'])('names a missing %s', field => {
    const fields = sdkAuth()
    delete fields[field]
    const error = errorOf(() => parseCredentials(JSON.stringify(fields)))
    expect(error).toBeInstanceOf(InputError)
    expect(error.message).toContain(`missing "${field}"`)
    expect(error.message).not.toContain(SECRET)
  })

  it('treats an empty field as missing and a non-string as the wrong type', () => {
    expect(() => parseCredentials(JSON.stringify(sdkAuth({ clientSecret: '' })))).toThrow('missing "clientSecret"')
    expect(() => parseCredentials(JSON.stringify(sdkAuth({ clientSecret: 12345 })))).toThrow(
      '"clientSecret" must be a string'
    )
  })

  it.each(['clientId', 'tenantId', 'subscriptionId'])('names a malformed GUID in %s without echoing it', field => {
    const error = errorOf(() => parseCredentials(JSON.stringify(sdkAuth({ [field]: 'my-secret-value' }))))
    expect(error.message).toBe(
      `Input 'creds': "${field}" is not a GUID (expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx).`
    )
  })

  it('recognises the output of create-for-rbac without --sdk-auth and masks its password', () => {
    const raw = JSON.stringify({ appId: CLIENT, displayName: 'sp', password: 'p~w d', tenant: TENANT })
    const error = errorOf(() => parseCredentials(raw))
    expect(error.message).toContain('without --sdk-auth')
    expect(error.message).toContain('appId → clientId')
    expect(error.message).not.toContain('p~w d')
    expect(core.setSecret).toHaveBeenCalledWith('p~w d')
  })

  it('refuses endpoint URLs that are not URLs or would send the secret over plain http', () => {
    expect(() => parseCredentials(JSON.stringify(sdkAuth({ activeDirectoryEndpointUrl: 'login' })))).toThrow(
      'Input \'creds\': "activeDirectoryEndpointUrl": not an absolute URL'
    )
    expect(() =>
      parseCredentials(JSON.stringify(sdkAuth({ resourceManagerEndpointUrl: 'http://management.azure.com/' })))
    ).toThrow('Input \'creds\': "resourceManagerEndpointUrl": plain http')
    expect(
      parseCredentials(JSON.stringify(sdkAuth({ resourceManagerEndpointUrl: 'http://127.0.0.1:9000/' })))
        .resourceManagerEndpointUrl
    ).toBe('http://127.0.0.1:9000/')
  })

  it('trims whitespace around GUIDs but never touches the secret', () => {
    const creds = parseCredentials(JSON.stringify(sdkAuth({ tenantId: ` ${TENANT}\n`, clientSecret: ' s ' })))
    expect(creds.tenantId).toBe(TENANT)
    expect(creds.clientSecret).toBe(' s ')
  })
})

describe('isGuid', () => {
  it.each([TENANT, SUBSCRIPTION, '00000000-0000-0000-0000-000000000000'])('accepts %s', v => {
    expect(isGuid(v)).toBe(true)
  })
  it.each([
    '',
    '72f988bf86f141af91ab2d7cd011db47',
    '{72f988bf-86f1-41af-91ab-2d7cd011db47}',
    '72f988bf-86f1-41af-91ab-2d7cd011db4',
    '72f988bf-86f1-41af-91ab-2d7cd011db47 ',
    'g2f988bf-86f1-41af-91ab-2d7cd011db47',
    'contoso.onmicrosoft.com'
  ])('refuses %j', v => {
    expect(isGuid(v)).toBe(false)
  })
})
