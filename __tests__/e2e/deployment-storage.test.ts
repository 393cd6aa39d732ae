/**
 * Kind 6 of issue 18 (Azure/mlops-v2#120): a deployment whose model never downloaded. The bundle against the emulator,
 * which fails such a deployment the way Azure does (provisioningState Failed, `ResourceNotFound` "Unable to download
 * user model artifacts ... storage initializer container's logs"), the download error (with the blob URL and its SAS)
 * in the StorageInitializer log, the inference server never started. create-deployment must fail (exit 1) saying the
 * model did not download, show the storage initializer's lines and never a SAS. A deployment that succeeds closes its
 * log with its state; a rerun with the same local (inline) model says the model version is reused.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Emulator } from '../../emulator/index.js'
import { emulatorForTests, errorOf, step, visibleLines, workspaceInputs } from './helpers.js'

const IMAGE = 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest'
let emu: Emulator
let scratch: string

beforeAll(async () => {
  emu = await emulatorForTests()
  scratch = mkdtempSync(join(tmpdir(), 'aml-deploy-storage-e2e-'))
  const files: Record<string, string> = {
    'endpoint.yml': 'name: lost-endpoint\nauth_mode: key\n',
    // Registered against a datastore path that holds no files: the model "exists" but cannot be downloaded.
    'lost-model.yml': [
      'name: lost-model',
      'version: "1"',
      'path: azureml://datastores/workspaceblobstore/paths/models/never-uploaded/',
      'type: custom_model'
    ].join('\n'),
    'model/model.json': JSON.stringify({ weights: [1], bias: 0 }),
    'good-model.yml': 'name: good-model\nversion: "1"\npath: ./model\ntype: custom_model\n',
    'code/score.py': [
      'import json, os',
      'def init():',
      '    print("model dir", os.environ.get("AZUREML_MODEL_DIR"), flush=True)',
      'def run(raw_data):',
      '    return json.loads(raw_data)'
    ].join('\n'),
    'lost.yml': deployment('lost', 'azureml:lost-model:1'),
    'inline.yml': deployment('inline', '{path: ./model}'),
    'good.yml': deployment('good', 'azureml:good-model:1')
  }
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(scratch, rel, '..'), { recursive: true })
    writeFileSync(join(scratch, rel), text)
  }
  const ws = workspaceInputs(emu)
  for (const inputs of [
    { operation: 'create-endpoint', endpoint: join(scratch, 'endpoint.yml') },
    { operation: 'register-model', model: join(scratch, 'lost-model.yml') },
    { operation: 'register-model', model: join(scratch, 'good-model.yml') }
  ]) {
    const result = await step({ ...ws, ...inputs })
    if (result.exitCode !== 0) throw new Error(`${inputs.operation}: ${errorOf(result)}`)
  }
})
afterAll(async () => {
  await emu?.close()
  rmSync(scratch, { recursive: true, force: true })
})

function deployment(name: string, model: string): string {
  return [
    `name: ${name}`,
    'endpoint_name: lost-endpoint',
    `model: ${model}`,
    'code_configuration:',
    '  code: ./code',
    '  scoring_script: score.py',
    'environment:',
    `  image: ${IMAGE}`,
    'instance_type: Standard_DS3_v2',
    'instance_count: 1'
  ].join('\n')
}

/** A SAS signature (its credential) not masked, in any form a log line could carry it (raw or %-encoded `=`/`&`). */
const SAS = /sig(=|%3D|%253D)(?!\*\*\*)[^&\s]+/i

describe('create-deployment whose model never downloaded', () => {
  it('fails (exit 1), says the model did not download, shows the storage initializer lines, no SAS', async () => {
    const from = emu.requests.length
    const result = await step({
      ...workspaceInputs(emu),
      operation: 'create-deployment',
      deployment: join(scratch, 'lost.yml')
    })
    expect(result.exitCode).toBe(1)
    const error = errorOf(result)
    expect(error).toMatch(/Deployment lost of endpoint lost-endpoint failed/)
    expect(error).toContain('Unable to download user model')
    expect(error).toMatch(/The model did not download: the storage initializer's log \(container StorageInitializer\)/)
    expect(error).toContain('never-uploaded')
    expect(result.outputs.provisioningState).toBe('Failed')

    const shown = visibleLines(result.stdout).join('\n')
    expect(shown).toMatch(/lines of deployment lost's storage initializer log \(container StorageInitializer\):/)
    expect(shown).toContain('Error: failed to download the model')
    // The initializer logged the blob URL it read: printed with its credentials masked, registered with the runner.
    expect(shown).toMatch(/Source: http:\/\/127\.0\.0\.1:\d+\/[^\s]+\?[^\s]*sig=\*\*\*/)
    expect(shown).toContain("The inference server's log (container InferenceServer) is empty: it did not start.")
    for (const text of [shown, error, JSON.stringify(result.outputs)]) expect(text).not.toMatch(SAS)
    expect(result.stdout).toMatch(/::add-mask::[^\n]*sig=/)

    // Both containers' logs were read.
    const logBodies = emu.requests
      .slice(from)
      .filter(r => r.operationId === 'OnlineDeployments_GetLogs')
      .map(r => JSON.stringify(r.body ?? ''))
    expect(logBodies.some(b => b.includes('StorageInitializer'))).toBe(true)
    expect(logBodies.some(b => b.includes('InferenceServer'))).toBe(true)
  })

  it('a deployment whose model downloads succeeds; its StorageInitializer log says what it downloaded', async () => {
    const result = await step({
      ...workspaceInputs(emu),
      operation: 'create-deployment',
      deployment: join(scratch, 'good.yml')
    })
    expect(errorOf(result)).toBe('')
    expect(result.exitCode).toBe(0)
    // The log closes with the state the deployment ended in, as create-endpoint's does (critic 20 #9).
    const shown = visibleLines(result.stdout)
    const closing = shown.indexOf('Deployment good of endpoint lost-endpoint: Succeeded.')
    expect(closing).toBeGreaterThan(shown.findLastIndex(line => line.startsWith('Waiting for the deployment good')))
    const logs = await step({
      ...workspaceInputs(emu),
      operation: 'request',
      method: 'POST',
      path: `/subscriptions/${emu.seed.subscriptionId}/resourceGroups/${emu.seed.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${emu.seed.workspaceName}/onlineEndpoints/lost-endpoint/deployments/good/getLogs?api-version=2024-04-01`,
      body: JSON.stringify({ containerType: 'StorageInitializer', tail: 20 })
    })
    expect(errorOf(logs)).toBe('')
    const content = (JSON.parse(logs.outputs.response) as { content: string }).content
    expect(content).toMatch(/Downloaded 1 model file\(s\)/)
    expect(content).toContain('Storage initializer finished.')
  })

  it('a rerun with the same local model says the model version is reused, not registered again', async () => {
    const run = async (): Promise<string[]> => {
      const result = await step({
        ...workspaceInputs(emu),
        operation: 'create-deployment',
        deployment: join(scratch, 'inline.yml')
      })
      expect(errorOf(result)).toBe('')
      return visibleLines(result.stdout)
    }
    const first = await run()
    const registered = first.find(line => line.startsWith('Registered model '))
    const name = /^Registered model ([0-9a-f]{64}):1 \(custom_model\)\.$/.exec(registered ?? '')?.[1]
    expect(name).toBeDefined()
    const second = await run()
    expect(second).toContain(`Model ${name}:1 is already registered with the same definition: reused.`)
    expect(second.filter(line => line.startsWith('Registered model '))).toEqual([])
  })
})
