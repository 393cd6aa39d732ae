/** Run polling with a fake clock and a scripted data plane: status rules, backoff, the deadline, log streaming. */
import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import * as core from '../../__fixtures__/core.js'
import { FakeClock, START, testSettings } from '../../__fixtures__/fakes.js'
import type { HttpClient, HttpRequest, HttpResponse } from '../../src/base/http-types.js'
import type { CommonSettings } from '../../src/base/settings.js'

jest.unstable_mockModule('@actions/core', () => core)
const { createOutputs } = await import('../../src/action/outputs.js')
const { newReport } = await import('../../src/action/summary.js')
const { TimeoutError } = await import('../../src/base/errors.js')
const poll = {
  ...(await import('../../src/runs/follow.js')),
  ...(await import('../../src/follow/backoff.js')),
  ...(await import('../../src/follow/signals.js'))
}
type Context = import('../../src/base/context.js').Context

const settings: CommonSettings = testSettings()
const target = {
  api: 'https://centralus.api.azureml.ms',
  workspace: { subscriptionId: '00000000-0000-0000-0000-000000000001', resourceGroup: 'rg', workspaceName: 'ws' },
  experimentName: 'exp',
  runId: 'exp_1'
}
const LOG_URL = 'https://blob.example/azureml-logs/70_driver_log.txt?sv=1&sig=SeCrEtSig'

/** A data plane: the run walks through `statuses` (one per GET), its log grows by `logChunks` (one per GET of the run). */
class FakePlane implements HttpClient {
  readonly requests: HttpRequest[] = []
  log = Buffer.alloc(0)
  private reads = 0
  constructor(
    private readonly statuses: string[],
    private readonly logChunks: (string | Buffer)[] = [],
    private readonly error?: unknown
  ) {}
  async send(request: HttpRequest): Promise<HttpResponse> {
    this.requests.push(request)
    const url = request.url
    if (url.includes('/cancel')) return { status: 200, headers: {}, body: '{"runId":"exp_1"}' }
    if (url.endsWith('/details')) {
      return {
        status: 200,
        headers: {},
        body: JSON.stringify({ logFiles: { 'azureml-logs/70_driver_log.txt': LOG_URL } })
      }
    }
    if (url.startsWith('https://blob.example/')) {
      const start = Number(/bytes=(\d+)-/.exec(request.headers?.Range ?? '')?.[1] ?? 0)
      if (start >= this.log.length) return { status: 416, headers: {}, body: '' }
      return { status: 206, headers: {}, body: this.log.subarray(start).toString('utf8') }
    }
    const i = Math.min(this.reads++, this.statuses.length - 1)
    const chunk = this.logChunks[i]
    if (chunk !== undefined) this.log = Buffer.concat([this.log, Buffer.from(chunk)])
    const status = this.statuses[i]
    const body = { runId: 'exp_1', status, ...(status === 'Failed' ? { error: this.error } : {}) }
    return { status: 200, headers: {}, body: JSON.stringify(body) }
  }
  runReads(): number {
    return this.requests.filter(r => r.url.includes('/runs/exp_1?') || r.url.endsWith('/runs/exp_1')).length
  }
}

function context(http: HttpClient, clock = new FakeClock(), timeoutMinutes = 10): Context {
  return {
    http,
    tokens: { getToken: async () => ({ token: 't', expiresOn: START + 3600_000 }) },
    clock,
    outputs: createOutputs(),
    report: newReport('test'),
    deadline: clock.now() + timeoutMinutes * 60_000
  }
}

beforeEach(() => core.resetCoreFixture())

