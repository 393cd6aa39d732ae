import { createHash } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from '@jest/globals'
import { contentHash, hashHeader, hashOrder } from '../../src/assets/content-hash.js'
import { listCodeFiles } from '../../src/assets/files.js'
import { buildTree, cleanup, HASH_TREES, tempDir, writeTree } from './helpers.js'

afterAll(cleanup)

describe('contentHash: the hashes azure-ai-ml computed for the same folders', () => {
  // fixtures/hash-trees.json: expected values written by fixtures/sdk_hash.py with azure-ai-ml 1.4.0.
  it.each(Object.keys(HASH_TREES))('%s', async name => {
    const tree = HASH_TREES[name]
    const root = await tempDir('hash-')
    const target = await buildTree(root, tree)
    const list = await listCodeFiles(target)
    expect(await contentHash(list.files)).toBe(tree.expected)
  })

  it('does not depend on the order files were created in, nor on the folder name or place', async () => {
    const tree = HASH_TREES['nested-mixed-case']
    const a = await tempDir('hash-a-')
    const b = join(await tempDir('hash-b-'), 'another name')
    await buildTree(a, tree, 'as-listed')
    await buildTree(b, tree, 'reversed')
    const first = await contentHash((await listCodeFiles(a)).files)
    expect(await contentHash((await listCodeFiles(a)).files)).toBe(first)
    expect(await contentHash((await listCodeFiles(b)).files)).toBe(first)
  })

  it('changes with a byte, a name, or an excluded file becoming included', async () => {
    const root = await tempDir('hash-')
    await writeTree(root, { 'a.txt': 'a', 'b.txt': 'b', '.amlignore': '*.log\n', 'x.log': 'log' })
    const base = await contentHash((await listCodeFiles(root)).files)
    await writeTree(root, { 'x.log': 'other log' })
    expect(await contentHash((await listCodeFiles(root)).files)).toBe(base)
    await writeTree(root, { 'b.txt': 'c' })
    const changed = await contentHash((await listCodeFiles(root)).files)
    expect(changed).not.toBe(base)
    await writeTree(root, { '.amlignore': '*.tmp\n' })
    expect(await contentHash((await listCodeFiles(root)).files)).not.toBe(changed)
  })

  it('hashes the layout of azure-ai-ml byte for byte: count, #path#size per file, then the contents', async () => {
    const root = await tempDir('hash-')
    await writeTree(root, { 'B.txt': 'bb', 'a/c.txt': 'ccc', 'a.txt': '' })
    const files = (await listCodeFiles(root)).files
    // Lower-cased order: "a.txt" < "a/c.txt" ('.' 0x2e < '/' 0x2f) < "b.txt".
    expect(hashHeader(files).toString()).toBe('3#a.txt#0#a/c.txt#3#B.txt#2')
    const expected = createHash('sha256').update('3#a.txt#0#a/c.txt#3#B.txt#2').update('ccc').update('bb').digest('hex')
    expect(await contentHash(files)).toBe(expected)
  })

  it('orders by the lower-cased path in code points, the exact path breaking ties', () => {
    const paths = ['b', 'A', 'a', '_x', 'Z', '\u{1F600}', '\uFF21', 'a/b', 'a.b']
    const ordered = hashOrder(paths.map(path => ({ path }))).map(file => file.path)
    // Python: sorted(sorted(paths), key=str.lower), i.e. one folder's names, listed in sorted order, then sorted by
    // their lower case. The emoji sorts after U+FF21 by code point, though before it in UTF-16 code units.
    expect(ordered).toEqual(['_x', 'A', 'a', 'a.b', 'a/b', 'b', 'Z', '\uFF21', '\u{1F600}'])
  })

  it('refuses a file whose size changed since it was listed', async () => {
    const root = await tempDir('hash-')
    await writeTree(root, { 'a.txt': 'a' })
    const files = (await listCodeFiles(root)).files
    await writeFile(join(root, 'a.txt'), 'grown')
    await expect(contentHash(files)).rejects.toThrow(
      /a\.txt changed while it was being hashed \(1 bytes when listed, 5 now\)/
    )
  })

  it('streams a file larger than its read buffer', async () => {
    const root = await tempDir('hash-')
    const big = Buffer.alloc(3 * 1024 * 1024 + 17, 7)
    await writeTree(root, { 'big.bin': big })
    const expected = createHash('sha256').update(`1#big.bin#${big.length}`).update(big).digest('hex')
    expect(await contentHash((await listCodeFiles(root)).files)).toBe(expected)
  })
})
