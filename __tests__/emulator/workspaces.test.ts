/** ARM: resource groups, workspaces and their long-running operations, api-version (resources/workspaces.ts, arm/). */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import type { Emulator } from '../../emulator/index.js'
import { call, startFast, token, waitFor, wsPath, type Answer } from './helpers.js'

let emu: Emulator
let tok: string
beforeAll(async () => {
  emu = await startFast()
  tok = await token(emu)
})
afterAll(() => emu.close())
beforeEach(() => {
  emu.reset()
})

const V = '2019-11-01'
const arm = (path: string, init: Parameters<typeof call>[1] = {}): Promise<Answer> =>
  call(`${emu.url}${path}${path.includes('?') ? '&' : '?'}api-version=${V}`, { token: tok, ...init })

function workspaceBody(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    location: 'centralus',
    properties: {
      friendlyName: 'New workspace',
      description: 'made by a test',
      storageAccount: emu.seed.storageAccountId,
      keyVault: emu.seed.keyVaultId,
      applicationInsights: emu.seed.applicationInsightsId,
      containerRegistry: emu.seed.containerRegistryId,
      ...over
    },
    identity: { type: 'systemAssigned' }
  }
}

describe('resource groups', () => {
  it('lists and gets them, with ARM ids and correlation headers', async () => {
    const list = await call(
      `${emu.url}/subscriptions/${emu.seed.subscriptionId}/resourcegroups?api-version=2019-10-01`,
      {
        token: tok,
        headers: { 'x-ms-correlation-request-id': 'corr-123' }
      }
    )
    expect(list.status).toBe(200)
    expect(list.json.value.map((g: { name: string }) => g.name)).toEqual([
      emu.seed.resourceGroup,
      emu.seed.otherResourceGroup
    ])
    expect(list.headers.get('x-ms-request-id')).toMatch(/^[0-9a-f-]{36}$/)
    expect(list.headers.get('x-ms-correlation-request-id')).toBe('corr-123')
    const one = await arm(`/subscriptions/${emu.seed.subscriptionId}/resourceGroups/${emu.seed.resourceGroup}`)
    expect(one.json).toMatchObject({
      name: emu.seed.resourceGroup,
      location: 'centralus',
      type: 'Microsoft.Resources/resourceGroups'
    })
    const missing = await arm(`/subscriptions/${emu.seed.subscriptionId}/resourceGroups/nope`)
    expect(missing.status).toBe(404)
    expect(missing.json.error.code).toBe('ResourceGroupNotFound')
    const sub = await arm('/subscriptions/00000000-0000-4000-8000-000000000000/resourcegroups')
    expect(sub.status).toBe(404)
    expect(sub.json.error.code).toBe('SubscriptionNotFound')
  })

  it('takes Microsoft.Resources api-versions and words a wrong one as ARM does', async () => {
    const base = `${emu.url}/subscriptions/${emu.seed.subscriptionId}/resourcegroups`
    for (const v of ['2019-08-01', '2019-10-01', '2019-11-01']) {
      expect((await call(`${base}?api-version=${v}`, { token: tok })).status).toBe(200)
    }
    const bad = await call(`${base}?api-version=2030-01-01`, { token: tok })
    expect(bad.status).toBe(400)
    expect(bad.json.error.code).toBe('InvalidApiVersionParameter')
    expect(bad.json.error.message).toContain("The api-version '2030-01-01' is invalid")
    expect(bad.json.error.message).toContain('2019-10-01')
  })
})

describe('api-version on Machine Learning routes', () => {
  it('is required, and an unknown one lists the supported versions', async () => {
    const missing = await call(`${emu.url}${wsPath(emu)}`, { token: tok })
    expect(missing.status).toBe(400)
    expect(missing.json.error.code).toBe('MissingApiVersionParameter')
    const unknown = await call(`${emu.url}${wsPath(emu)}?api-version=2019-11-02`, { token: tok })
    expect(unknown.status).toBe(400)
    expect(unknown.json.error.code).toBe('NoRegisteredProviderFound')
    expect(unknown.json.error.message).toContain("'2018-03-01-preview, 2018-11-19, 2019-05-01,")
    expect(unknown.json.error.message).toContain('2026-09-01')
    expect((await call(`${emu.url}${wsPath(emu)}?api-version=2024-04-01`, { token: tok })).status).toBe(200)
  })
})

