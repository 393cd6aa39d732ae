import { join } from 'node:path'
import { afterAll, describe, expect, it } from '@jest/globals'
import { realpath } from 'node:fs/promises'
import { contentHash } from '../../src/assets/content-hash.js'
import { listCodeFiles, warnLeftOut, type CodeFileList } from '../../src/assets/files.js'
import { cleanup, link, tempDir, writeTree } from './helpers.js'

afterAll(cleanup)

const paths = (list: CodeFileList): string[] => list.files.map(file => file.path)

describe('listCodeFiles: what az ml job create uploads for code:', () => {
  it('keeps everything when there is no ignore file, .git and __pycache__ included, as azure-ai-ml does', async () => {
    const root = await tempDir('code-')
    await writeTree(root, {
      'train.py': 'print(1)\n',
      'src/a.py': 'a',
      '.git/HEAD': 'ref: refs/heads/main\n',
      '__pycache__/train.cpython-311.pyc': 'x',
      'empty/': ''
    })
    const list = await listCodeFiles(root)
    expect(paths(list)).toEqual(['.git/HEAD', '__pycache__/train.cpython-311.pyc', 'src/a.py', 'train.py'])
    expect(list.kind).toBe('folder')
    expect(list.ignoreFile).toBeUndefined()
    expect(list.totalBytes).toBe(21 + 1 + 9 + 1)
    expect(list.files.find(file => file.path === 'src/a.py')).toEqual({
      path: 'src/a.py',
      absolutePath: join(list.root, 'src', 'a.py'),
      size: 1
    })
  })

  it('reads .gitignore at the root, keeps the ignore file itself, and reports what it excluded', async () => {
    const root = await tempDir('code-')
    await writeTree(root, {
      '.gitignore': '*.log\nbuild/\n/secret.env\n',
      'train.py': '',
      'a.log': '',
      'deep/b.log': '',
      'build/out.bin': '',
      'secret.env': '',
      'deep/secret.env': ''
    })
    const list = await listCodeFiles(root)
    expect(paths(list)).toEqual(['.gitignore', 'deep/secret.env', 'train.py'])
    expect(list.ignoreFile).toBe('.gitignore')
    expect(list.ignored.map(entry => entry.path)).toEqual(['a.log', 'build/', 'deep/b.log', 'secret.env'])
    expect(list.ignored[0]).toEqual({ path: 'a.log', ignoreFile: '.gitignore', rule: '*.log' })
  })

  it('prefers .amlignore to .gitignore, and never reads ignore files below the root (unlike a v1 snapshot)', async () => {
    const root = await tempDir('code-')
    await writeTree(root, {
      '.amlignore': 'data/\n',
      '.gitignore': '*.py\n',
      'train.py': '',
      'data/x.csv': '',
      'sub/data/y.csv': '',
      'sub/.amlignore': '*.txt\n',
      'sub/.gitignore': '*\n',
      'sub/notes.txt': ''
    })
    const list = await listCodeFiles(root)
    expect(paths(list)).toEqual([
      '.amlignore',
      '.gitignore',
      'sub/.amlignore',
      'sub/.gitignore',
      'sub/notes.txt',
      'train.py'
    ])
    expect(list.ignoreFile).toBe('.amlignore')
    expect(list.ignored.map(entry => entry.path)).toEqual(['data/', 'sub/data/'])
  })

  it('lets an ignore file exclude itself and .git', async () => {
    const root = await tempDir('code-')
    await writeTree(root, { '.amlignore': '.amlignore\n.git/\n', '.git/HEAD': '', 'a.py': '' })
    const list = await listCodeFiles(root)
    expect(paths(list)).toEqual(['a.py'])
    expect(list.ignoreFile).toBe('.amlignore')
  })

  it('is case-sensitive, as azure-ai-ml on Linux', async () => {
    const root = await tempDir('code-')
    await writeTree(root, { '.gitignore': '*.LOG\nData/\n', 'a.log': '', 'b.LOG': '', 'data/x': '', 'Data/y': '' })
    expect(paths(await listCodeFiles(root))).toEqual(['.gitignore', 'a.log', 'data/x'])
  })

  it('follows symlinks inside the folder under the link name, and skips those that leave it', async () => {
    const outside = await tempDir('outside-')
    await writeTree(outside, { 'secret.txt': 'nope', 'lib/x.py': 'x' })
    const root = await tempDir('code-')
    await writeTree(root, { 'real/a.py': 'aa', 'b.py': 'b' })
    await link(root, 'alias.py', 'b.py')
    await link(root, 'linked', 'real')
    await link(root, 'out.txt', join(outside, 'secret.txt'))
    await link(root, 'outlib', join(outside, 'lib'))
    await link(root, 'broken', 'nowhere')
    const list = await listCodeFiles(root)
    expect(paths(list)).toEqual(['alias.py', 'b.py', 'linked/a.py', 'real/a.py'])
    expect(list.files.find(file => file.path === 'alias.py')?.absolutePath).toBe(join(list.root, 'b.py'))
    expect(list.skipped.map(entry => entry.path)).toEqual(['broken', 'out.txt', 'outlib'])
    expect(list.skipped.find(entry => entry.path === 'out.txt')?.reason).toMatch(/outside the source directory/)
  })

  it('takes a single file as one file named by its base name', async () => {
    const root = await tempDir('code-')
    await writeTree(root, { 'src/train.py': 'print(1)\n', 'src/other.py': '' })
    const list = await listCodeFiles(join(root, 'src', 'train.py'))
    expect(list).toMatchObject({ kind: 'file', totalBytes: 9, files: [{ path: 'train.py', size: 9 }] })
  })

  it('names the YAML field when the path is not there', async () => {
    const root = await tempDir('code-')
    await expect(listCodeFiles(join(root, 'missing'))).rejects.toMatchObject({
      name: 'InputError',
      input: 'code',
      message: expect.stringMatching(/^Input 'code': '.*missing' is not a file or folder/)
    })
    await expect(listCodeFiles(join(root, 'missing'), { input: 'inputs.data.path' })).rejects.toMatchObject({
      input: 'inputs.data.path'
    })
  })
})

