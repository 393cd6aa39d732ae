/**
 * Older api-versions' shapes: every v2 api-version is validated and answered with the vendored 2024-04-01 shapes
 * (api-version.ts), which is right wherever the older version's fields are the same. Where an older version names a
 * field the emulator implements differently, the request is translated to the 2024-04-01 shape before conformance
 * checks it, and the answer back to the older shape, by the table below: one entry per (resource type, version range,
 * field), each with its source in azure-rest-api-specs
 * (`specification/machinelearningservices/resource-manager/Microsoft.MachineLearningServices/...`).
 *
 * Fields a newer version adds are left in older versions' answers (clients deserialize what they know and ignore the
 * rest, as msrest and azure-core do); only renamed or replaced fields need an entry.
 */
import type { Reply, RequestContext } from '../core/types.js'
import { apiVersionOf } from './api-version.js'

type Json = Record<string, unknown>
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * A field of `properties` that an older version calls `old` and 2024-04-01 calls `current`, with the values that
 * correspond (`[old, current]` pairs). In requests `old` becomes `current` (unless `current` is sent too: it wins);
 * in answers `old` is added beside `current`.
 */
export interface FieldRename {
  /** The ARM resource type whose `properties` carry the field (case-insensitive). */
  resourceType: string
  /** The api-versions that use the old name. */
  versions: readonly string[]
  old: string
  current: string
  values: readonly (readonly [unknown, unknown])[]
  /** Where the older shape is defined. */
  source: string
}

export const FIELD_RENAMES: readonly FieldRename[] = [
  {
    // 2022-02-01-preview's OnlineDeployment (OnlineDeploymentDetails) has `privateNetworkConnection` (boolean, default
    // false, "If true, enable private network connection"; azure-ai-ml 1.4 always sends it); 2022-05-01 and later
    // replace it with `egressPublicNetworkAccess` (Enabled | Disabled, default Enabled: "If Disabled, this will create
    // secure egress"). The preview's last revision lists both and marks the boolean "DEPRECATED for future API
    // versions. Use EgressPublicNetworkAccess" (the models azure-ai-ml 1.4 generated from it).
    resourceType: 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments',
    versions: ['2022-02-01-preview'],
    old: 'privateNetworkConnection',
    current: 'egressPublicNetworkAccess',
    values: [
      [true, 'Disabled'],
      [false, 'Enabled']
    ],
    source: 'preview/2022-02-01-preview/mfe.json definitions/OnlineDeployment; stable/2022-05-01/mfe.json'
  }
]

/** The operations whose request body is a resource of that type (PUT/PATCH of one resource). */
const BODY_TYPES: Record<string, string> = {
  OnlineDeployments_CreateOrUpdate: 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments',
  OnlineDeployments_Update: 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments'
}

function renamesFor(version: string, type: string): FieldRename[] {
  return FIELD_RENAMES.filter(r => r.versions.includes(version) && r.resourceType.toLowerCase() === type.toLowerCase())
}

function sameValue(a: unknown, b: unknown): boolean {
  return typeof a === 'string' && typeof b === 'string' ? a.toLowerCase() === b.toLowerCase() : a === b
}

/**
 * Rewrites the request's JSON body (`ctx.body` and `ctx.json`) from its api-version's shape to 2024-04-01's, before
 * conformance checks it. A value of the old field with no counterpart is left as sent (conformance then names it).
 */
export function requestToCurrent(ctx: RequestContext): void {
  const type = ctx.operationId ? BODY_TYPES[ctx.operationId] : undefined
  if (!type || !isObj(ctx.json) || !isObj(ctx.json.properties)) return
  const renames = renamesFor(apiVersionOf(ctx), type)
  if (renames.length === 0) return
  const props = ctx.json.properties
  let changed = false
  for (const r of renames) {
    if (!(r.old in props)) continue
    const pair = r.values.find(([old]) => sameValue(old, props[r.old]))
    if (!pair) continue
    if (!(r.current in props)) props[r.current] = pair[1]
    delete props[r.old]
    changed = true
  }
  if (changed) ctx.body = Buffer.from(JSON.stringify(ctx.json), 'utf8')
}

/** Adds the old fields to a resource (or each resource of a list) in the answer, for the request's api-version. */
export function replyToRequested(ctx: RequestContext, reply: Reply): void {
  const version = apiVersionOf(ctx)
  if (!FIELD_RENAMES.some(r => r.versions.includes(version))) return
  if (!isObj(reply.body) || Buffer.isBuffer(reply.body)) return
  // A copy: handlers may answer with the stored resource itself.
  const body = structuredClone(reply.body)
  reply.body = body
  const resources = Array.isArray(body.value) ? body.value : [body]
  for (const res of resources) {
    if (!isObj(res) || typeof res.type !== 'string' || !isObj(res.properties)) continue
    const props = res.properties
    for (const r of renamesFor(version, res.type)) {
      if (!(r.current in props) || r.old in props) continue
      const pair = r.values.find(([, current]) => sameValue(current, props[r.current]))
      if (pair) props[r.old] = pair[0]
    }
  }
}
