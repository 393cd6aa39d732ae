/**
 * Pipeline jobs in the emulator (resources/pipeline-process.ts, jobs.ts) over real HTTP: the PUT's checks, steps run in
 * dependency order as child runs, an output passed to the input bound to it, a failing step with and without
 * `continue_on_step_failure`, a cancel reaching the running step, sub-pipelines, and the run-history children listing
 * with `$top`/`$continuationtoken` paging as azure-ai-ml's client sends it. Bodies are written by hand in azure-ai-ml
 * 1.4's shape (`PipelineJob._to_rest_object`).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { loadSpecs, type Emulator } from '../../emulator/index.js'
import { arm2, call, putEnvironment, startFast, token, uploadCode, waitForJob, wsPath } from './helpers.js'

let emu: Emulator
let tok: string
beforeAll(async () => {
  emu = await startFast({ delays: { jobFinalizingMs: 20, jobCancelRequestedMs: 50, runQueuedMs: 20 } })
  tok = await token(emu)
})
afterAll(() => emu.close())
beforeEach(async () => {
  emu.reset()
  await putEnvironment(emu, tok)
})

const MFE = 'mfe-2024-04-01'
let counter = 0
const jobName = (): string => `pipe-${Date.now().toString(36)}-${++counter}`
type Json = Record<string, unknown>

/** Registers a command component version whose code is `files`; returns its ARM id. */
async function component(
  name: string,
  command: string,
  files: Record<string, string>,
  io: { inputs?: Json; outputs?: Json } = {}
): Promise<string> {
  const code = await uploadCode(emu, tok, files)
  const put = await arm2(emu, tok, `${wsPath(emu)}/components/${name}/versions/1`, {
    method: 'PUT',
    body: {
      properties: {
        componentSpec: {
          name,
          version: '1',
          type: 'command',
          command,
          code: `azureml:${code.id}`,
          environment: `azureml:${wsPath(emu)}/environments/env-py/versions/1`,
          inputs: io.inputs ?? {},
          outputs: io.outputs ?? {}
        },
        isAnonymous: false
      }
    }
  })
  expect([200, 201]).toContain(put.status)
  return put.json.id as string
}

function node(componentId: string, over: Json = {}): Json {
  return { type: 'command', componentId, _source: 'REMOTE.WORKSPACE.COMPONENT', ...over }
}

const lit = (value: string): Json => ({ job_input_type: 'literal', value })

function pipeline(jobs: Json, over: Json = {}, settings: Json = {}): Json {
  return {
    properties: {
      jobType: 'Pipeline',
      displayName: 'demo pipeline',
      experimentName: 'pipelines',
      settings: {
        default_compute: `${wsPath(emu)}/computes/${emu.seed.computeName}`,
        _source: 'YAML.JOB',
        ...settings
      },
      jobs,
      ...over
    }
  }
}

function historyUrl(runId: string, tail = ''): string {
  return `${emu.apiUrl}/history/v1.0${wsPath(emu)}/runs/${runId}${tail}`
}

async function children(runId: string): Promise<Json[]> {
  const a = await call(historyUrl(runId, '/children'), { token: tok })
  expect(a.status).toBe(200)
  return a.json.value as Json[]
}

async function stepLog(runId: string): Promise<string> {
  const d = await call(historyUrl(runId, '/details'), { token: tok })
  const url = d.json.logFiles['user_logs/std_log.txt'] as string
  return (await fetch(url)).text()
}

const byName = (runs: Json[], name: string): Json => runs.find(r => r.displayName === name)!

