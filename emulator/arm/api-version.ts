/**
 * ARM's api-version check, in ARM's words: `MissingApiVersionParameter`, `InvalidApiVersionParameter`
 * (Microsoft.Resources, resources.json 2019-10-01) and `NoRegisteredProviderFound` (Microsoft.MachineLearningServices,
 * machineLearningServices.json 2019-11-01). The request pipeline (core/server.ts) runs it on every route that declares
 * an `apiVersion`; the versions taken are `config.apiVersions`.
 */
import type { Core } from '../core/context.js'
import { armError } from '../core/http.js'
import type { ApiVersionKind } from '../core/routes.js'
import type { Reply, RequestContext } from '../core/types.js'

/**
 * A version of the v2 surface: `YYYY-MM-DD` or `YYYY-MM-DD-preview`, from `config.apiVersions.v2From` (2022-10-01)
 * on. They are all answered with the same shapes, checked against the vendored 2024-04-01 specs.
 */
export function isV2ApiVersion(core: Core, version: string): boolean {
  const m = /^(\d{4}-\d{2}-\d{2})(-preview)?$/.exec(version)
  return m !== null && m[1] >= core.config.apiVersions.v2From
}

export function checkApiVersion(core: Core, ctx: RequestContext, kind: ApiVersionKind): Reply | undefined {
  const key = Object.keys(ctx.query).find(k => k.toLowerCase() === 'api-version')
  const version = key === undefined ? undefined : ctx.query[key]
  if (!version) {
    return armError(
      400,
      'MissingApiVersionParameter',
      'The api-version query parameter (?api-version=) is required for all requests.'
    )
  }
  if (kind === 'v2' || kind === 'mls-or-v2') {
    if (isV2ApiVersion(core, version)) return undefined
    if (kind === 'mls-or-v2') return checkApiVersion(core, ctx, 'mls')
    const type = /\/workspaces\/[^/]+\/([^/]+)/i.exec(ctx.path)?.[1] ?? ''
    return armError(
      400,
      'NoRegisteredProviderFound',
      `No registered resource provider found for location '${core.seed.location}' and API version '${version}' for ` +
        `type 'workspaces${type ? `/${type}` : ''}'. The supported api-versions are '${core.config.apiVersions.v2From}' ` +
        `and every later one (e.g. '2024-04-01'). The supported locations are '${core.seed.location}, eastus, westeurope'.`
    )
  }
  const supported = kind === 'mls' ? core.config.apiVersions.machineLearningServices : core.config.apiVersions.resources
  if (supported.includes(version)) return undefined
  if (kind === 'resources') {
    return armError(
      400,
      'InvalidApiVersionParameter',
      `The api-version '${version}' is invalid. The supported versions are '${[...supported].reverse().join(',')}'. ` +
        `The supported locations are ', ${core.seed.location}, eastus, westeurope'.`
    )
  }
  const type = /\/computes(\/|$)/i.test(ctx.path) ? 'workspaces/computes' : 'workspaces'
  return armError(
    400,
    'NoRegisteredProviderFound',
    `No registered resource provider found for location '${core.seed.location}' and API version '${version}' for ` +
      `type '${type}'. The supported api-versions are '${supported.join(', ')}'. The supported locations are ` +
      `'${core.seed.location}, eastus, westeurope'.`
  )
}

export function apiVersionOf(ctx: RequestContext): string {
  const key = Object.keys(ctx.query).find(k => k.toLowerCase() === 'api-version')
  return key === undefined ? '' : ctx.query[key]
}
