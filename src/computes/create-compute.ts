/**
 * create-compute: the guide's step 5. PUT `{WS}/computes/{name}` (AmlCompute); 201 only means provisioning started,
 * so the ARM long-running operation is followed until Succeeded or Failed. A compute that already exists with the
 * same settings is success without a second PUT; one with other settings is a clear error naming the differences. One
 * still being deleted (Deleting on the GET, or a PUT answered 409 "... is being deleted") is waited for, bounded by
 * timeout-minutes and said in the log, and then created (kind 9 of issue 18).
 */
import * as core from '@actions/core'
import type { Context } from '../base/context.js'
import { armAuth, armUrl, getWorkspace, workspacePath } from '../arm/endpoints.js'
import { AzureRequestError, OperationFailedError, TimeoutError } from '../base/errors.js'
import { parseJson } from '../http/client.js'
import { oneLine } from '../http/redact.js'
import type { HttpResponse } from '../base/http-types.js'
import { parseIsoDuration } from '../arm/duration.js'
import type { JsonObject } from '../arm/resource-inputs.js'
import type { CommonSettings, WorkspaceRef } from '../base/settings.js'
import type { CreateComputeOperation } from './inputs.js'
import { setErrorResponse } from '../action/outputs.js'
import { formatDuration } from '../http/retry.js'
import {
  DELETING_POLL_MS,
  dryRunNote,
  explainLeftover,
  followArmOperation,
  provisioningStateOf,
  sentence,
  waitUntilDeleted
} from '../arm/lifecycle.js'
import { createIdempotently } from '../arm/idempotent-create.js'
import { collectServiceErrors, formatServiceErrors } from '../http/azure-error.js'

interface ComputeResource {
  id?: string
  name?: string
  location?: string
  properties?: {
    computeType?: string
    provisioningState?: string
    provisioningErrors?: { error?: { code?: string; message?: string } }[]
    properties?: {
      vmSize?: string
      vmPriority?: string
      scaleSettings?: { maxNodeCount?: number; minNodeCount?: number; nodeIdleTimeBeforeScaleDown?: string }
    }
  }
}

/** The compute's ARM id: `{WS}/computes/{name}` (Machine Learning Services spec, MachineLearningCompute_Get). */
export function computePath(ws: WorkspaceRef, name: string): string {
  return `${workspacePath(ws)}/computes/${encodeURIComponent(name)}`
}

/** The compute's page in Azure ML studio. */
export function computePortalUrl(settings: CommonSettings, ws: WorkspaceRef, name: string): string {
  const host = settings.endpoints.portalHost.replace(/\/+$/, '')
  return `${host}/compute/${encodeURIComponent(name)}/details?wsid=${encodeURIComponent(workspacePath(ws))}`
}

/**
 * create-compute: GET the compute (the same settings and Succeeded: nothing to do; Deleting: wait until it is gone),
 * PUT it through createIdempotently (a lost answer is looked up, never blindly re-sent), then follow the ARM
 * long-running operation until Succeeded, Failed or the deadline (timeout-minutes). Outputs `resourceId` once it exists (or may),
 * `provisioningState` as it is learned, `response` (the compute) at the end or on failure.
 */
