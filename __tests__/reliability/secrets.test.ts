/**
 * The canary sweep: the emulator's client secret, the scoring key, a compute admin password and an online endpoint's
 * two keys (set by the endpoint's PUT, handed out by listKeys) are canaries with `~ + / = % "`, a space (and, where a
 * header does not carry them, a newline); an AML token the emulator issued for an AMLToken endpoint is one too. Every
 * operation (all 26, v2 jobs, models and online endpoints included; score also by endpoint-name, Key and AMLToken) runs
 * with ACTIONS_STEP_DEBUG=true three ways: succeeding, with the token endpoint failing with an answer that echoes the
 * request (the canary raw and form-encoded), and with the operation's own route doing the same (for score by name: the
 * scoring answer echoing the keys or token the step was handed). The canaries never appear, in any form, in the stdout
 * lines the runner shows (everything but `::add-mask::`), stderr, the outputs (`accessToken` of get-token excepted),
 * the job summary or the state file.
 */
import { afterAll, describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import type { Emulator, FaultMatch } from '../../emulator/index.js'
import type { StepResult } from '../../demo/runner.js'
import { namedSecretForms, step, visibleLines, workspaceInputs } from '../e2e/helpers.js'
import { HELLO, testScopeKeeper, V2_CASE_TIMEOUT_MS, withEmulator, writeFigures } from './support.js'
import { call } from '../emulator/helpers.js'
import {
  armToken,
  createEndpoint,
  createJob,
  endpointPath,
  endpointWithBlue,
  registerModel,
  V2_DELAYS
} from './v2-support.js'

const CLIENT_SECRET = 'c4n~ry+/=%" client\nsecret-Q7'
/** A header value (`Authorization: Bearer <key>`): no line break, no space. */
const SCORING_KEY = 'k3y~c4n+/=%"ary-SCORE-8'
const PASSWORD = 'pw~c4n+/=%" ary\nADMIN-5'
/** An online endpoint's keys (set by the endpoint's PUT, `properties.keys`), as listKeys hands them out. */
const ENDPOINT_PRIMARY_KEY = 'ep~pr1m+/=%"ary-KEY-ONE'
const ENDPOINT_SECONDARY_KEY = 'ep~sec0nd+/=%"ary-KEY-TWO'
const ENDPOINT_KEYS = { primaryKey: ENDPOINT_PRIMARY_KEY, secondaryKey: ENDPOINT_SECONDARY_KEY }
const CANARIES: Record<string, string> = {
  'client secret': CLIENT_SECRET,
  'scoring key': SCORING_KEY,
  'admin password': PASSWORD,
  "an endpoint's primary key": ENDPOINT_PRIMARY_KEY,
  "an endpoint's secondary key": ENDPOINT_SECONDARY_KEY
}
/** Canaries known only once a case is set up (an AML token the emulator issued), by name. */
type Extra = Record<string, string>

const FORM_NAMES = Object.keys(namedSecretForms('x'))
/** Each line of a multi-line secret alone too: the runner masks and shows a log line by line. */
function pieces(secret: string): string[] {
  return secret.includes('\n') ? secret.split('\n').filter(p => p.length >= 6) : []
}

/** A line as the runner shows it: a workflow command's value with its %25 %0D %0A escapes undone. */
function shownLine(line: string): string {
  const command = /^::[\w-]+(?: [^:]*)?::(.*)$/.exec(line)
  if (!command) return line
  return command[1].replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%25/g, '%')
}

let checks = 0
const operationsChecked = new Set<string>()
const runs: { case: string; exitCode: number }[] = []

function expectNoCanary(
  operation: string,
  title: string,
  result: StepResult & { stateFile: string },
  extra: Extra = {}
): void {
  const outputs = Object.entries(result.outputs)
    .filter(([name]) => !(operation === 'get-token' && name === 'accessToken'))
    .map(([name, value]) => `${name}=${value}`)
  const places: Record<string, string> = {
    stdout: visibleLines(result.stdout).map(shownLine).join('\n'),
    stderr: result.stderr,
    outputs: outputs.join('\n'),
    summary: result.summary,
    state: readFileSync(result.stateFile, 'utf8')
  }
  for (const [canary, secret] of Object.entries({ ...CANARIES, ...extra })) {
    for (const [formName, form] of Object.entries(namedSecretForms(secret))) {
      for (const [place, text] of Object.entries(places)) {
        if (text.includes(form)) throw new Error(`${title}: the ${canary} (${formName}) is in ${place}`)
      }
      checks++
    }
    for (const piece of pieces(secret)) {
      for (const [place, text] of Object.entries(places)) {
        if (text.includes(piece)) throw new Error(`${title}: a line of the ${canary} is in ${place}`)
      }
    }
  }
  operationsChecked.add(operation)
  runs.push({ case: title, exitCode: result.exitCode })
}

