/**
 * Sweep job YAML → the body azure-ai-ml 1.4 sends (fixtures/*.sdk.json, printed by fixtures/sdk_sweep_body.py; the
 * three corpus sweeps and five of our own covering every search space type, sampling algorithm and early termination
 * policy), the body valid against mfe.json 2024-04-01 `JobBase`, and the refusals with `file:line: field`.
 */
import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { readAnyJobYaml, toAnyJobRestBody } from '../../../src/jobs/job-types.js'
import type { JobResolver } from '../../../src/jobs/resolver.js'
import { findSpec, specValidator } from '../../cli-yaml/spec-schema.js'

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures')
const WS = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws'
const OPTIONS = { jobName: 'sweep-1', defaultExperimentName: 'repo', extraTags: { 'github.sha': 'abc' } }

/** Answers as the SDK script's stand-ins do; records what it was asked. */
function resolver(): JobResolver & { calls: string[] } {
  const calls: string[] = []
  return {
    calls,
    uploads: { inputs: 0 },
    environmentId: async (n, v) => `${WS}/environments/${n}/versions/${v}`,
    codeId: async (n, v) => `${WS}/codes/${n}/versions/${v}`,
    computeId: async n => (calls.push(`compute ${n}`), `${WS}/computes/${n}`),
    dataId: async (n, v) => `azureml:${WS}/data/${n}/versions/${v}`,
    modelId: async (n, v) => `azureml:${WS}/models/${n}/versions/${v}`,
    uploadCode: async folder => (calls.push(`code ${folder}`), `${WS}/codes/c/versions/1`),
    uploadInput: async path => (
      calls.push(`input ${path}`),
      `azureml://datastores/workspaceblobstore/paths/LocalUpload/x/${path.split('/').pop()}`
    ),
    registerEnvironment: async d => (calls.push(`environment ${d.name}`), `${WS}/environments/e/versions/1`),
    componentId: async (n, v) => `${WS}/components/${n}/versions/${v}`,
    registerComponent: async () => {
      throw new Error('a sweep registers no component')
    }
  }
}

async function bodyOf(file: string, set: string[] = []) {
  const read = readAnyJobYaml(file, set, { baseDir: FIXTURES })
  const r = resolver()
  const body = (await toAnyJobRestBody(read, r, OPTIONS)) as unknown as { properties: Record<string, unknown> }
  return { body, calls: r.calls }
}

function refusal(file: string, set: string[] = []): string {
  try {
    readAnyJobYaml(file, set, { baseDir: FIXTURES })
  } catch (e) {
    return (e as Error).message
  }
  throw new Error(`${file} was accepted`)
}

const specPath = findSpec()
const withSpec = specPath ? it : it.skip

/**
 * mfe.json 2024-04-01 `JobBase` errors of a body. The SDK sends `objective.goal` and `samplingAlgorithm.rule` in snake
 * case (`minimize`, `sobol`); the spec's enums (`Minimize`, `Sobol`) are `modelAsString` and the service reads them
 * case-insensitively (as the emulator's conformance check does), while this validator is strict: those two are compared
 * in the spec's casing.
 */
function specErrors(body: { properties: Record<string, unknown> }): unknown[] {
  const copy = structuredClone(body)
  const p = copy.properties as { objective: { goal: string }; samplingAlgorithm: { rule?: string } }
  const pascal = (s: string) => s[0].toUpperCase() + s.slice(1)
  p.objective.goal = pascal(p.objective.goal)
  if (p.samplingAlgorithm.rule) p.samplingAlgorithm.rule = pascal(p.samplingAlgorithm.rule)
  const validate = specValidator(specPath as string, 'JobBase')
  return validate(copy) ? [] : (validate.errors ?? []).filter(e => e.keyword !== 'if')
}

