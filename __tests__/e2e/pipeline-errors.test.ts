/**
 * A new user's mistakes in a pipeline job, end to end through the bundle against the emulator: each is refused before
 * anything is created or uploaded, at the line and field where it is written. A compute that does not exist (in
 * `settings.default_compute` or a step's `compute`) lists the workspace's computes and suggests the close one; a
 * pipeline input whose literal does not fit the component input it is bound to is refused before any request.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Emulator } from '../../emulator/index.js'
import { emulatorForTests, errorOf, serviceRequests, step, workspaceInputs } from './helpers.js'

let emu: Emulator
let scratch: string

const PIPELINE = (defaultCompute: string, stepCompute: string) =>
  [
    'type: pipeline',
    'inputs:',
    '  epochs: 200',
    'settings:',
    `  default_compute: azureml:${defaultCompute}`,
    'jobs:',
    '  train:',
    '    component: ./train.yml',
    `    compute: azureml:${stepCompute}`,
    '    inputs:',
    '      epochs: ${{parent.inputs.epochs}}'
  ].join('\n')

const TRAIN = [
  'name: train',
  'type: command',
  'inputs:',
  '  epochs:',
  '    type: integer',
  'code: ./src',
  'environment: azureml://registries/azureml/environments/sklearn-1.5/labels/latest',
  'command: python train.py --epochs ${{inputs.epochs}}'
].join('\n')

beforeAll(async () => {
  emu = await emulatorForTests()
  scratch = mkdtempSync(join(tmpdir(), 'aml-pipeline-errors-'))
  mkdirSync(join(scratch, 'src'))
  writeFileSync(join(scratch, 'src', 'train.py'), 'print("train")\n')
  writeFileSync(join(scratch, 'train.yml'), TRAIN)
})
afterAll(async () => {
  await emu?.close()
  rmSync(scratch, { recursive: true, force: true })
})

const submit = (file: string, extra: Record<string, string> = {}) =>
  step({ operation: 'submit-job', ...workspaceInputs(emu), job: file, ...extra })
const writes = () => serviceRequests(emu).filter(r => r.method !== 'GET' && r.method !== 'HEAD')

describe('submit-job type: pipeline, refused where the mistake is written', () => {
  it('a default compute that does not exist: its line, the computes there, did you mean', async () => {
    const existing = emu.seed.computeName
    const file = join(scratch, 'pipeline.yml')
    writeFileSync(file, PIPELINE(existing.slice(0, -1), existing))
    const result = await submit(file)
    expect(result.exitCode).toBe(1)
    const error = errorOf(result)
    expect(error).toContain(
      `pipeline.yml:5: settings.default_compute: the compute '${existing.slice(0, -1)}' does not exist in workspace ` +
        `${emu.seed.workspaceName} (computes there: `
    )
    expect(error).toMatch(new RegExp(`computes there: [^)]*\\b${existing}\\b[^)]*\\): did you mean '${existing}'\\?`))
    expect(writes()).toEqual([])
    // The listing is asked once, after the failed lookup.
    expect(serviceRequests(emu).filter(r => r.method === 'GET' && /\/computes$/.test(r.path))).toHaveLength(1)
  })

  it("a step's compute that does not exist, named at the step's compute line", async () => {
    const existing = emu.seed.computeName
    const file = join(scratch, 'step-compute.yml')
    writeFileSync(file, PIPELINE(existing, 'no-such-cluster'))
    const result = await submit(file)
    expect(result.exitCode).toBe(1)
    expect(errorOf(result)).toMatch(
      /step-compute\.yml:9: jobs\.train\.compute: the compute 'no-such-cluster' does not exist in workspace \S+ \(computes there: [^)]+\): create it with create-compute/
    )
    expect(writes()).toEqual([])
  })

  it('a pipeline input that does not fit the component input bound to it: refused before any request', async () => {
    const file = join(scratch, 'epochs.yml')
    writeFileSync(file, PIPELINE(emu.seed.computeName, emu.seed.computeName))
    const before = serviceRequests(emu).length
    const result = await submit(file, { set: 'inputs.epochs=fifty' })
    expect(result.exitCode).toBe(1)
    expect(errorOf(result)).toContain(
      'line 1 (inputs.epochs=fifty): inputs.epochs: step train binds it to its input \'epochs\', declared integer: expected a whole number, got "fifty"'
    )
    expect(serviceRequests(emu).length).toBe(before)
  })
})
