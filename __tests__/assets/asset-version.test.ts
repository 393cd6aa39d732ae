/**
 * A content-named asset version whose PUT is refused with 409 Conflict because another submit registered it first
 * (Azure/azure-sdk-for-python#30155): looked up again and reused; a 409 with nothing to reuse fails clearly.
 */
import { describe, expect, it, jest } from '@jest/globals'
import * as core from '../../__fixtures__/core.js'
import { FakeHttp, testSettings } from '../../__fixtures__/fakes.js'
import type { CommonSettings } from '../../src/base/settings.js'

jest.unstable_mockModule('@actions/core', () => core)
const { registerContentNamedVersion } = await import('../../src/assets/asset-version.js')
const { registerEnvironment } = await import('../../src/assets/environment-asset.js')
const { findCodeByHash } = await import('../../src/assets/code-asset.js')
const { OperationFailedError, AzureRequestError, InputError } = await import('../../src/base/errors.js')
type Context = import('../../src/base/context.js').Context

const settings: CommonSettings = testSettings()
const ws = { subscriptionId: 'sub', resourceGroup: 'rg', workspaceName: 'ws' }
const WS = '/subscriptions/sub/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws'
const HASH = 'ab'.repeat(32)
const CONFLICT = {
  status: 409,
  body: JSON.stringify({ error: { code: 'UserError', message: 'Asset paths cannot be updated.' } })
}
const ctxOf = (http: FakeHttp) => ({ http }) as unknown as Context
const codeBody = { properties: { codeUri: 'https://blob/LocalUpload/x/src', isAnonymous: true } }

describe('registerContentNamedVersion', () => {
  it('returns the PUT’s answer when it registers the version', async () => {
    const http = new FakeHttp().reply({ status: 201, body: '{}' })
    const got = await registerContentNamedVersion(ctxOf(http), settings, ws, {
      kind: 'codes',
      name: 'c0de',
      version: '1',
      body: codeBody
    })
    expect(got).toMatchObject({ id: `${WS}/codes/c0de/versions/1`, outcome: 'created' })
    expect(http.requests.map(r => r.method)).toEqual(['PUT'])
    expect(http.requests[0].acceptStatus).toContain(409)
  })

  it('on 409 looks the code up by its hash again and reuses what it finds', async () => {
    const other = `${WS}/codes/other-name/versions/1`
    const http = new FakeHttp().reply(CONFLICT, { status: 200, body: JSON.stringify({ value: [{ id: other }] }) })
    const ctx = ctxOf(http)
    const got = await registerContentNamedVersion(ctx, settings, ws, {
      kind: 'codes',
      name: 'c0de',
      version: '1',
      body: codeBody,
      findExisting: () => findCodeByHash(ctx, settings, ws, 'c0de', HASH)
    })
    expect(got).toEqual({ id: other, outcome: 'reused' })
    expect(http.requests[1].method).toBe('GET')
    expect(http.requests[1].url).toContain(
      `/codes/c0de/versions?api-version=2024-04-01&hash=${HASH}&hashVersion=202208`
    )
    expect(core.info).toHaveBeenCalledWith(expect.stringContaining('registered by another submit at the same time'))
  })

  it('on 409 without a look-up of its own GETs that version and reuses it', async () => {
    const http = new FakeHttp().reply(CONFLICT, { status: 200, body: '{"name":"1"}' })
    const got = await registerContentNamedVersion(ctxOf(http), settings, ws, {
      kind: 'components',
      name: 'azureml_anonymous',
      version: 'f00d',
      body: { properties: {} }
    })
    expect(got).toEqual({ id: `${WS}/components/azureml_anonymous/versions/f00d`, outcome: 'reused' })
    expect(http.requests.map(r => `${r.method} ${r.url.split('?')[0]}`)).toEqual([
      `PUT https://management.azure.com${WS}/components/azureml_anonymous/versions/f00d`,
      `GET https://management.azure.com${WS}/components/azureml_anonymous/versions/f00d`
    ])
  })

  it('fails clearly when the 409 leaves no version with this content to reuse', async () => {
    const http = new FakeHttp().reply(CONFLICT, { status: 200, body: '{"value":[]}' })
    const ctx = ctxOf(http)
    const attempt = registerContentNamedVersion(ctx, settings, ws, {
      kind: 'codes',
      name: 'c0de',
      version: '1',
      body: codeBody,
      findExisting: () => findCodeByHash(ctx, settings, ws, 'c0de', HASH)
    })
    await expect(attempt).rejects.toThrow(OperationFailedError)
    await expect(attempt).rejects.toThrow(
      /code c0de:1 was refused with 409 Conflict: Asset paths cannot be updated\., yet no code version with this content is registered in workspace ws/
    )
  })

  it('fails clearly when the look-up after the 409 fails itself', async () => {
    const http = new FakeHttp().reply(CONFLICT, new AzureRequestError('GET failed: 403 AuthorizationFailed', 403))
    const attempt = registerContentNamedVersion(ctxOf(http), settings, ws, {
      kind: 'environments',
      name: 'CliV2AnonymousEnvironment',
      version: 'abc',
      body: { properties: {} }
    })
    await expect(attempt).rejects.toThrow(/looking it up afterwards failed \(GET failed: 403 AuthorizationFailed\)/)
  })

  it('passes any other refusal through', async () => {
    const http = new FakeHttp().reply(new AzureRequestError('PUT failed: 400 UserError', 400))
    await expect(
      registerContentNamedVersion(ctxOf(http), settings, ws, { kind: 'codes', name: 'c', version: '1', body: {} })
    ).rejects.toThrow('PUT failed: 400 UserError')
    expect(http.requests).toHaveLength(1)
  })
})

