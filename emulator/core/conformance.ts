/**
 * Conformance: the vendored Azure OpenAPI (Swagger 2.0) specs turned into a route table, and each request checked
 * against its operation (path, method, required path/query/header/formData parameters, parameter types and patterns,
 * JSON body schema). A request the spec does not allow is answered 400 SpecViolation, so the action cannot drift from
 * the real API without a test noticing.
 *
 * swagger-parser `dereference` gives the operations with their parameters resolved. Body schemas are validated by ajv
 * through `$ref`s into one self-contained document per spec (`localBundle`: what external `$ref`s reach copied in)
 * instead of the dereferenced objects, because the specs are recursive (RootError → ErrorDetails → ...) and ajv cannot
 * compile a circular object graph.
 *
 * Specs: the v1 set (machineLearningServices.json 2019-11-01, resources.json, the 2019-09-30 data plane) and the v2 set
 * (2024-04-01 mfe.json and machineLearningServices.json), whose operations answer the api-versions of
 * `config.apiVersions.v2` (2022-05-01 and later, previews from 2022-02-01-preview); where both describe a path
 * (computes), the request's api-version picks.
 *
 * Adjustments (each one is how the real services behave, not a loosening for convenience):
 * - enums compare case-insensitively (ARM and the .NET data plane deserialize enums that way; the guide sends
 *   `"identity": {"type": "systemAssigned"}` where the spec says `SystemAssigned`);
 * - Swagger 2.0 `discriminator`s are dispatched to the subtype (a ComputeResource with `computeType: AmlCompute` is
 *   checked against AmlCompute's properties, not just the base Compute);
 * - `x-nullable: true` admits null;
 * - `additionalProperties: false` beside `allOf` admits the parents' fields, as AutoRest reads it (flattenClosedAllOf);
 * - a required field that is never read back (`x-ms-secret`, write-only `x-ms-mutability`) is not required;
 * - registry asset names in paths admit dots (the azureml registry's curated `sklearn-1.5`; the spec's pattern has none);
 * - a `Route`'s `path` (an environment's `inferenceConfig` routes) may be `/`: the spec's pattern `[a-zA-Z0-9_]` would
 *   refuse it, yet Microsoft's custom-container examples (azureml-examples `cli/endpoints/online/custom-container/`,
 *   `minimal-multimodel`, `torchserve`, `r/multimodel-plumber`) deploy with `liveness_route: {path: /}`.
 */
import SwaggerParser from '@apidevtools/swagger-parser'
import type { OpenAPI } from 'openapi-types'
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import { readFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { compileTemplate, type Template } from './router.js'

// ajv-formats is CommonJS with `exports.default`; under NodeNext the default import is the module object.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv
) => Ajv

const SPEC_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', 'specs', 'specification')

export type SpecApi = 'mls' | 'mfe' | 'resources' | 'history' | 'execution' | 'modelmanagement'

/**
 * Which api-versions a spec's operations answer: `v1` the versions listed in `config.apiVersions` (the guide's), `v2`
 * every version of `config.apiVersions.v2` (2022-05-01 on), checked against the vendored 2024-04-01 files.
 */
export type SpecFamily = 'v1' | 'v2'

interface SpecFile {
  id: string
  api: SpecApi
  server: 'arm' | 'api'
  file: string
  family?: SpecFamily
}

/** The name pattern of the 2024-04-01 registry operations' path parameters, and the one Azure serves (dots too). */
const REGISTRY_NAME_PATTERN = '^[a-zA-Z0-9][a-zA-Z0-9\\-_]{0,254}$'
const REGISTRY_ASSET_NAME = '^[a-zA-Z0-9][a-zA-Z0-9\\-_.]{0,254}$'

const V2_DIR = 'machinelearningservices/resource-manager/Microsoft.MachineLearningServices/stable/2024-04-01'