describe('workspaces', () => {
  it('GET has the discovery URL, which answers with the api server', async () => {
    const ws = await arm(wsPath(emu))
    expect(ws.status).toBe(200)
    expect(ws.json).toMatchObject({
      name: emu.seed.workspaceName,
      type: 'Microsoft.MachineLearningServices/workspaces',
      location: 'centralus',
      properties: { provisioningState: 'Succeeded', storageAccount: emu.seed.storageAccountId }
    })
    expect(ws.json.properties.discoveryUrl).toBe(`${emu.apiUrl}/discovery`)
    const disc = await call(ws.json.properties.discoveryUrl)
    expect(disc.status).toBe(200)
    expect(disc.json).toMatchObject({ api: emu.apiUrl, history: emu.apiUrl, modelmanagement: emu.apiUrl })
    const missing = await arm(wsPath(emu, 'nope'))
    expect(missing.status).toBe(404)
    expect(missing.json.error.code).toBe('ResourceNotFound')
  })

  it('lists by resource group (with the guide trailing slash) and by subscription', async () => {
    const rgList = await call(
      `${emu.url}/subscriptions/${emu.seed.subscriptionId}/resourceGroups/${emu.seed.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/?api-version=${V}`,
      { token: tok }
    )
    expect(rgList.json.value.map((w: { name: string }) => w.name)).toEqual([emu.seed.workspaceName])
    const subList = await arm(
      `/subscriptions/${emu.seed.subscriptionId}/providers/Microsoft.MachineLearningServices/workspaces`
    )
    expect(subList.json.value).toHaveLength(1)
  })

  it('PUT answers 202 + Location + Retry-After, polled until the workspace is Succeeded', async () => {
    const put = await arm(wsPath(emu, 'ws-new'), { method: 'PUT', body: workspaceBody() })
    expect(put.status).toBe(202)
    expect(put.headers.get('retry-after')).toBe('0')
    const location = put.headers.get('location')!
    expect(
      location.startsWith(
        `${emu.url}/subscriptions/${emu.seed.subscriptionId}/providers/Microsoft.MachineLearningServices/locations/centralus/operationResults/`
      )
    ).toBe(true)
    expect(put.headers.get('azure-asyncoperation')).toBeNull()
    const during = await call(location, { token: tok })
    expect(during.status).toBe(202)
    expect((await arm(wsPath(emu, 'ws-new'))).json.properties.provisioningState).toBe('Creating')
    const done = await waitFor(async () => {
      const a = await call(location, { token: tok })
      return a.status === 202 ? undefined : a
    })
    expect(done.status).toBe(200)
    expect(done.json).toMatchObject({
      name: 'ws-new',
      properties: { provisioningState: 'Succeeded', friendlyName: 'New workspace' }
    })
    expect(done.json.identity).toMatchObject({ type: 'SystemAssigned', tenantId: emu.seed.tenantId })
    // The polling URL needs a token too.
    expect((await call(location)).status).toBe(401)
    // A second PUT of an existing workspace is a synchronous update.
    const again = await arm(wsPath(emu, 'ws-new'), { method: 'PUT', body: workspaceBody({ friendlyName: 'Renamed' }) })
    expect(again.status).toBe(200)
    expect(again.json.properties.friendlyName).toBe('Renamed')
  })

  it('refuses malformed or missing dependent resources, a registry without admin user, a name taken elsewhere', async () => {
    const noSlash = await arm(wsPath(emu, 'ws-x'), {
      method: 'PUT',
      body: workspaceBody({ applicationInsights: emu.seed.applicationInsightsId.slice(1) })
    })
    expect(noSlash.status).toBe(400)
    expect(noSlash.json.error.code).toBe('LinkedInvalidPropertyId')
    expect(noSlash.json.error.message).toContain('properties.applicationInsights')

    const wrongType = await arm(wsPath(emu, 'ws-x'), {
      method: 'PUT',
      body: workspaceBody({ storageAccount: emu.seed.keyVaultId })
    })
    expect(wrongType.json.error.message).toContain(
      'properties.storageAccount must be the id of a Microsoft.Storage/storageAccounts'
    )

    const missing = await arm(wsPath(emu, 'ws-x'), {
      method: 'PUT',
      body: workspaceBody({ keyVault: emu.seed.keyVaultId.replace('kv01', 'kv99') })
    })
    expect(missing.status).toBe(400)
    expect(missing.json.error.message).toMatch(/key vault 'wsdemo-kv99' .* was not found/)

    const noAdmin = await arm(wsPath(emu, 'ws-x'), {
      method: 'PUT',
      body: workspaceBody({ containerRegistry: emu.seed.containerRegistryNoAdminId })
    })
    expect(noAdmin.status).toBe(400)
    expect(noAdmin.json.error.message).toContain('admin user enabled')

    const taken = await arm(wsPath(emu, emu.seed.workspaceName, emu.seed.otherResourceGroup), {
      method: 'PUT',
      body: workspaceBody()
    })
    expect(taken.status).toBe(409)
    expect(taken.json.error.message).toContain(
      `already in use by a workspace in resource group '${emu.seed.resourceGroup}'`
    )

    const noLocation = await arm(wsPath(emu, 'ws-x'), {
      method: 'PUT',
      body: { ...workspaceBody(), location: undefined }
    })
    expect(noLocation.json.error.code).toBe('LocationRequired')
  })

  it('DELETE answers 202 + Location; then 204 on the Location and 404 on GET; data plane 404 too', async () => {
    const del = await arm(wsPath(emu), { method: 'DELETE' })
    expect(del.status).toBe(202)
    expect((await arm(wsPath(emu))).json.properties.provisioningState).toBe('Deleting')
    const loc = del.headers.get('location')!
    const done = await waitFor(async () => {
      const a = await call(loc, { token: tok })
      return a.status === 202 ? undefined : a
    })
    expect(done.status).toBe(204)
    expect((await arm(wsPath(emu))).status).toBe(404)
    const dp = await call(`${emu.apiUrl}/history/v1.0${wsPath(emu)}/experiments`, { token: tok })
    expect(dp.status).toBe(404)
    expect((await arm(wsPath(emu), { method: 'DELETE' })).status).toBe(204)
  })

  it('a provision-fail fault ends the workspace Failed with the quota error on the Location', async () => {
    emu.faults.add({ match: { method: 'PUT', path: '/workspaces/ws-q$' }, kind: 'provision-fail' })
    const put = await arm(wsPath(emu, 'ws-q'), { method: 'PUT', body: workspaceBody() })
    const done = await waitFor(async () => {
      const a = await call(put.headers.get('location')!, { token: tok })
      return a.status === 202 ? undefined : a
    })
    expect(done.status).toBe(409)
    expect(done.json.error.code).toBe('QuotaExceeded')
    expect((await arm(wsPath(emu, 'ws-q'))).json.properties.provisioningState).toBe('Failed')
  })
})
