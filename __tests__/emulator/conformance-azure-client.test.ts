/**
 * Azure's own JS client, `@azure/arm-machinelearning` 2.1.1 (AzureMachineLearningWorkspaces, at apiVersion
 * 2024-04-01), drives the emulator: jobs create/get/list/cancel (the SDK's long-running `beginCancelAndWait` polls the
 * `Location`), code and environment versions, component versions and a pipeline job, computes. A client no one here
 * wrote is the check that the emulator answers like Azure: every call must succeed and deserialize. The emulator runs on https (the SDK sends tokens over
 * TLS only), its CA given to the SDK's pipeline (`tlsOptions`); tokens come from the emulator's Entra v2 endpoint.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { AccessToken, TokenCredential } from '@azure/core-auth'
import { readFileSync } from 'node:fs'
import { request } from 'node:https'
import * as ml from '@azure/arm-machinelearning'
import type { Emulator } from '../../emulator/index.js'
import { startFast, waitFor } from './helpers.js'

let emu: Emulator
let ca: string
let client: ml.AzureMachineLearningWorkspaces
let armToken: string

/** POST over https with the emulator's CA (global fetch cannot be given one). */
function post(
  url: string,
  form: URLSearchParams | object,
  headers: Record<string, string> = {}
): Promise<{ status: number; body: string }> {
  const json = !(form instanceof URLSearchParams)
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        ca,
        headers: { 'Content-Type': json ? 'application/json' : 'application/x-www-form-urlencoded', ...headers }
      },
      res => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }))
      }
    )
    req.on('error', reject)
    req.end(json ? JSON.stringify(form) : form.toString())
  })
}

/** The smallest TokenCredential: client credentials against the emulator's Entra v2 token endpoint. */
class EmulatorCredential implements TokenCredential {
  async getToken(scopes: string | string[]): Promise<AccessToken> {
    const scope = Array.isArray(scopes) ? scopes.join(' ') : scopes
    const a = await post(
      `${emu.url}/${emu.seed.tenantId}/oauth2/v2.0/token`,
      new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: emu.seed.clientId,
        client_secret: emu.seed.clientSecret,
        scope
      })
    )
    if (a.status !== 200) throw new Error(`token: ${a.status} ${a.body}`)
    const body = JSON.parse(a.body) as { access_token: string; expires_in: number }
    return { token: body.access_token, expiresOnTimestamp: Date.now() + body.expires_in * 1000 }
  }
}

const RG = (): string => emu.seed.resourceGroup
const WSN = (): string => emu.seed.workspaceName

beforeAll(async () => {
  emu = await startFast({}, { https: true })
  ca = readFileSync(emu.caCertPath!, 'utf8')
  const credential = new EmulatorCredential()
  armToken = (await credential.getToken('https://management.azure.com/.default')).token
  client = new ml.AzureMachineLearningWorkspaces(credential, emu.seed.subscriptionId, {
    endpoint: emu.url,
    baseUri: emu.url,
    apiVersion: '2024-04-01',
    tlsOptions: { ca },
    // The emulator's LRO answers say Retry-After: 0; keep the SDK's polling quick anyway.
    retryOptions: { maxRetries: 0 }
  } as ml.AzureMachineLearningWorkspacesOptionalParams & { baseUri: string })
}, 60_000)
afterAll(() => emu.close())

