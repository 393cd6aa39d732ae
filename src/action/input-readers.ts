/**
 * Typed readers for step inputs. Each one fails with an `InputError` that names the input and the expected form, so
 * bad input stops the step before any request is sent. Values come from `@actions/core` (`INPUT_*` variables).
 */
import * as core from '@actions/core'
import { readFileSync } from 'node:fs'
import { isGuid } from '../auth/guid.js'
import { InputError } from '../base/errors.js'
import { maskSecret } from '../auth/mask.js'
import { headerValueProblem } from '../http/redact.js'

/** The trimmed input, or undefined when empty. */
export function optional(name: string): string | undefined {
  const value = core.getInput(name).trim()
  return value === '' ? undefined : value
}

/**
 * A secret input: masked before anything else can see it (a later parse error must not reveal it): the value as given,
 * trimmed, and each line of a multi-line value (a PEM key, a pasted JSON: the log is shown line by line), each in its
 * raw, JSON-escaped, URI-encoded and form-encoded forms (auth/mask.ts).
 *
 * With `singleLine` (a key or token that travels in an HTTP header, e.g. `Authorization: Bearer <key>`), a value with
 * a line break or another character a header cannot hold is refused here, naming the input and never showing the
 * value, instead of failing later inside Node (`ERR_INVALID_CHAR`) with no input named.
 */
export function optionalSecret(name: string, options: { singleLine?: boolean } = {}): string | undefined {
  const raw = core.getInput(name)
  if (raw.trim() === '') return undefined
  maskSecret(raw)
  const trimmed = raw.trim()
  if (trimmed !== raw) maskSecret(trimmed)
  if (options.singleLine) {
    const problem = headerValueProblem(trimmed)
    if (problem) {
      throw new InputError(
        name,
        `contains ${problem}, which an HTTP header cannot carry: a key or token is one line. Check how the secret ` +
          'was stored (a line break pasted inside it, or two values joined); nothing was sent.'
      )
    }
  }
  return trimmed
}

export function required(name: string, why: string): string {
  const value = optional(name)
  if (value === undefined) throw new InputError(name, `required ${why}.`)
  return value
}

export function guid(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  if (!isGuid(value)) {
    throw new InputError(name, `expected a GUID such as 00000000-0000-0000-0000-000000000000, got '${value}'.`)
  }
  return value
}

export function bool(name: string, fallback: boolean): boolean {
  const value = optional(name)
  if (value === undefined) return fallback
  if (/^true$/i.test(value)) return true
  if (/^false$/i.test(value)) return false
  throw new InputError(name, `expected true or false, got '${value}'.`)
}

export function integer(name: string, fallback: number, min: number, max: number): number {
  const value = optional(name)
  if (value === undefined) return fallback
  if (!/^-?\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new InputError(name, `expected a whole number from ${min} to ${max}, got '${value}'.`)
  }
  return Number(value)
}

/** A positive number that may have a fraction (minutes, seconds). */
export function positiveNumber(name: string, fallback: number, max: number): number {
  const value = optional(name)
  if (value === undefined) return fallback
  const n = Number(value)
  if (!/^\d+(\.\d+)?$/.test(value) || !(n > 0) || n > max) {
    throw new InputError(name, `expected a number greater than 0 and at most ${max}, got '${value}'.`)
  }
  return n
}

export function choice<T extends string>(name: string, options: readonly T[], fallback: T): T {
  const value = optional(name)
  if (value === undefined) return fallback
  const match = options.find(o => o.toLowerCase() === value.toLowerCase())
  if (!match) throw new InputError(name, `expected one of ${options.join(', ')}, got '${value}'.`)
  return match
}

/**
 * Parses JSON text without ever quoting it back: `JSON.parse` errors include a slice of their input, which may be a
 * secret. The message says where the text failed by position only.
 */
export function parseJsonText(name: string, text: string, expected: string): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    const position = /position (\d+)/.exec(String((error as Error).message))?.[1]
    throw new InputError(name, `not valid JSON${position ? ` (at character ${position})` : ''}. Expected ${expected}.`)
  }
}

/** Inline JSON or `@path` / a path to a JSON file. */
export function jsonValue(name: string, value: string | undefined, expected: string): unknown {
  if (value === undefined) return undefined
  return parseJsonText(name, value, expected)
}

export function readFileInput(name: string, path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new InputError(name, `cannot read file '${path}'${code ? ` (${code})` : ''}.`)
  }
}

/** Azure resource names: letters, digits and the given punctuation, within a length range. */
export function resourceName(
  name: string,
  value: string | undefined,
  pattern: RegExp,
  form: string
): string | undefined {
  if (value === undefined) return undefined
  if (!pattern.test(value)) throw new InputError(name, `expected ${form}, got '${value}'.`)
  return value
}
