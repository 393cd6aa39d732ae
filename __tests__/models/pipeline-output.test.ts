/**
 * register-model from a pipeline job's output (models/pipeline-output.ts, through register-model.ts): the output is
 * resolved to the step bound to it, that step's child run is found in ONE run-history children listing, and the model
 * is registered from the child's own output. A wrong name fails before any write, listing the pipeline's outputs and
 * steps. The pipeline's `jobs` are the nodes azure-ai-ml 1.4 writes for examples/pipelines/pipeline.yml
 * (fixtures/pipeline.sdk.json, from `load_job(...)._to_rest_object()`).
 */
import { testSettings } from '../../__fixtures__/fakes.js'
import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import { readFileSync } from 'node:fs'
import * as core from '../../__fixtures__/core.js'
import type { Context } from '../../src/base/context.js'
import type { HttpClient, HttpRequest, HttpResponse } from '../../src/base/http-types.js'
import type { CommonSettings } from '../../src/base/settings.js'

jest.unstable_mockModule('@actions/core', () => core)
const { registerModel } = await import('../../src/models/register-model.js')
const { boundStep, childRunOf } = await import('../../src/models/pipeline-output.js')
const { InputError } = await import('../../src/base/errors.js')

const SDK = JSON.parse(readFileSync(new URL('./fixtures/pipeline.sdk.json', import.meta.url), 'utf8')) as {
  jobs: Record<string, Record<string, unknown>>
  outputs: Record<string, unknown>
}
const API = 'https://centralus.api.azureml.ms'
const ws = { subscriptionId: '00000000-0000-0000-0000-000000000001', resourceGroup: 'rg', workspaceName: 'ws' }
const settings: CommonSettings = testSettings({ apiEndpoint: API })

type Json = Record<string, unknown>
const pipelineJob = (name: string, jobs: Json = SDK.jobs, outputs: Json = SDK.outputs, status = 'Completed'): Json => ({
  name,
  properties: { jobType: 'Pipeline', status, jobs, outputs }
})
const child = (runId: string, displayName: string, status = 'Completed', endTimeUtc = '2026-12-06T02:00:00Z') => ({
  runId,
  displayName,
  status,
  parentRunId: 'pipe_1',
  rootRunId: 'pipe_1',
  endTimeUtc
})
const STEPS = [child('prep_aa', 'prepare'), child('train_bb', 'train'), child('eval_cc', 'evaluate')]

/** Jobs_Get answers from `jobs` (404 otherwise), the children listing from `children` (pages by continuationToken). */
class FakeWorkspace implements HttpClient {
  readonly requests: HttpRequest[] = []
  constructor(
    private readonly jobs: Record<string, Json>,
    private readonly children: Record<string, Json[][]> = {},
    /** Component versions by ARM id (ComponentVersions_Get). */
    private readonly components: Record<string, Json> = {}
  ) {}
  async send(request: HttpRequest): Promise<HttpResponse> {
    this.requests.push(request)
    const url = new URL(request.url)
    const json = (status: number, body: unknown): HttpResponse => ({ status, headers: {}, body: JSON.stringify(body) })
    const kids = /\/history\/v1\.0\/subscriptions\/.+\/workspaces\/ws\/runs\/([^/]+)\/children$/.exec(url.pathname)
    if (kids && request.method === 'GET') {
      const pages = this.children[decodeURIComponent(kids[1])]
      if (!pages) return json(404, { error: { code: 'NotFound' } })
      const page = Number(url.searchParams.get('$continuationtoken') ?? '0')
      return json(200, { value: pages[page], continuationToken: page + 1 < pages.length ? String(page + 1) : null })
    }
    if (/\/components\/[^/]+\/versions\/[^/]+$/.test(url.pathname) && request.method === 'GET') {
      const body = this.components[decodeURIComponent(url.pathname)]
      return body ? json(200, body) : json(404, { error: { code: 'UserError', message: 'not found' } })
    }
    const job = /\/workspaces\/ws\/jobs\/([^/]+)$/.exec(url.pathname)
    if (job && request.method === 'GET') {
      const body = this.jobs[decodeURIComponent(job[1])]
      return body ? json(200, body) : json(404, { error: { code: 'UserError' } })
    }
    if (/\/models\/[^/]+$/.test(url.pathname) && request.method === 'GET') return json(404, {})
    const put = /\/models\/([^/]+)\/versions\/([^/]+)$/.exec(url.pathname)
    if (put && request.method === 'PUT') {
      return json(200, {
        id: `/subscriptions/x/workspaces/ws/models/${put[1]}/versions/${put[2]}`,
        ...(request.body as Json)
      })
    }
    throw new Error(`unexpected ${request.method} ${request.url}`)
  }
  puts(): HttpRequest[] {
    return this.requests.filter(r => r.method === 'PUT')
  }
  listings(): string[] {
    return this.requests
      .filter(r => r.url.includes('/children'))
      .map(r => new URL(r.url).pathname.split('/').at(-2) ?? '')
  }
}

