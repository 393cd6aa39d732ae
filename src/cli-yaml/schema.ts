/**
 * The machinery shared by every CLI v2 YAML schema (job, online endpoint, online deployment, model): a draft-07 JSON
 * Schema compiled with ajv (`allErrors`, strict, a `hint` keyword for readable expectations), and ajv's errors turned
 * into one located problem each, `file:line: field.path: what is expected`: unknown fields with a did-you-mean (like
 * `az ml`, whose marshmallow schemas refuse unknown fields), missing required fields, wrong types, enum values with a
 * suggestion, patterns explained by their `hint`, bounds.
 *
 * Also the schema pieces several YAML kinds share: scalars, string maps (tags, properties, environment variables:
 * any scalar, sent as text, as azure-ai-ml does).
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import {
  byLocation,
  CliYamlError,
  problemAt as locatedAt,
  type FieldPath,
  type YamlProblem,
  type YamlSource
} from './load.js'

export type Scalar = string | number | boolean

/**
 * An asset version as written in a YAML (`version:` of a model, data asset, environment or component): text or a
 * number, without the characters an ARM path or the `name:version` / `name@label` forms would split on.
 */
export const ASSET_VERSION_SCHEMA = {
  type: ['string', 'number'],
  pattern: '^[^/?#:@]+$',
  hint: 'a version without /, ?, #, : or @'
}
/** A scalar value (string, number or boolean). */
export const SCALAR_SCHEMA = { type: ['string', 'number', 'boolean'] }
/** A mapping of scalars (tags, properties, environment variables); an empty value (null) is skipped. */
export const SCALAR_MAP_SCHEMA = {
  type: 'object',
  additionalProperties: { type: ['string', 'number', 'boolean', 'null'] }
}

let shared: Ajv | undefined

/**
 * A validator for a draft-07 schema, compiled on its first use. Our keywords are allowed: `hint` (a readable
 * expectation for a `pattern` or a bound), `suggest` (the values a `pattern` stands for, offered as a did-you-mean)
 * and `fieldOf` beside `additionalProperties: false` (`{field: type}`: a field that belongs to another `type` of the
 * same union, refused with that type named). Compiling the four CLI schemas when the bundle loads cost about a second of
 * every step's start, whatever its operation.
 */
export function compileYamlSchema(schema: object): ValidateFunction {
  let compiled: ValidateFunction | undefined
  const validate = ((data: unknown) => {
    if (!compiled) {
      if (!shared) {
        shared = new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true })
        shared.addVocabulary(['hint', 'suggest', 'fieldOf'])
      }
      compiled = shared.compile(schema)
    }
    const ok = compiled(data)
    validate.errors = compiled.errors
    return ok
  }) as ValidateFunction
  return validate
}

/** Edit distance, for "did you mean": two swapped neighbours (`trian`, `train`) count as one edit, as typed. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)])
  for (let j = 1; j <= b.length; j++) d[0][j] = j
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1)
    }
  }
  return d[a.length][b.length]
}

/** The closest of `candidates` to `word`, if close enough to be a typo. */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined
  let bestD = Infinity
  for (const c of candidates) {
    const dist = distance(word.toLowerCase(), c.toLowerCase())
    if (dist < bestD) [best, bestD] = [c, dist]
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined
}

/**
 * ` (did you mean 'command'?)` when one of `candidates` is close to `word` (a typo), else empty: every "did you mean"
 * of the CLI YAML readers (unknown fields, enum values, steps) is worded here.
 */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const guess = suggest(word, candidates)
  return guess === undefined ? '' : ` (did you mean '${guess}'?)`
}

function pathOf(instancePath: string): (string | number)[] {
  if (!instancePath) return []
  return instancePath
    .slice(1)
    .split('/')
    .map(s => s.replace(/~1/g, '/').replace(/~0/g, '~'))
}