describe('@azure/arm-machinelearning against the emulator', () => {
  it('computes: get and list deserialize', async () => {
    const c = await client.computeOperations.get(RG(), WSN(), emu.seed.computeName)
    expect(c.name).toBe(emu.seed.computeName)
    expect(c.properties?.computeType).toBe('AmlCompute')
    expect(c.properties?.provisioningState).toBe('Succeeded')
    const all = []
    for await (const x of client.computeOperations.list(RG(), WSN())) all.push(x)
    expect(all.map(x => x.name)).toContain(emu.seed.computeName)
  })

  it('code and environment versions: createOrUpdate, get, list', async () => {
    // 2.1.1 has no startPendingUpload (newer than its default 2022-10-01): that call is sent by hand, the files go to
    // Azurite with @azure/storage-blob, the registration through the SDK.
    const slot = await post(
      `${emu.url}${emu.seed.workspaceResourceId}/codes/sdk-code/versions/2/startPendingUpload?api-version=2024-04-01`,
      { pendingUploadType: 'TemporaryBlobReference' },
      { Authorization: `Bearer ${armToken}` }
    )
    expect(slot.status).toBe(200)
    const ref = (
      JSON.parse(slot.body) as { blobReferenceForConsumption: { blobUri: string; credential: { sasUri: string } } }
    ).blobReferenceForConsumption
    const { ContainerClient } = await import('@azure/storage-blob')
    const folder = new URL(ref.blobUri).pathname.split('/').slice(3).join('/')
    await new ContainerClient(ref.credential.sasUri).getBlockBlobClient(`${folder}/main.py`).upload('print(1)\n', 9)
    const code = { codeUri: ref.blobUri }
    const cv = await client.codeVersions.createOrUpdate(RG(), WSN(), 'sdk-code', '2', {
      properties: { codeUri: code.codeUri, isAnonymous: true, properties: { hash_sha256: 'b'.repeat(64) } }
    })
    expect(cv.name).toBe('2')
    expect(cv.properties.codeUri).toBe(code.codeUri)
    const got = await client.codeVersions.get(RG(), WSN(), 'sdk-code', '2')
    expect(got.properties.isAnonymous).toBe(true)
    expect(got.systemData?.createdAt).toBeInstanceOf(Date)
    const versions = []
    for await (const v of client.codeVersions.list(RG(), WSN(), 'sdk-code', { orderBy: 'createdtime desc', top: 1 })) {
      versions.push(v)
    }
    expect(versions.map(v => v.name)).toEqual(['2'])
    const container = await client.codeContainers.get(RG(), WSN(), 'sdk-code')
    expect(container.properties.latestVersion).toBe('2')

    const env = await client.environmentVersions.createOrUpdate(RG(), WSN(), 'sdk-env', '1', {
      properties: { image: 'python:3.11-slim', description: 'from the SDK' }
    })
    expect(env.properties.image).toBe('python:3.11-slim')
    const envGet = await client.environmentVersions.get(RG(), WSN(), 'sdk-env', '1')
    expect(envGet.properties.osType).toBe('Linux')
    const envContainer = await client.environmentContainers.get(RG(), WSN(), 'sdk-env')
    expect(envContainer.properties.latestVersion).toBe('1')
    const envs = []
    for await (const v of client.environmentVersions.list(RG(), WSN(), 'sdk-env')) envs.push(v)
    expect(envs).toHaveLength(1)
  })

  it('jobs: createOrUpdate, get, list, beginCancelAndWait', async () => {
    const envId = (
      await client.environmentVersions.createOrUpdate(RG(), WSN(), 'env-py', '1', {
        properties: { image: 'python:3.11' }
      })
    ).id!
    const computeId = `${emu.seed.workspaceResourceId}/computes/${emu.seed.computeName}`
    const body: ml.JobBase = {
      properties: {
        jobType: 'Command',
        command: 'echo "lr=${{inputs.lr}}"',
        environmentId: envId,
        computeId,
        experimentName: 'sdk-tests',
        displayName: 'from the SDK',
        inputs: { lr: { jobInputType: 'literal', value: '0.5' } as ml.LiteralJobInput },
        outputs: { model: { jobOutputType: 'uri_folder', mode: 'ReadWriteMount' } as ml.UriFolderJobOutput },
        tags: { via: 'arm-machinelearning' }
      } as ml.CommandJob
    }
    const created = await client.jobs.createOrUpdate(RG(), WSN(), 'sdk-job-1', body)
    expect(created.name).toBe('sdk-job-1')
    expect(created.properties.jobType).toBe('Command')
    expect(created.properties.services?.Studio?.endpoint).toMatch(/^https:\/\/ml\.azure\.com\/runs\/sdk-job-1/)

    const done = await waitFor(async () => {
      const j = await client.jobs.get(RG(), WSN(), 'sdk-job-1')
      return j.properties.status === 'Completed' || j.properties.status === 'Failed' ? j : undefined
    }, 20_000)
    expect(done.properties.status).toBe('Completed')
    const command = done.properties as ml.CommandJob
    expect(command.command).toContain('${{inputs.lr}}')
    expect((command.outputs?.model as ml.UriFolderJobOutput).uri).toContain('/outputs/model/')

    const all = []
    for await (const j of client.jobs.list(RG(), WSN())) all.push(j)
    expect(all.map(j => j.name)).toContain('sdk-job-1')

    await client.jobs.createOrUpdate(RG(), WSN(), 'sdk-job-2', {
      properties: { ...body.properties, command: 'sleep 30' } as ml.CommandJob
    })
    await waitFor(async () => {
      const j = await client.jobs.get(RG(), WSN(), 'sdk-job-2')
      return j.properties.status === 'Running' ? j : undefined
    }, 20_000)
    await client.jobs.beginCancelAndWait(RG(), WSN(), 'sdk-job-2', { updateIntervalInMs: 50 })
    expect((await client.jobs.get(RG(), WSN(), 'sdk-job-2')).properties.status).toBe('Canceled')

    // A job that has ended cannot be cancelled: the SDK surfaces the service's 400.
    await expect(client.jobs.beginCancelAndWait(RG(), WSN(), 'sdk-job-1')).rejects.toThrow(/terminal state/)
  }, 60_000)

  it('component versions and a pipeline job: createOrUpdate, get, list, beginCancelAndWait', async () => {
    const envId = (
      await client.environmentVersions.createOrUpdate(RG(), WSN(), 'env-py', '1', {
        properties: { image: 'python:3.11' }
      })
    ).id!
    const spec = (command: string, io: Record<string, unknown> = {}): Record<string, unknown> => ({
      type: 'command',
      command,
      environment: `azureml:${envId}`,
      ...io
    })
    const make = await client.componentVersions.createOrUpdate(RG(), WSN(), 'sdk-make', '1', {
      properties: {
        componentSpec: spec('echo -n 42 > ${{outputs.o}}/n.txt', { outputs: { o: { type: 'uri_folder' } } }),
        isAnonymous: false
      }
    })
    expect(make.id).toMatch(/\/components\/sdk-make\/versions\/1$/)
    const use = await client.componentVersions.createOrUpdate(RG(), WSN(), 'sdk-use', '1', {
      properties: {
        componentSpec: spec('echo "n=$(cat ${{inputs.x}}/n.txt)"; sleep ${{inputs.wait}}', {
          inputs: { x: { type: 'uri_folder' }, wait: { type: 'integer', default: '0' } }
        })
      }
    })
    expect((await client.componentVersions.get(RG(), WSN(), 'sdk-use', '1')).properties.componentSpec).toMatchObject({
      type: 'command'
    })
    expect((await client.componentContainers.get(RG(), WSN(), 'sdk-make')).properties.latestVersion).toBe('1')

    const pipeline = (wait: string): ml.JobBase => ({
      properties: {
        jobType: 'Pipeline',
        experimentName: 'sdk-tests',
        settings: { default_compute: `${emu.seed.workspaceResourceId}/computes/${emu.seed.computeName}` },
        inputs: { wait: { jobInputType: 'literal', value: wait } as ml.LiteralJobInput },
        jobs: {
          make: { type: 'command', componentId: make.id },
          use: {
            type: 'command',
            componentId: use.id,
            inputs: {
              x: { job_input_type: 'literal', value: '${{parent.jobs.make.outputs.o}}' },
              wait: { job_input_type: 'literal', value: '${{parent.inputs.wait}}' }
            }
          }
        }
      } as ml.PipelineJob
    })
    const created = await client.jobs.createOrUpdate(RG(), WSN(), 'sdk-pipe-1', pipeline('0'))
    expect(created.properties.jobType).toBe('Pipeline')
    const done = await waitFor(async () => {
      const j = await client.jobs.get(RG(), WSN(), 'sdk-pipe-1')
      return ['Completed', 'Failed', 'Canceled'].includes(j.properties.status ?? '') ? j : undefined
    }, 30_000)
    expect(done.properties.status).toBe('Completed')
    expect(Object.keys((done.properties as ml.PipelineJob).jobs ?? {})).toEqual(['make', 'use'])
    const all = []
    for await (const j of client.jobs.list(RG(), WSN(), { jobType: 'Pipeline' })) all.push(j)
    expect(all.map(j => j.name)).toEqual(['sdk-pipe-1'])

    await client.jobs.createOrUpdate(RG(), WSN(), 'sdk-pipe-2', pipeline('30'))
    await waitFor(async () => {
      const j = await client.jobs.get(RG(), WSN(), 'sdk-pipe-2')
      return j.properties.status === 'Running' ? j : undefined
    }, 20_000)
    await client.jobs.beginCancelAndWait(RG(), WSN(), 'sdk-pipe-2', { updateIntervalInMs: 50 })
    expect((await client.jobs.get(RG(), WSN(), 'sdk-pipe-2')).properties.status).toBe('Canceled')
  }, 90_000)

  it('model versions, online endpoints and deployments: create, get, keys, token, logs, score, delete', async () => {
    // The model's and the scoring script's files go to Azurite through an upload slot (2.1.1 has no startPendingUpload).
    const slot = await post(
      `${emu.url}${emu.seed.workspaceResourceId}/codes/sdk-score/versions/1/startPendingUpload?api-version=2024-04-01`,
      { pendingUploadType: 'TemporaryBlobReference' },
      { Authorization: `Bearer ${armToken}` }
    )
    expect(slot.status).toBe(200)
    const ref = (
      JSON.parse(slot.body) as { blobReferenceForConsumption: { blobUri: string; credential: { sasUri: string } } }
    ).blobReferenceForConsumption
    const { ContainerClient } = await import('@azure/storage-blob')
    const folder = new URL(ref.blobUri).pathname.split('/').slice(3).join('/')
    const container = new ContainerClient(ref.credential.sasUri)
    const script = [
      'import json, os',
      'def init():',
      '    global k',
      '    k = json.load(open(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model", "model.json")))["k"]',
      '    print("init done, k =", k)',
      'def run(raw):',
      '    return [k * x for x in json.loads(raw)["data"]]'
    ].join('\n')
    await container.getBlockBlobClient(`${folder}/code/score.py`).upload(script, Buffer.byteLength(script))
    await container.getBlockBlobClient(`${folder}/model/model.json`).upload('{"k": 7}', 8)

    const model = await client.modelVersions.createOrUpdate(RG(), WSN(), 'sdk-model', '1', {
      properties: { modelUri: `${ref.blobUri}/model`, modelType: 'custom_model', description: 'k * x' }
    })
    expect(model.properties.modelUri).toBe(`${ref.blobUri}/model`)
    const modelGot = await client.modelVersions.get(RG(), WSN(), 'sdk-model', '1')
    expect(modelGot.properties.modelType).toBe('custom_model')
    expect(modelGot.systemData?.createdAt).toBeInstanceOf(Date)
    const code = await client.codeVersions.createOrUpdate(RG(), WSN(), 'sdk-score', '1', {
      properties: { codeUri: `${ref.blobUri}/code` }
    })
    const env = await client.environmentVersions.createOrUpdate(RG(), WSN(), 'sdk-serve-env', '1', {
      properties: { image: 'mcr.microsoft.com/azureml/minimal-ubuntu22.04-py39-cpu-inference:latest' }
    })

    const poll = { updateIntervalInMs: 50 }
    const ep = await client.onlineEndpoints.beginCreateOrUpdateAndWait(
      RG(),
      WSN(),
      'sdk-ep',
      { location: 'centralus', tags: { via: 'sdk' }, properties: { authMode: 'Key', description: 'from the SDK' } },
      poll
    )
    expect(ep.properties.provisioningState).toBe('Succeeded')
    expect(ep.properties.scoringUri).toBe(`${emu.apiUrl}/endpoints/sdk-ep/score`)
    const got = await client.onlineEndpoints.get(RG(), WSN(), 'sdk-ep')
    expect(got.properties.authMode).toBe('Key')
    expect(got.systemData?.createdAt).toBeInstanceOf(Date)
    const keys = await client.onlineEndpoints.listKeys(RG(), WSN(), 'sdk-ep')
    expect(keys.primaryKey).toBeTruthy()

    const deployment = await client.onlineDeployments.beginCreateOrUpdateAndWait(
      RG(),
      WSN(),
      'sdk-ep',
      'blue',
      {
        location: 'centralus',
        sku: { name: 'Default', capacity: 1 },
        properties: {
          endpointComputeType: 'Managed',
          model: model.id!,
          codeConfiguration: { codeId: code.id!, scoringScript: 'score.py' },
          environmentId: env.id!,
          instanceType: 'Standard_DS3_v2'
        } as ml.ManagedOnlineDeployment
      },
      poll
    )
    expect(deployment.properties.provisioningState).toBe('Succeeded')
    const dep = await client.onlineDeployments.get(RG(), WSN(), 'sdk-ep', 'blue')
    expect(dep.properties.endpointComputeType).toBe('Managed')
    expect(dep.sku?.capacity).toBe(1)
    const logs = await client.onlineDeployments.getLogs(RG(), WSN(), 'sdk-ep', 'blue', {
      containerType: 'InferenceServer',
      tail: 50
    })
    expect(logs.content).toContain('init done, k = 7')

    // Scoring over https, the header naming the deployment (no traffic yet).
    const scored = await post(
      ep.properties.scoringUri!,
      { data: [1, 2] },
      {
        Authorization: `Bearer ${keys.primaryKey}`,
        'azureml-model-deployment': 'blue'
      }
    )
    expect(scored.status).toBe(200)
    expect(JSON.parse(scored.body)).toEqual([7, 14])

    // An AMLToken endpoint's token.
    await client.onlineEndpoints.beginCreateOrUpdateAndWait(
      RG(),
      WSN(),
      'sdk-ep-token',
      { location: 'centralus', properties: { authMode: 'AMLToken' } },
      poll
    )
    const token = await client.onlineEndpoints.getToken(RG(), WSN(), 'sdk-ep-token')
    expect(token.tokenType).toBe('Bearer')
    expect(token.accessToken).toBeTruthy()
    expect(token.expiryTimeUtc).toBeGreaterThan(Date.now() / 1000)

    await client.onlineDeployments.beginDeleteAndWait(RG(), WSN(), 'sdk-ep', 'blue', poll)
    await expect(client.onlineDeployments.get(RG(), WSN(), 'sdk-ep', 'blue')).rejects.toMatchObject({ statusCode: 404 })
    await client.onlineEndpoints.beginDeleteAndWait(RG(), WSN(), 'sdk-ep', poll)
    await client.onlineEndpoints.beginDeleteAndWait(RG(), WSN(), 'sdk-ep-token', poll)
    await expect(client.onlineEndpoints.get(RG(), WSN(), 'sdk-ep')).rejects.toMatchObject({ statusCode: 404 })
  }, 90_000)
})
