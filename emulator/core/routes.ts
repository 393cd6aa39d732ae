/**
 * The route table of each server, assembled from the modules listed in `../modules.ts`: every operation of the
 * vendored specs (core/conformance.ts, `SPEC_FILES`), with the handler a module implements it with, if any, plus the
 * routes the specs do not describe but a client needs (Entra, OIDC, the guide's experiment list, discovery, the LRO
 * polling URLs, driver logs, scoring, online endpoints' scoring URIs), which modules contribute with `route()`.
 *
 * A resource module is a file that exports an `EmulatorModule`; registering it is one line in `../modules.ts`.
 */
import type { SpecFamily, SpecOperation, SpecSet } from './conformance.js'
import type { Core, Handler } from './context.js'
import { compileTemplate, type Template } from './router.js'
import type { OperationKind } from './state.js'

/**
 * Which api-versions a route takes (checked by arm/api-version.ts): `mls` (workspaces, computes of the 2019-11-01 spec)
 * every Machine Learning version Azure serves, both families of `config.apiVersions`; `v2` only the v2 family
 * (`config.apiVersions.v2`, the 2024-04-01 specs); `mls-or-v2` either (the LRO polling URLs); `resources`
 * Microsoft.Resources'.
 */
export type ApiVersionKind = 'mls' | 'resources' | 'v2' | 'mls-or-v2'

export interface Route {
  server: 'arm' | 'api'
  method: string
  tpl: Template
  operationId: string
  spec?: SpecOperation
  handler?: Handler
  /** `bearer`: an emulator-issued Entra token; `none`; `custom`: the handler checks (scoring key, SAS, OIDC). */
  auth: 'bearer' | 'none' | 'custom'
  /** Which provider's api-versions the route takes (ARM only). */
  apiVersion?: ApiVersionKind
  /** The api-version family of the spec the route comes from: with two operations on one path, the request's wins. */
  family?: SpecFamily
}

/** What one module (a kind of resource or service) contributes to the emulator. */
export interface EmulatorModule {
  /** Short name, for error messages. */
  name: string
  /** Handlers of spec operations, by `${specId}:${operationId}` (spec ids as in conformance.ts's SPEC_FILES). */
  operations?: Record<string, Handler>
  /** Routes outside the specs, built with `route()`; appended after the spec operations, in module order. */
  routes?: Route[]
  /**
   * For the ARM long-running operations the module starts (`state.startOperation`): the resource body a finished
   * `Location` poll answers 200 with (undefined: 204). Kinds without an entry (deletes) answer 204.
   */
  operationResults?: Partial<Record<OperationKind, (core: Core, target: string) => Record<string, unknown> | undefined>>
}

/** A route outside the specs. */
export function route(
  server: 'arm' | 'api',
  method: string,
  template: string,
  operationId: string,
  handler: Handler,
  auth: Route['auth'],
  apiVersion?: ApiVersionKind
): Route {
  return { server, method, tpl: compileTemplate(template), operationId, handler, auth, apiVersion }
}

/**
 * Microsoft.Resources' generic operations (`/{resourceId}`, `/{scope}/...`, `.../providers/{resourceProviderNamespace}/
 * {parentResourcePath}/{resourceType}/{resourceName}`) are how ARM forwards to any provider. Left in, they would make
 * every unknown Machine Learning path "match"; the emulator is the Machine Learning provider, so its own spec decides.
 */
function isCatchAll(op: SpecOperation): boolean {
  return op.template.startsWith('/{') || op.template.includes('{parentResourcePath}')
}

export function buildRoutes(specs: SpecSet, modules: readonly EmulatorModule[]): Record<'arm' | 'api', Route[]> {
  const implemented: Record<string, Handler> = {}
  for (const m of modules) {
    for (const [key, handler] of Object.entries(m.operations ?? {})) {
      if (implemented[key]) throw new Error(`emulator module ${m.name}: ${key} is already implemented by another`)
      implemented[key] = handler
    }
  }
  const routes: Record<'arm' | 'api', Route[]> = { arm: [], api: [] }
  for (const op of specs.operations) {
    if (isCatchAll(op)) continue
    routes[op.server].push({
      server: op.server,
      method: op.method,
      tpl: op.tpl,
      operationId: op.operationId,
      spec: op,
      handler: implemented[`${op.specId}:${op.operationId}`],
      auth: 'bearer',
      apiVersion:
        op.family === 'v2' ? 'v2' : op.api === 'mls' ? 'mls' : op.api === 'resources' ? 'resources' : undefined,
      family: op.family
    })
  }
  const unknown = Object.keys(implemented).filter(
    key => !specs.operations.some(op => `${op.specId}:${op.operationId}` === key)
  )
  if (unknown.length > 0) throw new Error(`emulator modules implement operations no spec has: ${unknown.join(', ')}`)
  for (const m of modules) for (const r of m.routes ?? []) routes[r.server].push(r)
  return routes
}

/** Which server a path belongs to, for a helpful message when a request reaches the other one. */
export function belongsTo(path: string): 'arm' | 'api' | undefined {
  if (/^\/(history|execution|modelmanagement|artifact|datastore|hyperdrive|data|modelregistry)\/v\d/i.test(path))
    return 'api'
  if (/^\/(discovery|api\/v1\/service|endpoints)(\/|$)/i.test(path)) return 'api'
  if (/^\/(subscriptions|providers)(\/|$)/i.test(path)) return 'arm'
  return undefined
}
