/**
 * Serverless compute (https://learn.microsoft.com/azure/machine-learning/how-to-use-serverless-compute): the name
 * `serverless` is sent as azure-ai-ml sends it, `{WS}/computes/serverless`, without looking a compute of that name up
 * (`_job_operations.py` `_try_get_compute_arm_id`); every other compute name is still looked up; a pipeline that names
 * no compute anywhere is refused before anything is sent, as the SDK refuses it ("Compute not set").
 */
import { describe, expect, it, jest } from '@jest/globals'
import * as core from '../../__fixtures__/core.js'
import { FakeHttp, testSettings } from '../../__fixtures__/fakes.js'
import type { CommonSettings } from '../../src/base/settings.js'
import { jobFolder } from './helpers.js'

jest.unstable_mockModule('@actions/core', () => core)
const { createJobResolver, SERVERLESS_COMPUTE } = await import('../../src/jobs/resolver.js')
const { readAnyJobYaml } = await import('../../src/jobs/job-types.js')
type Context = import('../../src/base/context.js').Context
type PipelineJobYaml = import('../../src/jobs/pipeline/index.js').PipelineJobYaml

const settings: CommonSettings = testSettings()
const ws = { subscriptionId: 'sub', resourceGroup: 'rg', workspaceName: 'ws' }
const WS = '/subscriptions/sub/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws'

function resolverOn(http: FakeHttp) {
  return createJobResolver(
    { http } as unknown as Context,
    settings,
    ws,
    { file: 'job.yml' },
    {
      checkOnly: true,
      cache: new Map()
    }
  )
}

describe('serverless compute in a job', () => {
  it('sends {WS}/computes/serverless and asks Azure nothing for it', async () => {
    const http = new FakeHttp()
    expect(SERVERLESS_COMPUTE).toBe('serverless')
    await expect(resolverOn(http).computeId('serverless')).resolves.toBe(`${WS}/computes/serverless`)
    expect(http.requests).toEqual([])
  })

  it('still looks any other compute up, and refuses one that does not exist', async () => {
    const found = new FakeHttp().reply({ status: 200, body: JSON.stringify({ id: `${WS}/computes/cpu` }) })
    await expect(resolverOn(found).computeId('cpu')).resolves.toBe(`${WS}/computes/cpu`)
    expect(found.requests.map(r => [r.method, r.url.split('?')[0].replace(/^.*\/workspaces\/ws/, '')])).toEqual([
      ['GET', '/computes/cpu']
    ])
    // The name is compared as the SDK compares it: a differently cased name is a workspace compute's name.
    const missing = new FakeHttp().reply({ status: 404, body: '{}' })
    await expect(resolverOn(missing).computeId('Serverless')).rejects.toThrow(
      /job\.yml: compute: the compute 'Serverless' does not exist in workspace ws/
    )
  })
})

const STEP = '    command: echo\n    environment: azureml:env:1\n'

function read(yaml: string, set: string[] = [], files: Record<string, string> = {}): PipelineJobYaml {
  const dir = jobFolder(yaml, files)
  return readAnyJobYaml('job.yml', set, { baseDir: dir }) as PipelineJobYaml
}

function errorOf(yaml: string, set: string[] = [], files: Record<string, string> = {}): string {
  try {
    read(yaml, set, files)
  } catch (e) {
    return (e as Error).message
  }
  throw new Error('no error')
}

describe('a pipeline without any compute', () => {
  it('is refused at each step without one, naming the file, line and the serverless setting', () => {
    const yaml = `type: pipeline\njobs:\n  a:\n${STEP}  b:\n${STEP}    compute: azureml:cpu\n  c:\n${STEP}`
    const message = errorOf(yaml)
    expect(message).toMatch(/job\.yml:3: jobs\.a: compute not set: .*settings\.default_compute: azureml:serverless/)
    expect(message).toMatch(/job\.yml:10: jobs\.c: compute not set/)
    expect(message).not.toMatch(/jobs\.b:/)
  })

  it('is taken with settings.default_compute (serverless or a cluster), a pipeline compute, or every step’s own', () => {
    const yaml = `type: pipeline\njobs:\n  a:\n${STEP}`
    expect(read(yaml, ['settings.default_compute=azureml:serverless']).graph.nodes).toHaveLength(1)
    expect(
      read(`type: pipeline\nsettings:\n  default_compute: azureml:cpu\njobs:\n  a:\n${STEP}`).graph.nodes
    ).toHaveLength(1)
    expect(read(`type: pipeline\ncompute: azureml:serverless\njobs:\n  a:\n${STEP}`).graph.nodes).toHaveLength(1)
    expect(read(`type: pipeline\njobs:\n  a:\n${STEP}    compute: azureml:serverless\n`).graph.nodes).toHaveLength(1)
  })

  it('looks into a local pipeline component file, not into a registered one', () => {
    const sub = `type: pipeline\njobs:\n  inner:\n${STEP}`
    const message = errorOf('type: pipeline\njobs:\n  p:\n    type: pipeline\n    component: ./sub.yml\n', [], {
      'sub.yml': sub
    })
    expect(message).toMatch(/sub\.yml:3: jobs\.inner: compute not set/)
    const registered = 'type: pipeline\njobs:\n  p:\n    type: pipeline\n    component: azureml:sub:1\n'
    expect(read(registered).graph.nodes).toHaveLength(1)
  })
})