afterAll(() => {
  writeFigures('secrets', {
    summary: {
      operations: operationsChecked.size,
      canaries: Object.keys(CANARIES).length + 1, // + the AML token of an AMLToken endpoint
      forms: FORM_NAMES.length,
      steps: runs.length,
      checks,
      leaks: 0
    },
    forms: FORM_NAMES,
    places: ['stdout (all but ::add-mask::)', 'stderr', 'outputs', 'job summary', 'state file'],
    runs
  })
})

const DEBUG = { ACTIONS_STEP_DEBUG: 'true', RUNNER_DEBUG: '1' }
/** Operations whose cases start Azurite or a deployment (score too when it scores by endpoint-name: it has a setup). */
const V2_OPERATIONS = new Set([
  'submit-job',
  'poll-job',
  'cancel-job',
  'register-model',
  'register-data',
  'create-endpoint',
  'create-deployment',
  'set-traffic',
  'delete-deployment',
  'delete-endpoint'
])
type Inputs = Record<string, string>

interface Operation {
  operation: string
  inputs: (emu: Emulator) => Inputs
  /** The route the operation's own echo fault answers on. */
  route: FaultMatch
  /** Whether it asks Entra for a token (score with a key does not). */
  usesToken?: false
  /** The canaries this step is given (and a failing answer echoes back): default the client secret. */
  secrets?: string[]
  /**
   * What the case starts from, made over REST before the step (and before any fault): a job, a model, an endpoint
   * with its keys, a deployment. Returns the canaries it made (an AML token), by name.
   */
  setup?: (emu: Emulator) => Promise<Extra | void>
  /**
   * Secrets the step learns from the service (an endpoint's keys): echoed back only by its own route's failing answer,
   * which comes after it has them (the token endpoint's comes before: it could not know them, nor mask them).
   */
  learned?: string[]
}

const ws = (emu: Emulator, more: Inputs = {}): Inputs => ({ ...workspaceInputs(emu), ...more })

