/**
 * Issue 20, register-environment and local Docker build contexts end to end: the bundle against the emulator (Azure's
 * environment versions: immutable definition, 200 for the same one again, 409 for a changed one, `nextVersion`;
 * blobs in Azurite). An image + conda environment registered with the YAML's version; the same again reused; a
 * changed one refused naming the file; a build-context environment uploaded to the default datastore under
 * `LocalUpload/<hash>/<folder>/` and registered with that https `contextUri`, the next version when the YAML has none,
 * the upload reused the second time; a command job whose inline environment has a local build context.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Emulator } from '../../emulator/index.js'
import { objectHash } from '../../src/assets/build-context.js'
import { listCodeFiles } from '../../src/assets/files.js'
import { anonymousBuildContextVersion } from '../../src/cli-yaml/environment.js'
import { arm2, datastoreSasUrl, token, wsPath } from '../emulator/helpers.js'
import { emulatorForTests, errorOf, serviceRequests, step, workspaceInputs } from './helpers.js'

let emu: Emulator
let scratch: string

function write(name: string, text: string): string {
  writeFileSync(join(scratch, name), text)
  return join(scratch, name)
}

const register = (file: string) =>
  step({ operation: 'register-environment', ...workspaceInputs(emu), environment: file })
/** The blob names under `prefix` in the default datastore's container (Azurite). */
async function blobsUnder(prefix: string): Promise<string[]> {
  const tok = await token(emu)
  const store = await arm2(emu, tok, `${wsPath(emu)}/datastores/workspaceblobstore`)
  const secrets = await arm2(emu, tok, `${wsPath(emu)}/datastores/workspaceblobstore/listSecrets`, { method: 'POST' })
  const { ContainerClient } = await import('@azure/storage-blob')
  const container = new ContainerClient(await datastoreSasUrl(store.json.properties, secrets.json))
  const names: string[] = []
  for await (const b of container.listBlobsFlat({ prefix })) names.push(b.name.slice(prefix.length))
  return names.sort()
}

beforeAll(async () => {
  emu = await emulatorForTests()
  scratch = mkdtempSync(join(tmpdir(), 'aml-environments-e2e-'))
  mkdirSync(join(scratch, 'docker-context'))
  writeFileSync(join(scratch, 'docker-context', 'Dockerfile'), 'FROM python:3.11-slim\nRUN pip install numpy\n')
  writeFileSync(join(scratch, 'docker-context', 'requirements.txt'), 'numpy\n')
  writeFileSync(join(scratch, 'conda.yml'), 'channels: [conda-forge]\ndependencies:\n  - python=3.10\n')
})
afterAll(async () => {
  await emu?.close()
  rmSync(scratch, { recursive: true, force: true })
})