function ctxOf(http: HttpClient): Context {
  const values: Record<string, string> = {}
  return {
    http,
    outputs: {
      set: (name: string, value: string | number | boolean) => void (values[name] = String(value)),
      setSecret: () => undefined,
      setResponse: () => undefined,
      values
    },
    report: { title: '', facts: [], links: [] },
    deadline: Infinity
  } as unknown as Context
}

async function register(
  http: FakeWorkspace,
  modelPath: string,
  type: 'custom_model' | 'mlflow_model' = 'custom_model'
) {
  const { parseModelPath } = await import('../../src/models/yaml/index.js')
  const ctx = ctxOf(http)
  const op = {
    ...settings,
    kind: 'register-model' as const,
    workspace: ws,
    model: {
      from: 'inputs' as const,
      name: 'linear-model',
      path: parseModelPath(modelPath, '.'),
      type,
      written: modelPath
    }
  }
  await registerModel(op as never, ctx)
  return ctx
}

const modelUriOf = (http: FakeWorkspace) =>
  (http.puts()[0]?.body as { properties?: { modelUri?: string } } | undefined)?.properties?.modelUri

beforeEach(() => core.resetCoreFixture())

describe('register-model from a pipeline output', () => {
  it("registers the output of the step bound to it, from that step's child run, after one children listing", async () => {
    const http = new FakeWorkspace({ pipe_1: pipelineJob('pipe_1') }, { pipe_1: [STEPS] })
    const ctx = await register(http, 'azureml://jobs/pipe_1/outputs/trained_model')
    expect(modelUriOf(http)).toBe('azureml://jobs/train_bb/outputs/model')
    expect(http.listings()).toEqual(['pipe_1'])
    // No GET of any step's job: the listing's status is enough for a custom_model.
    expect(http.requests.filter(r => r.method === 'GET' && /\/jobs\/(prep|train|eval)_/.test(r.url))).toEqual([])
    expect(ctx.outputs.values).toMatchObject({ modelName: 'linear-model', modelVersion: '1' })
    expect(ctx.report.facts).toContainEqual(['Pipeline output', 'azureml://jobs/pipe_1/outputs/trained_model'])
    expect(core.info.mock.calls.map(c => c[0]).join('\n')).toContain('is the output model of step train (job train_bb)')
  })

  it('keeps the path inside the output and resolves the other output to its own step', async () => {
    const http = new FakeWorkspace({ pipe_1: pipelineJob('pipe_1') }, { pipe_1: [STEPS] })
    await register(http, 'azureml://jobs/pipe_1/outputs/evaluation/paths/evaluation.json')
    expect(modelUriOf(http)).toBe('azureml://jobs/eval_cc/outputs/report/paths/evaluation.json')
  })

  it('finds the step on a later page of the listing, and by the display_name the YAML gave it', async () => {
    const jobs = { ...SDK.jobs, train: { ...SDK.jobs.train, display_name: 'Train the model' } }
    const http = new FakeWorkspace(
      { pipe_1: pipelineJob('pipe_1', jobs) },
      { pipe_1: [[STEPS[0]], [child('train_dd', 'Train the model'), STEPS[2]]] }
    )
    await register(http, 'azureml://jobs/pipe_1/outputs/trained_model')
    expect(modelUriOf(http)).toBe('azureml://jobs/train_dd/outputs/model')
    expect(http.listings()).toEqual(['pipe_1', 'pipe_1'])
  })

  it('a wrong output name fails before any write, listing the outputs and the steps', async () => {
    const http = new FakeWorkspace({ pipe_1: pipelineJob('pipe_1') }, { pipe_1: [STEPS] })
    const error = await register(http, 'azureml://jobs/pipe_1/outputs/model').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InputError)
    expect((error as Error).message).toContain('model-path')
    expect((error as Error).message).toContain(
      'pipeline job pipe_1 has no output model (its outputs: trained_model, evaluation; its steps: prepare (outputs ' +
        'train, test), train (outputs model), evaluate (outputs report).'
    )
    expect(http.puts()).toEqual([])
    expect(http.listings()).toEqual([])
  })

  it('an output no step writes fails, naming the binding that is missing', async () => {
    const outputs = { ...SDK.outputs, unused: { jobOutputType: 'uri_folder' } }
    const http = new FakeWorkspace({ pipe_1: pipelineJob('pipe_1', SDK.jobs, outputs) }, { pipe_1: [STEPS] })
    await expect(register(http, 'azureml://jobs/pipe_1/outputs/unused')).rejects.toThrow(
      /no step of pipeline job pipe_1 writes its output unused \(no step output is bound to \$\{\{parent\.outputs\.unused\}\}\)/
    )
    expect(http.puts()).toEqual([])
  })

  it('a step that did not complete, or never ran, is refused', async () => {
    const failed = new FakeWorkspace(
      { pipe_1: pipelineJob('pipe_1') },
      { pipe_1: [[STEPS[0], child('train_bb', 'train', 'Canceled')]] }
    )
    await expect(register(failed, 'azureml://jobs/pipe_1/outputs/trained_model')).rejects.toThrow(
      'step train (job train_bb) of pipeline job pipe_1 is Canceled, not Completed'
    )
    const missing = new FakeWorkspace({ pipe_1: pipelineJob('pipe_1') }, { pipe_1: [[STEPS[0]]] })
    await expect(register(missing, 'azureml://jobs/pipe_1/outputs/trained_model')).rejects.toThrow(
      'step train of pipeline job pipe_1 has no job in run history (its children: prepare)'
    )
    expect([...failed.puts(), ...missing.puts()]).toEqual([])
  })

  it('a pipeline that has not Completed is refused before its steps are listed', async () => {
    const http = new FakeWorkspace({ pipe_1: pipelineJob('pipe_1', SDK.jobs, SDK.outputs, 'Failed') })
    await expect(register(http, 'azureml://jobs/pipe_1/outputs/trained_model')).rejects.toThrow(
      'job pipe_1 is Failed, not Completed'
    )
    expect(http.listings()).toEqual([])
  })

  describe('through a sub-pipeline', () => {
    const CID =
      '/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/components/train_pl/versions/1'
    const outer = (componentId = `azureml:${CID}`): Json =>
      pipelineJob(
        'outer',
        {
          prep: SDK.jobs.prepare,
          inner: {
            type: 'pipeline',
            componentId,
            outputs: { best: { value: '${{parent.outputs.final}}', type: 'literal' } }
          }
        },
        { final: { jobOutputType: 'uri_folder' } }
      )
    /** The sub-pipeline's component as ComponentVersions_Get answers it: its nodes as the SDK writes them. */
    const component = (
      fitOutputs: Json = { model: { value: '${{ parent.outputs.best }}', type: 'literal' } }
    ): Json => ({
      id: CID,
      properties: {
        componentSpec: {
          name: 'train_pl',
          version: '1',
          type: 'pipeline',
          outputs: { best: { type: 'uri_folder' } },
          jobs: {
            split: { type: 'command', outputs: { part: { job_output_type: 'uri_folder' } } },
            fit: { type: 'command', display_name: 'Fit it', outputs: fitOutputs }
          }
        }
      }
    })
    const subRun = { ...child('inner_ee', 'inner'), runType: 'azureml.PipelineRun' }
    const fitRun = (status = 'Completed') => ({ ...child('fit_ff', 'Fit it', status), parentRunId: 'inner_ee' })
    // A pipeline's child read as a job answers without properties (azure-ai-ml 1.4 `_is_pipeline_child_job`).
    const childJob = { name: 'inner_ee', properties: null }

    it("down to the inner step bound to it: its component's spec and the sub-pipeline's children, never its job", async () => {
      const http = new FakeWorkspace(
        { outer: outer(), inner_ee: childJob },
        { outer: [[child('prep_aa', 'prep'), subRun]], inner_ee: [[child('split_gg', 'split'), fitRun()]] },
        { [CID]: component() }
      )
      await register(http, 'azureml://jobs/outer/outputs/final/paths/model.pkl')
      expect(modelUriOf(http)).toBe('azureml://jobs/fit_ff/outputs/model/paths/model.pkl')
      expect(http.listings()).toEqual(['outer', 'inner_ee'])
      expect(http.requests.filter(r => r.url.includes('/components/')).map(r => new URL(r.url).pathname)).toEqual([CID])
      expect(http.requests.filter(r => /\/jobs\/(inner_ee|fit_ff)/.test(r.url))).toEqual([])
      const said = core.info.mock.calls.map(c => String(c[0])).join('\n')
      expect(said).toContain('step inner is a sub-pipeline (job inner_ee); its output best is written by its step fit')
      expect(said).toContain('is the output model of step inner/fit (job fit_ff)')
    })

    it('an inner step that did not complete is named <sub>/<step>; an unbound output lists the inner steps', async () => {
      const failed = new FakeWorkspace(
        { outer: outer() },
        { outer: [[subRun]], inner_ee: [[fitRun('Failed')]] },
        { [CID]: component() }
      )
      await expect(register(failed, 'azureml://jobs/outer/outputs/final')).rejects.toThrow(
        'step inner/fit (job fit_ff) of pipeline job outer is Failed, not Completed'
      )
      const unbound = new FakeWorkspace(
        { outer: outer() },
        { outer: [[subRun]], inner_ee: [[fitRun()]] },
        { [CID]: component({ model: { job_output_type: 'uri_folder' } }) }
      )
      await expect(register(unbound, 'azureml://jobs/outer/outputs/final')).rejects.toThrow(
        'no step of sub-pipeline inner (job inner_ee) writes its output best (no step output is bound to ' +
          '${{parent.outputs.best}}; its steps: split (outputs part), fit (outputs model))'
      )
      expect([...failed.puts(), ...unbound.puts()]).toEqual([])
    })

    it("a sub-pipeline whose component is gone or is a registry's is refused, saying what to register instead", async () => {
      const gone = new FakeWorkspace({ outer: outer() }, { outer: [[subRun]] })
      const error = await register(gone, 'azureml://jobs/outer/outputs/final').catch((e: unknown) => e)
      expect(error).toBeInstanceOf(InputError)
      expect((error as Error).message).toContain(`the component ${CID} of sub-pipeline step inner no longer exists`)
      const registry = new FakeWorkspace(
        { outer: outer('azureml://registries/r/components/train_pl/versions/1') },
        { outer: [[subRun]] }
      )
      await expect(register(registry, 'azureml://jobs/outer/outputs/final')).rejects.toThrow(
        'sub-pipeline step inner, whose component azureml://registries/r/components/train_pl/versions/1 is not a ' +
          'workspace component version'
      )
      expect([...gone.puts(), ...registry.puts()]).toEqual([])
    })
  })

  it("the pipeline's own artifacts (default, artifacts) are registered as written, with no listing", async () => {
    const outputs = { ...SDK.outputs, default: { jobOutputType: 'uri_folder', uri: 'azureml://datastores/x/paths/y' } }
    const http = new FakeWorkspace({ pipe_1: pipelineJob('pipe_1', SDK.jobs, outputs) }, { pipe_1: [STEPS] })
    await register(http, 'azureml://jobs/pipe_1/outputs/default')
    await register(http, 'azureml://jobs/pipe_1/outputs/artifacts/paths/outputs/model.json')
    expect(http.puts().map(r => (r.body as { properties: { modelUri: string } }).properties.modelUri)).toEqual([
      'azureml://jobs/pipe_1/outputs/default',
      'azureml://jobs/pipe_1/outputs/artifacts/paths/outputs/model.json'
    ])
    expect(http.listings()).toEqual([])
  })

  it('a command job output is registered as written, with no listing', async () => {
    const http = new FakeWorkspace({
      cmd_1: { name: 'cmd_1', properties: { jobType: 'Command', status: 'Completed', outputs: { model: {} } } }
    })
    await register(http, 'azureml://jobs/cmd_1/outputs/model')
    expect(modelUriOf(http)).toBe('azureml://jobs/cmd_1/outputs/model')
    expect(http.listings()).toEqual([])
  })

  it("an mlflow_model reads the step's own job for the MLflow check (a 404 leaves it unchecked, said in the log)", async () => {
    const http = new FakeWorkspace({ pipe_1: pipelineJob('pipe_1') }, { pipe_1: [STEPS] })
    await register(http, 'azureml://jobs/pipe_1/outputs/trained_model', 'mlflow_model')
    expect(http.requests.filter(r => r.method === 'GET' && r.url.includes('/jobs/train_bb'))).toHaveLength(1)
    expect(core.info.mock.calls.map(c => c[0]).join('\n')).toContain("the output's storage location is not known")
    expect(modelUriOf(http)).toBe('azureml://jobs/train_bb/outputs/model')
  })
})

describe('boundStep and childRunOf', () => {
  it('find the bound step in the SDK-written nodes, and none for an unbound name', () => {
    const job = pipelineJob('p')
    expect(boundStep(job, 'trained_model')).toEqual({ step: 'train', output: 'model', type: 'command' })
    expect(boundStep(job, 'evaluation')).toEqual({ step: 'evaluate', output: 'report', type: 'command' })
    expect(boundStep(job, 'train')).toBeUndefined()
  })

  it('prefer a Completed run of the step, then the latest ended', () => {
    const job = pipelineJob('p')
    const runs = [
      child('t1', 'train', 'Failed', '2026-12-06T03:00:00Z'),
      child('t2', 'train', 'Completed', '2026-12-06T01:00:00Z'),
      child('t3', 'train', 'Completed', '2026-12-06T02:00:00Z'),
      child('e1', 'evaluate')
    ]
    expect(childRunOf(job, runs, 'train')?.runId).toBe('t3')
    expect(childRunOf(job, runs, 'prepare')).toBeUndefined()
  })
})
