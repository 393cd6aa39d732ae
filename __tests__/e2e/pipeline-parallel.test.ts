/**
 * Issue 19, submit-job with a pipeline whose nodes are parallel nodes, end to end through the bundle against the
 * emulator with dry-run: an inline parallel node (task written in the node, its inline environment and code) and a node
 * naming a local parallel component file become anonymous parallel component versions, and the pipeline job PUT
 * carries the nodes' parallel fields as azure-ai-ml 1.4 writes them (mini_batch_size in bytes as a number,
 * partition_keys as JSON text, task with its resolved code and environment). Nothing is created. (The emulator does
 * not run parallel steps: a real run fails that step.) A parallel node naming a command component file is refused
 * before any request.
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
    'settings:',
    `  default_compute: azureml:${compute}`,
    'inputs:',
    '  table:',
    '    type: mltable',
    '    path: ./data',
    'jobs:',
    '  score_inline:',
    '    type: parallel',
    '    inputs:',
    '      table: ${{parent.inputs.table}}',
    '      cutoff: 3',
    '    outputs:',
    '      scores:',
    '        type: uri_file',
    '    input_data: ${{inputs.table}}',
    '    mini_batch_size: 10kb',
    '    partition_keys: [Store]',
    '    logging_level: INFO',
    '    retry_settings:',
    '      max_retries: 2',
    '      timeout: 60',
    '    task:',
    '      type: run_function',
    '      code: ./src',
    '      entry_script: score.py',
    '      environment:',
    '        image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04',
    '        conda_file: ./src/conda.yaml',
    '      program_arguments: --cutoff ${{inputs.cutoff}}',
    '      append_row_to: ${{outputs.scores}}',
    '  score_file:',
    '    type: parallel',
    '    component: ./score.yml',
    '    inputs:',
    '      table: ${{parent.inputs.table}}',
    '    max_concurrency_per_instance: 4'
  ].join('\n')

const SCORE = [
  'name: score',
  'type: parallel',
  'inputs:',
  '  table:',
  '    type: mltable',
  'outputs:',
  '  scores:',
  '    type: uri_file',
  'input_data: ${{inputs.table}}',
  'mini_batch_size: 5',
  'resources:',
  '  instance_count: 2',
  'task:',
  '  type: run_function',
  '  code: ./src',
  '  entry_script: score.py',
  '  environment: azureml://registries/azureml/environments/sklearn-1.5/labels/latest',
  '  append_row_to: ${{outputs.scores}}'
].join('\n')

beforeAll(async () => {
  emu = await emulatorForTests()
  scratch = mkdtempSync(join(tmpdir(), 'aml-pipeline-parallel-e2e-'))
  mkdirSync(join(scratch, 'src'))
  mkdirSync(join(scratch, 'data'))
  writeFileSync(join(scratch, 'src', 'score.py'), 'def init():\n    pass\n\n\ndef run(batch):\n    return batch\n')
  writeFileSync(join(scratch, 'src', 'conda.yaml'), 'name: score\ndependencies:\n  - python=3.10\n')
  writeFileSync(join(scratch, 'data', 'MLTable'), 'paths:\n  - file: ./rows.csv\n')
  writeFileSync(join(scratch, 'data', 'rows.csv'), 'a,b\n1,2\n')
  writeFileSync(join(scratch, 'score.yml'), SCORE)
  writeFileSync(
    join(scratch, 'train.yml'),
    'name: train\ntype: command\nenvironment: azureml:env:1\ncommand: python train.py\n'
  )
})
afterAll(async () => {
  await emu?.close()
  rmSync(scratch, { recursive: true, force: true })
})

const submit = (file: string) =>
  step({ operation: 'submit-job', ...workspaceInputs(emu), job: file, 'dry-run': 'true' })

/** The pipeline job body printed by the dry-run (the PUT to /jobs/). */
function jobBody(stdout: string): { properties: { jobs: Record<string, Record<string, unknown>> } } {
  const line = stdout.split('\n').find(l => l.includes('"jobType":"Pipeline"'))
  if (!line) throw new Error(`no pipeline job body in:\n${stdout}`)
  // The body is shell-quoted in the printed curl command: '{...}'.
  return JSON.parse(line.slice(line.indexOf("'{") + 1, line.lastIndexOf("}'") + 1).replaceAll("'\\''", "'")) as never
}

describe('submit-job: a pipeline with parallel nodes (dry-run)', () => {
  it('prints the anonymous parallel components and the nodes as the SDK writes them, creates nothing', async () => {
    const file = join(scratch, 'pipeline.yml')
    writeFileSync(file, PIPELINE(emu.seed.computeName))
    const result = await submit(file)
    expect(errorOf(result)).toBe('')
    expect(result.exitCode).toBe(0)
    expect(serviceRequests(emu).filter(r => r.method === 'PUT')).toEqual([])
    const versions = new Set(
      [...result.stdout.matchAll(/components\/azureml_anonymous\/versions\/([0-9a-f-]{36})\?/g)].map(m => m[1])
    )
    expect(versions.size).toBe(2)
    const { jobs } = jobBody(result.stdout).properties
    expect(jobs.score_inline).toMatchObject({
      _source: 'YAML.JOB',
      type: 'parallel',
      mini_batch_size: 10240,
      partition_keys: '["Store"]',
      logging_level: 'INFO',
      retry_settings: { max_retries: 2, timeout: 60 },
      input_data: '${{inputs.table}}',
      task: { type: 'run_function', entry_script: 'score.py', program_arguments: '--cutoff ${{inputs.cutoff}}' }
    })
    const task = jobs.score_inline.task as Record<string, string>
    expect(task.code).toMatch(/^azureml:\/subscriptions\/.+\/codes\//)
    expect(task.environment).toMatch(/^azureml:\/subscriptions\/.+\/environments\//)
    // The file's fields where the node sets none; the node's own where it does.
    expect(jobs.score_file).toMatchObject({
      _source: 'YAML.COMPONENT',
      type: 'parallel',
      mini_batch_size: 5,
      resources: { instance_count: 2 },
      max_concurrency_per_instance: 4,
      task: { environment: 'azureml://registries/azureml/environments/sklearn-1.5/labels/latest' }
    })
    for (const node of Object.values(jobs))
      expect([...versions].some(v => String(node.componentId).endsWith(`/azureml_anonymous/versions/${v}`))).toBe(true)
    expect(result.stdout).toMatch(/dry-run: job \S+ was not created/)
  })

  it('refuses a parallel node naming a command component file before any request', async () => {
    const file = join(scratch, 'wrong.yml')
    writeFileSync(file, 'type: pipeline\njobs:\n  score:\n    type: parallel\n    component: ./train.yml\n')
    const before = serviceRequests(emu).length
    const result = await submit(file)
    expect(result.exitCode).not.toBe(0)
    expect(errorOf(result)).toContain(
      'train.yml:2: type: the node at jobs.score is a parallel node (type: parallel) but this is a command component'
    )
    expect(serviceRequests(emu).length).toBe(before)
  })
})