export async function createCompute(op: CreateComputeOperation, ctx: Context): Promise<void> {
  const auth = armAuth(op)
  const ws = op.workspace
  const resourceId = computePath(ws, op.computeName)
  const url = armUrl(op, resourceId)
  const what = `compute ${op.computeName}`
  ctx.report.facts.push(['Compute', op.computeName], ['Workspace', ws.workspaceName])
  ctx.report.links.push({
    text: `Open ${op.computeName} in Azure ML studio`,
    href: computePortalUrl(op, ws, op.computeName)
  })

  const body: JsonObject = { ...op.body, location: op.location ?? op.body.location ?? (await workspaceLocation()) }
  const requested = body as ComputeResource
  const settings = requested.properties?.properties
  if (settings?.vmSize) ctx.report.facts.push(['VM size', `${settings.vmSize} (${settings.vmPriority ?? 'Dedicated'})`])
  if (settings?.scaleSettings) {
    const scale = settings.scaleSettings
    ctx.report.facts.push(['Nodes', `${scale.minNodeCount ?? 0} to ${scale.maxNodeCount ?? '?'}`])
  }

  // Is it there already? The same settings: nothing to do. Other settings: the PUT decides (Azure may update some).
  // Being deleted: wait until it is gone, then create it anew.
  let current = await ctx.http.send({ method: 'GET', url, auth, acceptStatus: [404] })
  if (current.status !== 404 && !current.dryRun && isDeleting(parseJson<ComputeResource>(current))) {
    await waitUntilDeleted(ctx, { auth, url, what, resourceId, current })
    current = { status: 404, headers: {}, body: '' }
  }
  let differences: string[] = []
  if (current.status !== 404 && !current.dryRun) {
    const existing = parseJson<ComputeResource>(current) ?? {}
    differences = computeDifferences(requested, existing)
    if (differences.length === 0) return await existingCompute(existing, current)
    core.info(`The ${what} exists with other settings (${oneLine(differences.join('; '))}); sending the PUT anyway.`)
  }

  core.info(`Creating the ${what} in ${String(body.location)}.`)
  let initial: HttpResponse
  for (;;) {
    try {
      initial = await putCompute()
      break
    } catch (error) {
      // Azure refuses a create while a deletion of the same name is still running (409, "... is being deleted"),
      // also when the GET above did not show it Deleting (it began since, or the GET already answers 404): wait for
      // the deletion, bounded by timeout-minutes, then send the PUT again (kind 9 of issue 18).
      if (error instanceof AzureRequestError && isBeingDeletedConflict(error)) {
        await waitForDeletionAfterConflict(error)
        continue
      }
      // No clear answer (and none from the look-up): the compute may exist, so it is named in the outputs.
      if (!(error instanceof AzureRequestError)) ctx.outputs.set('resourceId', resourceId)
      setErrorResponse(ctx.outputs, error)
      if (error instanceof AzureRequestError && error.status === 409) {
        throw new AzureRequestError(
          conflictMessage(op.computeName, differences, error.message),
          error.status,
          error.code,
          error.requestId,
          error.body
        )
      }
      throw error
    }
  }
  if (initial.dryRun) {
    ctx.report.facts.push(['Result', 'dry-run: the PUT was not sent'])
    return dryRunNote('the PUT')
  }

  const created = parseJson<ComputeResource>(initial)
  ctx.outputs.set('resourceId', created?.id ?? resourceId)
  const firstState = provisioningStateOf(created) ?? 'Creating'
  ctx.outputs.set('provisioningState', firstState)
  ctx.report.facts.push(['Resource id', created?.id ?? resourceId])
  core.info(`The PUT was accepted (${initial.status}); the ${what} is ${firstState}.`)
  // An existing compute with other settings that the service accepted to change (no 409): an update.
  const action = differences.length > 0 ? `updated (${differences.join('; ')})` : 'created'
  if (!op.wait) return finish(created, firstState, `${action}; not waited for (wait: false)`)
  await waitUntilProvisioned(initial, action)

  async function putCompute(): Promise<HttpResponse> {
    // After a lost answer the compute is looked up before the PUT is sent again (kind 3 of issue 13).
    const outcome = await createIdempotently({
      http: ctx.http,
      clock: ctx.clock,
      deadline: ctx.deadline,
      what,
      request: { method: 'PUT', url, auth, body, secrets: op.secrets },
      lookup: async () => {
        const found = await ctx.http.send({ method: 'GET', url, auth, acceptStatus: [404] })
        return found.status === 404 ? undefined : found
      }
    })
    // A compute found after a lost answer is followed by its own provisioningState (no operation URL is known).
    return outcome.kind === 'found' ? { ...outcome.response, headers: {} } : outcome.response
  }

  /**
   * After a 409 "being deleted": GET the compute; while it is there (Deleting), wait until it answers 404
   * (waitUntilDeleted, which says in the log how long it may wait); when it already answers 404 (the record is gone
   * but the cluster is still being torn down), wait one poll interval. Either way bounded by the step's deadline
   * (timeout-minutes): past it, a TimeoutError naming the compute and the deletion still running.
   */
  async function waitForDeletionAfterConflict(error: AzureRequestError): Promise<void> {
    const left = ctx.deadline - ctx.clock.now()
    if (left <= 0) {
      ctx.outputs.set('provisioningState', 'Deleting')
      throw new TimeoutError(
        `The ${what} was still being deleted when timeout-minutes ran out, so it was not created ` +
          `(${sentence(oneLine(error.message, 300))}) Run the step again once the deletion has finished, or with a ` +
          'larger timeout-minutes.'
      )
    }
    core.info(`The PUT of the ${what} was refused (409): ${sentence(oneLine(error.message, 300))}`)
    const found = await ctx.http.send({ method: 'GET', url, auth, acceptStatus: [404] })
    if (found.status !== 404 && !found.dryRun) {
      await waitUntilDeleted(ctx, { auth, url, what, resourceId, current: found })
      return
    }
    const pause = Math.min(DELETING_POLL_MS, left)
    core.info(
      `The ${what} is being deleted (${resourceId}) though it is no longer listed; waiting up to ` +
        `${formatDuration(left)} (the rest of timeout-minutes) for the deletion to finish, trying again every ` +
        `${formatDuration(DELETING_POLL_MS)}.`
    )
    ctx.outputs.set('provisioningState', 'Deleting')
    await ctx.clock.sleep(pause)
  }

  async function workspaceLocation(): Promise<string> {
    const workspace = await getWorkspace(ctx, op, ws)
    if (!workspace.location) {
      throw new Error(`The workspace ${ws.workspaceName} has no location; set the location input.`)
    }
    core.info(`Location: ${workspace.location} (the workspace's).`)
    return workspace.location
  }

  async function existingCompute(existing: ComputeResource, response: HttpResponse): Promise<void> {
    const state = provisioningStateOf(existing) ?? 'Unknown'
    ctx.outputs.set('resourceId', existing.id ?? resourceId)
    ctx.outputs.set('provisioningState', state)
    ctx.report.facts.push(['Resource id', existing.id ?? resourceId])
    switch (state.toLowerCase()) {
      case 'succeeded':
        core.info(`The ${what} already exists with the same settings (Succeeded): nothing to create.`)
        return finish(existing, state, 'already existed with the same settings (no PUT sent)')
      case 'failed':
      case 'canceled': {
        ctx.outputs.setResponse(existing)
        const errors = collectServiceErrors(existing)
        const why = errors.length > 0 ? ` (${formatServiceErrors(errors)})` : ''
        throw new OperationFailedError(
          `The ${what} already exists, in state ${state}${why}: ${existing.id ?? resourceId}. Delete it (operation: ` +
            'delete-compute) and create it again.'
        )
      }
      default:
        // Creating or Updating: another create is under way with the same settings; wait for it like our own.
        core.info(`The ${what} already exists with the same settings and is ${state}; no PUT sent.`)
        if (!op.wait) return finish(existing, state, `already existed, ${state}; not waited for (wait: false)`)
        return waitUntilProvisioned({ ...response, headers: {} }, 'already existed with the same settings; waited')
    }
  }

  async function waitUntilProvisioned(initial: HttpResponse, action: string): Promise<void> {
    const tracker = followArmOperation(ctx, { auth, initial, url, kind: 'create', what }, `Waiting for the ${what}`)
    try {
      const result = await tracker.result
      return finish(
        result.body as ComputeResource | undefined,
        provisioningStateOf(result.body) ?? result.state,
        action
      )
    } catch (error) {
      throw await explainLeftover(
        ctx,
        error,
        { label: `The ${what}`, resourceId, url, auth, deleteOperation: 'delete-compute' },
        tracker.last()
      )
    }
  }

  function finish(resource: ComputeResource | undefined, state: string, action: string): void {
    ctx.outputs.set('provisioningState', state)
    if (resource) ctx.outputs.setResponse(resource)
    ctx.report.facts.push(['Result', action], ['Provisioning state', state])
    core.info(`The ${what} is ${state}.`)
  }
}

