/** Test helpers for the CLI v2 YAML suites: temporary folders of YAML files and the errors a reader throws. */
import { expect } from '@jest/globals'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { InputError } from '../../src/base/errors.js'
import { CliYamlError } from '../../src/cli-yaml/load.js'

export const WS =
  '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws'

/** A temporary folder holding `files` (`name → content`; a name ending in `/` is an empty folder). */
export function yamlFolder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'cliyaml-'))
  for (const [name, content] of Object.entries(files)) {
    if (name.endsWith('/')) mkdirSync(join(dir, name), { recursive: true })
    else {
      mkdirSync(dirname(join(dir, name)), { recursive: true })
      writeFileSync(join(dir, name), content)
    }
  }
  return dir
}

/** The CliYamlError `read` throws (checked to be an InputError too). */
export function yamlErrorOf(read: () => unknown): CliYamlError {
  try {
    read()
  } catch (e) {
    expect(e).toBeInstanceOf(InputError)
    expect(e).toBeInstanceOf(CliYamlError)
    return e as CliYamlError
  }
  throw new Error('expected the reader to fail')
}