describe('status rules', () => {
  it('polls through every non-terminal status, known or not, and ends on Completed', async () => {
    const plane = new FakePlane([
      'NotStarted',
      'Starting',
      'Provisioning',
      'Preparing',
      'Queued',
      'Running',
      'NotResponding',
      'Paused',
      'SomethingNew',
      'CancelRequested',
      'Finalizing',
      'Completed'
    ])
    const result = await poll.pollRun(context(plane), target, { settings, cancelOnTimeout: false, streamLog: false })
    expect(result.status).toBe('Completed')
    expect(plane.runReads()).toBe(12)
  })

  it.each([
    ['Failed', 'Failed'],
    ['Canceled', 'Canceled'],
    ['Cancelled', 'Canceled'],
    ['completed', 'Completed']
  ])('%s is terminal (%s)', async (status, expected) => {
    const result = await poll.pollRun(context(new FakePlane(['Running', status])), target, {
      settings,
      cancelOnTimeout: false,
      streamLog: false
    })
    expect(result.status).toBe(expected)
  })

  it('followRun fails with the run’s own error message on Failed, outputs and summary set', async () => {
    const plane = new FakePlane(['Running', 'Failed'], [], {
      error: { code: 'UserError', message: 'User program failed with ValueError: bad' }
    })
    const ctx = context(plane)
    const signal = new AbortController().signal
    await expect(
      poll.followRun(ctx, target, { settings, cancelOnTimeout: false, streamLog: false, signal })
    ).rejects.toThrow(/Run exp_1 ended Failed: UserError: User program failed with ValueError: bad/)
    expect(ctx.outputs.values.status).toBe('Failed')
    expect(JSON.parse(ctx.outputs.values.response).status).toBe('Failed')
    expect(ctx.report.facts).toContainEqual(['Status', 'Failed'])
    expect(core.state.runOutcome).toBe('finished')
  })
})

describe('backoff', () => {
  it('waits from about 1 s growing to at most 30 s, with jitter', () => {
    const delays = Array.from({ length: 30 }, (_, n) => poll.pollDelay(n, 0.999))
    expect(delays[0]).toBeLessThanOrEqual(1_000)
    expect(delays[0]).toBeGreaterThanOrEqual(800)
    for (let n = 1; n < delays.length; n++) expect(delays[n]).toBeGreaterThanOrEqual(delays[n - 1])
    expect(Math.max(...delays)).toBeLessThanOrEqual(30_000)
    expect(delays[29]).toBeGreaterThan(29_000)
    expect(poll.pollDelay(29, 0)).toBe(24_000)
    expect(poll.pollDelay(0, 0)).toBe(800)
  })

  it('a 6-hour run costs well under 1000 status reads', async () => {
    const clock = new FakeClock()
    const sleeps: number[] = []
    const sleep = clock.sleep.bind(clock)
    clock.sleep = async (ms: number) => {
      sleeps.push(ms)
      await sleep(ms)
    }
    const statuses = [...Array(2000).fill('Running'), 'Completed']
    const plane = new FakePlane(statuses)
    const ctx = context(plane, clock, 360)
    await expect(poll.pollRun(ctx, target, { settings, cancelOnTimeout: false, streamLog: false })).rejects.toThrow(
      TimeoutError
    )
    expect(clock.now() - START).toBe(360 * 60_000)
    expect(plane.runReads()).toBeLessThan(1000)
    expect(Math.max(...sleeps)).toBeLessThanOrEqual(30_000)
    expect(sleeps.slice(0, -1).every(ms => ms >= 800)).toBe(true)
  })

  it('looks again soon after the status changes', async () => {
    const clock = new FakeClock()
    const sleeps: number[] = []
    const sleep = clock.sleep.bind(clock)
    clock.sleep = async (ms: number) => {
      sleeps.push(ms)
      await sleep(ms)
    }
    const plane = new FakePlane([...Array(10).fill('Queued'), 'Running', 'Completed'])
    await poll.pollRun(context(plane, clock), target, { settings, cancelOnTimeout: false, streamLog: false })
    expect(sleeps[10]).toBeLessThanOrEqual(2_000)
  })
})

