/**
 * The entry point: inputs → a validated Operation → its module, with the REST layer, auth and clock handed in.
 * One catch at the top turns any failure into one `core.setFailed` line, never a stack trace.
 */
import * as core from '@actions/core'
import { createTokenProvider } from './auth/tokens.js'
import type { TokenProvider } from './base/auth-types.js'
import { systemClock, type Clock } from './base/clock.js'
import type { Context } from './base/context.js'
import {
  AuthenticationError,
  AzureRequestError,
  InputError,
  OperationFailedError,
  TimeoutError
} from './base/errors.js'
import { createHttpClient } from './http/client.js'
import { HttpNetworkError } from './http/errors.js'
import { maskStepSecrets } from './http/redact.js'
import { missingAuthError } from './action/common-inputs.js'
import { parseInputs, runOperation, type Operation } from './action/dispatch.js'
import { createOutputs } from './action/outputs.js'
import { newReport, writeSummary } from './action/summary.js'
import { USER_AGENT } from './base/version.js'

export interface RunDependencies {
  clock?: Clock
  getIDToken?: (audience: string) => Promise<string>
}

/** Stands in where no credentials were given; action/dispatch.ts already refuses operations that need a token then. */
const NO_TOKENS: TokenProvider = {
  getToken: () => Promise.reject(missingAuthError())
}

export async function run(deps: RunDependencies = {}): Promise<void> {
  const report = newReport(core.getInput('operation') || 'azureml-rest')
  let failure: string | undefined
  try {
    const op = parseInputs()
    report.title = op.kind
    const ctx = createContext(op, report, deps)
    if (op.dryRun) core.info('dry-run: requests that would change something are printed as curl commands, not sent.')
    await core.group(`Azure ML: ${op.kind}`, () => runOperation(op, ctx))
  } catch (error) {
    // A service error can quote a secret back that its own request never carried: masked with every secret of the step.
    failure = maskStepSecrets(error instanceof Error ? error.message : String(error))
    // An expected failure is its message; anything else is a bug of ours, whose stack helps (shown with debug on).
    if (error instanceof Error && !isExpected(error) && error.stack) core.debug(maskStepSecrets(error.stack))
    core.setFailed(failure)
  }
  try {
    await writeSummary(report, failure ? 'failed' : 'succeeded', failure)
  } catch (error) {
    core.warning(`Could not write the job summary: ${(error as Error).message}`)
  }
}

/** Also used by the post step (post-main.ts). */
export function createContext(op: Operation, report: Context['report'], deps: RunDependencies): Context {
  const clock = deps.clock ?? systemClock
  const deadline = clock.now() + op.timeoutMinutes * 60_000
  const base = { clock, userAgent: USER_AGENT, deadline, dryRun: op.dryRun }
  const tokens = op.auth
    ? createTokenProvider(op.auth, {
        // Token requests go through the same retries, without a token of their own.
        http: createHttpClient({ ...base, tokens: NO_TOKENS }),
        clock,
        getIDToken: deps.getIDToken ?? (audience => core.getIDToken(audience))
      })
    : NO_TOKENS
  return { http: createHttpClient({ ...base, tokens }), tokens, clock, outputs: createOutputs(), report, deadline }
}

function isExpected(error: Error): boolean {
  return [
    InputError,
    AzureRequestError,
    AuthenticationError,
    TimeoutError,
    OperationFailedError,
    HttpNetworkError
  ].some(type => error instanceof type)
}
