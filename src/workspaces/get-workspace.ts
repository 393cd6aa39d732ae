import type { Context } from '../base/context.js'
import {
  discoverApiEndpoint,
  getWorkspace as fetchWorkspace,
  workspacePath,
  workspacePortalUrl
} from '../arm/endpoints.js'
import type { GetWorkspaceOperation } from './inputs.js'

/** The workspace, and the regional API server its discovery document names. */
export async function getWorkspace(op: GetWorkspaceOperation, ctx: Context): Promise<void> {
  const workspace = await fetchWorkspace(ctx, op, op.workspace)
  ctx.outputs.setResponse(workspace)
  ctx.outputs.set('resourceId', workspace.id ?? workspacePath(op.workspace))
  const api = await discoverApiEndpoint(ctx, op, workspace)
  ctx.outputs.set('apiEndpoint', api)
  ctx.report.facts.push(
    ['Workspace', op.workspace.workspaceName],
    ['Location', workspace.location ?? ''],
    ['Provisioning state', workspace.properties?.provisioningState ?? ''],
    ['API server', api]
  )
  ctx.report.links.push({ text: 'Open the workspace in Azure ML studio', href: workspacePortalUrl(op, op.workspace) })
}
