/**
 * Issue 18, kinds 1 and 7, end to end: the bundle against the emulator with Azure's datastores and job artifacts.
 * - Kind 1: the default `workspaceblobstore` hands out the storage account key (as Azure does); register-model with a
 *   local folder and submit-job with a local input path upload through a container SAS made from it, the key masked
 *   even with debug logging. The same with a SAS datastore (`defaultDatastoreCredentials: Sas`); an identity-based one
 *   (`None`) is refused naming the datastore, before any upload or registration.
 * - Kind 7: a model from a job's default artifacts (`azureml://jobs/<job>/outputs/artifacts/paths/...`, and MLflow's
 *   `runs:/<job>/...`) registers after a job that wrote `./outputs/...`, and a deployment-side read finds the files;
 *   an `mlflow_model` without `MLmodel` (a local folder, a job's artifacts) is refused with no PUT and no upload.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AZURITE_ACCOUNT_KEY } from '../../emulator/azurite.js'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import { arm2, datastoreSasUrl, token, wsPath } from '../emulator/helpers.js'
import {
  emulatorForTests,
  errorOf,
  expectNoSecret,
  serviceRequests,
  step,
  visibleLines,
  workspaceInputs
} from './helpers.js'

const TRAIN = 'examples/jobs/train/job.yml'

let emu: Emulator
let scratch: string
beforeAll(async () => {
  emu = await emulatorForTests()
  scratch = mkdtempSync(join(tmpdir(), 'aml-datastores-e2e-'))
  mkdirSync(join(scratch, 'model'))
  writeFileSync(join(scratch, 'model', 'model.json'), '{"w": 2, "b": 1}\n')
  // A job that writes a plain model and an MLflow-shaped one to ./outputs (the job's artifacts).
  mkdirSync(join(scratch, 'job', 'src'), { recursive: true })
  writeFileSync(
    join(scratch, 'job', 'src', 'write.sh'),
    [
      'mkdir -p outputs/model outputs/mlflow',
      'echo \'{"w": 2, "b": 1}\' > outputs/model/model.json',
      'printf "flavors:\\n  python_function: {}\\n" > outputs/mlflow/MLmodel',
      'echo written'
    ].join('\n')
  )
  writeFileSync(
    join(scratch, 'job', 'job.yml'),
    [
      'type: command',
      'code: ./src',
      'command: bash write.sh',
      'environment:',
      '  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest',
      'compute: azureml:cpu-cluster'
    ].join('\n')
  )
})
afterAll(async () => {
  await emu?.close()
  rmSync(scratch, { recursive: true, force: true })
})
const isPut = (r: { method: string }) => r.method === 'PUT'
const uploads = (e: Emulator) => serviceRequests(e).filter(r => /startPendingUpload|listSecrets/.test(r.path))

function registerLocal(e: Emulator, more: Record<string, string> = {}) {
  return step(
    {
      operation: 'register-model',
      ...workspaceInputs(e),
      'model-name': 'local-model',
      'model-path': join(scratch, 'model'),
      ...more
    },
    { env: { RUNNER_DEBUG: '1' } }
  )
}

function submitTrain(e: Emulator) {
  return step({
    operation: 'submit-job',
    ...workspaceInputs(e),
    job: TRAIN,
    set: `compute=azureml:${e.seed.computeName}`
  })
}

describe('kind 1: uploads to the default datastore', () => {
  beforeEach(() => emu.reset())

  it('account key (Azure default): register-model with a local folder uploads through a container SAS; the key never shows', async () => {
    const result = await registerLocal(emu)
    expect(errorOf(result)).toBe('')
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toContain('Uploaded')
    const secrets = serviceRequests(emu).filter(r => /\/listSecrets$/.test(r.path))
    expect(secrets).toHaveLength(1)
    expect(secrets[0].status).toBe(200)
    const put = serviceRequests(emu).filter(isPut)
    expect(JSON.parse(put[0].body).properties.modelUri).toMatch(
      /^azureml:\/\/.*datastores\/workspaceblobstore\/paths\/LocalUpload\/[0-9a-f]+\/model\/$/
    )
    // The key and the SAS are registered with the runner before anything could print them, and never shown.
    expect(result.commands.some(c => c.command === 'add-mask' && c.value === AZURITE_ACCOUNT_KEY)).toBe(true)
    expectNoSecret(result, AZURITE_ACCOUNT_KEY)
    expect(visibleLines(result.stdout).join('\n')).not.toMatch(/[?&]sig=[A-Za-z0-9%]/)
    // The second time the content is found in the container (listing works with the SAS): nothing sent again.
    const again = await registerLocal(emu)
    expect(again.exitCode).toBe(0)
    expect(again.stdout).toContain('already in datastore workspaceblobstore')
  })

  it('account key: submit-job with a local input path uploads it and the job reads it (Completed)', async () => {
    const result = await submitTrain(emu)
    expect(errorOf(result)).toBe('')
    expect(result.outputs.status).toBe('Completed')
    expect(result.stdout).toContain('model: w=')
  })

  it('SAS datastore (defaultDatastoreCredentials: Sas): the same two uploads use its token', async () => {
    const sas = await startEmulator({ quiet: true, config: { defaultDatastoreCredentials: 'Sas' } })
    try {
      const model = await registerLocal(sas)
      expect(errorOf(model)).toBe('')
      expect(model.exitCode).toBe(0)
      const job = await submitTrain(sas)
      expect(errorOf(job)).toBe('')
      expect(job.outputs.status).toBe('Completed')
    } finally {
      await sas.close()
    }
  })

  it('identity-based (None): refused naming the datastore and what to do, before listSecrets, an upload or a PUT', async () => {
    const none = await startEmulator({ quiet: true, config: { defaultDatastoreCredentials: 'None' } })
    try {
      const result = await registerLocal(none)
      expect(result.exitCode).toBe(1)
      expect(errorOf(result)).toMatch(
        /Input 'model-path': the default datastore workspaceblobstore of workspace ws-demo is identity-based .*Upload the files yourself/
      )
      expect(uploads(none)).toEqual([])
      expect(serviceRequests(none).filter(isPut)).toEqual([])
    } finally {
      await none.close()
    }
  })
})

describe('kind 7: models from job outputs', () => {
  let jobName = ''
  beforeAll(async () => {
    const job = await step({
      operation: 'submit-job',
      ...workspaceInputs(emu),
      job: join(scratch, 'job', 'job.yml'),
      set: `compute=azureml:${emu.seed.computeName}`
    })
    expect(errorOf(job)).toBe('')
    expect(job.outputs.status).toBe('Completed')
    jobName = job.outputs.jobName
  })
  // The job stays; only the request log is cleared, so each test sees its own requests.
  beforeEach(async () => {
    await fetch(`${emu.url}/_emulator/requests`, { method: 'DELETE' })
  })

  const register = (path: string, more: Record<string, string> = {}) =>
    step({
      operation: 'register-model',
      ...workspaceInputs(emu),
      'model-name': 'from-job',
      'model-path': path,
      ...more
    })

  it('registers the default artifacts form azureml://jobs/<job>/outputs/artifacts/paths/outputs/model, nothing uploaded', async () => {
    const uri = `azureml://jobs/${jobName}/outputs/artifacts/paths/outputs/model`
    const result = await register(uri)
    expect(errorOf(result)).toBe('')
    expect(result.exitCode).toBe(0)
    const puts = serviceRequests(emu).filter(isPut)
    expect(puts.map(r => r.operationId)).toEqual(['ModelVersions_CreateOrUpdate'])
    expect(JSON.parse(puts[0].body).properties.modelUri).toBe(uri)
    expect(uploads(emu)).toEqual([])
    // The job's ./outputs landed in the artifact store where that URI points (ExperimentRun/dcid.<job>/outputs/).
    const tok = await token(emu)
    const store = await arm2(emu, tok, `${wsPath(emu)}/datastores/workspaceartifactstore`)
    const secrets = await arm2(emu, tok, `${wsPath(emu)}/datastores/workspaceartifactstore/listSecrets`, {
      method: 'POST'
    })
    const { ContainerClient } = await import('@azure/storage-blob')
    const container = new ContainerClient(await datastoreSasUrl(store.json.properties, secrets.json))
    const names: string[] = []
    for await (const b of container.listBlobsFlat({ prefix: `ExperimentRun/dcid.${jobName}/outputs/` })) {
      names.push(b.name.slice(`ExperimentRun/dcid.${jobName}/outputs/`.length))
    }
    expect(names.sort()).toEqual(['mlflow/MLmodel', 'model/model.json'])
  })

  it('registers MLflow’s runs:/<job>/<path> as written (as azure-ai-ml sends it)', async () => {
    const result = await register(`runs:/${jobName}/outputs/mlflow`, { 'model-type': 'mlflow_model' })
    expect(errorOf(result)).toBe('')
    expect(result.exitCode).toBe(0)
    const put = serviceRequests(emu).filter(isPut)[0]
    expect(JSON.parse(put.body).properties).toMatchObject({
      modelUri: `runs:/${jobName}/outputs/mlflow`,
      modelType: 'mlflow_model'
    })
  })

  it('refuses an mlflow_model from the job’s artifacts without MLmodel, with no PUT', async () => {
    const result = await register(`azureml://jobs/${jobName}/outputs/artifacts/paths/outputs/model`, {
      'model-type': 'mlflow_model'
    })
    expect(result.exitCode).toBe(1)
    expect(errorOf(result)).toMatch(
      new RegExp(
        `no MLmodel file \\(no blob ExperimentRun/dcid\\.${jobName}/outputs/model/MLmodel in datastore workspaceartifactstore\\)`
      )
    )
    expect(serviceRequests(emu).filter(isPut)).toEqual([])
  })

  it('refuses a local mlflow_model folder without MLmodel before any request: no PUT, no upload', async () => {
    const result = await registerLocal(emu, { 'model-type': 'mlflow_model' })
    expect(result.exitCode).toBe(1)
    expect(errorOf(result)).toMatch(/Input 'model-path': '.*model' has no MLmodel file at its top/)
    expect(serviceRequests(emu)).toEqual([])
  })
})

describe('kind 8: links in a code folder', () => {
  beforeEach(() => emu.reset())

  it('submit-job leaves out a dangling link and one pointing outside, each named in a warning, and succeeds', async () => {
    const dir = join(scratch, 'links')
    mkdirSync(join(dir, 'src', 'lib'), { recursive: true })
    writeFileSync(join(dir, 'secret.txt'), 'outside the code folder\n')
    writeFileSync(
      join(dir, 'src', 'run.sh'),
      'echo "links: $(ls lib | tr "\\n" " ")"\ncat alias.sh > /dev/null && echo alias ok\n'
    )
    writeFileSync(join(dir, 'src', 'lib', 'real.txt'), 'real\n')
    symlinkSync('run.sh', join(dir, 'src', 'alias.sh'))
    symlinkSync('missing.txt', join(dir, 'src', 'lib', 'dangling.txt'))
    symlinkSync(join(dir, 'secret.txt'), join(dir, 'src', 'lib', 'outside.txt'))
    writeFileSync(
      join(dir, 'job.yml'),
      [
        'type: command',
        'code: ./src',
        'command: bash run.sh',
        'environment:',
        '  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest',
        'compute: azureml:cpu-cluster'
      ].join('\n')
    )
    const result = await step({
      operation: 'submit-job',
      ...workspaceInputs(emu),
      job: join(dir, 'job.yml'),
      set: `compute=azureml:${emu.seed.computeName}`
    })
    expect(errorOf(result)).toBe('')
    expect(result.outputs.status).toBe('Completed')
    const warnings = result.commands.filter(c => c.command === 'warning').map(c => c.value)
    expect(warnings).toEqual([
      expect.stringMatching(/left lib\/dangling\.txt out of the upload: it is a dangling link/),
      expect.stringMatching(/left lib\/outside\.txt out of the upload: it is a link that points outside .*src/)
    ])
    // The job ran on what was uploaded: the real file, and the link inside the folder as a file.
    expect(visibleLines(result.stdout)).toContain('links: real.txt ')
    expect(visibleLines(result.stdout)).toContain('alias ok')
  })
})
