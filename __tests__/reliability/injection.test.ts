/**
 * Service text never acts as a workflow command. ARM error messages, Entra error_description, streamed run logs, a
 * run's own error, v2 job logs and errors, deployment logs and provisioning errors, scoring answers (by URI and by
 * endpoint name), names in lists and summaries, and status values all carry `::error::`,
 * `::add-mask::`, `::set-output name=x::`, `::stop-commands::` and `%0A::error::`. The step's stdout is read the way
 * the runner reads it (`parseCommands`, which honours ::stop-commands::, plus a scan of indented lines): no command
 * may come from the service text — no add-mask of an attacker value, no extra error line, no output, no stop-commands
 * that would swallow the step's own commands.
 */
import { afterAll, describe, expect, it } from '@jest/globals'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Emulator } from '../../emulator/index.js'
import { parseCommands, type StepResult } from '../../demo/runner.js'
import { step, workspaceInputs } from '../e2e/helpers.js'
import { testScopeKeeper, V2_CASE_TIMEOUT_MS, withEmulator, writeFigures } from './support.js'
import { createEndpoint, endpointWithBlue, registerModel, V2_DELAYS } from './v2-support.js'

const INJECT = resolve(fileURLToPath(import.meta.url), '../fixtures/inject')
const INJECT_JOB = resolve(fileURLToPath(import.meta.url), '../fixtures/inject-job/job.yml')
const INJECT_DEPLOYMENT = resolve(fileURLToPath(import.meta.url), '../fixtures/inject-deployment/deployment.yml')
/** Every line is one attempt; `INJECTED` marks attacker text. */
const PAYLOAD = [
  '::error::INJECTED error',
  '::add-mask::INJECTED-mask',
  '::set-output name=x::INJECTED',
  '::stop-commands::INJECTEDTOKEN',
  '::error::INJECTED after stop-commands',
  'text %0A::error::INJECTED encoded',
  '  ::warning::INJECTED indented'
].join('\n')

const EXPECTED_OUTPUTS = new Set([
  'response',
  'responseFile',
  'count',
  'statusCode',
  'runId',
  'status',
  'portalUrl',
  'jobName',
  'endpointName',
  'deploymentName'
])
const EXPECTED_OUTPUTS_LIFECYCLE = new Set(['provisioningState', 'resourceId', 'response', 'responseFile'])

let checked = 0
afterAll(() =>
  writeFigures('injection', {
    summary: { sources: checked, payloadLines: PAYLOAD.split('\n').length, commandsFromServiceText: 0 }
  })
)

/**
 * The runner's view: commands outside ::stop-commands:: blocks (leading spaces allowed, as the runner allows them).
 * Returns the commands; fails when any came from service text.
 */
function expectNoInjectedCommand(result: StepResult, errorsExpected: 0 | 1): void {
  const commands = parseCommands(result.stdout)
  // Indented commands too: the runner trims leading whitespace before it looks for `::`.
  const indented = parseCommands(
    result.stdout
      .split('\n')
      .map(l => l.trimStart())
      .join('\n')
  )
  for (const list of [commands, indented]) {
    expect(list.filter(c => c.command === 'add-mask' && c.value.includes('INJECTED'))).toEqual([])
    expect(list.filter(c => c.command === 'set-output')).toEqual([])
    expect(list.filter(c => c.command === 'warning' && c.value.includes('INJECTED'))).toEqual([])
    expect(list.filter(c => c.command === 'INJECTEDTOKEN')).toEqual([])
    // The step's own error line (when it fails) is the only one: service text may be quoted inside it, never lead it.
    const errors = list.filter(c => c.command === 'error')
    expect(errors).toHaveLength(errorsExpected)
    for (const e of errors) expect(e.value).not.toMatch(/^INJECTED/)
  }
  // No stop-commands opened by service text outside the action's own blocks: the action's own are UUIDs.
  for (const line of result.stdout.split('\n')) {
    const m = /^\s*::stop-commands::(.*)$/.exec(line)
    if (m && !/^[0-9a-f-]{36}$/.test(m[1])) {
      // Only inert inside one of the action's own blocks; parseCommands above proved that (no swallowed commands).
      expect(insideOwnBlock(result.stdout, line)).toBe(true)
    }
  }
  expect(
    Object.keys(result.outputs).filter(k => !EXPECTED_OUTPUTS.has(k) && !EXPECTED_OUTPUTS_LIFECYCLE.has(k))
  ).toEqual([])
  checked++
}

