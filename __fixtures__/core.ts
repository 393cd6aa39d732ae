/**
 * A stand-in for `@actions/core` in tests (the pattern of actions/typescript-action). ESM modules cannot be patched
 * after import, so register it before a dynamic import of the code under test:
 *
 *   import * as core from './core.js'
 *   jest.unstable_mockModule('@actions/core', () => core)
 *   const { run } = await import('../src/main.js')
 *
 * Every function is a `jest.fn` with a default behaviour close to the real one. Some keep state in plain maps (inputs,
 * saved state, the summary buffer), and `mockResolvedValue` & co. outlive jest's `clearMocks`: call
 * `resetCoreFixture()` in a `beforeEach` to get the defaults and empty state back.
 */
import type * as actionsCore from '@actions/core'
import { jest } from '@jest/globals'

/** Every mock with its default behaviour, so `resetCoreFixture` can restore it (jest 30's mockReset drops it). */
const resets: Array<() => void> = []

function mock<T extends (...args: never[]) => unknown>(impl?: T): jest.Mock<T> {
  const fn = impl ? jest.fn<T>(impl) : jest.fn<T>()
  resets.push(() => {
    fn.mockReset()
    if (impl) fn.mockImplementation(impl)
  })
  return fn
}

// ---- inputs ----------------------------------------------------------------------------------------------------------

/** Values `getInput` returns, by input name. Falls back to `INPUT_<NAME>` in the environment, as the runner sets it. */
export const inputs: Record<string, string> = {}

/** Replaces all inputs. */
export function setInputs(values: Record<string, string>): void {
  for (const key of Object.keys(inputs)) delete inputs[key]
  Object.assign(inputs, values)
}

function rawInput(name: string): string {
  return inputs[name] ?? process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? ''
}

/** Same contract as the real one: `required` throws when empty, whitespace trimmed unless `trimWhitespace: false`. */
export const getInput = mock<typeof actionsCore.getInput>((name, options) => {
  const value = rawInput(name)
  if (options?.required && !value) throw new Error(`Input required and not supplied: ${name}`)
  return options?.trimWhitespace === false ? value : value.trim()
})

export const getMultilineInput = mock<typeof actionsCore.getMultilineInput>((name, options) => {
  const lines = getInput(name, options)
    .split('\n')
    .filter(line => line !== '')
  return options?.trimWhitespace === false ? lines : lines.map(line => line.trim())
})

/** YAML 1.2 core schema booleans only, like the real one; anything else throws its TypeError. */
export const getBooleanInput = mock<typeof actionsCore.getBooleanInput>((name, options) => {
  const value = getInput(name, options)
  if (['true', 'True', 'TRUE'].includes(value)) return true
  if (['false', 'False', 'FALSE'].includes(value)) return false
  throw new TypeError(
    `Input does not meet YAML 1.2 "Core Schema" specification: ${name}\n` +
      'Support boolean input list: `true | True | TRUE | false | False | FALSE`'
  )
})

// ---- outputs, secrets, variables, state ------------------------------------------------------------------------------

export const setOutput = mock<typeof actionsCore.setOutput>()
export const setSecret = mock<typeof actionsCore.setSecret>()
export const exportVariable = mock<typeof actionsCore.exportVariable>()
export const addPath = mock<typeof actionsCore.addPath>()
export const setCommandEcho = mock<typeof actionsCore.setCommandEcho>()

/** What `saveState` stored; `getState` reads it back (the post step's view). */
export const state: Record<string, string> = {}

export const saveState = mock<typeof actionsCore.saveState>((name, value) => {
  state[name] = typeof value === 'string' ? value : JSON.stringify(value)
})
export const getState = mock<typeof actionsCore.getState>(name => state[name] ?? '')

// ---- results and logging ---------------------------------------------------------------------------------------------

export const setFailed = mock<typeof actionsCore.setFailed>()
export const isDebug = mock<typeof actionsCore.isDebug>(() => false)
export const debug = mock<typeof actionsCore.debug>()
export const info = mock<typeof actionsCore.info>()
export const notice = mock<typeof actionsCore.notice>()
export const warning = mock<typeof actionsCore.warning>()
export const error = mock<typeof actionsCore.error>()
export const startGroup = mock<typeof actionsCore.startGroup>()
export const endGroup = mock<typeof actionsCore.endGroup>()

/** Runs `fn` between startGroup and endGroup, as the real one does. */
export const group = mock<typeof actionsCore.group>(async (name, fn) => {
  startGroup(name)
  try {
    return await fn()
  } finally {
    endGroup()
  }
})

/** Rejects by default, like a job without `permissions: id-token: write`; tests give it a value. */
export const getIDToken = mock<typeof actionsCore.getIDToken>(async () => {
  throw new Error('Error message: Unable to get ACTIONS_ID_TOKEN_REQUEST_URL env variable')
})

export enum ExitCode {
  Success = 0,
  Failure = 1
}

// ---- paths and platform ----------------------------------------------------------------------------------------------

