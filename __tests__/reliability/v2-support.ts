/**
 * Set-up for the reliability cases of the v2 operations (jobs, models, online endpoints): the state a case starts from
 * (a model version, an endpoint with its keys, deployments that really serve, a job) made straight over REST against
 * the emulator, which is much faster than running the bundle for it; and reads of what the emulator holds afterwards
 * (the endpoint's traffic, the deployments, the jobs). None of these requests go through the action.
 */
import { ContainerClient } from '@azure/storage-blob'
import type { Emulator } from '../../emulator/index.js'
import {
  arm2,
  call,
  datastoreSasUrl as containerSasUrl,
  putEnvironment,
  token,
  uploadCode,
  waitFor,
  wsPath,
  type Answer
} from '../emulator/helpers.js'

/** Endpoints and deployments provision in a few hundred ms: the matrices check behaviour, not waiting. */
export const V2_DELAYS = {
  endpointProvisionMs: 200,
  endpointDeleteMs: 100,
  deploymentProvisionMs: 200,
  deploymentDeleteMs: 100
}

/**
 * The scoring script of every deployment made here: the linear model of examples/endpoints (model.json under
 * AZUREML_MODEL_DIR), with switches in its environment variables: `SAY_IN_INIT` printed by init(), `FAIL_INIT` raised
 * by init(), `FAIL_RUN` raised by run(), `ANSWER` returned by run() instead of the predictions.
 */
export const SCORE_PY = [
  'import json, os',
  'model = None',
  '',
  'def init():',
  '    global model',
  '    if os.environ.get("SAY_IN_INIT"):',
  '        print(os.environ["SAY_IN_INIT"], flush=True)',
  '    if os.environ.get("FAIL_INIT"):',
  '        raise ValueError(os.environ["FAIL_INIT"])',
  '    for folder, _, files in os.walk(os.environ["AZUREML_MODEL_DIR"]):',
  '        if "model.json" in files:',
  '            with open(os.path.join(folder, "model.json")) as f:',
  '                model = json.load(f)',
  '            return',
  '    raise FileNotFoundError("no model.json")',
  '',
  'def run(raw_data):',
  '    if os.environ.get("FAIL_RUN"):',
  '        raise RuntimeError(os.environ["FAIL_RUN"])',
  '    if os.environ.get("ANSWER"):',
  '        return os.environ["ANSWER"]',
  '    rows = json.loads(raw_data)["data"]',
  '    w, b = model["weights"], model["bias"]',
  '    return [round(w[0] * x[0] + w[1] * x[1] + b, 3) for x in rows]'
].join('\n')

/** model.json of a linear model y = 2·x0 + 3·x1 − 1 ([[1, 2]] → 7). */
export const LINEAR_MODEL = { weights: [2, 3], bias: -1 }

const tokens = new WeakMap<Emulator, Promise<string>>()
/** An ARM token for the set-up requests (one per emulator). */
export function armToken(emu: Emulator): Promise<string> {
  let t = tokens.get(emu)
  if (!t) {
    t = token(emu)
    tokens.set(emu, t)
  }
  return t
}

export const endpointPath = (emu: Emulator, name: string): string => `${wsPath(emu)}/onlineEndpoints/${name}`
export const deploymentPath = (emu: Emulator, endpoint: string, name: string): string =>
  `${endpointPath(emu, endpoint)}/deployments/${name}`

async function rest(emu: Emulator, path: string, init: Parameters<typeof arm2>[3] = {}): Promise<Answer> {
  return arm2(emu, await armToken(emu), path, init)
}

/** Follows an `Azure-AsyncOperation` URL until the operation has ended; returns its status. */
async function waitAsync(emu: Emulator, answer: Answer, timeoutMs = 20_000): Promise<string> {
  const url = answer.headers.get('azure-asyncoperation')
  if (!url) throw new Error(`no Azure-AsyncOperation header: ${answer.status} ${answer.text}`)
  const tok = await armToken(emu)
  const done = await waitFor(
    async () => {
      const s = await call(url, { token: tok })
      return s.json?.status && s.json.status !== 'InProgress' ? (s.json.status as string) : undefined
    },
    timeoutMs,
    25
  )
  return done
}