export const SPEC_FILES: SpecFile[] = [
  {
    id: 'mls-2019-11-01',
    api: 'mls',
    server: 'arm',
    file: 'machinelearningservices/resource-manager/Microsoft.MachineLearningServices/stable/2019-11-01/machineLearningServices.json'
  },
  {
    id: 'resources-2019-10-01',
    api: 'resources',
    server: 'arm',
    file: 'resources/resource-manager/Microsoft.Resources/stable/2019-10-01/resources.json'
  },
  {
    id: 'runHistory-2019-09-30',
    api: 'history',
    server: 'api',
    file: 'machinelearningservices/data-plane/Microsoft.MachineLearningServices/preview/2019-09-30/runHistory.json'
  },
  {
    id: 'execution-2019-09-30',
    api: 'execution',
    server: 'api',
    file: 'machinelearningservices/data-plane/Microsoft.MachineLearningServices/preview/2019-09-30/execution.json'
  },
  {
    id: 'modelManagement-2019-09-30',
    api: 'modelmanagement',
    server: 'api',
    file: 'machinelearningservices/data-plane/Microsoft.MachineLearningServices/preview/2019-09-30/modelManagement.json'
  },
  // The v2 surface: jobs, code/environment/data/model assets, datastores, endpoints (mfe.json, which also references
  // machineLearningServices.json and registries.json of the same version)...
  { id: 'mfe-2024-04-01', api: 'mfe', server: 'arm', file: `${V2_DIR}/mfe.json`, family: 'v2' },
  // ...and workspaces/computes at the v2 api-versions. Only its implemented operations take requests: a path both
  // versions know (a workspace) falls back to the 2019-11-01 operation when the 2024 one has no handler.
  { id: 'mls-2024-04-01', api: 'mls', server: 'arm', file: `${V2_DIR}/machineLearningServices.json`, family: 'v2' }
]

/** A Swagger 2.0 non-body parameter, as far as it is checked. */
export interface ParamSpec {
  name: string
  in: 'path' | 'query' | 'header' | 'formData' | 'body'
  required: boolean
  type?: string
  format?: string
  pattern?: string
  enum?: unknown[]
  minimum?: number
  maximum?: number
  minLength?: number
  maxLength?: number
  items?: unknown
}

export interface SpecOperation {
  specId: string
  api: SpecApi
  family: SpecFamily
  server: 'arm' | 'api'
  method: string
  template: string
  tpl: Template
  operationId: string
  params: ParamSpec[]
  body?: { name: string; required: boolean; ref: string }
  consumes: string[]
  /** `#/...` pointers to the response schemas by status (and `default`). */
  responses: Record<string, string | undefined>
}

type Json = Record<string, unknown>
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options']

function stripExamples(node: Json): Json {
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(walk)
    if (!isObj(n)) return
    delete n['x-ms-examples']
    Object.values(n).forEach(walk)
  }
  walk(node)
  return node
}

