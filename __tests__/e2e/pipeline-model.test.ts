/**
 * register-model from a pipeline job's output, end to end: the bundle against the emulator running a pipeline built
 * from examples/pipelines (its three scripts as components, the nodes azure-ai-ml 1.4 writes for pipeline.yml:
 * __tests__/models/fixtures/pipeline.sdk.json). Until submit-job takes `type: pipeline`, the components and the
 * pipeline job are PUT directly; what is under test is the register-model step: it registers the model from the
 * output of the step that wrote it (the train step's child run), and a wrong output name fails before any write,
 * listing the pipeline's outputs and steps.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Emulator } from '../../emulator/index.js'
import { ROOT } from '../../demo/runner.js'
import { arm2, call, putEnvironment, token, uploadCode, waitForJob, wsPath } from '../emulator/helpers.js'
import { emulatorForTests, errorOf, serviceRequests, step, workspaceInputs } from './helpers.js'

type Json = Record<string, unknown>
const EXAMPLE = join(ROOT, 'examples/pipelines')
const SDK = JSON.parse(readFileSync(join(ROOT, '__tests__/models/fixtures/pipeline.sdk.json'), 'utf8')) as {
  jobs: Record<string, Json>
  outputs: Json
}

/** The command of each step, as pipeline.yml and components/train.yml write it. */
const COMMANDS: Record<string, { command: string; inputs: Json; outputs: Json }> = {
  prepare: {
    command:
      'python3 prepare.py --raw ${{inputs.raw}} --test-fraction ${{inputs.test_fraction}} --train ${{outputs.train}} --test ${{outputs.test}}',
    inputs: { raw: { type: 'uri_folder' }, test_fraction: { type: 'number' } },
    outputs: { train: { type: 'uri_folder' }, test: { type: 'uri_folder' } }
  },
  train: {
    command: 'python3 train.py --data ${{inputs.training_data}} --epochs ${{inputs.epochs}} --model ${{outputs.model}}',
    inputs: { training_data: { type: 'uri_folder' }, epochs: { type: 'integer', default: '200' } },
    outputs: { model: { type: 'uri_folder' } }
  },
  evaluate: {
    command:
      'python3 evaluate.py --model ${{inputs.model}} --test ${{inputs.test_data}} --max-mse ${{inputs.max_mse}} --report ${{outputs.report}}',
    inputs: { model: { type: 'uri_folder' }, test_data: { type: 'uri_folder' }, max_mse: { type: 'number' } },
    outputs: { report: { type: 'uri_folder' } }
  }
}

let emu: Emulator
let tok: string
let pipelineName: string
beforeAll(async () => {
  emu = await emulatorForTests()
  tok = await token(emu)
  const env = await putEnvironment(emu, tok)
  const src = (file: string) => readFileSync(join(EXAMPLE, 'src', file), 'utf8')
  const code = await uploadCode(emu, tok, {
    'prepare.py': src('prepare.py'),
    'train.py': src('train.py'),
    'evaluate.py': src('evaluate.py')
  })
  const data = await uploadCode(emu, tok, { 'houses.csv': readFileSync(join(EXAMPLE, 'data/houses.csv'), 'utf8') })
  const jobs: Record<string, Json> = {}
  for (const [stepName, spec] of Object.entries(COMMANDS)) {
    const put = await arm2(emu, tok, `${wsPath(emu)}/components/example_${stepName}/versions/1`, {
      method: 'PUT',
      body: {
        properties: {
          componentSpec: {
            name: `example_${stepName}`,
            version: '1',
            type: 'command',
            code: `azureml:${code.id}`,
            environment: `azureml:${env}`,
            ...spec
          },
          isAnonymous: false
        }
      }
    })
    expect([200, 201]).toContain(put.status)
    jobs[stepName] = { ...SDK.jobs[stepName], componentId: put.json.id }
  }
  pipelineName = `pipe-model-${Date.now().toString(36)}`
  const lit = (value: string) => ({ jobInputType: 'literal', value })
  const put = await arm2(emu, tok, `${wsPath(emu)}/jobs/${pipelineName}`, {
    method: 'PUT',
    body: {
      properties: {
        jobType: 'Pipeline',
        experimentName: 'train-linear-model-pipeline',
        settings: { default_compute: `${wsPath(emu)}/computes/${emu.seed.computeName}`, _source: 'YAML.JOB' },
        inputs: {
          raw_data: { jobInputType: 'uri_folder', uri: data.codeUri },
          test_fraction: lit('0.25'),
          epochs: lit('200'),
          max_mse: lit('1.0')
        },
        outputs: SDK.outputs,
        jobs
      }
    }
  })
  expect(put.status).toBe(201)
  const { job } = await waitForJob(emu, tok, pipelineName, ['Completed', 'Failed', 'Canceled'], 60_000)
  expect(job.json.properties.status).toBe('Completed')
}, 90_000)
afterAll(() => emu?.close())

