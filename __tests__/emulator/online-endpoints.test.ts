/**
 * Online endpoints and deployments through the REST API (resources/online-endpoints.ts, online-deployments.ts,
 * inference-server.ts, inference_harness.py): endpoints and deployments as ARM long-running operations, a deployment
 * whose model and scoring script come from Azurite and really serve (init() once, run() per request), keys, AML and
 * Entra tokens, the traffic split and the `azureml-model-deployment` header, the scoring status codes (401, 404, 408,
 * 424), a failing init() with its traceback in getLogs, deletes, faults, and a model registered from a job's output.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { loadSpecs, type Emulator } from '../../emulator/index.js'
import {
  arm2,
  call,
  commandJob,
  datastoreSasUrl as containerSasUrl,
  putEnvironment,
  startFast,
  token,
  uploadCode,
  waitFor,
  waitForJob,
  wsPath,
  type Answer
} from './helpers.js'

const MFE = 'mfe-2024-04-01'

let emu: Emulator
let tok: string
let envId: string
let specs: Awaited<ReturnType<typeof loadSpecs>>

beforeAll(async () => {
  ;[emu, specs] = await Promise.all([startFast(), loadSpecs()])
  tok = await token(emu)
  envId = await putEnvironment(emu, tok)
}, 60_000)
afterAll(() => emu.close())

const SCORE_PY = [
  'import json, os, time',
  'model = None',
  '',
  'def init():',
  '    global model',
  '    if os.environ.get("FAIL_INIT"):',
  '        raise ValueError("init failed on purpose: " + os.environ["FAIL_INIT"])',
  '    # A model folder is mounted under its own name, as Azure does.',
  '    path = os.path.join(os.environ["AZUREML_MODEL_DIR"], os.environ.get("MODEL_FOLDER", "reg"), "model.json")',
  '    with open(path) as f:',
  '        model = json.load(f)',
  '    print("model loaded:", model, flush=True)',
  '',
  'def run(raw_data):',
  '    data = json.loads(raw_data)',
  '    if data.get("boom"):',
  '        raise RuntimeError("run exploded")',
  '    if data.get("sleep"):',
  '        time.sleep(data["sleep"])',
  '    if data.get("as_text"):',
  '        return "plain text answer"',
  '    preds = [model["w"] * x + model["b"] for x in data["data"]]',
  '    return {"predictions": preds, "tag": os.environ.get("TAG", "")}'
].join('\n')

const epPath = (name: string): string => `${wsPath(emu)}/onlineEndpoints/${name}`
const depPath = (ep: string, d: string): string => `${epPath(ep)}/deployments/${d}`

/** Polls an `Azure-AsyncOperation` URL until the operation has ended. */
async function waitAsync(a: Answer, timeoutMs = 30_000): Promise<Answer> {
  const url = a.headers.get('azure-asyncoperation')
  if (!url) throw new Error(`no Azure-AsyncOperation header: ${a.status} ${a.text}`)
  return waitFor(
    async () => {
      const s = await call(url, { token: tok })
      return s.json?.status && s.json.status !== 'InProgress' ? s : undefined
    },
    timeoutMs,
    25
  )
}

async function createEndpoint(name: string, authMode = 'Key', props: Record<string, unknown> = {}): Promise<Answer> {
  const put = await arm2(emu, tok, epPath(name), {
    method: 'PUT',
    body: { location: 'centralus', tags: { team: 'ml' }, properties: { authMode, ...props } }
  })
  if (put.status !== 201) throw new Error(`endpoint PUT: ${put.status} ${put.text}`)
  const done = await waitAsync(put)
  expect(done.json.status).toBe('Succeeded')
  return put
}

/** The default datastore's container URL with its SAS (Datastores_Get + listSecrets, as the action builds it). */
async function datastoreSasUrl(): Promise<string> {
  const list = await arm2(emu, tok, `${wsPath(emu)}/datastores?isDefault=true`)
  const p = list.json.value[0].properties
  const secrets = await arm2(emu, tok, `${wsPath(emu)}/datastores/${list.json.value[0].name}/listSecrets`, {
    method: 'POST'
  })
  return containerSasUrl(p, secrets.json)
}

