/**
 * Models and online endpoints end to end: the bundle (dist/index.js under Node 24) against the emulator, whose
 * deployments really run their scoring script (init() once, run() per request) on the model files they download from
 * Azurite. One walk, in order: register-model (from a job's output, a local folder, a model YAML), create-endpoint,
 * create-deployment blue (all traffic) and green (none), score by name (Key and AMLToken endpoints, deployment-name),
 * set-traffic, the refusals (before any request or change, proved on the emulator's request log), a deployment whose
 * init() raises, and the deletes (already gone is success).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Emulator, RecordedRequest } from '../../emulator/index.js'
import { emulatorForTests, errorOf, step, visibleLines, workspaceInputs } from './helpers.js'

const ENDPOINT = 'linear-endpoint'
const BLUE = 'examples/endpoints/blue.yml'
const GREEN = 'examples/endpoints/green.yml'
const IMAGE = 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest'

let emu: Emulator
let scratch: string
let jobName: string

/** A deployment YAML in the scratch folder, its scoring code in `code` (relative to the YAML). */
function deploymentYaml(name: string, code: string, more = ''): string {
  return [
    `name: ${name}`,
    `endpoint_name: ${ENDPOINT}`,
    'model: azureml:linear-model@latest',
    'code_configuration:',
    `  code: ${code}`,
    '  scoring_script: score.py',
    'environment:',
    `  image: ${IMAGE}`,
    'instance_type: Standard_DS3_v2',
    'instance_count: 1',
    more
  ].join('\n')
}

beforeAll(async () => {
  emu = await emulatorForTests()
  scratch = mkdtempSync(join(tmpdir(), 'aml-endpoints-e2e-'))
  const files: Record<string, string> = {
    'model/model.json': JSON.stringify({ weights: [2, 3], bias: -1 }),
    'model.yml': [
      'name: linear-model',
      'path: ./model',
      'type: custom_model',
      'description: the linear model, from a YAML',
      'tags:',
      '  source: yaml'
    ].join('\n'),
    'token-endpoint.yml': 'name: token-endpoint\nauth_mode: aml_token\n',
    'broken/score.py': [
      'def init():',
      '    print("loading the model", flush=True)',
      '    raise ValueError("the model file is corrupt")',
      '',
      'def run(raw_data):',
      '    return raw_data'
    ].join('\n'),
    'broken.yml': deploymentYaml('broken', './broken'),
    // Line 6: `scoring_scrpt` (a typo) under code_configuration.
    'typo.yml': deploymentYaml('typo', './broken').replace('scoring_script', 'scoring_scrpt')
  }
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(scratch, rel, '..'), { recursive: true })
    writeFileSync(join(scratch, rel), text)
  }
})
afterAll(async () => {
  await emu?.close()
  rmSync(scratch, { recursive: true, force: true })
})

const ws = (inputs: Record<string, string>): Record<string, string> => ({ ...workspaceInputs(emu), ...inputs })

/** Runs a step and returns it with the requests it sent (the emulator's log from the step's start). */
async function stepWithRequests(inputs: Record<string, string>) {
  const from = emu.requests.length
  const result = await step(ws(inputs))
  return { result, requests: emu.requests.slice(from) }
}

const isPut = (r: RecordedRequest): boolean => r.method === 'PUT'
const endpointPuts = (requests: RecordedRequest[], name = ENDPOINT): RecordedRequest[] =>
  requests.filter(r => r.method === 'PUT' && new RegExp(`/onlineEndpoints/${name}$`).test(r.path))

/** What the emulator holds (an admin read, not recorded). */
async function endpointState(name = ENDPOINT): Promise<{ traffic: Record<string, number>; authMode: string }> {
  const state = (await (await fetch(`${emu.url}/_emulator/state`)).json()) as {
    onlineEndpoints: { name: string; traffic: Record<string, number>; authMode: string }[]
  }
  const found = state.onlineEndpoints.find(e => e.name === name)
  if (!found) throw new Error(`no endpoint ${name}`)
  return found
}
async function deploymentStates(endpoint = ENDPOINT): Promise<Record<string, string>> {
  const state = (await (await fetch(`${emu.url}/_emulator/state`)).json()) as {
    onlineDeployments?: { name: string; endpointName?: string; provisioningState: string }[]
  }
  return Object.fromEntries(
    (state.onlineDeployments ?? [])
      .filter(d => d.endpointName === undefined || d.endpointName === endpoint)
      .map(d => [d.name, d.provisioningState])
  )
}

