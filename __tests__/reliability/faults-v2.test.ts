/**
 * The faults matrix of the v2 operations: the bundle (dist/index.js under Node 24) against the emulator's fault
 * injection on the routes of jobs, code uploads, online endpoints and deployments (their PUTs and the status reads of
 * their long-running operations), listKeys and scoring by name; × throttling (429 with Retry-After), 5xx and connection
 * resets before and after the request was processed; then the scenarios (faults that never end, provisioning that
 * fails). For each case: the step recovers (exit 0, the right outputs, what the emulator holds is right), or fails with
 * exactly one `::error::` line naming the cause; a job or a deployment is never created twice; a retry never comes
 * sooner than the service asked. Each case has its own emulator, so the cases run concurrently.
 */
import { afterAll, describe, expect, it } from '@jest/globals'
import type { Emulator, FaultMatch, FaultRule, RecordedRequest } from '../../emulator/index.js'
import type { StepResult } from '../../demo/runner.js'
import { step, workspaceInputs } from '../e2e/helpers.js'
import {
  errorLines,
  expectFailedClearly,
  testScopeKeeper,
  V2_CASE_TIMEOUT_MS,
  withEmulator,
  writeFigures
} from './support.js'
import {
  createEndpoint,
  deploymentsNow,
  endpointNow,
  endpointWithBlue,
  jobsNow,
  registerModel,
  V2_DELAYS
} from './v2-support.js'

const TOLERANCE_MS = 50
const CONFIG = { delays: V2_DELAYS }

type Inputs = Record<string, string>
type Outcome = 'survived' | 'failed-clearly'
interface Figure {
  case: string
  outcome: Outcome
  askedMs?: number
  waitedMs?: number
}
const figures: Figure[] = []

afterAll(() => {
  const survived = figures.filter(f => f.outcome === 'survived').length
  const waits = figures.filter(f => f.askedMs !== undefined)
  writeFigures('faults-v2', {
    summary: {
      tried: figures.length,
      survived,
      failedClearly: figures.length - survived,
      waitsMeasured: waits.length,
      shortestMarginMs: Math.min(...waits.map(f => (f.waitedMs ?? 0) - (f.askedMs ?? 0)))
    },
    cases: figures
  })
})

const ws = (emu: Emulator, more: Inputs): Inputs => ({ ...workspaceInputs(emu), ...more })
const submitJob = (emu: Emulator, job: string, more: Inputs = {}): Inputs =>
  ws(emu, { operation: 'submit-job', job, set: `compute=azureml:${emu.seed.computeName}`, wait: 'false', ...more })
const deployBlue = (emu: Emulator, more: Inputs = {}): Inputs =>
  ws(emu, { operation: 'create-deployment', deployment: 'examples/endpoints/blue.yml', traffic: '100', ...more })
const scoreByName = (emu: Emulator): Inputs =>
  ws(emu, { operation: 'score', 'endpoint-name': 'rel-endpoint', data: '[[1, 2]]' })

/** Exactly one job, the one the step named. */
async function oneJob(emu: Emulator, result: StepResult): Promise<void> {
  expect(result.outputs.jobName).toMatch(/^job_/)
  expect(Object.keys(await jobsNow(emu))).toEqual([result.outputs.jobName])
}

/** Blue is the endpoint's one deployment, Succeeded, with all the traffic. */
async function blueServing(emu: Emulator): Promise<void> {
  expect(await deploymentsNow(emu, 'linear-endpoint')).toEqual({ blue: 'Succeeded' })
  expect((await endpointNow(emu, 'linear-endpoint'))?.traffic).toEqual({ blue: 100 })
}

async function endpointAndModel(emu: Emulator): Promise<void> {
  await Promise.all([registerModel(emu), createEndpoint(emu, 'linear-endpoint')])
}

// ---------------------------------------------------------------------------------------------------------------------
// Routes × transient faults

