/**
 * v2 jobs end to end: the bundle (dist/index.js, dist/post/index.js) under Node 24 against the emulator, which really
 * runs the job's command (code and inputs fetched from Azurite blobs) and writes its log to a blob as it runs.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEFAULT_CONFIG } from '../../emulator/config.js'
import type { Emulator } from '../../emulator/index.js'
import { emulatorForTests, errorOf, serviceRequests, step, visibleLines, workspaceInputs } from './helpers.js'

const TRAIN = 'examples/jobs/train/job.yml'
const HELLO = 'examples/jobs/hello.yml'
const SLEEPY = '__tests__/e2e/fixtures/jobs/sleepy/job.yml'
const FAILING = '__tests__/e2e/fixtures/jobs/failing/job.yml'

let emu: Emulator
let scratch: string
beforeAll(async () => {
  emu = await emulatorForTests()
  scratch = mkdtempSync(join(tmpdir(), 'aml-jobs-e2e-'))
})
afterAll(async () => {
  await emu?.close()
  rmSync(scratch, { recursive: true, force: true })
})
beforeEach(() => {
  emu.reset()
  Object.assign(emu.config.delays, DEFAULT_CONFIG.delays)
  emu.config.jobLogLayout = DEFAULT_CONFIG.jobLogLayout
})

function jobInputs(job: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    operation: 'submit-job',
    ...workspaceInputs(emu),
    job,
    set: `compute=azureml:${emu.seed.computeName}`,
    ...extra
  }
}

const jobPuts = () => emu.requests.filter(r => r.method === 'PUT' && /\/jobs\/[^/]+$/.test(r.path))
const pendingUploads = () => emu.requests.filter(r => /\/startPendingUpload$/.test(r.path))

async function jobStatus(name: string): Promise<string> {
  const token = await (
    await fetch(`${emu.url}/${emu.seed.tenantId}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: emu.seed.clientId,
        client_secret: emu.seed.clientSecret,
        resource: `${emu.url}/`
      })
    })
  ).json()
  const ws =
    `/subscriptions/${emu.seed.subscriptionId}/resourceGroups/${emu.seed.resourceGroup}` +
    `/providers/Microsoft.MachineLearningServices/workspaces/${emu.seed.workspaceName}`
  const response = await fetch(`${emu.url}${ws}/jobs/${name}?api-version=2024-04-01`, {
    headers: { authorization: `Bearer ${(token as { access_token: string }).access_token}` }
  })
  return ((await response.json()) as { properties: { status: string } }).properties.status
}

/** Waits (up to 30 s) until the job is in `status`. */
async function untilStatus(name: string, status: string): Promise<void> {
  const until = Date.now() + 30_000
  for (let now = ''; now !== status; now = await jobStatus(name)) {
    if (Date.now() > until) throw new Error(`job ${name} never reached ${status} (last ${now})`)
    await new Promise(resolve => setTimeout(resolve, 100))
  }
}

const cancelPosts = () => emu.requests.filter(r => r.method === 'POST' && /\/jobs\/[^/]+\/cancel$/.test(r.path))

