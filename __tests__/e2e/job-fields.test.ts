/**
 * Fields the CLI accepts on a command job (issue 20), through the bundle against the emulator: `type: Command`,
 * `services` (as the newest azure-ai-ml sends them), a literal written `1.5e-4` (sent as Python prints it) and `set`
 * values that are lists and mappings.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import type { Emulator } from '../../emulator/index.js'
import { emulatorForTests, errorOf, step, visibleLines, workspaceInputs } from './helpers.js'

const INTERACTIVE = '__tests__/e2e/fixtures/jobs/interactive/job.yml'

let emu: Emulator
beforeAll(async () => {
  emu = await emulatorForTests()
})
afterAll(async () => {
  await emu?.close()
})
beforeEach(() => emu.reset())

const jobPuts = () => emu.requests.filter(r => r.method === 'PUT' && /\/jobs\/[^/]+$/.test(r.path))

describe('submit-job: fields of issue 20', () => {
  it('type: Command with services, a 1.5e-4 literal and list/mapping set values: sent as the CLI sends them', async () => {
    const result = await step({
      operation: 'submit-job',
      ...workspaceInputs(emu),
      job: INTERACTIVE,
      set: [
        `compute=azureml:${emu.seed.computeName}`,
        'services.my_ssh.ssh_public_keys=ssh-rsa AAAAB3NzaC1yc2E test@example',
        'resources.properties={AISuperComputer: {slaTier: Premium, locations: [eastus, westus]}}'
      ].join('\n')
    })
    expect(result.stderr).toBe('')
    expect(result.exitCode).toBe(0)
    expect(result.outputs.status).toBe('Completed')
    // The job ran with the value the CLI would send.
    expect(visibleLines(result.stdout)).toContain('lr=0.00015')
    expect(jobPuts()).toHaveLength(1)
    const body = JSON.parse(jobPuts()[0].body) as { properties: Record<string, unknown> }
    expect(body.properties.jobType).toBe('Command')
    expect(body.properties.inputs).toEqual({ lr: { jobInputType: 'literal', value: '0.00015' } })
    expect(body.properties.services).toEqual({
      my_vscode: { jobServiceType: 'VSCode' },
      my_jupyter_lab: { jobServiceType: 'JupyterLab' },
      my_tensorboard: { jobServiceType: 'TensorBoard', properties: { logDir: 'outputs/tblogs' } },
      my_ssh: {
        jobServiceType: 'SSH',
        nodes: { nodesValueType: 'All' },
        properties: { sshPublicKeys: 'ssh-rsa AAAAB3NzaC1yc2E test@example' }
      }
    })
    expect(body.properties.resources).toEqual({
      properties: { AISuperComputer: { slaTier: 'Premium', locations: ['eastus', 'westus'] } }
    })
    // The job Azure keeps carries the services beside its own (Tracking, Studio).
    const kept = JSON.parse(result.outputs.response) as { properties: { services: Record<string, unknown> } }
    expect(Object.keys(kept.properties.services).sort()).toEqual([
      'Studio',
      'Tracking',
      'my_jupyter_lab',
      'my_ssh',
      'my_tensorboard',
      'my_vscode'
    ])
  })

  it('refuses log_dir on a service that is not tensor_board before any request, naming file:line: field', async () => {
    const result = await step({
      operation: 'submit-job',
      ...workspaceInputs(emu),
      job: INTERACTIVE,
      set: 'services.my_vscode.log_dir=logs'
    })
    expect(result.exitCode).toBe(1)
    expect(errorOf(result)).toMatch(
      /Input 'set': line 1 \(services\.my_vscode\.log_dir=logs\): services\.my_vscode\.log_dir: log_dir is a field of type tensor_board only, not of type 'vs_code'/
    )
    expect(jobPuts()).toHaveLength(0)
  })
})
