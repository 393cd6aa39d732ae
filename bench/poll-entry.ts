/**
 * Child process of the polling benchmark, bundled at bench time (never committed): the action's own run polling
 * (`pollRun`, driver log followed as start-run does) against a simulated 6-hour run on an injected clock. The data
 * plane is a fake whose answers follow the simulated time. Prints one `BENCH_RESULT {json}` line.
 *
 *   node poll-entry.js [simulations]
 *
 * Each simulation shifts the run's end by a fraction of the longest poll interval and seeds the jitter differently, so
 * the worst delay between the run's end and the action seeing it is found over many phases, not one lucky one.
 */
import { SeededClock, seededRandom, START, testSettings } from '../__fixtures__/fakes.js'
import type { Context } from '../src/base/context.js'
import type { HttpClient, HttpRequest, HttpResponse } from '../src/base/http-types.js'
import type { CommonSettings } from '../src/base/settings.js'
import { createOutputs } from '../src/action/outputs.js'
import { MAX_POLL_MS } from '../src/follow/backoff.js'
import { pollRun } from '../src/runs/follow.js'
import { newReport } from '../src/action/summary.js'

const HOUR = 3_600_000
const RUN_MS = 6 * HOUR
const LOG_URL = 'https://blob.example/azureml-logs/70_driver_log.txt?sv=1&sig=sig'

/** The run's life: NotStarted, Queued, Preparing, then Running until the end; Completed with no Finalizing (worst case). */
function statusAt(elapsed: number, end: number): string {
  if (elapsed >= end) return 'Completed'
  if (elapsed < 10_000) return 'NotStarted'
  if (elapsed < 120_000) return 'Queued'
  if (elapsed < 300_000) return 'Preparing'
  return 'Running'
}

class SimPlane implements HttpClient {
  statusReads = 0
  otherReads = 0
  constructor(
    private readonly clock: SeededClock,
    private readonly end: number
  ) {}
  async send(request: HttpRequest): Promise<HttpResponse> {
    const elapsed = this.clock.now() - START
    if (request.url.endsWith('/details')) {
      this.otherReads++
      return {
        status: 200,
        headers: {},
        body: JSON.stringify({ logFiles: { 'azureml-logs/70_driver_log.txt': LOG_URL } })
      }
    }
    if (request.url.startsWith('https://blob.example/')) {
      this.otherReads++
      // The log grows by a line a minute while the run runs.
      const size = Math.max(0, Math.floor(Math.min(elapsed, this.end) / 60_000)) * 20
      const from = Number(/bytes=(\d+)-/.exec(request.headers?.Range ?? '')?.[1] ?? 0)
      if (from >= size) return { status: 416, headers: {}, body: '' }
      return {
        status: 206,
        headers: {},
        body: 'epoch done, loss 0.1\n'.repeat(Math.ceil((size - from) / 20)).slice(0, size - from)
      }
    }
    this.statusReads++
    const status = statusAt(elapsed, this.end)
    const body: Record<string, unknown> = { runId: 'bench_1', status }
    if (status === 'Completed') body.endTimeUtc = new Date(START + this.end).toISOString()
    return { status: 200, headers: {}, body: JSON.stringify(body) }
  }
}

const settings: CommonSettings = testSettings({ timeoutMinutes: 8 * 60 })
const target = {
  api: 'https://centralus.api.azureml.ms',
  workspace: { subscriptionId: '00000000-0000-0000-0000-000000000001', resourceGroup: 'rg', workspaceName: 'ws' },
  experimentName: 'bench',
  runId: 'bench_1'
}

// The action logs every status change and log line through @actions/core (stdout): silenced, only the result prints.
const write = process.stdout.write.bind(process.stdout)
process.stdout.write = (() => true) as typeof process.stdout.write

const simulations = Number(process.argv[2] ?? 100)
const statusReads: number[] = []
const allReads: number[] = []
const noticeDelays: number[] = []
for (let i = 0; i < simulations; i++) {
  const clock = new SeededClock(seededRandom(1000 + i))
  const end = RUN_MS + Math.round((i / simulations) * MAX_POLL_MS)
  const plane = new SimPlane(clock, end)
  const ctx: Context = {
    http: plane,
    tokens: { getToken: async () => ({ token: 't', expiresOn: START + 24 * HOUR }) },
    clock,
    outputs: createOutputs(),
    report: newReport('bench'),
    deadline: START + settings.timeoutMinutes * 60_000
  }
  const result = await pollRun(ctx, target, { settings, cancelOnTimeout: false })
  if (result.status !== 'Completed') throw new Error(`simulation ${i} ended ${result.status}`)
  statusReads.push(plane.statusReads)
  allReads.push(plane.statusReads + plane.otherReads)
  noticeDelays.push(clock.now() - START - end)
}
write(`BENCH_RESULT ${JSON.stringify({ simulations, runHours: RUN_MS / HOUR, statusReads, allReads, noticeDelays })}\n`)