const score = (more: Record<string, string> = {}) =>
  stepWithRequests({ operation: 'score', 'endpoint-name': ENDPOINT, data: '[[1, 2]]', ...more })

describe('register-model', () => {
  it('registers a job’s output (version 1) once the job has Completed, without uploading anything', async () => {
    const job = await step(
      ws({
        operation: 'submit-job',
        job: 'examples/jobs/train/job.yml',
        set: `compute=azureml:${emu.seed.computeName}`
      })
    )
    expect(job.exitCode).toBe(0)
    jobName = job.outputs.jobName
    const { result, requests } = await stepWithRequests({
      operation: 'register-model',
      'model-name': 'linear-model',
      'model-path': `azureml://jobs/${jobName}/outputs/model`
    })
    expect(errorOf(result)).toBe('')
    expect(result.exitCode).toBe(0)
    expect(result.outputs.modelName).toBe('linear-model')
    expect(result.outputs.modelVersion).toBe('1')
    expect(result.outputs.modelId).toMatch(/\/workspaces\/ws-demo\/models\/linear-model\/versions\/1$/)
    const puts = requests.filter(isPut)
    expect(puts.map(r => r.operationId)).toEqual(['ModelVersions_CreateOrUpdate'])
    expect(JSON.parse(puts[0].body).properties.modelUri).toBe(`azureml://jobs/${jobName}/outputs/model`)
    expect(requests.some(r => /startPendingUpload|listSecrets/.test(r.path))).toBe(false)
  })

  it('registers a local folder as the next version (2), uploaded to the default datastore', async () => {
    const { result, requests } = await stepWithRequests({
      operation: 'register-model',
      'model-name': 'linear-model',
      'model-path': join(scratch, 'model')
    })
    expect(result.exitCode).toBe(0)
    expect(result.outputs.modelVersion).toBe('2')
    const put = requests.filter(isPut)
    expect(put).toHaveLength(1)
    expect(put[0].path).toMatch(/\/models\/linear-model\/versions\/2$/)
    expect(JSON.parse(put[0].body).properties.modelUri).toMatch(
      /^azureml:\/\/.*datastores\/workspaceblobstore\/paths\//
    )
  })

  it('registers from a model YAML as the next version (3), with its description and tags', async () => {
    const { result, requests } = await stepWithRequests({
      operation: 'register-model',
      model: join(scratch, 'model.yml')
    })
    expect(result.exitCode).toBe(0)
    expect(result.outputs.modelName).toBe('linear-model')
    expect(result.outputs.modelVersion).toBe('3')
    const body = JSON.parse(requests.filter(isPut)[0].body).properties
    expect(body.description).toBe('the linear model, from a YAML')
    expect(body.tags).toEqual({ source: 'yaml' })
    expect(body.modelType).toBe('custom_model')
  })

  it('refuses the output of a job that does not exist, registering nothing', async () => {
    const { result, requests } = await stepWithRequests({
      operation: 'register-model',
      'model-name': 'linear-model',
      'model-path': 'azureml://jobs/no_such_job/outputs/model'
    })
    expect(result.exitCode).toBe(1)
    expect(errorOf(result)).toMatch(/Input 'model-path': .*job no_such_job does not exist/)
    expect(requests.filter(isPut)).toEqual([])
  })
})