describe('pipeline jobs', () => {
  it('runs steps in dependency order, passes an output to the input bound to it, lists the children', async () => {
    const specs = await loadSpecs()
    const prep = await component(
      'prep',
      'python3 prep.py ${{inputs.n}} ${{outputs.out}}',
      {
        'prep.py': [
          'import os, sys',
          'n, out = int(sys.argv[1]), sys.argv[2]',
          'open(os.path.join(out, "rows.txt"), "w").write(",".join(str(i) for i in range(n)))',
          'print("prepared", n)'
        ].join('\n')
      },
      { inputs: { n: { type: 'integer' } }, outputs: { out: { type: 'uri_folder' } } }
    )
    const train = await component(
      'train',
      'python3 train.py ${{inputs.data}} ${{inputs.lr}} ${{outputs.model}}',
      {
        'train.py': [
          'import os, sys',
          'data, lr, out = sys.argv[1:4]',
          'rows = open(os.path.join(data, "rows.txt")).read()',
          'print(f"train rows={rows} lr={lr}")',
          'open(os.path.join(out, "model.txt"), "w").write(rows)'
        ].join('\n')
      },
      {
        inputs: { data: { type: 'uri_folder' }, lr: { type: 'number', default: '0.5' } },
        outputs: { model: { type: 'uri_folder' } }
      }
    )
    const name = jobName()
    const body = pipeline(
      {
        // Written before the step it depends on: the order comes from the bindings, not the map.
        train: node(train, {
          name: 'train',
          display_name: 'Train it',
          inputs: { data: lit('${{parent.jobs.prep.outputs.out}}') },
          outputs: { model: { type: 'literal', value: '${{parent.outputs.final}}' } }
        }),
        prep: node(prep, { name: 'prep', inputs: { n: lit('${{parent.inputs.n}}') } })
      },
      { inputs: { n: { jobInputType: 'literal', value: '4' } }, outputs: { final: { jobOutputType: 'uri_folder' } } }
    )
    const put = await arm2(emu, tok, `${wsPath(emu)}/jobs/${name}`, { method: 'PUT', body })
    expect(put.status).toBe(201)
    expect(specs.validateResponse('Jobs_CreateOrUpdate', 201, put.json, MFE)).toEqual([])
    expect(put.json.properties).toMatchObject({ jobType: 'Pipeline', status: 'NotStarted' })

    const { job, seen } = await waitForJob(emu, tok, name)
    expect(job.json.properties.status).toBe('Completed')
    expect(seen.filter(s => !['NotStarted', 'Running', 'Completed'].includes(s))).toEqual([])

    const runs = await children(name)
    expect(runs.map(r => r.displayName).sort()).toEqual(['Train it', 'prep'])
    const [p, t] = [byName(runs, 'prep'), byName(runs, 'Train it')]
    for (const [r, step] of [
      [p, 'prep'],
      [t, 'train']
    ] as const) {
      expect(r).toMatchObject({ parentRunId: name, rootRunId: name, status: 'Completed' })
      expect((r.properties as Json)['azureml.nodeid']).toBe(step)
      expect(r.runId).not.toBe(name)
    }
    expect(Date.parse(t.startTimeUtc as string)).toBeGreaterThanOrEqual(Date.parse(p.endTimeUtc as string))

    // The output went to the bound input; the component default filled lr.
    expect(await stepLog(p.runId as string)).toContain('prepared 4')
    expect(await stepLog(t.runId as string)).toContain('train rows=0,1,2,3 lr=0.5')

    // The pipeline's own run lists its execution log; a child's job resource has no properties (read it from run
    // history); the job list holds only the pipeline.
    const details = await call(historyUrl(name, '/details'), { token: tok })
    const execLog = await (await fetch(details.json.logFiles['logs/azureml/executionlogs.txt'] as string)).text()
    expect(execLog).toMatch(/Submitting 1 runs, first five are: prep:/)
    expect(execLog).toContain(`Completing processing run id ${t.runId as string}.`)
    expect(execLog.indexOf('prep:')).toBeLessThan(execLog.indexOf('train:'))
    const childJob = await arm2(emu, tok, `${wsPath(emu)}/jobs/${p.runId as string}`)
    expect(childJob.status).toBe(200)
    expect(childJob.json.properties).toBeNull()
    const list = await arm2(emu, tok, `${wsPath(emu)}/jobs`)
    expect(list.json.value.map((j: Json) => j.name)).toEqual([name])
    const stepRun = await call(historyUrl(t.runId as string), { token: tok })
    expect(stepRun.json).toMatchObject({ parentRunId: name, displayName: 'Train it' })
  })

  it('refuses a missing component (404), a missing compute, a binding to no step, and a cycle (400)', async () => {
    const ok = await component('ok', 'echo hi', { 'a.txt': 'a' })
    const put = (jobs: Json, settings: Json = {}) =>
      arm2(emu, tok, `${wsPath(emu)}/jobs/${jobName()}`, { method: 'PUT', body: pipeline(jobs, {}, settings) })
    const missing = await put({ a: node(`${wsPath(emu)}/components/nope/versions/1`) })
    expect(missing.status).toBe(404)
    expect(missing.json.error.message).toMatch(/nope.*properties\.jobs\.a\.componentId/)
    const noCompute = await put({ a: node(ok, { computeId: 'gpu-nowhere' }) })
    expect(noCompute.status).toBe(400)
    expect(noCompute.json.error.message).toMatch(/Compute 'gpu-nowhere'/)
    const noStep = await put({ a: node(ok, { inputs: { x: lit('${{parent.jobs.ghost.outputs.o}}') } }) })
    expect(noStep.status).toBe(400)
    expect(noStep.json.error.message).toMatch(/step 'ghost'/)
    const cycle = await put({
      a: node(ok, { inputs: { x: lit('${{parent.jobs.b.outputs.o}}') } }),
      b: node(ok, { inputs: { x: lit('${{parent.jobs.a.outputs.o}}') } })
    })
    expect(cycle.status).toBe(400)
    expect(cycle.json.error.message).toMatch(/cycle: (a → b → a|b → a → b)/)
    expect((await arm2(emu, tok, `${wsPath(emu)}/jobs`)).json.value).toEqual([])
  })

  it.each([false, true])(
    'a failing step fails the pipeline (continue_on_step_failure %s)',
    async continueOnStepFailure => {
      const bad = await component(
        'bad',
        'echo broken >&2; exit 3',
        { 'a.txt': 'a' },
        { outputs: { o: { type: 'uri_folder' } } }
      )
      const slow = await component('slow', 'sleep 1.5; echo slow done', { 'a.txt': 'a' })
      const after = await component('after', 'echo after', { 'a.txt': 'a' }, { inputs: { x: { type: 'uri_folder' } } })
      const name = jobName()
      const put = await arm2(emu, tok, `${wsPath(emu)}/jobs/${name}`, {
        method: 'PUT',
        body: pipeline(
          {
            bad: node(bad),
            slow: node(slow),
            after: node(after, { inputs: { x: lit('${{parent.jobs.bad.outputs.o}}') } })
          },
          {},
          { continue_on_step_failure: continueOnStepFailure }
        )
      })
      expect(put.status).toBe(201)
      const { job } = await waitForJob(emu, tok, name)
      expect(job.json.properties.status).toBe('Failed')
      const runs = await children(name)
      // The step downstream of the failure never runs.
      expect(runs.map(r => r.displayName).sort()).toEqual(['bad', 'slow'])
      expect(byName(runs, 'bad').status).toBe('Failed')
      expect((byName(runs, 'bad').error as { error: Json }).error.message).toMatch(/exited with status code 3.*broken/)
      expect(byName(runs, 'slow').status).toBe(continueOnStepFailure ? 'Completed' : 'Canceled')
      const details = await call(historyUrl(name, '/details'), { token: tok })
      expect(details.json.error.error.message).toMatch(/Failed nodes: \/bad\b/)
      expect(details.json.error.error.message).not.toMatch(/slow/)
    }
  )

  it('cancel of the pipeline reaches its running step; nothing more starts', async () => {
    const long = await component(
      'long',
      'echo started; sleep 30',
      { 'a.txt': 'a' },
      { outputs: { o: { type: 'uri_folder' } } }
    )
    const next = await component('next', 'echo next', { 'a.txt': 'a' }, { inputs: { x: { type: 'uri_folder' } } })
    const name = jobName()
    await arm2(emu, tok, `${wsPath(emu)}/jobs/${name}`, {
      method: 'PUT',
      body: pipeline({ long: node(long), next: node(next, { inputs: { x: lit('${{parent.jobs.long.outputs.o}}') } }) })
    })
    let runs: Json[] = []
    for (let i = 0; i < 200 && !(runs[0]?.status === 'Running'); i++) {
      runs = await children(name)
      await new Promise(r => setTimeout(r, 25))
    }
    expect(runs[0]?.status).toBe('Running')
    const cancel = await arm2(emu, tok, `${wsPath(emu)}/jobs/${name}/cancel`, { method: 'POST' })
    expect(cancel.status).toBe(202)
    const { job } = await waitForJob(emu, tok, name)
    expect(job.json.properties.status).toBe('Canceled')
    runs = await children(name)
    expect(runs.map(r => [r.displayName, r.status])).toEqual([['long', 'Canceled']])
  })

  it('runs a sub-pipeline as a child run whose steps are its children; its output feeds the next step', async () => {
    const make = await component(
      'make',
      'echo -n inner > ${{outputs.o}}/v.txt',
      { 'a.txt': 'a' },
      { outputs: { o: { type: 'uri_folder' } } }
    )
    const read = await component(
      'read',
      'echo got $(cat ${{inputs.x}}/v.txt) ${{inputs.tag}}',
      { 'a.txt': 'a' },
      {
        inputs: { x: { type: 'uri_folder' }, tag: { type: 'string' } }
      }
    )
    const sub = await arm2(emu, tok, `${wsPath(emu)}/components/sub/versions/1`, {
      method: 'PUT',
      body: {
        properties: {
          componentSpec: {
            name: 'sub',
            version: '1',
            type: 'pipeline',
            inputs: { tag: { type: 'string' } },
            outputs: { result: { type: 'uri_folder' } },
            jobs: {
              make: {
                type: 'command',
                componentId: make,
                outputs: { o: { type: 'literal', value: '${{parent.outputs.result}}' } }
              },
              show: {
                type: 'command',
                componentId: read,
                inputs: { x: lit('${{parent.jobs.make.outputs.o}}'), tag: lit('${{parent.inputs.tag}}') }
              }
            }
          }
        }
      }
    })
    expect(sub.status).toBe(201)
    const name = jobName()
    const put = await arm2(emu, tok, `${wsPath(emu)}/jobs/${name}`, {
      method: 'PUT',
      body: pipeline({
        inner: { type: 'pipeline', componentId: sub.json.id, inputs: { tag: lit('T1') } },
        last: node(read, { inputs: { x: lit('${{parent.jobs.inner.outputs.result}}'), tag: lit('outer') } })
      })
    })
    expect(put.status).toBe(201)
    const { job } = await waitForJob(emu, tok, name)
    expect(job.json.properties.status).toBe('Completed')
    const top = await children(name)
    expect(top.map(r => [r.displayName, r.runType])).toEqual([
      ['inner', 'azureml.PipelineRun'],
      ['last', 'azureml.StepRun']
    ])
    const inner = await children(byName(top, 'inner').runId as string)
    expect(inner.map(r => r.displayName)).toEqual(['make', 'show'])
    for (const r of inner) expect(r).toMatchObject({ parentRunId: byName(top, 'inner').runId, rootRunId: name })
    expect(await stepLog(byName(inner, 'show').runId as string)).toContain('got inner T1')
    expect(await stepLog(byName(top, 'last').runId as string)).toContain('got inner outer')
  })

  it('pages the children with $top and $continuationtoken (nextLink), one request per page', async () => {
    const quick = await component('quick', 'echo quick', { 'a.txt': 'a' })
    const name = jobName()
    const jobs = Object.fromEntries(['s1', 's2', 's3', 's4', 's5'].map(s => [s, node(quick, { name: s })]))
    await arm2(emu, tok, `${wsPath(emu)}/jobs/${name}`, { method: 'PUT', body: pipeline(jobs) })
    await waitForJob(emu, tok, name)
    const before = emu.requests.filter(r => r.operationId === 'Emulator_RunChildren').length
    const seen: string[] = []
    let url: string | undefined = `${historyUrl(name, '/children')}?$top=2`
    let pages = 0
    while (url) {
      const a = await call(url, { token: tok })
      expect(a.status).toBe(200)
      expect(a.json.value.length).toBeLessThanOrEqual(2)
      seen.push(...(a.json.value as Json[]).map(r => r.displayName as string))
      url = a.json.nextLink as string | undefined
      if (url) expect(a.json.continuationToken).toBeTruthy()
      pages++
    }
    expect(pages).toBe(3)
    expect(seen).toEqual(['s1', 's2', 's3', 's4', 's5'])
    expect(emu.requests.filter(r => r.operationId === 'Emulator_RunChildren').length - before).toBe(3)
    const bad = await call(`${historyUrl(name, '/children')}?$continuationtoken=garbage`, { token: tok })
    expect(bad.status).toBe(400)
  })
  it('runs steps on serverless compute (the compute name serverless), and refuses a step with no compute at all', async () => {
    const hello = await component('hello', 'python3 hello.py', { 'hello.py': 'print("hello from serverless")' })
    // No compute named serverless exists in the workspace: the name asks for Azure's serverless compute.
    expect((await arm2(emu, tok, `${wsPath(emu)}/computes/serverless`)).status).toBe(404)
    const name = jobName()
    const body = pipeline(
      { hello: node(hello, { name: 'hello' }) },
      {},
      {
        default_compute: `${wsPath(emu)}/computes/serverless`
      }
    )
    const put = await arm2(emu, tok, `${wsPath(emu)}/jobs/${name}`, { method: 'PUT', body })
    expect(put.status).toBe(201)
    const { job } = await waitForJob(emu, tok, name)
    expect(job.json.properties.status).toBe('Completed')
    const [step] = await children(name)
    expect(step.target).toBe('serverless')
    expect(await stepLog(step.runId as string)).toContain('hello from serverless')

    // A step's own computeId azureml:serverless is taken too.
    const own = pipeline({ hello: node(hello, { name: 'hello', computeId: 'azureml:serverless' }) })
    const ownName = jobName()
    expect((await arm2(emu, tok, `${wsPath(emu)}/jobs/${ownName}`, { method: 'PUT', body: own })).status).toBe(201)
    expect((await waitForJob(emu, tok, ownName)).job.json.properties.status).toBe('Completed')

    // Neither a step compute nor settings.default_compute: refused (azure-ai-ml never sends it; a guess, README).
    const none = pipeline({ hello: node(hello, { name: 'hello' }) }, {}, { default_compute: undefined })
    const refused = await arm2(emu, tok, `${wsPath(emu)}/jobs/${jobName()}`, { method: 'PUT', body: none })
    expect(refused.status).toBe(400)
    expect(refused.json.error.message).toMatch(/properties\.jobs\.hello has no compute: .*azureml:serverless/)
  }, 30_000)
})
