/**
 * Following a sweep job (jobs/sweep-follow.ts through follow-job.ts), against a simulated sweep on an injected clock
 * (__fixtures__/sweep-service.ts): trial counts as they change, one line per trial end with its sampled values and
 * primary metric (MLflow runs/get, once per trial), the hyperdrive log, one children listing per poll, bestChildRunId
 * and bestMetric, the first failed trial named with its own error, and a cancel that says the trials go with it.
 */
import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import * as core from '../../__fixtures__/core.js'
import { FakeClock, START, testSettings } from '../../__fixtures__/fakes.js'
import { SWEEP, SweepService, type SimTrial } from '../../__fixtures__/sweep-service.js'
import type { CommonSettings } from '../../src/base/settings.js'

jest.unstable_mockModule('@actions/core', () => core)
const { followJob, cancelAfterSignal } = await import('../../src/jobs/follow-job.js')
const { sampledValues, bestTrial } = await import('../../src/jobs/sweep-follow.js')
const { WorkflowCancelledError } = await import('../../src/follow/signals.js')
const { createOutputs } = await import('../../src/action/outputs.js')
const { newReport } = await import('../../src/action/summary.js')
type Context = import('../../src/base/context.js').Context

const MIN = 60_000
const settings: CommonSettings = testSettings({ timeoutMinutes: 8 * 60, apiEndpoint: 'https://api.example' })
const job = {
  workspace: { subscriptionId: '00000000-0000-0000-0000-000000000001', resourceGroup: 'rg', workspaceName: 'ws' },
  name: SWEEP
}

function context(http: SweepService, clock: FakeClock): Context {
  return {
    http,
    tokens: { getToken: async () => ({ token: 't', expiresOn: START + 24 * 3600_000 }) },
    clock,
    outputs: createOutputs(),
    report: newReport('test'),
    deadline: clock.now() + settings.timeoutMinutes * MIN
  }
}

/** Four trials, two at a time. */
function fourTrials(overrides: Partial<SimTrial>[] = []): SimTrial[] {
  const base: SimTrial[] = [
    { startMs: 1 * MIN, endMs: 4 * MIN, values: { lr: 0.1, kernel: 'rbf' }, metric: 0.81 },
    { startMs: 1 * MIN, endMs: 6 * MIN, values: { lr: 0.01, kernel: 'linear' }, metric: 0.93 },
    { startMs: 5 * MIN, endMs: 9 * MIN, values: { lr: 0.5, kernel: 'rbf' }, metric: 0.42 },
    { startMs: 7 * MIN, endMs: 10 * MIN, values: { lr: 0.05, kernel: 'linear' }, metric: 0.88 }
  ]
  return base.map((t, i) => ({ ...t, ...overrides[i] }))
}

async function follow(service: SweepService, clock: FakeClock): Promise<{ ctx: Context; error?: Error }> {
  const ctx = context(service, clock)
  try {
    await followJob(ctx, job, { settings, cancelOnTimeout: false, signal: new AbortController().signal })
    return { ctx }
  } catch (error) {
    return { ctx, error: error as Error }
  }
}

function said(): string[] {
  return core.info.mock.calls.map(c => String(c[0]))
}

beforeEach(() => core.resetCoreFixture())

