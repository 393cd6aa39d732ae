/**
 * Following a pipeline job (jobs/pipeline-follow.ts through follow-job.ts), against a simulated pipeline on an injected
 * clock (__fixtures__/pipeline-service.ts): a line per step status change, each step's log once and in the order the
 * steps ended, one children listing per poll whatever the number of steps, the failed step named with its own error,
 * `childJobs`, and cancels that say the steps go with the pipeline.
 */
import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import * as core from '../../__fixtures__/core.js'
import { FakeClock, START, testSettings } from '../../__fixtures__/fakes.js'
import { PIPELINE, PipelineService, type SimStep } from '../../__fixtures__/pipeline-service.js'
import type { CommonSettings } from '../../src/base/settings.js'

jest.unstable_mockModule('@actions/core', () => core)
const { followJob, cancelAfterSignal } = await import('../../src/jobs/follow-job.js')
const { describeCancel, bestEffortJobCancel } = await import('../../src/jobs/job-cancel.js')
const { listChildRuns, stepNamesByDisplayName } = await import('../../src/jobs/pipeline-follow.js')
const { WorkflowCancelledError } = await import('../../src/follow/signals.js')
const { createOutputs } = await import('../../src/action/outputs.js')
const { newReport } = await import('../../src/action/summary.js')
type Context = import('../../src/base/context.js').Context

const MIN = 60_000
const settings: CommonSettings = testSettings({ timeoutMinutes: 8 * 60, apiEndpoint: 'https://api.example' })
const job = {
  workspace: { subscriptionId: '00000000-0000-0000-0000-000000000001', resourceGroup: 'rg', workspaceName: 'ws' },
  name: PIPELINE
}

function context(http: PipelineService, clock: FakeClock): Context {
  return {
    http,
    tokens: { getToken: async () => ({ token: 't', expiresOn: START + 24 * 3600_000 }) },
    clock,
    outputs: createOutputs(),
    report: newReport('test'),
    deadline: clock.now() + settings.timeoutMinutes * MIN
  }
}

/** prepare → train (display name "Train the model") → evaluate, one after the other. */
function threeSteps(train: Partial<SimStep> = {}): SimStep[] {
  return [
    { name: 'prepare', startMs: 1 * MIN, endMs: 3 * MIN, log: 'prepared 10 rows\n' },
    {
      name: 'train',
      displayName: 'Train the model',
      startMs: 4 * MIN,
      endMs: 20 * MIN,
      log: 'epoch 1\nepoch 2\n',
      ...train
    },
    { name: 'evaluate', startMs: 21 * MIN, endMs: 23 * MIN, log: 'accuracy 0.9\n' }
  ]
}

async function follow(service: PipelineService, clock: FakeClock): Promise<{ ctx: Context; error?: Error }> {
  const ctx = context(service, clock)
  try {
    await followJob(ctx, job, { settings, cancelOnTimeout: false, signal: new AbortController().signal })
    return { ctx }
  } catch (error) {
    return { ctx, error: error as Error }
  }
}

/** Everything said, service text included (core.info), in order. */
function said(): string[] {
  return core.info.mock.calls.map(c => String(c[0]))
}

beforeEach(() => core.resetCoreFixture())

