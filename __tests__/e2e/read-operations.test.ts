/**
 * The bundle (dist/index.js) under Node 24, started as the runner starts it, against the local emulator over real
 * HTTP. The emulator validates each request against the Azure REST specs and records it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import type { Emulator } from '../../emulator/index.js'
import { connection, emulatorForTests, serviceRequests, step, workspaceInputs } from './helpers.js'

let emu: Emulator
beforeAll(async () => {
  emu = await emulatorForTests()
})
afterAll(async () => {
  await emu?.close()
})
beforeEach(() => emu.reset())

describe('get-token', () => {
  it('gets a token with creds, masks it and reports its expiry', async () => {
    const result = await step({ operation: 'get-token', ...connection(emu) })
    expect(result.stderr).toBe('')
    expect(result.exitCode).toBe(0)
    const token = result.outputs.accessToken
    expect(token.length).toBeGreaterThan(10)
    expect(result.stdout).toContain(`::add-mask::${token}`)
    expect(Date.parse(result.outputs.expiresOn)).toBeGreaterThan(Date.now() + 30 * 60_000)
    const tokenRequest = emu.requests.find(r => r.path === `/${emu.seed.tenantId}/oauth2/token`)
    expect(tokenRequest?.method).toBe('POST')
  })

  it('gets a token with tenant-id, client-id and client-secret', async () => {
    const result = await step({
      operation: 'get-token',
      'tenant-id': emu.seed.tenantId,
      'client-id': emu.seed.clientId,
      'client-secret': emu.seed.clientSecret,
      'arm-endpoint': emu.url,
      'authority-host': emu.url
    })
    expect(result.exitCode).toBe(0)
    expect(result.outputs.accessToken).toBeTruthy()
  })

  it('gets a token with OpenID Connect: a GitHub ID token exchanged as a client assertion', async () => {
    const result = await step(
      {
        operation: 'get-token',
        'tenant-id': emu.seed.tenantId,
        'client-id': emu.seed.oidcClientId,
        'arm-endpoint': emu.url,
        'authority-host': emu.url
      },
      {
        env: {
          ACTIONS_ID_TOKEN_REQUEST_URL: emu.seed.oidcRequestUrl,
          ACTIONS_ID_TOKEN_REQUEST_TOKEN: emu.seed.oidcRequestToken
        }
      }
    )
    expect(result.exitCode).toBe(0)
    expect(result.outputs.accessToken).toBeTruthy()
    expect(emu.requests.some(r => r.path === `/${emu.seed.tenantId}/oauth2/v2.0/token`)).toBe(true)
  })

  it('says what to add when OIDC is used without permissions: id-token: write', async () => {
    const result = await step({
      operation: 'get-token',
      'tenant-id': emu.seed.tenantId,
      'client-id': emu.seed.oidcClientId,
      'arm-endpoint': emu.url,
      'authority-host': emu.url
    })
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toMatch(/id-token: write/)
  })

  it('reports a wrong secret as one line with the AADSTS code and a hint, without retrying', async () => {
    const result = await step({
      operation: 'get-token',
      ...connection(emu),
      creds: JSON.stringify({
        clientId: emu.seed.clientId,
        clientSecret: 'not-the-secret',
        tenantId: emu.seed.tenantId,
        subscriptionId: emu.seed.subscriptionId
      })
    })
    expect(result.exitCode).toBe(1)
    const error = result.commands.find(c => c.command === 'error')
    expect(error?.value).toMatch(/AADSTS7000215/)
    expect(error?.value).not.toContain('%0A')
    expect(emu.requests.filter(r => r.path.endsWith('/oauth2/token'))).toHaveLength(1)
  })
})

describe('ARM reads', () => {
  it('list-resource-groups: GET /subscriptions/{s}/resourcegroups with the token, a User-Agent and api-version', async () => {
    const result = await step({ operation: 'list-resource-groups', ...connection(emu) })
    expect(result.exitCode).toBe(0)
    const groups = JSON.parse(result.outputs.response).value as { name: string }[]
    expect(groups.map(g => g.name)).toContain(emu.seed.resourceGroup)
    expect(Number(result.outputs.count)).toBe(groups.length)
    const [request] = serviceRequests(emu)
    expect(request.method).toBe('GET')
    expect(request.path).toBe(`/subscriptions/${emu.seed.subscriptionId}/resourcegroups`)
    expect(request.query['api-version']).toBe('2019-10-01')
    expect(request.headers.authorization).toBeDefined()
    expect(request.headers['user-agent']).toMatch(/^azureml-rest-action\/\d+\.\d+\.\d+/)
    expect(request.status).toBe(200)
  })

  it('list-workspaces: by resource group, and subscription-wide when resource-group is empty', async () => {
    const byGroup = await step({
      operation: 'list-workspaces',
      ...connection(emu),
      'resource-group': emu.seed.resourceGroup
    })
    expect(byGroup.exitCode).toBe(0)
    expect(JSON.parse(byGroup.outputs.response).value.map((w: { name: string }) => w.name)).toContain(
      emu.seed.workspaceName
    )
    const all = await step({ operation: 'list-workspaces', ...connection(emu) })
    expect(all.exitCode).toBe(0)
    expect(Number(all.outputs.count)).toBeGreaterThanOrEqual(Number(byGroup.outputs.count))
    const paths = serviceRequests(emu).map(r => r.path)
    expect(paths).toContain(
      `/subscriptions/${emu.seed.subscriptionId}/resourceGroups/${emu.seed.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces`
    )
    expect(paths).toContain(
      `/subscriptions/${emu.seed.subscriptionId}/providers/Microsoft.MachineLearningServices/workspaces`
    )
    expect(serviceRequests(emu).every(r => r.query['api-version'] === '2019-11-01')).toBe(true)
  })

  it('get-workspace: the workspace and the API server its discovery document names', async () => {
    const result = await step({ operation: 'get-workspace', ...workspaceInputs(emu) })
    expect(result.exitCode).toBe(0)
    expect(result.outputs.apiEndpoint).toBe(emu.apiUrl)
    expect(result.outputs.resourceId).toMatch(new RegExp(`/workspaces/${emu.seed.workspaceName}$`))
    expect(JSON.parse(result.outputs.response).properties.discoveryUrl).toBeTruthy()
    expect(result.summary).toContain('get-workspace')
    expect(result.summary).toContain(emu.apiUrl)
  })

  it('list-computes: the workspace computes, with count', async () => {
    const result = await step({ operation: 'list-computes', ...workspaceInputs(emu) })
    expect(result.exitCode).toBe(0)
    const names = JSON.parse(result.outputs.response).value.map((c: { name: string }) => c.name)
    expect(names).toContain(emu.seed.computeName)
    expect(result.outputs.count).toBe(String(names.length))
    expect(result.summary).toContain(emu.seed.computeName)
  })

  it('a 404 fails the step with the status, error.code and x-ms-request-id in one line', async () => {
    const result = await step({ operation: 'list-computes', ...workspaceInputs(emu), 'workspace-name': 'no-such-ws' })
    expect(result.exitCode).toBe(1)
    const error = result.commands.find(c => c.command === 'error')?.value ?? ''
    expect(error).toMatch(/404/)
    expect(error).toMatch(/NotFound/)
    expect(error).toMatch(/x-ms-request-id/)
  })
})

describe('data-plane reads on the discovered API server', () => {
  it('list-experiments: discovery, then GET history/v1.0{WS}/experiments on the api server', async () => {
    const result = await step({ operation: 'list-experiments', ...workspaceInputs(emu) })
    expect(result.exitCode).toBe(0)
    const names = JSON.parse(result.outputs.response).value.map((e: { name: string }) => e.name)
    expect(names).toContain(emu.seed.experimentName)
    const list = emu.requests.find(
      r => r.path.endsWith('/experiments') && r.path.startsWith('/history/v1.0/subscriptions/')
    )
    expect(list?.method).toBe('GET')
  })

  it('list-experiments falls back to POST experiments:query when the GET list is unknown', async () => {
    emu.faults.add({
      match: { method: 'GET', path: '/history/v1\\.0/.*/experiments$' },
      kind: 'status',
      status: 404,
      times: 1
    })
    const result = await step({ operation: 'list-experiments', ...workspaceInputs(emu) })
    expect(result.exitCode).toBe(0)
    expect(Number(result.outputs.count)).toBeGreaterThanOrEqual(1)
    expect(emu.requests.some(r => r.method === 'POST' && r.path.endsWith('/experiments:query'))).toBe(true)
  })

  it('list-models: GET modelmanagement/v1.0{WS}/models', async () => {
    const result = await step({ operation: 'list-models', ...workspaceInputs(emu) })
    expect(result.exitCode).toBe(0)
    const ids = JSON.parse(result.outputs.response).value.map((m: { id: string }) => m.id)
    expect(ids).toContain(emu.seed.modelId)
    expect(result.outputs.count).toBe(String(ids.length))
  })
})

