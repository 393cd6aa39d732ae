/**
 * The example sweep (`examples/jobs/sweep.yml`: four trials of examples/jobs/train/src/train.py, two at a time, over
 * the learning rate and the epochs) through the bundle against the emulator, which runs the trials for real
 * (emulator/resources/sweep-process.ts): followed to Completed with a line per trial end (its sampled values and its
 * `mse` read through MLflow), `bestChildRunId` and `bestMetric`; a sweep whose trials all fail fails the step naming
 * the first failed trial and its own error; a cancelled workflow cancels the sweep and its trials.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import type { Emulator } from '../../emulator/index.js'
import { emulatorForTests, errorOf, step, visibleLines, workspaceInputs } from './helpers.js'

let emu: Emulator
beforeAll(async () => {
  emu = await emulatorForTests()
})
afterAll(() => emu.close())
beforeEach(() => emu.reset())

const sweepInputs = (extraSet: string[] = [], more: Record<string, string> = {}) => ({
  operation: 'submit-job',
  ...workspaceInputs(emu),
  job: 'examples/jobs/sweep.yml',
  set: [`compute=azureml:${emu.seed.computeName}`, ...extraSet].join('\n'),
  ...more
})

describe('the example sweep through the bundle', () => {
  it('runs its trials to Completed, a line per trial end, the best trial as outputs', async () => {
    const result = await step(sweepInputs())
    expect(errorOf(result)).toBe('')
    expect(result.exitCode).toBe(0)
    expect(result.outputs.status).toBe('Completed')
    const name = result.outputs.jobName
    const lines = visibleLines(result.stdout)
    const ends = lines.filter(l => l.startsWith(`Trial ${name}_`))
    expect(ends).toHaveLength(4)
    for (const line of ends)
      expect(line).toMatch(
        new RegExp(`^Trial ${name}_\\d (Completed|Canceled)( \\([^)]*\\))?: learning_rate=[\\d.e-]+, epochs=(50|100)`)
      )
    // The trials that completed report their mse, read from their MLflow run.
    const completed = ends.filter(l => / Completed/.test(l))
    expect(completed.length).toBeGreaterThan(0)
    for (const line of completed) expect(line).toMatch(/; mse=\d/)
    // The best trial is one of them, with the lowest mse.
    const mses = completed.map(l => [/^Trial (\S+)/.exec(l)?.[1], Number(/; mse=([\d.e-]+)/.exec(l)?.[1])] as const)
    const lowest = mses.reduce((a, b) => (b[1] < a[1] ? b : a))
    expect(result.outputs.bestChildRunId).toBe(lowest[0])
    expect(Number(result.outputs.bestMetric)).toBeCloseTo(lowest[1], 6)
    // Counts, not a flood: the last count says all four ended.
    expect(lines.filter(l => l.startsWith('Trials: ')).pop()).toBe('Trials: 0 running, 4 ended of 4')
    // The sweep's own log was streamed.
    expect(result.stdout).toContain("The sweep's log: following azureml-logs/hyperdrive.txt")
  }, 240_000)

  it('a sweep whose trials all fail fails the step naming the first failed trial and its own error', async () => {
    const result = await step(sweepInputs(['trial.command=python3 -c "import sys; sys.exit(\'no data here\')"']))
    expect(result.exitCode).toBe(1)
    expect(result.outputs.status).toBe('Failed')
    expect(errorOf(result)).toMatch(/ended Failed: trial \S+_\d failed.*\(4 of 4 trials failed\)/)
    expect(result.outputs.bestChildRunId).toBeUndefined()
  }, 240_000)

  it('cancel-job cancels a sweep left running; poll-job then shows its trials cancelled with it', async () => {
    const slow = 'trial.command=python3 -c "import time; time.sleep(60)" ${{search_space.epochs}}'
    const submitted = await step(sweepInputs([slow], { wait: 'false' }))
    expect(submitted.exitCode).toBe(0)
    const name = submitted.outputs.jobName
    const cancelled = await step({ operation: 'cancel-job', ...workspaceInputs(emu), 'job-name': name })
    expect(cancelled.exitCode).toBe(0)
    expect(emu.requests.filter(r => r.method === 'POST' && r.path.endsWith(`/jobs/${name}/cancel`))).toHaveLength(1)
    const polled = await step({ operation: 'poll-job', ...workspaceInputs(emu), 'job-name': name })
    expect(polled.outputs.status).toBe('Canceled')
    // The trials that had started went with the sweep (the service cancels them; nothing cancels them one by one).
    const ends = visibleLines(polled.stdout).filter(l => l.startsWith(`Trial ${name}_`))
    expect(ends.length).toBeGreaterThan(0)
    for (const line of ends) expect(line).toMatch(/ Canceled/)
    expect(emu.requests.filter(r => r.method === 'POST' && /\/cancel$/.test(r.path))).toHaveLength(1)
  }, 240_000)

  it('refuses grid sampling over a continuous space before sending anything', async () => {
    emu.requests.length = 0
    const result = await step(sweepInputs(['sampling_algorithm=grid']))
    expect(result.exitCode).toBe(1)
    expect(errorOf(result)).toMatch(
      /sweep\.yml:\d+: search_space\.learning_rate\.type: grid sampling takes only choice/
    )
    expect(emu.requests.filter(r => r.method === 'PUT')).toHaveLength(0)
  }, 60_000)
})