describe('following a sweep job', () => {
  it('a line per trial end with its values and primary metric, counts as they change, the best trial as outputs', async () => {
    const clock = new FakeClock()
    const service = new SweepService(clock, START, fourTrials())
    const { ctx, error } = await follow(service, clock)
    expect(error).toBeUndefined()
    const ends = said().filter(l => l.startsWith('Trial '))
    expect(ends).toEqual([
      `Trial ${SWEEP}_0 Completed (3 min): lr=0.1, kernel=rbf; accuracy=0.81`,
      `Trial ${SWEEP}_1 Completed (5 min): lr=0.01, kernel=linear; accuracy=0.93`,
      `Trial ${SWEEP}_2 Completed (4 min): lr=0.5, kernel=rbf; accuracy=0.42`,
      `Trial ${SWEEP}_3 Completed (3 min): lr=0.05, kernel=linear; accuracy=0.88`
    ])
    const counts = said().filter(l => l.startsWith('Trials: '))
    expect(counts[counts.length - 1]).toBe('Trials: 0 running, 4 ended of 4')
    expect(counts.some(l => l.startsWith('Trials: 2 running'))).toBe(true)
    // No count line repeats: one per change.
    expect(new Set(counts).size).toBe(counts.length)
    expect(ctx.outputs.values.bestChildRunId).toBe(`${SWEEP}_1`)
    expect(ctx.outputs.values.bestMetric).toBe('0.93')
    // The metric is read once per trial, when it ends; one children listing per poll.
    expect(service.count('mlflow')).toBe(4)
    expect(service.count('children')).toBeLessThanOrEqual(service.count('job'))
    // The hyperdrive log is printed.
    expect(said()).toContain(`[hyperdrive] trial ${SWEEP}_3 ended`)
    expect(ctx.report.table?.rows).toHaveLength(4)
  })

  it('minimize: the service picks the best; a trial without the metric says none', async () => {
    const clock = new FakeClock()
    const service = new SweepService(clock, START, fourTrials([{}, {}, { metric: undefined }]), {
      goal: 'minimize',
      primaryMetric: 'loss'
    })
    const { ctx } = await follow(service, clock)
    expect(said()).toContain(`Trial ${SWEEP}_2 Completed (4 min): lr=0.5, kernel=rbf`)
    expect(ctx.outputs.values.bestChildRunId).toBe(`${SWEEP}_0`)
  })

  it('a failed sweep names its first failed trial and that trial own error', async () => {
    const clock = new FakeClock()
    const failed = { result: 'Failed' as const, metric: undefined }
    const service = new SweepService(
      clock,
      START,
      fourTrials([
        { ...failed, error: { code: 'UserError', message: 'ValueError: lr too large' } },
        { ...failed, error: { code: 'UserError', message: 'second' } },
        failed,
        failed
      ])
    )
    const { ctx, error } = await follow(service, clock)
    expect(error?.message).toContain(
      `Job ${SWEEP} ended Failed: trial ${SWEEP}_0 failed: UserError: ValueError: lr too large (4 of 4 trials failed)`
    )
    expect(said()).toContain(`Trial ${SWEEP}_0 Failed (3 min): lr=0.1, kernel=rbf; UserError: ValueError: lr too large`)
    expect(ctx.outputs.values.bestChildRunId).toBeUndefined()
  })

  it('a cancelled workflow cancels the sweep job itself, once, saying its trials go with it', async () => {
    const clock = new FakeClock(START + 3 * MIN)
    const service = new SweepService(clock, START, fourTrials())
    const ctx = context(service, clock)
    await cancelAfterSignal(ctx, job, { settings, graceHttp: service }, new WorkflowCancelledError('SIGINT'), {
      status: 'Running',
      body: { name: SWEEP, properties: { jobType: 'Sweep', status: 'Running' } }
    })
    expect(service.count('cancel')).toBe(1)
    expect(said().join('\n')).toContain(`sweep job ${SWEEP} (the service cancels its running trials with it)`)
  })
})

describe('sweep values', () => {
  it('sampled values from the trial run properties, JSON text or an object; nothing when absent or bad', () => {
    expect(sampledValues({ properties: { _aml_system_hyperparameters: '{"a": 1, "b": "x"}' } })).toBe('a=1, b=x')
    expect(sampledValues({ properties: { _aml_system_hyperparameters: { a: [1, 2] } } })).toBe('a=[1,2]')
    expect(sampledValues({ properties: { _aml_system_hyperparameters: '{not json' } })).toBe('')
    expect(sampledValues({})).toBe('')
  })

  it('the best trial from the sweep body, with its score when given', () => {
    expect(bestTrial({ properties: { properties: { best_child_run_id: 's_2', score: '0.5' } } })).toEqual({
      runId: 's_2',
      metric: '0.5'
    })
    expect(bestTrial({ properties: { properties: { best_child_run_id: 's_2' } } })).toEqual({ runId: 's_2' })
    expect(bestTrial({ properties: {} })).toBeUndefined()
  })
})
