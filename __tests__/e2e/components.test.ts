/**
 * Issue 19, register-component end to end: the bundle registers a command component from a local YAML against the
 * emulator (Azure's component versions: immutable `componentSpec`, `nextVersion`): its code folder uploaded as an
 * anonymous code asset and its inline environment registered, the version the YAML's; the same YAML again reuses the
 * version with nothing uploaded; a changed component under the same version fails naming the file; no version → the
 * container's next one; a bad YAML (a pipeline component, a typo) is refused before any request.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Emulator } from '../../emulator/index.js'
import { arm2, token, wsPath } from '../emulator/helpers.js'
import { emulatorForTests, errorOf, serviceRequests, step, workspaceInputs } from './helpers.js'

let emu: Emulator
let scratch: string

const COMPONENT = (version: string | undefined, command = 'python train.py --n ${{inputs.n}}') =>
  [
    '$schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json',
    'name: train_component',
    ...(version ? [`version: ${version}`] : []),
    'display_name: Train',
    'type: command',
    'inputs:',
    '  n:',
    '    type: integer',
    '    default: 3',
    '  data:',
    '    type: uri_folder',
    '    optional: true',
    'outputs:',
    '  model:',
    '    type: uri_folder',
    'code: ./src',
    'environment:',
    '  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest',
    `command: ${command}`
  ].join('\n')

function write(name: string, text: string): string {
  writeFileSync(join(scratch, name), text)
  return join(scratch, name)
}

const register = (file: string) => step({ operation: 'register-component', ...workspaceInputs(emu), component: file })
const uploads = () => serviceRequests(emu).filter(r => /startPendingUpload|\.blob\.|devstoreaccount/.test(r.path))
const puts = () => serviceRequests(emu).filter(r => r.method === 'PUT')

beforeAll(async () => {
  emu = await emulatorForTests()
  scratch = mkdtempSync(join(tmpdir(), 'aml-components-e2e-'))
  mkdirSync(join(scratch, 'src'))
  writeFileSync(join(scratch, 'src', 'train.py'), 'print("train")\n')
})
afterAll(async () => {
  await emu?.close()
  rmSync(scratch, { recursive: true, force: true })
})

describe('register-component', () => {
  it('registers a command component: code uploaded, inline environment registered, the version from the YAML', async () => {
    const result = await register(write('v1.yml', COMPONENT('1')))
    expect(errorOf(result)).toBe('')
    expect(result.exitCode).toBe(0)
    expect(result.outputs).toMatchObject({ componentName: 'train_component', componentVersion: '1' })
    expect(result.outputs.componentId).toBe(`${wsPath(emu)}/components/train_component/versions/1`)
    expect(uploads().length).toBeGreaterThan(0)
    const got = await arm2(emu, await token(emu), `${wsPath(emu)}/components/train_component/versions/1`)
    expect(got.status).toBe(200)
    const spec = got.json.properties.componentSpec
    expect(spec).toMatchObject({ name: 'train_component', version: '1', type: 'command', _source: 'YAML.COMPONENT' })
    expect(spec.inputs.n).toEqual({ type: 'integer', default: '3' })
    expect(spec.code).toMatch(/^azureml:\/subscriptions\/.+\/codes\/[0-9a-f-]+\/versions\/1$/)
    expect(spec.environment).toMatch(
      /^azureml:\/subscriptions\/.+\/environments\/CliV2AnonymousEnvironment\/versions\//
    )
    expect(JSON.parse(result.outputs.response).properties.componentSpec.name).toBe('train_component')
  })

  it('the same YAML again: the version is reused, nothing uploaded and no component PUT', async () => {
    const before = emu.requests.length
    const result = await register(join(scratch, 'v1.yml'))
    expect(result.exitCode).toBe(0)
    expect(result.outputs.componentVersion).toBe('1')
    const since = serviceRequests(emu).slice(before)
    expect(since.filter(r => /startPendingUpload/.test(r.path))).toEqual([])
    expect(since.filter(r => r.method === 'PUT' && /\/components\//.test(r.path))).toEqual([])
    expect(result.stdout).toMatch(/already registered with the same definition; reusing it/)
  })

  it('a changed component under the same version fails naming the file and the version', async () => {
    const result = await register(write('changed.yml', COMPONENT('1', 'python other.py')))
    expect(result.exitCode).toBe(1)
    expect(errorOf(result)).toMatch(
      /Input 'component'.*changed\.yml:3: version: component train_component:1 already exists .*with another definition/
    )
  })

  it('no version in the YAML: the container next version', async () => {
    const result = await register(write('next.yml', COMPONENT(undefined, 'python train.py --n 5')))
    expect(errorOf(result)).toBe('')
    expect(result.outputs.componentVersion).toBe('2')
    expect(result.outputs.componentId).toMatch(/\/components\/train_component\/versions\/2$/)
  })

  it('a bad YAML is refused before any request: a pipeline component without steps, a typo', async () => {
    const pipeline = write('pipeline.yml', 'name: p\ntype: pipeline\njobs: {}\n')
    const typo = write('typo.yml', COMPONENT('9').replace('command: ', 'comand: '))
    for (const [file, expected] of [
      [pipeline, /pipeline\.yml:3: jobs: a pipeline needs at least one step/],
      [typo, /typo\.yml:\d+: comand/]
    ] as const) {
      const before = emu.requests.length
      const result = await register(file)
      expect(result.exitCode).toBe(1)
      expect(errorOf(result)).toMatch(expected)
      expect(emu.requests.slice(before)).toEqual([])
    }
    expect(puts().filter(r => /\/components\/(p|train_component)\/versions\/9/.test(r.path))).toEqual([])
  })

  it('additional_includes join the code snapshot: the code version carries the hash azure-ai-ml gives it', async () => {
    const result = await register('__tests__/components/fixtures/includes/component.yml')
    expect(errorOf(result)).toBe('')
    expect(result.exitCode).toBe(0)
    const sdk = JSON.parse(readFileSync('__tests__/components/fixtures/includes/includes-hash.json', 'utf8')) as {
      hash: string
    }
    const codePuts = puts().filter(r => /\/codes\/[^/]+\/versions\/1$/.test(r.path))
    expect(codePuts.map(r => JSON.parse(r.body).properties.properties.hash_sha256)).toContain(sdk.hash)
  })
})
