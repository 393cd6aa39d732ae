/**
 * Issue 19, register-component with a pipeline component file (`az ml component create` of `type: pipeline`), end to
 * end through the bundle against the emulator: its steps (an inline command step with a local code folder, a local
 * command component file, an inline parallel node) are registered first as anonymous component versions named by
 * azure-ai-ml's content hash, then the pipeline component version, its `jobs` carrying those `componentId`s and their
 * names (the next version when the YAML gives none). The same file again: the same step versions (the service
 * answers 200) and the pipeline component version reused. A binding to a step that
 * does not exist is refused before any request, naming the file, line and field under input `component`.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Emulator } from '../../emulator/index.js'
import { arm2, token, wsPath } from '../emulator/helpers.js'
import { emulatorForTests, errorOf, serviceRequests, step, workspaceInputs } from './helpers.js'

let emu: Emulator
let scratch: string

const PIPELINE_COMPONENT = [
  '$schema: https://azuremlschemas.azureedge.net/latest/pipelineComponent.schema.json',
  'name: train_and_score',
  'type: pipeline',
  'inputs:',
  '  raw:',
  '    type: uri_folder',
  '  epochs:',
  '    type: integer',
  '    default: 3',
  'outputs:',
  '  scores:',
  '    type: uri_file',
  'jobs:',
  '  prepare:',
  '    command: python prep.py ${{inputs.raw}} ${{outputs.table}}',
  '    code: ./src',
  '    environment: azureml://registries/azureml/environments/sklearn-1.5/labels/latest',
  '    inputs:',
  '      raw: ${{parent.inputs.raw}}',
  '    outputs:',
  '      table:',
  '        type: mltable',
  '  train:',
  '    component: ./train.yml',
  '    inputs:',
  '      data: ${{parent.jobs.prepare.outputs.table}}',
  '      epochs: ${{parent.inputs.epochs}}',
  '  score:',
  '    type: parallel',
  '    inputs:',
  '      table: ${{parent.jobs.prepare.outputs.table}}',
  '      model: ${{parent.jobs.train.outputs.model}}',
  '    outputs:',
  '      scores: ${{parent.outputs.scores}}',
  '    input_data: ${{inputs.table}}',
  '    mini_batch_size: 1kb',
  '    task:',
  '      type: run_function',
  '      code: ./src',
  '      entry_script: score.py',
  '      environment: azureml://registries/azureml/environments/sklearn-1.5/labels/latest',
  '      append_row_to: ${{outputs.scores}}'
].join('\n')

const TRAIN = [
  'name: train',
  'type: command',
  'inputs:',
  '  data:',
  '    type: mltable',
  '  epochs:',
  '    type: integer',
  'outputs:',
  '  model:',
  '    type: uri_folder',
  'code: ./src',
  'environment: azureml://registries/azureml/environments/sklearn-1.5/labels/latest',
  'command: python train.py --data ${{inputs.data}} --epochs ${{inputs.epochs}} --model ${{outputs.model}}'
].join('\n')

const register = (file: string) => step({ operation: 'register-component', ...workspaceInputs(emu), component: file })
/** `<name>/versions/<version>` of a component version request path. */
const stepPath = (path: string) => path.split('?')[0].replace(/.*\/components\//, '')
/** The anonymous step versions the first registration PUT. */
let anonymousSteps: string[] = []
const isComponentPut = (r: { method: string; path: string }) => r.method === 'PUT' && /\/components\//.test(r.path)

beforeAll(async () => {
  emu = await emulatorForTests()
  scratch = mkdtempSync(join(tmpdir(), 'aml-pipeline-component-e2e-'))
  mkdirSync(join(scratch, 'src'))
  for (const file of ['prep.py', 'train.py', 'score.py']) writeFileSync(join(scratch, 'src', file), 'print(1)\n')
  writeFileSync(join(scratch, 'train.yml'), TRAIN)
  writeFileSync(join(scratch, 'pipeline.yml'), PIPELINE_COMPONENT)
})
afterAll(async () => {
  await emu?.close()
  rmSync(scratch, { recursive: true, force: true })
})

describe('register-component: a pipeline component file', () => {
  it('registers its steps anonymously, then the pipeline component version with its jobs', async () => {
    const before = emu.requests.length
    const result = await register(join(scratch, 'pipeline.yml'))
    expect(errorOf(result)).toBe('')
    expect(result.exitCode).toBe(0)
    expect(result.outputs).toMatchObject({ componentName: 'train_and_score', componentVersion: '1' })
    expect(result.outputs.componentId).toBe(`${wsPath(emu)}/components/train_and_score/versions/1`)
    const puts = serviceRequests(emu).slice(before).filter(isComponentPut)
    anonymousSteps = puts.slice(0, 3).map(r => stepPath(r.path))
    // Three anonymous steps, then the pipeline component last.
    expect(puts.map(r => stepPath(r.path))).toEqual([
      expect.stringMatching(/^azureml_anonymous\/versions\/[0-9a-f-]{36}$/),
      expect.stringMatching(/^azureml_anonymous\/versions\/[0-9a-f-]{36}$/),
      expect.stringMatching(/^azureml_anonymous\/versions\/[0-9a-f-]{36}$/),
      'train_and_score/versions/1'
    ])
    const tok = await token(emu)
    const got = await arm2(emu, tok, `${wsPath(emu)}/components/train_and_score/versions/1`)
    expect(got.status).toBe(200)
    const spec = got.json.properties.componentSpec
    expect(spec).toMatchObject({ name: 'train_and_score', version: '1', type: 'pipeline', sourceJobId: null })
    expect(spec.inputs.epochs).toEqual({ type: 'integer', default: '3' })
    expect(Object.keys(spec.jobs)).toEqual(['prepare', 'train', 'score'])
    expect(spec.jobs.score).toMatchObject({
      name: 'score',
      type: 'parallel',
      _source: 'YAML.JOB',
      mini_batch_size: 1024,
      outputs: { scores: { type: 'literal', value: '${{parent.outputs.scores}}' } }
    })
    expect(spec.jobs.train).toMatchObject({ name: 'train', type: 'command', _source: 'YAML.COMPONENT' })
    // Every step's componentId is a registered anonymous component version.
    for (const node of Object.values(spec.jobs) as { componentId: string }[]) {
      expect(node.componentId).toMatch(/\/components\/azureml_anonymous\/versions\/[0-9a-f-]{36}$/)
      const component = await arm2(emu, tok, node.componentId)
      expect(component.status).toBe(200)
      expect(component.json.properties.isAnonymous).toBe(true)
    }
    const score = await arm2(emu, tok, spec.jobs.score.componentId)
    expect(score.json.properties.componentSpec).toMatchObject({ type: 'parallel', mini_batch_size: '1024' })
  })

  it('the same file again with its version set: the version reused, its steps the same versions', async () => {
    const before = emu.requests.length
    const result = await step({
      operation: 'register-component',
      ...workspaceInputs(emu),
      component: join(scratch, 'pipeline.yml'),
      set: 'version=1'
    })
    expect(errorOf(result)).toBe('')
    expect(result.outputs.componentVersion).toBe('1')
    // The steps keep their content-named versions (any PUT again is answered 200: the same version, as for submit-job's
    // steps); the pipeline component version is found the same and not PUT.
    const puts = serviceRequests(emu).slice(before).filter(isComponentPut)
    for (const put of puts) expect(anonymousSteps).toContain(stepPath(put.path))
    expect(puts.every(r => r.status === 200)).toBe(true)
  })

  it('the same file again without a version: the next version, its steps the same versions', async () => {
    const before = emu.requests.length
    const result = await register(join(scratch, 'pipeline.yml'))
    expect(errorOf(result)).toBe('')
    expect(result.outputs.componentVersion).toBe('2')
    const puts = serviceRequests(emu).slice(before).filter(isComponentPut)
    expect(puts.map(r => stepPath(r.path)).at(-1)).toBe('train_and_score/versions/2')
    for (const put of puts.slice(0, -1)) expect(anonymousSteps).toContain(stepPath(put.path))
  })

  it('a binding to a step that does not exist is refused before any request, naming file:line: field', async () => {
    const bad = join(scratch, 'bad.yml')
    writeFileSync(bad, PIPELINE_COMPONENT.replace('parent.jobs.train.outputs.model', 'parent.jobs.trian.outputs.model'))
    const before = emu.requests.length
    const result = await register(bad)
    expect(result.exitCode).toBe(1)
    expect(errorOf(result)).toMatch(/^Input 'component': /)
    expect(errorOf(result)).toContain(
      "bad.yml:32: jobs.score.inputs.model: '${{parent.jobs.trian.outputs.model}}' names no step of the pipeline"
    )
    expect(emu.requests.slice(before)).toEqual([])
  })
})
