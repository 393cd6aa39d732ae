/**
 * Experiment runs end to end: the bundle (dist/index.js, dist/post/index.js) under Node 24 against the emulator, which
 * really runs the uploaded scripts with python3.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Emulator } from '../../emulator/index.js'
import { ROOT } from '../../demo/runner.js'
import { emulatorForTests, errorOf, step, workspaceInputs } from './helpers.js'

const FIXTURES = resolve(ROOT, '__tests__/e2e/fixtures/runs')
const HELLO = resolve(ROOT, 'examples/hello')

let emu: Emulator
let scratch: string
beforeAll(async () => {
  emu = await emulatorForTests()
  scratch = mkdtempSync(join(tmpdir(), 'aml-runs-e2e-'))
})
afterAll(async () => {
  await emu?.close()
  rmSync(scratch, { recursive: true, force: true })
})
beforeEach(() => emu.reset())

function runInputs(extra: Record<string, string>): Record<string, string> {
  return {
    operation: 'start-run',
    ...workspaceInputs(emu),
    'experiment-name': 'e2e-runs',
    'compute-target': emu.seed.computeName,
    ...extra
  }
}

interface AdminRun {
  runId: string
  status: string
  snapshotEntries: string[]
  arguments: string[]
  history: { status: string; time: string }[]
}

async function adminRun(runId: string): Promise<AdminRun> {
  const response = await fetch(`${emu.url}/_emulator/runs/${encodeURIComponent(runId)}`)
  expect(response.status).toBe(200)
  return (await response.json()) as AdminRun
}

async function adminRuns(): Promise<AdminRun[]> {
  return (await (await fetch(`${emu.url}/_emulator/runs`)).json()) as AdminRun[]
}

async function waitForStatus(runId: string, status: string, withinMs: number): Promise<number> {
  const start = Date.now()
  while (Date.now() - start < withinMs) {
    if ((await adminRun(runId)).status === status) return Date.now()
    await new Promise(r => setTimeout(r, 50))
  }
  throw new Error(`run ${runId} is ${(await adminRun(runId)).status}, not ${status}, after ${withinMs} ms`)
}

const startRunPosts = () => emu.requests.filter(r => r.method === 'POST' && /\/startrun$/.test(r.path))
describe('start-run', () => {
  it("runs the guide's hello.py to Completed: log streamed once, outputs, state and summary", async () => {
    const result = await step(
      runInputs({ 'source-directory': HELLO, script: 'hello.py', arguments: '234\n\n  two words  ' })
    )
    expect(result.stderr).toBe('')
    expect(result.exitCode).toBe(0)
    const { runId } = result.outputs
    expect(runId).toMatch(/^e2e-runs_\d{13}$/)
    expect(result.outputs.status).toBe('Completed')
    expect(result.outputs.portalUrl).toBe(
      `https://ml.azure.com/runs/${runId}?wsid=/subscriptions/${emu.seed.subscriptionId}/resourceGroups/` +
        `${emu.seed.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${emu.seed.workspaceName}`
    )
    expect(JSON.parse(result.outputs.response).status).toBe('Completed')

    // The script's output, each line once, inside ::stop-commands:: ... ::token::.
    const lines = result.stdout.split('\n')
    expect(lines.filter(l => l === 'Hello, REST!')).toHaveLength(1)
    expect(lines.filter(l => l === 'argument 1: 234')).toHaveLength(1)
    expect(lines.filter(l => l === 'argument 2: two words')).toHaveLength(1)
    const at = lines.indexOf('Hello, REST!')
    const open = lines
      .slice(0, at)
      .reverse()
      .find(l => l.startsWith('::stop-commands::'))
    expect(open).toBeDefined()
    const token = (open as string).slice('::stop-commands::'.length)
    expect(lines.indexOf(`::${token}::`)).toBeGreaterThan(at)

    // Sent as the guide sends it: multipart with a client-chosen runId, the definition in the guide's shape.
    const [post] = startRunPosts()
    expect(post.query.runId).toBe(runId)
    expect(post.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/)
    expect(Number(post.headers['content-length'])).toBeGreaterThan(0)
    expect(post.body).toMatch(/runDefinitionFile \(filename=runDefinition.json/)
    expect(post.body).toContain('"Script": "hello.py"')
    expect(post.body).toMatch(/projectZipFile \(filename=project.zip/)
    const run = await adminRun(runId)
    expect(run.arguments).toEqual(['234', 'two words'])
    expect(run.snapshotEntries).toEqual(['hello.py'])

    expect(result.state).toMatchObject({ runId, experimentName: 'e2e-runs', runOutcome: 'finished' })
    expect(JSON.stringify(result.state)).not.toContain(emu.seed.clientSecret)
    expect(result.summary).toContain('Completed')
    expect(result.summary).toContain('Duration')
    expect(result.summary).toContain(`https://ml.azure.com/runs/${runId}`)
  })

  it('keeps commands printed by the run as text, and streams a log that grows over several polls', async () => {
    const result = await step(
      runInputs({
        'source-directory': join(FIXTURES, 'commands'),
        script: 'train.py',
        arguments: '3',
        'run-id': 'cmd-run-1'
      })
    )
    expect(result.exitCode).toBe(0)
    expect(result.outputs.runId).toBe('cmd-run-1')
    expect(result.outputs.status).toBe('Completed')
    expect(result.commands.some(c => c.value.includes('not a command from the run'))).toBe(false)
    const lines = result.stdout.split('\n')
    for (const line of ['Hello, REST!', '::error::not a command from the run', 'done', 'résumé ✓ résumé ✓ résumé ✓ ']) {
      expect(lines.filter(l => l === line)).toHaveLength(1)
    }
    expect(lines.filter(l => l.startsWith('::stop-commands::')).length).toBeGreaterThanOrEqual(2)
  })

  it('fails the step with the run’s own error when the script fails, outputs set', async () => {
    const result = await step(runInputs({ 'source-directory': join(FIXTURES, 'fail'), script: 'train.py' }))
    expect(result.exitCode).toBe(1)
    expect(result.outputs.runId).toMatch(/^e2e-runs_/)
    expect(result.outputs.status).toBe('Failed')
    expect(errorOf(result)).toMatch(/ended Failed: UserError: User program failed with ValueError: the learning rate/)
    expect(result.stdout.split('\n').filter(l => l === 'loading data')).toHaveLength(1)
    expect(result.state.runOutcome).toBe('finished')
    expect(result.summary).toContain('Failed')
  })

  it('honours .amlignore and never follows a symlink out of the folder (the zip the emulator received)', async () => {
    const outside = join(scratch, 'outside')
    mkdirSync(outside, { recursive: true })
    writeFileSync(join(outside, 'secret.txt'), 'not for the snapshot')
    const src = join(scratch, 'amlignore-src')
    mkdirSync(join(src, 'data'), { recursive: true })
    mkdirSync(join(src, 'pkg'), { recursive: true })
    writeFileSync(join(src, 'train.py'), 'import pkg.util\nprint("trained")\n')
    writeFileSync(join(src, 'pkg', '__init__.py'), '')
    writeFileSync(join(src, 'pkg', 'util.py'), 'X = 1\n')
    writeFileSync(join(src, 'data', 'big.csv'), 'a,b\n1,2\n')
    writeFileSync(join(src, 'debug.log'), 'noise\n')
    writeFileSync(join(src, '.gitignore'), 'pkg/\n')
    writeFileSync(join(src, '.amlignore'), 'data/\n*.log\n')
    symlinkSync(join(outside, 'secret.txt'), join(src, 'link-out.txt'))
    symlinkSync(outside, join(src, 'dir-out'))

    const result = await step(runInputs({ 'source-directory': src, script: 'train.py' }))
    expect(result.exitCode).toBe(0)
    const entries = (await adminRun(result.outputs.runId)).snapshotEntries
    // .amlignore wins over .gitignore: pkg/ (only in .gitignore) is packed, data/ and *.log are not.
    expect(entries).toEqual(expect.arrayContaining(['train.py', 'pkg/util.py', '.amlignore']))
    expect(entries.some(e => e.startsWith('data/') || e.endsWith('.log'))).toBe(false)
    expect(entries.some(e => e.includes('link-out') || e.includes('dir-out') || e.includes('secret'))).toBe(false)
    expect(result.commands.some(c => c.command === 'warning' && /link-out\.txt/.test(c.value))).toBe(true)
  })

  it('a connection reset after the startrun POST was processed: the run is looked up by its runId, no second POST', async () => {
    emu.faults.add({ match: { operationId: 'Runs_StartRun' }, kind: 'reset-after-body', times: 1 })
    const result = await step(runInputs({ 'source-directory': HELLO, script: 'hello.py' }))
    expect(result.exitCode).toBe(0)
    expect(result.outputs.status).toBe('Completed')
    const posts = startRunPosts()
    expect(posts).toHaveLength(1)
    expect(posts[0].status).toBe(0)
    expect(result.outputs.runId).toBe(posts[0].query.runId)
    const runs = (await adminRuns()).filter(r => r.runId.startsWith('e2e-runs'))
    expect(runs.map(r => r.runId)).toEqual([result.outputs.runId])
  })

  it('a token that dies mid-poll is refreshed and the run is followed to the end', async () => {
    emu.faults.add({ match: { operationId: 'Entra_Token' }, kind: 'token-lifetime', tokenLifetimeSeconds: 1 })
    const result = await step(
      runInputs({ 'source-directory': join(FIXTURES, 'commands'), script: 'train.py', arguments: '3' })
    )
    expect(result.exitCode).toBe(0)
    expect(result.outputs.status).toBe('Completed')
    expect(emu.requests.filter(r => r.operationId === 'Entra_Token').length).toBeGreaterThanOrEqual(2)
    expect(emu.requests.some(r => r.status === 401)).toBe(true)
  })

  it('refuses an oversize snapshot before any request, naming the limit and .amlignore', async () => {
    const src = join(scratch, 'too-many')
    mkdirSync(join(src, 'many'), { recursive: true })
    writeFileSync(join(src, 'train.py'), 'print(1)\n')
    for (let i = 0; i < 2001; i++) writeFileSync(join(src, 'many', `f${i}.txt`), 'x')
    const result = await step(runInputs({ 'source-directory': src, script: 'train.py' }))
    expect(result.exitCode).toBe(1)
    expect(errorOf(result)).toMatch(/limit 2,000/)
    expect(errorOf(result)).toMatch(/\.amlignore/)
    expect(emu.requests).toHaveLength(0)
  })

  it('refuses a missing entry script and malformed run-definition before any request', async () => {
    const missing = await step(runInputs({ 'source-directory': HELLO, script: 'train.py' }))
    expect(missing.exitCode).toBe(1)
    expect(errorOf(missing)).toMatch(/Input 'script'/)
    const malformed = await step(runInputs({ 'source-directory': HELLO, 'run-definition': '{"Configuration": {' }))
    expect(malformed.exitCode).toBe(1)
    expect(errorOf(malformed)).toMatch(/Input 'run-definition': not valid JSON/)
    expect(emu.requests).toHaveLength(0)
  })

  it('takes a run-definition (inline JSON) with compute-target and arguments overriding it', async () => {
    const definition = JSON.stringify({
      Configuration: { Script: 'hello.py', Arguments: ['from-definition'], Target: 'no-such-compute', NodeCount: 1 }
    })
    const result = await step(
      runInputs({ 'source-directory': HELLO, 'run-definition': definition, arguments: 'override' })
    )
    expect(result.exitCode).toBe(0)
    const run = await adminRun(result.outputs.runId)
    expect(run.arguments).toEqual(['override'])
  })
})

describe('cancellation', () => {
  it('SIGINT during the poll cancels the run within 5 s and fails the step', async () => {
    let signalledAt = 0
    const result = await step(runInputs({ 'source-directory': join(FIXTURES, 'slow'), script: 'slow.py' }), {
      signal: {
        name: 'SIGINT',
        when: out => {
          const ready = /^tick \d+$/m.test(out)
          if (ready && !signalledAt) signalledAt = Date.now()
          return ready
        }
      }
    })
    const exitedAt = Date.now()
    expect(result.exitCode).not.toBe(0)
    expect(signalledAt).toBeGreaterThan(0)
    expect(exitedAt - signalledAt).toBeLessThan(5_000)
    const runId = result.outputs.runId
    await waitForStatus(runId, 'Canceled', 3_000)
    const cancel = emu.requests.find(r => r.method === 'POST' && r.path.endsWith(`/runId/${runId}/cancel`))
    expect(cancel?.status).toBe(200)
    expect(errorOf(result)).toMatch(/workflow was cancelled \(SIGINT\).*the run was cancelled/)
    expect(result.state.runOutcome).toBe('cancelled')
  })

  it('the post step cancels a run that main left in flight (wait: false), and does nothing for a finished one', async () => {
    const main = await step(runInputs({ 'source-directory': join(FIXTURES, 'slow'), script: 'slow.py', wait: 'false' }))
    expect(main.exitCode).toBe(0)
    const runId = main.outputs.runId
    expect(main.state).toMatchObject({ runId, runOutcome: 'in-flight' })
    expect(['NotStarted', 'Queued', 'Preparing', 'Running']).toContain(main.outputs.status)

    const inputs = runInputs({ 'source-directory': join(FIXTURES, 'slow'), script: 'slow.py', wait: 'false' })
    const post = await step(inputs, { entry: 'dist/post/index.js', stateFrom: main })
    expect(post.exitCode).toBe(0)
    expect(post.stdout).toMatch(/is still \w+ at the end of the job: cancelling it/)
    await waitForStatus(runId, 'Canceled', 5_000)

    const finished = await step(runInputs({ 'source-directory': HELLO, script: 'hello.py' }))
    expect(finished.exitCode).toBe(0)
    emu.requests.length = 0
    const idle = await step(runInputs({ 'source-directory': HELLO, script: 'hello.py' }), {
      entry: 'dist/post/index.js',
      stateFrom: finished
    })
    expect(idle.exitCode).toBe(0)
    expect(idle.stdout).toMatch(/nothing to clean up/)
    expect(emu.requests).toHaveLength(0)
  })

  it('the post step cancels a run whose main step was killed outright (SIGKILL)', async () => {
    const inputs = runInputs({ 'source-directory': join(FIXTURES, 'slow'), script: 'slow.py' })
    const main = await step(inputs, { signal: { name: 'SIGKILL', when: out => /^tick \d+$/m.test(out) } })
    expect(main.exitCode).not.toBe(0)
    const runId = main.state.runId
    expect(main.state.runOutcome).toBe('in-flight')
    expect((await adminRun(runId)).status).toBe('Running')
    const post = await step(inputs, { entry: 'dist/post/index.js', stateFrom: main })
    expect(post.exitCode).toBe(0)
    await waitForStatus(runId, 'Canceled', 5_000)
  })
})

describe('poll-run and cancel-run', () => {
  it('poll-run follows an existing run; cancel-run cancels one', async () => {
    const started = await step(
      runInputs({ 'source-directory': join(FIXTURES, 'slow'), script: 'slow.py', wait: 'false' })
    )
    const runId = started.outputs.runId
    const base = { ...workspaceInputs(emu), 'experiment-name': 'e2e-runs', 'run-id': runId }
    const cancelled = await step({ operation: 'cancel-run', ...base })
    expect(cancelled.exitCode).toBe(0)
    expect(cancelled.outputs.runId).toBe(runId)
    expect(['CancelRequested', 'Canceled']).toContain(cancelled.outputs.status)
    const polled = await step({ operation: 'poll-run', ...base })
    expect(polled.exitCode).toBe(1)
    expect(polled.outputs.status).toBe('Canceled')
    expect(errorOf(polled)).toMatch(/ended Canceled/)

    const seeded = await step({
      operation: 'poll-run',
      ...workspaceInputs(emu),
      'experiment-name': emu.seed.experimentName,
      'run-id': emu.seed.runId
    })
    expect(seeded.exitCode).toBe(0)
    expect(seeded.outputs.status).toBe('Completed')
    expect(seeded.stdout.split('\n').filter(l => l === 'Hello, REST!')).toHaveLength(1)
  })

  it('poll-run fails at timeout-minutes saying the run is still running, and cancels it with cancel-on-timeout', async () => {
    emu.faults.add({ match: { operationId: 'Runs_StartRun' }, kind: 'run-stuck', runStatus: 'Queued', times: 2 })
    const a = await step(runInputs({ 'source-directory': HELLO, script: 'hello.py', wait: 'false' }))
    const base = { ...workspaceInputs(emu), 'experiment-name': 'e2e-runs', 'timeout-minutes': '0.05' }
    const left = await step({ operation: 'poll-run', ...base, 'run-id': a.outputs.runId })
    expect(left.exitCode).toBe(1)
    expect(errorOf(left)).toMatch(/is still Queued after 0.05 minutes.*keeps running/)
    expect(left.state.runOutcome).toBe('left-running')
    expect((await adminRun(a.outputs.runId)).status).toBe('Queued')

    const b = await step(runInputs({ 'source-directory': HELLO, script: 'hello.py', wait: 'false' }))
    const cancelled = await step({
      operation: 'poll-run',
      ...base,
      'run-id': b.outputs.runId,
      'cancel-on-timeout': 'true'
    })
    expect(cancelled.exitCode).toBe(1)
    expect(errorOf(cancelled)).toMatch(/cancelled it \(cancel-on-timeout\)/)
    await waitForStatus(b.outputs.runId, 'Canceled', 3_000)
  })
})