describe('create-endpoint and create-deployment', () => {
  it('creates the endpoint: endpointName, scoringUri, provisioningState Succeeded', async () => {
    const { result, requests } = await stepWithRequests({
      operation: 'create-endpoint',
      endpoint: 'examples/endpoints/endpoint.yml'
    })
    expect(errorOf(result)).toBe('')
    expect(result.exitCode).toBe(0)
    expect(result.outputs.endpointName).toBe(ENDPOINT)
    expect(result.outputs.scoringUri).toBe(`${emu.apiUrl}/endpoints/${ENDPOINT}/score`)
    expect(result.outputs.provisioningState).toBe('Succeeded')
    expect(endpointPuts(requests)).toHaveLength(1)
    expect((await endpointState()).authMode).toBe('Key')
  })

  it('deploys blue (model version 1, the job’s) with traffic 100, then green (@latest) with none', async () => {
    const blue = await stepWithRequests({
      operation: 'create-deployment',
      deployment: BLUE,
      set: 'model=azureml:linear-model:1',
      traffic: '100'
    })
    expect(errorOf(blue.result)).toBe('')
    expect(blue.result.exitCode).toBe(0)
    expect(blue.result.outputs).toMatchObject({
      deploymentName: 'blue',
      endpointName: ENDPOINT,
      provisioningState: 'Succeeded'
    })
    expect((await endpointState()).traffic).toMatchObject({ blue: 100 })

    const green = await stepWithRequests({ operation: 'create-deployment', deployment: GREEN })
    expect(errorOf(green.result)).toBe('')
    expect(green.result.exitCode).toBe(0)
    expect(green.result.outputs.deploymentName).toBe('green')
    const put = green.requests.filter(r => isPut(r) && r.path.endsWith('/deployments/green'))
    expect(put).toHaveLength(1)
    // @latest is version 3 (the YAML's).
    expect(JSON.parse(put[0].body).properties.model).toMatch(/\/models\/linear-model\/versions\/3$/)
    // No traffic input: the endpoint is not touched.
    expect(endpointPuts(green.requests)).toEqual([])
    const traffic = (await endpointState()).traffic
    expect(traffic.blue).toBe(100)
    expect(traffic.green ?? 0).toBe(0)
  })

  it('an update of the endpoint (its YAML has no traffic) keeps the traffic', async () => {
    const { result, requests } = await stepWithRequests({
      operation: 'create-endpoint',
      endpoint: 'examples/endpoints/endpoint.yml'
    })
    expect(result.exitCode).toBe(0)
    expect(result.outputs.provisioningState).toBe('Succeeded')
    const put = endpointPuts(requests)
    expect(put).toHaveLength(1)
    expect(JSON.parse(put[0].body).properties.traffic).toMatchObject({ blue: 100 })
    expect((await endpointState()).traffic.blue).toBe(100)
  })
})

describe('fields of issue 20', () => {
  it('model_mount_path is sent as modelMountPath and the emulator takes it as Azure does', async () => {
    const mounted = await stepWithRequests({
      operation: 'create-deployment',
      deployment: GREEN,
      set: 'name=mounted\nmodel_mount_path=/var/models'
    })
    expect(errorOf(mounted.result)).toBe('')
    expect(mounted.result.exitCode).toBe(0)
    expect(mounted.result.outputs.provisioningState).toBe('Succeeded')
    const put = mounted.requests.filter(r => isPut(r) && r.path.endsWith('/deployments/mounted'))
    expect(put).toHaveLength(1)
    expect(JSON.parse(put[0].body).properties.modelMountPath).toBe('/var/models')
    const removed = await stepWithRequests({
      operation: 'delete-deployment',
      'endpoint-name': ENDPOINT,
      'deployment-name': 'mounted'
    })
    expect(removed.result.exitCode).toBe(0)
  })

  it('a Kubernetes endpoint is refused with one message before any request', async () => {
    writeFileSync(join(scratch, 'k8s.yml'), `name: ${ENDPOINT}\ncompute: azureml:inferencecompute\nauth_mode: key\n`)
    const { result, requests } = await stepWithRequests({
      operation: 'create-endpoint',
      endpoint: join(scratch, 'k8s.yml')
    })
    expect(result.exitCode).toBe(1)
    expect(errorOf(result)).toMatch(
      /k8s\.yml:2: compute: Kubernetes online endpoints and deployments are not supported/
    )
    expect(requests.filter(r => r.method === 'PUT')).toEqual([])
  })
})

