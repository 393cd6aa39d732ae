import type { Context } from '../base/context.js'
import { armAuth, joinUrl, workspaceApi, workspacePath } from '../arm/endpoints.js'
import { AzureRequestError, InputError } from '../base/errors.js'
import type { RequestOperation } from './inputs.js'

/**
 * Any call of the REST API, authenticated and retried like the others. `path` is relative to ARM or to the
 * workspace's API server and may use the placeholders {subscriptionId}, {resourceGroup}, {workspaceName} and {WS};
 * `url` must point at one of those two servers, the only ones the token is for.
 */
export async function request(op: RequestOperation, ctx: Context): Promise<void> {
  const api = op.workspace && op.service === 'api' ? await workspaceApi(ctx, op, op.workspace) : undefined
  const url = 'path' in op.target ? targetUrl(op, op.target.path, api) : checkedUrl(op.target.url, api)

  ctx.report.facts.push(['Request', `${op.method} ${new URL(url).pathname}`])
  try {
    const response = await ctx.http.send({
      method: op.method,
      url,
      auth: armAuth(op),
      body: op.body as object | undefined,
      readOnly: op.method === 'GET' || op.method === 'HEAD'
    })
    if (response.dryRun) return
    ctx.outputs.set('statusCode', response.status)
    ctx.outputs.setResponse(parseBody(response.body))
    ctx.report.facts.push(['Status', String(response.status)])
  } catch (error) {
    // The answer is an output even when the step fails: the caller may want to read the error body.
    if (error instanceof AzureRequestError) {
      ctx.outputs.set('statusCode', error.status)
      ctx.outputs.setResponse(parseBody(error.body ?? ''))
    }
    throw error
  }
}

function targetUrl(op: RequestOperation, path: string, api: string | undefined): string {
  const expanded = expandPlaceholders(op, path)
  if (op.service === 'api') return joinUrl(api as string, expanded)
  return joinUrl(op.endpoints.armEndpoint, expanded, { 'api-version': op.apiVersion })
}

/** With service api, an absolute `url` must be on the workspace's API server (ARM urls are checked in rest/inputs.ts). */
function checkedUrl(url: string, api: string | undefined): string {
  if (api && new URL(url).host !== new URL(api).host) {
    throw new InputError(
      'url',
      `the host ${new URL(url).host} is not the workspace's API server (${new URL(api).host}), the only one the token is sent to with service api.`
    )
  }
  return url
}

function expandPlaceholders(op: RequestOperation, path: string): string {
  const ws = op.workspace
  const values: Record<string, string | undefined> = {
    subscriptionId: op.subscriptionId,
    resourceGroup: ws?.resourceGroup,
    workspaceName: ws?.workspaceName,
    WS: ws ? workspacePath(ws) : undefined
  }
  return path.replace(/\{(subscriptionId|resourceGroup|workspaceName|WS)\}/g, (whole, name: string) => {
    const value = values[name]
    if (value === undefined)
      throw new Error(
        `Input 'path': the placeholder ${whole} needs its input (subscription-id, resource-group, workspace-name).`
      )
    return name === 'WS' ? value : encodeURIComponent(value)
  })
}

function parseBody(text: string): unknown {
  if (text === '') return undefined
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}
