/**
 * The parallel component YAML (src/components/yaml/parallel-component.ts): the REST body compared with the one
 * azure-ai-ml 1.4 builds for the same file (fixtures/parallel-*.sdk.json, printed by fixtures/sdk_body.py from
 * components made of the inline parallel nodes of azureml-examples cli/jobs/parallel), the conversions the SDK makes
 * (mini_batch_size, partition_keys), an inline node located inside a pipeline file, and the located errors.
 */
import { describe, expect, it } from '@jest/globals'
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseCliYaml } from '../../src/cli-yaml/load.js'
import {
  miniBatchSizeText,
  parallelComponentSpec,
  readComponentYaml,
  readParallelComponentAt,
  resolveComponentReferences,
  toComponentRestBody,
  type ComponentResolver
} from '../../src/components/yaml/index.js'

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures')
const WS = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws'

function resolver(next = '1'): ComponentResolver & { calls: string[] } {
  const calls: string[] = []
  return {
    calls,
    uploadCode: async folder => (calls.push(`upload ${folder}`), `${WS}/codes/c/versions/1`),
    codeId: async (n, v) => `${WS}/codes/${n}/versions/${v}`,
    environmentId: async (n, v) => (calls.push(`environment ${n}:${v}`), `${WS}/environments/${n}/versions/${v}`),
    registerEnvironment: async () => (calls.push('inline environment'), `${WS}/environments/e/versions/1`),
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

function component(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'parallel-'))
  mkdirSync(join(dir, 'src'))
  writeFileSync(join(dir, 'c.yml'), text)
  return join(dir, 'c.yml')
}

const MINIMAL =
  'name: p\ntype: parallel\ntask:\n  type: run_function\n  code: ./src\n  entry_script: s.py\n  environment: azureml:env:1\n'

