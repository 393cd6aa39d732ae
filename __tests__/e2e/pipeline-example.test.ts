/**
 * The example pipeline (`examples/pipelines/pipeline.yml`: prepare inline → train from a local component file →
 * evaluate inline) through the bundle against the emulator, as issue 19's "done when" reads: submitted and followed to
 * `Completed`, submitted again with nothing new registered or uploaded, a failing step that fails the step naming it,
 * and a cancel of a pipeline left running.
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

const pipelineInputs = (extraSet: string[] = [], more: Record<string, string> = {}) => ({
  operation: 'submit-job',
  ...workspaceInputs(emu),
  job: 'examples/pipelines/pipeline.yml',
  set: [`settings.default_compute=azureml:${emu.seed.computeName}`, ...extraSet].join('\n'),
  ...more
})

/** Requests the emulator received with this method whose path matches. */
const requests = (method: string, path: RegExp) => emu.requests.filter(r => r.method === method && path.test(r.path))

describe('the example pipeline through the bundle', () => {
  it('runs to Completed step by step; a second submit registers and uploads nothing new', async () => {
    const first = await step(pipelineInputs())
    expect(errorOf(first)).toBe('')
    expect(first.exitCode).toBe(0)
    expect(first.outputs.status).toBe('Completed')
    const childJobs = JSON.parse(first.outputs.childJobs) as Record<string, { jobName: string; status: string }>
    expect(Object.keys(childJobs)).toEqual(['prepare', 'train', 'evaluate'])
    expect(Object.values(childJobs).map(c => c.status)).toEqual(['Completed', 'Completed', 'Completed'])
    const lines = visibleLines(first.stdout)
    // The three steps' own output, each once, and the train step's model.
    expect(lines.filter(l => /^40 rows from .*: 30 to train, 10 to test$/.test(l))).toHaveLength(1)
    expect(lines.filter(l => /^model: w=/.test(l))).toHaveLength(1)
    expect(lines.filter(l => /^test mse \d/.test(l))).toHaveLength(1)
    // The pipeline's final status ends the story: after its last step's end line and log.
    const final = lines.indexOf(`Job ${first.outputs.jobName}: Completed`)
    expect(final).toBeGreaterThan(lines.findIndex(l => /^Step evaluate: Completed/.test(l)))
    expect(final).toBeGreaterThan(lines.findIndex(l => /^test mse \d/.test(l)))
    // Three anonymous components (two inline steps, one component file), each registered once; the steps' shared code
    // folder hashed and uploaded once.
    const componentPuts = requests('PUT', /\/components\/azureml_anonymous\/versions\/[^/]+$/)
    expect(new Set(componentPuts.map(r => r.path)).size).toBe(3)
    expect(componentPuts).toHaveLength(3)
    expect(lines.filter(l => /^Component azureml_anonymous:\S+ registered\.$/.test(l))).toHaveLength(3)
    expect(lines.filter(l => /^Registered code /.test(l))).toHaveLength(1)

    emu.requests.length = 0
    const second = await step(pipelineInputs())
    expect(second.exitCode).toBe(0)
    expect(second.outputs.jobName).not.toBe(first.outputs.jobName)
    const again = visibleLines(second.stdout)
    expect(
      again.filter(l => /^Component azureml_anonymous:\S+ already registered with this content/.test(l))
    ).toHaveLength(3)
    expect(again.filter(l => /^Component azureml_anonymous:\S+ registered\.$/.test(l))).toHaveLength(0)
    expect(again.filter(l => /^Registered code /.test(l))).toHaveLength(0)
    // The same three versions, no code blob written again.
    expect(new Set(requests('PUT', /\/components\/azureml_anonymous\/versions\/[^/]+$/).map(r => r.path))).toEqual(
      new Set(componentPuts.map(r => r.path))
    )
    expect(requests('PUT', /\/codes\//)).toHaveLength(0)
  }, 120_000)

  it('a failing step fails the action, naming the step and its own error', async () => {
    const result = await step(pipelineInputs(['inputs.max_mse=0.0001']))
    expect(result.exitCode).toBe(1)
    expect(result.outputs.status).toBe('Failed')
    expect(errorOf(result)).toMatch(/ended Failed: step evaluate \(job [\w-]+\) failed/)
    expect(JSON.parse(result.outputs.childJobs)).toMatchObject({
      prepare: { status: 'Completed' },
      train: { status: 'Completed' },
      evaluate: { status: 'Failed' }
    })
  }, 120_000)

  it('cancel-job cancels a pipeline submitted without waiting', async () => {
    const submitted = await step(pipelineInputs([], { wait: 'false' }))
    expect(submitted.exitCode).toBe(0)
    const name = submitted.outputs.jobName
    const cancelled = await step({ operation: 'cancel-job', ...workspaceInputs(emu), 'job-name': name })
    expect(cancelled.exitCode).toBe(0)
    // The pipeline takes several seconds (three steps one after another): still running when cancel-job starts.
    expect(cancelled.outputs.status).toBe('Canceled')
    expect(cancelled.stdout).toContain(`Cancel requested for pipeline job ${name}`)
    expect(requests('POST', new RegExp(`/jobs/${name}/cancel$`))).toHaveLength(1)
  }, 120_000)
})
