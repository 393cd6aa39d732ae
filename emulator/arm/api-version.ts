/**
 * ARM's api-version check, in ARM's words: `MissingApiVersionParameter`, `InvalidApiVersionParameter`
 * (Microsoft.Resources, resources.json 2019-10-01) and `NoRegisteredProviderFound` (Microsoft.MachineLearningServices,
 * machineLearningServices.json 2019-11-01). The request pipeline (core/server.ts) runs it on every route that declares
 * an `apiVersion`; the versions taken are `config.apiVersions`, and the family a version belongs to picks the spec it
 * is validated against (core/server.ts: a compute request at a v2 version goes to the 2024-04-01 operation).
 */
import type { Core } from '../core/context.js'
import { armError } from '../core/http.js'
import type { ApiVersionKind } from '../core/routes.js'
import type { Reply, RequestContext } from '../core/types.js'

/**
 * A version of the v2 family: one of `config.apiVersions.v2` (2022-05-01 and every later stable version, the previews
 * from 2022-02-01-preview), all answered with the shapes of the vendored 2024-04-01 specs.
 */
export function isV2ApiVersion(core: Core, version: string): boolean {
  return core.config.apiVersions.v2.includes(version)
}

/** Any Machine Learning api-version Azure serves: either family. */
function isMlApiVersion(core: Core, version: string): boolean {
  return isV2ApiVersion(core, version) || core.config.apiVersions.machineLearningServices.includes(version)
}

/**
 * Undefined when the route takes the request's api-version, else ARM's 400. `mls` (the workspace and compute routes of
 * the 2019-11-01 spec) and `mls-or-v2` (LRO polling) take every Machine Learning version, `v2` only the v2 family
 * (Azure answers NoRegisteredProviderFound for a jobs or assets request at a version that predates them), `resources`
 * Microsoft.Resources' versions.
 */
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
  if (kind === 'resources') {
    const supported = core.config.apiVersions.resources
    if (supported.includes(version)) return undefined
    return armError(
      400,
      'InvalidApiVersionParameter',
      `The api-version '${version}' is invalid. The supported versions are '${[...supported].reverse().join(',')}'. ` +
        `The supported locations are ', ${core.seed.location}, eastus, westeurope'.`
    )
  }
  if (kind === 'v2' ? isV2ApiVersion(core, version) : isMlApiVersion(core, version)) return undefined
  const supported =
    kind === 'v2'
      ? core.config.apiVersions.v2
      : [...core.config.apiVersions.machineLearningServices, ...core.config.apiVersions.v2]
  const sub = /\/workspaces\/[^/]+\/([^/]+)/i.exec(ctx.path)?.[1]
  const type = sub ? `workspaces/${sub}` : 'workspaces'
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
