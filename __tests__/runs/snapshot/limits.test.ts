import { afterAll, beforeEach, describe, expect, it, jest } from '@jest/globals'
import * as core from '../../../__fixtures__/core.js'
import { checkLimits, formatBytes, largestFolders } from '../../../src/runs/snapshot/limits.js'
import { entryScriptCheck, normalizeScriptPath } from '../../../src/runs/snapshot/entry-script.js'
import { selectFiles } from '../../../src/runs/snapshot/select.js'
import type { SnapshotPlan } from '../../../src/runs/snapshot/types.js'
import { cleanup, link, tempDir, writeTree } from './helpers.js'

jest.unstable_mockModule('@actions/core', () => core)
const { prepareSnapshot } = await import('../../../src/runs/snapshot/index.js')

afterAll(cleanup)
beforeEach(() => core.resetCoreFixture())

/** A plan from sizes alone: checkLimits reads nothing from disk. */
function plan(sizes: Record<string, number>): SnapshotPlan {
  const files = Object.entries(sizes).map(([path, size]) => ({
    path,
    size,
    absolutePath: `/src/${path}`,
    executable: false
  }))
  return {
    root: '/src',
    files,
    totalBytes: files.reduce((sum, file) => sum + file.size, 0),
    skipped: [],
    ignored: [],
    secretLooking: []
  }
}

const MB = 1024 * 1024

describe('checkLimits', () => {
  it('accepts a snapshot at the limits', () => {
    expect(() => checkLimits(plan({ 'a.py': 100, 'b.py': 100 }), { maxBytes: 200, maxFiles: 2 })).not.toThrow()
  })

  it('refuses one over the size limit, naming the total, the limit, the largest files and folders, and .amlignore', () => {
    const sizes = {
      'train.py': 2_000,
      'data/raw/a.csv': 40 * MB,
      'data/raw/b.csv': 30 * MB,
      'data/raw/c.csv': 20 * MB,
      'data/clean.csv': 1 * MB,
      'models/m1.pt': 25 * MB,
      'models/m2.pt': 24 * MB,
      'src/x.py': 1_000
    }
    let message = ''
    try {
      checkLimits(plan(sizes), { maxBytes: 100 * MB, maxFiles: 2000 })
    } catch (error) {
      expect(error).toMatchObject({ name: 'InputError', input: 'source-directory' })
      message = (error as Error).message
    }
    expect(message).toMatch(
      /^Input 'source-directory': the snapshot of \/src is over Azure ML's limit: 140 MB \(limit 100 MB\)\./
    )
    expect(message).toContain(
      'Largest files: data/raw/a.csv (40 MB), data/raw/b.csv (30 MB), models/m1.pt (25 MB), models/m2.pt (24 MB), data/raw/c.csv (20 MB).'
    )
    // data/ is narrowed to data/raw/, which holds over 90% of it.
    expect(message).toContain(
      'Largest folders: data/raw/ (90 MB in 3 files), models/ (49 MB in 2 files), src/ (1000 B in 1 file).'
    )
    expect(message).toMatch(/\.amlignore .*gitignore syntax; it takes precedence over \.gitignore/)
    expect(message).not.toMatch(/files \(limit/)
  })

  it('refuses one over the file limit, ranking folders by file count', () => {
    const sizes: Record<string, number> = { 'big.bin': 50 * MB }
    for (let i = 0; i < 30; i++) sizes[`node_modules/pkg${i}/index.js`] = 100
    for (let i = 0; i < 5; i++) sizes[`src/f${i}.py`] = 100
    expect(() => checkLimits(plan(sizes), { maxBytes: 300 * MB, maxFiles: 20 })).toThrow(
      /36 files \(limit 20\)\.\nLargest files: big\.bin \(50 MB\), .*\nLargest folders: node_modules\/ \(2\.9 KB in 30 files\), src\/ \(500 B in 5 files\)\./
    )
  })

  it('names both limits when both are exceeded', () => {
    expect(() => checkLimits(plan({ 'a.bin': 10, 'b.bin': 10, 'c.bin': 10 }), { maxBytes: 20, maxFiles: 2 })).toThrow(
      /over Azure ML's limit: 30 B \(limit 20 B\), 3 files \(limit 2\)\./
    )
  })

  it("defaults to Azure ML's 300 MB and 2000 files", () => {
    expect(() => checkLimits(plan({ 'a.bin': 300 * MB }))).not.toThrow()
    expect(() => checkLimits(plan({ 'a.bin': 300 * MB + 1 }))).toThrow(/limit 300 MB/)
    const many: Record<string, number> = {}
    for (let i = 0; i <= 2000; i++) many[`f${i}`] = 1
    expect(() => checkLimits(plan(many))).toThrow(/2,001 files \(limit 2,000\)/)
  })
})

describe('largestFolders', () => {
  it('narrows a folder to the one subfolder that holds nearly all of it', () => {
    const folders = largestFolders(
      plan({ 'a/b/c/big.bin': 1000, 'a/b/small.txt': 10, 'a/other.txt': 5, 'top.txt': 9999 }),
      'bytes'
    )
    expect(folders).toEqual([{ path: 'a/b/c', bytes: 1000, files: 1 }])
  })
})

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1024, '1 KB'],
    [1536, '1.5 KB'],
    [300 * MB, '300 MB'],
    [5 * 1024 * MB, '5 GB']
  ])('%d -> %s', (bytes, text) => expect(formatBytes(bytes)).toBe(text))
})

