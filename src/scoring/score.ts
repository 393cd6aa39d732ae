import * as core from '@actions/core'
import type { Context } from '../base/context.js'
import { AzureRequestError, InputError, OperationFailedError } from '../base/errors.js'
import { endpointKey, endpointToken, getEndpoint, listDeployments } from '../online-endpoints/rest.js'
import { printableUrl } from '../http/redact.js'
import type { RequestAuth } from '../base/http-types.js'
import type { ScoreOperation } from './inputs.js'
import { SCORING_MAX_ATTEMPTS, SCORING_RETRY_STATUSES } from './inputs.js'

/**
 * The guide's step 8: POST the JSON body to the scoring URI with `Authorization: Bearer {key}` (or an Entra token with
 * `scoring-auth: token`). Scoring changes nothing, so 429, 503, 504 and connection errors are retried within a small budget
 * of attempts; 400, 401 and 403 never are. `response` holds the JSON answer, or the text of an answer that is not JSON.
 * In dry-run the request is printed, not sent: a scoring call may bill or log on the service side.
 */
export async function score(op: ScoreOperation, ctx: Context): Promise<void> {
  const { body, rows, source, timeoutMs } = op.score
  const { uri, auth, headers } = await resolveTarget(op, ctx)
  // Printed with every query value masked, and the key itself in any form: the URI may carry a key in its query.
  const shown = printableUrl(uri, auth.secrets, true)
  ctx.report.facts.push(
    ['Scoring URI', shown],
    [
      'Input',
      rows === undefined ? `a JSON object from ${source}` : `${rows} row${rows === 1 ? '' : 's'} from ${source}`
    ],
    ['Authentication', auth.description]
  )
  const requestAuth = auth.request
  try {
    const response = await ctx.http.send({
      method: 'POST',
      url: uri,
      auth: requestAuth,
      headers: { Accept: 'application/json, text/plain;q=0.9, */*;q=0.8', ...headers },
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

interface ResolvedTarget {
  uri: string
  auth: { request: RequestAuth; description: string; secrets: string[] }
  headers: Record<string, string>
}

/**
 * The URI, the auth and the headers to score with. By name: `GET {WS}/onlineEndpoints/{e}` gives `scoringUri` and
 * `authMode` (mfe.json `OnlineEndpoint`); a Key endpoint takes its primary key (`listKeys`), an AMLToken endpoint a
 * token from `POST .../token`, an AADToken endpoint an Entra token for `resource` (V2.md "Online endpoints"); keys and
 * tokens are masked the moment they arrive. `deployment-name` becomes the `azureml-model-deployment` header.
 */
async function resolveTarget(op: ScoreOperation, ctx: Context): Promise<ResolvedTarget> {
  const target = op.score.target
  if (target.kind === 'uri') {
    const auth = target.auth
    return {
      uri: target.uri,
      auth:
        auth.kind === 'key'
          ? { request: { kind: 'bearer', value: auth.key }, description: 'scoring key', secrets: [auth.key] }
          : {
              request: { kind: 'token', resource: auth.resource },
              description: `Entra token for ${auth.resource}`,
              secrets: []
            },
      headers: {}
    }
  }
  const endpoint = { workspace: target.workspace, name: target.endpointName }
  const found = await getEndpoint(ctx, op, endpoint)
  if (!found) {
    throw new InputError(
      'endpoint-name',
      `online endpoint ${target.endpointName} does not exist in workspace ${target.workspace.workspaceName}.`
    )
  }
  const props = found.body.properties ?? {}
  if (!props.scoringUri)
    throw new OperationFailedError(
      `Online endpoint ${target.endpointName} has no scoringUri yet (${props.provisioningState ?? 'unknown state'}).`
    )
  if (target.deploymentName && props.traffic && !(target.deploymentName in props.traffic)) {
    const known = (await listDeployments(ctx, op, endpoint)).includes(target.deploymentName)
    if (!known) {
      throw new InputError(
        'deployment-name',
        `${target.deploymentName} is not a deployment of endpoint ${target.endpointName} (it has ${Object.keys(props.traffic).join(', ') || 'none'}).`
      )
    }
  }
  ctx.report.facts.push(['Endpoint', target.endpointName])
  if (target.deploymentName) ctx.report.facts.push(['Deployment', target.deploymentName])
  const headers: Record<string, string> = target.deploymentName
    ? { 'azureml-model-deployment': target.deploymentName }
    : {}
  const mode = props.authMode ?? 'Key'
  if (mode === 'AADToken') {
    return {
      uri: props.scoringUri,
      auth: {
        request: { kind: 'token', resource: target.aadResource },
        description: `Entra token for ${target.aadResource} (AADToken)`,
        secrets: []
      },
      headers
    }
  }
  const secret = mode === 'AMLToken' ? await endpointToken(ctx, op, endpoint) : await endpointKey(ctx, op, endpoint)
  return {
    uri: props.scoringUri,
    auth: {
      request: { kind: 'bearer', value: secret },
      description: mode === 'AMLToken' ? 'AML token (AMLToken)' : "the endpoint's primary key (Key)",
      secrets: [secret]
    },
    headers
  }
}