describe('score by endpoint-name', () => {
  it('a Key endpoint: the key from listKeys; traffic goes to blue, deployment-name green reaches green', async () => {
    const byTraffic = await score()
    expect(errorOf(byTraffic.result)).toBe('')
    expect(byTraffic.result.exitCode).toBe(0)
    // Blue serves model version 1, trained by the job (w ≈ 1.962, 2.953; b ≈ -0.855).
    const [blueAnswer] = JSON.parse(byTraffic.result.outputs.response) as number[]
    expect(blueAnswer).not.toBe(7)
    expect(blueAnswer).toBeCloseTo(7, 0)
    expect(byTraffic.requests.filter(r => r.operationId === 'OnlineEndpoints_ListKeys')).toHaveLength(1)
    const scored = byTraffic.requests.filter(r => r.operationId === 'Emulator_OnlineScore')
    expect(scored).toHaveLength(1)
    expect(scored[0].headers['azureml-model-deployment']).toBeUndefined()

    // Green has no traffic; the header still reaches it: model version 3, y = 2·1 + 3·2 − 1.
    const toGreen = await score({ 'deployment-name': 'green' })
    expect(toGreen.result.exitCode).toBe(0)
    expect(JSON.parse(toGreen.result.outputs.response)).toEqual([7])
    const header = toGreen.requests.filter(r => r.operationId === 'Emulator_OnlineScore')
    expect(header.map(r => r.headers['azureml-model-deployment'])).toEqual(['green'])
  })

  it('an AMLToken endpoint: a token from the token call, no listKeys', async () => {
    const created = await step(ws({ operation: 'create-endpoint', endpoint: join(scratch, 'token-endpoint.yml') }))
    expect(created.exitCode).toBe(0)
    expect((await endpointState('token-endpoint')).authMode).toBe('AMLToken')
    const deployed = await step(
      ws({ operation: 'create-deployment', deployment: GREEN, set: 'endpoint_name=token-endpoint', traffic: '100' })
    )
    expect(errorOf(deployed)).toBe('')
    expect(deployed.exitCode).toBe(0)
    const { result, requests } = await stepWithRequests({
      operation: 'score',
      'endpoint-name': 'token-endpoint',
      data: '[[1, 2], [0, 0]]'
    })
    expect(errorOf(result)).toBe('')
    expect(result.exitCode).toBe(0)
    expect(JSON.parse(result.outputs.response)).toEqual([7, -1])
    expect(requests.filter(r => r.operationId === 'OnlineEndpoints_GetToken')).toHaveLength(1)
    expect(requests.filter(r => r.operationId === 'OnlineEndpoints_ListKeys')).toEqual([])
    const removed = await step(ws({ operation: 'delete-endpoint', 'endpoint-name': 'token-endpoint' }))
    expect(removed.exitCode).toBe(0)
  })
})

describe('set-traffic', () => {
  it('moves all traffic to green (blue=0,green=100); deployment-name still reaches blue', async () => {
    const { result, requests } = await stepWithRequests({
      operation: 'set-traffic',
      'endpoint-name': ENDPOINT,
      traffic: 'blue=0,green=100'
    })
    expect(errorOf(result)).toBe('')
    expect(result.exitCode).toBe(0)
    expect(result.outputs.endpointName).toBe(ENDPOINT)
    expect(result.outputs.provisioningState).toBe('Succeeded')
    expect(endpointPuts(requests)).toHaveLength(1)
    expect((await endpointState()).traffic).toEqual({ blue: 0, green: 100 })
    const byTraffic = await score()
    expect(JSON.parse(byTraffic.result.outputs.response)).toEqual([7])
    const toBlue = await score({ 'deployment-name': 'blue' })
    expect(JSON.parse(toBlue.result.outputs.response)[0]).not.toBe(7)
  })

  it('refuses a deployment the endpoint does not have, before any PUT', async () => {
    const { result, requests } = await stepWithRequests({
      operation: 'set-traffic',
      'endpoint-name': ENDPOINT,
      traffic: 'green=50,purple=50'
    })
    expect(result.exitCode).toBe(1)
    expect(errorOf(result)).toMatch(/Input 'traffic': purple is not a deployment of endpoint linear-endpoint/)
    expect(requests.filter(r => r.method !== 'GET' && r.operationId !== 'Entra_Token')).toEqual([])
    expect((await endpointState()).traffic).toEqual({ blue: 0, green: 100 })
  })

  it('refuses shares that do not add up to 100, before any request', async () => {
    const { result, requests } = await stepWithRequests({
      operation: 'set-traffic',
      'endpoint-name': ENDPOINT,
      traffic: 'blue=50,green=20'
    })
    expect(result.exitCode).toBe(1)
    expect(errorOf(result)).toMatch(/Input 'traffic': the shares add up to 70/)
    expect(requests).toEqual([])
  })
})

