/**
 * Pipeline job YAML → the anonymous component versions and the pipeline job body, compared with what azure-ai-ml 1.4
 * builds for the same files (fixtures/*.sdk.json, printed by fixtures/sdk_pipeline_body.py), and the SDK's anonymous
 * hash.
 */
import { describe, expect, it } from '@jest/globals'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { readAnyJobYaml, toAnyJobRestBody } from '../../../src/jobs/job-types.js'
import {
  anonymousComponentHash,
  pythonJsonDumps,
  readPipelineComponentYaml,
  toPipelineComponentRestBody,
  type AnonymousComponent
} from '../../../src/jobs/pipeline/index.js'
import type { JobResolver } from '../../../src/jobs/resolver.js'

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures')
const WS = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws'
const OPTIONS = { jobName: 'pipe-1', defaultExperimentName: 'repo', extraTags: { 'github.sha': 'abc' } }

/** Answers as the SDK script's stand-ins do; records registrations. */
function resolver(): JobResolver & { registered: Map<string, AnonymousComponent>; calls: string[] } {
  const registered = new Map<string, AnonymousComponent>()
  const calls: string[] = []
  return {
    registered,
    calls,
    uploads: { inputs: 0 },
    environmentId: async (n, v) => `${WS}/environments/${n}/versions/${v}`,
    codeId: async (n, v) => `${WS}/codes/${n}/versions/${v}`,
    computeId: async n => `${WS}/computes/${n}`,
    dataId: async (n, v) => `azureml:${WS}/data/${n}/versions/${v}`,
    modelId: async (n, v) => `azureml:${WS}/models/${n}/versions/${v}`,
    uploadCode: async folder => (calls.push(`code ${folder}`), `${WS}/codes/c/versions/1`),
    uploadInput: async path => (
      calls.push(`input ${path}`),
      `azureml://datastores/workspaceblobstore/paths/LocalUpload/x/${path.split('/').pop()}`
    ),
    registerEnvironment: async () => `${WS}/environments/e/versions/1`,
    componentId: async (n, v) => `${WS}/components/${n}/versions/${v}`,
    registerComponent: async c => {
      calls.push(`component ${c.version}`)
      registered.set(c.version, c)
      return `${WS}/components/azureml_anonymous/versions/${c.version}`
    }
  }
}

describe('pipeline job → the bodies azure-ai-ml 1.4 sends', () => {
  it.each([
    'inline',
    'local-components',
    'sub-pipeline',
    'from-component',
    'parallel-inline',
    'parallel-components',
    'lenient'
  ])('%s.yml', async name => {
    const sdk = JSON.parse(readFileSync(join(FIXTURES, `${name}.sdk.json`), 'utf8')) as {
      job: { properties: Record<string, unknown> }
      components: Record<string, { properties: Record<string, unknown> }>
    }
    const read = readAnyJobYaml(`${name}.yml`, [], { baseDir: FIXTURES })
    const r = resolver()
    const body = (await toAnyJobRestBody(read, r, OPTIONS)) as unknown as { properties: Record<string, unknown> }
    // Ours always carries the experiment, the display name and the workflow's tags (the SDK fills them at submit).
    const ours = structuredClone(body.properties)
    expect(ours.experimentName).toBe(sdk.job.properties.experimentName ?? 'repo')
    expect((ours.tags as Record<string, string>)['github.sha']).toBe('abc')
    delete ours.experimentName
    delete (ours.tags as Record<string, string>)['github.sha']
    delete sdk.job.properties.experimentName
    // The same component bodies first (a different body is a different hash), then component versions (the SDK's hashes), with the same bodies.
    const sdkBodies = Object.values(sdk.components).sort((a, b) => pythonJsonDumps(a).localeCompare(pythonJsonDumps(b)))
    const ourBodies = [...r.registered.values()]
      .map(c => c.body)
      .sort((a, b) => pythonJsonDumps(a).localeCompare(pythonJsonDumps(b)))
    expect(ourBodies).toEqual(sdkBodies)
    expect([...r.registered.keys()].sort()).toEqual(Object.keys(sdk.components).sort())
    expect(ours).toEqual(sdk.job.properties)
  })

  it('registers a component used twice once per use, with the same version, and its nodes before it', async () => {
    const read = readAnyJobYaml('sub-pipeline.yml', [], { baseDir: FIXTURES })
    const r = resolver()
    await toAnyJobRestBody(read, r, OPTIONS)
    const components = r.calls.filter(c => c.startsWith('component '))
    // first: train, score, train-eval; second: the same three again (the resolver reuses them by version).
    expect(components).toHaveLength(6)
    expect(components.slice(0, 3)).toEqual(components.slice(3))
  })
})

