/**
 * Inline environments end to end, as azure-ai-ml 1.4 registers them: the bundle (dist/index.js) against the emulator.
 * - an online deployment's named environment without `version` is registered as the container's next version (1, then
 *   2), its `inference_config` sent as the version's `inferenceConfig`, and the deployment runs on that version;
 * - a job's inline environment with a name is registered anonymously (`CliV2AnonymousEnvironment`, content-hash
 *   version) with the CLI's warning that the name is not used.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Emulator, RecordedRequest } from '../../emulator/index.js'
import { ROOT } from '../../demo/runner.js'
import { anonymousImageVersion } from '../../src/cli-yaml/environment.js'
import { emulatorForTests, errorOf, step, workspaceInputs } from './helpers.js'

const IMAGE = 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest'
const ROUTES = [
  '  inference_config:',
  '    liveness_route: {path: /, port: 5001}',
  '    readiness_route: {path: /ready, port: 5001}',
  '    scoring_route: {path: /score, port: 5001}'
]

let emu: Emulator
let scratch: string

function deploymentYaml(name: string): string {
  return [
    `name: ${name}`,
    'endpoint_name: linear-endpoint',
    'model: azureml:linear-model@latest',
    'code_configuration:',
    `  code: ${join(ROOT, 'examples/endpoints/score')}`,
    '  scoring_script: score.py',
    'environment:',
    '  name: custom-container-env',
    `  image: ${IMAGE}`,
    ...ROUTES,
    'instance_type: Standard_DS3_v2',
    'instance_count: 1'
  ].join('\n')
}

beforeAll(async () => {
  emu = await emulatorForTests()
  scratch = mkdtempSync(join(tmpdir(), 'aml-inline-env-e2e-'))
  const files: Record<string, string> = {
    'model/model.json': JSON.stringify({ weights: [2, 3], bias: -1 }),
    'blue.yml': deploymentYaml('blue'),
    'green.yml': deploymentYaml('green'),
    'job.yml': [
      'command: echo hello',
      'environment:',
      '  name: pipeline-custom-environment',
      `  image: ${IMAGE}`,
      `compute: azureml:${emu.seed.computeName}`
    ].join('\n')
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

async function stepWithRequests(inputs: Record<string, string>) {
  const from = emu.requests.length
  const result = await step(ws(inputs))
  return { result, requests: emu.requests.slice(from) }
}

const environmentPuts = (requests: RecordedRequest[]) =>
  requests.filter(r => r.method === 'PUT' && /\/environments\/[^/]+\/versions\/[^/]+$/.test(r.path))
const deploymentPut = (requests: RecordedRequest[]) =>
  requests.find(r => r.method === 'PUT' && /\/deployments\/[^/]+$/.test(r.path))

describe('a named inline environment without version in an online deployment', () => {
  beforeAll(async () => {
    const model = await step(
      ws({ operation: 'register-model', 'model-name': 'linear-model', 'model-path': join(scratch, 'model') })
    )
    expect(errorOf(model)).toBe('')
    const endpoint = await step(ws({ operation: 'create-endpoint', endpoint: 'examples/endpoints/endpoint.yml' }))
    expect(errorOf(endpoint)).toBe('')
  })

  it('registers version 1 with its inferenceConfig, and the deployment runs on it', async () => {
    const { result, requests } = await stepWithRequests({
      operation: 'create-deployment',
      deployment: join(scratch, 'blue.yml')
    })
    expect(errorOf(result)).toBe('')
    expect(result.exitCode).toBe(0)
    const puts = environmentPuts(requests)
    expect(puts.map(r => r.path.replace(/^.*\/environments\//, ''))).toEqual(['custom-container-env/versions/1'])
    expect(JSON.parse(puts[0].body).properties).toEqual({
      image: IMAGE,
      inferenceConfig: {
        livenessRoute: { path: '/', port: 5001 },
        readinessRoute: { path: '/ready', port: 5001 },
        scoringRoute: { path: '/score', port: 5001 }
      }
    })
    // The container was read first for its next version (404: none yet, so "1"), as the CLI does.
    expect(requests.some(r => r.method === 'GET' && /\/environments\/custom-container-env$/.test(r.path))).toBe(true)
    expect(JSON.parse(deploymentPut(requests)!.body).properties.environmentId).toMatch(
      /\/workspaces\/[^/]+\/environments\/custom-container-env\/versions\/1$/
    )
  })

  it('the next deployment with the same YAML environment registers the next version (2), as az ml does', async () => {
    const { result, requests } = await stepWithRequests({
      operation: 'create-deployment',
      deployment: join(scratch, 'green.yml')
    })
    expect(errorOf(result)).toBe('')
    expect(environmentPuts(requests).map(r => r.path.replace(/^.*\/environments\//, ''))).toEqual([
      'custom-container-env/versions/2'
    ])
    expect(JSON.parse(deploymentPut(requests)!.body).properties.environmentId).toMatch(
      /\/environments\/custom-container-env\/versions\/2$/
    )
  })
})

describe('a named inline environment in a job', () => {
  it('is registered anonymously with the CLI warning naming the unused name', async () => {
    const { result, requests } = await stepWithRequests({ operation: 'submit-job', job: join(scratch, 'job.yml') })
    expect(errorOf(result)).toBe('')
    expect(result.exitCode).toBe(0)
    const version = anonymousImageVersion(IMAGE)
    expect(environmentPuts(requests).map(r => r.path.replace(/^.*\/environments\//, ''))).toEqual([
      `CliV2AnonymousEnvironment/versions/${version}`
    ])
    const warnings = result.commands.filter(c => c.command === 'warning').map(c => c.value)
    expect(warnings).toEqual([
      expect.stringMatching(
        /job\.yml:3: environment\.name: the provided asset name 'pipeline-custom-environment' will not be used for anonymous registration/
      )
    ])
    const job = requests.find(r => r.method === 'PUT' && /\/jobs\/[^/]+$/.test(r.path))
    expect(JSON.parse(job!.body).properties.environmentId).toMatch(
      new RegExp(`/environments/CliV2AnonymousEnvironment/versions/${version}$`)
    )
  })
})
