/**
 * The log a v2 job is followed by (job-rest.ts `pickJobLog`, follow/log-files.ts): chosen at every poll from the
 * run-history `logFiles`, moving to the user's log when it appears (the older runtime lists its system log first),
 * each line of each log printed once and in order.
 */
import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import * as core from '../../__fixtures__/core.js'
import { FakeClock, START } from '../../__fixtures__/fakes.js'
import type { HttpClient, HttpRequest, HttpResponse } from '../../src/base/http-types.js'

jest.unstable_mockModule('@actions/core', () => core)
const { pickJobLog, logPreference } = await import('../../src/jobs/job-rest.js')
const { LogFilesStream } = await import('../../src/follow/log-files.js')
const { createOutputs } = await import('../../src/action/outputs.js')
const { newReport } = await import('../../src/action/summary.js')
type Context = import('../../src/base/context.js').Context

const SYSTEM = 'azureml-logs/55_azureml-execution-tvmps_x.txt'
const PREP = 'azureml-logs/65_job_prep-tvmps_x.txt'
const DRIVER = 'azureml-logs/70_driver_log.txt'
const STD = 'user_logs/std_log.txt'

/** Picks along a sequence of `logFiles` maps, as the follower does at each poll. */
function walk(sequence: string[][]): (string | undefined)[] {
  let current: string | undefined
  return sequence.map(names => (current = pickJobLog(names, current)))
}

describe('pickJobLog', () => {
  it('the older runtime: the system log, then job preparation, then the driver log once it appears', () => {
    expect(
      walk([
        [],
        [SYSTEM],
        [SYSTEM, PREP],
        [SYSTEM, PREP, DRIVER],
        [SYSTEM, PREP, DRIVER, 'azureml-logs/75_job_post.txt']
      ])
    ).toEqual([undefined, SYSTEM, PREP, DRIVER, DRIVER])
  })

  it('the current runtime: user_logs/std_log.txt over everything else', () => {
    expect(pickJobLog(['system_logs/lifecycler/execution-wrapper.log', STD, DRIVER, SYSTEM])).toBe(STD)
  })

  it('several nodes: rank 0 only, of both layouts', () => {
    expect(pickJobLog(['user_logs/std_log_process_1.txt', 'user_logs/std_log_process_0.txt'])).toBe(
      'user_logs/std_log_process_0.txt'
    )
    expect(pickJobLog(['user_logs/std_log_node_1_ps.txt', 'user_logs/std_log_node_0_ps.txt'])).toBe(
      'user_logs/std_log_node_0_ps.txt'
    )
    expect(pickJobLog(['azureml-logs/70_driver_log_1.txt', 'azureml-logs/70_driver_log_0.txt', SYSTEM])).toBe(
      'azureml-logs/70_driver_log_0.txt'
    )
    // Another rank's driver log is never followed, not even before rank 0's appears.
    expect(pickJobLog(['azureml-logs/70_driver_log_1.txt', SYSTEM])).toBe(SYSTEM)
  })

  it('pipelines and sweeps: their own logs; nothing else is followed', () => {
    expect(pickJobLog(['logs/azureml/executionlogs.txt', 'azureml-logs/hyperdrive.txt'])).toBe(
      'logs/azureml/executionlogs.txt'
    )
    expect(pickJobLog(['azureml-logs/hyperdrive.txt'])).toBe('azureml-logs/hyperdrive.txt')
    expect(pickJobLog(['outputs/model.pkl', 'system_logs/cs_capability/cs-capability.log'])).toBeUndefined()
    expect(logPreference('user_logs/std_log_process_01.txt')).toBeUndefined()
  })

  it('never moves back to a worse log, even when the followed one leaves the list', () => {
    expect(walk([[SYSTEM, DRIVER], [SYSTEM]])).toEqual([DRIVER, DRIVER])
    expect(pickJobLog([SYSTEM, PREP], PREP)).toBe(PREP)
  })
})