describe('submit-job', () => {
  it('runs the training job to Completed: code and data uploaded, log streamed once, outputs and summary', async () => {
    const result = await step(jobInputs(TRAIN), {
      env: { GITHUB_REPOSITORY: 'octo/ml-repo', GITHUB_RUN_ID: '4242', GITHUB_RUN_ATTEMPT: '2', GITHUB_SHA: 'abc123' }
    })
    expect(result.stderr).toBe('')
    expect(result.exitCode).toBe(0)
    expect(result.outputs.jobName).toMatch(/^job_\d{8}_\d{6}_[0-9a-f]{8}$/)
    expect(result.outputs.status).toBe('Completed')
    expect(result.outputs.portalUrl).toContain(`/runs/${result.outputs.jobName}`)
    expect(JSON.parse(result.outputs.response).properties.status).toBe('Completed')
    const lines = visibleLines(result.stdout)
    // The job's own output, once, inside stop-commands.
    expect(lines.filter(l => l.startsWith('model: w='))).toHaveLength(1)
    const stop = lines.findIndex(l => l.startsWith('::stop-commands::'))
    expect(stop).toBeGreaterThan(-1)
    expect(lines.indexOf(lines.find(l => l.startsWith('model: w=')) as string)).toBeGreaterThan(stop)
    expect(pendingUploads()).toHaveLength(1)
    expect(jobPuts()).toHaveLength(1)
    // The job body: code and environment by id, the data as a datastore URI, provenance tags.
    const body = JSON.parse(jobPuts()[0].body) as { properties: Record<string, unknown> }
    expect(body.properties.codeId).toMatch(/\/codes\/[0-9a-f-]{36}\/versions\/1$/)
    expect(body.properties.environmentId).toMatch(/\/environments\/CliV2AnonymousEnvironment\/versions\/[0-9a-f]{32}$/)
    expect(JSON.stringify(body.properties.inputs)).toContain(
      'azureml://datastores/workspaceblobstore/paths/LocalUpload/'
    )
    const tags = body.properties.tags as Record<string, string>
    expect(tags.example).toBe('train')
    expect(tags['github.repository']).toBe('octo/ml-repo')
    expect(tags['github.run_url']).toBe('https://github.com/octo/ml-repo/actions/runs/4242/attempts/2')
    expect(tags['github.sha']).toBe('abc123')
    // The experiment comes from the YAML; without one, the repository's name (as az ml takes the folder's).
    expect(body.properties.experimentName).toBe('train-linear-model')
    expect(result.summary).toContain('Completed')
  })

  it('uploads nothing the second time for an unchanged folder, and applies set lines', async () => {
    const first = await step(jobInputs(TRAIN))
    expect(first.exitCode).toBe(0)
    const uploadsBefore = pendingUploads().length
    const second = await step(jobInputs(TRAIN, { set: `compute=azureml:${emu.seed.computeName}\ninputs.epochs=50` }))
    expect(second.exitCode).toBe(0)
    expect(pendingUploads().length).toBe(uploadsBefore)
    expect(second.stdout).toContain('nothing to upload')
    expect(visibleLines(second.stdout).filter(l => /^epoch \d+:/.test(l))).toEqual(['epoch 50: mse 0.2006'])
  })

  it('fails with the job’s own error when the command fails, status Failed', async () => {
    const result = await step(jobInputs(FAILING))
    expect(result.exitCode).toBe(1)
    expect(result.outputs.status).toBe('Failed')
    expect(errorOf(result)).toMatch(/Job \S+ ended Failed: .*exited with status code 3.*boom: the data was empty/)
    expect(visibleLines(result.stdout)).toContain('about to fail')
  })

  it('refuses a YAML error before any request, naming the file, line and field', async () => {
    const bad = join(scratch, 'bad.yml')
    writeFileSync(bad, 'type: command\ncomand: echo hi\nenvironment:\n  image: python:3.11\n')
    const result = await step(jobInputs(bad))
    expect(result.exitCode).toBe(1)
    expect(errorOf(result)).toContain("Input 'job'")
    expect(errorOf(result)).toMatch(/bad\.yml:2: comand: unknown field 'comand' \(did you mean 'command'\?\)/)
    expect(serviceRequests(emu)).toEqual([])
  })

  it('refuses a compute that does not exist before uploading anything or creating the job', async () => {
    const result = await step(jobInputs(TRAIN, { set: 'compute=azureml:no-such-cluster' }))
    expect(result.exitCode).toBe(1)
    expect(errorOf(result)).toMatch(
      /Input 'set': line 1 \(compute=azureml:no-such-cluster\): compute: the compute 'no-such-cluster' does not exist/
    )
    expect(pendingUploads()).toEqual([])
    expect(jobPuts()).toEqual([])
  })

  it('refuses an environment version that does not exist, before any upload', async () => {
    const result = await step(
      jobInputs(TRAIN, { set: `compute=azureml:${emu.seed.computeName}\nenvironment=azureml:nope:3` })
    )
    expect(result.exitCode).toBe(1)
    expect(errorOf(result)).toMatch(/environment 'nope' version 3 does not exist/)
    expect(pendingUploads()).toEqual([])
    expect(jobPuts()).toEqual([])
  })

  it('with wait false returns at once, and the post step cancels the job it left running', async () => {
    const main = await step(jobInputs(SLEEPY, { wait: 'false' }))
    expect(main.exitCode).toBe(0)
    const name = main.outputs.jobName
    expect(main.state.jobName).toBe(name)
    const post = await step(jobInputs(SLEEPY, { wait: 'false' }), { entry: 'dist/post/index.js', stateFrom: main })
    expect(post.exitCode).toBe(0)
    expect(post.stdout).toContain(`cancelling it`)
    expect(['CancelRequested', 'Canceled']).toContain(await jobStatus(name))
  })

  it('cancels the job within 5 s when the workflow is cancelled (SIGINT)', async () => {
    const result = await step(jobInputs(SLEEPY), {
      signal: { name: 'SIGINT', when: out => out.includes('tick 1') }
    })
    expect(result.exitCode).toBe(1)
    expect(errorOf(result)).toMatch(/workflow was cancelled \(SIGINT\).*cancel requested; it goes CancelRequested/)
    expect(result.outputs.status).toBe('CancelRequested')
    const cancels = emu.requests.filter(r => r.method === 'POST' && /\/jobs\/[^/]+\/cancel$/.test(r.path))
    expect(cancels).toHaveLength(1)
  })

  it('a workflow cancelled while the job is Finalizing: says it cannot be cancelled now; the post step looks again', async () => {
    emu.config.delays.jobFinalizingMs = 60_000
    const main = await step(jobInputs(HELLO), {
      signal: { name: 'SIGINT', when: out => /Job \S+: Finalizing/.test(out) }
    })
    const name = main.outputs.jobName
    expect(main.exitCode).toBe(1)
    const error = errorOf(main)
    expect(error).toMatch(/workflow was cancelled \(SIGINT\) while job \S+ was in progress/)
    expect(error).toMatch(
      /is Finalizing .*cannot be cancelled now and will end on its own: https:\/\/ml\.azure\.com\/runs\//
    )
    expect(error).toMatch(/The post step looks at it again/)
    expect(main.stdout).not.toMatch(/the job was cancelled|job \S+ was cancelled|Cancel requested for job/i)
    expect(main.outputs.status).toBe('Finalizing')
    expect(cancelPosts()).toHaveLength(1)
    const post = await step(jobInputs(HELLO), { entry: 'dist/post/index.js', stateFrom: main })
    expect(post.exitCode).toBe(0)
    expect(post.stdout).toMatch(new RegExp(`Looked again: Job ${name} is Finalizing .*will end on its own`))
    // It looked (a GET after main's), and sent no cancel it knew would be refused.
    expect(cancelPosts()).toHaveLength(1)
    expect(await jobStatus(name)).toBe('Finalizing')
  })

  it('fails at timeout-minutes saying the job runs on, status set; with cancel-on-timeout it cancels it', async () => {
    const left = await step(jobInputs(SLEEPY, { 'timeout-minutes': '0.1' }))
    expect(left.exitCode).toBe(1)
    expect(errorOf(left)).toMatch(/still Running after 0.1 minutes .*keeps running/)
    expect(left.outputs.status).toBe('Running')
    const cancelled = await step(jobInputs(SLEEPY, { 'timeout-minutes': '0.1', 'cancel-on-timeout': 'true' }))
    expect(cancelled.exitCode).toBe(1)
    expect(errorOf(cancelled)).toMatch(/cancelled it \(cancel-on-timeout\)/)
  })

  it('on the older runtime’s log layout, follows the system log, then the user’s driver log: each line once, in order', async () => {
    emu.config.jobLogLayout = 'legacy'
    emu.config.delays.jobDriverLogAfterMs = 3_000
    const result = await step(jobInputs(SLEEPY, { set: `compute=azureml:${emu.seed.computeName}\ninputs.seconds=6` }))
    expect(result.exitCode).toBe(0)
    expect(result.outputs.status).toBe('Completed')
    const lines = visibleLines(result.stdout)
    const user = lines.filter(l => /^tick \d+$|^done$/.test(l))
    expect(user).toEqual(['tick 0', 'tick 1', 'tick 2', 'tick 3', 'tick 4', 'tick 5', 'done'])
    // The system log came first (listed before the driver log), then the switch, said once, before the user's lines.
    const system = lines.findIndex(l => l.includes('Starting the job on its node'))
    const switched = lines.findIndex(l =>
      l.includes("The job's log: now following azureml-logs/70_driver_log.txt (azureml-logs/55_azureml-execution")
    )
    expect(lines.filter(l => l.includes('now following'))).toHaveLength(1)
    expect(system).toBeGreaterThan(-1)
    expect(switched).toBeGreaterThan(system)
    expect(switched).toBeLessThan(lines.indexOf('tick 0'))
    expect(lines.join('\n')).not.toMatch(/sig=(?!\*\*\*)/)
  })

  it('dry-run prints the calls and creates nothing', async () => {
    const result = await step(jobInputs(HELLO, { 'dry-run': 'true' }))
    expect(result.exitCode).toBe(0)
    expect(jobPuts()).toEqual([])
    expect(result.stdout).toContain('curl')
    expect(result.stdout).toMatch(/dry-run: job \S+ was not created/)
  })
})