async function trainStepJob(): Promise<string> {
  const listing = await call(`${emu.apiUrl}/history/v1.0${wsPath(emu)}/runs/${pipelineName}/children`, { token: tok })
  const train = (listing.json.value as Json[]).find(r => r.displayName === 'train')
  expect(train?.status).toBe('Completed')
  return train?.runId as string
}

describe('register-model from a pipeline output', () => {
  it("registers the train step's own output, found through one children listing", async () => {
    const result = await step({
      operation: 'register-model',
      ...workspaceInputs(emu),
      'model-name': 'pipeline-linear-model',
      'model-path': `azureml://jobs/${pipelineName}/outputs/trained_model`
    })
    expect(errorOf(result)).toBe('')
    expect(result.exitCode).toBe(0)
    const child = await trainStepJob()
    expect(result.stdout).toContain(`is the output model of step train (job ${child})`)
    const version = await arm2(
      emu,
      tok,
      `${wsPath(emu)}/models/pipeline-linear-model/versions/${result.outputs.modelVersion}`
    )
    expect(version.json.properties.modelUri).toBe(`azureml://jobs/${child}/outputs/model`)
    const listings = serviceRequests(emu).filter(r => r.path.endsWith(`/runs/${pipelineName}/children`))
    expect(listings.length).toBeGreaterThanOrEqual(1)
  })

  it('a wrong output name fails before any write, listing the outputs and the steps', async () => {
    emu.requests.length = 0
    const result = await step({
      operation: 'register-model',
      ...workspaceInputs(emu),
      'model-name': 'pipeline-linear-model',
      'model-path': `azureml://jobs/${pipelineName}/outputs/model`
    })
    expect(result.exitCode).toBe(1)
    // `default` is the job's artifacts output, which the service adds to every job.
    expect(errorOf(result)).toMatch(
      /has no output model \(its outputs: (default, )?trained_model, evaluation; its steps: prepare \(outputs train, test\), train \(outputs model\), evaluate \(outputs report\)/
    )
    expect(serviceRequests(emu).filter(r => r.method !== 'GET' && r.method !== 'POST')).toEqual([])
    expect(serviceRequests(emu).filter(r => /\/models\//.test(r.path))).toEqual([])
  })
})

describe('register-model from a pipeline output through a sub-pipeline', () => {
  /** A pipeline whose output `final` is bound to sub-pipeline inner's `best`, itself bound to its step fit's `model`. */
  async function subPipelineJob(): Promise<string> {
    const env = `${wsPath(emu)}/environments/env-py/versions/1`
    const code = await uploadCode(emu, tok, {
      'fit.py': 'import sys, pathlib; pathlib.Path(sys.argv[1], "model.txt").write_text("w=0.5")'
    })
    const command = (name: string, cmd: string, outputs: Json): Promise<{ json: Json; status: number }> =>
      arm2(emu, tok, `${wsPath(emu)}/components/${name}/versions/1`, {
        method: 'PUT',
        body: {
          properties: {
            componentSpec: {
              name,
              version: '1',
              type: 'command',
              command: cmd,
              code: `azureml:${code.id}`,
              environment: `azureml:${env}`,
              outputs
            },
            isAnonymous: false
          }
        }
      })
    const fit = await command('sub_fit', 'python3 fit.py ${{outputs.model}}', { model: { type: 'uri_folder' } })
    const split = await command('sub_split', 'echo split', {})
    const bound = (value: string): Json => ({ value, type: 'literal' })
    // The pipeline component's nodes as azure-ai-ml 1.4 writes them (`_build_rest_component_jobs`).
    const sub = await arm2(emu, tok, `${wsPath(emu)}/components/train_pl/versions/1`, {
      method: 'PUT',
      body: {
        properties: {
          componentSpec: {
            name: 'train_pl',
            version: '1',
            type: 'pipeline',
            outputs: { best: { type: 'uri_folder' } },
            jobs: {
              split: {
                name: 'split',
                type: 'command',
                componentId: split.json.id,
                _source: 'REMOTE.WORKSPACE.COMPONENT'
              },
              fit: {
                name: 'fit',
                type: 'command',
                display_name: 'Fit it',
                componentId: fit.json.id,
                outputs: { model: bound('${{parent.outputs.best}}') },
                _source: 'REMOTE.WORKSPACE.COMPONENT'
              }
            }
          },
          isAnonymous: false
        }
      }
    })
    expect([200, 201]).toContain(sub.status)
    const name = `pipe-sub-model-${Date.now().toString(36)}`
    const put = await arm2(emu, tok, `${wsPath(emu)}/jobs/${name}`, {
      method: 'PUT',
      body: {
        properties: {
          jobType: 'Pipeline',
          experimentName: 'sub-pipeline-model',
          settings: { default_compute: `${wsPath(emu)}/computes/${emu.seed.computeName}`, _source: 'YAML.JOB' },
          outputs: { final: { jobOutputType: 'uri_folder' } },
          jobs: {
            inner: {
              name: 'inner',
              type: 'pipeline',
              componentId: sub.json.id,
              outputs: { best: bound('${{parent.outputs.final}}') },
              _source: 'REMOTE.WORKSPACE.COMPONENT'
            }
          }
        }
      }
    })
    expect(put.status).toBe(201)
    const { job } = await waitForJob(emu, tok, name, ['Completed', 'Failed', 'Canceled'], 60_000)
    expect(job.json.properties.status).toBe('Completed')
    return name
  }

  const childrenOf = async (run: string): Promise<Json[]> =>
    (await call(`${emu.apiUrl}/history/v1.0${wsPath(emu)}/runs/${run}/children`, { token: tok })).json.value as Json[]

  it("registers the inner step's own output, found through the sub-pipeline's component and children", async () => {
    const name = await subPipelineJob()
    const inner = (await childrenOf(name)).find(r => r.displayName === 'inner')?.runId as string
    const fit = (await childrenOf(inner)).find(r => r.displayName === 'Fit it')?.runId as string
    expect(fit).toBeTruthy()
    // What the step used to trip on: the sub-pipeline's run read as a job has no properties.
    const asJob = await arm2(emu, tok, `${wsPath(emu)}/jobs/${inner}`)
    expect(asJob.json.properties).toBeNull()
    emu.requests.length = 0
    const result = await step({
      operation: 'register-model',
      ...workspaceInputs(emu),
      'model-name': 'sub-pipeline-model',
      'model-path': `azureml://jobs/${name}/outputs/final`
    })
    expect(errorOf(result)).toBe('')
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toContain(
      `step inner is a sub-pipeline (job ${inner}); its output best is written by its step fit`
    )
    expect(result.stdout).toContain(`is the output model of step inner/fit (job ${fit})`)
    const version = await arm2(
      emu,
      tok,
      `${wsPath(emu)}/models/sub-pipeline-model/versions/${result.outputs.modelVersion}`
    )
    expect(version.json.properties.modelUri).toBe(`azureml://jobs/${fit}/outputs/model`)
    const reads = serviceRequests(emu).filter(r => r.method === 'GET')
    expect(reads.filter(r => r.path.endsWith(`/jobs/${inner}`) || r.path.endsWith(`/jobs/${fit}`))).toEqual([])
    expect(reads.filter(r => r.path.endsWith(`/runs/${inner}/children`))).toHaveLength(1)
    expect(reads.filter(r => r.path.endsWith('/components/train_pl/versions/1'))).toHaveLength(1)
  }, 90_000)
})