describe('register-environment', () => {
  const IMAGE = (description: string) =>
    [
      'name: sklearn-env',
      'version: 2',
      'image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest',
      'conda_file: conda.yml',
      `description: ${description}`
    ].join('\n')

  it('registers an image + conda environment with the version from the YAML, then reuses it', async () => {
    const file = write('image.yml', IMAGE('first'))
    const result = await register(file)
    expect(errorOf(result)).toBe('')
    expect(result.outputs).toMatchObject({ environmentName: 'sklearn-env', environmentVersion: '2' })
    expect(result.outputs.environmentId).toBe(`${wsPath(emu)}/environments/sklearn-env/versions/2`)
    const got = await arm2(emu, await token(emu), `${wsPath(emu)}/environments/sklearn-env/versions/2`)
    expect(got.status).toBe(200)
    expect(got.json.properties).toMatchObject({
      image: 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest',
      condaFile: 'channels:\n- conda-forge\ndependencies:\n- python=3.10\n',
      isAnonymous: false
    })
    const again = await register(file)
    expect(errorOf(again)).toBe('')
    expect(again.stdout).toMatch(/already registered with the same definition: reused unchanged\./)
  })

  it('says the description was updated when only it changed under the same version (Azure answers 200)', async () => {
    const result = await register(write('image.yml', IMAGE('second')))
    expect(errorOf(result)).toBe('')
    expect(result.stdout).toMatch(/sklearn-env:2 exists with the same definition; its description\/tags updated\./)
    expect(result.stdout).not.toMatch(/reused unchanged/)
    const got = await arm2(emu, await token(emu), `${wsPath(emu)}/environments/sklearn-env/versions/2`)
    expect(got.json.properties.description).toBe('second')
  })

  it('refuses a changed definition under an existing version, naming the file and the version line', async () => {
    const file = write('image-changed.yml', IMAGE('first').replace('python=3.10', 'python=3.11'))
    writeFileSync(join(scratch, 'conda2.yml'), 'channels: [conda-forge]\ndependencies:\n  - python=3.11\n')
    writeFileSync(file, IMAGE('first').replace('conda.yml', 'conda2.yml'))
    const result = await register(file)
    expect(result.exitCode).not.toBe(0)
    expect(errorOf(result)).toMatch(/image-changed\.yml:2.*sklearn-env:2 already exists.*new version/s)
  })

  it('uploads a local Docker build context and registers it by its https contextUri; the next version; reused upload', async () => {
    const file = write('build.yml', ['name: docker-env', 'build:', '  path: ./docker-context'].join('\n'))
    const hash = await objectHash((await listCodeFiles(join(scratch, 'docker-context'))).files)
    const first = await register(file)
    expect(errorOf(first)).toBe('')
    expect(first.outputs).toMatchObject({ environmentName: 'docker-env', environmentVersion: '1' })
    expect(first.stdout).not.toMatch(/nothing to upload/)
    expect(first.stdout).toMatch(/Uploading Docker build context .*docker-context: 2 files/)
    expect(await blobsUnder(`LocalUpload/${hash}/docker-context/`)).toEqual(['Dockerfile', 'requirements.txt'])
    const got = await arm2(emu, await token(emu), `${wsPath(emu)}/environments/docker-env/versions/1`)
    expect(got.json.properties.build.contextUri).toMatch(
      new RegExp(`^https?://.+/LocalUpload/${hash}/docker-context/$`)
    )
    expect(got.json.properties.build.dockerfilePath).toBe('Dockerfile')
    const second = await register(file)
    expect(errorOf(second)).toBe('')
    expect(second.outputs.environmentVersion).toBe('2')
    expect(second.stdout).toMatch(/already in datastore .*nothing to upload/)
  })

  it('refuses a changed build context under an existing version before uploading it', async () => {
    mkdirSync(join(scratch, 'ctx-v'), { recursive: true })
    writeFileSync(join(scratch, 'ctx-v', 'Dockerfile'), 'FROM python:3.11-slim\n')
    writeFileSync(join(scratch, 'ctx-v', 'requirements.txt'), 'numpy\n')
    const file = write('build-v.yml', 'name: build-v-env\nversion: 1\nbuild:\n  path: ./ctx-v\n')
    const first = await register(file)
    expect(errorOf(first)).toBe('')
    const same = await register(file)
    expect(errorOf(same)).toBe('')
    writeFileSync(join(scratch, 'ctx-v', 'requirements.txt'), 'numpy\npandas\n')
    const hash = await objectHash((await listCodeFiles(join(scratch, 'ctx-v'))).files)
    const changed = await register(file)
    expect(changed.exitCode).not.toBe(0)
    expect(errorOf(changed)).toMatch(/build-v\.yml:2: version: environment build-v-env:1 already exists.*new version/s)
    expect(changed.stdout).not.toMatch(/Uploading|Uploaded/i)
    expect(await blobsUnder(`LocalUpload/${hash}/`)).toEqual([])
  })

  it('refuses a build context without its Dockerfile before any request (nothing uploaded)', async () => {
    mkdirSync(join(scratch, 'nodocker'), { recursive: true })
    writeFileSync(join(scratch, 'nodocker', 'a.txt'), 'hi\n')
    const before = serviceRequests(emu).length
    const result = await register(write('nodocker.yml', 'name: nodocker-env\nbuild:\n  path: ./nodocker\n'))
    expect(result.exitCode).not.toBe(0)
    expect(errorOf(result)).toMatch(/nodocker\.yml:3.*build\.path.*no Dockerfile/s)
    expect(result.stdout).not.toMatch(/Uploading/i)
    expect(serviceRequests(emu).filter(r => !/oauth|token/.test(r.path)).length).toBe(before)
  })

  it('warns that the AzureML prefix is reserved for curated environments, and registers as azure-ai-ml does', async () => {
    const result = await register(write('curated-name.yml', 'name: AzureML-sklearn\nimage: python:3.11\n'))
    expect(errorOf(result)).toBe('')
    expect(result.stdout).toMatch(
      /::warning::.*curated-name\.yml:1: name: the prefix 'AzureML' is reserved for curated/
    )
    expect(result.outputs.environmentName).toBe('AzureML-sklearn')
    const plain = await register(write('plain-name.yml', 'name: my-sklearn\nimage: python:3.11\n'))
    expect(plain.stdout).not.toMatch(/reserved/)
  })

  it('refuses a YAML without image or build before any request', async () => {
    const before = serviceRequests(emu).length
    const result = await register(write('none.yml', 'name: e\ndescription: nothing\n'))
    expect(errorOf(result)).toMatch(/none\.yml.*needs 'image'.*or 'build'/s)
    expect(serviceRequests(emu).filter(r => !/oauth|token/.test(r.path)).length).toBe(before)
  })
})

