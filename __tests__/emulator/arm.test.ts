/** ARM: resource groups, workspaces, computes and their long-running operations; api-version; spec violations. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { loadSpecs, type Emulator } from '../../emulator/index.js'
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

function computeBody(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    location: 'centralus',
    properties: {
      computeType: 'AmlCompute',
      properties: {
        vmSize: 'Standard_D1',
        vmPriority: 'Dedicated',
        scaleSettings: { maxNodeCount: 1, minNodeCount: 0, nodeIdleTimeBeforeScaleDown: 'PT30M' },
        ...over
      }
    },
    // The guide puts the credentials here, outside `properties`; ARM ignores what the schema does not know.
    userAccountCredentials: { adminUserName: 'azureuser', adminUserPassword: 'P@ssw0rd!' }
  }
}

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
    expect(unknown.json.error.message).toContain("'2019-11-01, 2024-04-01'")
    expect((await call(`${emu.url}${wsPath(emu)}?api-version=2024-04-01`, { token: tok })).status).toBe(200)
  })
})

describe('conformance', () => {
  it('answers 400 SpecViolation naming the field of a body that breaks the schema', async () => {
    const bad = await arm(`${wsPath(emu)}/computes/c1`, {
      method: 'PUT',
      body: computeBody({ vmPriority: 'Cheap', scaleSettings: { minNodeCount: 'zero' } })
    })
    expect(bad.status).toBe(400)
    expect(bad.json.error.code).toBe('SpecViolation')
    expect(bad.json.error.message).toContain('MachineLearningCompute_CreateOrUpdate')
    expect(bad.json.error.message).toContain(
      "properties.properties.vmPriority must be one of 'Dedicated', 'LowPriority'"
    )
    expect(bad.json.error.message).toContain('properties.properties.scaleSettings.maxNodeCount is required')
    expect(bad.json.error.message).toContain('properties.properties.scaleSettings.minNodeCount must be integer')
  })

  it('names a missing required query parameter, a wrong method, an unknown path, a non-JSON body', async () => {
    const del = await arm(`${wsPath(emu)}/computes/${emu.seed.computeName}`, { method: 'DELETE' })
    expect(del.status).toBe(400)
    expect(del.json.error.message).toContain("required query parameter 'underlyingResourceAction'")
    const enumBad = await arm(`${wsPath(emu)}/computes/${emu.seed.computeName}?underlyingResourceAction=Remove`, {
      method: 'DELETE'
    })
    expect(enumBad.json.error.message).toContain("'Delete', 'Detach'")
    const method = await arm(`${wsPath(emu)}/computes`, { method: 'POST', body: {} })
    expect(method.json.error).toMatchObject({ code: 'SpecViolation' })
    expect(method.json.error.message).toContain('The specs allow GET on')
    const unknown = await arm(`${wsPath(emu)}/notebooks`)
    expect(unknown.status).toBe(400)
    expect(unknown.json.error.message).toContain('No operation of the Azure specs matches')
    const dataPlaneOnArm = await call(`${emu.url}/history/v1.0${wsPath(emu)}/experiments/x`, { token: tok })
    expect(dataPlaneOnArm.json.error.message).toContain(emu.apiUrl)
    const notJson = await arm(`${wsPath(emu)}/computes/c1`, {
      method: 'PUT',
      body: '{"location":',
      headers: { 'Content-Type': 'application/json' }
    })
    expect(notJson.json.error.message).toContain('not valid JSON')
  })

  it('answers 501 for an operation the spec has but the emulator does not implement', async () => {
    const keys = await arm(`${wsPath(emu)}/listKeys`, { method: 'POST' })
    expect(keys.status).toBe(501)
    expect(keys.json.error.message).toContain('Workspaces_ListKeys')
  })

  it("emulator answers conform to the spec's response schemas", async () => {
    const specs = await loadSpecs()
    const checks: [string, string, number][] = [
      ['Workspaces_Get', wsPath(emu), 200],
      [
        'Workspaces_ListByResourceGroup',
        `/subscriptions/${emu.seed.subscriptionId}/resourceGroups/${emu.seed.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces`,
        200
      ],
      ['MachineLearningCompute_ListByWorkspace', `${wsPath(emu)}/computes`, 200],
      ['MachineLearningCompute_Get', `${wsPath(emu)}/computes/${emu.seed.computeName}`, 200]
    ]
    for (const [op, path, status] of checks) {
      const a = await arm(path)
      expect(a.status).toBe(status)
      expect([op, specs.validateResponse(op, a.status, a.json)]).toEqual([op, []])
    }
    const rg = await call(`${emu.url}/subscriptions/${emu.seed.subscriptionId}/resourcegroups?api-version=2019-10-01`, {
      token: tok
    })
    expect(specs.validateResponse('ResourceGroups_List', 200, rg.json)).toEqual([])
    // and the validator does catch a wrong body
    expect(specs.validateResponse('Workspaces_Get', 200, { name: 7 })).toEqual(['name must be string'])
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

describe('computes', () => {
  it('lists and gets the seeded AmlCompute; 404 for an unknown one', async () => {
    const list = await arm(`${wsPath(emu)}/computes`)
    expect(list.json.value.map((c: { name: string }) => c.name)).toEqual([emu.seed.computeName])
    const one = await arm(`${wsPath(emu)}/computes/${emu.seed.computeName}`)
    expect(one.json.properties).toMatchObject({ computeType: 'AmlCompute', provisioningState: 'Succeeded' })
    const none = await arm(`${wsPath(emu)}/computes/nope`)
    expect(none.status).toBe(404)
    expect(none.json.error.code).toBe('ResourceNotFound')
  })

  it('PUT answers 201 + Azure-AsyncOperation: InProgress, then Succeeded; vmSize comes back upper-cased', async () => {
    const put = await arm(`${wsPath(emu)}/computes/gpu-1`, { method: 'PUT', body: computeBody() })
    expect(put.status).toBe(201)
    expect(put.json.properties.provisioningState).toBe('Creating')
    const op = put.headers.get('azure-asyncoperation')!
    expect(op).toContain('/operationsStatus/')
    expect(op).toContain(`api-version=${V}`)
    const first = await call(op, { token: tok })
    expect(first.json.status).toBe('InProgress')
    const done = await waitFor(async () => {
      const a = await call(op, { token: tok })
      return a.json.status === 'InProgress' ? undefined : a
    })
    expect(done.json.status).toBe('Succeeded')
    const get = await arm(`${wsPath(emu)}/computes/gpu-1`)
    expect(get.json.properties.provisioningState).toBe('Succeeded')
    expect(get.json.properties.properties.vmSize).toBe('STANDARD_D1')
    expect(get.json.properties.properties.userAccountCredentials).toBeUndefined()
  })

  it('an existing compute: same settings → 200, different → 409 naming what differs', async () => {
    const same = await arm(`${wsPath(emu)}/computes/${emu.seed.computeName}`, { method: 'PUT', body: computeBody() })
    expect(same.status).toBe(200)
    const diff = await arm(`${wsPath(emu)}/computes/${emu.seed.computeName}`, {
      method: 'PUT',
      body: computeBody({ vmSize: 'Standard_NC6', scaleSettings: { maxNodeCount: 4 } })
    })
    expect(diff.status).toBe(409)
    expect(diff.json.error.message).toContain("properties.properties.vmSize is 'STANDARD_D1', requested 'Standard_NC6'")
    expect(diff.json.error.message).toContain("scaleSettings.maxNodeCount is '1', requested '4'")
  })

  it('validates names and node counts', async () => {
    const name = await arm(`${wsPath(emu)}/computes/1-bad_name`, { method: 'PUT', body: computeBody() })
    expect(name.status).toBe(400)
    expect(name.json.error.message).toContain('between 2 and 16 characters')
    const counts = await arm(`${wsPath(emu)}/computes/c2`, {
      method: 'PUT',
      body: computeBody({ scaleSettings: { maxNodeCount: 1, minNodeCount: 3 } })
    })
    expect(counts.status).toBe(400)
  })

  it('DELETE answers 202 with Azure-AsyncOperation and Location; Deleting, then 404', async () => {
    const del = await arm(`${wsPath(emu)}/computes/${emu.seed.computeName}?underlyingResourceAction=Delete`, {
      method: 'DELETE'
    })
    expect(del.status).toBe(202)
    const op = del.headers.get('azure-asyncoperation')!
    const loc = del.headers.get('location')!
    expect(op).toContain('/operationsStatus/')
    expect(loc).toContain('/operationResults/')
    expect((await arm(`${wsPath(emu)}/computes/${emu.seed.computeName}`)).json.properties.provisioningState).toBe(
      'Deleting'
    )
    await waitFor(async () => ((await call(op, { token: tok })).json.status === 'Succeeded' ? true : undefined))
    expect((await call(loc, { token: tok })).status).toBe(204)
    expect((await arm(`${wsPath(emu)}/computes/${emu.seed.computeName}`)).status).toBe(404)
  })

  it('a provision-fail fault: the operation ends Failed with QuotaExceeded, the compute Failed', async () => {
    emu.faults.add({ match: { operationId: 'MachineLearningCompute_CreateOrUpdate' }, kind: 'provision-fail' })
    const put = await arm(`${wsPath(emu)}/computes/big-1`, {
      method: 'PUT',
      body: computeBody({ vmSize: 'Standard_D2_v2' })
    })
    expect(put.status).toBe(201)
    const op = put.headers.get('azure-asyncoperation')!
    const done = await waitFor(async () => {
      const a = await call(op, { token: tok })
      return a.json.status === 'InProgress' ? undefined : a
    })
    expect(done.json.status).toBe('Failed')
    expect(done.json.error.code).toBe('QuotaExceeded')
    expect(done.json.error.message).toContain('exceeding approved standardDv2Family Cores quota')
    const get = await arm(`${wsPath(emu)}/computes/big-1`)
    expect(get.json.properties.provisioningState).toBe('Failed')
    expect(get.json.properties.provisioningErrors[0].error.code).toBe('QuotaExceeded')
  })
})
