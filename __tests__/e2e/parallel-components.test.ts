/**
 * Issue 19, register-component with a parallel component file, end to end: the bundle registers a `type: parallel`
 * component against the emulator (Azure's component versions: immutable `componentSpec`, `nextVersion`): its
 * `task.code` folder uploaded as an anonymous code asset, its inline `task.environment` registered, the spec as
 * azure-ai-ml 1.4 writes it (mini_batch_size in bytes, partition_keys as JSON text); the same file again reuses the
 * version with nothing uploaded; a bad parallel YAML is refused, naming file:line: field, before any request.
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

const PARALLEL = [
  '$schema: https://azuremlschemas.azureedge.net/latest/parallelComponent.schema.json',
  'name: batch_score',
  'version: 1',
  'type: parallel',
  'inputs:',
  '  data:',
  '    type: mltable',
  '  threshold:',
  '    type: number',
  '    default: 0.50',
  'outputs:',
  '  scores:',
  '    type: uri_file',
  'input_data: ${{inputs.data}}',
  'mini_batch_size: "10kb"',
  'partition_keys: [Store, Brand]',
  'resources:',
  '  instance_count: 2',
  'max_concurrency_per_instance: 2',
  'logging_level: DEBUG',
  'error_threshold: 5',
  'retry_settings:',
  '  max_retries: 2',
  '  timeout: 60',
  'task:',
  '  type: run_function',
  '  code: ./score',
  '  entry_script: score.py',
  '  program_arguments: --threshold ${{inputs.threshold}}',
  '  append_row_to: ${{outputs.scores}}',
  '  environment:',
  '    image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest'
].join('\n')

function write(name: string, text: string): string {
  writeFileSync(join(scratch, name), text)
  return join(scratch, name)
}

const register = (file: string) => step({ operation: 'register-component', ...workspaceInputs(emu), component: file })

beforeAll(async () => {
  emu = await emulatorForTests()
  scratch = mkdtempSync(join(tmpdir(), 'aml-parallel-e2e-'))
  mkdirSync(join(scratch, 'score'))
  writeFileSync(join(scratch, 'score', 'score.py'), 'def init():\n    pass\n\n\ndef run(batch):\n    return batch\n')
})
afterAll(async () => {
  await emu?.close()
  rmSync(scratch, { recursive: true, force: true })
})

describe('register-component: a parallel component file', () => {
  it('registers it: task.code uploaded, inline environment registered, the version from the file, the spec as the SDK writes it', async () => {
    const result = await register(write('score.yml', PARALLEL))
    expect(errorOf(result)).toBe('')
    expect(result.exitCode).toBe(0)
    expect(result.outputs).toMatchObject({ componentName: 'batch_score', componentVersion: '1' })
    expect(result.outputs.componentId).toBe(`${wsPath(emu)}/components/batch_score/versions/1`)
    expect(serviceRequests(emu).filter(r => /startPendingUpload/.test(r.path)).length).toBeGreaterThan(0)
    const got = await arm2(emu, await token(emu), `${wsPath(emu)}/components/batch_score/versions/1`)
    expect(got.status).toBe(200)
    const spec = got.json.properties.componentSpec
    expect(spec).toMatchObject({
      name: 'batch_score',
      version: '1',
      type: 'parallel',
      _source: 'YAML.COMPONENT',
      is_deterministic: true,
      input_data: '${{inputs.data}}',
      mini_batch_size: '10240',
      partition_keys: '["Store", "Brand"]',
      resources: { instance_count: 2 },
      logging_level: 'DEBUG',
      retry_settings: { max_retries: 2, timeout: 60 }
    })
    // azure-ai-ml 1.4 sends Python's text of the float PyYAML reads (0.50 → '0.5'), checked with load_component
    expect(spec.inputs.threshold).toEqual({ type: 'number', default: '0.5' })
    expect(spec.task).toMatchObject({ type: 'run_function', entry_script: 'score.py' })
    expect(spec.task.code).toMatch(/^azureml:\/subscriptions\/.+\/codes\/[0-9a-f-]+\/versions\/1$/)
    expect(spec.task.environment).toMatch(
      /^azureml:\/subscriptions\/.+\/environments\/CliV2AnonymousEnvironment\/versions\//
    )
    expect(spec.code).toBeUndefined()
  })

  it('the same file again: the version is reused, nothing uploaded and no component PUT', async () => {
    const before = emu.requests.length
    const result = await register(join(scratch, 'score.yml'))
    expect(errorOf(result)).toBe('')
    expect(result.outputs.componentVersion).toBe('1')
    const since = serviceRequests(emu).slice(before)
    expect(since.filter(r => /startPendingUpload/.test(r.path))).toEqual([])
    expect(since.filter(r => r.method === 'PUT' && /\/components\//.test(r.path))).toEqual([])
  })

  it('a changed task without a version: the next version', async () => {
    const result = await register(
      write(
        'changed.yml',
        PARALLEL.replace('entry_script: score.py', 'entry_script: s2.py').replace('version: 1\n', '')
      )
    )
    expect(errorOf(result)).toBe('')
    expect(result.outputs.componentVersion).toBe('2')
  })

  it('a bad parallel YAML is refused before any request, naming file:line: field', async () => {
    const bad = write(
      'bad.yml',
      PARALLEL.replace('mini_batch_size: "10kb"', 'mini_batch_size: "10tb"').replace(
        'logging_level: DEBUG',
        'logging_level: LOUD'
      )
    )
    const before = emu.requests.length
    const result = await register(bad)
    expect(result.exitCode).toBe(1)
    expect(errorOf(result)).toMatch(/bad\.yml:15: mini_batch_size: .*10kb, 5mb or 1gb/)
    expect(errorOf(result)).toMatch(/bad\.yml:20: logging_level: .*DEBUG, INFO, WARNING/)
    expect(emu.requests.slice(before)).toEqual([])
  })
})