function typeName(v: unknown): string {
  if (v === null) return 'nothing (null)'
  if (Array.isArray(v)) return 'a list'
  if (typeof v === 'object') return 'a mapping'
  if (typeof v === 'string') return `the string '${v}'`
  return `${typeof v === 'number' ? 'the number' : 'the boolean'} ${String(v)}`
}

/**
 * The strings `normalizeEnumAt` rewrote, as the YAML wrote them (per mapping, per key): a message echoes `Hourly`, not
 * the `hourly` the schema was checked against.
 */
const asWritten = new WeakMap<object, Map<string, string>>()

/** The value at `path`, as written in the YAML (before `normalizeEnumAt`). */
function valueAt(data: unknown, path: readonly (string | number)[]): unknown {
  let v = data
  for (const p of path) {
    const parent = v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined
    v = parent?.[p]
    const original = parent ? asWritten.get(parent)?.get(String(p)) : undefined
    if (original !== undefined && typeof v === 'string') v = original
  }
  return v
}

const A_TYPE: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  null: 'nothing'
}

/** One ajv error → one located problem (or none, for errors that only repeat another one). */
function toProblem(e: ErrorObject, data: unknown, source: YamlSource, at: FieldPath): YamlProblem | undefined {
  const path = pathOf(e.instancePath)
  const problemAt = (p: FieldPath, detail: string): YamlProblem => locatedAt(source, [...at, ...p], detail)
  const hint = (e.parentSchema as { hint?: string } | undefined)?.hint
  const value = valueAt(data, path)
  switch (e.keyword) {
    case 'additionalProperties': {
      const field = (e.params as { additionalProperty: string }).additionalProperty
      const parent = e.parentSchema as { properties?: object; fieldOf?: Record<string, string> }
      const owner = parent.fieldOf?.[field]
      if (owner !== undefined) {
        // A field of another type of the same union (`log_dir` under `type: tensorboard`): the type is the mistake.
        const type = valueAt(data, [...path, 'type'])
        if (typeof type !== 'string')
          return problemAt([...path, field], `${field} is a field of type ${owner} only: add type: ${owner}`)
        // A type that looks like the owner (`tensorboard`) is the mistake; another type (`vs_code`): the field is.
        const guess = suggest(type, [owner])
        return problemAt(
          guess ? [...path, 'type'] : [...path, field],
          `${field} is a field of type ${owner} only, not of type '${type}'` +
            (guess ? ` (did you mean type: ${guess}?)` : '')
        )
      }
      const known = Object.keys(parent.properties ?? {})
      const detail =
        `unknown field '${field}'` + (didYouMean(field, known) || ` (known fields here: ${known.join(', ')})`)
      return problemAt([...path, field], detail)
    }
    case 'required': {
      const field = (e.params as { missingProperty: string }).missingProperty
      return problemAt([...path, field], `missing required field '${field}'`)
    }
    case 'type': {
      const t = (e.params as { type: string | string[] }).type
      const want = (Array.isArray(t) ? t : t.split(','))
        .filter(x => x !== 'null')
        .map(x => A_TYPE[x] ?? x)
        .join(' or ')
      // A string expected and a YAML boolean or number written (`enabled: true`): quoting it is the fix.
      const quote =
        want === A_TYPE.string && (typeof value === 'boolean' || typeof value === 'number')
          ? ` (write it in quotes, '${String(value)}', to make it a string)`
          : ''
      return problemAt(path, `expected ${want}, got ${typeName(value)}${quote}`)
    }
    case 'enum': {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map(String)
      const guess = typeof value === 'string' ? didYouMean(value, allowed) : ''
      return problemAt(path, `${typeName(value)} is not one of ${allowed.join(', ')}${guess}`)
    }
    case 'const': {
      const allowed = String((e.params as { allowedValue: unknown }).allowedValue)
      return problemAt(path, `expected '${allowed}', got ${typeName(value)}`)
    }
    case 'propertyNames': {
      const name = (e.params as { propertyName: string }).propertyName
      const names = (e.parentSchema as { propertyNames?: { hint?: string } }).propertyNames
      return problemAt([...path, name], `invalid name '${name}': ${names?.hint ?? 'not allowed'}`)
    }
    case 'pattern': {
      if ((e.params as { propertyName?: string }).propertyName !== undefined || e.propertyName !== undefined)
        return undefined
      const suggest = (e.parentSchema as { suggest?: string[] } | undefined)?.suggest
      const guess = suggest && typeof value === 'string' ? didYouMean(value.toLowerCase(), suggest) : ''
      return problemAt(
        path,
        `${typeName(value)} is not ${hint ?? `of the form ${(e.params as { pattern: string }).pattern}`}${guess}`
      )
    }
    case 'minLength':
      return problemAt(path, 'must not be empty')
    case 'minimum':
    case 'maximum': {
      const { comparison, limit } = e.params as { comparison: string; limit: number }
      return problemAt(path, `${typeName(value)} must be ${comparison} ${limit}${hint ? ` (${hint})` : ''}`)
    }
    case 'if':
      return undefined // the failing then/else branch reports the real problem
    default:
      return problemAt(path, e.message ?? 'invalid value')
  }
}