describe('sweep job → the body azure-ai-ml 1.4 sends', () => {
  it.each([
    'hello-sweep',
    'lightgbm-iris-sweep',
    'scikit-learn-iris-sweep',
    'full',
    'grid',
    'bayesian',
    'truncation',
    'nested'
  ])('%s.yml', async name => {
    const sdk = JSON.parse(readFileSync(join(FIXTURES, `${name}.sdk.json`), 'utf8')) as {
      job: { properties: Record<string, unknown> }
    }
    const { body, calls } = await bodyOf(`${name}.yml`)
    const ours = structuredClone(body.properties)
    // Ours always carries the experiment, the display name and the workflow's tags (the SDK fills them at submit).
    expect(ours.experimentName).toBe(sdk.job.properties.experimentName ?? 'repo')
    expect(ours.displayName).toBe(sdk.job.properties.displayName ?? 'sweep-1')
    expect((ours.tags as Record<string, string>)['github.sha']).toBe('abc')
    delete (ours.tags as Record<string, string>)['github.sha']
    for (const k of ['experimentName', 'displayName']) {
      delete ours[k]
      delete sdk.job.properties[k]
    }
    expect(ours).toEqual(sdk.job.properties)
    // The trial's local code is uploaded as a command job's is.
    expect(calls).toContain(`code ${join(FIXTURES, 'src')}`)
    if (specPath) expect(specErrors(body)).toEqual([])
  })

  it('registers an inline trial environment as a command job does', async () => {
    const { calls } = await bodyOf('grid.yml')
    expect(calls.filter(c => c.startsWith('environment'))).toHaveLength(1)
  })

  it('set replaces a search space value, a list too', async () => {
    const { body } = await bodyOf('grid.yml', [
      'search_space.kernel.values=[poly, sigmoid, rbf]',
      'limits.max_total_trials=6'
    ])
    const p = body.properties as { searchSpace: Record<string, unknown>; limits: { maxTotalTrials: number } }
    expect(p.searchSpace.kernel).toEqual(['choice', [['poly', 'sigmoid', 'rbf']]])
    expect(p.limits.maxTotalTrials).toBe(6)
  })

  withSpec('the spec validator refuses a sweep body without its trial', () => {
    const validate = specValidator(specPath as string, 'JobBase')
    expect(validate({ properties: { jobType: 'Sweep', objective: { goal: 'Minimize', primaryMetric: 'x' } } })).toBe(
      false
    )
  })
})

describe('sweep job refusals name file:line: field', () => {
  it('grid sampling over a continuous space', () => {
    const m = refusal('grid.yml', ['search_space.c={type: uniform, min_value: 0, max_value: 1}'])
    expect(m).toMatch(/search_space\.c\.type: grid sampling takes only choice \(got uniform\)/)
  })

  it('Bayesian sampling with early termination, and over a normal space', () => {
    const m = refusal('bayesian.yml', [
      'early_termination={type: bandit, slack_factor: 0.1}',
      'search_space.lr={type: normal, mu: 0, sigma: 1}'
    ])
    expect(m).toMatch(/early_termination: Bayesian sampling takes no early termination policy/)
    expect(m).toMatch(/search_space\.lr\.type: bayesian sampling takes only choice, uniform, quniform \(got normal\)/)
  })

  it('every problem of a file at once, each at its line: sampling, bindings, the trial code folder', () => {
    const m = refusal('bad.yml')
    expect(m).toMatch(
      /bad\.yml:3: trial\.command: '\$\{\{search_space\.nope\}\}' names no entry of search_space \(search_space: lr\)/
    )
    expect(m).toMatch(/bad\.yml:3: trial\.command: '\$\{\{inputs\.missing\}\}' names no input of the job/)
    expect(m).toMatch(/bad\.yml:4: trial\.code: local folder .*nowhere' does not exist/)
    expect(m).toMatch(/bad\.yml:9: search_space\.lr\.type: grid sampling takes only choice \(got uniform\)/)
  })

  it('schema problems: a missing field and an unknown search space type, at their set lines', () => {
    const m = refusal('full.yml', ['search_space.b={type: randint}', 'search_space.c.type=gaussian'])
    expect(m).toMatch(/line 1 .*search_space\.b\.upper: missing required field 'upper'/)
    expect(m).toMatch(/line 2 .*search_space\.c\.type: the string 'gaussian' is not one of choice, randint/)
  })
  it('points at the YAML line of a bad field', () => {
    const m = refusal('truncation.yml', ['limits.max_total_trials=0'])
    expect(m).toMatch(/limits\.max_total_trials/)
    const wrong = refusal('hello-sweep.yml', ['objective.goal=best'])
    expect(wrong).toMatch(/hello-sweep\.yml:\d+|set/)
    expect(wrong).toMatch(/objective\.goal/)
  })
})
