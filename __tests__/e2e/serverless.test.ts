/**
 * Serverless compute through the bundle against the emulator
 * (https://learn.microsoft.com/azure/machine-learning/how-to-use-serverless-compute): the example pipeline with
 * `settings.default_compute=azureml:serverless` runs to Completed; a command job without compute, and one with
 * `compute: azureml:serverless`, run; a pipeline naming no compute anywhere is refused before anything is sent.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Emulator } from '../../emulator/index.js'
import { emulatorForTests, errorOf, step, visibleLines, workspaceInputs } from './helpers.js'

let emu: Emulator
let scratch: string
beforeAll(async () => {
  emu = await emulatorForTests()
  scratch = mkdtempSync(join(tmpdir(), 'aml-serverless-e2e-'))
})
afterAll(async () => {
  await emu?.close()
  rmSync(scratch, { recursive: true, force: true })
})
beforeEach(() => emu.reset())

const wsId = () =>
  `/subscriptions/${emu.seed.subscriptionId}/resourceGroups/${emu.seed.resourceGroup}` +
  `/providers/Microsoft.MachineLearningServices/workspaces/${emu.seed.workspaceName}`
const jobPut = () => {
  const puts = emu.requests.filter(r => r.method === 'PUT' && /\/jobs\/[^/]+$/.test(r.path))
  expect(puts).toHaveLength(1)
  return JSON.parse(puts[0].body) as { properties: Record<string, unknown> }
}
const computeGets = () => emu.requests.filter(r => r.method === 'GET' && /\/computes\//.test(r.path))

function commandJob(name: string, computeLine: string): string {
  const file = join(scratch, `${name}.yml`)
  writeFileSync(
    file,
    [
      'type: command',
      'experiment_name: e2e-serverless',
      'command: echo serverless-ok',
      'environment:',
      '  image: python:3.11-slim',
      computeLine
    ].join('\n')
  )
  return file
}

describe('serverless compute through the bundle', () => {
  it('the example pipeline with settings.default_compute=azureml:serverless runs to Completed', async () => {
    const result = await step({
      operation: 'submit-job',
      ...workspaceInputs(emu),
      job: 'examples/pipelines/pipeline.yml',
      set: 'settings.default_compute=azureml:serverless'
    })
    expect(errorOf(result)).toBe('')
    expect(result.outputs.status).toBe('Completed')
    const childJobs = JSON.parse(result.outputs.childJobs) as Record<string, { status: string }>
    expect(Object.values(childJobs).map(c => c.status)).toEqual(['Completed', 'Completed', 'Completed'])
    // Sent as azure-ai-ml sends it: the compute ARM id form, no compute looked up.
    const body = jobPut()
    expect((body.properties.settings as Record<string, unknown>).default_compute).toBe(`${wsId()}/computes/serverless`)
    expect(computeGets()).toEqual([])
    expect(visibleLines(result.stdout).filter(l => /^test mse \d/.test(l))).toHaveLength(1)
  }, 120_000)

  it('a command job without compute runs on serverless compute: no computeId sent', async () => {
    const result = await step({ operation: 'submit-job', ...workspaceInputs(emu), job: commandJob('none', '') })
    expect(errorOf(result)).toBe('')
    expect(result.outputs.status).toBe('Completed')
    expect(jobPut().properties).not.toHaveProperty('computeId')
    expect(visibleLines(result.stdout)).toContain('serverless-ok')
  }, 60_000)

  it('a command job with compute: azureml:serverless runs: {WS}/computes/serverless sent, nothing looked up', async () => {
    const job = commandJob('marker', 'compute: azureml:serverless')
    const result = await step({ operation: 'submit-job', ...workspaceInputs(emu), job })
    expect(errorOf(result)).toBe('')
    expect(result.outputs.status).toBe('Completed')
    expect(jobPut().properties.computeId).toBe(`${wsId()}/computes/serverless`)
    expect(computeGets()).toEqual([])
  }, 60_000)

  it('a pipeline with no compute anywhere is refused before anything is sent, pointing at azureml:serverless', async () => {
    const file = join(scratch, 'nocompute.yml')
    writeFileSync(
      file,
      'type: pipeline\njobs:\n  hello:\n    command: echo hi\n    environment:\n      image: python:3.11-slim\n'
    )
    const result = await step({ operation: 'submit-job', ...workspaceInputs(emu), job: file })
    expect(result.exitCode).toBe(1)
    expect(errorOf(result)).toMatch(
      /nocompute\.yml:3: jobs\.hello: compute not set: .*settings\.default_compute: azureml:serverless/
    )
    expect(emu.requests.filter(r => r.method !== 'GET' && !/oauth2|token/.test(r.path))).toEqual([])
  }, 60_000)
})