interface Route {
  name: string
  match: FaultMatch
  is: (r: RecordedRequest) => boolean
  setup?: (emu: Emulator) => Promise<void>
  inputs: (emu: Emulator) => Inputs
  check: (emu: Emulator, result: StepResult) => Promise<void>
  /** Faults this route does not retry (scoring: a 500/502 is the model's own error). */
  notRetried?: string[]
  /** A create whose answer was lost is looked up, not sent again: the route sees exactly one request. */
  lookedUpAfter?: string[]
  /**
   * Faults after which the step may fail clearly instead of recovering: a PUT processed whose answer was lost, sent
   * again while the first one's operation is still running, which Azure refuses with 409 Conflict.
   */
  mayFailClearly?: { fault: string; cause: RegExp }[]
}

const ROUTES: Route[] = [
  {
    name: 'job PUT',
    match: { operationId: 'Jobs_CreateOrUpdate' },
    is: r => r.operationId === 'Jobs_CreateOrUpdate',
    inputs: emu => submitJob(emu, 'examples/jobs/hello.yml'),
    check: oneJob,
    lookedUpAfter: ['reset-after-body']
  },
  {
    name: 'code startPendingUpload',
    match: { operationId: 'CodeVersions_CreateOrGetStartPendingUpload' },
    is: r => r.operationId === 'CodeVersions_CreateOrGetStartPendingUpload',
    inputs: emu => submitJob(emu, 'examples/jobs/train/job.yml'),
    check: async (emu, result) => {
      await oneJob(emu, result)
      const puts = emu.requests.filter(r => r.operationId === 'CodeVersions_CreateOrUpdate' && r.status < 300)
      expect(puts).toHaveLength(1)
    }
  },
  {
    name: 'online endpoint PUT',
    match: { operationId: 'OnlineEndpoints_CreateOrUpdate' },
    is: r => r.operationId === 'OnlineEndpoints_CreateOrUpdate',
    inputs: emu => ws(emu, { operation: 'create-endpoint', endpoint: 'examples/endpoints/endpoint.yml' }),
    check: async (emu, result) => {
      expect(result.outputs).toMatchObject({ endpointName: 'linear-endpoint', provisioningState: 'Succeeded' })
      expect((await endpointNow(emu, 'linear-endpoint'))?.provisioningState).toBe('Succeeded')
    },
    // A lost answer to the create: the endpoint is looked up by its name and followed, never PUT again (issue 13, kind 3).
    lookedUpAfter: ['reset-after-body']
  },
  {
    name: 'online deployment PUT',
    match: { operationId: 'OnlineDeployments_CreateOrUpdate' },
    is: r => r.operationId === 'OnlineDeployments_CreateOrUpdate',
    setup: endpointAndModel,
    inputs: emu => deployBlue(emu),
    check: async (emu, result) => {
      expect(result.outputs).toMatchObject({ deploymentName: 'blue', provisioningState: 'Succeeded' })
      await blueServing(emu)
    },
    // A lost answer to the create: the deployment is looked up by its name and followed, never PUT again.
    lookedUpAfter: ['reset-after-body']
  },
  {
    name: 'deployment LRO status read',
    match: { operationId: 'Emulator_OperationStatus' },
    is: r => r.operationId === 'Emulator_OperationStatus',
    setup: endpointAndModel,
    inputs: emu => deployBlue(emu),
    check: async (emu, result) => {
      expect(result.outputs.provisioningState).toBe('Succeeded')
      await blueServing(emu)
    }
  },
  {
    name: 'listKeys',
    match: { operationId: 'OnlineEndpoints_ListKeys' },
    is: r => r.operationId === 'OnlineEndpoints_ListKeys',
    setup: async emu => {
      await endpointWithBlue(emu)
    },
    inputs: scoreByName,
    check: async (_emu, result) => expect(JSON.parse(result.outputs.response)).toEqual([7])
  },
  {
    name: 'scoring by name',
    match: { operationId: 'Emulator_OnlineScore' },
    is: r => r.operationId === 'Emulator_OnlineScore',
    setup: async emu => {
      await endpointWithBlue(emu)
    },
    inputs: scoreByName,
    check: async (_emu, result) => expect(JSON.parse(result.outputs.response)).toEqual([7]),
    notRetried: ['500']
  }
]