describe('warnLeftOut: links left out of an upload are named, with why (issue 18, kind 8)', () => {
  it('warns once per dangling link and per link out of the folder; a link inside to a file uploads as that file', async () => {
    const outside = await tempDir('outside-')
    await writeTree(outside, { 'secret.txt': 'nope' })
    const root = await tempDir('code-')
    await writeTree(root, { 'b.py': 'print(2)\n', 'sub/c.py': 'c' })
    await link(root, 'alias.py', 'b.py')
    await link(root, 'sub/dangling.py', 'nowhere.py')
    await link(root, 'out.txt', join(outside, 'secret.txt'))
    const list = await listCodeFiles(root)
    const lines: string[] = []
    const write = process.stdout.write.bind(process.stdout)
    process.stdout.write = ((chunk: string | Uint8Array) => {
      lines.push(String(chunk))
      return true
    }) as typeof process.stdout.write
    try {
      warnLeftOut(list, 'Code ./src')
    } finally {
      process.stdout.write = write
    }
    const warnings = lines
      .join('')
      .split('\n')
      .filter(line => line.startsWith('::warning::'))
    expect(warnings).toEqual([
      `::warning::Code ./src: left out.txt out of the upload: it is a link that points outside ${list.root} (to ${join(
        await realpath(outside),
        'secret.txt'
      )}).`,
      '::warning::Code ./src: left sub/dangling.py out of the upload: it is a dangling link (its target does not exist).'
    ])
    // The link inside is the file's bytes under the link's name: the same hash as a copy of it (what the CLI hashes).
    const copy = await tempDir('code-')
    await writeTree(copy, { 'b.py': 'print(2)\n', 'sub/c.py': 'c', 'alias.py': 'print(2)\n' })
    expect(paths(list)).toEqual(['alias.py', 'b.py', 'sub/c.py'])
    expect(await contentHash(list.files)).toBe(await contentHash((await listCodeFiles(copy)).files))
  })
})