describe('following a pipeline job', () => {
  it('one line per step status change, with its duration when it ends; childJobs and the summary table', async () => {
    const clock = new FakeClock()
    const service = new PipelineService(clock, START, threeSteps())
    const { ctx, error } = await follow(service, clock)
    expect(error).toBeUndefined()
    const lines = said().filter(l => l.startsWith('Step '))
    expect(lines).toEqual([
      `Step prepare (job ${PIPELINE}_prepare): Queued`,
      'Step prepare: Running',
      'Step prepare: Completed (2 min)',
      `Step train (job ${PIPELINE}_train): Queued`,
      'Step train: Running',
      'Step train: Completed (16 min)',
      `Step evaluate (job ${PIPELINE}_evaluate): Queued`,
      'Step evaluate: Running',
      'Step evaluate: Completed (2 min)'
    ])
    const childJobs = JSON.parse(ctx.outputs.values.childJobs) as Record<string, { jobName: string; status: string }>
    expect(Object.keys(childJobs)).toEqual(['prepare', 'train', 'evaluate'])
    expect(childJobs.train).toMatchObject({ jobName: `${PIPELINE}_train`, status: 'Completed' })
    expect(ctx.report.table?.rows).toEqual([
      ['prepare', `${PIPELINE}_prepare`, 'Completed', '2 min'],
      ['train', `${PIPELINE}_train`, 'Completed', '16 min'],
      ['evaluate', `${PIPELINE}_evaluate`, 'Completed', '2 min']
    ])
  })

  it("each step's log once, whole, in the order the steps ended, after its end line; the pipeline's own log too", async () => {
    const clock = new FakeClock()
    const steps = threeSteps()
    // Two steps side by side: evaluate ends before train, so its log comes first.
    steps[2] = { ...steps[2], startMs: 5 * MIN, endMs: 8 * MIN }
    const service = new PipelineService(clock, START, steps)
    const { error } = await follow(service, clock)
    expect(error).toBeUndefined()
    const text = said()
    const serviceLines = text.filter(l => /^(prepared|epoch|accuracy|\[pipeline\])/.test(l))
    for (const line of ['prepared 10 rows', 'epoch 1', 'epoch 2', 'accuracy 0.9']) {
      expect(serviceLines.filter(l => l === line)).toHaveLength(1)
    }
    const at = (line: string): number => text.indexOf(line)
    expect(at('prepared 10 rows')).toBeGreaterThan(at('Step prepare: Completed (2 min)'))
    expect(at('accuracy 0.9')).toBeLessThan(at('epoch 1'))
    expect(at('epoch 1')).toBeGreaterThan(at('Step train: Completed (16 min)'))
    expect(at('epoch 1')).toBeLessThan(at('epoch 2'))
    // Each step's log in its own group, named by the step.
    expect(core.startGroup.mock.calls.map(c => String(c[0]))).toEqual([
      'Step prepare (Completed): user_logs/std_log.txt',
      'Step evaluate (Completed): user_logs/std_log.txt',
      'Step train (Completed): user_logs/std_log.txt'
    ])
    // The pipeline's execution log, each line once.
    expect(serviceLines.filter(l => l === '[pipeline] step train ended')).toHaveLength(1)
    // Only the half written while a step ran would be there if it had been read then: never.
    for (const s of steps) expect(service.count('step-log', service.runId(s))).toBe(1)
    expect(text.join('\n')).not.toMatch(/SeCrEt/)
  })

  it('reads per poll do not grow with the steps: 20 steps → one listing per status read, details once per step', async () => {
    const clock = new FakeClock()
    const steps: SimStep[] = Array.from({ length: 20 }, (_, i) => ({
      name: `step${String(i).padStart(2, '0')}`,
      // Two at a time, six minutes each: a two-hour pipeline.
      startMs: (1 + Math.floor(i / 2) * 12) * MIN,
      endMs: (1 + Math.floor(i / 2) * 12 + 6 + (i % 2)) * MIN
    }))
    const service = new PipelineService(clock, START, steps)
    const { ctx, error } = await follow(service, clock)
    expect(error).toBeUndefined()
    const jobReads = service.count('job')
    expect(service.count('children')).toBe(jobReads)
    // Never a step's details while it runs or waits; once when it has ended.
    for (const s of steps) {
      const reads = service.requests.filter(
        r => r.kind === 'step-details' && r.url.includes(`/runs/${service.runId(s)}/`)
      )
      expect(reads).toHaveLength(1)
      expect(reads[0].at).toBeGreaterThanOrEqual(s.endMs)
    }
    // Per poll (the requests between two job reads): one listing, and details only for steps that had just ended.
    const polls: { children: number; details: number }[] = []
    for (const r of service.requests) {
      if (r.kind === 'job') polls.push({ children: 0, details: 0 })
      else if (r.kind === 'children') polls[polls.length - 1].children++
      else if (r.kind === 'step-details') polls[polls.length - 1].details++
    }
    expect(polls.every(p => p.children === 1)).toBe(true)
    expect(Math.max(...polls.map(p => p.details))).toBeLessThanOrEqual(2)
    // The pipeline's details are read until its log is listed (once here), then only for the final error.
    expect(service.count('pipeline-details')).toBe(2)
    expect(Object.keys(JSON.parse(ctx.outputs.values.childJobs) as object)).toHaveLength(20)
  })

  it('pages through the listing by continuationToken: every step, each once', async () => {
    const clock = new FakeClock(START + 30 * MIN)
    const steps: SimStep[] = Array.from({ length: 20 }, (_, i) => ({ name: `s${i}`, startMs: MIN, endMs: 2 * MIN }))
    const service = new PipelineService(clock, START, steps, 7)
    const runs = await listChildRuns(service, settings, 'https://api.example', job)
    expect(runs?.map(r => r.displayName)).toEqual(steps.map(s => s.name))
    expect(service.count('children')).toBe(3)
    expect(service.requests[1].url).toContain('%24continuationtoken=7')
  })

  it("a failed step: the error names it with its own error (from the child's details), and only Completed passes", async () => {
    const clock = new FakeClock()
    const steps = threeSteps({ result: 'Failed', error: { code: 'UserError', message: 'loss is NaN' } })
    steps.pop() // evaluate never runs after a failed train
    const service = new PipelineService(clock, START, steps)
    const { ctx, error } = await follow(service, clock)
    expect(error?.name).toBe('OperationFailedError')
    expect(error?.message).toContain(
      `Job ${PIPELINE} ended Failed: step train (job ${PIPELINE}_train) failed: UserError: loss is NaN`
    )
    expect(said()).toContain('Step train: Failed (16 min)')
    expect(ctx.outputs.values.status).toBe('Failed')
    expect(JSON.parse(ctx.outputs.values.childJobs)).toMatchObject({
      prepare: { status: 'Completed' },
      train: { status: 'Failed', jobName: `${PIPELINE}_train` }
    })
    expect(ctx.report.facts).toContainEqual(['Job error', expect.stringContaining('step train') as unknown as string])
  })

  it('maps a display_name back to its step', () => {
    expect(
      stepNamesByDisplayName({ properties: { jobs: { train: { display_name: 'Train the model' }, prep: {} } } })
    ).toEqual(new Map([['Train the model', 'train']]))
  })
})

