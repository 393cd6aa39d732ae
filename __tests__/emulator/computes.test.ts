/** ARM: computes and their long-running operations (resources/computes.ts, arm/lro.ts). */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import type { Emulator } from '../../emulator/index.js'
import { call, startFast, token, waitFor, wsPath, computeBody, type Answer } from './helpers.js'

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

describe('computes', () => {
  it('lists and gets the seeded AmlCompute; 404 for an unknown one', async () => {
    const list = await arm(`${wsPath(emu)}/computes`)
    // The seed's computeName and the clusters named as Azure's examples name them.
    expect(list.json.value.map((c: { name: string }) => c.name)).toEqual([
      emu.seed.computeName,
      'gpu-v100-1GPU-cluster'
    ])
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
    expect(name.json.error.message).toContain('between 2 and 24 characters')
    // Azure's own example names are taken (21 characters, upper case in the middle).
    const azureName = await arm(`${wsPath(emu)}/computes/gpu-v100-1GPU-clstr2`, { method: 'PUT', body: computeBody() })
    expect(azureName.status).toBe(201)
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