interface Fault {
  name: string
  rule: () => FaultRule
  asksMs?: number
  cause: RegExp
}

const FAULTS: Fault[] = [
  {
    name: '429 Retry-After: 1',
    rule: () => ({ kind: 'status', status: 429, headers: { 'Retry-After': '1' }, times: 1 }),
    asksMs: 1000,
    cause: /429/
  },
  { name: '500', rule: () => ({ kind: 'status', status: 500, times: 1 }), cause: /500/ },
  { name: '503', rule: () => ({ kind: 'status', status: 503, times: 1 }), cause: /503/ },
  { name: 'reset', rule: () => ({ kind: 'reset', times: 1 }), cause: /ECONNRESET|socket hang up/ },
  { name: 'reset-after-body', rule: () => ({ kind: 'reset-after-body', times: 1 }), cause: /ECONNRESET|socket hang up/ }
]

const matrix = ROUTES.flatMap(route => FAULTS.map(fault => ({ route, fault, title: `${route.name} × ${fault.name}` })))

describe(`v2 routes × transient faults (${ROUTES.length} × ${FAULTS.length})`, () => {
  const scope = testScopeKeeper()
  it.concurrent.each(matrix)(
    '$title',
    scope.track(async ({ route, fault, title }) => {
      await withEmulator(async emu => {
        await route.setup?.(emu)
        const rule = emu.faults.add({ ...fault.rule(), match: route.match })
        const from = emu.requests.length
        const result = await step(route.inputs(emu))
        expect(rule.fired).toBe(1)
        const requests = emu.requests.slice(from).filter(route.is)
        const faulted = requests.findIndex(r => r.fault !== undefined)
        expect(faulted).toBeGreaterThanOrEqual(0)

        if (route.notRetried?.includes(fault.name)) {
          expectFailedClearly(result, fault.cause)
          expect(requests).toHaveLength(1)
          figures.push({ case: title, outcome: 'failed-clearly' })
          return
        }
        const allowed = route.mayFailClearly?.find(f => f.fault === fault.name)
        if (allowed && result.exitCode !== 0) {
          expectFailedClearly(result, allowed.cause)
          // Not created twice: the second PUT was refused, the first one's resource is the only one.
          expect(requests.filter(r => r.status === 200 || r.status === 201)).toEqual([])
          figures.push({ case: title, outcome: 'failed-clearly' })
          return
        }
        expect(errorLines(result)).toEqual([])
        expect(result.exitCode).toBe(0)
        await route.check(emu, result)
        if (route.lookedUpAfter?.includes(fault.name)) {
          expect(requests).toHaveLength(1)
          figures.push({ case: title, outcome: 'survived' })
          return
        }
        const retry = requests[faulted + 1]
        expect(retry).toBeDefined()
        const figure: Figure = { case: title, outcome: 'survived', waitedMs: retry.time - requests[faulted].time }
        if (fault.asksMs !== undefined) {
          figure.askedMs = fault.asksMs
          expect(figure.waitedMs).toBeGreaterThanOrEqual(fault.asksMs - TOLERANCE_MS)
        }
        figures.push(figure)
      }, CONFIG)
    }),
    V2_CASE_TIMEOUT_MS
  )
  scope.guards()
})

// ---------------------------------------------------------------------------------------------------------------------
// Scenarios

