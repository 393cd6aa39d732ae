/**
 * create-workspace: the guide's step 9. PUT the workspace (location, friendly name, description, the ARM ids of its
 * storage account, key vault, Application Insights and container registry, a system-assigned identity); ARM answers
 * 202 with a `Location` to poll until the workspace is there. The usual failures (a dependent resource missing, a
 * registry without its admin user, a name taken) are explained in one line with a hint.
 */
import * as core from '@actions/core'
import type { Context } from '../base/context.js'
import {
  armAuth,
  armUrl,
  RESOURCE_GROUPS_API_VERSION,
  resourceGroupPath,
  workspacePath,
  workspacePortalUrl
} from '../arm/endpoints.js'
import { AzureRequestError, OperationFailedError } from '../base/errors.js'
import { parseJson } from '../http/client.js'
import type { HttpResponse } from '../base/http-types.js'
import type { JsonObject } from '../arm/resource-inputs.js'
import { setErrorResponse } from '../action/outputs.js'
import { WORKSPACE_DEPENDENTS, type CreateWorkspaceOperation } from './inputs.js'
import {
  dryRunNote,
  explainLeftover,
  followArmOperation,
  provisioningStateOf,
  sentence,
  waitUntilDeleted,
  type ArmResource
} from '../arm/lifecycle.js'
import { createIdempotently } from '../arm/idempotent-create.js'

/**
 * create-workspace: GET the workspace (Deleting: wait until it is gone), PUT it through createIdempotently (a lost
 * answer is looked up, never blindly re-sent), then follow the ARM long-running operation (202 + Location) until
 * Succeeded, Failed or the deadline (timeout-minutes). Outputs `resourceId` once it exists (or may), `provisioningState` as it is
 * learned, `response` (the workspace) at the end or on failure.
 */
export async function createWorkspace(op: CreateWorkspaceOperation, ctx: Context): Promise<void> {
  const auth = armAuth(op)
  const ws = op.workspace
  const resourceId = workspacePath(ws)
  const url = armUrl(op, resourceId)
  const what = `workspace ${ws.workspaceName}`
  ctx.report.facts.push(['Workspace', ws.workspaceName], ['Resource group', ws.resourceGroup])
  ctx.report.links.push({ text: `Open ${ws.workspaceName} in Azure ML studio`, href: workspacePortalUrl(op, ws) })

  const explain = (message: string): string => explainWorkspaceFailure(message, op, op.body)
  const location = op.location ?? (typeof op.body.location === 'string' ? op.body.location : undefined)
  const body: JsonObject = { ...op.body, location: location ?? (await resourceGroupLocation()) }
  ctx.report.facts.push(['Location', String(body.location)])

  let current = await ctx.http.send({ method: 'GET', url, auth, acceptStatus: [404] })
  if (
    current.status === 200 &&
    !current.dryRun &&
    provisioningStateOf(parseJson(current))?.toLowerCase() === 'deleting'
  ) {
    // Being deleted: wait until it is gone, then create it anew.
    await waitUntilDeleted(ctx, { auth, url, what, resourceId, current })
    current = { status: 404, headers: {}, body: '' }
  }
  const existed = current.status === 200 && !current.dryRun
  if (existed) {
    const state = provisioningStateOf(parseJson(current)) ?? 'Unknown'
    core.info(`The ${what} already exists (${state}); the PUT updates it (its dependent resources cannot change).`)
  } else {
    core.info(`Creating the ${what} in ${String(body.location)}.`)
  }

  let initial: HttpResponse
  try {
    // After a lost answer the workspace is looked up before the PUT is sent again (kind 3 of issue 13). One that
    // existed before is no sign of a lost answer: then the PUT is simply sent again.
    const outcome = await createIdempotently({
      http: ctx.http,
      clock: ctx.clock,
      deadline: ctx.deadline,
      what,
      request: { method: 'PUT', url, auth, body },
      lookup: async () => {
        if (existed) return undefined
        const found = await ctx.http.send({ method: 'GET', url, auth, acceptStatus: [404] })
        return found.status === 404 ? undefined : found
      }
    })
    // A workspace found after a lost answer is followed by its own provisioningState (no operation URL is known).
    initial = outcome.kind === 'found' ? { ...outcome.response, headers: {} } : outcome.response
  } catch (error) {
    setErrorResponse(ctx.outputs, error)
    if (error instanceof AzureRequestError) {
      throw new AzureRequestError(explain(error.message), error.status, error.code, error.requestId, error.body)
    }
    // No clear answer (and none from the look-up): the workspace may exist, so it is named in the outputs.
    ctx.outputs.set('resourceId', resourceId)
    throw error
  }
  if (initial.dryRun) {
    ctx.report.facts.push(['Result', 'dry-run: the PUT was not sent'])
    return dryRunNote('the PUT')
  }
  const accepted = parseJson<ArmResource>(initial)
  ctx.outputs.set('resourceId', accepted?.id ?? resourceId)
  const firstState = provisioningStateOf(accepted) ?? (existed ? 'Updating' : 'Creating')
  ctx.outputs.set('provisioningState', firstState)
  ctx.report.facts.push(['Resource id', accepted?.id ?? resourceId])
  core.info(`The PUT was accepted (${initial.status}); the ${what} is ${firstState}.`)
  const action = existed ? 'already existed; updated' : 'created'
  if (!op.wait) return finish(accepted, firstState, `${action}; not waited for (wait: false)`)

  const tracker = followArmOperation(ctx, { auth, initial, url, kind: 'create', what }, `Waiting for the ${what}`)
  try {
    const result = await tracker.result
    finish(result.body as ArmResource | undefined, provisioningStateOf(result.body) ?? result.state, action)
  } catch (error) {
    const explained = error instanceof OperationFailedError ? new OperationFailedError(explain(error.message)) : error
    // A workspace that existed before is not something this step left behind.
    if (existed) throw explained
    throw await explainLeftover(
      ctx,
      explained,
      { label: `The ${what}`, resourceId, url, auth, deleteOperation: 'delete-workspace' },
      tracker.last()
    )
  }

  async function resourceGroupLocation(): Promise<string> {
    try {
      const response = await ctx.http.send({
        method: 'GET',
        url: armUrl(op, resourceGroupPath(ws.subscriptionId, ws.resourceGroup), RESOURCE_GROUPS_API_VERSION),
        auth
      })
      const group = parseJson<{ location?: string }>(response)
      if (!group?.location) throw new Error(`The resource group ${ws.resourceGroup} has no location; set location.`)
      core.info(`Location: ${group.location} (the resource group's).`)
      return group.location
    } catch (error) {
      if (error instanceof AzureRequestError) {
        throw new AzureRequestError(explain(error.message), error.status, error.code, error.requestId, error.body)
      }
      throw error
    }
  }

  function finish(resource: ArmResource | undefined, state: string, result: string): void {
    ctx.outputs.set('provisioningState', state)
    if (resource) ctx.outputs.setResponse(resource)
    ctx.report.facts.push(['Result', result], ['Provisioning state', state])
    core.info(`The ${what} is ${state}.`)
  }
}