/** Whether `line` sits between an action-opened `::stop-commands::<uuid>` and its `::<uuid>::`. */
function insideOwnBlock(stdout: string, line: string): boolean {
  let token: string | undefined
  for (const l of stdout.split('\n')) {
    if (token) {
      if (l === line) return true
      if (l === `::${token}::`) token = undefined
      continue
    }
    const m = /^::stop-commands::([0-9a-f-]{36})$/.exec(l)
    if (m) token = m[1]
    if (l === line) return false
  }
  return false
}

const ws = (emu: Emulator, more: Record<string, string> = {}) => ({ ...workspaceInputs(emu), ...more })
const runInputs = (emu: Emulator, more: Record<string, string>) =>
  ws(emu, {
    operation: 'start-run',
    'experiment-name': 'inject',
    'compute-target': emu.seed.computeName,
    'source-directory': INJECT,
    script: 'train.py',
    ...more
  })

describe('service text never acts as a workflow command', () => {
  it.concurrent('an ARM error message', async () => {
    await withEmulator(async emu => {
      emu.faults.add({
        match: { method: 'GET', path: '/computes$' },
        kind: 'status',
        status: 400,
        body: { error: { code: 'BadRequest', message: PAYLOAD } }
      })
      const result = await step(ws(emu, { operation: 'list-computes' }), { env: { ACTIONS_STEP_DEBUG: 'true' } })
      expect(result.exitCode).toBe(1)
      expectNoInjectedCommand(result, 1)
    })
  })

  it.concurrent("Entra's error_description", async () => {
    await withEmulator(async emu => {
      emu.faults.add({
        match: { operationId: 'Entra_Token' },
        kind: 'status',
        status: 400,
        body: { error: 'invalid_request', error_description: `AADSTS900144: ${PAYLOAD}`, error_codes: [900144] }
      })
      const result = await step(ws(emu, { operation: 'get-token' }), { env: { ACTIONS_STEP_DEBUG: 'true' } })
      expect(result.exitCode).toBe(1)
      expectNoInjectedCommand(result, 1)
    })
  })

  it.concurrent('a streamed run log (the run completes)', async () => {
    await withEmulator(async emu => {
      const result = await step(runInputs(emu, { 'run-id': 'inject-ok' }))
      expect(result.exitCode).toBe(0)
      expect(result.outputs.status).toBe('Completed')
      // The log really was printed, every line inside the action's own stop-commands block.
      const lines = result.stdout.split('\n')
      expect(lines).toContain('::add-mask::INJECTED-mask')
      expect(insideOwnBlock(result.stdout, '::add-mask::INJECTED-mask')).toBe(true)
      expectNoInjectedCommand(result, 0)
    })
  })

  it.concurrent("a run's own error message (the run fails)", async () => {
    await withEmulator(async emu => {
      const result = await step(runInputs(emu, { 'run-id': 'inject-fail', arguments: 'fail' }))
      expect(result.exitCode).toBe(1)
      expect(result.outputs.status).toBe('Failed')
      expectNoInjectedCommand(result, 1)
    })
  })

  it.concurrent('a run status holding line breaks (poll-run)', async () => {
    await withEmulator(async emu => {
      const started = await step(runInputs(emu, { 'run-id': 'inject-status', wait: 'false' }))
      expect(started.exitCode).toBe(0)
      emu.faults.add({
        match: { operationId: 'Runs_Get' },
        kind: 'status',
        status: 200,
        body: { runId: 'inject-status', status: `Running\n${PAYLOAD}` },
        times: 1
      })
      const base = ws(emu, { 'experiment-name': 'inject', 'run-id': 'inject-status' })
      const result = await step({ operation: 'poll-run', ...base })
      expect(result.exitCode).toBe(0)
      expectNoInjectedCommand(result, 0)
      // cancel-run reports the status the service gives after the cancel.
      emu.faults.add({
        match: { operationId: 'Runs_Get' },
        kind: 'status',
        status: 200,
        body: { runId: 'inject-status', status: `CancelRequested\n${PAYLOAD}` },
        times: 1
      })
      const cancelled = await step({ operation: 'cancel-run', ...base })
      expect(cancelled.exitCode).toBe(0)
      expectNoInjectedCommand(cancelled, 0)
    })
  })

  it.concurrent('a compute provisioning state and a provisioning error', async () => {
    await withEmulator(
      async emu => {
        emu.faults.add({
          match: { operationId: 'Emulator_OperationStatus' },
          kind: 'status',
          status: 200,
          headers: { 'Retry-After': '1' },
          body: { status: `InProgress\n${PAYLOAD}` },
          times: 1
        })
        emu.faults.add({
          kind: 'provision-fail',
          match: { method: 'PUT', path: '/computes/' },
          error: { code: 'QuotaExceeded', message: PAYLOAD }
        })
        const result = await step(
          ws(emu, { operation: 'create-compute', 'compute-name': 'inject-cluster', 'vm-size': 'Standard_D1' })
        )
        expect(result.exitCode).toBe(1)
        expectNoInjectedCommand(result, 1)
      },
      { delays: { computeProvisionMs: 1500 } }
    )
  })

  it.concurrent('a scoring answer (200 text, then a 400 text)', async () => {
    await withEmulator(async emu => {
      const inputs = {
        operation: 'score',
        'scoring-uri': emu.seed.scoringUri,
        'scoring-key': emu.seed.scoringKey,
        data: '[[1, 2, 3, 4]]'
      }
      emu.faults.add({ match: { operationId: 'Emulator_Score' }, kind: 'status', status: 200, body: PAYLOAD })
      const ok = await step(inputs)
      expect(ok.exitCode).toBe(0)
      expect(ok.outputs.response).toBe(PAYLOAD) // the answer is data, kept whole in the output
      expectNoInjectedCommand(ok, 0)
      emu.faults.add({ match: { operationId: 'Emulator_Score' }, kind: 'status', status: 400, body: PAYLOAD })
      const bad = await step(inputs)
      expect(bad.exitCode).toBe(1)
      expectNoInjectedCommand(bad, 1)
    })
  })

  it.concurrent.each([
    [
      'models',
      'list-models',
      { method: 'GET', path: '/models$' },
      (name: string) => ({ id: `${name}:1`, name, version: 1 })
    ],
    ['computes', 'list-computes', { method: 'GET', path: '/computes$' }, (name: string) => ({ name, properties: {} })],
    ['workspaces', 'list-workspaces', { method: 'GET', path: '/workspaces$' }, (name: string) => ({ name })],
    ['experiments', 'list-experiments', { path: '/experiments$' }, (name: string) => ({ name, experimentId: 'e1' })]
  ] as const)('names in a list of %s (log and summary)', async (_what, operation, match, item) => {
    await withEmulator(async emu => {
      const names = PAYLOAD.split('\n')
      emu.faults.add({
        match,
        kind: 'status',
        status: 200,
        body: { value: [...names.map(item), item(`multi\n${PAYLOAD}`)] }
      })
      const result = await step(ws(emu, { operation }))
      expect(result.exitCode).toBe(0)
      expect(Number(result.outputs.count)).toBe(names.length + 1)
      expectNoInjectedCommand(result, 0)
    })
  })
})