/** Run history whose `logFiles` is the next of `listings` at each details read; blobs grow by `growth` per read. */
class FakeHistory implements HttpClient {
  readonly requests: HttpRequest[] = []
  readonly blobs: Record<string, string> = {}
  private reads = 0
  constructor(
    private readonly listings: string[][],
    private readonly growth: Record<string, string>[]
  ) {}
  async send(request: HttpRequest): Promise<HttpResponse> {
    this.requests.push(request)
    const url = new URL(request.url)
    if (url.pathname.endsWith('/details')) {
      const i = Math.min(this.reads, this.listings.length - 1)
      for (const [name, text] of Object.entries(this.growth[this.reads] ?? {}))
        this.blobs[name] = (this.blobs[name] ?? '') + text
      this.reads++
      const logFiles = Object.fromEntries(
        this.listings[i].map(n => [n, `https://blob.example/${n}?sv=1&sig=SeCrEt${this.reads}`])
      )
      return { status: 200, headers: {}, body: JSON.stringify({ logFiles }) }
    }
    const name = decodeURIComponent(url.pathname.slice(1))
    const text = Buffer.from(this.blobs[name] ?? '')
    const start = Number(/bytes=(\d+)-/.exec(request.headers?.Range ?? '')?.[1] ?? 0)
    if (start >= text.length) return { status: 416, headers: {}, body: '' }
    return { status: 206, headers: {}, body: text.subarray(start).toString('utf8') }
  }
}

function context(http: HttpClient): Context {
  const clock = new FakeClock()
  return {
    http,
    tokens: { getToken: async () => ({ token: 't', expiresOn: START + 3600_000 }) },
    clock,
    outputs: createOutputs(),
    report: newReport('test'),
    deadline: clock.now() + 600_000
  }
}

function follower(history: FakeHistory, printed: string[]) {
  return new LogFilesStream(
    context(history),
    async () => {
      const r = await history.send({
        method: 'GET',
        url: 'https://api.example/history/runs/job_1/details',
        auth: { kind: 'none' }
      })
      return (JSON.parse(r.body) as { logFiles: Record<string, string> }).logFiles
    },
    pickJobLog,
    "the job's log",
    name => logPreference(name) === 0,
    line => {
      if (!line.startsWith('::')) printed.push(line)
    }
  )
}

beforeEach(() => core.resetCoreFixture())

describe('LogFilesStream', () => {
  it('follows the system log, switches to the driver log when it appears: each line once, in order', async () => {
    const history = new FakeHistory(
      [[SYSTEM], [SYSTEM], [SYSTEM, DRIVER], [SYSTEM, DRIVER], [SYSTEM, DRIVER]],
      [
        { [SYSTEM]: 'sys 1\n' },
        { [SYSTEM]: 'sys 2\nsys 3 partial', [DRIVER]: 'user 1\n' },
        { [SYSTEM]: ' end\n', [DRIVER]: 'user 2\n' },
        { [SYSTEM]: 'sys 4 (after the switch)\n', [DRIVER]: 'user 3\n' },
        { [DRIVER]: 'user 4 last, no newline' }
      ]
    )
    const printed: string[] = []
    const stream = follower(history, printed)
    for (let i = 0; i < 4; i++) await stream.follow(false)
    await stream.follow(true)
    expect(printed).toEqual([
      'sys 1',
      'sys 2',
      'sys 3 partial end',
      'user 1',
      'user 2',
      'user 3',
      'user 4 last, no newline'
    ])
    expect(stream.following).toBe(DRIVER)
    const said = core.info.mock.calls.map(c => String(c[0]))
    expect(said).toContain(`The job's log: following ${SYSTEM}.`)
    expect(said.filter(l => l.includes(`now following ${DRIVER}`))).toHaveLength(1)
    // The switch comes after the system log's last line and before the user's first.
    expect(said.join('\n')).not.toContain('SeCrEt')
  })

  it('a job on the current runtime: the list is read until user_logs/std_log.txt is found, then not again', async () => {
    const history = new FakeHistory([[], [STD]], [{}, { [STD]: 'hello\n' }, { [STD]: 'world\n' }])
    const printed: string[] = []
    const stream = follower(history, printed)
    await stream.follow(false)
    await stream.follow(false)
    await stream.follow(true)
    expect(printed).toEqual(['hello'])
    const listings = history.requests.filter(r => r.url.endsWith('/details')).length
    expect(listings).toBe(2)
    expect(core.info.mock.calls.map(c => String(c[0])).join('\n')).not.toContain('now following')
  })
})
