/**
 * YAML scalars as the text REST carries (tags, properties, environment variables, literal inputs, component input
 * defaults, versions), the way azure-ai-ml sends them: Python's `str()` of the value PyYAML loaded
 * (`_input_output_helpers.py` `LiteralJobInput(value=str(input_value))`, `_io/mixin.py` for pipeline nodes,
 * `_schema/core/fields.py` `VersionField`). azure-ai-ml reads YAML with PyYAML (YAML 1.1), this action with the `yaml`
 * package (YAML 1.2 core), so a number's text is re-read with PyYAML's rules from the text it was written with:
 * - PyYAML floats (a `.` is required; an exponent needs its sign: `1.5e-4`, `2.50`, `.5`, `1.0E+3`) → Python's
 *   `repr` of the float: `0.00015`, `2.5`, `0.5`, `1000.0`, `1e-05`, `1.2345678901234568e+17`;
 * - PyYAML ints (`10`, `+7`, `0x1F`, `010` octal, `1_000`) → the integer in decimal: `10`, `7`, `31`, `8`;
 * - what PyYAML reads as a string (`1e10`, `12e3`, `1e-5`: no dot; `0o17`) → the text as written, which is what
 *   azure-ai-ml sends for that string.
 * Checked against Python (`__tests__/cli-yaml/fixtures/python-number-text.json`, made by `python-number-text.py`).
 * Only scalars that YAML 1.2 reads as numbers are re-read; a YAML 1.2 string that PyYAML would take as a number
 * (`1_000`, `0b101`, `1:30`) goes as written.
 */
import type { FieldPath } from './load.js'
import type { Scalar } from './schema.js'

/** Reads number texts as written (see load.ts `numberTextAt`), keyed by field path. */
export type NumberText = (path: FieldPath) => string | undefined

/** PyYAML 1.1's implicit float pattern (yaml/resolver.py, tag:yaml.org,2002:float). */
const PYYAML_FLOAT =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/
/** PyYAML 1.1's implicit int pattern (yaml/resolver.py, tag:yaml.org,2002:int). */
const PYYAML_INT =
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/

/**
 * Python's `repr(float)` (= `str`): the shortest digits that read back to the same double, in fixed notation with at
 * least one decimal (`2.5`, `1000.0`) when the decimal point falls within 16 digits of them, else `d.ddde±XX`
 * (`1e-05`, `1e+16`); `inf`, `-inf`, `nan`, `-0.0`.
 */
export function pythonFloatText(x: number): string {
  if (Number.isNaN(x)) return 'nan'
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf'
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0'
  const sign = x < 0 ? '-' : ''
  // toExponential() without digits gives the shortest round-trip digits, as Python's repr does.
  const [mantissa, expText] = Math.abs(x).toExponential().split('e')
  const digits = mantissa.replace('.', '')
  const exp = Number(expText)
  const point = exp + 1 // digits × 10^(point - digits.length)
  if (point > -4 && point <= 16) {
    if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`
    if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}.0`
    return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`
  }
  const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits
  return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`
}

function sexagesimal(text: string): number {
  return text.split(':').reduce((acc, part) => acc * 60 + Number(part), 0)
}

/** Python's `str()` of the integer PyYAML reads from `text` (a PYYAML_INT match). */
function pythonIntText(text: string): string {
  const negative = text.startsWith('-')
  const body = text.replace(/^[-+]/, '').replace(/_/g, '')
  let n: bigint
  if (body.startsWith('0b')) n = BigInt(body)
  else if (body.startsWith('0x')) n = BigInt(body)
  else if (body.includes(':')) n = BigInt(sexagesimal(body))
  else if (body.length > 1 && body.startsWith('0')) n = BigInt(`0o${body.slice(1)}`)
  else n = BigInt(body)
  return String(negative ? -n : n)
}

/**
 * The text azure-ai-ml sends for a YAML number written as `written`: Python's `str()` of what PyYAML reads from it
 * (see the module's docstring); `written` itself when PyYAML reads a string.
 */
export function pythonNumberText(written: string): string {
  const text = written.trim()
  if (PYYAML_INT.test(text)) return pythonIntText(text)
  if (PYYAML_FLOAT.test(text)) {
    const body = text.replace(/_/g, '')
    const lower = body.toLowerCase()
    if (lower.endsWith('.nan')) return 'nan'
    if (lower.endsWith('.inf')) return body.startsWith('-') ? '-inf' : 'inf'
    if (body.includes(':')) {
      const negative = body.startsWith('-')
      const v = sexagesimal(body.replace(/^[-+]/, ''))
      return pythonFloatText(negative ? -v : v)
    }
    return pythonFloatText(Number(body))
  }
  return text
}

/** A scalar as REST text: booleans as Python prints them, numbers as Python prints what PyYAML reads, strings as is. */
export function scalarText(value: Scalar, written?: string): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False'
  if (typeof value === 'number') {
    if (written !== undefined) return pythonNumberText(written)
    return Number.isInteger(value) ? String(value) : pythonFloatText(value)
  }
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
