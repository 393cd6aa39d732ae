/**
 * Following a pipeline job through the bundle (`poll-job`, `cancel-job`, a cancelled workflow) against the emulator
 * running pipelines: a line per step status change, each step's log once, `childJobs`, one children listing per
 * status read, the failed step named with its own error, and a cancel of the pipeline that reaches its running step.
 * The pipeline job is PUT here by hand in azure-ai-ml 1.4's shape (submit-job's pipeline YAML is another slice).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import type { Emulator } from '../../emulator/index.js'
import { arm2, call, putEnvironment, token, uploadCode, wsPath } from '../emulator/helpers.js'
import { emulatorForTests, errorOf, step, visibleLines, workspaceInputs } from './helpers.js'

let emu: Emulator
let tok: string
beforeAll(async () => {
  emu = await emulatorForTests()
  tok = await token(emu)
})
afterAll(() => emu.close())
beforeEach(async () => {
  emu.reset()
  await putEnvironment(emu, tok)
})

type Json = Record<string, unknown>
let counter = 0

async function component(
  name: string,
  script: string,
  outputs: Json = {},
  command = 'python3 main.py'
): Promise<string> {
  const code = await uploadCode(emu, tok, { 'main.py': script })
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
          inputs: {},
          outputs
        },
        isAnonymous: false
      }
    }
  })
  expect([200, 201]).toContain(put.status)
  return put.json.id as string
}

/** PUTs a pipeline of three independent steps prep, train (display name "Train it"), evaluate; `train` is its script. */
async function submitPipeline(train: string): Promise<string> {
  const prep = await component('prep', 'print("prepared 3 rows")')
  const trainId = await component('train', train)
  const evaluate = await component('evaluate', 'print("accuracy 0.9")')
  const name = `pl-${Date.now().toString(36)}-${++counter}`
  const node = (componentId: string, over: Json = {}): Json => ({
    type: 'command',
    componentId,
    _source: 'REMOTE.WORKSPACE.COMPONENT',
    ...over
  })
  const put = await arm2(emu, tok, `${wsPath(emu)}/jobs/${name}`, {
    method: 'PUT',
    body: {
      properties: {
        jobType: 'Pipeline',
        experimentName: 'pipelines',
        settings: { default_compute: `${wsPath(emu)}/computes/${emu.seed.computeName}`, _source: 'YAML.JOB' },
        jobs: {
          prep: node(prep, { name: 'prep' }),
          train: node(trainId, { name: 'train', display_name: 'Train it' }),
          evaluate: node(evaluate, { name: 'evaluate' })
        }
      }
    }
  })
  expect([200, 201]).toContain(put.status)
  return name
}

/**
 * PUTs a pipeline prep (sleeping `prepSeconds` first) beside train_pl, a sub-pipeline (a pipeline component) of two
 * steps fit → score; `fit` is the fit step's script.
 */
async function submitWithSubPipeline(fit: string, prepSeconds = 0): Promise<string> {
  const prep = await component('prep', `import time; time.sleep(${prepSeconds}); print("prepared 3 rows")`)
  const fitId = await component(
    'fit',
    fit,
    { done: { type: 'uri_folder' } },
    'python3 main.py && echo ok > ${{outputs.done}}/ok.txt'
  )
  const score = await component('score', 'print("scored 0.9")')
  const lit = (value: string): Json => ({ job_input_type: 'literal', value })
  const sub = await arm2(emu, tok, `${wsPath(emu)}/components/train_pipeline/versions/1`, {
    method: 'PUT',
    body: {
      properties: {
        componentSpec: {
          name: 'train_pipeline',
          version: '1',
          type: 'pipeline',
          inputs: { epochs: { type: 'integer', default: '2' } },
          outputs: {},
          jobs: {
            fit: { type: 'command', componentId: fitId, inputs: { epochs: lit('${{parent.inputs.epochs}}') } },
            // score waits for fit: an input bound to fit's step, its literal text carrying the binding.
            score: { type: 'command', componentId: score, inputs: { after: lit('${{parent.jobs.fit.outputs.done}}') } }
          }
        },
        isAnonymous: false
      }
    }
  })
  expect([200, 201]).toContain(sub.status)
  const name = `pl-sub-${Date.now().toString(36)}-${++counter}`
  const put = await arm2(emu, tok, `${wsPath(emu)}/jobs/${name}`, {
    method: 'PUT',
    body: {
      properties: {
        jobType: 'Pipeline',
        experimentName: 'pipelines',
        settings: { default_compute: `${wsPath(emu)}/computes/${emu.seed.computeName}`, _source: 'YAML.JOB' },
        jobs: {
          prep: { type: 'command', componentId: prep, name: 'prep', _source: 'REMOTE.WORKSPACE.COMPONENT' },
          train_pl: { type: 'pipeline', componentId: sub.json.id, name: 'train_pl', inputs: { epochs: lit('3') } }
        }
      }
    }
  })
  expect([200, 201]).toContain(put.status)
  return name
}

/** GETs the emulator received whose path matches. */
const requestsOf = (kind: RegExp): number => emu.requests.filter(r => r.method === 'GET' && kind.test(r.path)).length

