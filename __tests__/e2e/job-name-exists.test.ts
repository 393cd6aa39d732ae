/**
 * A job name that already exists (a re-run of the workflow with `job-name`, or `name:` in the YAML), the bundle
 * against the emulator, which answers a PUT on an existing name as Azure does (not a new job: Azure/azure-sdk-for-python
 * PR #47389). submit-job looks the name up first: it fails before anything is uploaded or created, naming the job, its
 * status and its studio link; with `if-job-exists: follow` it follows that job to its end instead, creating nothing.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Emulator } from '../../emulator/index.js'
import { emulatorForTests, errorOf, step, workspaceInputs } from './helpers.js'

const TRAIN = 'examples/jobs/train/job.yml'
const SLEEPY = '__tests__/e2e/fixtures/jobs/sleepy/job.yml'
const FAILING = '__tests__/e2e/fixtures/jobs/failing/job.yml'

let emu: Emulator
let scratch: string
beforeAll(async () => {
  emu = await emulatorForTests()
  scratch = mkdtempSync(join(tmpdir(), 'aml-job-name-e2e-'))
})
afterAll(async () => {
  await emu?.close()
  rmSync(scratch, { recursive: true, force: true })
})
beforeEach(() => emu.reset())

function submit(job: string, extra: Record<string, string> = {}) {
  return step({
    operation: 'submit-job',
    ...workspaceInputs(emu),
    job,
    set: `compute=azureml:${emu.seed.computeName}`,
    ...extra
  })
}

/** The requests after the first `from`, token requests left out. */
const since = (from: number) => emu.requests.slice(from).filter(r => !r.path.includes('/oauth2/'))
const writes = (from: number) => since(from).filter(r => r.method !== 'GET')

describe('submit-job with a job name that already exists', () => {
  it('fails before any upload, naming the job, its status and its studio link, and how to go on', async () => {
    const name = `rerun-${Date.now().toString(36)}`
    const first = await submit(TRAIN, { 'job-name': name })
    expect(first.exitCode).toBe(0)
    const from = emu.requests.length
    const again = await submit(TRAIN, { 'job-name': name })
    expect(again.exitCode).toBe(1)
    const error = errorOf(again)
    expect(error).toContain(`Job ${name} already exists in workspace ${emu.seed.workspaceName}`)
    expect(error).toContain("its name comes from input 'job-name'")
    expect(error).toContain('status Completed')
    expect(error).toContain(`https://ml.azure.com/runs/${name}?wsid=`)
    expect(error).toMatch(/leave the name out .* or give another one; .* if-job-exists: follow/)
    // Only reads: the job looked up, nothing uploaded, no asset or job PUT; no output claims the old job as this run's.
    expect(writes(from)).toEqual([])
    expect(since(from).map(r => r.operationId)).toEqual(['Jobs_Get'])
    expect(again.outputs.jobName).toBeUndefined()
    expect(again.outputs.status).toBeUndefined()
    expect(again.state.jobName ?? '').toBe('')
  })

  it('names the YAML file, line and field when the name comes from name: in the YAML', async () => {
    const name = `yaml-named-${Date.now().toString(36)}`
    const source = readFileSync(resolve(SLEEPY), 'utf8').replace(
      'code: ./src',
      `code: ${resolve('__tests__/e2e/fixtures/jobs/sleepy/src')}`
    )
    const file = join(scratch, 'named.yml')
    writeFileSync(file, `type: command\nname: ${name}\n${source.replace(/^type: command\n/, '')}`)
    const first = await submit(file, {
      set: `compute=azureml:${emu.seed.computeName}\ninputs.seconds=0`,
      wait: 'false'
    })
    expect(first.exitCode).toBe(0)
    expect(first.outputs.jobName).toBe(name)
    const from = emu.requests.length
    const again = await submit(file)
    expect(again.exitCode).toBe(1)
    expect(errorOf(again)).toContain(`Job ${name} already exists`)
    expect(errorOf(again)).toContain(`its name comes from ${file}:2: name`)
    expect(writes(from)).toEqual([])
  })

  it('with if-job-exists: follow, follows the existing job to its end and passes by its status', async () => {
    const name = `follow-${Date.now().toString(36)}`
    const first = await submit(SLEEPY, {
      'job-name': name,
      set: `compute=azureml:${emu.seed.computeName}\ninputs.seconds=3`,
      wait: 'false'
    })
    expect(first.exitCode).toBe(0)
    const from = emu.requests.length
    const again = await submit(SLEEPY, { 'job-name': name, 'if-job-exists': 'follow' })
    expect(again.stderr).toBe('')
    expect(again.exitCode).toBe(0)
    expect(again.outputs).toMatchObject({ jobName: name, status: 'Completed' })
    expect(again.outputs.portalUrl).toContain(`/runs/${name}`)
    expect(JSON.parse(again.outputs.response).name).toBe(name)
    expect(again.stdout).toContain('if-job-exists: follow: following it')
    // Followed, not submitted: nothing written, and the post step knows the job (it cancels it if the run is cancelled).
    expect(writes(from)).toEqual([])
    expect(again.state.jobName).toBe(name)
  })

  it('with if-job-exists: follow, fails by the existing job’s status when it failed', async () => {
    const name = `follow-failed-${Date.now().toString(36)}`
    const first = await submit(FAILING, { 'job-name': name })
    expect(first.exitCode).toBe(1)
    expect(first.outputs.status).toBe('Failed')
    const from = emu.requests.length
    const again = await submit(FAILING, { 'job-name': name, 'if-job-exists': 'follow' })
    expect(again.exitCode).toBe(1)
    expect(again.outputs.status).toBe('Failed')
    expect(errorOf(again)).toMatch(new RegExp(`Job ${name} ended Failed`))
    expect(writes(from)).toEqual([])
  })
})