describe('registerEnvironment', () => {
  const at = { input: 'job', field: 'job.yml: environment' }
  it('an anonymous environment’s 409 is reused after a GET', async () => {
    const http = new FakeHttp().reply(CONFLICT, { status: 200, body: '{}' })
    const id = await registerEnvironment(
      ctxOf(http),
      settings,
      ws,
      { name: 'CliV2AnonymousEnvironment', version: 'abc', body: { properties: { isAnonymous: true } } },
      at
    )
    expect(id).toBe(`${WS}/environments/CliV2AnonymousEnvironment/versions/abc`)
    expect(http.requests.map(r => r.method)).toEqual(['PUT', 'GET'])
  })

  it('a named environment’s 409 says its definition changed, naming the input and field', async () => {
    const http = new FakeHttp().reply(CONFLICT)
    const attempt = registerEnvironment(
      ctxOf(http),
      settings,
      ws,
      { name: 'my-env', version: '2', body: { properties: {} } },
      at
    )
    await expect(attempt).rejects.toThrow(InputError)
    await expect(attempt).rejects.toThrow(/Input 'job': job\.yml: environment: environment my-env:2 already exists/)
  })
})

describe('a named environment without version (an online deployment’s inline one)', () => {
  const body: { properties: { image: string; isAnonymous?: boolean } } = { properties: { image: 'img' } }

  it('takes the container’s nextVersion, registers it, and prints the definition’s warning', async () => {
    const http = new FakeHttp().reply(
      { status: 200, body: JSON.stringify({ properties: { latestVersion: '4', nextVersion: '5' } }) },
      { status: 201, body: '{}' }
    )
    const id = await registerEnvironment(
      ctxOf(http),
      settings,
      ws,
      { name: 'custom-env', body, warning: 'blue.yml:8: environment.name: a warning' },
      { input: 'deployment', field: 'environment' }
    )
    expect(id).toBe(`${WS}/environments/custom-env/versions/5`)
    expect(
      http.requests.map(r => `${r.method} ${r.url.replace(/\?.*$/, '').replace(/^.*\/workspaces\/ws/, '')}`)
    ).toEqual(['GET /environments/custom-env', 'PUT /environments/custom-env/versions/5'])
    expect(core.warning).toHaveBeenCalledWith('blue.yml:8: environment.name: a warning')
  })

  it('version 1 when the container does not exist (404), as azure-ai-ml _get_next_version_from_container', async () => {
    const http = new FakeHttp().reply({ status: 404, body: '{}' }, { status: 201, body: '{}' })
    const id = await registerEnvironment(
      ctxOf(http),
      settings,
      ws,
      { name: 'fresh-env', body },
      {
        input: 'deployment',
        field: 'environment'
      }
    )
    expect(id).toBe(`${WS}/environments/fresh-env/versions/1`)
  })
})
