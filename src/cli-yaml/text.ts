/**
 * YAML scalars as the text REST carries (tags, properties, environment variables, literal inputs, versions), the way
 * azure-ai-ml sends them: Python's `str()` of the loaded value, except that numbers keep the text they were written
 * with (`0.010` stays `0.010`; Python would print `0.01`).
 */
import type { FieldPath } from './load.js'
import type { Scalar } from './schema.js'

/** Reads number texts as written (see load.ts `numberTextAt`), keyed by field path. */
export type NumberText = (path: FieldPath) => string | undefined

/** A scalar as REST text: booleans as Python prints them, numbers as written, strings as they are. */
export function scalarText(value: Scalar, written?: string): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False'
  if (typeof value === 'number') return written ?? String(value)
  return value
}

/** A mapping of scalars (at field `field`) as text; empty values (null) left out; undefined when there is none. */
export function textMap(
  map: Record<string, Scalar | null> | undefined,
  field: FieldPath | string,
  numberText: NumberText
): Record<string, string> | undefined {
  if (!map) return undefined
  const at = typeof field === 'string' ? [field] : field
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(map))
    if (v !== null && v !== undefined) out[k] = scalarText(v, numberText([...at, k]))
  return out
}