describe('parallel component → ComponentVersion body', () => {
  it.each(['parallel-iris', 'parallel-oj'])('%s.yml: the body azure-ai-ml 1.4 sends', async name => {
    const read = readComponentYaml(`${name}.yml`, [], { baseDir: FIXTURES })
    expect(read.type).toBe('parallel')
    const r = resolver('4')
    const request = await toComponentRestBody(read, r)
    const sdk = JSON.parse(readFileSync(join(FIXTURES, `${name}.sdk.json`), 'utf8'))
    const ours = structuredClone(request.body) as { properties: { componentSpec: Record<string, unknown> } }
    if (name === 'parallel-oj') {
      // no version in the file: the SDK adds it in create_or_update; ours is the container's next one
      expect(ours.properties.componentSpec.version).toBe('4')
      delete ours.properties.componentSpec.version
      expect(r.calls).toEqual(['next oj_parallel_train', `upload ${join(FIXTURES, 'parallel_src')}`])
    } else {
      expect(request.version).toBe('2')
      expect(r.calls).toEqual([`upload ${join(FIXTURES, 'parallel_src')}`, 'inline environment'])
    }
    expect(ours).toEqual(sdk)
  })

  it('converts mini_batch_size as the SDK does: a count as is, kb/mb/gb in 1024-based bytes', () => {
    expect(miniBatchSizeText('5')).toBe('5')
    expect(miniBatchSizeText(7)).toBe('7')
    expect(miniBatchSizeText('10kb')).toBe('10240')
    expect(miniBatchSizeText('3MB')).toBe('3145728')
    expect(miniBatchSizeText('2gb')).toBe('2147483648')
  })

  it('sends partition_keys as Python json.dumps text, environment_variables as text, set lines applied', async () => {
    const file = component(
      MINIMAL + 'partition_keys: [Store, "Brändi"]\nmini_batch_size: 1gb\nenvironment_variables:\n  N: 3\n  B: true\n'
    )
    const read = readComponentYaml(file, ['task.entry_script=other.py', 'version=1.10'])
    const request = await toComponentRestBody(read, resolver())
    expect(request.version).toBe('1.10')
    expect(request.body.properties.componentSpec).toMatchObject({
      partition_keys: '["Store", "Br\\u00e4ndi"]',
      mini_batch_size: '1073741824',
      environment_variables: { N: '3', B: 'True' },
      task: { entry_script: 'other.py', environment: `azureml:${WS}/environments/env/versions/1` }
    })
  })

  it('reads an inline node inside a pipeline file: problems located under the node, name azureml_anonymous', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pipeline-'))
    mkdirSync(join(dir, 'score'))
    const text =
      'type: pipeline\njobs:\n  score:\n    type: parallel\n    mini_batch_size: "10kb"\n    task:\n' +
      '      type: run_function\n      code: ./score\n      entry_script: s.py\n      environment: azureml:env@latest\n'
    writeFileSync(join(dir, 'pipeline.yml'), text)
    const kind = { input: 'job', kind: 'job', fieldsHint: 'type, jobs' }
    const source = parseCliYaml(text, 'pipeline.yml', kind, join(dir, 'pipeline.yml'))
    const node = (source.doc.toJS() as { jobs: Record<string, unknown> }).jobs.score
    const read = readParallelComponentAt(source, node, ['jobs', 'score'], { anonymous: true })
    const refs = await resolveComponentReferences(read.references, resolver())
    const spec = parallelComponentSpec(read, refs, 'h4sh', 'YAML.JOB')
    expect(spec).toMatchObject({
      name: 'azureml_anonymous',
      version: 'h4sh',
      _source: 'YAML.JOB',
      mini_batch_size: '10240'
    })
    expect(spec.task).toEqual({
      type: 'run_function',
      code: `azureml:${WS}/codes/c/versions/1`,
      entry_script: 's.py',
      environment: `azureml:${WS}/environments/env/versions/latest`
    })

    const bad = parseCliYaml(
      text.replace('mini_batch_size: "10kb"', 'mini_batch_size: "10tb"').replace('./score', './nope'),
      'pipeline.yml',
      kind,
      join(dir, 'pipeline.yml')
    )
    const badNode = (bad.doc.toJS() as { jobs: Record<string, unknown> }).jobs.score
    const message = errorOf(() => readParallelComponentAt(bad, badNode, ['jobs', 'score'], { anonymous: true }))
    expect(message).toMatch(/Input 'job'/)
    expect(message).toMatch(/pipeline\.yml:5: jobs\.score\.mini_batch_size: .*10kb, 5mb or 1gb/)
  })
})

describe('bad parallel component YAML: file:line: field', () => {
  it('names every problem: unknown field, bad task type, bad logging level, missing environment, bad retry', () => {
    const message = errorOf(() =>
      readComponentYaml(
        component(
          'name: p\ntype: parallel\nmax_concurency_per_instance: 2\nlogging_level: debug\nretry_settings:\n  max_retries: 1.5\n' +
            'task:\n  type: run_funcion\n  code: ./src\n'
        )
      )
    )
    expect(message).toMatch(/Input 'component'/)
    expect(message).toMatch(
      /c\.yml:3: max_concurency_per_instance: unknown field .*did you mean 'max_concurrency_per_instance'/
    )
    expect(message).toMatch(/c\.yml:4: logging_level: .*DEBUG, INFO, WARNING/)
    expect(message).toMatch(/c\.yml:6: retry_settings\.max_retries: expected a whole number/)
    expect(message).toMatch(/c\.yml:8: task\.type: .*did you mean 'run_function'/)
    expect(message).toMatch(/c\.yml:7: task\.environment: missing required field/)
  })

  it('requires a task, and its code folder to exist', () => {
    expect(errorOf(() => readComponentYaml(component('name: p\ntype: parallel\n')))).toMatch(
      /c\.yml:\d: task: missing required field 'task'/
    )
    expect(errorOf(() => readComponentYaml(component(MINIMAL.replace('./src', './nope'))))).toMatch(
      /c\.yml:5: task\.code: /
    )
  })
})
