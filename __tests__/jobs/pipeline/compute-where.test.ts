/**
 * Where a compute is written, handed to the lookup so that one that does not exist is named at its line and field:
 * `settings.default_compute`, a step's `compute` (in the pipeline or in a sub-pipeline's component file), a `set`
 * line, and a command job's `compute`.
 */
import { describe, expect, it } from '@jest/globals'
import { readAnyJobYaml, toAnyJobRestBody } from '../../../src/jobs/job-types.js'
import type { JobResolver } from '../../../src/jobs/resolver.js'
import { jobFolder } from '../helpers.js'

const WS = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws'
const OPTIONS = { jobName: 'pipe-1', defaultExperimentName: 'repo' }

/** Records every compute lookup with the place it was given. */
function resolver(): JobResolver & { computes: string[] } {
  const computes: string[] = []
  return {
    computes,
    uploads: { inputs: 0 },
    environmentId: async (n, v) => `${WS}/environments/${n}/versions/${v}`,
    codeId: async (n, v) => `${WS}/codes/${n}/versions/${v}`,
    computeId: async (n, where) => (computes.push(`${n} ${where?.input}: ${where?.field}`), `${WS}/computes/${n}`),
    dataId: async (n, v) => `azureml:${WS}/data/${n}/versions/${v}`,
    modelId: async (n, v) => `azureml:${WS}/models/${n}/versions/${v}`,
    uploadCode: async () => `${WS}/codes/c/versions/1`,
    uploadInput: async () => 'azureml://datastores/workspaceblobstore/paths/x',
    registerEnvironment: async () => `${WS}/environments/e/versions/1`,
    componentId: async (n, v) => `${WS}/components/${n}/versions/${v}`,
    registerComponent: async c => `${WS}/components/azureml_anonymous/versions/${c.version}`
  }
}

const SUB = [
  'type: pipeline',
  'jobs:',
  '  inner:',
  '    command: echo',
  '    environment: azureml:env:1',
  '    compute: azureml:gpu-cluster',
  ''
].join('\n')

async function computesOf(yaml: string, set: string[] = []): Promise<string[]> {
  const dir = jobFolder(yaml, { 'sub.yml': SUB })
  const r = resolver()
  await toAnyJobRestBody(readAnyJobYaml('job.yml', set, { baseDir: dir }), r, OPTIONS)
  return r.computes
}

describe('compute lookups name the field and line', () => {
  it('settings.default_compute, a step, a sub-pipeline file and a set line', async () => {
    const yaml = [
      'type: pipeline',
      'settings:',
      '  default_compute: azureml:cpu-cluster',
      'jobs:',
      '  train:',
      '    command: echo',
      '    environment: azureml:env:1',
      '    compute: azureml:big-cluster',
      '  nested:',
      '    type: pipeline',
      '    component: ./sub.yml',
      ''
    ].join('\n')
    expect((await computesOf(yaml)).sort()).toEqual([
      'big-cluster job: job.yml:8: jobs.train.compute',
      'cpu-cluster job: job.yml:3: settings.default_compute',
      'gpu-cluster job: sub.yml:6: jobs.inner.compute'
    ])
    expect(await computesOf(yaml, ['jobs.train.compute=azureml:other'])).toContain(
      'other set: line 1 (jobs.train.compute=azureml:other): jobs.train.compute'
    )
  })

  it("a command job's compute", async () => {
    const yaml = ['command: echo', 'environment: azureml:env:1', 'compute: azureml:cpu-cluster', ''].join('\n')
    expect(await computesOf(yaml)).toEqual(['cpu-cluster job: job.yml:3: compute'])
  })
})