/** Uploads `model.json` to the default datastore and registers model version `name:version`; returns its ARM id. */
async function registerModel(name: string, version: string, model: { w: number; b: number }): Promise<string> {
  const { ContainerClient } = await import('@azure/storage-blob')
  const store = new ContainerClient(await datastoreSasUrl())
  const text = JSON.stringify(model)
  await store.getBlockBlobClient(`models/${name}/${version}/reg/model.json`).upload(text, Buffer.byteLength(text))
  const put = await arm2(emu, tok, `${wsPath(emu)}/models/${name}/versions/${version}`, {
    method: 'PUT',
    body: {
      properties: {
        modelUri: `azureml://datastores/workspaceblobstore/paths/models/${name}/${version}/reg/`,
        modelType: 'custom_model',
        description: 'y = w*x + b'
      }
    }
  })
  if (put.status !== 201) throw new Error(`model version PUT: ${put.status} ${put.text}`)
  expect(specs.validateResponse('ModelVersions_CreateOrUpdate', 201, put.json, MFE)).toEqual([])
  return put.json.id as string
}

let codeId: string | undefined
async function scoringCode(): Promise<string> {
  codeId ??= (await uploadCode(emu, tok, { 'score.py': SCORE_PY }, { name: 'scoring-code' })).id
  return codeId
}

function deploymentBody(
  modelId: string | undefined,
  code: string,
  over: Record<string, unknown> = {},
  capacity = 1
): Record<string, unknown> {
  return {
    location: 'centralus',
    sku: { name: 'Default', capacity },
    properties: {
      endpointComputeType: 'Managed',
      ...(modelId ? { model: modelId } : {}),
      codeConfiguration: { codeId: code, scoringScript: 'score.py' },
      environmentId: envId,
      instanceType: 'Standard_DS3_v2',
      ...over
    }
  }
}

async function deploy(ep: string, d: string, body: Record<string, unknown>): Promise<{ put: Answer; done: Answer }> {
  const put = await arm2(emu, tok, depPath(ep, d), { method: 'PUT', body })
  if (put.status !== 201 && put.status !== 200) throw new Error(`deployment PUT: ${put.status} ${put.text}`)
  return { put, done: await waitAsync(put) }
}

async function setTraffic(ep: string, traffic: Record<string, number>, authMode = 'Key'): Promise<Answer> {
  const put = await arm2(emu, tok, epPath(ep), {
    method: 'PUT',
    body: { location: 'centralus', properties: { authMode, traffic } }
  })
  if (put.status === 200) await waitAsync(put)
  return put
}

function score(uri: string, body: unknown, auth?: string, headers: Record<string, string> = {}): Promise<Answer> {
  return call(uri, {
    method: 'POST',
    body,
    headers: { ...(auth ? { Authorization: `Bearer ${auth}` } : {}), ...headers }
  })
}

