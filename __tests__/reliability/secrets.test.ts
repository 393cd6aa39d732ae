/**
 * The canary sweep: the emulator's client secret, the scoring key and a compute admin password are canaries with
 * `~ + / = % "`, a space (and, where a header does not carry them, a newline). Every operation (all 17) runs with
 * ACTIONS_STEP_DEBUG=true three ways: succeeding, with the token endpoint failing with an answer that echoes the
 * request (the canary raw and form-encoded), and with the operation's own route doing the same. The canaries never
 * appear, in any form, in the stdout lines the runner shows (everything but `::add-mask::`), stderr, the outputs
 * (`accessToken` of get-token excepted), the job summary or the state file.
 */
import { afterAll, describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import type { Emulator, FaultMatch } from '../../emulator/index.js'
import type { StepResult } from '../../demo/runner.js'
import { namedSecretForms, step, visibleLines, workspaceInputs } from '../e2e/helpers.js'
import { HELLO, withEmulator, writeFigures } from './support.js'

const CLIENT_SECRET = 'c4n~ry+/=%" client\nsecret-Q7'
/** A header value (`Authorization: Bearer <key>`): no line break, no space. */
const SCORING_KEY = 'k3y~c4n+/=%"ary-SCORE-8'
const PASSWORD = 'pw~c4n+/=%" ary\nADMIN-5'
const CANARIES = { 'client secret': CLIENT_SECRET, 'scoring key': SCORING_KEY, 'admin password': PASSWORD }

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

function expectNoCanary(operation: string, title: string, result: StepResult & { stateFile: string }): void {
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
  for (const [canary, secret] of Object.entries(CANARIES)) {
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
      canaries: Object.keys(CANARIES).length,
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
  }
]

/** A failing answer that echoes the request back: each canary the step was given, raw, form- and URL-encoded. */
function echo(op: Operation): string {
  return (op.secrets ?? [CLIENT_SECRET])
    .map(
      secret =>
        `raw=${secret} form=${namedSecretForms(secret)['form-encoded']} uri=${namedSecretForms(secret)['URL-encoded']}`
    )
    .join(' | ')
}

type Mode = 'succeeding' | 'token endpoint echoes the request' | 'the operation route echoes the request'
const MODES: Mode[] = ['succeeding', 'token endpoint echoes the request', 'the operation route echoes the request']

function arrange(emu: Emulator, op: Operation, mode: Mode): void {
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
    const message = `The request was malformed. You sent: ${echo(op)}`
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

describe(`canary sweep: ${OPERATIONS.length} operations × ${MODES.length} ways, ACTIONS_STEP_DEBUG=true`, () => {
  it.concurrent.each(cases)('$title', async ({ op, mode, title }) => {
    await withEmulator(
      async emu => {
        arrange(emu, op, mode)
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
        expectNoCanary(op.operation, title, result)
      },
      { seed: { clientSecret: CLIENT_SECRET, scoringKey: SCORING_KEY }, scoringAcceptsTokens: true }
    )
  })
})
