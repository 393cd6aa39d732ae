/**
 * Test helper: a JSON Schema validator (ajv) for a definition of the vendored Azure ML 2024-04-01 `mfe.json`
 * (Swagger 2.0), strict where the spec is: `allOf` chains flattened (so `additionalProperties: false` on a subtype
 * admits its parents' fields), Swagger `discriminator`s dispatched to the subtype named by `x-ms-discriminator-value`,
 * enums compared exactly, formats `duration` (ISO 8601) and `uuid` checked.
 *
 * The spec is read from emulator/specs (where the emulator vendors it) or /work/shared/specs; `null` when neither has it.
 */
import { Ajv, type ValidateFunction } from 'ajv'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const RELATIVE =
  'specification/machinelearningservices/resource-manager/Microsoft.MachineLearningServices/stable/2024-04-01/mfe.json'
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const SPEC_CANDIDATES = [join(ROOT, 'emulator', 'specs', RELATIVE), join('/work/shared/specs', RELATIVE)]

export function findSpec(): string | undefined {
  return SPEC_CANDIDATES.find(p => existsSync(p))
}

type Schema = Record<string, unknown>

export function specValidator(specPath: string, definition: string): ValidateFunction {
  const spec = JSON.parse(readFileSync(specPath, 'utf8')) as { definitions: Record<string, Schema> }
  const defs = spec.definitions
  const refName = (ref: string): string | undefined =>
    ref.startsWith('#/definitions/') ? ref.slice('#/definitions/'.length) : undefined

  /** Rewrite a schema: local refs kept (to the dispatching/flat form), external refs dropped, x-* removed. */
  const clean = (s: unknown): unknown => {
    if (Array.isArray(s)) return s.map(clean)
    if (!s || typeof s !== 'object') return s
    const out: Schema = {}
    for (const [k, v] of Object.entries(s as Schema)) {
      if (k.startsWith('x-') || k === 'example' || k === 'discriminator' || k === 'readOnly' || k === 'allOf') continue
      if (k === '$ref') {
        const name = refName(v as string)
        if (name) out.$ref = `#/definitions/${name}`
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
      if (!pn) continue
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
  return ajv.compile({
    definitions: out,
    type: 'object',
    required: ['properties'],
    properties: { properties: { $ref: `#/definitions/${definition}` } },
    additionalProperties: false
  })
}
