/**
 * Inputs shared by the operations that create an ARM resource from inputs or from a whole `definition` body
 * (create-compute, create-workspace): `location` and `definition`.
 */
import { InputError } from '../base/errors.js'
import { optional, parseJsonText, readFileInput, resourceName } from '../action/input-readers.js'

export type JsonObject = Record<string, unknown>

const LOCATION = /^[a-zA-Z][a-zA-Z0-9 ]{1,49}$/

/** `location`: an Azure region name, when given. */
export function readLocation(): string | undefined {
  return resourceName(
    'location',
    optional('location'),
    LOCATION,
    'an Azure region name such as centralus or westeurope'
  )
}

/** `definition`: inline JSON (starting with `{` or `[`) or the path of a JSON file; a JSON object either way. */
export function readDefinition(expected: string): JsonObject | undefined {
  const value = optional('definition')
  if (value === undefined) return undefined
  const text = /^[[{]/.test(value) ? value : readFileInput('definition', value)
  const parsed = parseJsonText('definition', text, expected)
  if (!isObject(parsed)) throw new InputError('definition', `expected a JSON object: ${expected}.`)
  return parsed
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
