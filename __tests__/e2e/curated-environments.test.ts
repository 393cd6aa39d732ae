/**
 * Curated environments end to end: the bundle submits jobs whose `environment:` is a curated environment, named the
 * ways `az ml` YAML names them (a workspace name with dots and `@latest`; the azureml registry by label), and the
 * emulator, holding Microsoft's curated environments as Azure does, runs them.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import type { Emulator } from '../../emulator/index.js'
import { emulatorForTests, errorOf, step, workspaceInputs } from './helpers.js'

const DIR = '__tests__/e2e/fixtures/jobs/curated'

let emu: Emulator
beforeAll(async () => {
  emu = await emulatorForTests()
})
afterAll(async () => {
  await emu?.close()
})
beforeEach(() => emu.reset())

const jobPut = () => emu.requests.find(r => r.method === 'PUT' && /\/jobs\/[^/]+$/.test(r.path))

describe('curated environments', () => {
  it('azureml:AzureML-sklearn-1.0-ubuntu20.04-py38-cpu@latest resolves to its newest version and the job completes', async () => {
    const result = await step({ operation: 'submit-job', ...workspaceInputs(emu), job: `${DIR}/job.yml` })
    expect(errorOf(result)).toBe('')
    expect(result.exitCode).toBe(0)
    expect(result.outputs.status).toBe('Completed')
    const body = JSON.parse(jobPut()!.body) as { properties: { environmentId: string } }
    // The newest of the emulator's versions (1, 2, 3): @latest is resolved, not sent as a label.
    expect(body.properties.environmentId).toMatch(
      /\/workspaces\/[^/]+\/environments\/AzureML-sklearn-1\.0-ubuntu20\.04-py38-cpu\/versions\/3$/
    )
  })

  it('an azureml registry environment by label is sent as written and the job completes', async () => {
    const result = await step({ operation: 'submit-job', ...workspaceInputs(emu), job: `${DIR}/registry.yml` })
    expect(errorOf(result)).toBe('')
    expect(result.outputs.status).toBe('Completed')
    const body = JSON.parse(jobPut()!.body) as { properties: { environmentId: string } }
    expect(body.properties.environmentId).toBe('azureml://registries/azureml/environments/sklearn-1.5/labels/latest')
  })

  it('a curated name that does not exist fails before the job is created, naming it', async () => {
    const result = await step({ operation: 'submit-job', ...workspaceInputs(emu), job: `${DIR}/missing.yml` })
    expect(result.exitCode).not.toBe(0)
    expect(errorOf(result)).toContain('AzureML-sklearn-9.9-ubuntu20.04-py38-cpu')
    expect(jobPut()).toBeUndefined()
  })
})