describe('poll-job and cancel-job', () => {
  it('poll-job follows a job to its end; cancel-job on an ended job succeeds with its own status', async () => {
    const started = await step(jobInputs(HELLO, { wait: 'false' }))
    const name = started.outputs.jobName
    const polled = await step({ operation: 'poll-job', ...workspaceInputs(emu), 'job-name': name })
    expect(polled.exitCode).toBe(0)
    expect(polled.outputs.status).toBe('Completed')
    expect(visibleLines(polled.stdout)).toContain('Hello, Azure ML!')
    const cancel = await step({ operation: 'cancel-job', ...workspaceInputs(emu), 'job-name': name })
    expect(cancel.exitCode).toBe(0)
    expect(cancel.outputs.status).toBe('Completed')
  })

  it('cancel-job cancels a running job and waits until it has ended', async () => {
    const started = await step(jobInputs(SLEEPY, { wait: 'false' }))
    const cancel = await step({ operation: 'cancel-job', ...workspaceInputs(emu), 'job-name': started.outputs.jobName })
    expect(cancel.exitCode).toBe(0)
    expect(cancel.outputs.status).toBe('Canceled')
  })

  it('cancel-job on a Finalizing job: success, status Finalizing, says it ends on its own; with wait, it ends', async () => {
    emu.config.delays.jobFinalizingMs = 10_000
    const started = await step(jobInputs(HELLO, { wait: 'false' }))
    const name = started.outputs.jobName
    await untilStatus(name, 'Finalizing')
    const cancel = await step({ operation: 'cancel-job', ...workspaceInputs(emu), 'job-name': name, wait: 'false' })
    expect(cancel.exitCode).toBe(0)
    expect(cancel.outputs.jobName).toBe(name)
    expect(cancel.outputs.status).toBe('Finalizing')
    expect(cancel.stdout).toMatch(
      new RegExp(`Job ${name} is Finalizing .*cannot be cancelled now and will end on its own`)
    )
    expect(cancel.stdout).toContain(`https://ml.azure.com/runs/${name}`)
    expect(cancel.stdout).not.toMatch(/was cancelled|Cancel requested/)
    // The emulator refused the cancel, as Azure does, and the job goes on to Completed.
    expect(cancelPosts()).toHaveLength(1)
    expect(cancelPosts()[0].status).toBe(400)
    const waited = await step({ operation: 'cancel-job', ...workspaceInputs(emu), 'job-name': name })
    expect(waited.exitCode).toBe(0)
    expect(waited.outputs.status).toBe('Completed')
  })

  it('cancel-job on a CancelRequested job: success, status CancelRequested, the cancel already under way', async () => {
    emu.config.delays.jobCancelRequestedMs = 60_000
    const started = await step(jobInputs(SLEEPY, { wait: 'false' }))
    const name = started.outputs.jobName
    await untilStatus(name, 'Running')
    const first = await step({ operation: 'cancel-job', ...workspaceInputs(emu), 'job-name': name, wait: 'false' })
    expect(first.exitCode).toBe(0)
    expect(first.outputs.status).toBe('CancelRequested')
    // This step's own cancel is not "already under way", though the job reads CancelRequested right after it.
    expect(first.stdout).toContain(`Cancel requested for job ${name}`)
    expect(first.stdout).not.toMatch(/already under way/)
    await untilStatus(name, 'CancelRequested')
    const second = await step({ operation: 'cancel-job', ...workspaceInputs(emu), 'job-name': name, wait: 'false' })
    expect(second.exitCode).toBe(0)
    expect(second.outputs.status).toBe('CancelRequested')
    expect(second.stdout).toMatch(new RegExp(`Job ${name} is CancelRequested: a cancel is already under way`))
    expect(await jobStatus(name)).toBe('CancelRequested')
  })

  it('poll-job of a job that does not exist fails clearly', async () => {
    const result = await step({ operation: 'poll-job', ...workspaceInputs(emu), 'job-name': 'no_such_job' })
    expect(result.exitCode).toBe(1)
    expect(errorOf(result)).toContain('Job no_such_job was not found')
  })
})
