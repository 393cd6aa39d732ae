/** The data plane: experiments, runs that really run (python3), cancel, logs (resources/runs.ts). */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { loadSpecs, type Emulator } from '../../emulator/index.js'
import {
  call,
  makeZip,
  runDefinition,
  runUrl,
  startFast,
  startRun,
  startRunForm,
  token,
  waitFor,
  waitForRunStatus,
  wsPath
} from './helpers.js'

let emu: Emulator
let tok: string
beforeAll(async () => {
  emu = await startFast()
  tok = await token(emu)
})
afterAll(() => emu.close())
beforeEach(() => emu.reset())

const history = (rest: string): string => `${emu.apiUrl}/history/v1.0${wsPath(emu)}${rest}`
const HELLO = { 'hello.py': 'import sys\nprint("Hello, REST!")\nprint("args:", sys.argv[1:])\n' }

async function logOf(runId: string, exp = 'emulator-tests', range?: string): Promise<{ status: number; text: string }> {
  const details = await call(`${runUrl(emu, runId, exp)}/details`, { token: tok })
  const url = details.json.logFiles['azureml-logs/70_driver_log.txt'] as string
  const a = await call(url, range ? { headers: { Range: range } } : {})
  return { status: a.status, text: a.text }
}

describe('experiments', () => {
  it('lists them as the guide shows (GET .../experiments, not in the spec), by query, and one by name', async () => {
    const list = await call(history('/experiments?api-version=2019-11-01'), { token: tok })
    expect(list.status).toBe(200)
    expect(list.json.value.map((e: { name: string }) => e.name)).toEqual([emu.seed.experimentName])
    expect(list.json.value[0].latestCreatedRunId).toBe(emu.seed.runId)
    const query = await call(history('/experiments:query'), { method: 'POST', token: tok, body: { top: 10 } })
    expect(query.json.value).toHaveLength(1)
    const none = await call(history('/experiments:query'), { method: 'POST', token: tok })
    expect(none.status).toBe(200)
    const one = await call(history(`/experiments/${emu.seed.experimentName}`), { token: tok })
    expect(one.json.name).toBe(emu.seed.experimentName)
    const missing = await call(history('/experiments/nope'), { token: tok })
    expect(missing.status).toBe(404)
    expect(missing.json.error).toMatchObject({ code: 'UserError', innerError: { code: 'NotFoundError' } })
    const badQuery = await call(history('/experiments:query'), { method: 'POST', token: tok, body: { top: 'ten' } })
    expect(badQuery.status).toBe(400)
    expect(badQuery.json.error.message).toContain('Experiments_GetByQuery')
    expect(badQuery.json.error.message).toContain('top must be integer')
  })

  it('the seeded run is Completed with its log', async () => {
    const run = await call(runUrl(emu, emu.seed.runId, emu.seed.experimentName), { token: tok })
    expect(run.json).toMatchObject({ runId: emu.seed.runId, status: 'Completed', target: emu.seed.computeName })
    expect((await logOf(emu.seed.runId, emu.seed.experimentName)).text).toBe('Hello, REST!\n')
  })

  it('refuses a malformed subscription id, as the data-plane spec types it as a uuid', async () => {
    const a = await call(
      `${emu.apiUrl}/history/v1.0/subscriptions/not-a-guid/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w/experiments/e`,
      { token: tok }
    )
    expect(a.status).toBe(400)
    expect(a.json.error.message).toContain("path parameter 'subscriptionId' = 'not-a-guid' must match format \"uuid\"")
  })
})