/** The default datastore's container URL with its SAS. */
async function datastoreSasUrl(emu: Emulator): Promise<string> {
  const list = await rest(emu, `${wsPath(emu)}/datastores?isDefault=true`)
  if (list.status !== 200) throw new Error(`datastores: ${list.status} ${list.text}`)
  const ds = list.json.value[0]
  const secrets = await rest(emu, `${wsPath(emu)}/datastores/${ds.name}/listSecrets`, { method: 'POST' })
  if (secrets.status !== 200) throw new Error(`listSecrets: ${secrets.status} ${secrets.text}`)
  return containerSasUrl(ds.properties, secrets.json)
}

/** Uploads model.json to the default datastore and registers `name:version`; returns the version's ARM id. */
export async function registerModel(
  emu: Emulator,
  name = 'linear-model',
  version = '1',
  model: object = LINEAR_MODEL
): Promise<string> {
  const existing = await rest(emu, `${wsPath(emu)}/models/${name}/versions/${version}`)
  if (existing.status === 200) return existing.json.id as string
  const sasUrl = await datastoreSasUrl(emu)
  const store = new ContainerClient(sasUrl)
  const text = JSON.stringify(model)
  try {
    await store.getBlockBlobClient(`models/${name}/${version}/model/model.json`).upload(text, Buffer.byteLength(text))
  } catch (error) {
    const state = (await (await fetch(`${emu.url}/_emulator/seed`)).json()) as Record<string, unknown>
    throw new Error(
      `upload to ${sasUrl.replace(/sig=[^&]+/, 'sig=…')} failed (${(error as Error).message.split('\n')[0]}); ` +
        `emulator ${emu.url} api ${emu.apiUrl} seed ${JSON.stringify(state).slice(0, 300)}`
    )
  }
  const put = await rest(emu, `${wsPath(emu)}/models/${name}/versions/${version}`, {
    method: 'PUT',
    body: {
      properties: {
        modelUri: `azureml://datastores/workspaceblobstore/paths/models/${name}/${version}/model/`,
        modelType: 'custom_model'
      }
    }
  })
  if (put.status !== 201 && put.status !== 200) throw new Error(`model version PUT: ${put.status} ${put.text}`)
  return put.json.id as string
}

/** Creates an online endpoint and waits until it has ended provisioning. */
export async function createEndpoint(
  emu: Emulator,
  name: string,
  options: { authMode?: 'Key' | 'AMLToken' | 'AADToken'; keys?: { primaryKey?: string; secondaryKey?: string } } = {}
): Promise<void> {
  const put = await rest(emu, endpointPath(emu, name), {
    method: 'PUT',
    body: {
      location: emu.seed.location,
      properties: { authMode: options.authMode ?? 'Key', ...(options.keys ? { keys: options.keys } : {}) }
    }
  })
  if (put.status !== 201) throw new Error(`endpoint PUT: ${put.status} ${put.text}`)
  const status = await waitAsync(emu, put)
  if (status !== 'Succeeded') throw new Error(`endpoint ${name}: ${status}`)
}

const codeIds = new WeakMap<Emulator, Promise<string>>()
const envIds = new WeakMap<Emulator, Promise<string>>()

/** The body of a deployment of SCORE_PY serving `modelId`. */
export async function deploymentBody(
  emu: Emulator,
  modelId: string,
  env: Record<string, string> = {}
): Promise<Record<string, unknown>> {
  const tok = await armToken(emu)
  let code = codeIds.get(emu)
  if (!code) {
    code = uploadCode(emu, tok, { 'score.py': SCORE_PY }, { name: 'reliability-score' }).then(c => c.id)
    codeIds.set(emu, code)
  }
  let environment = envIds.get(emu)
  if (!environment) {
    environment = putEnvironment(emu, tok, 'reliability-env', '1')
    envIds.set(emu, environment)
  }
  return {
    location: emu.seed.location,
    sku: { name: 'Default', capacity: 1 },
    properties: {
      endpointComputeType: 'Managed',
      model: modelId,
      codeConfiguration: { codeId: await code, scoringScript: 'score.py' },
      environmentId: await environment,
      instanceType: 'Standard_DS3_v2',
      environmentVariables: env
    }
  }
}

