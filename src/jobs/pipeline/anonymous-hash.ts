/**
 * The version azure-ai-ml gives an anonymous component: a GUID made of the MD5 of its spec.
 *
 * azure-ai-ml 1.4 `entities/_component/component.py` `_get_anonymous_hash` (and `pipeline_component.py`'s, which hashes
 * the REST `componentSpec`) call `_utils/utils.py` `hash_dict`: drop the keys `name`, `id`, `version` (and `_source`
 * for pipeline components; a command component's `_to_dict` has no `_source`), serialize with Python's
 * `json.dumps(items, sort_keys=True)` (separators `", "` and `": "`, non-ASCII escaped as `\uXXXX`), MD5 the UTF-8
 * bytes, and print the digest as `str(UUID(hex))` (8-4-4-4-12 lower-case hex). The same content always gives the same
 * version, so a second submit of an unchanged step reuses the registered component.
 */
import { createHash } from 'node:crypto'

/** Keys left out of the hash (the version is the hash; the name is always `azureml_anonymous`; `_source` varies). */
const OMITTED = ['name', 'id', 'version', '_source']

/** The anonymous version of a component spec (the `componentSpec` of its REST body). */
export function anonymousComponentHash(spec: Record<string, unknown>): string {
  const rest = Object.fromEntries(Object.entries(spec).filter(([key]) => !OMITTED.includes(key)))
  const hex = createHash('md5').update(pythonJsonDumps(rest), 'utf8').digest('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/**
 * Python's `json.dumps(value, sort_keys=True)` with its defaults: `", "` between items, `": "` after keys, keys sorted
 * by code point, strings with non-ASCII characters escaped (`ensure_ascii`), floats as Python's `repr` writes them
 * (`1e-05`, `1e+16`, `0.1`, `2.0` is not distinguishable from `2` in JavaScript and is written `2`).
 */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null'
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (typeof value === 'number') return pythonNumber(value)
  if (typeof value === 'string') return pythonString(value)
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return `{${entries.map(([k, v]) => `${pythonString(k)}: ${pythonJsonDumps(v)}`).join(', ')}}`
}

function pythonString(text: string): string {
  let out = '"'
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0
    if (ch === '"') out += '\\"'
    else if (ch === '\\') out += '\\\\'
    else if (ch === '\n') out += '\\n'
    else if (ch === '\r') out += '\\r'
    else if (ch === '\t') out += '\\t'
    else if (ch === '\b') out += '\\b'
    else if (ch === '\f') out += '\\f'
    else if (code < 0x20 || code > 0x7f) {
      // UTF-16 units, as Python's ensure_ascii writes characters beyond the BMP (a surrogate pair).
      for (let i = 0; i < ch.length; i++) out += `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`
    } else out += ch
  }
  return `${out}"`
}

/** Python's `repr` of an int or float (JavaScript cannot tell `2.0` from `2`: both are written `2`). */
function pythonNumber(n: number): string {
  if (!Number.isFinite(n)) return Number.isNaN(n) ? 'NaN' : n > 0 ? 'Infinity' : '-Infinity'
  if (Number.isInteger(n) && Math.abs(n) < 1e16) return String(n)
  const abs = Math.abs(n)
  // repr switches to exponent form below 1e-4 and from 1e16; JavaScript below 1e-6 and from 1e21.
  if (abs >= 1e16 || abs < 1e-4) {
    const [mantissa, exponent] = n.toExponential().split('e')
    const e = Number(exponent)
    return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`
  }
  return String(n)
}