/**
 * A 409 that says the compute of that name is still being deleted. Azure's wording is not documented; public reports
 * and the emulator say "... is being deleted" (Conflict), so any 409 whose message speaks of a deletion in progress
 * counts: `being deleted`, `is deleting`, `deletion ... in progress`.
 */
export function isBeingDeletedConflict(error: AzureRequestError): boolean {
  return (
    error.status === 409 &&
    /being deleted|is deleting|deletion (is )?(still )?(in progress|running|ongoing)|state:? *deleting/i.test(
      error.message
    )
  )
}

/** provisioningState Deleting (matched case-insensitively). */
function isDeleting(resource: ComputeResource | undefined): boolean {
  return provisioningStateOf(resource)?.toLowerCase() === 'deleting'
}

function conflictMessage(name: string, differences: string[], serviceMessage: string): string {
  const what =
    differences.length > 0
      ? `already exists with different settings: ${differences.join('; ')}.`
      : 'conflicts with an existing compute.'
  return (
    `The compute ${name} ${what} Delete it first (operation: delete-compute), use another compute-name, or ask for ` +
    `its current settings. ${sentence(serviceMessage)}`
  )
}

/**
 * The settings of the requested body that the existing compute does not have, as `field is 'current', requested
 * 'wanted'`. Only what the request sets is compared; sizes, priorities and regions case-insensitively, idle times as
 * durations (PT30M = PT1800S).
 */
