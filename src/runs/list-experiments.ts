import * as core from '@actions/core'
import type { Context } from '../base/context.js'
import { armAuth, dataPlaneUrl, listAll, Pages, workspaceApi, workspacePortalUrl } from '../arm/endpoints.js'
import { parseJson } from '../http/client.js'
import { printableUrl } from '../http/redact.js'
import type { RequestAuth } from '../base/http-types.js'
import type { ListExperimentsOperation } from './inputs.js'
import { reportList } from '../action/list-output.js'

/**
 * The guide lists experiments with GET `history/v1.0{WS}/experiments`; the published spec only has POST
 * `experiments:query`. Try the guide's call first and fall back to the spec's when the service does not know it.
 */
export async function listExperiments(op: ListExperimentsOperation, ctx: Context): Promise<void> {
  ctx.report.links.push({
    text: `Open ${op.workspace.workspaceName} in Azure ML studio`,
    href: workspacePortalUrl(op, op.workspace)
  })
  const api = await workspaceApi(ctx, op, op.workspace)
  const auth = armAuth(op)
  let list: { value: unknown[] }
  try {
    list = await listAll(ctx, dataPlaneUrl(api, 'history', op.workspace, '/experiments'), auth)
  } catch (error) {
    const status = (error as { status?: number }).status
    if (status !== 404 && status !== 405 && status !== 400) throw error
    core.info(`GET experiments answered ${status}; listing with POST experiments:query instead.`)
    list = await queryAll(ctx, dataPlaneUrl(api, 'history', op.workspace, '/experiments:query'), auth)
  }
  ctx.outputs.setResponse(list, { count: true })
  reportList(ctx, `Experiments in ${op.workspace.workspaceName}`, list.value, ['name', 'experimentId', 'createdUtc'])
}

/** POST `experiments:query` pages through `continuationToken`. */
async function queryAll(ctx: Context, url: string, auth: RequestAuth): Promise<{ value: unknown[] }> {
  // A repeated token or too many pages ends the list with a warning; each experiment is kept once (arm/endpoints.ts).
  const pages = new Pages(`POST ${printableUrl(url)}`)
  let continuationToken: string | undefined
  while (pages.admit(continuationToken ?? '')) {
    const response = await ctx.http.send({
      method: 'POST',
      url,
      auth,
      body: continuationToken ? { continuationToken } : {},
      idempotent: true,
      readOnly: true
    })
    if (response.dryRun) break
    const body = parseJson<{ value?: unknown[]; continuationToken?: string | null }>(response)
    pages.add(body?.value ?? [])
    continuationToken = body?.continuationToken ?? undefined
    if (!continuationToken) break
  }
  return { value: pages.items }
}
