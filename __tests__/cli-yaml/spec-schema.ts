/**
 * Test helper: a JSON Schema validator (ajv) for a definition of the vendored Azure ML 2024-04-01 `mfe.json`
 * (Swagger 2.0), strict where the spec is: `allOf` chains flattened (so `additionalProperties: false` on a subtype
 * admits its parents' fields), Swagger `discriminator`s dispatched to the subtype named by `x-ms-discriminator-value`,
 * enums compared exactly, formats `duration` (ISO 8601) and `uuid` checked. References to other files (the ARM
 * common types: `TrackedResource`, `Sku`, `ManagedServiceIdentity`) are followed, so a whole tracked resource body
 * (`location`, `sku`, `identity`, `tags`, `properties`) can be checked with `specResourceValidator`.
 *
 * The spec is read from emulator/specs (where the emulator vendors it) or /work/shared/specs; `null` when neither has it.
 */
import { Ajv, type ValidateFunction } from 'ajv'
import { existsSync, readFileSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const RELATIVE =
  'specification/machinelearningservices/resource-manager/Microsoft.MachineLearningServices/stable/2024-04-01/mfe.json'
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const SPEC_CANDIDATES = [join(ROOT, 'emulator', 'specs', RELATIVE), join('/work/shared/specs', RELATIVE)]

export function findSpec(): string | undefined {
  return SPEC_CANDIDATES.find(p => existsSync(p))
}

type Schema = Record<string, unknown>

/**
 * The definitions of `specPath`, with those of the files it refers to (recursively) merged in under
 * `<file>__<name>`, every `$ref` rewritten to a local `#/definitions/...` one.
 */
function loadDefinitions(specPath: string): Record<string, Schema> {
  const out: Record<string, Schema> = {}
  const seen = new Set<string>()
  const pending: string[] = [resolve(specPath)]
  const root = resolve(specPath)
  const keyOf = (file: string, name: string): string => (file === root ? name : `${basename(file)}__${name}`)
  const rewrite = (v: unknown, file: string): unknown => {
    if (Array.isArray(v)) return v.map(x => rewrite(x, file))
    if (!v || typeof v !== 'object') return v
    const o: Schema = {}
    for (const [k, x] of Object.entries(v as Schema)) {
      if (k === '$ref' && typeof x === 'string' && x.includes('#/definitions/')) {
        const [filePart, name] = x.split('#/definitions/')
        const target = filePart ? resolve(dirname(file), filePart) : file
        if (!seen.has(target)) pending.push(target)
        o.$ref = `#/definitions/${keyOf(target, name)}`
      } else o[k] = rewrite(x, file)
    }
    return o
  }
  while (pending.length) {
    const file = pending.pop() as string
    if (seen.has(file)) continue
    seen.add(file)
    if (!existsSync(file)) continue // an unresolvable file: its refs stay dangling and are dropped below
    const spec = JSON.parse(readFileSync(file, 'utf8')) as { definitions?: Record<string, Schema> }
    for (const [name, d] of Object.entries(spec.definitions ?? {})) out[keyOf(file, name)] = rewrite(d, file) as Schema
  }
  return out
}

function compileDefinitions(specPath: string, top: (definitions: Record<string, Schema>) => Schema): ValidateFunction {
  const defs = loadDefinitions(specPath)
  const refName = (ref: string): string | undefined =>
    ref.startsWith('#/definitions/') ? ref.slice('#/definitions/'.length) : undefined

  /** Rewrite a schema: refs kept (to the dispatching/flat form) when their definition is known, x-* removed. */
  const clean = (s: unknown): unknown => {
    if (Array.isArray(s)) return s.map(clean)
    if (!s || typeof s !== 'object') return s
    const out: Schema = {}
    for (const [k, v] of Object.entries(s as Schema)) {
      if (k.startsWith('x-') || k === 'example' || k === 'discriminator' || k === 'readOnly' || k === 'allOf') continue
      if (k === '$ref') {
        const name = refName(v as string)
        if (name && defs[name]) out.$ref = `#/definitions/${name}`
        continue
      }
      if (k === 'format' && v !== 'duration' && v !== 'uuid') continue
      if (k === 'default') continue
      if (k === 'properties') {
        out.properties = Object.fromEntries(Object.entries(v as Schema).map(([p, ps]) => [p, clean(ps)]))
        continue
      }
      out[k] = clean(v)
    }
    return out
  }

  /** A definition with its allOf parents' properties and required fields merged in (no dispatch). */
  const flat = (name: string): Schema => {
    const d = defs[name]
    const properties: Schema = {}
    const required = new Set<string>()
    for (const parent of (d.allOf as Schema[] | undefined) ?? []) {
      const pn = refName(parent.$ref as string)
      if (!pn || !defs[pn]) continue
      const pf = flat(pn)
      Object.assign(properties, pf.properties as Schema)
      for (const r of (pf.required as string[] | undefined) ?? []) required.add(r)
    }
    const own = clean(d) as Schema
    Object.assign(properties, own.properties as Schema | undefined)
    for (const r of (d.required as string[] | undefined) ?? []) required.add(r)
    return { ...own, type: 'object', properties, ...(required.size ? { required: [...required] } : {}) }
  }

  const out: Record<string, Schema> = {}
  for (const name of Object.keys(defs)) {
    const d = defs[name]
    const field = d.discriminator as string | undefined
    if (!field) {
      out[name] = d.type === 'object' || d.properties || d.allOf ? flat(name) : (clean(d) as Schema)
      continue
    }
    // Dispatch: the subtypes (defs whose allOf names this one) by their discriminator value.
    const subtypes = Object.entries(defs).filter(([, sd]) =>
      ((sd.allOf as Schema[] | undefined) ?? []).some(p => refName(p.$ref as string) === name)
    )
    out[`${name}__base`] = flat(name)
    out[name] = {
      type: 'object',
      required: [field],
      properties: { [field]: { enum: subtypes.map(([sn, sd]) => (sd['x-ms-discriminator-value'] as string) ?? sn) } },
      allOf: subtypes.map(([sn, sd]) => ({
        if: { properties: { [field]: { const: (sd['x-ms-discriminator-value'] as string) ?? sn } }, required: [field] },
        then: { $ref: `#/definitions/${sn}__sub` }
      }))
    }
    for (const [sn] of subtypes) out[`${sn}__sub`] = flat(sn)
  }
  const ajv = new Ajv({ allErrors: true, strict: false })
  ajv.addFormat('duration', /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/)
  ajv.addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i)
  return ajv.compile(top(out))
}

/** A validator of `{properties: <definition>}` (the body of an asset or job PUT: nothing but `properties`). */
export function specValidator(specPath: string, definition: string): ValidateFunction {
  return compileDefinitions(specPath, definitions => ({
    definitions,
    type: 'object',
    required: ['properties'],
    properties: { properties: { $ref: `#/definitions/${definition}` } },
    additionalProperties: false
  }))
}

/** A validator of a whole body against `definition` (a tracked resource: `location`, `sku`, `identity`, ...). */
export function specResourceValidator(specPath: string, definition: string): ValidateFunction {
  return compileDefinitions(specPath, definitions => ({ definitions, $ref: `#/definitions/${definition}` }))
}