describe('online endpoints', () => {
  it('creates an endpoint as an LRO (201 + Azure-AsyncOperation, Creating → Succeeded), lists, patches, keys', async () => {
    const put = await arm2(emu, tok, epPath('ep-basic'), {
      method: 'PUT',
      body: {
        location: 'centralus',
        tags: { team: 'ml' },
        properties: { authMode: 'Key', description: 'first', keys: { primaryKey: 'my-primary-key-123' } }
      }
    })
    expect(put.status).toBe(201)
    expect(specs.validateResponse('OnlineEndpoints_CreateOrUpdate', 201, put.json, MFE)).toEqual([])
    expect(put.json.properties.provisioningState).toBe('Creating')
    expect(put.json.properties.keys).toBeUndefined()
    expect(put.json.properties.scoringUri).toBe(`${emu.apiUrl}/endpoints/ep-basic/score`)
    expect(put.json.properties.swaggerUri).toBe(`${emu.apiUrl}/endpoints/ep-basic/swagger.json`)
    const asyncUrl = put.headers.get('azure-asyncoperation')!
    expect(asyncUrl).toMatch(/\/operationsStatus\/[^/?]+\?api-version=2024-04-01$/)
    expect((await call(asyncUrl, { token: tok })).json.status).toBe('InProgress')
    const done = await waitAsync(put)
    expect(done.json.status).toBe('Succeeded')

    const got = await arm2(emu, tok, epPath('ep-basic'))
    expect(got.status).toBe(200)
    expect(specs.validateResponse('OnlineEndpoints_Get', 200, got.json, MFE)).toEqual([])
    expect(got.json.properties).toMatchObject({ authMode: 'Key', provisioningState: 'Succeeded', traffic: {} })
    expect(got.json.properties.description).toBe('first')
    expect(got.json.identity.type).toBe('SystemAssigned')

    const list = await arm2(emu, tok, `${wsPath(emu)}/onlineEndpoints`)
    expect(specs.validateResponse('OnlineEndpoints_List', 200, list.json, MFE)).toEqual([])
    expect(list.json.value.map((e: { name: string }) => e.name)).toContain('ep-basic')

    const patch = await arm2(emu, tok, epPath('ep-basic'), { method: 'PATCH', body: { tags: { team: 'data' } } })
    expect(patch.status).toBe(200)
    expect(patch.json.tags).toEqual({ team: 'data' })

    const keys = await arm2(emu, tok, `${epPath('ep-basic')}/listKeys`, { method: 'POST' })
    expect(keys.status).toBe(200)
    expect(specs.validateResponse('OnlineEndpoints_ListKeys', 200, keys.json, MFE)).toEqual([])
    expect(keys.json.primaryKey).toBe('my-primary-key-123')
    expect(keys.json.secondaryKey).toMatch(/^[\w-]{20,}$/)

    const regen = await arm2(emu, tok, `${epPath('ep-basic')}/regenerateKeys`, {
      method: 'POST',
      body: { keyType: 'Secondary' }
    })
    expect(regen.status).toBe(202)
    const location = regen.headers.get('location')!
    await waitFor(async () => ((await call(location, { token: tok })).status === 204 ? true : undefined))
    const after = await arm2(emu, tok, `${epPath('ep-basic')}/listKeys`, { method: 'POST' })
    expect(after.json.primaryKey).toBe('my-primary-key-123')
    expect(after.json.secondaryKey).not.toBe(keys.json.secondaryKey)

    // A Key endpoint has no AML token.
    const tokenOnKey = await arm2(emu, tok, `${epPath('ep-basic')}/token`, { method: 'POST' })
    expect(tokenOnKey.status).toBe(400)
    expect(tokenOnKey.json.error.message).toContain("authMode 'Key'")
  })

  it('refuses bad endpoint PUTs: traffic to a missing deployment, a bad authMode or location, an unknown endpoint', async () => {
    await createEndpoint('ep-checks')
    const missing = await setTraffic('ep-checks', { nope: 100 })
    expect(missing.status).toBe(400)
    expect(missing.json.error.code).toBe('UserError')
    expect(missing.json.error.message).toContain("deployment 'nope', which does not exist")
    const badMode = await arm2(emu, tok, epPath('ep-checks2'), {
      method: 'PUT',
      body: { location: 'centralus', properties: { authMode: 'Password' } }
    })
    expect(badMode.status).toBe(400)
    const wrongLocation = await arm2(emu, tok, epPath('ep-checks3'), {
      method: 'PUT',
      body: { location: 'westeurope', properties: { authMode: 'Key' } }
    })
    expect(wrongLocation.status).toBe(400)
    const unknown = await arm2(emu, tok, epPath('ep-absent'))
    expect(unknown.status).toBe(404)
    expect(unknown.json.error.code).toBe('ResourceNotFound')
    const deployOnMissing = await arm2(emu, tok, depPath('ep-absent', 'blue'), {
      method: 'PUT',
      body: deploymentBody(undefined, await scoringCode())
    })
    expect(deployOnMissing.status).toBe(404)
  })

  it('deploys a model and a scoring script from Azurite; scores with the keys; traffic 100/0, the header; 401/404/424/408', async () => {
    const modelId = await registerModel('reg-model', '1', { w: 2, b: 1 })
    const modelV2 = await registerModel('reg-model', '2', { w: 10, b: 0 })
    const code = await scoringCode()
    const ep = await createEndpoint('ep-score')
    const uri = ep.json.properties.scoringUri as string

    const blue = await deploy(
      'ep-score',
      'blue',
      deploymentBody(modelId, code, {
        environmentVariables: { TAG: 'blue' },
        requestSettings: { requestTimeout: 'PT1S' }
      })
    )
    expect(blue.put.status).toBe(201)
    expect(specs.validateResponse('OnlineDeployments_CreateOrUpdate', 201, blue.put.json, MFE)).toEqual([])
    expect(blue.put.json.properties.provisioningState).toBe('Creating')
    expect(blue.done.json.status).toBe('Succeeded')
    const green = await deploy(
      'ep-score',
      'green',
      deploymentBody(modelV2, code, { environmentVariables: { TAG: 'green' } }, 2)
    )
    expect(green.done.json.status).toBe('Succeeded')

    const got = await arm2(emu, tok, depPath('ep-score', 'blue'))
    expect(got.json.properties.provisioningState).toBe('Succeeded')
    expect(specs.validateResponse('OnlineDeployments_Get', 200, got.json, MFE)).toEqual([])
    expect(got.json.sku.capacity).toBe(1)
    const list = await arm2(emu, tok, `${epPath('ep-score')}/deployments`)
    expect(specs.validateResponse('OnlineDeployments_List', 200, list.json, MFE)).toEqual([])
    expect(list.json.value.map((d: { name: string }) => d.name).sort()).toEqual(['blue', 'green'])

    const keys = (await arm2(emu, tok, `${epPath('ep-score')}/listKeys`, { method: 'POST' })).json
    // No traffic yet: 404 "no valid deployments", unless the header picks one.
    const none = await score(uri, { data: [1] }, keys.primaryKey)
    expect(none.status).toBe(404)
    expect(none.text).toContain('No valid deployments to route to')
    const byHeader = await score(uri, { data: [1, 2] }, keys.primaryKey, { 'azureml-model-deployment': 'green' })
    expect(byHeader.status).toBe(200)
    expect(byHeader.json).toEqual({ predictions: [10, 20], tag: 'green' })
    expect(byHeader.headers.get('azureml-model-deployment')).toBe('green')

    // Traffic 100/0: always blue; the secondary key works too; the header still reaches green.
    const traffic = await setTraffic('ep-score', { blue: 100, green: 0 })
    expect(traffic.status).toBe(200)
    expect(traffic.json.properties.traffic).toEqual({ blue: 100, green: 0 })
    for (let i = 0; i < 8; i++) {
      const a = await score(uri, { data: [1, 2, 3] }, i % 2 ? keys.secondaryKey : keys.primaryKey)
      expect(a.status).toBe(200)
      expect(a.headers.get('azureml-model-deployment')).toBe('blue')
      expect(a.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
      expect(a.json).toEqual({ predictions: [3, 5, 7], tag: 'blue' })
    }
    const green2 = await score(uri, { data: [1] }, keys.primaryKey, { 'azureml-model-deployment': 'green' })
    expect(green2.json.predictions).toEqual([10])
    const nobody = await score(uri, { data: [1] }, keys.primaryKey, { 'azureml-model-deployment': 'purple' })
    expect(nobody.status).toBe(404)
    expect(nobody.text).toContain("'purple'")

    // A str returned by run() is sent as it is.
    const plain = await score(uri, { as_text: true }, keys.primaryKey)
    expect(plain.status).toBe(200)
    expect(plain.text).toBe('plain text answer')

    // Traffic that does not add up, or naming a missing deployment: 400, nothing changed.
    const bad = await setTraffic('ep-score', { blue: 50, green: 40 })
    expect(bad.status).toBe(400)
    expect(bad.json.error.message).toContain('add up to 100')
    expect((await arm2(emu, tok, epPath('ep-score'))).json.properties.traffic).toEqual({ blue: 100, green: 0 })

    // Auth failures: 401.
    expect((await score(uri, { data: [1] })).status).toBe(401)
    const wrong = await score(uri, { data: [1] }, 'not-a-key')
    expect(wrong.status).toBe(401)
    expect(wrong.headers.get('www-authenticate')).toBe('Bearer')
    expect((await score(uri, { data: [1] }, tok)).status).toBe(401)

    // run() raising: 424 with the model-error headers and the traceback.
    const boom = await score(uri, { boom: true }, keys.primaryKey)
    expect(boom.status).toBe(424)
    expect(boom.headers.get('ms-azureml-model-error-statuscode')).toBe('500')
    expect(boom.headers.get('ms-azureml-model-error-reason')).toBe('model_error')
    expect(boom.headers.get('azureml-model-deployment')).toBe('blue')
    expect(boom.text).toContain('Traceback (most recent call last)')
    expect(boom.text).toContain('RuntimeError: run exploded')

    // Longer than requestSettings.requestTimeout (PT1S): 408; the server keeps serving afterwards.
    const slow = await score(uri, { sleep: 1.5, data: [1] }, keys.primaryKey)
    expect(slow.status).toBe(408)
    const next = await score(uri, { data: [0] }, keys.primaryKey)
    expect(next.status).toBe(200)
    expect(next.json.predictions).toEqual([1])

    // The logs: init's print, the access lines, run()'s traceback; the storage initializer's downloads.
    const logs = await arm2(emu, tok, `${depPath('ep-score', 'blue')}/getLogs`, {
      method: 'POST',
      body: { containerType: 'InferenceServer' }
    })
    expect(logs.status).toBe(200)
    expect(specs.validateResponse('OnlineDeployments_GetLogs', 200, logs.json, MFE)).toEqual([])
    expect(logs.json.content).toContain("model loaded: {'w': 2, 'b': 1}")
    expect(logs.json.content).toContain('RuntimeError: run exploded')
    expect(logs.json.content).toMatch(/ 200 POST \/score \d+ ms/)
    const tail = await arm2(emu, tok, `${depPath('ep-score', 'blue')}/getLogs`, { method: 'POST', body: { tail: 2 } })
    expect(tail.json.content.trimEnd().split('\n')).toHaveLength(2)
    const storage = await arm2(emu, tok, `${depPath('ep-score', 'blue')}/getLogs`, {
      method: 'POST',
      body: { containerType: 'StorageInitializer' }
    })
    expect(storage.json.content).toContain(
      'Downloading model azureml://datastores/workspaceblobstore/paths/models/reg-model/1/reg/'
    )
    expect(storage.json.content).toContain('Downloaded 1 code file(s)')

    // Swagger, with the key.
    const swagger = await call(ep.json.properties.swaggerUri, { token: keys.primaryKey })
    expect(swagger.status).toBe(200)
    expect(swagger.json.paths['/score']).toBeDefined()

    // PATCH: tags and capacity.
    const patched = await arm2(emu, tok, depPath('ep-score', 'green'), {
      method: 'PATCH',
      body: { tags: { v: '2' }, sku: { capacity: 3 } }
    })
    expect(patched.status).toBe(200)
    expect(patched.json.sku.capacity).toBe(3)
    expect(patched.json.tags).toEqual({ v: '2' })
    const skus = await arm2(emu, tok, `${depPath('ep-score', 'green')}/skus`)
    expect(specs.validateResponse('OnlineDeployments_ListSkus', 200, skus.json, MFE)).toEqual([])

    // Deleting a deployment that has traffic: 400. Move the traffic, then it goes (202 + Location, then 404).
    const refused = await arm2(emu, tok, depPath('ep-score', 'blue'), { method: 'DELETE' })
    expect(refused.status).toBe(400)
    expect(refused.json.error.message).toContain('100% of the traffic')
    expect((await setTraffic('ep-score', { green: 100 })).status).toBe(200)
    const del = await arm2(emu, tok, depPath('ep-score', 'blue'), { method: 'DELETE' })
    expect(del.status).toBe(202)
    const delLocation = del.headers.get('location')!
    await waitFor(async () => ((await call(delLocation, { token: tok })).status === 204 ? true : undefined))
    expect((await arm2(emu, tok, depPath('ep-score', 'blue'))).status).toBe(404)
    expect((await arm2(emu, tok, epPath('ep-score'))).json.properties.traffic).toEqual({ green: 100 })
    const afterMove = await score(uri, { data: [1] }, keys.primaryKey)
    expect(afterMove.headers.get('azureml-model-deployment')).toBe('green')

    // Deleting the endpoint takes its deployments: 202 + Location → 204; then 404, and the URI stops serving.
    const delEp = await arm2(emu, tok, epPath('ep-score'), { method: 'DELETE' })
    expect(delEp.status).toBe(202)
    expect((await arm2(emu, tok, epPath('ep-score'))).json.properties.provisioningState).toBe('Deleting')
    const epLocation = delEp.headers.get('location')!
    await waitFor(async () => ((await call(epLocation, { token: tok })).status === 204 ? true : undefined))
    expect((await arm2(emu, tok, epPath('ep-score'))).status).toBe(404)
    expect((await arm2(emu, tok, depPath('ep-score', 'green'))).status).toBe(404)
    expect((await score(uri, { data: [1] }, keys.primaryKey)).status).toBe(404)
    expect((await arm2(emu, tok, epPath('ep-score'), { method: 'DELETE' })).status).toBe(204)
  }, 60_000)

  it('splits traffic by the shares (weighted random)', async () => {
    const modelId = await registerModel('split-model', '1', { w: 1, b: 0 })
    const code = await scoringCode()
    const ep = await createEndpoint('ep-split')
    await Promise.all(
      ['a', 'b'].map(d => deploy('ep-split', d, deploymentBody(modelId, code, { environmentVariables: { TAG: d } })))
    )
    expect((await setTraffic('ep-split', { a: 50, b: 50 })).status).toBe(200)
    const keys = (await arm2(emu, tok, `${epPath('ep-split')}/listKeys`, { method: 'POST' })).json
    const seen = new Set<string>()
    for (let i = 0; i < 40 && seen.size < 2; i++) {
      const a = await score(ep.json.properties.scoringUri, { data: [1] }, keys.primaryKey)
      seen.add(a.headers.get('azureml-model-deployment')!)
      expect(a.json.tag).toBe(a.headers.get('azureml-model-deployment'))
    }
    expect([...seen].sort()).toEqual(['a', 'b'])
  }, 60_000)

  it('AMLToken endpoints take the token from POST token; AADToken endpoints an Entra token', async () => {
    const modelId = await registerModel('tok-model', '1', { w: 3, b: 0 })
    const code = await scoringCode()
    const ep = await createEndpoint('ep-token', 'AMLToken')
    await deploy('ep-token', 'blue', deploymentBody(modelId, code))
    expect((await setTraffic('ep-token', { blue: 100 }, 'AMLToken')).status).toBe(200)
    const t = await arm2(emu, tok, `${epPath('ep-token')}/token`, { method: 'POST' })
    expect(t.status).toBe(200)
    expect(specs.validateResponse('OnlineEndpoints_GetToken', 200, t.json, MFE)).toEqual([])
    expect(t.json.tokenType).toBe('Bearer')
    const now = Date.now() / 1000
    expect(t.json.expiryTimeUtc).toBeGreaterThan(now + 3000)
    expect(t.json.expiryTimeUtc).toBeLessThan(now + 3700)
    expect(t.json.refreshAfterTimeUtc).toBeGreaterThan(now)
    expect(t.json.refreshAfterTimeUtc).toBeLessThan(t.json.expiryTimeUtc)
    const ok = await score(ep.json.properties.scoringUri, { data: [2] }, t.json.accessToken)
    expect(ok.status).toBe(200)
    expect(ok.json.predictions).toEqual([6])
    expect((await score(ep.json.properties.scoringUri, { data: [2] }, tok)).status).toBe(401)
    const keys = await arm2(emu, tok, `${epPath('ep-token')}/listKeys`, { method: 'POST' })
    expect(keys.status).toBe(400)

    const aad = await createEndpoint('ep-aad', 'AADToken')
    await deploy('ep-aad', 'blue', deploymentBody(modelId, code))
    expect((await setTraffic('ep-aad', { blue: 100 }, 'AADToken')).status).toBe(200)
    const viaEntra = await score(aad.json.properties.scoringUri, { data: [1] }, tok)
    expect(viaEntra.status).toBe(200)
    expect((await score(aad.json.properties.scoringUri, { data: [1] }, t.json.accessToken)).status).toBe(401)
  }, 60_000)

  it('a deployment whose init() raises ends Failed (ResourceNotReady); getLogs has the traceback; traffic stays', async () => {
    const modelId = await registerModel('fail-model', '1', { w: 1, b: 1 })
    const code = await scoringCode()
    await createEndpoint('ep-fail')
    const { put, done } = await deploy(
      'ep-fail',
      'broken',
      deploymentBody(modelId, code, { environmentVariables: { FAIL_INIT: 'bad weights' } })
    )
    expect(put.status).toBe(201)
    expect(done.json.status).toBe('Failed')
    expect(done.json.error.code).toBe('ResourceNotReady')
    expect(done.json.error.message).toContain('ValueError: init failed on purpose: bad weights')
    const got = await arm2(emu, tok, depPath('ep-fail', 'broken'))
    expect(got.json.properties.provisioningState).toBe('Failed')
    const logs = await arm2(emu, tok, `${depPath('ep-fail', 'broken')}/getLogs`, {
      method: 'POST',
      body: { containerType: 'InferenceServer', tail: 50 }
    })
    expect(logs.json.content).toContain('Traceback (most recent call last)')
    expect(logs.json.content).toContain('in init')
    expect(logs.json.content).toContain('ValueError: init failed on purpose: bad weights')
    // The endpoint's traffic is untouched; the header to a failed deployment is not served.
    expect((await arm2(emu, tok, epPath('ep-fail'))).json.properties.traffic).toEqual({})
    const keys = (await arm2(emu, tok, `${epPath('ep-fail')}/listKeys`, { method: 'POST' })).json
    const a = await score(`${emu.apiUrl}/endpoints/ep-fail/score`, { data: [1] }, keys.primaryKey, {
      'azureml-model-deployment': 'broken'
    })
    expect(a.status).toBe(503)
    // A Failed deployment can be put again (fixed): Updating → Succeeded.
    const fixed = await deploy('ep-fail', 'broken', deploymentBody(modelId, code))
    expect(fixed.put.status).toBe(200)
    expect(fixed.put.json.properties.provisioningState).toBe('Updating')
    expect(fixed.done.json.status).toBe('Succeeded')
  }, 60_000)

  it('refuses deployments whose model, code or environment does not exist (400)', async () => {
    const code = await scoringCode()
    await createEndpoint('ep-refs')
    const ws = wsPath(emu)
    const cases: [Record<string, unknown>, string][] = [
      [deploymentBody(`${ws}/models/ghost/versions/1`, code), "Model 'ghost' version '1'"],
      [deploymentBody(undefined, `${ws}/codes/ghost/versions/1`), "Code 'ghost' version '1'"],
      [
        deploymentBody(undefined, code, { environmentId: `${ws}/environments/ghost/versions/9` }),
        "Environment 'ghost'"
      ],
      [
        {
          location: 'centralus',
          properties: { endpointComputeType: 'Managed', model: `${ws}/models/ghost/versions/1` }
        },
        'properties.codeConfiguration (codeId and scoringScript) is required: the emulator runs scoring scripts only; ' +
          'custom-container deployments (an environment with inference_config) and MLflow no-code deployments are ' +
          'not emulated.'
      ]
    ]
    for (const [body, message] of cases) {
      const a = await arm2(emu, tok, depPath('ep-refs', 'blue'), { method: 'PUT', body })
      expect(a.status).toBe(400)
      expect(a.json.error.message).toContain(message)
    }
  })

  it('2022-02-01-preview (azure-ai-ml 1.4): privateNetworkConnection in, egressPublicNetworkAccess stored; 2024-04-01 refuses it', async () => {
    const modelId = await registerModel('preview-model', '1', { w: 1, b: 0 })
    const code = await scoringCode()
    await createEndpoint('ep-preview')
    const preview = '2022-02-01-preview'
    const put = await arm2(emu, tok, depPath('ep-preview', 'private'), {
      method: 'PUT',
      version: preview,
      body: deploymentBody(modelId, code, { privateNetworkConnection: true })
    })
    expect(put.status).toBe(201)
    expect(put.json.properties).toMatchObject({ privateNetworkConnection: true, egressPublicNetworkAccess: 'Disabled' })
    expect((await waitAsync(put)).json.status).toBe('Succeeded')
    // Stored in the current shape: 2024-04-01 reads it back without the preview's field.
    const current = await arm2(emu, tok, depPath('ep-preview', 'private'))
    expect(current.json.properties.egressPublicNetworkAccess).toBe('Disabled')
    expect(current.json.properties).not.toHaveProperty('privateNetworkConnection')
    expect(specs.validateResponse('OnlineDeployments_Get', 200, current.json, MFE)).toEqual([])
    const listed = await arm2(emu, tok, `${epPath('ep-preview')}/deployments`, { version: preview })
    expect(
      listed.json.value.map((d: { properties: Record<string, unknown> }) => d.properties.privateNetworkConnection)
    ).toEqual([true])
    // false is the preview's default: public egress.
    const open = await arm2(emu, tok, depPath('ep-preview', 'open'), {
      method: 'PUT',
      version: preview,
      body: deploymentBody(modelId, code, { privateNetworkConnection: false })
    })
    expect(open.json.properties).toMatchObject({
      privateNetworkConnection: false,
      egressPublicNetworkAccess: 'Enabled'
    })
    await waitAsync(open)
    // The field is gone from 2022-05-01 on: a newer version refuses it, naming it.
    const refused = await arm2(emu, tok, depPath('ep-preview', 'newer'), {
      method: 'PUT',
      body: deploymentBody(modelId, code, { privateNetworkConnection: true })
    })
    expect(refused.status).toBe(400)
    expect(refused.json.error.code).toBe('SpecViolation')
    expect(refused.json.error.message).toContain("'privateNetworkConnection' is not in the schema")
  }, 60_000)

  it('faults: deployment-fail ends Failed with OutOfQuota; deployment-slow keeps it Creating longer', async () => {
    const modelId = await registerModel('fault-model', '1', { w: 1, b: 0 })
    const code = await scoringCode()
    await createEndpoint('ep-faults')
    emu.faults.add({ match: { operationId: 'OnlineDeployments_CreateOrUpdate' }, kind: 'deployment-fail' })
    const failed = await deploy('ep-faults', 'quota', deploymentBody(modelId, code))
    expect(failed.done.json.status).toBe('Failed')
    expect(failed.done.json.error.code).toBe('OutOfQuota')
    expect(failed.done.json.error.message).toContain('https://aka.ms/oe-tsg#error-outofquota')

    emu.faults.add({ match: { path: '/deployments/slow$' }, kind: 'deployment-slow', delayMs: 800 })
    const started = Date.now()
    const put = await arm2(emu, tok, depPath('ep-faults', 'slow'), {
      method: 'PUT',
      body: deploymentBody(modelId, code)
    })
    await new Promise(r => setTimeout(r, 400))
    expect((await arm2(emu, tok, depPath('ep-faults', 'slow'))).json.properties.provisioningState).toBe('Creating')
    expect((await waitAsync(put)).json.status).toBe('Succeeded')
    expect(Date.now() - started).toBeGreaterThanOrEqual(800)
  }, 60_000)

  it('serves a model registered from a job output (azureml://jobs/<job>/outputs/<name>)', async () => {
    const train = await uploadCode(emu, tok, {
      'train.py': [
        'import json, os, sys',
        'out = sys.argv[1]',
        'json.dump({"w": 4, "b": 2}, open(os.path.join(out, "model.json"), "w"))'
      ].join('\n')
    })
    const job = `train-${Date.now().toString(36)}`
    const put = await arm2(emu, tok, `${wsPath(emu)}/jobs/${job}`, {
      method: 'PUT',
      body: commandJob(emu, 'python3 train.py ${{outputs.model_dir}}', {
        codeId: train.id,
        outputs: { model_dir: { jobOutputType: 'uri_folder', mode: 'ReadWriteMount' } }
      })
    })
    expect(put.status).toBe(201)
    expect((await waitForJob(emu, tok, job)).job.json.properties.status).toBe('Completed')
    const model = await arm2(emu, tok, `${wsPath(emu)}/models/from-job/versions/1`, {
      method: 'PUT',
      body: { properties: { modelUri: `azureml://jobs/${job}/outputs/model_dir`, modelType: 'custom_model' } }
    })
    expect(model.status).toBe(201)
    const got = await arm2(emu, tok, `${wsPath(emu)}/models/from-job/versions/1`)
    expect(specs.validateResponse('ModelVersions_Get', 200, got.json, MFE)).toEqual([])
    const ep = await createEndpoint('ep-job')
    const { done } = await deploy(
      'ep-job',
      'blue',
      deploymentBody(model.json.id, await scoringCode(), { environmentVariables: { MODEL_FOLDER: 'model_dir' } })
    )
    expect(done.json.status).toBe('Succeeded')
    const keys = (await arm2(emu, tok, `${epPath('ep-job')}/listKeys`, { method: 'POST' })).json
    const a = await score(ep.json.properties.scoringUri, { data: [1] }, keys.primaryKey, {
      'azureml-model-deployment': 'blue'
    })
    expect(a.status).toBe(200)
    expect(a.json.predictions).toEqual([6])
  }, 60_000)
})
