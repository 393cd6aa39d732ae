/**
 * Model management (modelManagement.json 2019-09-30, data plane): `MLModels_ListQuery` (filters `name`,
 * `framework`, `runId`; `count`, `$skipToken`, `orderBy`), `MLModels_QueryById`, `MLModels_Delete` (404 for an absent
 * model unless `deleteMissingModelStatus: 204`), with errors in the service's own ModelErrorResponse shape.
 */
import type { Core } from '../core/context.js'
import { isReply, json, modelError } from '../core/http.js'
import type { EmulatorModule } from '../core/routes.js'
import type { Model } from '../core/state.js'
import type { Reply, RequestContext } from '../core/types.js'
import { dataPlaneWorkspace } from './workspaces.js'

function modelBody(m: Model): Record<string, unknown> {
  const { workspaceKey: _ws, ...rest } = m
  return rest
}

function workspaceOr404(core: Core, ctx: RequestContext): string | Reply {
  const w = dataPlaneWorkspace(core, ctx)
  if (isReply(w)) {
    const p = ctx.params
    return modelError(
      404,
      'WorkspaceNotFound',
      `Workspace '${p.workspace}' in resource group '${p.resourceGroup}' was not found.`
    )
  }
  return w.key
}

export function listModels(core: Core, ctx: RequestContext): Reply {
  const key = workspaceOr404(core, ctx)
  if (typeof key !== 'string') return key
  const q = ctx.query
  let models = [...core.state.models.values()].filter(m => m.workspaceKey === key)
  if (q.name) models = models.filter(m => m.name === q.name)
  if (q.framework) models = models.filter(m => m.framework.toLowerCase() === q.framework.toLowerCase())
  if (q.runId) models = models.filter(m => m.runId === q.runId)
  const asc = /Asc$/i.test(q.orderBy ?? '')
  models.sort((a, b) => (asc ? a.createdTime.localeCompare(b.createdTime) : b.createdTime.localeCompare(a.createdTime)))
  const start = q.$skipToken ? Number(Buffer.from(q.$skipToken, 'base64url').toString()) || 0 : 0
  const count = Number(q.count) > 0 ? Number(q.count) : models.length
  const page = models.slice(start, start + count)
  let nextLink: string | undefined
  if (start + count < models.length) {
    const url = new URL(`${core.apiUrl}${ctx.path}`)
    for (const [k, v] of Object.entries(q)) url.searchParams.set(k, v)
    url.searchParams.set('$skipToken', Buffer.from(String(start + count)).toString('base64url'))
    nextLink = url.toString()
  }
  return json(200, { value: page.map(modelBody), ...(nextLink ? { nextLink } : {}) })
}

export function getModel(core: Core, ctx: RequestContext): Reply {
  const key = workspaceOr404(core, ctx)
  if (typeof key !== 'string') return key
  const m = core.state.models.get(`${key}/${ctx.params.id}`.toLowerCase())
  return m ? json(200, modelBody(m)) : modelError(404, 'NotFound', `Model with id ${ctx.params.id} not found.`)
}

export function deleteModel(core: Core, ctx: RequestContext): Reply {
  const key = workspaceOr404(core, ctx)
  if (typeof key !== 'string') return key
  const k = `${key}/${ctx.params.id}`.toLowerCase()
  if (!core.state.models.delete(k)) {
    return core.config.deleteMissingModelStatus === 204
      ? { status: 204 }
      : modelError(404, 'NotFound', `Model with id ${ctx.params.id} not found.`)
  }
  return { status: 200 }
}

export const modelsModule: EmulatorModule = {
  name: 'models',
  operations: {
    'modelManagement-2019-09-30:MLModels_ListQuery': listModels,
    'modelManagement-2019-09-30:MLModels_QueryById': getModel,
    'modelManagement-2019-09-30:MLModels_Delete': deleteModel
  }
}