describe('following a pipeline job through the bundle', () => {
  it('poll-job: a line per step status change, each step log once, childJobs, one listing per status read', async () => {
    const name = await submitPipeline('print("training"); print("trained")')
    const result = await step({ operation: 'poll-job', ...workspaceInputs(emu), 'job-name': name })
    const lines = visibleLines(result.stdout)
    expect(result.exitCode).toBe(0)
    expect(result.outputs.status).toBe('Completed')
    expect(lines).toContain(
      `Job ${name} is a pipeline: following its steps (one listing of them per poll; each step's log is printed when the step ends).`
    )
    for (const s of ['prep', 'train', 'evaluate']) {
      // Each step is first seen with its job name, ends once with its duration; "Train it" is step train.
      expect(lines.filter(l => new RegExp(`^Step ${s} \\(job [\\w-]+\\): `).test(l))).toHaveLength(1)
      expect(lines.filter(l => new RegExp(`^Step ${s}: Completed \\(`).test(l))).toHaveLength(1)
    }
    for (const text of ['prepared 3 rows', 'training', 'trained', 'accuracy 0.9'])
      expect(lines.filter(l => l === text)).toHaveLength(1)
    expect(lines.indexOf('trained')).toBeGreaterThan(lines.findIndex(l => l.startsWith('Step train: Completed')))
    const childJobs = JSON.parse(result.outputs.childJobs) as Record<string, { jobName: string; status: string }>
    expect(Object.keys(childJobs).sort()).toEqual(['evaluate', 'prep', 'train'])
    expect(Object.values(childJobs).every(c => c.status === 'Completed' && c.jobName !== '')).toBe(true)
    // One children listing per status read of the job (ARM; poll-job's first read only checks that it exists), never
    // a GET per step per poll; each step's details once.
    const jobReads = emu.requests.filter(r => r.method === 'GET' && r.path.endsWith(`/jobs/${name}`)).length
    expect(requestsOf(new RegExp(`/runs/${name}/children$`))).toBe(jobReads - 1)
    for (const c of Object.values(childJobs)) expect(requestsOf(new RegExp(`/runs/${c.jobName}/details$`))).toBe(1)
    expect(result.summary).toMatch(/<th>Step<\/th>/)
    expect(lines.join('\n')).not.toMatch(/sig=(?!\*\*\*)/)
  })

  it('a failed step: the step fails naming the step and its own error; childJobs says which', async () => {
    const name = await submitPipeline('import sys; print("loss is NaN"); sys.exit(3)')
    const result = await step({ operation: 'poll-job', ...workspaceInputs(emu), 'job-name': name })
    expect(result.exitCode).toBe(1)
    expect(result.outputs.status).toBe('Failed')
    const error = errorOf(result)
    expect(error).toMatch(new RegExp(`Job ${name} ended Failed: step train \\(job [\\w-]+\\) failed`))
    expect(visibleLines(result.stdout).filter(l => l === 'loss is NaN')).toHaveLength(1)
    expect(JSON.parse(result.outputs.childJobs)).toMatchObject({
      prep: { status: 'Completed' },
      train: { status: 'Failed' }
    })
  })

  it('cancel-job cancels the pipeline job itself, says its steps go with it; the running step ends Canceled', async () => {
    const name = await submitPipeline('import time; print("training", flush=True); time.sleep(30)')
    const followed = await step(
      { operation: 'poll-job', ...workspaceInputs(emu), 'job-name': name },
      { signal: { name: 'SIGINT', when: out => /Step train(?: \(job [\w-]+\))?: Running/.test(out) } }
    )
    expect(followed.exitCode).toBe(1)
    expect(followed.stdout).toContain(
      `cancelling pipeline job ${name} (the service cancels its running and queued steps with it).`
    )
    expect(errorOf(followed)).toMatch(/workflow was cancelled \(SIGINT\)/)
    const cancels = emu.requests.filter(r => r.method === 'POST' && r.path.endsWith('/cancel'))
    expect(cancels.map(r => r.path)).toEqual([`${wsPath(emu)}/jobs/${name}/cancel`])
    const again = await step({ operation: 'cancel-job', ...workspaceInputs(emu), 'job-name': name })
    expect(again.exitCode).toBe(0)
    expect(again.outputs.status).toBe('Canceled')
    const children = await call(`${emu.apiUrl}/history/v1.0${wsPath(emu)}/runs/${name}/children`, { token: tok })
    const train = (children.json.value as Json[]).find(r => r.displayName === 'Train it')
    expect(train?.status).toBe('Canceled')
  }, 90_000)

  it('cancel-job on a running pipeline: "Cancel requested for pipeline job ...: it and its running and queued steps"', async () => {
    const name = await submitPipeline('import time; time.sleep(60)')
    const result = await step({ operation: 'cancel-job', ...workspaceInputs(emu), 'job-name': name })
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toContain(`Cancel requested for pipeline job ${name}: it and its running and queued steps`)
    expect(result.outputs.status).toBe('Canceled')
  })

  it('the post step cancels a pipeline left in flight (main killed outright), saying its steps go with it', async () => {
    const name = await submitPipeline('import time; print("training", flush=True); time.sleep(30)')
    const inputs = { operation: 'poll-job', ...workspaceInputs(emu), 'job-name': name }
    const main = await step(inputs, {
      signal: { name: 'SIGKILL', when: out => /Step train(?: \(job [\w-]+\))?: Running/.test(out) }
    })
    expect(emu.requests.filter(r => r.method === 'POST' && r.path.endsWith('/cancel'))).toHaveLength(0)
    const post = await step(inputs, { entry: 'dist/post/index.js', stateFrom: main })
    expect(post.exitCode).toBe(0)
    expect(post.stdout).toContain(
      `Job ${name} is still Running at the end of the job: cancelling it (a pipeline: its running and queued steps with it).`
    )
    expect(post.stdout).toContain(`Cancel requested for pipeline job ${name}: it and its running and queued steps`)
    const cancels = emu.requests.filter(r => r.method === 'POST' && r.path.endsWith('/cancel'))
    expect(cancels.map(r => r.path)).toEqual([`${wsPath(emu)}/jobs/${name}/cancel`])
  }, 90_000)
})

