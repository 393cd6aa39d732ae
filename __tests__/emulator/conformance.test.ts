/** Spec violations and the conformance of the answers (core/conformance.ts). */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { loadSpecs, type Emulator } from '../../emulator/index.js'
import { call, startFast, token, wsPath, computeBody, type Answer } from './helpers.js'

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

  it("takes '/' as an inferenceConfig route path (Microsoft's custom-container examples), not an empty one", async () => {
    const routes = (path: string) => ({
      livenessRoute: { path, port: 5001 },
      readinessRoute: { path: '/ready', port: 5001 },
      scoringRoute: { path: '/score', port: 5001 }
    })
    const put = (path: string) =>
      call(`${emu.url}${wsPath(emu)}/environments/routes/versions/1?api-version=2024-04-01`, {
        token: tok,
        method: 'PUT',
        body: {
          properties: {
            image: 'mcr.microsoft.com/azureml/minimal-ubuntu22.04-py39-cpu-inference',
            inferenceConfig: routes(path)
          }
        }
      })
    const empty = await put('')
    expect(empty.status).toBe(400)
    expect(empty.json.error.message).toContain('properties.inferenceConfig.livenessRoute.path')
    expect((await put('/')).status).toBeLessThan(300)
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
