import * as core from '@actions/core'
import type { Context } from '../action/context.js'
import { AzureRequestError } from '../action/errors.js'
import { redactUrl } from '../http/redact.js'
import type { RequestAuth } from '../http/types.js'
import type { ScoreOperation } from './inputs.js'
import { SCORING_MAX_ATTEMPTS, SCORING_RETRY_STATUSES } from './inputs.js'

/**
 * The guide's step 8: POST the JSON body to the scoring URI with `Authorization: Bearer {key}` (or an Entra token with
 * `scoring-auth: token`). Scoring changes nothing, so 429, 503, 504 and connection errors are retried within a small budget
 * of attempts; 400, 401 and 403 never are. `response` holds the JSON answer, or the text of an answer that is not JSON.
 * In dry-run the request is printed, not sent: a scoring call may bill or log on the service side.
 */
export async function score(op: ScoreOperation, ctx: Context): Promise<void> {
  const { uri, auth, body, rows, source, timeoutMs } = op.score
  const shown = redactUrl(uri)
  ctx.report.facts.push(
    ['Scoring URI', shown],
    [
      'Input',
      rows === undefined ? `a JSON object from ${source}` : `${rows} row${rows === 1 ? '' : 's'} from ${source}`
    ],
    ['Authentication', auth.kind === 'key' ? 'scoring key' : `Entra token for ${auth.resource}`]
  )
  const requestAuth: RequestAuth =
    auth.kind === 'key' ? { kind: 'bearer', value: auth.key } : { kind: 'token', resource: auth.resource }
  try {
    const response = await ctx.http.send({
      method: 'POST',
      url: uri,
      auth: requestAuth,
      headers: { Accept: 'application/json, text/plain;q=0.9, */*;q=0.8' },
      body,
      // Safe to repeat: scoring creates nothing. Narrowed to 429/503/504 and connection errors, a few attempts.
      idempotent: true,
      readOnly: false,
      timeoutMs,
      retry: { maxAttempts: SCORING_MAX_ATTEMPTS, statuses: SCORING_RETRY_STATUSES }
    })
    if (response.dryRun) return
    const kind = setAnswer(ctx, response.status, response.body)
    ctx.report.facts.push(['Status', String(response.status)], ['Answer', kind])
    core.info(
      `Scored ${rows === undefined ? 'the input' : `${rows} row${rows === 1 ? '' : 's'}`} at ${shown}: ` +
        `${response.status}, ${kind}. The answer is in the response output.`
    )
  } catch (error) {
    // The status and the service's answer are outputs even when the step fails.
    if (error instanceof AzureRequestError) {
      setAnswer(ctx, error.status, error.body ?? '')
      ctx.report.facts.push(['Status', String(error.status)])
    }
    throw error
  }
}

/** Sets `statusCode` and `response` (JSON when the answer parses, else its text); says which it was. */
function setAnswer(ctx: Context, status: number, text: string): string {
  ctx.outputs.set('statusCode', status)
  const trimmed = text.replace(/^\uFEFF/, '')
  if (trimmed.trim() === '') {
    ctx.outputs.setResponse(undefined)
    return 'an empty answer'
  }
  try {
    ctx.outputs.setResponse(JSON.parse(trimmed))
    return `${Buffer.byteLength(trimmed)} bytes of JSON`
  } catch {
    ctx.outputs.setResponse(text, { text: true })
    return `${Buffer.byteLength(text)} bytes of text (not JSON)`
  }
}
