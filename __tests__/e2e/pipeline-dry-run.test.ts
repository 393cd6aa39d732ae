/**
 * Issue 19, submit-job with a pipeline job YAML, end to end through the bundle against the emulator with dry-run: the
 * references are checked (reads sent), the anonymous component versions and the pipeline job are printed as the PUTs
 * they would be (named by azure-ai-ml's content hash, nodes carrying their componentId), and nothing is created. A bad
 * pipeline (a cycle) is refused before any request. (Running a pipeline needs the emulator's pipeline support.)
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Emulator } from '../../emulator/index.js'
import { emulatorForTests, errorOf, serviceRequests, step, workspaceInputs } from './helpers.js'

let emu: Emulator
let scratch: string

const PIPELINE = (compute: string) =>
  [
    'type: pipeline',
    'display_name: prepare and train',
    'settings:',
    `  default_compute: azureml:${compute}`,
    'inputs:',
    '  raw:',
    '    type: uri_folder',
    '    path: ./data',
    'jobs:',
    '  prepare:',
    '    command: cp -r ${{inputs.raw}} ${{outputs.prepared}}',
    '    environment: azureml://registries/azureml/environments/sklearn-1.5/labels/latest',
    '    inputs:',
    '      raw: ${{parent.inputs.raw}}',
    '    outputs:',
    '      prepared:',
    '  train:',
    '    component: ./train.yml',
    '    inputs:',
    '      data: ${{parent.jobs.prepare.outputs.prepared}}',
    '      epochs: 2'
  ].join('\n')

const TRAIN = [
  'name: train',
  'type: command',
  'inputs:',
  '  data:',
  '    type: uri_folder',
  '  epochs:',
  '    type: integer',
  'outputs:',
  '  model:',
  '    type: uri_folder',
  'code: ./src',
  'environment: azureml://registries/azureml/environments/sklearn-1.5/labels/latest',
  'command: python train.py --data ${{inputs.data}} --epochs ${{inputs.epochs}}'
].join('\n')

beforeAll(async () => {
  emu = await emulatorForTests()
  scratch = mkdtempSync(join(tmpdir(), 'aml-pipeline-e2e-'))
  mkdirSync(join(scratch, 'src'))
  mkdirSync(join(scratch, 'data'))
  writeFileSync(join(scratch, 'src', 'train.py'), 'print("train")\n')
  writeFileSync(join(scratch, 'data', 'rows.csv'), 'a,b\n1,2\n')
  writeFileSync(join(scratch, 'train.yml'), TRAIN)
})
afterAll(async () => {
  await emu?.close()
  rmSync(scratch, { recursive: true, force: true })
})

const submit = (file: string, extra: Record<string, string> = {}) =>
  step({ operation: 'submit-job', ...workspaceInputs(emu), job: file, 'dry-run': 'true', ...extra })

describe('submit-job type: pipeline (dry-run)', () => {
  it('prints the anonymous components and the pipeline job PUTs, checks references, creates nothing', async () => {
    const file = join(scratch, 'pipeline.yml')
    writeFileSync(file, PIPELINE(emu.seed.computeName))
    const result = await submit(file, { set: 'jobs.train.inputs.epochs=5' })
    expect(errorOf(result)).toBe('')
    expect(result.exitCode).toBe(0)
    expect(serviceRequests(emu).filter(r => r.method === 'PUT')).toEqual([])
    // The compute was looked up (a read, sent in dry-run).
    expect(
      serviceRequests(emu).some(r => r.method === 'GET' && r.path.endsWith(`/computes/${emu.seed.computeName}`))
    ).toBe(true)
    const componentPuts = [
      ...result.stdout.matchAll(
        /components\/azureml_anonymous\/versions\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\?/g
      )
    ].map(m => m[1])
    expect(new Set(componentPuts).size).toBe(2)
    expect(result.stdout).toContain('"jobType":"Pipeline"')
    expect(result.stdout).toContain('"epochs":{"job_input_type":"literal","value":"5"}')
    for (const version of componentPuts) expect(result.stdout).toContain(`azureml_anonymous/versions/${version}"`)
    expect(result.stdout).toMatch(/dry-run: job \S+ was not created/)
  })

  it('refuses a cycle between steps before any request, naming file, line and field', async () => {
    const file = join(scratch, 'cycle.yml')
    writeFileSync(
      file,
      [
        'type: pipeline',
        'jobs:',
        '  a:',
        '    command: echo',
        '    environment: azureml:env:1',
        '    inputs:',
        '      x: ${{parent.jobs.b.outputs.o}}',
        '    outputs:',
        '      o:',
        '  b:',
        '    command: echo',
        '    environment: azureml:env:1',
        '    inputs:',
        '      y: ${{parent.jobs.a.outputs.o}}',
        '    outputs:',
        '      o:'
      ].join('\n')
    )
    const before = serviceRequests(emu).length
    const result = await submit(file)
    expect(result.exitCode).not.toBe(0)
    expect(errorOf(result)).toContain('cycle.yml:3: jobs.a: the steps bind to each other in a cycle: a → b → a')
    expect(serviceRequests(emu).length).toBe(before)
  })
})