describe('a command job with a local Docker build context', () => {
  it('uploads the context and registers the anonymous environment azure-ai-ml names by the folder hash', async () => {
    mkdirSync(join(scratch, 'src'), { recursive: true })
    writeFileSync(join(scratch, 'src', 'main.py'), 'print("hi")\n')
    const job = write(
      'job.yml',
      [
        'command: python main.py',
        'code: ./src',
        'environment:',
        '  build:',
        '    path: ./docker-context',
        `compute: azureml:${emu.seed.computeName}`
      ].join('\n')
    )
    const result = await step({ operation: 'submit-job', ...workspaceInputs(emu), job, wait: 'false' })
    expect(errorOf(result)).toBe('')
    const hash = await objectHash((await listCodeFiles(join(scratch, 'docker-context'))).files)
    const version = anonymousBuildContextVersion(hash)
    const got = await arm2(
      emu,
      await token(emu),
      `${wsPath(emu)}/environments/CliV2AnonymousEnvironment/versions/${version}`
    )
    expect(got.status).toBe(200)
    expect(got.json.properties.build.contextUri).toMatch(new RegExp(`/LocalUpload/${hash}/docker-context/$`))
    const jobBody = await arm2(emu, await token(emu), `${wsPath(emu)}/jobs/${result.outputs.jobName}`)
    expect(jobBody.json.properties.environmentId).toMatch(
      new RegExp(`/environments/CliV2AnonymousEnvironment/versions/${version}$`)
    )
  })
})

describe('an online deployment with a local Docker build context', () => {
  it('uploads the context and registers the anonymous build environment before the deployment', async () => {
    const files: Record<string, string> = {
      'endpoint.yml': 'name: ctx-endpoint\nauth_mode: key\n',
      'model/model.json': JSON.stringify({ weights: [1], bias: 0 }),
      'score/score.py': ['import json', 'def init():', '    pass', 'def run(raw):', '    return json.loads(raw)'].join(
        '\n'
      ),
      'deployment.yml': [
        'name: blue',
        'endpoint_name: ctx-endpoint',
        'model:',
        '  path: ./model',
        'code_configuration:',
        '  code: ./score',
        '  scoring_script: score.py',
        'environment:',
        '  build:',
        '    path: ./docker-context',
        '    dockerfile_path: Dockerfile',
        'instance_type: Standard_DS3_v2',
        'instance_count: 1'
      ].join('\n')
    }
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(join(scratch, rel, '..'), { recursive: true })
      writeFileSync(join(scratch, rel), text)
    }
    const ws = workspaceInputs(emu)
    const endpoint = await step({ ...ws, operation: 'create-endpoint', endpoint: join(scratch, 'endpoint.yml') })
    expect(errorOf(endpoint)).toBe('')
    const result = await step({ ...ws, operation: 'create-deployment', deployment: join(scratch, 'deployment.yml') })
    expect(errorOf(result)).toBe('')
    const hash = await objectHash((await listCodeFiles(join(scratch, 'docker-context'))).files)
    const version = anonymousBuildContextVersion(hash, 'Dockerfile')
    const tok = await token(emu)
    const env = await arm2(emu, tok, `${wsPath(emu)}/environments/CliV2AnonymousEnvironment/versions/${version}`)
    expect(env.status).toBe(200)
    expect(env.json.properties.build).toEqual({
      contextUri: expect.stringMatching(new RegExp(`/LocalUpload/${hash}/docker-context/$`)),
      dockerfilePath: 'Dockerfile'
    })
    const deployment = await arm2(emu, tok, `${wsPath(emu)}/onlineEndpoints/ctx-endpoint/deployments/blue`)
    expect(deployment.json.properties.environmentId).toMatch(
      new RegExp(`/environments/CliV2AnonymousEnvironment/versions/${version}$`)
    )
  })
})