const OPERATIONS: Operation[] = [
  { operation: 'get-token', inputs: ws, route: { operationId: 'Entra_Token' } },
  { operation: 'list-resource-groups', inputs: ws, route: { method: 'GET', path: '/resourcegroups$' } },
  { operation: 'list-workspaces', inputs: ws, route: { method: 'GET', path: '/workspaces$' } },
  { operation: 'get-workspace', inputs: ws, route: { method: 'GET', path: '/workspaces/ws-demo$' } },
  {
    operation: 'create-workspace',
    inputs: emu =>
      ws(emu, {
        'workspace-name': 'ws-canary',
        location: emu.seed.location,
        'storage-account': emu.seed.storageAccountId,
        'key-vault': emu.seed.keyVaultId,
        'application-insights': emu.seed.applicationInsightsId
      }),
    route: { method: 'PUT', path: '/workspaces/ws-canary$' }
  },
  { operation: 'delete-workspace', inputs: ws, route: { method: 'DELETE', path: '/workspaces/ws-demo$' } },
  { operation: 'list-computes', inputs: ws, route: { method: 'GET', path: '/computes$' } },
  {
    operation: 'create-compute',
    inputs: emu =>
      ws(emu, {
        'compute-name': 'canary-cluster',
        'vm-size': 'Standard_D1',
        'admin-username': 'azureuser',
        'admin-password': PASSWORD
      }),
    route: { method: 'PUT', path: '/computes/canary-cluster$' },
    secrets: [CLIENT_SECRET, PASSWORD]
  },
  {
    operation: 'delete-compute',
    inputs: emu => ws(emu, { 'compute-name': emu.seed.computeName }),
    route: { method: 'DELETE', path: '/computes/' }
  },
  // Both the guide's GET and its POST experiments:query fallback.
  { operation: 'list-experiments', inputs: ws, route: { path: '/experiments(:query)?$' } },
  {
    operation: 'start-run',
    inputs: emu =>
      ws(emu, {
        'experiment-name': 'canary',
        'compute-target': emu.seed.computeName,
        'source-directory': HELLO,
        script: 'hello.py'
      }),
    route: { operationId: 'Runs_StartRun' }
  },
  {
    operation: 'poll-run',
    inputs: emu => ws(emu, { 'experiment-name': emu.seed.experimentName, 'run-id': emu.seed.runId }),
    route: { operationId: 'Runs_Get' }
  },
  {
    operation: 'cancel-run',
    inputs: emu => ws(emu, { 'experiment-name': emu.seed.experimentName, 'run-id': emu.seed.runId }),
    route: { method: 'POST', path: '/cancel$' }
  },
  { operation: 'list-models', inputs: ws, route: { method: 'GET', path: '/models$' } },
  {
    operation: 'delete-model',
    inputs: emu => ws(emu, { 'model-id': emu.seed.modelId }),
    route: { method: 'DELETE', path: '/models/' }
  },
  {
    operation: 'score',
    inputs: emu => ({ 'scoring-uri': emu.seed.scoringUri, 'scoring-key': SCORING_KEY, data: '[[1, 2, 3, 4]]' }),
    route: { operationId: 'Emulator_Score' },
    usesToken: false,
    secrets: [SCORING_KEY]
  },
  {
    operation: 'request',
    inputs: emu => ws(emu, { path: '{WS}/computes', service: 'arm' }),
    route: { method: 'GET', path: '/computes$' }
  },
  // ---- v2: jobs, models, online endpoints (keys and AML tokens as canaries too)
  {
    operation: 'submit-job',
    inputs: emu => ws(emu, { job: 'examples/jobs/hello.yml', set: `compute=azureml:${emu.seed.computeName}` }),
    route: { operationId: 'Jobs_CreateOrUpdate' }
  },
  {
    operation: 'poll-job',
    setup: emu => createJob(emu, 'canary_poll', 'echo polled'),
    inputs: emu => ws(emu, { 'job-name': 'canary_poll' }),
    route: { operationId: 'Jobs_Get' }
  },
  {
    operation: 'cancel-job',
    setup: emu => createJob(emu, 'canary_cancel', 'sleep 20'),
    inputs: emu => ws(emu, { 'job-name': 'canary_cancel' }),
    route: { operationId: 'Jobs_Cancel' }
  },
  {
    operation: 'register-model',
    inputs: emu => ws(emu, { 'model-name': 'canary-model', 'model-path': 'examples/jobs/train/data' }),
    route: { operationId: 'ModelVersions_CreateOrUpdate' }
  },
  {
    operation: 'register-data',
    inputs: emu => ws(emu, { data: '__tests__/data/fixtures/folder.yml' }),
    route: { operationId: 'DataVersions_CreateOrUpdate' }
  },
  {
    operation: 'create-endpoint',
    inputs: emu => ws(emu, { endpoint: 'examples/endpoints/endpoint.yml' }),
    route: { operationId: 'OnlineEndpoints_CreateOrUpdate' }
  },
  {
    operation: 'create-deployment',
    setup: async emu => {
      await Promise.all([registerModel(emu), createEndpoint(emu, 'linear-endpoint', { keys: ENDPOINT_KEYS })])
    },
    inputs: emu => ws(emu, { deployment: 'examples/endpoints/blue.yml', traffic: '100' }),
    route: { operationId: 'OnlineDeployments_CreateOrUpdate' }
  },
  {
    operation: 'set-traffic',
    setup: async emu => {
      await endpointWithBlue(emu, 'canary-endpoint', { keys: ENDPOINT_KEYS, traffic: false })
    },
    inputs: emu => ws(emu, { 'endpoint-name': 'canary-endpoint', traffic: 'blue=100' }),
    route: { operationId: 'OnlineEndpoints_CreateOrUpdate' }
  },
  {
    operation: 'delete-deployment',
    setup: async emu => {
      await endpointWithBlue(emu, 'canary-endpoint', { keys: ENDPOINT_KEYS, traffic: false })
    },
    inputs: emu => ws(emu, { 'endpoint-name': 'canary-endpoint', 'deployment-name': 'blue' }),
    route: { operationId: 'OnlineDeployments_Delete' }
  },
  {
    operation: 'delete-endpoint',
    setup: emu => createEndpoint(emu, 'canary-endpoint', { keys: ENDPOINT_KEYS }),
    inputs: emu => ws(emu, { 'endpoint-name': 'canary-endpoint' }),
    route: { operationId: 'OnlineEndpoints_Delete' }
  },
  // Its keys come from listKeys; the scoring answer that fails echoes them back (after they were masked).
  {
    operation: 'score',
    setup: async emu => {
      await endpointWithBlue(emu, 'canary-endpoint', { keys: ENDPOINT_KEYS })
    },
    inputs: emu => ws(emu, { 'endpoint-name': 'canary-endpoint', data: '[[1, 2]]' }),
    route: { operationId: 'Emulator_OnlineScore' },
    learned: [ENDPOINT_PRIMARY_KEY, ENDPOINT_SECONDARY_KEY]
  }
]

/** A failing answer that echoes the request back: each canary the step was given, raw, form- and URL-encoded. */
function echo(op: Operation, learned: string[] = []): string {
  return [...(op.secrets ?? [CLIENT_SECRET]), ...learned]
    .map(
      secret =>
        `raw=${secret} form=${namedSecretForms(secret)['form-encoded']} uri=${namedSecretForms(secret)['URL-encoded']}`
    )
    .join(' | ')
}