const escapePointer = (s: string): string => s.replace(/~/g, '~0').replace(/\//g, '~1')

function getPointer(doc: unknown, pointer: string): unknown {
  let cur = doc
  for (const raw of pointer.replace(/^#\/?/, '').split('/')) {
    if (raw === '') continue
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    if (!isObj(cur) && !Array.isArray(cur)) return undefined
    cur = (cur as Json)[key]
  }
  return cur
}

/** Follows internal `$ref`s from `pointer` to the first object that is not a reference; returns its pointer. */
function resolvePointer(doc: unknown, pointer: string): string {
  for (let i = 0; i < 20; i++) {
    const v = getPointer(doc, pointer)
    if (isObj(v) && typeof v.$ref === 'string' && v.$ref.startsWith('#')) pointer = v.$ref
    else return pointer
  }
  return pointer
}

/** Case-insensitive, anchored regex source for an exact string (for discriminator values). */
function ciExact(value: string): string {
  const body = [...value]
    .map(ch => {
      const lo = ch.toLowerCase()
      const up = ch.toUpperCase()
      if (lo !== up) return `[${lo}${up}]`
      return ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    })
    .join('')
  return `^${body}$`
}

/**
 * `bundle` writes pointers that pass through a `$ref` (`#/definitions/Compute/properties/provisioningErrors/items/
 * properties/error/...`, where `items` is itself a reference): fine for json-schema-ref-parser, unresolvable for ajv.
 * Every internal `$ref` is rewritten to the pointer of the object it lands on, following references on the way.
 */
function canonicalRefs(doc: Json): void {
  const resolve = (pointer: string, depth: number): string => {
    const segments = pointer
      .replace(/^#\/?/, '')
      .split('/')
      .filter(seg => seg !== '')
    let cur: unknown = doc
    let path: string[] = []
    for (const raw of segments) {
      for (let i = 0; i < 20 && isObj(cur) && typeof cur.$ref === 'string' && cur.$ref.startsWith('#'); i++) {
        const target = depth < 30 ? resolve(cur.$ref, depth + 1) : cur.$ref
        path = target
          .replace(/^#\/?/, '')
          .split('/')
          .filter(seg => seg !== '')
        cur = getPointer(doc, target)
      }
      const key = raw.replace(/~1/g, '/').replace(/~0/g, '~')
      cur = isObj(cur) || Array.isArray(cur) ? (cur as Json)[key] : undefined
      path.push(raw)
    }
    return `#/${path.join('/')}`
  }
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk)
    if (!isObj(node)) return
    if (typeof node.$ref === 'string' && node.$ref.startsWith('#/')) node.$ref = resolve(node.$ref, 0)
    Object.values(node).forEach(walk)
  }
  walk(doc)
}

/**
 * One self-contained document for ajv: what the spec's external `$ref`s reach (`../types.json#/definitions/
 * ErrorResponse`, `machineLearningServices.json#/definitions/Compute`, ...) is copied into its own `definitions` /
 * `parameters` / `responses` under `<file>.<name>` (e.g. `types.ErrorResponse`), the references rewritten to them.
 * (swagger-parser's `bundle` writes pointers through references for the recursive ErrorDetail of the v3 common
 * types, which no JSON Schema validator can resolve.)
 */
function localBundle(mainPath: string, main: Json, load: (path: string) => Json): Json {
  const out = structuredClone(main)
  const docs = new Map<string, Json>([[mainPath, main]])
  const doc = (path: string): Json => {
    let d = docs.get(path)
    if (!d) docs.set(path, (d = load(path)))
    return d
  }
  const copied = new Set<string>()
  const rewrite = (node: unknown, from: string): void => {
    if (Array.isArray(node)) return node.forEach(n => rewrite(n, from))
    if (!isObj(node)) return
    if (typeof node.$ref === 'string') {
      const [file, pointer = ''] = node.$ref.split('#')
      const target = file ? join(dirname(from), file) : from
      if (target !== mainPath) {
        const segments = pointer.split('/').filter(seg => seg !== '')
        const [section, name, ...rest] = segments
        const local = `${basename(target, '.json')}.${name}`
        const key = `${section}/${local}`
        if (!copied.has(key)) {
          copied.add(key)
          const value = structuredClone(getPointer(doc(target), `#/${section}/${name}`))
          const bucket = (isObj(out[section]) ? out[section] : (out[section] = {})) as Json
          bucket[local] = value
          rewrite(value, target)
        }
        node.$ref = `#/${section}/${escapePointer(local)}${rest.length > 0 ? `/${rest.join('/')}` : ''}`
      }
    }
    for (const [k, v] of Object.entries(node)) if (k !== '$ref') rewrite(v, from)
  }
  rewrite(out, mainPath)
  return out
}

/** Rewrites a bundled spec document into a schema ajv can use (see the module comment). */
function adaptForAjv(doc: Json): Json {
  const out = structuredClone(doc)
  canonicalRefs(out)
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk)
    if (!isObj(node)) return
    if (Array.isArray(node.enum) && node.enum.every(v => typeof v === 'string')) {
      node['x-enum-ci'] = node.enum
      delete node.enum
    }
    if (node['x-nullable'] === true && typeof node.type === 'string') node.type = [node.type, 'null']
    // A required field that is never read back (`x-ms-secret`, or `x-ms-mutability` without `read`: a datastore's
    // `credentials.secrets`) cannot be required of an answer; the service checks it on create.
    if (Array.isArray(node.required) && isObj(node.properties)) {
      const props = node.properties
      node.required = node.required.filter(name => {
        const p = props[String(name)]
        if (!isObj(p)) return true
        const mutability = p['x-ms-mutability']
        return p['x-ms-secret'] !== true && !(Array.isArray(mutability) && !mutability.includes('read'))
      })
    }
    if (node.type === 'file') delete node.type
    for (const [k, v] of Object.entries(node)) if (k !== 'example' && k !== 'x-ms-examples') walk(v)
  }
  walk(out)

  const defs = isObj(out.definitions) ? out.definitions : {}
  const discriminated: string[] = []
  for (const [name, def] of Object.entries(defs)) {
    if (!isObj(def) || typeof def.discriminator !== 'string') continue
    const prop = def.discriminator
    const baseName = `${name}__base`
    const base: Json = { ...def }
    delete base.discriminator
    defs[baseName] = base
    const dispatch: Json[] = []
    for (const [subName, sub] of Object.entries(defs)) {
      if (!isObj(sub) || !Array.isArray(sub.allOf)) continue
      const refIdx = sub.allOf.findIndex(s => isObj(s) && s.$ref === `#/definitions/${name}`)
      if (refIdx < 0) continue
      sub.allOf[refIdx] = { $ref: `#/definitions/${baseName}` }
      const value =
        typeof sub['x-ms-discriminator-value'] === 'string'
          ? sub['x-ms-discriminator-value']
          : subName.slice(subName.lastIndexOf('.') + 1)
      dispatch.push({
        if: { properties: { [prop]: { type: 'string', pattern: ciExact(value) } }, required: [prop] },
        then: { $ref: `#/definitions/${subName}` }
      })
    }
    defs[name] = { allOf: [{ $ref: `#/definitions/${baseName}` }, ...dispatch] }
    // A discriminated base closed with `additionalProperties: false` would refuse its subtypes' fields: each subtype
    // (flattened below) closes the object instead.
    delete base.additionalProperties
    discriminated.push(name)
  }
  // `bundle` may point into a model (`#/definitions/Compute/properties/...`): such pointers now go to its base.
  if (discriminated.length > 0) {
    const prefixes = discriminated.map(n => `#/definitions/${escapePointer(n)}/`)
    const fix = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(fix)
      if (!isObj(node)) return
      if (typeof node.$ref === 'string') {
        const ref = node.$ref
        const i = prefixes.findIndex(p => ref.startsWith(p))
        if (i >= 0)
          node.$ref = `#/definitions/${escapePointer(discriminated[i])}__base/${ref.slice(prefixes[i].length)}`
      }
      Object.values(node).forEach(fix)
    }
    fix(out)
  }
  // Azure takes `/` as a route path (module notes): Route.path keeps its minLength, not the pattern.
  const route = defs.Route
  if (isObj(route) && isObj(route.properties) && isObj(route.properties.path)) delete route.properties.path.pattern
  flattenClosedAllOf(out)
  return out
}