/** prepare → train_pl (a sub-pipeline: fit → score) → evaluate. */
function withSubPipeline(fit: Partial<SimStep> = {}, sub: Partial<SimStep> = {}): SimStep[] {
  return [
    { name: 'prepare', startMs: 1 * MIN, endMs: 3 * MIN, log: 'prepared 10 rows\n' },
    {
      name: 'train_pl',
      startMs: 4 * MIN,
      // Ends with its last step, seen in the same poll: its end line still comes after that step's.
      endMs: 20 * MIN,
      steps: [
        { name: 'fit', startMs: 5 * MIN, endMs: 12 * MIN, log: 'fitting\nfitted\n', ...fit },
        { name: 'score', startMs: 13 * MIN, endMs: 20 * MIN, log: 'scored\n' }
      ],
      ...sub
    },
    { name: 'evaluate', startMs: 22 * MIN, endMs: 24 * MIN, log: 'accuracy 0.9\n' }
  ]
}

describe('following a pipeline job with a sub-pipeline', () => {
  it("shows the sub-pipeline's steps as <sub>/<step>, each log once after its end line, in childJobs", async () => {
    const clock = new FakeClock()
    const service = new PipelineService(clock, START, withSubPipeline())
    const { ctx, error } = await follow(service, clock)
    expect(error).toBeUndefined()
    const lines = said().filter(l => l.startsWith('Step '))
    expect(lines).toEqual([
      `Step prepare (job ${PIPELINE}_prepare): Queued`,
      'Step prepare: Running',
      'Step prepare: Completed (2 min)',
      `Step train_pl (job ${PIPELINE}_train_pl): Queued`,
      'Step train_pl: Running',
      `Step train_pl/fit (job ${PIPELINE}_train_pl_fit): Queued`,
      'Step train_pl/fit: Running',
      'Step train_pl/fit: Completed (7 min)',
      `Step train_pl/score (job ${PIPELINE}_train_pl_score): Queued`,
      'Step train_pl/score: Running',
      'Step train_pl/score: Completed (7 min)',
      'Step train_pl: Completed (16 min)',
      `Step evaluate (job ${PIPELINE}_evaluate): Queued`,
      'Step evaluate: Running',
      'Step evaluate: Completed (2 min)'
    ])
    const text = said()
    for (const line of ['fitting', 'fitted', 'scored']) expect(text.filter(l => l === line)).toHaveLength(1)
    expect(text.indexOf('fitting')).toBeGreaterThan(text.indexOf('Step train_pl/fit: Completed (7 min)'))
    expect(text.indexOf('scored')).toBeGreaterThan(text.indexOf('Step train_pl/score: Completed (7 min)'))
    // The nested steps' logs in their own groups; the sub-pipeline has none of its own (its steps' are its log).
    expect(core.startGroup.mock.calls.map(c => String(c[0]))).toEqual([
      'Step prepare (Completed): user_logs/std_log.txt',
      'Step train_pl/fit (Completed): user_logs/std_log.txt',
      'Step train_pl/score (Completed): user_logs/std_log.txt',
      'Step evaluate (Completed): user_logs/std_log.txt'
    ])
    expect(service.count('step-details', `${PIPELINE}_train_pl`)).toBe(0)
    const childJobs = JSON.parse(ctx.outputs.values.childJobs) as Record<string, { jobName: string; status: string }>
    expect(Object.keys(childJobs)).toEqual(['prepare', 'train_pl', 'train_pl/fit', 'train_pl/score', 'evaluate'])
    expect(childJobs['train_pl/fit']).toMatchObject({ jobName: `${PIPELINE}_train_pl_fit`, status: 'Completed' })
    expect(ctx.report.table?.rows.map(r => r[0])).toEqual(Object.keys(childJobs))
  })

  it("reads: one more listing per poll only while the sub-pipeline runs, once when it ended, whatever its steps' number", async () => {
    const clock = new FakeClock()
    const nested: SimStep[] = Array.from({ length: 12 }, (_, i) => ({
      name: `part${i}`,
      startMs: (5 + i * 5) * MIN,
      endMs: (9 + i * 5) * MIN
    }))
    const steps: SimStep[] = [
      { name: 'prepare', startMs: 1 * MIN, endMs: 3 * MIN },
      { name: 'train_pl', startMs: 4 * MIN, endMs: 65 * MIN, steps: nested },
      { name: 'evaluate', startMs: 66 * MIN, endMs: 90 * MIN }
    ]
    const service = new PipelineService(clock, START, steps)
    const { ctx, error } = await follow(service, clock)
    expect(error).toBeUndefined()
    const polls: { at: number; children: number; sub: number; details: number }[] = []
    for (const r of service.requests) {
      if (r.kind === 'job') polls.push({ at: r.at, children: 0, sub: 0, details: 0 })
      else if (r.kind === 'children') polls[polls.length - 1].children++
      else if (r.kind === 'sub-children') polls[polls.length - 1].sub++
      else if (r.kind === 'step-details') polls[polls.length - 1].details++
    }
    expect(polls.every(p => p.children === 1 && p.sub <= 1)).toBe(true)
    const listed = steps[1].startMs - 30_000
    // Listed at every poll from the one that first saw it until the one that saw it ended, and never after.
    const during = polls.filter(p => p.at >= listed)
    const firstEnded = during.findIndex(p => p.at >= steps[1].endMs)
    expect(during.slice(0, firstEnded + 1).every(p => p.sub === 1)).toBe(true)
    expect(polls.filter(p => p.at < listed || p.at > during[firstEnded].at).every(p => p.sub === 0)).toBe(true)
    expect(service.count('sub-children')).toBe(firstEnded + 1)
    // Each nested step's details once, after its end; none while it runs.
    for (const s of nested) {
      const reads = service.requests.filter(
        r => r.kind === 'step-details' && r.url.includes(`/runs/${service.runId(s)}/`)
      )
      expect(reads).toHaveLength(1)
      expect(reads[0].at).toBeGreaterThanOrEqual(s.endMs)
    }
    expect(Object.keys(JSON.parse(ctx.outputs.values.childJobs) as object)).toHaveLength(15)
  })

  it('a failed step inside the sub-pipeline is named <sub>/<step> with its own error, the sub-pipeline not again', async () => {
    const clock = new FakeClock()
    const steps = withSubPipeline(
      { result: 'Failed', error: { code: 'UserError', message: 'loss is NaN' } },
      { result: 'Failed', endMs: 12 * MIN + 10_000 }
    )
    steps[1].steps!.pop() // score never runs after a failed fit
    steps.pop() // nor evaluate
    const service = new PipelineService(clock, START, steps)
    const { ctx, error } = await follow(service, clock)
    expect(error?.name).toBe('OperationFailedError')
    expect(error?.message).toContain(
      `Job ${PIPELINE} ended Failed: step train_pl/fit (job ${PIPELINE}_train_pl_fit) failed: UserError: loss is NaN`
    )
    expect(error?.message).not.toContain('step train_pl (job')
    expect(said()).toContain('Step train_pl/fit: Failed (7 min)')
    expect(said().filter(l => l === 'fitted')).toHaveLength(1)
    expect(JSON.parse(ctx.outputs.values.childJobs)).toMatchObject({
      train_pl: { status: 'Failed' },
      'train_pl/fit': { status: 'Failed', jobName: `${PIPELINE}_train_pl_fit` }
    })
  })
})

