/**
 * Child process of the pipeline-following benchmark (issue 19, "Cost of following"), bundled at bench time (never
 * committed): the action's own `followJob` following a simulated two-hour pipeline of 20 steps, and of 1 step for the
 * reference, on an injected clock against the simulated ARM / run history / storage of
 * `__fixtures__/pipeline-service.ts`. Prints one `BENCH_RESULT {json}` line:
 * - reads per hour of the services with a read budget (ARM job GETs, run-history listings and details), and all
 *   requests (storage log reads included), for 20 steps and for 1;
 * - the delay between each step's end (simulated) and the log line `Step <name>: <status>` reporting it.
 *
 *   node pipeline-entry.js [simulations]
 *
 * Each simulation shifts the steps by a fraction of the longest poll interval and seeds the jitter differently.
 */
import { SeededClock, seededRandom, START, testSettings } from '../__fixtures__/fakes.js'
import type { Context } from '../src/base/context.js'
import type { CommonSettings } from '../src/base/settings.js'
import { createOutputs } from '../src/action/outputs.js'
import { newReport } from '../src/action/summary.js'
import { MAX_POLL_MS } from '../src/follow/backoff.js'
import { followJob } from '../src/jobs/follow-job.js'
import { PIPELINE, PipelineService, type SimStep } from '../__fixtures__/pipeline-service.js'

const MIN = 60_000
const HOUR = 60 * MIN

/** `count` steps filling two hours, two at a time, the whole shifted by `shift` ms. */
function steps(count: number, shift: number): SimStep[] {
  if (count === 1) return [{ name: 'train', startMs: MIN + shift, endMs: 2 * HOUR - 2 * MIN + shift }]
  const slot = (2 * HOUR - 2 * MIN) / (count / 2)
  return Array.from({ length: count }, (_, i) => {
    const startMs = Math.round(MIN + Math.floor(i / 2) * slot + shift)
    return {
      name: `step${String(i).padStart(2, '0')}`,
      startMs,
      endMs: Math.round(startMs + slot * (0.6 + 0.1 * (i % 2)))
    }
  })
}

const settings: CommonSettings = testSettings({
  timeoutMinutes: 8 * 60,
  apiEndpoint: 'https://centralus.api.azureml.ms'
})
const job = {
  workspace: { subscriptionId: '00000000-0000-0000-0000-000000000001', resourceGroup: 'rg', workspaceName: 'ws' },
  name: PIPELINE
}

// The action logs through @actions/core (stdout): silenced, but each `Step <name>: <status>` line is timed.
const write = process.stdout.write.bind(process.stdout)
let onLine: (line: string) => void = () => {}
process.stdout.write = ((chunk: string | Uint8Array) => {
  for (const line of String(chunk).split('\n')) onLine(line)
  return true
}) as typeof process.stdout.write

interface Figures {
  hours: number
  budgetReads: number
  allReads: number
  armReads: number
  historyReads: number
}

async function simulate(count: number, i: number, simulations: number, delays: number[]): Promise<Figures> {
  const clock = new SeededClock(seededRandom(2000 + i))
  const plan = steps(count, Math.round((i / simulations) * MAX_POLL_MS))
  const service = new PipelineService(clock, START, plan)
  const ended = new Map(plan.map(s => [s.name, s.endMs]))
  onLine = line => {
    const m = /^Step (\S+): (Completed|Failed)/.exec(line)
    if (m && ended.has(m[1])) delays.push(clock.now() - START - (ended.get(m[1]) as number))
  }
  const ctx: Context = {
    http: service,
    tokens: { getToken: async () => ({ token: 't', expiresOn: START + 24 * HOUR }) },
    clock,
    outputs: createOutputs(),
    report: newReport('bench'),
    deadline: START + settings.timeoutMinutes * MIN
  }
  await followJob(ctx, job, { settings, cancelOnTimeout: false, signal: new AbortController().signal })
  onLine = () => {}
  const hours = (clock.now() - START) / HOUR
  const arm = service.count('job') + service.count('cancel')
  const history = service.count('children') + service.count('pipeline-details') + service.count('step-details')
  return {
    hours,
    armReads: arm / hours,
    historyReads: history / hours,
    budgetReads: (arm + history) / hours,
    allReads: service.requests.length / hours
  }
}

const simulations = Number(process.argv[2] ?? 20)
const twenty: Figures[] = []
const one: Figures[] = []
const delays: number[] = []
for (let i = 0; i < simulations; i++) {
  twenty.push(await simulate(20, i, simulations, delays))
  one.push(await simulate(1, i, simulations, []))
}
write(`BENCH_RESULT ${JSON.stringify({ simulations, steps: 20, twenty, one, delays })}\n`)