/**
 * AutoRest reads `additionalProperties: false` next to `allOf` as "no fields but these and the parents'"; JSON Schema
 * would refuse the parents' fields too (the 2024-04-01 specs close most of their models this way). The parents'
 * property names are added to the closed schema's `properties` (as `{}`: the `allOf` still checks them), and a
 * parent, which the same object must also satisfy through `allOf`, is left open (its child closes the object).
 */
function flattenClosedAllOf(doc: Json): void {
  const names = (schema: unknown, seen: Set<unknown>): Set<string> => {
    const out = new Set<string>()
    if (!isObj(schema) || seen.has(schema)) return out
    seen.add(schema)
    if (typeof schema.$ref === 'string' && schema.$ref.startsWith('#')) {
      return names(getPointer(doc, schema.$ref), seen)
    }
    if (isObj(schema.properties)) for (const k of Object.keys(schema.properties)) out.add(k)
    if (Array.isArray(schema.allOf)) for (const part of schema.allOf) for (const k of names(part, seen)) out.add(k)
    return out
  }
  const parents = new Set<Json>()
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk)
    if (!isObj(node)) return
    if (Array.isArray(node.allOf)) {
      for (const part of node.allOf) {
        const target = isObj(part) && typeof part.$ref === 'string' ? getPointer(doc, part.$ref) : part
        if (isObj(target)) parents.add(target)
      }
      if (node.additionalProperties === false) {
        const own = isObj(node.properties) ? node.properties : {}
        const inherited = new Set<string>()
        for (const part of node.allOf) for (const k of names(part, new Set())) inherited.add(k)
        node.properties = { ...Object.fromEntries([...inherited].map(k => [k, {}])), ...own }
      }
    }
    for (const [k, v] of Object.entries(node)) if (k !== 'example') walk(v)
  }
  walk(doc)
  for (const parent of parents) if (parent.additionalProperties === false) delete parent.additionalProperties
}

