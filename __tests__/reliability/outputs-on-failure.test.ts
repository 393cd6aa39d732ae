/**
 * Issue 13, kind 7: outputs on every path. Walks the failure paths of every operation that has outputs to give (runs,
 * computes, workspaces, the generic request; v2 jobs, models, online endpoints and deployments, score by name) through
 * the bundle against the emulator's faults, and checks that each output known when the step fails is set: `status`
 * (the last status seen), `runId`, `jobName`, `portalUrl`, `provisioningState`, `resourceId`, `endpointName`,
 * `deploymentName`, `modelName`, `modelVersion`, `response`, `statusCode`.
 */
import { describe, expect, it } from '@jest/globals'
import { join } from 'node:path'
import type { ConfigInput } from '../../emulator/config.js'
import type { Emulator, FaultRule } from '../../emulator/index.js'
import { step, workspaceInputs } from '../e2e/helpers.js'
import { FIXTURES, HELLO, testScopeKeeper, V2_CASE_TIMEOUT_MS, withEmulator } from './support.js'
import { createEndpoint, createJob, endpointWithBlue, registerModel, V2_DELAYS } from './v2-support.js'

type Inputs = Record<string, string>

interface FailureCase {
  title: string
  config?: ConfigInput
  faults?: (emu: Emulator) => FaultRule[]
  /** Steps run first (they must succeed), e.g. start a run to poll. */
  before?: (emu: Emulator) => Inputs[]
  /** State made over REST first (v2-support.ts): a model, an endpoint, a deployment, a job. */
  setup?: (emu: Emulator) => Promise<unknown>
  inputs: (emu: Emulator) => Inputs
  /** The outputs the failed step must have set: a string is matched exactly, a RegExp as a pattern. */
  outputs: (emu: Emulator) => Record<string, string | RegExp>
  cause: RegExp
}

const SLOW = join(FIXTURES, 'slow')
const FAIL = join(FIXTURES, 'fail')
const WSID = (emu: Emulator) => emu.seed.workspaceResourceId
const portal = (runId: string) => new RegExp(`/runs/${runId}\\?wsid=`)

const run = (emu: Emulator, more: Inputs): Inputs => ({
  operation: 'start-run',
  ...workspaceInputs(emu),
  'experiment-name': 'outputs',
  'compute-target': emu.seed.computeName,
  'source-directory': HELLO,
  script: 'hello.py',
  ...more
})
const compute = (emu: Emulator, more: Inputs = {}): Inputs => ({
  operation: 'create-compute',
  ...workspaceInputs(emu),
  'compute-name': 'out-cluster',
  'vm-size': 'Standard_D1',
  'max-nodes': '1',
  ...more
})
const workspace = (emu: Emulator, more: Inputs = {}): Inputs => ({
  operation: 'create-workspace',
  creds: workspaceInputs(emu).creds,
  'arm-endpoint': emu.url,
  'authority-host': emu.url,
  'resource-group': emu.seed.resourceGroup,
  'workspace-name': 'ws-out',
  'storage-account': emu.seed.storageAccountId,
  'key-vault': emu.seed.keyVaultId,
  'application-insights': emu.seed.applicationInsightsId,
  ...more
})
const v2 = (emu: Emulator, operation: string, more: Inputs = {}): Inputs => ({
  operation,
  ...workspaceInputs(emu),
  ...more
})
const submitJob = (emu: Emulator, more: Inputs = {}): Inputs =>
  v2(emu, 'submit-job', {
    job: 'examples/jobs/hello.yml',
    set: `compute=azureml:${emu.seed.computeName}`,
    'job-name': 'out_job',
    ...more
  })
const jobPortal = /\/runs\/out_job\?wsid=/
const deployBlue = (emu: Emulator, more: Inputs = {}): Inputs =>
  v2(emu, 'create-deployment', { deployment: 'examples/endpoints/blue.yml', traffic: '100', ...more })
const endpointAndModel = (emu: Emulator) => Promise.all([registerModel(emu), createEndpoint(emu, 'linear-endpoint')])
const ENDPOINT_ID = (emu: Emulator, name: string) => `${WSID(emu)}/onlineEndpoints/${name}`

const stuck = (runStatus: string) => (): FaultRule[] => [
  { match: { operationId: 'Runs_StartRun' }, kind: 'run-stuck', runStatus, times: -1 }
]