/** Creates a deployment of SCORE_PY and waits until it has ended provisioning; returns Succeeded or Failed. */
export async function createDeployment(
  emu: Emulator,
  endpoint: string,
  name: string,
  modelId: string,
  env: Record<string, string> = {}
): Promise<string> {
  const put = await rest(emu, deploymentPath(emu, endpoint, name), {
    method: 'PUT',
    body: await deploymentBody(emu, modelId, env)
  })
  if (put.status !== 201 && put.status !== 200) throw new Error(`deployment PUT: ${put.status} ${put.text}`)
  return waitAsync(emu, put)
}

/** Sets the endpoint's traffic (read and written back whole), and waits for the update. */
export async function setTraffic(emu: Emulator, endpoint: string, traffic: Record<string, number>): Promise<void> {
  const current = await rest(emu, endpointPath(emu, endpoint))
  const put = await rest(emu, endpointPath(emu, endpoint), {
    method: 'PUT',
    body: { location: current.json.location, properties: { ...current.json.properties, traffic } }
  })
  if (put.status !== 200) throw new Error(`traffic PUT: ${put.status} ${put.text}`)
  await waitAsync(emu, put)
}

/**
 * The usual starting point: model linear-model:1, endpoint `endpoint` (Key unless said) with `keys`, and deployment
 * blue serving it with 100% of the traffic.
 */
export async function endpointWithBlue(
  emu: Emulator,
  endpoint = 'rel-endpoint',
  options: Parameters<typeof createEndpoint>[2] & { env?: Record<string, string>; traffic?: boolean } = {}
): Promise<string> {
  const [modelId] = await Promise.all([registerModel(emu), createEndpoint(emu, endpoint, options)])
  const status = await createDeployment(emu, endpoint, 'blue', modelId, options.env)
  if (status !== 'Succeeded') throw new Error(`deployment blue: ${status}`)
  if (options.traffic !== false) await setTraffic(emu, endpoint, { blue: 100 })
  return modelId
}

/** The endpoint as the emulator holds it (undefined when there is none). */
export async function endpointNow(
  emu: Emulator,
  name: string
): Promise<{ traffic: Record<string, number>; provisioningState: string } | undefined> {
  const a = await rest(emu, endpointPath(emu, name))
  if (a.status === 404) return undefined
  return { traffic: a.json.properties.traffic, provisioningState: a.json.properties.provisioningState }
}

/** The endpoint's deployments: name → provisioningState. */
export async function deploymentsNow(emu: Emulator, endpoint: string): Promise<Record<string, string>> {
  const a = await rest(emu, `${endpointPath(emu, endpoint)}/deployments`)
  if (a.status === 404) return {}
  return Object.fromEntries(
    (a.json.value as { name: string; properties: { provisioningState: string } }[]).map(d => [
      d.name,
      d.properties.provisioningState
    ])
  )
}

/** A command job made over REST (`command` run with bash): for poll-job and cancel-job to follow. */
export async function createJob(emu: Emulator, name: string, command: string): Promise<void> {
  await putEnvironment(emu, await armToken(emu), 'env-py', '1')
  const put = await rest(emu, `${wsPath(emu)}/jobs/${name}`, {
    method: 'PUT',
    body: {
      properties: {
        jobType: 'Command',
        command,
        environmentId: `${wsPath(emu)}/environments/env-py/versions/1`,
        computeId: `${wsPath(emu)}/computes/${emu.seed.computeName}`,
        experimentName: 'reliability'
      }
    }
  })
  if (put.status !== 201 && put.status !== 200) throw new Error(`job PUT: ${put.status} ${put.text}`)
}

/** The jobs the emulator holds: name → status. */
export async function jobsNow(emu: Emulator): Promise<Record<string, string>> {
  const a = await rest(emu, `${wsPath(emu)}/jobs`)
  return Object.fromEntries(
    (a.json.value as { name: string; properties: { status: string } }[]).map(j => [j.name, j.properties.status])
  )
}