export function makeAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, logger: false })
  addFormats(ajv)
  // Swagger/AutoRest formats that JSON Schema does not define: type-only hints, accepted as is.
  for (const f of ['int32', 'int64', 'float', 'double', 'byte', 'binary', 'password', 'url', 'arm-id', 'unixtime']) {
    ajv.addFormat(f, true)
  }
  ajv.addKeyword({
    keyword: 'x-enum-ci',
    schemaType: 'array',
    errors: true,
    validate: function enumCi(this: unknown, schema: string[], data: unknown): boolean {
      if (typeof data !== 'string') return true
      if (schema.some(v => v.toLowerCase() === data.toLowerCase())) return true
      ;(enumCi as unknown as { errors: Partial<ErrorObject>[] }).errors = [
        {
          keyword: 'x-enum-ci',
          message: `must be one of ${schema.map(v => `'${v}'`).join(', ')} (got '${data}')`,
          params: { allowedValues: schema }
        }
      ]
      return false
    }
  })
  return ajv
}

export class SpecSet {
  readonly operations: SpecOperation[] = []
  readonly ajv = makeAjv()
  private readonly compiled = new Map<string, ValidateFunction>()
  readonly docs = new Map<string, Json>()

  static async load(): Promise<SpecSet> {
    const set = new SpecSet()
    // The `x-ms-examples` point at ./examples files that were not vendored: drop them before resolving, in the spec
    // itself and in every file its `$ref`s reach (mfe.json → machineLearningServices.json, registries.json, ...).
    const files = new Map<string, string>()
    const resolve = {
      file: {
        order: 1,
        canRead: true,
        read: (file: { url: string }): string => {
          const at = file.url.startsWith('file:') ? fileURLToPath(file.url) : decodeURI(file.url)
          let text = files.get(at)
          if (text === undefined) {
            text = JSON.stringify(stripExamples(JSON.parse(readFileSync(at, 'utf8')) as Json))
            files.set(at, text)
          }
          return text
        }
      }
    }
    for (const spec of SPEC_FILES) {
      const path = join(SPEC_ROOT, spec.file)
      const raw = stripExamples(JSON.parse(readFileSync(path, 'utf8')) as Json)
      const api = (): OpenAPI.Document => structuredClone(raw) as unknown as OpenAPI.Document
      const options = { resolve } as unknown as SwaggerParser.Options
      const deref = (await SwaggerParser.dereference(path, api(), {
        ...options,
        dereference: { circular: 'ignore' }
      })) as unknown as Json
      const bundled = localBundle(path, raw, text => JSON.parse(resolve.file.read({ url: text })) as Json)
      const adapted = adaptForAjv(bundled)
      set.docs.set(spec.id, adapted)
      set.ajv.addSchema(adapted, `spec:${spec.id}`)
      set.addOperations(spec, deref, bundled)
    }
    return set
  }

  private addOperations(spec: SpecFile, deref: Json, bundled: Json): void {
    const globalConsumes = Array.isArray(deref.consumes) ? (deref.consumes as string[]) : ['application/json']
    const paths = isObj(deref.paths) ? deref.paths : {}
    for (const [template, item] of Object.entries(paths)) {
      if (!isObj(item)) continue
      const pathParams = Array.isArray(item.parameters) ? (item.parameters as Json[]) : []
      for (const method of METHODS) {
        const op = item[method]
        if (!isObj(op)) continue
        const opParams = Array.isArray(op.parameters) ? (op.parameters as Json[]) : []
        const params: ParamSpec[] = []
        let body: SpecOperation['body']
        const bundledBase = `#/paths/${escapePointer(template)}`
        const add = (p: Json, pointer: string): void => {
          if (p.in === 'body') {
            const at = resolvePointer(bundled, pointer)
            body = { name: String(p.name), required: p.required === true, ref: `spec:${spec.id}${at}/schema` }
            return
          }
          const existing = params.findIndex(x => x.name === p.name && x.in === p.in)
          const ps = p as unknown as ParamSpec
          const entry: ParamSpec = { ...ps, required: p.required === true }
          // Registry asset names: the spec's pattern has no dot, but the azureml registry's own curated environments
          // do (`sklearn-1.5`, `acpt-pytorch-2.8-cuda12.6`, in 94 of Microsoft's CLI examples) and Azure serves them.
          if (/^Registry/.test(String(op.operationId)) && p.in === 'path' && entry.pattern === REGISTRY_NAME_PATTERN)
            entry.pattern = REGISTRY_ASSET_NAME
          if (existing >= 0) params[existing] = entry
          else params.push(entry)
        }
        pathParams.forEach((p, i) => add(p, `${bundledBase}/parameters/${i}`))
        opParams.forEach((p, i) => add(p, `${bundledBase}/${method}/parameters/${i}`))
        const responses: Record<string, string | undefined> = {}
        if (isObj(op.responses)) {
          for (const [status, r] of Object.entries(op.responses)) {
            const at = resolvePointer(bundled, `${bundledBase}/${method}/responses/${status}`)
            const resolved = getPointer(bundled, at)
            responses[status] = isObj(resolved) && resolved.schema ? `spec:${spec.id}${at}/schema` : undefined
            void r
          }
        }
        this.operations.push({
          specId: spec.id,
          api: spec.api,
          family: spec.family ?? 'v1',
          server: spec.server,
          method: method.toUpperCase(),
          template,
          tpl: compileTemplate(template),
          operationId: String(op.operationId),
          params,
          body,
          consumes: Array.isArray(op.consumes) && op.consumes.length > 0 ? (op.consumes as string[]) : globalConsumes,
          responses
        })
      }
    }
  }

