/**
 * ARM long-running operations, shared by every resource module that creates or deletes asynchronously: the
 * `Azure-AsyncOperation` / `Location` / `Retry-After` headers a PUT or DELETE answers with (`lroHeaders`), and the
 * polling URLs those headers name, which no spec describes (ARM's async-operation pattern):
 *
 * - `GET {LOCATION_OPS}/operationsStatus/{operationId}` (`Emulator_OperationStatus`): 200 `{status: InProgress →
 *   Succeeded | Failed, error?}`;
 * - `GET {LOCATION_OPS}/operationResults/{operationId}` (`Emulator_OperationResult`): 202 while running; then 200 with
 *   the resource (the module's `operationResults`), 204 (a delete), or 409 with the error (a failure).
 *
 * A module starts an operation with `core.state.startOperation(...)` and answers `lroHeaders(core, op, [...])`; the
 * state applies it when due (core/state.ts `tick`).
 */
import type { Core } from '../core/context.js'
import { armError, isReply, iso, json } from '../core/http.js'
import { route, type EmulatorModule } from '../core/routes.js'
import type { Operation } from '../core/state.js'
import type { Reply, RequestContext } from '../core/types.js'
import { PROVIDER, subscriptionScope } from './scopes.js'

export const LOCATION_OPS = `/subscriptions/{subscriptionId}/providers/${PROVIDER}/locations/{location}`

/** The headers of an LRO answer: `Retry-After`, plus `Azure-AsyncOperation` and/or `Location`. */
export function lroHeaders(core: Core, op: Operation, which: ('location' | 'async')[]): Record<string, string> {
  const base = `${core.url}/subscriptions/${op.subscriptionId}/providers/${PROVIDER}/locations/${op.location}`
  const q = `?api-version=${encodeURIComponent(op.apiVersion)}`
  const h: Record<string, string> = { 'Retry-After': String(core.config.retryAfterSeconds) }
  if (which.includes('async')) h['Azure-AsyncOperation'] = `${base}/operationsStatus/${op.id}${q}`
  if (which.includes('location')) h.Location = `${base}/operationResults/${op.id}${q}`
  return h
}

function findOperation(core: Core, ctx: RequestContext): Operation | Reply {
  // Apply a completion that fell due since the pipeline's tick, so status and resource never disagree.
  core.state.tick()
  const s = subscriptionScope(core, ctx)
  if (isReply(s)) return s
  const op = core.state.operations.get(ctx.params.operationId)
  if (!op || op.subscriptionId.toLowerCase() !== s.sub.toLowerCase()) {
    return armError(404, 'NotFound', `Operation '${ctx.params.operationId}' was not found.`)
  }
  return op
}

/** `Azure-AsyncOperation`: 200 with `status` InProgress → Succeeded | Failed (+ `error`). */
export function operationStatus(core: Core, ctx: RequestContext): Reply {
  const op = findOperation(core, ctx)
  if (isReply(op)) return op
  const done = op.applied
  const status = done ? op.outcome : 'InProgress'
  return json(
    200,
    {
      id: ctx.path,
      name: op.id,
      status,
      startTime: iso(op.startedAt),
      ...(done ? { endTime: iso(op.doneAt), percentComplete: 100 } : {}),
      ...(done && op.error ? { error: op.error } : {})
    },
    done ? {} : { 'Retry-After': String(core.config.retryAfterSeconds) }
  )
}

/** The polling routes, answering a finished create with the body the modules' `operationResults` give. */
export function operationPolling(modules: readonly EmulatorModule[]): EmulatorModule {
  const results: NonNullable<EmulatorModule['operationResults']> = {}
  for (const m of modules) Object.assign(results, m.operationResults ?? {})

  /** `Location`: 202 while running; then the resource (200), nothing (204, a delete), or the error (4xx). */
  function operationResult(core: Core, ctx: RequestContext): Reply {
    const op = findOperation(core, ctx)
    if (isReply(op)) return op
    if (!op.applied) {
      return {
        status: 202,
        headers: {
          Location: `${core.url}${ctx.path}?api-version=${op.apiVersion}`,
          'Retry-After': String(core.config.retryAfterSeconds)
        }
      }
    }
    if (op.outcome === 'Failed') {
      return armError(409, op.error?.code ?? 'Failed', op.error?.message ?? 'The operation failed.')
    }
    const body = results[op.kind]?.(core, op.target)
    return body ? json(200, body) : { status: 204 }
  }

  return {
    name: 'lro',
    routes: [
      route(
        'arm',
        'GET',
        `${LOCATION_OPS}/operationsStatus/{operationId}`,
        'Emulator_OperationStatus',
        operationStatus,
        'bearer',
        'mls-or-v2'
      ),
      route(
        'arm',
        'GET',
        `${LOCATION_OPS}/operationResults/{operationId}`,
        'Emulator_OperationResult',
        operationResult,
        'bearer',
        'mls-or-v2'
      )
    ]
  }
}