export function computeDifferences(requested: ComputeResource, existing: ComputeResource): string[] {
  const out: string[] = []
  const compare = (field: string, current: unknown, wanted: unknown, same: (a: string, b: string) => boolean): void => {
    if (wanted === undefined || wanted === null) return
    if (current !== undefined && current !== null && same(String(current), String(wanted))) return
    out.push(`${field} is '${current === undefined ? '(not set)' : String(current)}', requested '${String(wanted)}'`)
  }
  const text = (a: string, b: string): boolean =>
    a.replace(/\s+/g, '').toLowerCase() === b.replace(/\s+/g, '').toLowerCase()
  const exact = (a: string, b: string): boolean => a === b
  const duration = (a: string, b: string): boolean => {
    const [x, y] = [parseIsoDuration(a), parseIsoDuration(b)]
    return x !== undefined && y !== undefined ? x === y : text(a, b)
  }
  compare('location', existing.location, requested.location, text)
  compare('computeType', existing.properties?.computeType, requested.properties?.computeType, text)
  const want = requested.properties?.properties
  const have = existing.properties?.properties
  compare('vmSize', have?.vmSize, want?.vmSize, text)
  compare('vmPriority', have?.vmPriority, want?.vmPriority, text)
  const wantScale = want?.scaleSettings
  const haveScale = have?.scaleSettings
  compare('minNodeCount', haveScale?.minNodeCount, wantScale?.minNodeCount, exact)
  compare('maxNodeCount', haveScale?.maxNodeCount, wantScale?.maxNodeCount, exact)
  compare(
    'nodeIdleTimeBeforeScaleDown',
    haveScale?.nodeIdleTimeBeforeScaleDown,
    wantScale?.nodeIdleTimeBeforeScaleDown,
    duration
  )
  return out
}