describe('runs', () => {
  it('a run of the guide hello.py goes NotStarted → Queued → Preparing → Running → Completed with its output logged', async () => {
    const started = await startRun(emu, tok, HELLO, runDefinition('hello.py', ['234']), { runId: 'hello_1' })
    expect(started.status).toBe(200)
    expect(started.json).toEqual({ runId: 'hello_1' })
    const done = await waitForRunStatus(emu, tok, 'hello_1', ['Completed', 'Failed'])
    expect(done.json.status).toBe('Completed')
    expect(Date.parse(done.json.endTimeUtc)).toBeGreaterThanOrEqual(Date.parse(done.json.startTimeUtc))
    const log = await logOf('hello_1')
    expect(log.text).toBe("Hello, REST!\nargs: ['234']\n")
    const admin = await call(`${emu.url}/_emulator/runs/hello_1`)
    expect(admin.json.history.map((h: { status: string }) => h.status)).toEqual([
      'NotStarted',
      'Queued',
      'Preparing',
      'Running',
      'Completed'
    ])
    expect(admin.json.snapshotEntries).toEqual(['hello.py'])
    // The new experiment exists now.
    expect((await call(history('/experiments/emulator-tests'), { token: tok })).json.latestCreatedRunId).toBe('hello_1')
    const specs = await loadSpecs()
    expect(specs.validateResponse('Runs_Get', 200, done.json)).toEqual([])
  })

  it('a failing script ends Failed with its last stderr line in the error, and its log served (with Range)', async () => {
    const files = { 'train.py': 'print("epoch 1", flush=True)\nraise ValueError("bad learning rate")\n' }
    await startRun(emu, tok, files, runDefinition('train.py'), { runId: 'fail_1' })
    const done = await waitForRunStatus(emu, tok, 'fail_1', ['Completed', 'Failed'])
    expect(done.json.status).toBe('Failed')
    expect(done.json.error.error).toEqual({
      code: 'UserError',
      message: 'User program failed with ValueError: bad learning rate'
    })
    const details = await call(`${runUrl(emu, 'fail_1')}/details`, { token: tok })
    expect(details.json.error.error.code).toBe('UserError')
    const log = await logOf('fail_1')
    expect(log.text).toContain('epoch 1\n')
    expect(log.text).toContain('Traceback (most recent call last)')
    const tail = await logOf('fail_1', 'emulator-tests', 'bytes=8-')
    expect(tail.status).toBe(206)
    expect(log.text.slice(8)).toBe(tail.text)
    const beyond = await logOf('fail_1', 'emulator-tests', `bytes=${Buffer.byteLength(log.text)}-`)
    expect(beyond.status).toBe(416)
  })

  it('the log URL needs its signature', async () => {
    const details = await call(`${runUrl(emu, emu.seed.runId, emu.seed.experimentName)}/details`, { token: tok })
    const url = new URL(details.json.logFiles['azureml-logs/70_driver_log.txt'])
    url.searchParams.set('sig', 'forged')
    const a = await call(url.toString())
    expect(a.status).toBe(403)
    expect(a.text).toContain('AuthenticationFailed')
  })

  it('startrun is idempotent on runId: a second POST returns the same run and starts no second one', async () => {
    const a = await startRun(emu, tok, HELLO, runDefinition('hello.py'), { runId: 'same_1' })
    const b = await startRun(emu, tok, HELLO, runDefinition('hello.py'), { runId: 'same_1' })
    expect(a.json).toEqual({ runId: 'same_1' })
    expect(b.json).toEqual({ runId: 'same_1' })
    const runs = await call(`${emu.url}/_emulator/runs`)
    expect(runs.json.filter((r: { runId: string }) => r.runId === 'same_1')).toHaveLength(1)
    // Without a runId, one is generated as {experiment}_{epoch ms}.
    const before = Date.now()
    const gen = await startRun(emu, tok, HELLO, runDefinition('hello.py'), { experiment: 'auto-exp' })
    const [, ms] = /^auto-exp_(\d{13})$/.exec(gen.json.runId) ?? []
    expect(Number(ms)).toBeGreaterThanOrEqual(before)
    await waitForRunStatus(emu, tok, 'same_1', ['Completed'])
  })

  it('a connection reset after the body was received still starts exactly one run; the retry gets it', async () => {
    emu.faults.add({ match: { operationId: 'Runs_StartRun' }, kind: 'reset-after-body' })
    await expect(startRun(emu, tok, HELLO, runDefinition('hello.py'), { runId: 'reset_1' })).rejects.toThrow()
    const retry = await startRun(emu, tok, HELLO, runDefinition('hello.py'), { runId: 'reset_1' })
    expect(retry.status).toBe(200)
    expect(retry.json).toEqual({ runId: 'reset_1' })
    const runs = (await call(`${emu.url}/_emulator/runs`)).json.filter((r: { runId: string }) => r.runId === 'reset_1')
    expect(runs).toHaveLength(1)
    expect(emu.requests.filter(r => r.operationId === 'Runs_StartRun').map(r => [r.status, r.fault])).toEqual([
      [0, 'reset-after-body'],
      [200, undefined]
    ])
  })

  it('refuses a snapshot without the entry script at its root, a bad definition, a missing part, an unknown target', async () => {
    const missing = await startRun(
      emu,
      tok,
      { 'src/hello.py': 'print(1)', 'README.md': 'x' },
      runDefinition('hello.py')
    )
    expect(missing.status).toBe(400)
    expect(missing.json.error.message).toContain(
      "The entry script 'hello.py' named in the run definition is not in the snapshot zip"
    )
    expect(missing.json.error.message).toContain('files at its root: README.md')

    const badDef = await startRun(emu, tok, HELLO, { Configuration: { Script: 'hello.py', Arguments: '234' } })
    expect(badDef.status).toBe(400)
    expect(badDef.json.error.code).toBe('SpecViolation')
    expect(badDef.json.error.message).toContain('configuration.arguments must be array')

    const target = await startRun(emu, tok, HELLO, runDefinition('hello.py', [], 'gpu-cluster'))
    expect(target.json.error.message).toContain("Compute target 'gpu-cluster' was not found")

    const form = new FormData()
    form.append('runDefinitionFile', new Blob([JSON.stringify(runDefinition('hello.py'))]), 'definition.json')
    const onePart = await call(`${emu.apiUrl}/execution/v1.0${wsPath(emu)}/experiments/e/startrun`, {
      method: 'POST',
      token: tok,
      body: form
    })
    expect(onePart.status).toBe(400)
    expect(onePart.json.error.message).toContain("required form field 'projectZipFile'")

    const badId = await startRun(emu, tok, HELLO, runDefinition('hello.py'), { runId: '-bad id' })
    expect(badId.status).toBe(400)
    expect(badId.json.error.message).toContain("query parameter 'runId'")

    const json = await call(`${emu.apiUrl}/execution/v1.0${wsPath(emu)}/experiments/e/startrun`, {
      method: 'POST',
      token: tok,
      body: runDefinition('hello.py')
    })
    expect(json.json.error.message).toContain('must be multipart/form-data')
  })

  it('records the zip entries (for .amlignore / symlink checks) and does not unpack symlinks', async () => {
    const zip = await makeZip(
      { 'hello.py': 'import os\nprint(os.path.exists("link"))\n', 'data/a.csv': '1,2' },
      { link: '/etc/passwd' }
    )
    const a = await call(`${emu.apiUrl}/execution/v1.0${wsPath(emu)}/experiments/emulator-tests/startrun?runId=sym_1`, {
      method: 'POST',
      token: tok,
      body: startRunForm(runDefinition('hello.py'), zip)
    })
    expect(a.status).toBe(200)
    const admin = await call(`${emu.url}/_emulator/runs/sym_1`)
    expect(admin.json.snapshotEntries.sort()).toEqual(['data/a.csv', 'hello.py', 'link'])
    await waitForRunStatus(emu, tok, 'sym_1', ['Completed'])
    expect((await logOf('sym_1')).text).toBe('False\n')
    const multipartLog = emu.requests.find(r => r.operationId === 'Runs_StartRun')!
    expect(multipartLog.body).toMatch(/^multipart\/form-data: runDefinitionFile \(filename=definition\.json/)
    expect(multipartLog.body).toContain('projectZipFile (filename=project.zip, application/zip,')
  })

  it('cancel kills a running script and ends the run Canceled; cancelling a finished run changes nothing', async () => {
    const files = { 'sleep.py': 'import time\nprint("started", flush=True)\ntime.sleep(30)\nprint("never")\n' }
    await startRun(emu, tok, files, runDefinition('sleep.py'), { runId: 'cancel_1' })
    await waitFor(async () =>
      (await logOf('cancel_1').catch(() => ({ text: '' }))).text.includes('started') ? true : undefined
    )
    const cancel = await call(
      `${emu.apiUrl}/execution/v1.0${wsPath(emu)}/experiments/emulator-tests/runId/cancel_1/cancel`,
      {
        method: 'POST',
        token: tok
      }
    )
    expect(cancel.status).toBe(200)
    expect(cancel.json).toEqual({ runId: 'cancel_1' })
    const done = await waitForRunStatus(emu, tok, 'cancel_1', ['Canceled', 'Completed', 'Failed'])
    expect(done.json.status).toBe('Canceled')
    expect(done.json.endTimeUtc).toBeDefined()
    expect((await logOf('cancel_1')).text).not.toContain('never')
    const again = await call(
      `${emu.apiUrl}/execution/v1.0${wsPath(emu)}/experiments/emulator-tests/runId/cancel_1/cancel`,
      {
        method: 'POST',
        token: tok
      }
    )
    expect(again.status).toBe(200)
    const unknown = await call(
      `${emu.apiUrl}/execution/v1.0${wsPath(emu)}/experiments/emulator-tests/runId/nope/cancel`,
      {
        method: 'POST',
        token: tok
      }
    )
    expect(unknown.status).toBe(404)
  })

  it('a run-stuck fault keeps the run in its status until cancelled', async () => {
    emu.faults.add({ match: { operationId: 'Runs_StartRun' }, kind: 'run-stuck', runStatus: 'Queued' })
    await startRun(emu, tok, HELLO, runDefinition('hello.py'), { runId: 'stuck_1' })
    await waitForRunStatus(emu, tok, 'stuck_1', ['Queued'])
    await new Promise(r => setTimeout(r, 300))
    expect((await call(runUrl(emu, 'stuck_1'), { token: tok })).json.status).toBe('Queued')
    await call(`${emu.apiUrl}/execution/v1.0${wsPath(emu)}/experiments/emulator-tests/runId/stuck_1/cancel`, {
      method: 'POST',
      token: tok
    })
    expect((await call(runUrl(emu, 'stuck_1'), { token: tok })).json.status).toBe('Canceled')
  })

  it('config.runStuckIn: NotResponding after the script exits', async () => {
    const stuck = await startFast({ runStuckIn: 'NotResponding' })
    try {
      const t = await token(stuck)
      await startRun(stuck, t, HELLO, runDefinition('hello.py'), { runId: 'nr_1' })
      const a = await waitForRunStatus(stuck, t, 'nr_1', ['NotResponding', 'Completed'])
      expect(a.json.status).toBe('NotResponding')
    } finally {
      await stuck.close()
    }
  })
})
