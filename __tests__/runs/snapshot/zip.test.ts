import { randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { readdir, readFile, rm, stat, utimes } from 'node:fs/promises'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { afterAll, describe, expect, it } from '@jest/globals'
import { hasStoredExtension, SNIFF_MIN_BYTES } from '../../../src/runs/snapshot/compression.js'
import { selectFiles } from '../../../src/runs/snapshot/select.js'
import { SNAPSHOT_DATE, snapshotStream, writeSnapshotFile, zipSnapshot } from '../../../src/runs/snapshot/zip.js'
import { chmod } from './fs-extra.js'
import { cleanup, link, names, readZip, tempDir, writeTree } from './helpers.js'

afterAll(cleanup)

const STORED = 0
const DEFLATED = 8
const text = (bytes: number): string =>
  'def train(model, data):\n    return model.fit(data)\n'.repeat(bytes / 50 + 1).slice(0, bytes)

describe('zipSnapshot', () => {
  it('writes exactly the selected files, in sorted order, honouring .amlignore over .gitignore and leaving out .git', async () => {
    const root = await tempDir()
    const outside = await tempDir('snapshot-outside-')
    await writeTree(outside, { 'token.txt': 'do not upload' })
    await writeTree(root, {
      '.gitignore': 'data/\n',
      '.amlignore': 'outputs/\n*.ckpt\n',
      '.git/config': '[core]\n',
      'train.py': 'print("Hello, REST!")\n',
      'data/train.csv': 'a,b\n1,2\n',
      'outputs/old.txt': 'old',
      'model.ckpt': 'weights',
      'src/util.py': 'x = 1\n'
    })
    await link(root, 'leak.txt', join(outside, 'token.txt'))
    await link(root, 'util-alias.py', 'src/util.py')
    await link(root, 'loop', '.')
    const plan = await selectFiles(root)
    const out = join(await tempDir(), 'snapshot.zip')
    const result = await zipSnapshot(plan, out)

    const entries = await readZip(out)
    expect(names(entries)).toEqual([
      '.amlignore',
      '.gitignore',
      'data/train.csv',
      'src/util.py',
      'train.py',
      'util-alias.py'
    ])
    expect(result).toEqual({ bytes: (await stat(out)).size, files: 6 })
    const byName = new Map(entries.map(entry => [entry.name, entry]))
    expect(byName.get('train.py')?.content.toString()).toBe('print("Hello, REST!")\n')
    // The symlink inside is stored as the content of its target, not as a link.
    expect(byName.get('util-alias.py')?.content.toString()).toBe('x = 1\n')
  })

  it('stores already-compressed and incompressible files, deflates the rest', async () => {
    const root = await tempDir()
    const random = randomBytes(SNIFF_MIN_BYTES + 1000)
    await writeTree(root, {
      'image.png': randomBytes(2000),
      'weights.pt': randomBytes(2000),
      'table.parquet': randomBytes(2000),
      'archive.tar.gz': randomBytes(2000),
      'code.py': text(5000),
      'array.npy': Buffer.alloc(10_000, 1),
      'data.pkl': text(3000),
      // No telling extension: a trial deflate of a sample decides.
      'noise.bin': random,
      'big-noise.bin': randomBytes(3 * 1024 * 1024),
      'text.bin': text(SNIFF_MIN_BYTES + 1000),
      'big-text.dat': text(3 * 1024 * 1024),
      'small-noise.bin': randomBytes(1000),
      'empty.txt': ''
    })
    const plan = await selectFiles(root)
    const out = join(await tempDir(), 'snapshot.zip')
    await zipSnapshot(plan, out)
    const entries = await readZip(out)
    const methods = Object.fromEntries(entries.map(entry => [entry.name, entry.method]))
    expect(methods).toEqual({
      'archive.tar.gz': STORED,
      'array.npy': DEFLATED,
      'big-noise.bin': STORED,
      'big-text.dat': DEFLATED,
      'code.py': DEFLATED,
      'data.pkl': DEFLATED,
      // archiver stores an empty entry: there is nothing to deflate.
      'empty.txt': STORED,
      'image.png': STORED,
      'noise.bin': STORED,
      'small-noise.bin': DEFLATED,
      'table.parquet': STORED,
      'text.bin': DEFLATED,
      'weights.pt': STORED
    })
    // Contents survive both ways (yauzl verifies each entry's CRC as it reads).
    const byName = new Map(entries.map(entry => [entry.name, entry.content]))
    expect(byName.get('noise.bin')?.equals(random)).toBe(true)
    expect(byName.get('big-text.dat')?.toString()).toBe(text(3 * 1024 * 1024))
    expect(byName.get('big-text.dat')?.length).toBe(3 * 1024 * 1024)
  })

  it('is reproducible: fixed dates, normalized modes, same bytes for the same tree', async () => {
    const root = await tempDir()
    await writeTree(root, {
      'run.sh': '#!/bin/sh\necho hi\n',
      'main.py': 'print(1)\n',
      'big.txt': text(2 * 1024 * 1024)
    })
    await chmod(join(root, 'run.sh'), 0o750)
    await chmod(join(root, 'main.py'), 0o600)
    const plan = await selectFiles(root)
    const dir = await tempDir()
    await zipSnapshot(plan, join(dir, 'a.zip'))
    // A different mtime must not change a byte.
    await utimes(join(root, 'main.py'), new Date('2020-05-05'), new Date('2020-05-05'))
    await zipSnapshot(await selectFiles(root), join(dir, 'b.zip'))
    expect((await readFile(join(dir, 'a.zip'))).equals(await readFile(join(dir, 'b.zip')))).toBe(true)
    const entries = await readZip(join(dir, 'a.zip'))
    expect(entries.map(entry => entry.date.toISOString())).toEqual(Array(3).fill(SNAPSHOT_DATE.toISOString()))
    if (process.platform !== 'win32') {
      expect(entries.map(entry => [entry.name, entry.mode])).toEqual([
        ['big.txt', 0o644],
        ['main.py', 0o644],
        ['run.sh', 0o755]
      ])
    }
  })

  it('writes to a stream, and snapshotStream gives the same bytes', async () => {
    const root = await tempDir()
    await writeTree(root, { 'a.py': 'a', 'b/c.py': text(100_000) })
    const plan = await selectFiles(root)
    const dir = await tempDir()
    const result = await zipSnapshot(plan, createWriteStream(join(dir, 'stream.zip')))
    expect(result.bytes).toBe((await stat(join(dir, 'stream.zip'))).size)
    const chunks: Buffer[] = []
    for await (const chunk of snapshotStream(plan)) chunks.push(chunk as Buffer)
    expect(Buffer.concat(chunks).equals(await readFile(join(dir, 'stream.zip')))).toBe(true)
    expect(names(await readZip(join(dir, 'stream.zip')))).toEqual(['a.py', 'b/c.py'])
  })

  it('fails, removing the partial file, when a file vanished after selection', async () => {
    const root = await tempDir()
    await writeTree(root, { 'a.py': 'a', 'b.py': 'b', 'big.bin': randomBytes(2 * 1024 * 1024) })
    for (const gone of ['b.py', 'big.bin']) {
      const plan = await selectFiles(root)
      await rm(join(root, gone))
      const out = join(await tempDir(), 'snapshot.zip')
      await expect(zipSnapshot(plan, out)).rejects.toThrow(/ENOENT/)
      await expect(stat(out)).rejects.toThrow(/ENOENT/)
    }
  })

  it('fails when the destination stream fails', async () => {
    const root = await tempDir()
    await writeTree(root, { 'a.txt': text(3 * 1024 * 1024) })
    const plan = await selectFiles(root)
    const broken = new Writable({ write: (_chunk, _encoding, callback) => callback(new Error('disk full')) })
    await expect(zipSnapshot(plan, broken)).rejects.toThrow('disk full')
  })

  it('stops when aborted', async () => {
    const root = await tempDir()
    await writeTree(root, { 'a.txt': text(3 * 1024 * 1024), 'b.txt': text(3 * 1024 * 1024) })
    const plan = await selectFiles(root)
    const out = join(await tempDir(), 'snapshot.zip')
    const controller = new AbortController()
    controller.abort()
    await expect(zipSnapshot(plan, out, { signal: controller.signal })).rejects.toThrow(/abort/i)
    await expect(stat(out)).rejects.toThrow(/ENOENT/)
  })

  it('zips many small files with bounded read-ahead and the right contents', async () => {
    const root = await tempDir()
    const files: Record<string, string> = {}
    for (let i = 0; i < 300; i++)
      files[`pkg${i % 7}/f${String(i).padStart(3, '0')}.py`] = `value = ${i}\n`.repeat(i + 1)
    await writeTree(root, files)
    const plan = await selectFiles(root)
    const out = join(await tempDir(), 'snapshot.zip')
    await zipSnapshot(plan, out)
    const entries = await readZip(out)
    expect(names(entries)).toEqual(Object.keys(files).sort())
    for (const entry of entries) expect(entry.content.toString()).toBe(files[entry.name])
  })
})

describe('writeSnapshotFile', () => {
  it('writes under the given folder and removes it again', async () => {
    const root = await tempDir()
    await writeTree(root, { 'main.py': 'print(1)\n' })
    const temp = await tempDir()
    const zip = await writeSnapshotFile(await selectFiles(root), { directory: temp })
    expect(zip.path.startsWith(temp)).toBe(true)
    expect(zip.bytes).toBe((await stat(zip.path)).size)
    expect(zip.files).toBe(1)
    expect(names(await readZip(zip.path))).toEqual(['main.py'])
    await zip.remove()
    await zip.remove()
    expect(await readdir(temp)).toEqual([])
  })

  it('defaults to RUNNER_TEMP', async () => {
    const root = await tempDir()
    await writeTree(root, { 'main.py': '' })
    const runnerTemp = await tempDir()
    const saved = process.env.RUNNER_TEMP
    process.env.RUNNER_TEMP = runnerTemp
    try {
      const zip = await writeSnapshotFile(await selectFiles(root))
      expect(zip.path.startsWith(runnerTemp)).toBe(true)
      await zip.remove()
    } finally {
      if (saved === undefined) delete process.env.RUNNER_TEMP
      else process.env.RUNNER_TEMP = saved
    }
  })
})

describe('hasStoredExtension', () => {
  it.each(['a.zip', 'b/c.PNG', 'model.pth', 'x.tar.gz', 'data.pkl.gz', 'v.mp4', 'p.parquet'])('%s is stored', path =>
    expect(hasStoredExtension(path)).toBe(true)
  )
  it.each(['a.py', 'b.pkl', 'c.npy', 'zip', '.png', 'd.csv', 'e.bin'])('%s is not', path =>
    expect(hasStoredExtension(path)).toBe(false)
  )
})