/**
 * Check `data` (the YAML as plain values, after `set` lines) against the command job schema; throw a JobYamlError

/**
 * Every problem ajv found, located, without repeats, in file order. `at`: where `data` sits in the file (`[]` for the
 * whole document, `['jobs', 'score']` for a pipeline's node checked on its own).
 */
export function schemaProblems(
  validate: ValidateFunction,
  data: unknown,
  source: YamlSource,
  at: FieldPath = []
): YamlProblem[] {
  if (validate(data)) return []
  const seen = new Set<string>()
  const problems: YamlProblem[] = []
  for (const e of validate.errors ?? []) {
    const p = toProblem(e, data, source, at)
    if (!p) continue
    const key = `${p.field}\u0000${p.detail}`
    if (seen.has(key)) continue
    seen.add(key)
    problems.push(p)
  }
  if (!problems.length) problems.push(locatedAt(source, [...at], `does not match the ${source.kind} schema`))
  return problems.sort(byLocation)
}

/** Check `data` against a compiled schema: return it typed, or throw a CliYamlError naming every problem. */
export function validateYamlSchema<T>(validate: ValidateFunction, data: unknown, source: YamlSource): T {
  const problems = schemaProblems(validate, data, source)
  if (problems.length) throw new CliYamlError(source.input, problems)
  return data as T
}

/** azure-ai-ml `_utils/utils.py` `camel_to_snake`: `AMLToken` → `aml_token`, `SystemAssigned` → `system_assigned`. */
export function camelToSnake(text: string): string {
  return text
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
}

/**
 * Rewrite, in the plain data about to be validated, the string at `path` as azure-ai-ml's `StringTransformedEnum`
 * reads it, so the schema can list the snake_case values: `lower` (its default `casing_transform`: `Key`, `KEY` and
 * `key` are the same) or `camelToSnake` (fields declared with `casing_transform=camel_to_snake`: `AMLToken` is
 * `aml_token`). Non-strings are left for the schema to refuse. The value as written is kept for error messages.
 */
export function normalizeEnumAt(
  data: unknown,
  path: readonly string[],
  transform: 'lower' | 'camelToSnake' = 'lower'
): void {
  let parent: unknown = data
  for (const p of path.slice(0, -1)) {
    if (!parent || typeof parent !== 'object' || Array.isArray(parent)) return
    parent = (parent as Record<string, unknown>)[p]
  }
  if (!parent || typeof parent !== 'object' || Array.isArray(parent)) return
  const obj = parent as Record<string, unknown>
  const key = path[path.length - 1]
  const v = obj[key]
  if (typeof v !== 'string') return
  obj[key] = transform === 'lower' ? v.toLowerCase() : camelToSnake(v)
  if (obj[key] !== v) {
    const written = asWritten.get(obj) ?? new Map<string, string>()
    written.set(key, v)
    asWritten.set(obj, written)
  }
}
