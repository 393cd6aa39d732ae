/**
 * The command component YAML (src/components/yaml): the REST body compared with the one azure-ai-ml 1.4 builds for the
 * same file (fixtures/*.sdk.json, printed by fixtures/sdk_body.py), and the located errors of bad YAML.
 */
import { describe, expect, it } from '@jest/globals'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { readComponentYaml, toComponentRestBody, type ComponentResolver } from '../../src/components/yaml/index.js'
import { listCodeFilesWithIncludes } from '../../src/assets/files.js'
import { contentHash } from '../../src/assets/content-hash.js'

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures')
const WS = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws'

function resolver(next = '1'): ComponentResolver & { calls: string[] } {
  const calls: string[] = []
  return {
    calls,
    uploadCode: async folder => (calls.push(`upload ${folder}`), `${WS}/codes/c/versions/1`),
    codeId: async (n, v) => `${WS}/codes/${n}/versions/${v}`,
    environmentId: async (n, v) => `${WS}/environments/${n}/versions/${v}`,
    registerEnvironment: async () => (calls.push('environment'), `${WS}/environments/e/versions/1`),
    nextVersion: async name => (calls.push(`next ${name}`), next)
  }
}

function errorOf(fn: () => unknown): string {
  try {
    fn()
  } catch (e) {
    return (e as Error).message
  }
  throw new Error('no error')
}

function yamlFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'component-'))
  writeFileSync(join(dir, 'c.yml'), text)
  return join(dir, 'c.yml')
}

describe('command component → ComponentVersion body', () => {
  it.each(['train', 'hello'])('%s.yml: the body azure-ai-ml 1.4 sends', async name => {
    const read = readComponentYaml(`${name}.yml`, [], { baseDir: FIXTURES })
    const r = resolver('7')
    const request = await toComponentRestBody(read, r)
    const sdk = JSON.parse(readFileSync(join(FIXTURES, `${name}.sdk.json`), 'utf8'))
    const ours = structuredClone(request.body) as { properties: { componentSpec: Record<string, unknown> } }
    // azure-ai-ml 1.4 drops environment_variables from the spec (later versions send it); the SDK adds no version
    // when the YAML has none (its create_or_update fills it in later): compared apart.
    delete ours.properties.componentSpec.environment_variables
    if (name === 'train') {
      expect(ours.properties.componentSpec.version).toBe('7')
      delete ours.properties.componentSpec.version
    }
    expect(ours).toEqual(sdk)
    expect(r.calls[0]).toBe(name === 'train' ? 'next my_train' : `upload ${join(FIXTURES, 'src')}`)
  })

  it('sends environment_variables as text, a version as written, and a registry environment as written', async () => {
    const file = yamlFile(
      'name: c\nversion: 1.10\ntype: command\ncommand: echo\nenvironment: azureml://registries/azureml/environments/sklearn-1.5/labels/latest\n' +
        'environment_variables:\n  N: 3\n  B: true\n'
    )
    const request = await toComponentRestBody(readComponentYaml(file), resolver())
    expect(request.version).toBe('1.10')
    expect(request.body.properties.componentSpec).toMatchObject({
      version: '1.10',
      environment: 'azureml://registries/azureml/environments/sklearn-1.5/labels/latest',
      environment_variables: { N: '3', B: 'True' }
    })
    expect(request.body.properties.componentSpec.code).toBeUndefined()
  })
})

describe('bad component YAML: file:line: field', () => {
  it('refuses a Spark component, and says a pipeline one is run by a type: pipeline node, naming file:line: type', () => {
    expect(errorOf(() => readComponentYaml(yamlFile('name: c\ntype: spark\n')))).toMatch(
      /c\.yml:2: type: Spark components are not supported/
    )
    // (register-component reads pipeline components with the pipeline reader; a command node naming one lands here.)
    expect(errorOf(() => readComponentYaml(yamlFile('name: c\ntype: pipeline\njobs: {}\n')))).toMatch(
      /c\.yml:2: type: this is a pipeline component: a pipeline node that runs it is written with type: pipeline/
    )
  })

  it('names every problem: unknown field, bad input type, min on a uri input, missing code folder', () => {
    const file = yamlFile(
      'name: c\ncommand: echo\nenvironment: azureml:env:1\ncode: ./nope\ncomand: x\ninputs:\n  a:\n    type: uri_folder\n    min: 1\n  b:\n    type: float\n'
    )
    const message = errorOf(() => readComponentYaml(file))
    expect(message).toMatch(/Input 'component'/)
    expect(message).toMatch(/c\.yml:5: comand/)
    expect(message).toMatch(/c\.yml:11: inputs\.b\.type/)
    const second = errorOf(() =>
      readComponentYaml(
        yamlFile(
          'name: c\ncommand: echo\nenvironment: azureml:env:1\ncode: ./nope\ninputs:\n  a:\n    type: uri_folder\n    min: 1\n'
        )
      )
    )
    expect(second).toMatch(/:4: code/)
    expect(second).toMatch(/:7: inputs\.a\.type: min, max and enum need a literal type/)
  })

  it('requires command and environment', () => {
    expect(errorOf(() => readComponentYaml(yamlFile('name: c\ntype: command\n')))).toMatch(/command|environment/)
  })
})

describe('additional_includes (newest azure-ai-ml AdditionalIncludes)', () => {
  const INCLUDES = join(FIXTURES, 'includes')
  it('the code snapshot is src plus each include under its name: the hash azure-ai-ml gives the merged folder', async () => {
    const read = readComponentYaml('component.yml', [], { baseDir: INCLUDES })
    const seen: (readonly string[] | undefined)[] = []
    const r = resolver()
    r.uploadCode = async (_folder, includes) => (seen.push(includes), `${WS}/codes/c/versions/1`)
    await toComponentRestBody(read, r)
    expect(seen).toEqual([[join(INCLUDES, 'common_src'), join(INCLUDES, 'shared', 'config.yml')]])
    const list = await listCodeFilesWithIncludes(join(INCLUDES, 'src'), seen[0] ?? [])
    expect(list.files.map(f => f.path)).toEqual([
      'common_src/.amlignore',
      'common_src/helper.py',
      'common_src/utils/x.py',
      'component.py',
      'config.yml'
    ])
    const sdk = JSON.parse(readFileSync(join(INCLUDES, 'includes-hash.json'), 'utf8')) as { hash: string }
    expect(await contentHash(list.files)).toBe(sdk.hash)
  })

  it('a missing include names its line; a name already in the code folder is refused', async () => {
    expect(
      errorOf(() =>
        readComponentYaml('component.yml', ['additional_includes=[common_src, nope]'], { baseDir: INCLUDES })
      )
    ).toMatch(/set': line 1 .*additional_includes\[1\]: 'nope' does not exist/)
    await expect(
      listCodeFilesWithIncludes(join(INCLUDES, 'src'), [join(INCLUDES, 'src', 'component.py')])
    ).rejects.toThrow(/'component\.py' already exists in the code folder/)
  })
})