describe('v2 scenarios', () => {
  const scope = testScopeKeeper()
  it.concurrent(
    'job PUT processed but never answered, every time: looked up and followed, one job',
    scope.track(async () => {
      await withEmulator(async emu => {
        emu.faults.add({ match: { operationId: 'Jobs_CreateOrUpdate' }, kind: 'reset-after-body', times: -1 })
        const result = await step(submitJob(emu, 'examples/jobs/hello.yml', { wait: 'true' }))
        expect(errorLines(result)).toEqual([])
        expect(result.exitCode).toBe(0)
        expect(result.outputs.status).toBe('Completed')
        await oneJob(emu, result)
        expect(emu.requests.filter(r => r.operationId === 'Jobs_CreateOrUpdate')).toHaveLength(1)
        figures.push({ case: 'persistent reset-after-body on the job PUT', outcome: 'survived' })
      }, CONFIG)
    }),
    V2_CASE_TIMEOUT_MS
  )

  it.concurrent(
    'job PUT reset on every attempt: fails naming the reset; no job exists',
    scope.track(async () => {
      await withEmulator(async emu => {
        emu.faults.add({ match: { operationId: 'Jobs_CreateOrUpdate' }, kind: 'reset', times: -1 })
        const result = await step(submitJob(emu, 'examples/jobs/hello.yml', { 'timeout-minutes': '0.1' }))
        expectFailedClearly(result, /ECONNRESET|socket hang up/)
        expect(result.outputs.jobName).toMatch(/^job_/)
        expect(await jobsNow(emu)).toEqual({})
        figures.push({ case: 'persistent reset on the job PUT', outcome: 'failed-clearly' })
      }, CONFIG)
    }),
    V2_CASE_TIMEOUT_MS
  )

  it.concurrent(
    'startPendingUpload failing (503) on every attempt: fails clearly, no job is created',
    scope.track(async () => {
      await withEmulator(async emu => {
        emu.faults.add({
          match: { operationId: 'CodeVersions_CreateOrGetStartPendingUpload' },
          kind: 'status',
          status: 503,
          times: -1
        })
        const result = await step(submitJob(emu, 'examples/jobs/train/job.yml', { 'timeout-minutes': '0.1' }))
        expectFailedClearly(result, /503/)
        expect(await jobsNow(emu)).toEqual({})
        expect(emu.requests.filter(r => r.operationId === 'Jobs_CreateOrUpdate')).toEqual([])
        figures.push({ case: 'persistent 503 on startPendingUpload', outcome: 'failed-clearly' })
      }, CONFIG)
    }),
    V2_CASE_TIMEOUT_MS
  )

  it.concurrent(
    'deployment LRO: 3 × 503 on the status reads, then Succeeded; one deployment',
    scope.track(async () => {
      await withEmulator(async emu => {
        await endpointAndModel(emu)
        emu.faults.add({ match: { operationId: 'Emulator_OperationStatus' }, kind: 'status', status: 503, times: 3 })
        const result = await step(deployBlue(emu))
        expect(errorLines(result)).toEqual([])
        expect(result.exitCode).toBe(0)
        await blueServing(emu)
        expect(emu.requests.filter(r => r.operationId === 'OnlineDeployments_CreateOrUpdate')).toHaveLength(1)
        figures.push({ case: 'deployment LRO status 503 × 3', outcome: 'survived' })
      }, CONFIG)
    }),
    V2_CASE_TIMEOUT_MS
  )

  it.concurrent(
    'deployment provisioning fails (OutOfQuota): names the deployment; traffic unchanged',
    scope.track(async () => {
      await withEmulator(async emu => {
        await endpointAndModel(emu)
        emu.faults.add({ match: { operationId: 'OnlineDeployments_CreateOrUpdate' }, kind: 'deployment-fail' })
        const result = await step(deployBlue(emu))
        const error = expectFailedClearly(result, /Deployment blue of endpoint linear-endpoint failed: .*OutOfQuota/)
        expect(error).toContain('traffic is unchanged')
        expect(await deploymentsNow(emu, 'linear-endpoint')).toEqual({ blue: 'Failed' })
        expect((await endpointNow(emu, 'linear-endpoint'))?.traffic).toEqual({})
        expect(emu.requests.filter(r => r.operationId === 'OnlineEndpoints_CreateOrUpdate')).toHaveLength(1) // set-up's
        figures.push({ case: 'deployment provisioning Failed', outcome: 'failed-clearly' })
      }, CONFIG)
    }),
    V2_CASE_TIMEOUT_MS
  )

  it.concurrent(
    'endpoint provisioning fails: fails clearly naming the endpoint',
    scope.track(async () => {
      await withEmulator(async emu => {
        emu.faults.add({ match: { operationId: 'OnlineEndpoints_CreateOrUpdate' }, kind: 'provision-fail' })
        const result = await step(
          ws(emu, { operation: 'create-endpoint', endpoint: 'examples/endpoints/endpoint.yml' })
        )
        expectFailedClearly(
          result,
          /Online endpoint linear-endpoint ended Failed: .*Provisioning of endpoint 'linear-endpoint' failed/
        )
        figures.push({ case: 'endpoint provisioning Failed', outcome: 'failed-clearly' })
      }, CONFIG)
    }),
    V2_CASE_TIMEOUT_MS
  )

  it.concurrent(
    'listKeys 503 on every attempt: fails at the deadline naming the 503, nothing scored',
    scope.track(async () => {
      await withEmulator(async emu => {
        await endpointWithBlue(emu)
        emu.faults.add({ match: { operationId: 'OnlineEndpoints_ListKeys' }, kind: 'status', status: 503, times: -1 })
        const result = await step({ ...scoreByName(emu), 'timeout-minutes': '0.1' })
        expectFailedClearly(result, /503/)
        expect(result.durationMs).toBeLessThan(20_000)
        expect(emu.requests.filter(r => r.operationId === 'Emulator_OnlineScore')).toEqual([])
        figures.push({ case: 'persistent 503 on listKeys', outcome: 'failed-clearly' })
      }, CONFIG)
    }),
    V2_CASE_TIMEOUT_MS
  )

  it.concurrent(
    'scoring by name: 503 on every attempt: a few attempts, then fails naming the 503',
    scope.track(async () => {
      await withEmulator(async emu => {
        await endpointWithBlue(emu)
        emu.faults.add({ match: { operationId: 'Emulator_OnlineScore' }, kind: 'status', status: 503, times: -1 })
        const result = await step(scoreByName(emu))
        expectFailedClearly(result, /503/)
        expect(result.outputs.statusCode).toBe('503')
        const attempts = emu.requests.filter(r => r.operationId === 'Emulator_OnlineScore')
        expect(attempts.length).toBeGreaterThan(1)
        expect(attempts.length).toBeLessThanOrEqual(4)
        figures.push({ case: 'persistent 503 on scoring by name', outcome: 'failed-clearly' })
      }, CONFIG)
    }),
    V2_CASE_TIMEOUT_MS
  )

  it.concurrent(
    'a token that dies during the deployment LRO: refreshed, Succeeded',
    scope.track(async () => {
      await withEmulator(
        async emu => {
          await endpointAndModel(emu)
          emu.faults.add({ match: { operationId: 'Entra_Token' }, kind: 'token-lifetime', tokenLifetimeSeconds: 1 })
          const result = await step(deployBlue(emu))
          expect(errorLines(result)).toEqual([])
          expect(result.exitCode).toBe(0)
          await blueServing(emu)
          expect(emu.requests.some(r => r.status === 401)).toBe(true)
          figures.push({ case: 'token expires during the deployment LRO', outcome: 'survived' })
        },
        { delays: { ...V2_DELAYS, deploymentProvisionMs: 2500 } }
      )
    }),
    V2_CASE_TIMEOUT_MS
  )
  scope.guards()
})