/**
 * The common reasons a workspace PUT (or its long-running operation) fails, in one line: what is wrong, the service's
 * own words, and a hint. Anything else is the service's message as it is.
 */
export function explainWorkspaceFailure(
  message: string,
  op: Pick<CreateWorkspaceOperation, 'workspace'>,
  body: JsonObject
): string {
  const ws = op.workspace
  const properties = (body.properties ?? {}) as Record<string, unknown>
  const nameOf = (field: string): string | undefined => {
    const id = properties[field]
    return typeof id === 'string' ? id.split('/').pop() : undefined
  }
  const service = sentence(message)

  if (/admin/i.test(message) && /registr/i.test(message)) {
    const registry = nameOf('containerRegistry') ?? '<registry>'
    return (
      `The container registry ${registry} does not have its admin user enabled, which Azure Machine Learning needs. ` +
      `${service} Hint: enable it (az acr update --name ${registry} --admin-enabled true), or leave ` +
      'container-registry empty: Azure ML then creates a registry when it first needs one.'
    )
  }
  if (/ResourceGroupNotFound/i.test(message)) {
    return (
      `The resource group ${ws.resourceGroup} does not exist. ${service} Hint: create it first (az group create ` +
      `--name ${ws.resourceGroup} --location <region>), or fix resource-group.`
    )
  }
  if (/not\s+(be\s+)?found|could not be found|does not exist|NotFound/i.test(message)) {
    const dependent = WORKSPACE_DEPENDENTS.find(d => {
      const name = nameOf(d.field)
      return (
        new RegExp(`\\b${d.field}\\b`, 'i').test(message) ||
        (name !== undefined && message.toLowerCase().includes(`'${name.toLowerCase()}'`))
      )
    })
    if (dependent) {
      return (
        `A dependent resource is missing: the ${dependent.what} ${nameOf(dependent.field) ?? ''} (input ` +
        `${dependent.input}). ${service} Hint: create it first, or set ${dependent.input} to the ARM id (or the name ` +
        `in resource group ${ws.resourceGroup}) of an existing one.`
      )
    }
    return (
      `A resource the workspace needs was not found. ${service} Hint: storage-account, key-vault, ` +
      'application-insights and container-registry must name existing resources.'
    )
  }
  if (/already (in use|exists|taken)|name is (not available|taken)|NameNotAvailable|AlreadyExists/i.test(message)) {
    return (
      `The workspace name ${ws.workspaceName} is taken. ${service} Hint: choose another workspace-name, or use the ` +
      'workspace that has it.'
    )
  }
  return message
}