describe('pipeline component file → the bodies azure-ai-ml 1.4 sends for az ml component create', () => {
  it('registers its steps anonymously, then the named version with its jobs (nodes named)', async () => {
    const sdk = JSON.parse(readFileSync(join(FIXTURES, 'score-pipeline-component.sdk.json'), 'utf8')) as {
      component: { properties: Record<string, unknown> }
      components: Record<string, { properties: Record<string, unknown> }>
    }
    const read = readPipelineComponentYaml('components/score-pipeline.yml', [], { baseDir: FIXTURES })
    if (!read) throw new Error('not read as a pipeline component')
    const r = resolver()
    const asked: string[] = []
    const request = await toPipelineComponentRestBody(read, r, async name => (asked.push(name), '9'))
    expect(asked).toEqual([]) // the YAML gives version 3
    expect(request.name).toBe('fixture_score_pipeline')
    expect(request.version).toBe('3')
    expect(request.body).toEqual(sdk.component)
    expect([...r.registered.keys()].sort()).toEqual(Object.keys(sdk.components).sort())
    for (const [version, body] of Object.entries(sdk.components)) expect(r.registered.get(version)?.body).toEqual(body)
    // The steps are registered before the version that names them.
    expect(r.calls.filter(c => c.startsWith('component ')).length).toBe(3)
  })

  it('takes the next version when the YAML gives none; other component types are not read here', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pipeline-component-'))
    writeFileSync(
      join(dir, 'c.yml'),
      'name: echo\ntype: pipeline\njobs:\n  hi:\n    command: echo hi\n    environment: azureml:env:1\n'
    )
    const read = readPipelineComponentYaml('c.yml', [], { baseDir: dir })
    if (!read) throw new Error('not read as a pipeline component')
    const request = await toPipelineComponentRestBody(read, resolver(), async name => `${name.length}`)
    expect(request.version).toBe('4')
    expect(request.body.properties.componentSpec.version).toBe('4')
    expect(readPipelineComponentYaml('components/train.yml', [], { baseDir: FIXTURES })).toBeUndefined()
    rmSync(dir, { recursive: true, force: true })
  })
})

describe('anonymousComponentHash', () => {
  it('is azure-ai-ml 1.4 hash_dict of the spec without name, id, version and _source', () => {
    // Computed offline with azure-ai-ml 1.4: hash_dict({...}, keys_to_omit=["name", "id", "version"]).
    const spec = {
      _source: 'YAML.JOB',
      command: 'echo "hello" && echo "world" > ${{outputs.world_output}}/world.txt',
      environment: 'azureml://registries/azureml/environments/sklearn-1.5/labels/latest',
      is_deterministic: true,
      name: 'azureml_anonymous',
      outputs: { world_output: { type: 'uri_folder' } },
      type: 'command',
      version: '1'
    }
    expect(anonymousComponentHash(spec)).toBe('e757b93e-7f10-6074-6e16-c140baf0a2bf')
  })

  it('writes JSON as Python json.dumps(sort_keys=True) does', () => {
    expect(pythonJsonDumps({ b: [1, 0.5, 1e-5, true, null], a: 'é"\n' })).toBe(
      '{"a": "\\u00e9\\"\\n", "b": [1, 0.5, 1e-05, true, null]}'
    )
  })
})