describe('refusals and failures leave the endpoint as it was', () => {
  it('delete-deployment of a deployment with traffic is refused before any DELETE', async () => {
    const { result, requests } = await stepWithRequests({
      operation: 'delete-deployment',
      'endpoint-name': ENDPOINT,
      'deployment-name': 'green'
    })
    expect(result.exitCode).toBe(1)
    // The runner's command value escapes % as %25.
    expect(errorOf(result)).toMatch(/Input 'deployment-name': deployment green still takes 100%(25)? of endpoint/)
    expect(result.outputs).toMatchObject({ endpointName: ENDPOINT, deploymentName: 'green' })
    expect(requests.filter(r => r.method === 'DELETE')).toEqual([])
    expect(Object.keys(await deploymentStates())).toEqual(expect.arrayContaining(['blue', 'green']))
  })

  it('a deployment whose init() raises: fails naming it, with the traceback; the traffic is unchanged', async () => {
    const { result, requests } = await stepWithRequests({
      operation: 'create-deployment',
      deployment: join(scratch, 'broken.yml'),
      traffic: '100'
    })
    expect(result.exitCode).toBe(1)
    const error = errorOf(result)
    expect(error).toMatch(/Deployment broken of endpoint linear-endpoint failed/)
    expect(error).toContain('the model file is corrupt')
    expect(error).toMatch(/traffic is unchanged \(blue=0, green=100\)/)
    const shown = visibleLines(result.stdout).join('\n')
    expect(shown).toContain('Traceback (most recent call last)')
    expect(shown).toContain('ValueError: the model file is corrupt')
    expect(result.outputs).toMatchObject({ deploymentName: 'broken', endpointName: ENDPOINT })
    expect(requests.filter(r => r.operationId === 'OnlineDeployments_GetLogs').length).toBeGreaterThanOrEqual(1)
    expect(endpointPuts(requests)).toEqual([])
    expect((await endpointState()).traffic).toMatchObject({ blue: 0, green: 100 })
    const still = await score()
    expect(JSON.parse(still.result.outputs.response)).toEqual([7])
    // The deployment ended Failed (the emulator holds it so), and the output says so, not the PUT's first Creating.
    expect((await deploymentStates()).broken).toBe('Failed')
    expect(result.outputs.provisioningState).toBe('Failed')
  })

  it('a model that does not exist is refused before any upload or PUT', async () => {
    const { result, requests } = await stepWithRequests({
      operation: 'create-deployment',
      deployment: GREEN,
      set: 'name=orange\nmodel=azureml:no-such-model:1'
    })
    expect(result.exitCode).toBe(1)
    expect(errorOf(result)).toMatch(/Input 'deployment': .*green\.yml(:\d+)?: model: .*no-such-model/)
    expect(requests.filter(r => r.method !== 'GET' && r.operationId !== 'Entra_Token')).toEqual([])
    expect(Object.keys(await deploymentStates())).not.toContain('orange')
  })

  it('a YAML error names the file, line and field, before any request', async () => {
    const { result, requests } = await stepWithRequests({
      operation: 'create-deployment',
      deployment: join(scratch, 'typo.yml')
    })
    expect(result.exitCode).toBe(1)
    expect(errorOf(result)).toMatch(
      /Input 'deployment': .*typo\.yml:6: code_configuration\.scoring_scrpt: unknown field 'scoring_scrpt'/
    )
    expect(requests).toEqual([])
  })
})

describe('delete-deployment and delete-endpoint', () => {
  it('deletes blue (no traffic); deleting it again succeeds (already gone)', async () => {
    const first = await stepWithRequests({
      operation: 'delete-deployment',
      'endpoint-name': ENDPOINT,
      'deployment-name': 'blue'
    })
    expect(errorOf(first.result)).toBe('')
    expect(first.result.exitCode).toBe(0)
    expect(first.result.outputs.provisioningState).toBe('Deleted')
    expect(first.requests.filter(r => r.method === 'DELETE')).toHaveLength(1)
    expect(Object.keys(await deploymentStates())).not.toContain('blue')
    const again = await stepWithRequests({
      operation: 'delete-deployment',
      'endpoint-name': ENDPOINT,
      'deployment-name': 'blue'
    })
    expect(again.result.exitCode).toBe(0)
    expect(again.result.outputs.provisioningState).toBe('Deleted')
  })

  it('deletes the endpoint with its deployments; deleting it again succeeds', async () => {
    const first = await step(ws({ operation: 'delete-endpoint', 'endpoint-name': ENDPOINT }))
    expect(errorOf(first)).toBe('')
    expect(first.exitCode).toBe(0)
    expect(first.outputs).toMatchObject({ endpointName: ENDPOINT, provisioningState: 'Deleted' })
    const state = (await (await fetch(`${emu.url}/_emulator/state`)).json()) as { onlineEndpoints: { name: string }[] }
    expect(state.onlineEndpoints.map(e => e.name)).not.toContain(ENDPOINT)
    const again = await step(ws({ operation: 'delete-endpoint', 'endpoint-name': ENDPOINT }))
    expect(again.exitCode).toBe(0)
    expect(again.outputs.provisioningState).toBe('Deleted')
  })
})