describe('request', () => {
  it('GETs an ARM path with placeholders, adding api-version', async () => {
    const result = await step({
      operation: 'request',
      ...workspaceInputs(emu),
      path: `{WS}/computes/${emu.seed.computeName}`
    })
    expect(result.exitCode).toBe(0)
    expect(result.outputs.statusCode).toBe('200')
    expect(JSON.parse(result.outputs.response).name).toBe(emu.seed.computeName)
  })

  it('calls the data plane with service: api', async () => {
    const result = await step({
      operation: 'request',
      ...workspaceInputs(emu),
      service: 'api',
      method: 'POST',
      path: '/history/v1.0{WS}/experiments:query',
      body: '{}'
    })
    expect(result.exitCode).toBe(0)
    expect(JSON.parse(result.outputs.response).value.length).toBeGreaterThanOrEqual(1)
  })

  it('fails on an error answer but still sets statusCode and response', async () => {
    const result = await step({ operation: 'request', ...workspaceInputs(emu), path: '{WS}/computes/missing-compute' })
    expect(result.exitCode).toBe(1)
    expect(result.outputs.statusCode).toBe('404')
    expect(JSON.parse(result.outputs.response).error.code).toBeTruthy()
  })

  it('dry-run prints a PUT as curl with the token masked and does not send it', async () => {
    const result = await step({
      operation: 'request',
      ...workspaceInputs(emu),
      method: 'PUT',
      path: '{WS}/computes/new-compute',
      body: JSON.stringify({ location: 'centralus', properties: { computeType: 'AmlCompute' } }),
      'dry-run': 'true'
    })
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toMatch(/curl -X PUT/)
    expect(result.stdout).toMatch(/Authorization: Bearer \*\*\*/)
    expect(emu.requests.some(r => r.method === 'PUT')).toBe(false)
  })
})

describe('throttling', () => {
  it('waits out a 429 with Retry-After and succeeds', async () => {
    emu.faults.add({
      match: { method: 'GET', path: '/computes$' },
      kind: 'status',
      status: 429,
      headers: { 'Retry-After': '1' },
      times: 1
    })
    const result = await step({ operation: 'list-computes', ...workspaceInputs(emu) })
    expect(result.exitCode).toBe(0)
    const lists = emu.requests.filter(r => r.method === 'GET' && r.path.endsWith('/computes'))
    expect(lists.map(r => r.status)).toEqual([429, 200])
    expect(lists[1].time - lists[0].time).toBeGreaterThanOrEqual(1000)
  })

  it('retries a connection reset', async () => {
    emu.faults.add({ match: { method: 'GET', path: '/resourcegroups$' }, kind: 'reset', times: 1 })
    const result = await step({ operation: 'list-resource-groups', ...connection(emu) })
    expect(result.exitCode).toBe(0)
    expect(Number(result.outputs.count)).toBeGreaterThanOrEqual(1)
  })
})