describe('entryScriptCheck', () => {
  it('accepts the script at its root-relative path, in any spelling', async () => {
    const root = await tempDir()
    await writeTree(root, { 'src/train.py': '', 'hello.py': '' })
    const selected = await selectFiles(root)
    expect(() => entryScriptCheck(selected, 'hello.py')).not.toThrow()
    expect(() => entryScriptCheck(selected, './src/train.py')).not.toThrow()
    expect(() => entryScriptCheck(selected, 'src\\train.py')).not.toThrow()
  })

  it('says which ignore file and rule excluded the script or its folder', async () => {
    const root = await tempDir()
    await writeTree(root, { '.amlignore': 'scripts/\n', '.gitignore': '*.py\n', 'scripts/train.py': '', 'main.py': '' })
    const selected = await selectFiles(root)
    expect(() => entryScriptCheck(selected, 'main.py')).not.toThrow()
    expect(() => entryScriptCheck(selected, 'scripts/train.py')).toThrow(
      "Input 'script': 'scripts/train.py' is not in the snapshot: .amlignore excludes its folder scripts/ (rule `scripts/`)"
    )
    const other = await tempDir()
    await writeTree(other, { 'sub/.gitignore': 'train.py\n', 'sub/train.py': '' })
    expect(() => entryScriptCheck(selected, 'scripts/train.py')).toThrow(expect.objectContaining({ input: 'script' }))
    const otherPlan = await selectFiles(other)
    expect(() => entryScriptCheck(otherPlan, 'sub/train.py')).toThrow(
      /sub\/\.gitignore excludes it \(rule `train\.py`\); remove that rule or add `!sub\/train\.py`/
    )
  })

  it('says when the script is missing, a folder, or a symlink that was left out', async () => {
    const outside = await tempDir('snapshot-outside-')
    await writeTree(outside, { 'train.py': '' })
    const root = await tempDir()
    await writeTree(root, { 'src/train.py': '' })
    await link(root, 'linked.py', `${outside}/train.py`)
    const selected = await selectFiles(root)
    expect(() => entryScriptCheck(selected, 'train.py')).toThrow(/Files with that name: src\/train\.py\.$/)
    expect(() => entryScriptCheck(selected, 'other.py')).not.toThrow(/Files with that name/)
    expect(() => entryScriptCheck(selected, 'train.py')).toThrow(
      /'train.py' was not found in the source directory .*relative to it/
    )
    expect(() => entryScriptCheck(selected, 'src')).toThrow(/'src' is a folder/)
    expect(() => entryScriptCheck(selected, 'linked.py')).toThrow(
      /linked\.py was left out \(symlink to .* outside the source directory\)/
    )
  })

  it('refuses paths outside the source directory', () => {
    for (const bad of ['../train.py', '/abs/train.py', 'C:\\x\\train.py', '', '.', 'a/../../b.py']) {
      expect(() => normalizeScriptPath(bad)).toThrow(/Input 'script'.*relative to the source directory/)
    }
    expect(normalizeScriptPath('./a/./b/../c.py')).toBe('a/c.py')
  })
})

describe('prepareSnapshot', () => {
  it('warns about skipped symlinks and secret-looking files, and logs the size', async () => {
    const outside = await tempDir('snapshot-outside-')
    await writeTree(outside, { 'x.txt': '' })
    const root = await tempDir()
    await writeTree(root, { 'train.py': '', '.env': 'TOKEN=1', 'gha-creds-abc.json': '{}' })
    await link(root, 'escape.txt', `${outside}/x.txt`)
    const result = await prepareSnapshot(root, { script: 'train.py' })
    expect(result.files.map(file => file.path)).toEqual(['.env', 'gha-creds-abc.json', 'train.py'])
    expect(core.warning).toHaveBeenCalledTimes(2)
    expect(core.warning.mock.calls[0][0]).toMatch(
      /^Left out of the snapshot: escape\.txt \(symlink to .*outside the source directory\)\.$/
    )
    expect(core.warning.mock.calls[1][0]).toMatch(/look like secrets: \.env, gha-creds-abc\.json\. .*\.amlignore/)
    expect(core.info).toHaveBeenCalledWith(expect.stringMatching(/: 3 files, 9 B$/))
  })

  it('stays quiet about a clean tree, and refuses over the limits or without the script', async () => {
    const root = await tempDir()
    await writeTree(root, { 'train.py': 'x'.repeat(100), 'b.py': '' })
    await prepareSnapshot(root)
    expect(core.warning).not.toHaveBeenCalled()
    await expect(prepareSnapshot(root, { limits: { maxBytes: 50, maxFiles: 10 } })).rejects.toThrow(
      /Largest files: train\.py \(100 B\)/
    )
    await expect(prepareSnapshot(root, { script: 'missing.py' })).rejects.toThrow(/Input 'script'/)
  })
})