describe('v2: job logs, job errors, deployment logs and errors, scoring by name', () => {
  const scope = testScopeKeeper()
  const config = { delays: V2_DELAYS }
  const job = (emu: Emulator, more: Record<string, string> = {}) =>
    ws(emu, {
      operation: 'submit-job',
      job: INJECT_JOB,
      set: `compute=azureml:${emu.seed.computeName}`,
      ...more
    })

  it.concurrent(
    'a streamed job log (the job completes)',
    scope.track(async () => {
      await withEmulator(async emu => {
        const result = await step(job(emu), { env: { ACTIONS_STEP_DEBUG: 'true' } })
        expect(result.exitCode).toBe(0)
        expect(result.outputs.status).toBe('Completed')
        // The log really was printed, every line inside the action's own stop-commands block.
        expect(result.stdout.split('\n')).toContain('::add-mask::INJECTED-mask')
        expect(insideOwnBlock(result.stdout, '::add-mask::INJECTED-mask')).toBe(true)
        expectNoInjectedCommand(result, 0)
      }, config)
    }),
    V2_CASE_TIMEOUT_MS
  )

  it.concurrent(
    "a job's own error (the job fails with a message carrying commands)",
    scope.track(async () => {
      await withEmulator(async emu => {
        const result = await step(job(emu, { set: `compute=azureml:${emu.seed.computeName}\ninputs.mode=fail` }))
        expect(result.exitCode).toBe(1)
        expect(result.outputs.status).toBe('Failed')
        expectNoInjectedCommand(result, 1)
      }, config)
    }),
    V2_CASE_TIMEOUT_MS
  )

  it.concurrent(
    'a deployment whose init() fails: its log tail and its error (create-deployment)',
    scope.track(async () => {
      await withEmulator(async emu => {
        await Promise.all([registerModel(emu), createEndpoint(emu, 'rel-endpoint')])
        const result = await step(ws(emu, { operation: 'create-deployment', deployment: INJECT_DEPLOYMENT }))
        expect(result.exitCode).toBe(1)
        // The log tail really was printed, inside the action's own block.
        const lines = result.stdout.split('\n')
        expect(lines).toContain('::add-mask::INJECTED-mask')
        expect(
          parseCommands(result.stdout).filter(c => c.command === 'add-mask' && c.value.includes('INJECTED'))
        ).toEqual([])
        // That block's token must not be guessable (a log line `::<token>::` would turn commands back on): random, a
        // UUID like the job and run log blocks', not `deployment-log-<Date.now()>`.
        const opened = lines
          .slice(0, lines.indexOf('::add-mask::INJECTED-mask'))
          .reverse()
          .find(l => l.startsWith('::stop-commands::'))
        expect(opened).toMatch(/^::stop-commands::[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
        expect(insideOwnBlock(result.stdout, '::add-mask::INJECTED-mask')).toBe(true)
        expectNoInjectedCommand(result, 1)
      }, config)
    }),
    V2_CASE_TIMEOUT_MS
  )

  it.concurrent(
    "a deployment's provisioning error (deployment-fail with commands in its message)",
    scope.track(async () => {
      await withEmulator(async emu => {
        await Promise.all([registerModel(emu), createEndpoint(emu, 'rel-endpoint')])
        emu.faults.add({
          match: { operationId: 'OnlineDeployments_CreateOrUpdate' },
          kind: 'deployment-fail',
          error: { code: 'OutOfQuota', message: PAYLOAD }
        })
        const result = await step(ws(emu, { operation: 'create-deployment', deployment: INJECT_DEPLOYMENT }))
        expect(result.exitCode).toBe(1)
        expectNoInjectedCommand(result, 1)
      }, config)
    }),
    V2_CASE_TIMEOUT_MS
  )

  it.concurrent(
    "score by endpoint-name: the scoring script's answer, then its traceback (424)",
    scope.track(async () => {
      await withEmulator(async emu => {
        await endpointWithBlue(emu, 'rel-endpoint', { env: { ANSWER: PAYLOAD } })
        const inputs = ws(emu, { operation: 'score', 'endpoint-name': 'rel-endpoint', data: '[[1, 2]]' })
        const ok = await step(inputs)
        expect(ok.exitCode).toBe(0)
        expect(ok.outputs.response).toBe(PAYLOAD) // the answer is data, kept whole in the output
        expectNoInjectedCommand(ok, 0)
        await endpointWithBlue(emu, 'rel-raises', { env: { FAIL_RUN: PAYLOAD } })
        const raised = await step({ ...inputs, 'endpoint-name': 'rel-raises' })
        expect(raised.exitCode).toBe(1)
        expect(raised.outputs.statusCode).toBe('424')
        expectNoInjectedCommand(raised, 1)
      }, config)
    }),
    V2_CASE_TIMEOUT_MS
  )
  scope.guards()
})