const CASES: FailureCase[] = [
  {
    title: 'start-run: the run stays NotResponding past timeout-minutes 0.3 (the issue example)',
    faults: stuck('NotResponding'),
    inputs: emu => run(emu, { 'run-id': 'stuck-nr', 'timeout-minutes': '0.3' }),
    outputs: () => ({ status: 'NotResponding', runId: 'stuck-nr', portalUrl: portal('stuck-nr') }),
    cause: /stuck-nr is still NotResponding after 0.3 minutes/
  },
  {
    title: 'start-run: the run stays Paused past timeout-minutes',
    faults: stuck('Paused'),
    inputs: emu => run(emu, { 'run-id': 'stuck-paused', 'timeout-minutes': '0.3' }),
    outputs: () => ({ status: 'Paused', runId: 'stuck-paused', portalUrl: portal('stuck-paused') }),
    cause: /still Paused/
  },
  {
    title: 'start-run: the run stays in a status the action does not know',
    faults: stuck('Hibernating'),
    inputs: emu => run(emu, { 'run-id': 'stuck-unknown', 'timeout-minutes': '0.3' }),
    outputs: () => ({ status: 'Hibernating', runId: 'stuck-unknown', portalUrl: portal('stuck-unknown') }),
    cause: /still Hibernating/
  },
  {
    title: 'start-run: the run fails',
    inputs: emu => run(emu, { 'run-id': 'run-fails', 'source-directory': FAIL, script: 'train.py' }),
    outputs: () => ({ status: 'Failed', runId: 'run-fails', portalUrl: portal('run-fails'), response: /"Failed"/ }),
    cause: /run-fails ended Failed/
  },
  {
    title: 'start-run: startrun never answers and the run cannot be seen: the run it may have started is named',
    faults: () => [{ match: { operationId: 'Runs_StartRun' }, kind: 'reset', times: -1 }],
    inputs: emu => run(emu, { 'run-id': 'never-answered', 'timeout-minutes': '0.1' }),
    outputs: () => ({ runId: 'never-answered', portalUrl: portal('never-answered') }),
    cause: /startrun\?runId=never-answered failed/
  },
  {
    title: 'poll-run: the run it follows stays Running past timeout-minutes',
    before: emu => [run(emu, { 'run-id': 'slow-poll', 'source-directory': SLOW, script: 'slow.py', wait: 'false' })],
    inputs: emu => ({
      operation: 'poll-run',
      ...workspaceInputs(emu),
      'experiment-name': 'outputs',
      'run-id': 'slow-poll',
      'timeout-minutes': '0.1'
    }),
    outputs: () => ({
      status: /^(Running|Queued|Preparing|NotStarted)$/,
      runId: 'slow-poll',
      portalUrl: portal('slow-poll')
    }),
    cause: /slow-poll is still/
  },
  {
    title: 'cancel-run: no such run',
    inputs: emu => ({
      operation: 'cancel-run',
      ...workspaceInputs(emu),
      'experiment-name': 'outputs',
      'run-id': 'no-such-run'
    }),
    outputs: () => ({ runId: 'no-such-run' }),
    cause: /404/
  },
  {
    title: 'create-compute: provisioning ends Failed',
    faults: () => [{ kind: 'provision-fail', match: { method: 'PUT', path: '/computes/' } }],
    inputs: emu => compute(emu),
    outputs: emu => ({
      provisioningState: 'Failed',
      resourceId: `${WSID(emu)}/computes/out-cluster`,
      response: /QuotaExceeded/
    }),
    cause: /QuotaExceeded/
  },
  {
    title: 'create-compute: still Creating at timeout-minutes',
    config: { delays: { computeProvisionMs: 120_000 } },
    inputs: emu => compute(emu, { 'timeout-minutes': '0.1' }),
    outputs: emu => ({ provisioningState: /Creating|InProgress/, resourceId: `${WSID(emu)}/computes/out-cluster` }),
    cause: /compute out-cluster was left half-made/
  },
  {
    title: 'create-compute: refused (400): the service answer is the response; nothing exists, no resourceId',
    inputs: emu => compute(emu, { location: 'westeurope' }),
    outputs: () => ({ response: /"error"/ }),
    cause: /400/
  },
  {
    title: 'create-workspace: provisioning ends Failed',
    faults: () => [{ kind: 'provision-fail', match: { method: 'PUT', path: '/workspaces/ws-out$' } }],
    inputs: emu => workspace(emu),
    outputs: emu => ({
      provisioningState: 'Failed',
      resourceId: `/subscriptions/${emu.seed.subscriptionId}/resourceGroups/${emu.seed.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/ws-out`
    }),
    cause: /QuotaExceeded/
  },
  {
    title: 'delete-compute: still Deleting at timeout-minutes',
    config: { delays: { computeDeleteMs: 120_000 } },
    inputs: emu => ({
      operation: 'delete-compute',
      ...workspaceInputs(emu),
      'compute-name': emu.seed.computeName,
      'timeout-minutes': '0.1'
    }),
    outputs: emu => ({ provisioningState: 'Deleting', resourceId: `${WSID(emu)}/computes/${emu.seed.computeName}` }),
    cause: /still being deleted/
  },
  {
    title: 'delete-workspace: still Deleting at timeout-minutes',
    config: { delays: { workspaceDeleteMs: 120_000 } },
    inputs: emu => ({ operation: 'delete-workspace', ...workspaceInputs(emu), 'timeout-minutes': '0.1' }),
    outputs: emu => ({ provisioningState: 'Deleting', resourceId: WSID(emu) }),
    cause: /still being deleted/
  },
  {
    title: 'get-workspace: discovery keeps failing: the workspace read so far is still given',
    faults: () => [{ match: { operationId: 'Emulator_Discovery' }, kind: 'status', status: 500, times: -1 }],
    inputs: emu => ({ operation: 'get-workspace', ...workspaceInputs(emu), 'timeout-minutes': '0.1' }),
    outputs: emu => ({ resourceId: WSID(emu), response: /discoveryUrl/ }),
    cause: /500/
  },
  {
    title: 'request: a 404: statusCode and the error body',
    inputs: emu => ({
      operation: 'request',
      ...workspaceInputs(emu),
      method: 'GET',
      path: '{WS}/computes/nothing-here'
    }),
    outputs: () => ({ statusCode: '404', response: /NotFound/ }),
    cause: /404/
  },
  // ---- v2: jobs, models, online endpoints
  {
    title: 'submit-job: the job fails',
    inputs: emu => submitJob(emu, { job: '__tests__/e2e/fixtures/jobs/failing/job.yml' }),
    outputs: () => ({ status: 'Failed', jobName: 'out_job', portalUrl: jobPortal, response: /"Failed"/ }),
    cause: /Job out_job ended Failed/
  },
  {
    title: 'submit-job: the job stays Running past timeout-minutes',
    faults: () => [{ match: { operationId: 'Jobs_CreateOrUpdate' }, kind: 'run-stuck', runStatus: 'Running' }],
    inputs: emu => submitJob(emu, { 'timeout-minutes': '0.3' }),
    outputs: () => ({ status: 'Running', jobName: 'out_job', portalUrl: jobPortal }),
    cause: /out_job is still Running after 0.3 minutes/
  },
  {
    title: 'submit-job: the job PUT is refused (400): the job named before the PUT is still given',
    faults: () => [{ match: { operationId: 'Jobs_CreateOrUpdate' }, kind: 'status', status: 400, times: -1 }],
    inputs: emu => submitJob(emu),
    outputs: () => ({ jobName: 'out_job', portalUrl: jobPortal }),
    cause: /400/
  },
  {
    title: 'poll-job: the job it follows stays Running past timeout-minutes',
    setup: emu => createJob(emu, 'out_job', 'sleep 30'),
    inputs: emu => v2(emu, 'poll-job', { 'job-name': 'out_job', 'timeout-minutes': '0.3' }),
    outputs: () => ({ status: /^(Running|Queued|Preparing|NotStarted)$/, jobName: 'out_job', portalUrl: jobPortal }),
    cause: /out_job is still/
  },
  {
    title: 'cancel-job: no such job',
    inputs: emu => v2(emu, 'cancel-job', { 'job-name': 'out_job' }),
    outputs: () => ({ jobName: 'out_job' }),
    cause: /out_job/
  },
  {
    title: 'register-model: the version PUT is refused (400): name and version are given',
    faults: () => [{ match: { operationId: 'ModelVersions_CreateOrUpdate' }, kind: 'status', status: 400, times: -1 }],
    inputs: emu => v2(emu, 'register-model', { 'model-name': 'out-model', 'model-path': 'examples/jobs/train/data' }),
    outputs: () => ({ modelName: 'out-model', modelVersion: '1' }),
    cause: /400/
  },
  {
    title: 'create-endpoint: provisioning ends Failed',
    faults: () => [{ match: { operationId: 'OnlineEndpoints_CreateOrUpdate' }, kind: 'provision-fail' }],
    inputs: emu => v2(emu, 'create-endpoint', { endpoint: 'examples/endpoints/endpoint.yml' }),
    // provisioningState: the endpoint ended Failed (not the PUT's first answer, Creating).
    outputs: () => ({ endpointName: 'linear-endpoint', provisioningState: 'Failed' }),
    cause: /Online endpoint linear-endpoint ended Failed/
  },
  {
    title: 'create-deployment: provisioning ends Failed (OutOfQuota)',
    setup: endpointAndModel,
    faults: () => [{ match: { operationId: 'OnlineDeployments_CreateOrUpdate' }, kind: 'deployment-fail' }],
    inputs: emu => deployBlue(emu),
    // provisioningState: the deployment ended Failed (not the PUT's first answer, Creating).
    outputs: () => ({ endpointName: 'linear-endpoint', deploymentName: 'blue', provisioningState: 'Failed' }),
    cause: /Deployment blue of endpoint linear-endpoint failed/
  },
  {
    title: 'create-deployment: still Creating at timeout-minutes',
    setup: endpointAndModel,
    faults: () => [
      { match: { operationId: 'OnlineDeployments_CreateOrUpdate' }, kind: 'deployment-slow', delayMs: 25_000 }
    ],
    inputs: emu => deployBlue(emu, { 'timeout-minutes': '0.2' }),
    outputs: () => ({ endpointName: 'linear-endpoint', deploymentName: 'blue', provisioningState: 'Creating' }),
    cause: /blue/
  },
  {
    title: 'create-deployment: the endpoint does not exist',
    inputs: emu => deployBlue(emu),
    outputs: () => ({ endpointName: 'linear-endpoint', deploymentName: 'blue' }),
    cause: /online endpoint linear-endpoint does not exist/
  },
  {
    title: 'set-traffic: the endpoint PUT is refused (400)',
    setup: emu => endpointWithBlue(emu, 'out-endpoint', { traffic: false }),
    faults: () => [
      { match: { operationId: 'OnlineEndpoints_CreateOrUpdate' }, kind: 'status', status: 400, times: -1 }
    ],
    inputs: emu => v2(emu, 'set-traffic', { 'endpoint-name': 'out-endpoint', traffic: 'blue=100' }),
    outputs: () => ({ endpointName: 'out-endpoint' }),
    cause: /400/
  },
  {
    title: 'delete-deployment: refused while it takes traffic',
    setup: emu => endpointWithBlue(emu, 'out-endpoint'),
    inputs: emu => v2(emu, 'delete-deployment', { 'endpoint-name': 'out-endpoint', 'deployment-name': 'blue' }),
    outputs: () => ({ endpointName: 'out-endpoint', deploymentName: 'blue' }),
    cause: /still takes 100/
  },
  {
    title: 'delete-endpoint: still Deleting at timeout-minutes',
    config: { delays: { endpointDeleteMs: 120_000 } },
    setup: emu => createEndpoint(emu, 'out-endpoint'),
    inputs: emu => v2(emu, 'delete-endpoint', { 'endpoint-name': 'out-endpoint', 'timeout-minutes': '0.1' }),
    outputs: emu => ({
      endpointName: 'out-endpoint',
      provisioningState: 'Deleting',
      resourceId: ENDPOINT_ID(emu, 'out-endpoint')
    }),
    cause: /still being deleted/
  },
  {
    title: "score by endpoint-name: the scoring script's run() raises (424): status and traceback",
    setup: emu => endpointWithBlue(emu, 'out-endpoint', { env: { FAIL_RUN: 'the input has no rows' } }),
    inputs: emu => v2(emu, 'score', { 'endpoint-name': 'out-endpoint', data: '[[1, 2]]' }),
    outputs: () => ({ statusCode: '424', response: /RuntimeError: the input has no rows/ }),
    cause: /424/
  }
]

