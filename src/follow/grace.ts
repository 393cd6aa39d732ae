/**
 * A client for the last call after the step's deadline or on SIGINT (cancel-on-timeout, a cancelled workflow): the
 * same tokens, and a short deadline of its own (`CANCEL_BUDGET_MS`, 4 s), since the runner kills the step 7.5 s after
 * SIGINT.
 */
import type { Context } from '../base/context.js'
import type { CommonSettings } from '../base/settings.js'
import { USER_AGENT } from '../base/version.js'
import { createHttpClient } from '../http/client.js'
import type { HttpClient } from '../base/http-types.js'
import { CANCEL_BUDGET_MS } from './signals.js'

export function graceClient(ctx: Context, settings: CommonSettings, budgetMs = CANCEL_BUDGET_MS): HttpClient {
  return createHttpClient({
    tokens: ctx.tokens,
    clock: ctx.clock,
    userAgent: USER_AGENT,
    deadline: ctx.clock.now() + budgetMs,
    maxAttempts: 3,
    dryRun: settings.dryRun
  })
}