describe('deadline', () => {
  it('fails saying the run is still running, and leaves it running without cancel-on-timeout', async () => {
    const plane = new FakePlane(['Running'])
    const ctx = context(plane, new FakeClock(), 1)
    await expect(
      poll.pollRun(ctx, target, {
        settings: { ...settings, timeoutMinutes: 1 },
        cancelOnTimeout: false,
        streamLog: false
      })
    ).rejects.toThrow(/Run exp_1 is still Running after 1 minute \(timeout-minutes\); it keeps running/)
    expect(plane.requests.some(r => r.url.includes('/cancel'))).toBe(false)
    expect(core.state.runOutcome).toBe('left-running')
  })

  it('with cancel-on-timeout, cancels the run through the grace client and says so', async () => {
    const plane = new FakePlane(['Queued'])
    const grace = new FakePlane(['Queued'])
    const ctx = context(plane, new FakeClock(), 2)
    await expect(
      poll.pollRun(ctx, target, {
        settings: { ...settings, timeoutMinutes: 2 },
        cancelOnTimeout: true,
        streamLog: false,
        graceHttp: grace
      })
    ).rejects.toThrow(/still Queued after 2 minutes \(timeout-minutes\): cancelled it \(cancel-on-timeout\)/)
    const cancel = grace.requests.find(r => r.url.includes('/cancel'))
    expect(cancel?.method).toBe('POST')
    expect(cancel?.url).toBe(
      'https://centralus.api.azureml.ms/execution/v1.0/subscriptions/00000000-0000-0000-0000-000000000001/' +
        'resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/experiments/exp/runId/exp_1/cancel'
    )
    expect(cancel?.idempotent).toBe(true)
    expect(core.state.runOutcome).toBe('cancelled')
  })
})

describe('driver log', () => {
  it('prints each line once, whole lines only, inside ::stop-commands::, across chunks split mid-line and mid-character', async () => {
    const euro = Buffer.from('€ sign\n')
    const chunks = [
      undefined,
      'epoch 1\nepo',
      'ch 2\n',
      Buffer.concat([Buffer.from('::error::fake\n'), euro.subarray(0, 1)]),
      euro.subarray(1),
      '',
      'last line without newline'
    ] as (string | Buffer)[]
    const plane = new FakePlane(['Queued', 'Running', 'Running', 'Running', 'Running', 'Running', 'Completed'], chunks)
    const printed: string[] = []
    const result = await poll.pollRun(context(plane), target, {
      settings,
      cancelOnTimeout: false,
      print: line => printed.push(line)
    })
    expect(result.status).toBe('Completed')
    const text = printed.filter(l => !l.startsWith('::'))
    expect(text).toEqual(['epoch 1', 'epoch 2', '€ sign', 'last line without newline'])
    expect(printed).toContain('::error::fake')
    // Every printed service line sits between a ::stop-commands::TOKEN and its ::TOKEN::.
    let token: string | undefined
    for (const line of printed) {
      if (token === undefined) {
        const m = /^::stop-commands::(.+)$/.exec(line)
        expect(m).not.toBeNull()
        token = m?.[1]
      } else if (line === `::${token}::`) token = undefined
    }
    expect(token).toBeUndefined()
    // Range reads from where the last whole line ended; the SAS signature is masked.
    const ranges = plane.requests.filter(r => r.url.startsWith('https://blob.example/')).map(r => r.headers?.Range)
    expect(ranges[0]).toBe('bytes=0-')
    expect(new Set(ranges).size).toBeGreaterThan(3)
    expect(core.setSecret).toHaveBeenCalledWith('SeCrEtSig')
    expect(
      plane.requests.filter(r => r.url.startsWith('https://blob.example/')).every(r => r.auth.kind === 'none')
    ).toBe(true)
  })
})

describe('cancellation', () => {
  it('an aborted signal stops the wait; cancelAfterSignal cancels the run and returns the step’s error', async () => {
    const plane = new FakePlane(['Running'])
    const grace = new FakePlane(['Running'])
    const controller = new AbortController()
    const clock = new FakeClock()
    const sleep = clock.sleep.bind(clock)
    let sleeps = 0
    clock.sleep = async (ms: number) => {
      if (++sleeps === 3) controller.abort(new poll.WorkflowCancelledError('SIGINT'))
      await sleep(ms)
    }
    const ctx = context(plane, clock)
    const error = await poll
      .followRun(ctx, target, {
        settings,
        cancelOnTimeout: false,
        streamLog: false,
        signal: controller.signal,
        graceHttp: grace
      })
      .catch((e: unknown) => e)
    expect(String(error)).toMatch(
      /workflow was cancelled \(SIGINT\) while run exp_1 was in progress: the run was cancelled/
    )
    expect(grace.requests.filter(r => r.url.includes('/cancel'))).toHaveLength(1)
    expect(ctx.outputs.values.status).toBe('CancelRequested')
    expect(core.state.runOutcome).toBe('cancelled')
  })
})