type Mode = 'succeeding' | 'token endpoint echoes the request' | 'the operation route echoes the request'
const MODES: Mode[] = ['succeeding', 'token endpoint echoes the request', 'the operation route echoes the request']

function arrange(emu: Emulator, op: Operation, mode: Mode, extra: Extra): void {
  if (mode === 'token endpoint echoes the request') {
    emu.faults.add({
      match: { operationId: 'Entra_Token' },
      kind: 'status',
      status: 401,
      body: {
        error: 'invalid_client',
        error_description: `AADSTS7000215: Invalid client secret provided. Received: ${echo(op)}`,
        error_codes: [7000215]
      },
      times: -1
    })
  } else if (mode === 'the operation route echoes the request') {
    const message = `The request was malformed. You sent: ${echo(op, [...(op.learned ?? []), ...Object.values(extra)])}`
    emu.faults.add({
      match: op.route,
      kind: 'status',
      status: 400,
      body:
        op.operation === 'get-token'
          ? { error: 'invalid_request', error_description: `AADSTS900144: ${message}`, error_codes: [900144] }
          : { error: { code: 'BadRequest', message } },
      times: -1
    })
  }
}

const cases = OPERATIONS.flatMap(op =>
  MODES.filter(mode => !(mode === 'token endpoint echoes the request' && op.usesToken === false)).map(mode => ({
    op,
    mode,
    title: `${op.operation}: ${mode}`
  }))
)
// score with an Entra token instead of the key, so the client secret goes through it too.
const scoreWithToken: Operation = {
  operation: 'score',
  inputs: emu => ({
    ...workspaceInputs(emu),
    'scoring-uri': emu.seed.scoringUri,
    'scoring-auth': 'token',
    data: '[[1, 2, 3, 4]]'
  }),
  route: { operationId: 'Emulator_Score' }
}
cases.push(...MODES.map(mode => ({ op: scoreWithToken, mode, title: `score (scoring-auth: token): ${mode}` })))
/**
 * score by name on an AMLToken endpoint: the step gets its token from the endpoint's token call. The token is a real
 * one the emulator issued for the endpoint (fetched in the set-up and handed to the step by a rule on that call, so the
 * test knows it): the canary, in every form, and the answer that fails echoes it back.
 */
const scoreAmlToken: Operation = {
  operation: 'score',
  setup: async emu => {
    await endpointWithBlue(emu, 'canary-aml', { authMode: 'AMLToken' })
    const issued = await call(`${emu.url}${endpointPath(emu, 'canary-aml')}/token?api-version=2024-04-01`, {
      method: 'POST',
      token: await armToken(emu)
    })
    expect(issued.status).toBe(200)
    emu.faults.add({
      match: { operationId: 'OnlineEndpoints_GetToken' },
      kind: 'status',
      status: 200,
      body: issued.json,
      times: -1
    })
    return { 'an AML token': issued.json.accessToken as string }
  },
  inputs: emu => ws(emu, { 'endpoint-name': 'canary-aml', data: '[[1, 2]]' }),
  route: { operationId: 'Emulator_OnlineScore' }
}
cases.push(...MODES.map(mode => ({ op: scoreAmlToken, mode, title: `score (endpoint-name, AMLToken): ${mode}` })))

describe(`canary sweep: ${new Set(OPERATIONS.map(o => o.operation)).size} operations × ${MODES.length} ways, ACTIONS_STEP_DEBUG=true`, () => {
  const scope = testScopeKeeper()
  it.concurrent.each(cases)(
    '$title',
    scope.track(
      async ({ op, mode, title }) => {
        await withEmulator(
          async emu => {
            const extra = (await op.setup?.(emu)) ?? {}
            arrange(emu, op, mode, extra)
            const result = await step({ operation: op.operation, ...op.inputs(emu) }, { env: DEBUG })
            if (mode === 'succeeding') {
              expect(result.commands.filter(c => c.command === 'error')).toEqual([])
              expect(result.exitCode).toBe(0)
            } else {
              expect(result.exitCode).toBe(1)
              expect(result.commands.filter(c => c.command === 'error')).toHaveLength(1)
              // The echo really came back (the step saw the failing answer).
              expect(emu.requests.some(r => r.fault === 'status')).toBe(true)
            }
            expect(result.stdout).toContain('::debug::') // debug logging really was on
            expectNoCanary(op.operation, title, result, extra)
          },
          {
            seed: { clientSecret: CLIENT_SECRET, scoringKey: SCORING_KEY },
            scoringAcceptsTokens: true,
            delays: V2_DELAYS
          }
        )
      },
      ({ op }) => V2_OPERATIONS.has(op.operation) || op.setup !== undefined
    ),
    V2_CASE_TIMEOUT_MS
  )
  scope.guards()
})