/** The v2 cases (their own Azurite, deployments): they take turns (testScopeKeeper). */
const V2_TITLES =
  /^(submit-job|poll-job|cancel-job|register-model|create-endpoint|create-deployment|set-traffic|delete-deployment|delete-endpoint|score by endpoint-name):/
const isV2 = (c: FailureCase): boolean => c.setup !== undefined || V2_TITLES.test(c.title)

describe('every output known when a step fails is set', () => {
  const scope = testScopeKeeper()
  it.concurrent.each(CASES)(
    '$title',
    scope.track(async c => {
      await withEmulator(
        async emu => {
          await c.setup?.(emu)
          for (const rule of c.faults?.(emu) ?? []) emu.faults.add(rule)
          for (const inputs of c.before?.(emu) ?? []) expect((await step(inputs)).exitCode).toBe(0)
          const result = await step(c.inputs(emu), { timeoutMs: 90_000 })
          expect(result.exitCode).toBe(1)
          const errors = result.commands.filter(x => x.command === 'error').map(x => x.value)
          expect(errors).toHaveLength(1)
          expect(errors[0]).toMatch(c.cause)
          for (const [name, expected] of Object.entries(c.outputs(emu))) {
            const value = result.outputs[name]
            if (expected instanceof RegExp)
              expect({ [name]: value }).toEqual({ [name]: expect.stringMatching(expected) })
            else expect({ [name]: value }).toEqual({ [name]: expected })
          }
        },
        { ...c.config, delays: { ...V2_DELAYS, ...c.config?.delays } }
      )
    }, isV2),
    V2_CASE_TIMEOUT_MS
  )
  scope.guards()
})