describe('following a pipeline job with a sub-pipeline through the bundle', () => {
  it("poll-job: the sub-pipeline's steps as <sub>/<step>, each log once, childJobs keys; its listing only while it runs", async () => {
    const name = await submitWithSubPipeline('print("fitting"); print("fitted")', 6)
    const result = await step({ operation: 'poll-job', ...workspaceInputs(emu), 'job-name': name })
    const lines = visibleLines(result.stdout)
    expect(errorOf(result)).toBe('')
    expect(result.exitCode).toBe(0)
    // Each step first seen once with its job, ended once (a quick one may be first seen already Completed).
    const completed = (s: string): RegExp => new RegExp(`^Step ${s}(?: \\(job [\\w-]+\\))?: Completed \\(`)
    const ended = (s: string): number => lines.findIndex(l => completed(s).test(l))
    for (const s of ['prep', 'train_pl', 'train_pl/fit', 'train_pl/score']) {
      expect(lines.filter(l => l.startsWith(`Step ${s} (job `))).toHaveLength(1)
      expect(lines.filter(l => completed(s).test(l))).toHaveLength(1)
    }
    expect(ended('train_pl')).toBeGreaterThan(ended('train_pl/score'))
    for (const text of ['prepared 3 rows', 'fitting', 'fitted', 'scored 0.9'])
      expect(lines.filter(l => l === text)).toHaveLength(1)
    expect(lines.indexOf('fitted')).toBeGreaterThan(ended('train_pl/fit'))
    expect(lines.indexOf('scored 0.9')).toBeGreaterThan(ended('train_pl/score'))
    const childJobs = JSON.parse(result.outputs.childJobs) as Record<string, { jobName: string; status: string }>
    expect(Object.keys(childJobs).sort()).toEqual(['prep', 'train_pl', 'train_pl/fit', 'train_pl/score'])
    expect(Object.values(childJobs).every(c => c.status === 'Completed' && c.jobName !== '')).toBe(true)
    // The sub-pipeline's steps are children of its run, listed at most once per status read of the pipeline, and no
    // more once it has ended (prep runs on for seconds after it); each nested step's details once.
    const jobReads = emu.requests.filter(r => r.method === 'GET' && r.path.endsWith(`/jobs/${name}`)).length
    const top = requestsOf(new RegExp(`/runs/${name}/children$`))
    const sub = requestsOf(new RegExp(`/runs/${childJobs.train_pl.jobName}/children$`))
    expect(top).toBe(jobReads - 1)
    expect(sub).toBeGreaterThanOrEqual(1)
    expect(sub).toBeLessThan(top)
    for (const s of ['prep', 'train_pl/fit', 'train_pl/score'])
      expect(requestsOf(new RegExp(`/runs/${childJobs[s].jobName}/details$`))).toBe(1)
    expect(requestsOf(new RegExp(`/runs/${childJobs.train_pl.jobName}/details$`))).toBe(0)
  }, 90_000)

  it('a failed step inside the sub-pipeline is named <sub>/<step> with its own error', async () => {
    const name = await submitWithSubPipeline('import sys; print("loss is NaN"); sys.exit(3)')
    const result = await step({ operation: 'poll-job', ...workspaceInputs(emu), 'job-name': name })
    expect(result.exitCode).toBe(1)
    expect(result.outputs.status).toBe('Failed')
    const error = errorOf(result)
    expect(error).toMatch(new RegExp(`Job ${name} ended Failed: step train_pl/fit \\(job [\\w-]+\\) failed`))
    expect(error).not.toMatch(/step train_pl \(job /)
    expect(visibleLines(result.stdout).filter(l => l === 'loss is NaN')).toHaveLength(1)
    expect(JSON.parse(result.outputs.childJobs)).toMatchObject({
      prep: { status: 'Completed' },
      train_pl: { status: 'Failed' },
      'train_pl/fit': { status: 'Failed' }
    })
    expect(JSON.parse(result.outputs.childJobs)).not.toHaveProperty(['train_pl/score'])
  }, 90_000)
})