export const toPosixPath = mock<typeof actionsCore.toPosixPath>(p => p.replace(/[\\]/g, '/'))
export const toWin32Path = mock<typeof actionsCore.toWin32Path>(p => p.replace(/[/]/g, '\\'))
export const toPlatformPath = mock<typeof actionsCore.toPlatformPath>(p =>
  process.platform === 'win32' ? p.replace(/[/]/g, '\\') : p.replace(/[\\]/g, '/')
)

export const platform = {
  platform: process.platform,
  arch: process.arch,
  isWindows: process.platform === 'win32',
  isMacOS: process.platform === 'darwin',
  isLinux: process.platform === 'linux',
  getDetails: mock(async () => ({
    name: process.platform,
    platform: process.platform,
    arch: process.arch,
    version: process.version,
    isWindows: process.platform === 'win32',
    isMacOS: process.platform === 'darwin',
    isLinux: process.platform === 'linux'
  }))
}

// ---- job summary -----------------------------------------------------------------------------------------------------

// The summary's option types are not re-exported from the package root.
type SummaryTableRow = Parameters<typeof actionsCore.summary.addTable>[0][number]
type SummaryImageOptions = NonNullable<Parameters<typeof actionsCore.summary.addImage>[2]>
type SummaryWriteOptions = NonNullable<Parameters<typeof actionsCore.summary.write>[0]>

/**
 * The job summary as a chainable fake: every `add*` appends a plain rendering to a buffer that `stringify()` returns
 * (headings as `# text`, tables as `| a | b |` rows), so tests can assert on content without parsing HTML.
 */
export interface FakeSummary {
  addRaw: jest.Mock<(text: string, addEOL?: boolean) => FakeSummary>
  addEOL: jest.Mock<() => FakeSummary>
  addCodeBlock: jest.Mock<(code: string, lang?: string) => FakeSummary>
  addList: jest.Mock<(items: string[], ordered?: boolean) => FakeSummary>
  addTable: jest.Mock<(rows: SummaryTableRow[]) => FakeSummary>
  addDetails: jest.Mock<(label: string, content: string) => FakeSummary>
  addImage: jest.Mock<(src: string, alt: string, options?: SummaryImageOptions) => FakeSummary>
  addHeading: jest.Mock<(text: string, level?: number | string) => FakeSummary>
  addSeparator: jest.Mock<() => FakeSummary>
  addBreak: jest.Mock<() => FakeSummary>
  addQuote: jest.Mock<(text: string, cite?: string) => FakeSummary>
  addLink: jest.Mock<(text: string, href: string) => FakeSummary>
  write: jest.Mock<(options?: SummaryWriteOptions) => Promise<FakeSummary>>
  clear: jest.Mock<() => Promise<FakeSummary>>
  stringify: jest.Mock<() => string>
  isEmptyBuffer: jest.Mock<() => boolean>
  emptyBuffer: jest.Mock<() => FakeSummary>
}

let summaryBuffer = ''

function appender<A extends unknown[]>(render: (...args: A) => string): jest.Mock<(...args: A) => FakeSummary> {
  return mock((...args: A) => {
    summaryBuffer += render(...args)
    return summary
  })
}

const cellText = (cell: SummaryTableRow[number]): string => (typeof cell === 'string' ? cell : cell.data)

export const summary: FakeSummary = {
  addRaw: appender((text: string, addEOL?: boolean) => text + (addEOL ? '\n' : '')),
  addEOL: appender(() => '\n'),
  addCodeBlock: appender((code: string, lang?: string) => `\`\`\`${lang ?? ''}\n${code}\n\`\`\`\n`),
  addList: appender((items: string[], ordered?: boolean) =>
    items.map((item, i) => `${ordered ? `${i + 1}.` : '-'} ${item}\n`).join('')
  ),
  addTable: appender((rows: SummaryTableRow[]) => rows.map(row => `| ${row.map(cellText).join(' | ')} |\n`).join('')),
  addDetails: appender((label: string, content: string) => `${label}\n${content}\n`),
  addImage: appender((src: string, alt: string) => `![${alt}](${src})\n`),
  addHeading: appender((text: string, level?: number | string) => `${'#'.repeat(Number(level ?? 1) || 1)} ${text}\n`),
  addSeparator: appender(() => '---\n'),
  addBreak: appender(() => '\n'),
  addQuote: appender((text: string) => `> ${text}\n`),
  addLink: appender((text: string, href: string) => `[${text}](${href})`),
  write: mock(async () => summary),
  clear: mock(async () => {
    summaryBuffer = ''
    return summary
  }),
  stringify: mock(() => summaryBuffer),
  isEmptyBuffer: mock(() => summaryBuffer.length === 0),
  emptyBuffer: mock(() => {
    summaryBuffer = ''
    return summary
  })
}

/** The real module exports the same object under both names. */
export const markdownSummary = summary

// ---- reset -----------------------------------------------------------------------------------------------------------

/** Restores every mock's default behaviour, forgets its calls, and clears inputs, saved state and the summary. */
export function resetCoreFixture(): void {
  for (const reset of resets) reset()
  setInputs({})
  for (const key of Object.keys(state)) delete state[key]
  summaryBuffer = ''
}
