/** The shared CLI v2 YAML machinery: durations as azure-ai-ml writes them, enum casing, the error class, model paths. */
import { describe, expect, it } from '@jest/globals'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { InputError } from '../../src/base/errors.js'
import { isoDuration, isoDurationMs } from '../../src/cli-yaml/duration.js'
import { CliYamlError, loadCliYaml, problemAt } from '../../src/cli-yaml/load.js'
import { BadReference, parseModelPath } from '../../src/cli-yaml/references.js'
import { camelToSnake } from '../../src/cli-yaml/schema.js'
import { applySetLines } from '../../src/cli-yaml/set.js'
import { pythonFloatText, pythonNumberText, scalarText } from '../../src/cli-yaml/text.js'
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { yamlFolder } from './helpers.js'

describe('durations (isodate.duration_isoformat of a timedelta, as azure-ai-ml sends them)', () => {
  it('milliseconds: fractions of a second with trailing zeros dropped', () => {
    expect(isoDurationMs(500)).toBe('PT0.5S')
    expect(isoDurationMs(5000)).toBe('PT5S')
    expect(isoDurationMs(90_500)).toBe('PT1M30.5S')
    expect(isoDurationMs(1)).toBe('PT0.001S')
    expect(isoDurationMs(60_250)).toBe('PT1M0.25S')
    expect(isoDurationMs(86_400_500)).toBe('P1DT0.5S')
    expect(isoDurationMs(3_600_000)).toBe('PT1H')
    expect(() => isoDurationMs(1.5)).toThrow(RangeError)
  })
  it('seconds', () => {
    expect(isoDuration(90)).toBe('PT1M30S')
    expect(isoDuration(86_400)).toBe('P1D')
  })
})

describe('enum casing (azure-ai-ml camel_to_snake)', () => {
  it('CamelCase names become snake_case', () => {
    expect(camelToSnake('AMLToken')).toBe('aml_token')
    expect(camelToSnake('AADToken')).toBe('aad_token')
    expect(camelToSnake('Key')).toBe('key')
    expect(camelToSnake('SystemAssigned')).toBe('system_assigned')
    expect(camelToSnake('aml_token')).toBe('aml_token')
  })
})

describe('CliYamlError', () => {
  it('names the input of the file, or set for a set line, with file:line: field', () => {
    const dir = yamlFolder({ 'm.yml': 'name: x\nother: y\n' })
    const source = loadCliYaml('m.yml', { input: 'model', kind: 'model', fieldsHint: 'name' }, dir)
    const e = new CliYamlError('model', [problemAt(source, ['other'], 'bad')])
    expect(e).toBeInstanceOf(InputError)
    expect(e.input).toBe('model')
    expect(e.yamlInput).toBe('model')
    expect(e.message).toBe("Input 'model': m.yml:2: other: bad")
    try {
      applySetLines(source, ['nope'])
      throw new Error('expected a CliYamlError')
    } catch (err) {
      expect(err).toBeInstanceOf(CliYamlError)
      expect((err as CliYamlError).input).toBe('set')
      expect((err as CliYamlError).yamlInput).toBe('model')
    }
  })
})

describe('model paths', () => {
  it('job outputs, datastores (short and long), URLs, local paths', () => {
    expect(parseModelPath('azureml://jobs/j1/outputs/model', '/base')).toEqual({
      kind: 'job-output',
      uri: 'azureml://jobs/j1/outputs/model',
      job: 'j1',
      output: 'model',
      path: ''
    })
    expect(parseModelPath('azureml://jobs/j1/outputs/model/paths/sub/', '/base')).toMatchObject({
      kind: 'job-output',
      output: 'model',
      path: 'sub'
    })
    expect(parseModelPath('azureml://datastores/ds/paths/a/b', '/base')).toEqual({
      kind: 'datastore',
      uri: 'azureml://datastores/ds/paths/a/b',
      datastore: 'ds',
      path: 'a/b'
    })
    expect(
      parseModelPath('azureml://subscriptions/s/resourcegroups/rg/workspaces/w/datastores/ds/paths/a', '/base')
    ).toMatchObject({ kind: 'datastore', datastore: 'ds', path: 'a' })
    expect(parseModelPath('https://a.blob.core.windows.net/c/m', '/base')).toEqual({
      kind: 'url',
      uri: 'https://a.blob.core.windows.net/c/m'
    })
    expect(parseModelPath('./model', '/base')).toEqual({
      kind: 'local',
      path: join('/base', 'model'),
      written: './model'
    })
    expect(() => parseModelPath('azureml:m:1', '/base')).toThrow(BadReference)
    expect(() => parseModelPath('azureml://registries/r/models/m/versions/1', '/base')).toThrow(BadReference)
  })
})

describe("number text as azure-ai-ml sends it (Python's str() of what PyYAML reads)", () => {
  /** Written text → Python's output, made by fixtures/python-number-text.py with PyYAML. */
  const PYTHON = JSON.parse(
    readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'python-number-text.json'), 'utf8')
  ) as Record<string, string>
  it.each(Object.entries(PYTHON))('%s → %s', (written, python) => {
    expect(pythonNumberText(written)).toBe(python)
    const value = (parse(`v: ${written}`) as { v: unknown }).v
    // What this action's YAML 1.2 reader takes for a number goes through scalarText with its written text.
    if (typeof value === 'number') expect(scalarText(value, written)).toBe(python)
  })
  it('a number without its written text (set in code): Python repr of the double', () => {
    expect(scalarText(0.00015)).toBe('0.00015')
    expect(scalarText(1e-5)).toBe('1e-05')
    expect(scalarText(10)).toBe('10')
    expect(pythonFloatText(1e16)).toBe('1e+16')
    expect(pythonFloatText(-0)).toBe('-0.0')
  })
})