describe('cancelling a pipeline job', () => {
  const pipelineBody = { name: PIPELINE, properties: { jobType: 'Pipeline', status: 'Running' } }

  it('says the steps go with it (cancel-job, cancel-on-timeout, the post step share describeCancel)', () => {
    expect(describeCancel({ kind: 'requested', status: 'CancelRequested' }, PIPELINE, 'u', true)).toBe(
      `Cancel requested for pipeline job ${PIPELINE}: it and its running and queued steps go CancelRequested, then Canceled.`
    )
    expect(describeCancel({ kind: 'under-way', status: 'CancelRequested' }, PIPELINE, 'u', true)).toContain(
      'its steps are being cancelled with it'
    )
    expect(describeCancel({ kind: 'requested', status: 'CancelRequested' }, 'cmd', 'u')).not.toContain('steps')
  })

  it('a cancelled workflow (SIGINT) cancels the pipeline job itself, once, and says its steps go with it', async () => {
    const clock = new FakeClock(START + 10 * MIN)
    const service = new PipelineService(clock, START, threeSteps())
    const ctx = context(service, clock)
    const error = await cancelAfterSignal(
      ctx,
      job,
      { settings, graceHttp: service },
      new WorkflowCancelledError('SIGINT'),
      {
        status: 'Running',
        body: pipelineBody
      }
    )
    const cancels = service.requests.filter(r => r.kind === 'cancel')
    expect(cancels).toHaveLength(1)
    expect(cancels[0].url).toContain(`/jobs/${PIPELINE}/cancel`)
    expect(said()).toContain(
      `The workflow is being cancelled (SIGINT): cancelling pipeline job ${PIPELINE} (the service cancels its running and queued steps with it).`
    )
    expect(said().some(l => l.includes('its running and queued steps go CancelRequested'))).toBe(true)
    expect(error.message).toMatch(/cancel requested/)
    // The service cancelled the running step with the pipeline.
    const runs = await listChildRuns(service, settings, 'https://api.example', job)
    expect(runs?.find(r => r.displayName === 'Train the model')?.status).toBe('Canceled')
  })

  it('cancel-on-timeout: the pipeline job is cancelled at the deadline, its steps with it', async () => {
    const clock = new FakeClock()
    const service = new PipelineService(clock, START, threeSteps())
    const ctx = context(service, clock)
    ctx.deadline = START + 10 * MIN
    await expect(
      followJob(ctx, job, { settings, cancelOnTimeout: true, signal: new AbortController().signal, graceHttp: service })
    ).rejects.toThrow(/cancelled it \(cancel-on-timeout\)/)
    expect(service.count('cancel')).toBe(1)
    expect(said().some(l => l.includes(`Cancel requested for pipeline job ${PIPELINE}: it and its running`))).toBe(true)
  })

  it('bestEffortJobCancel (the post step, cancel-on-timeout) of a command job says nothing of steps', async () => {
    const clock = new FakeClock(START + 10 * MIN)
    const service = new PipelineService(clock, START, threeSteps())
    await bestEffortJobCancel(service, settings, job, {
      status: 'Running',
      body: { properties: { jobType: 'Command' } }
    })
    expect(said().join('\n')).not.toMatch(/steps/)
  })
})