  validator(ref: string): ValidateFunction {
    let v = this.compiled.get(ref)
    if (!v) {
      v = this.ajv.compile({ $ref: ref })
      this.compiled.set(ref, v)
    }
    return v
  }

  /** The definition `name` of spec `specId` as a validator (e.g. execution's RunDefinition). */
  definition(specId: string, name: string): ValidateFunction {
    return this.validator(`spec:${specId}#/definitions/${name}`)
  }

  find(operationId: string, specId?: string): SpecOperation | undefined {
    return this.operations.find(o => o.operationId === operationId && (!specId || o.specId === specId))
  }

  /**
   * Checks a response body against the operation's schema for that status (falling back to `default`): [] when it
   * conforms or the spec gives no schema. For tests that the emulator's own answers follow the spec.
   */
  validateResponse(operationId: string, status: number, body: unknown, specId?: string): string[] {
    const op = this.find(operationId, specId)
    if (!op) return [`no operation ${operationId}`]
    const ref = String(status) in op.responses ? op.responses[String(status)] : op.responses.default
    if (!ref) return []
    const v = this.validator(ref)
    return v(body) ? [] : describeErrors(v.errors)
  }
}

/** ajv errors as `field.path message` lines, deduplicated, without the noise of `if`/`allOf` wrappers. */
export function describeErrors(errors: ErrorObject[] | null | undefined, root = ''): string[] {
  const out: string[] = []
  for (const e of errors ?? []) {
    if (e.keyword === 'if' || e.keyword === 'allOf') continue
    const path = (root ? [root] : [])
      .concat(
        e.instancePath
          .split('/')
          .filter(Boolean)
          .map(s => s.replace(/~1/g, '/').replace(/~0/g, '~'))
      )
      .join('.')
    let msg: string
    if (e.keyword === 'required') {
      const missing = (e.params as { missingProperty: string }).missingProperty
      msg = `${path ? `${path}.` : ''}${missing} is required`
    } else if (e.keyword === 'additionalProperties') {
      // Name the field: "must NOT have additional properties" alone leaves the client guessing which one.
      const extra = (e.params as { additionalProperty: string }).additionalProperty
      msg = `${path || '(root)'} must NOT have additional properties ('${extra}' is not in the schema)`
    } else {
      msg = `${path || '(root)'} ${e.message ?? 'is invalid'}`
    }
    if (!out.includes(msg)) out.push(msg)
  }
  return out
}

let cached: Promise<SpecSet> | undefined
/** Loads the specs once per process (several emulators in one test run share them). */
export function loadSpecs(): Promise<SpecSet> {
  cached ??= SpecSet.load()
  return cached
}

export interface RequestParts {
  method: string
  params: Record<string, string>
  query: Record<string, string>
  headers: Record<string, string | string[] | undefined>
  contentType: string
  body: Buffer
  /** Names of the multipart parts received (formData operations). */
  formNames?: string[]
}

const paramSchemaCache = new WeakMap<ParamSpec, ValidateFunction>()

