/**
 * Curated environments end to end: the bundle submits jobs whose `environment:` is a curated environment, named the
 * ways `az ml` YAML names them (a workspace name with dots and `@latest`; the azureml registry by label), sent as
 * azure-ai-ml 1.4 sends them (`_operation_orchestrator.py`: `azureml:AzureML-...` as written, expanded by the service),
 * and the emulator, holding Microsoft's curated environments as Azure does, runs them.
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
  it('azureml:AzureML-sklearn-1.0-ubuntu20.04-py38-cpu@latest is sent as written, not looked up, and the job completes', async () => {
    const result = await step({ operation: 'submit-job', ...workspaceInputs(emu), job: `${DIR}/job.yml` })
    expect(errorOf(result)).toBe('')
    expect(result.exitCode).toBe(0)
    expect(result.outputs.status).toBe('Completed')
    const body = JSON.parse(jobPut()!.body) as { properties: { environmentId: string } }
    // As the CLI sends it: the service expands the curated short form.
    expect(body.properties.environmentId).toBe('azureml:AzureML-sklearn-1.0-ubuntu20.04-py38-cpu@latest')
    expect(emu.requests.some(r => r.method === 'GET' && /\/environments\/AzureML-/.test(r.path))).toBe(false)
  })

  it('an azureml registry environment by label is sent as written and the job completes', async () => {
    const result = await step({ operation: 'submit-job', ...workspaceInputs(emu), job: `${DIR}/registry.yml` })
    expect(errorOf(result)).toBe('')
    expect(result.outputs.status).toBe('Completed')
    const body = JSON.parse(jobPut()!.body) as { properties: { environmentId: string } }
    expect(body.properties.environmentId).toBe('azureml://registries/azureml/environments/sklearn-1.5/labels/latest')
  })

  it('a curated name that does not exist is refused by the service (the CLI does not look it up), naming it', async () => {
    const result = await step({ operation: 'submit-job', ...workspaceInputs(emu), job: `${DIR}/missing.yml` })
    expect(result.exitCode).not.toBe(0)
    expect(errorOf(result)).toContain('AzureML-sklearn-9.9-ubuntu20.04-py38-cpu')
    // The job's PUT is the first to name it, and the service refuses it: no job is created.
    expect(jobPut()?.status).toBe(400)
  })
})