function paramValidator(ajv: Ajv, p: ParamSpec): ValidateFunction {
  let v = paramSchemaCache.get(p)
  if (!v) {
    const schema: Json = {}
    for (const k of ['type', 'format', 'pattern', 'minimum', 'maximum', 'minLength', 'maxLength', 'items'] as const) {
      if (p[k] !== undefined) schema[k] = p[k]
    }
    if (schema.type === 'file') delete schema.type
    if (Array.isArray(p.enum)) schema['x-enum-ci'] = p.enum.map(String)
    v = ajv.compile(schema)
    paramSchemaCache.set(p, v)
  }
  return v
}

/** A query value, or a header, by case-insensitive name. */
function lookup(map: Record<string, unknown>, name: string): string | undefined {
  const key = Object.keys(map).find(k => k.toLowerCase() === name.toLowerCase())
  const v = key === undefined ? undefined : map[key]
  return Array.isArray(v) ? String(v[0]) : v === undefined ? undefined : String(v)
}

function coerce(p: ParamSpec, raw: string): unknown {
  if (p.type === 'integer' && /^-?\d+$/.test(raw)) return Number(raw)
  if (p.type === 'number' && raw.trim() !== '' && !Number.isNaN(Number(raw))) return Number(raw)
  if (p.type === 'boolean' && /^(true|false)$/i.test(raw)) return raw.toLowerCase() === 'true'
  if (p.type === 'array') return raw.split(',')
  return raw
}

/**
 * Why the request breaks the operation's contract, or undefined when it does not. `api-version` is not checked here:
 * ARM answers a bad one in its own words (see arm/api-version.ts).
 */
export function checkRequest(specs: SpecSet, op: SpecOperation, req: RequestParts): string | undefined {
  const where = op.operationId
  const formOp = op.params.some(p => p.in === 'formData')
  if (formOp) {
    const ok = op.consumes.some(c => c.toLowerCase() === req.contentType)
    if (!ok) return `${where}: the body must be ${op.consumes.join(' or ')}, got '${req.contentType || 'none'}'`
  }
  for (const p of op.params) {
    if (p.in === 'body' || p.name === 'api-version') continue
    let raw: string | undefined
    if (p.in === 'path') raw = req.params[p.name]
    else if (p.in === 'query') raw = lookup(req.query, p.name)
    else if (p.in === 'header') raw = lookup(req.headers, p.name)
    else if (p.in === 'formData') {
      if (p.required && !(req.formNames ?? []).includes(p.name)) {
        return `${where}: the required form field '${p.name}' is missing from the multipart body (parts received: ${
          (req.formNames ?? []).join(', ') || 'none'
        })`
      }
      continue
    }
    if (raw === undefined || (raw === '' && p.in !== 'path')) {
      if (p.required) return `${where}: the required ${p.in} parameter '${p.name}' is missing`
      continue
    }
    const v = paramValidator(specs.ajv, p)
    if (!v(coerce(p, raw))) {
      const why = describeErrors(v.errors)
        .map(m => m.replace(/^\(root\) /, ''))
        .join('; ')
      return `${where}: ${p.in} parameter '${p.name}' = '${raw}' ${why}`
    }
  }
  if (op.body) {
    if (req.body.length === 0) {
      if (op.body.required) return `${where}: the required body parameter '${op.body.name}' is missing`
      return undefined
    }
    const jsonTypes = op.consumes.filter(c => /json/i.test(c))
    if (req.contentType && !op.consumes.some(c => c.toLowerCase() === req.contentType)) {
      return `${where}: Content-Type '${req.contentType}' is not one the operation consumes (${op.consumes.join(', ')})`
    }
    if (jsonTypes.length > 0) {
      let data: unknown
      try {
        data = JSON.parse(req.body.toString('utf8'))
      } catch (e) {
        return `${where}: the body parameter '${op.body.name}' is not valid JSON (${(e as Error).message})`
      }
      const v = specs.validator(op.body.ref)
      if (!v(data)) {
        const errors = describeErrors(v.errors)
        return `${where}: body parameter '${op.body.name}' breaks its schema: ${errors.slice(0, 8).join('; ')}${errors.length > 8 ? ` (and ${errors.length - 8} more)` : ''}`
      }
    }
  }
  return undefined
}
