import { afterAll, describe, expect, it } from '@jest/globals'
import { chmod, mkfifo } from './fs-extra.js'
import { rebase } from '../../../src/runs/snapshot/ignore-rules.js'
import { selectFiles } from '../../../src/runs/snapshot/select.js'
import { isSecretLooking } from '../../../src/runs/snapshot/secrets.js'
import type { SnapshotPlan } from '../../../src/runs/snapshot/types.js'
import { cleanup, link, tempDir, writeTree } from './helpers.js'

afterAll(cleanup)

const paths = (plan: SnapshotPlan): string[] => plan.files.map(file => file.path)

describe('selectFiles', () => {
  it('walks the tree with POSIX paths, sizes and a sorted order, leaving out .git', async () => {
    const root = await tempDir()
    await writeTree(root, {
      'train.py': 'print(1)\n',
      'src/b.py': 'bb',
      'src/a.py': 'a',
      'src/sub/deep.txt': '12345',
      '.git/HEAD': 'ref: refs/heads/main\n',
      '.git/objects/ab/cdef': 'x',
      'vendor/lib/.git': 'gitdir: ../../.git/modules/lib\n',
      'vendor/lib/code.py': 'c',
      'empty/': ''
    })
    const plan = await selectFiles(root)
    expect(paths(plan)).toEqual(['src/a.py', 'src/b.py', 'src/sub/deep.txt', 'train.py', 'vendor/lib/code.py'])
    expect(plan.files.find(file => file.path === 'src/sub/deep.txt')?.size).toBe(5)
    expect(plan.totalBytes).toBe(9 + 2 + 1 + 5 + 1)
    expect(plan.ignored.map(entry => entry.path)).toEqual(['.git/', 'vendor/lib/.git'])
    expect(plan.skipped).toEqual([])
  })

  it('applies .gitignore when there is no .amlignore, with negation and folder rules', async () => {
    const root = await tempDir()
    await writeTree(root, {
      '.gitignore': '# build output\n*.log\n!keep.log\nbuild/\n/top-only.txt\n',
      'a.log': '',
      'keep.log': '',
      'sub/b.log': '',
      'build/out.bin': 'x',
      'sub/build/out.bin': 'x',
      'top-only.txt': '',
      'sub/top-only.txt': '',
      'main.py': ''
    })
    const plan = await selectFiles(root)
    expect(paths(plan)).toEqual(['.gitignore', 'keep.log', 'main.py', 'sub/top-only.txt'])
    expect(plan.ignored).toContainEqual({ path: 'build/', ignoreFile: '.gitignore', rule: 'build/' })
    expect(plan.ignored).toContainEqual({ path: 'sub/b.log', ignoreFile: '.gitignore', rule: '*.log' })
  })

  it('uses .amlignore instead of .gitignore when both exist', async () => {
    const root = await tempDir()
    await writeTree(root, {
      '.gitignore': 'data/\n',
      '.amlignore': '*.ckpt\n',
      'data/train.csv': 'a,b\n',
      'model.ckpt': 'weights',
      'train.py': ''
    })
    const plan = await selectFiles(root)
    // data/ is kept: .gitignore is not read at all once .amlignore exists.
    expect(paths(plan)).toEqual(['.amlignore', '.gitignore', 'data/train.csv', 'train.py'])
    expect(plan.ignored).toEqual([{ path: 'model.ckpt', ignoreFile: '.amlignore', rule: '*.ckpt' }])
  })

  it('applies nested ignore files to their own folder, deeper ones taking precedence', async () => {
    const root = await tempDir()
    await writeTree(root, {
      '.gitignore': '*.tmp\ncache/\n',
      'a.tmp': '',
      'pkg/.gitignore': '!keep.tmp\n/local.txt\nnotes/\n',
      'pkg/keep.tmp': '',
      'pkg/other.tmp': '',
      'pkg/local.txt': '',
      'pkg/inner/local.txt': '',
      'pkg/inner/notes/n.md': '',
      'notes/n.md': '',
      'pkg/.amlignore': '', // an empty .amlignore in pkg/ would replace pkg/.gitignore: see the next test
      'other/.amlignore': 'secret.txt\n',
      'other/.gitignore': 'visible.txt\n',
      'other/secret.txt': '',
      'other/visible.txt': '',
      'secret.txt': ''
    })
    const plan = await selectFiles(root)
    // pkg/.amlignore (empty) replaces pkg/.gitignore: only the root rules apply inside pkg/.
    expect(paths(plan)).toEqual([
      '.gitignore',
      'notes/n.md',
      'other/.amlignore',
      'other/.gitignore',
      'other/visible.txt',
      'pkg/.amlignore',
      'pkg/.gitignore',
      'pkg/inner/local.txt',
      'pkg/inner/notes/n.md',
      'pkg/local.txt',
      'secret.txt'
    ])
    expect(plan.ignored).toContainEqual({
      path: 'other/secret.txt',
      ignoreFile: 'other/.amlignore',
      rule: 'secret.txt'
    })
  })

  it('rebases nested rules like git: anchored to their folder, or at any depth below it', async () => {
    const root = await tempDir()
    await writeTree(root, {
      '.gitignore': '*.tmp\nout/\n',
      'pkg/.gitignore': '!keep.tmp\n/local.txt\nnotes/\n!out/\n',
      'pkg/keep.tmp': '',
      'pkg/deeper/keep.tmp': '',
      'pkg/other.tmp': '',
      'pkg/local.txt': '',
      'pkg/inner/local.txt': '',
      'pkg/inner/notes/n.md': '',
      'pkg/out/result.txt': '',
      'out/result.txt': '',
      'notes/n.md': ''
    })
    const plan = await selectFiles(root)
    expect(paths(plan)).toEqual([
      '.gitignore',
      'notes/n.md',
      'pkg/.gitignore',
      'pkg/deeper/keep.tmp',
      'pkg/inner/local.txt',
      'pkg/keep.tmp',
      // root's out/ is re-included inside pkg/ by pkg/.gitignore's !out/
      'pkg/out/result.txt'
    ])
    expect(plan.ignored).toContainEqual({ path: 'pkg/local.txt', ignoreFile: 'pkg/.gitignore', rule: '/local.txt' })
    expect(plan.ignored).toContainEqual({ path: 'pkg/inner/notes/', ignoreFile: 'pkg/.gitignore', rule: 'notes/' })
  })

  it('follows a symlink to a file inside (stored as its content) but never one that leaves the folder', async () => {
    const outside = await tempDir('snapshot-outside-')
    await writeTree(outside, { 'secret.txt': 'outside', 'dir/x.txt': 'x' })
    const root = await tempDir()
    await writeTree(root, { 'data/real.csv': '1,2\n', 'main.py': '', '..dots/in-name.txt': 'ok' })
    await link(root, 'alias.csv', 'data/real.csv')
    // Inside, though its relative path starts with '..'.
    await link(root, 'dots-alias.txt', '..dots/in-name.txt')
    await link(root, 'escape.txt', `${outside}/secret.txt`)
    await link(root, 'escape-dir', `${outside}/dir`)
    await link(root, 'relative-escape', '../')
    await link(root, 'broken', 'does-not-exist')
    const plan = await selectFiles(root)
    expect(paths(plan)).toEqual(['..dots/in-name.txt', 'alias.csv', 'data/real.csv', 'dots-alias.txt', 'main.py'])
    const alias = plan.files.find(file => file.path === 'alias.csv')
    expect(alias?.absolutePath).toBe(`${plan.root}/data/real.csv`)
    expect(alias?.size).toBe(4)
    expect(plan.skipped.map(entry => entry.path)).toEqual(['broken', 'escape-dir', 'escape.txt', 'relative-escape'])
    expect(plan.skipped.find(entry => entry.path === 'escape.txt')?.reason).toMatch(/outside the source directory/)
    expect(plan.skipped.find(entry => entry.path === 'broken')?.reason).toBe('broken symlink')
  })

  it('follows a symlinked folder inside the tree once and stops at loops', async () => {
    const root = await tempDir()
    await writeTree(root, { 'lib/util.py': 'u', 'main.py': '' })
    await link(root, 'alias-lib', 'lib')
    await link(root, 'lib/self', '.')
    await link(root, 'lib/up', '..')
    await link(root, 'root-loop', '.')
    await link(root, 'a', 'b')
    await link(root, 'b', 'a')
    const plan = await selectFiles(root)
    expect(paths(plan)).toEqual(['alias-lib/util.py', 'lib/util.py', 'main.py'])
    expect(plan.skipped.map(entry => entry.path)).toEqual([
      'a',
      'alias-lib/self',
      'alias-lib/up',
      'b',
      'lib/self',
      'lib/up',
      'root-loop'
    ])
    expect(plan.skipped.find(entry => entry.path === 'a')?.reason).toBe('symlink loop')
    expect(plan.skipped.find(entry => entry.path === 'root-loop')?.reason).toBe(
      'symlink loop: it points at a folder that contains it'
    )
  })

  it('skips what is not a file, folder or symlink', async () => {
    const root = await tempDir()
    await writeTree(root, { 'main.py': '' })
    if (!(await mkfifo(`${root}/pipe`))) return
    const plan = await selectFiles(root)
    expect(paths(plan)).toEqual(['main.py'])
    expect(plan.skipped).toEqual([{ path: 'pipe', reason: 'not a regular file, folder or symlink', kind: 'special' }])
  })

  it('records the execute bit', async () => {
    const root = await tempDir()
    await writeTree(root, { 'run.sh': '#!/bin/sh\n', 'main.py': '' })
    await chmod(`${root}/run.sh`, 0o755)
    const plan = await selectFiles(root)
    expect(plan.files.map(file => [file.path, file.executable])).toEqual([
      ['main.py', false],
      ['run.sh', process.platform !== 'win32']
    ])
  })

  it('lists secret-looking files', async () => {
    const root = await tempDir()
    await writeTree(root, {
      '.env': 'A=1',
      'config/.env.production': 'A=1',
      '.env.example': 'A=',
      'gha-creds-1234abcd.json': '{}',
      'certs/server.pem': '',
      'certs/server.key': '',
      'keys/id_rsa': '',
      'keys/id_rsa.pub': '',
      'keys/id_ed25519': '',
      'credentials.json': '{}',
      'cert.pfx': '',
      'main.py': '',
      'keyboard.py': ''
    })
    const plan = await selectFiles(root)
    expect(plan.secretLooking).toEqual([
      '.env',
      'cert.pfx',
      'certs/server.key',
      'certs/server.pem',
      'config/.env.production',
      'credentials.json',
      'gha-creds-1234abcd.json',
      'keys/id_ed25519',
      'keys/id_rsa'
    ])
  })

  it('does not list secret-looking files that an ignore file excludes', async () => {
    const root = await tempDir()
    await writeTree(root, { '.amlignore': '.env\n', '.env': 'A=1', 'main.py': '' })
    expect((await selectFiles(root)).secretLooking).toEqual([])
  })

  it('refuses a source directory that is missing or a file', async () => {
    const root = await tempDir()
    await writeTree(root, { 'file.txt': '' })
    await expect(selectFiles(`${root}/nope`)).rejects.toThrow(/Input 'source-directory': '.*nope' is not a folder/)
    await expect(selectFiles(`${root}/file.txt`)).rejects.toThrow(/is not a folder/)
  })
})

describe('rebase', () => {
  it.each([
    ['*.log', 'pkg', 'pkg/**/*.log'],
    ['!keep.log', 'pkg', '!pkg/**/keep.log'],
    ['/local.txt', 'pkg', 'pkg/local.txt'],
    ['docs/*.md', 'a/b', 'a/b/docs/*.md'],
    ['build/', 'pkg', 'pkg/**/build/'],
    ['**/tmp', 'pkg', 'pkg/**/tmp'],
    ['*.log', '', '*.log']
  ])('%s in %s -> %s', (line, dir, expected) => {
    expect(rebase(line, dir)).toBe(expected)
  })

  it('drops blank lines and comments', () => {
    expect(rebase('', 'pkg')).toBeUndefined()
    expect(rebase('   ', 'pkg')).toBeUndefined()
    expect(rebase('# comment', 'pkg')).toBeUndefined()
    expect(rebase('\\#not-a-comment', 'pkg')).toBe('pkg/**/\\#not-a-comment')
  })
})

describe('isSecretLooking', () => {
  it.each([
    '.env',
    'a/.env.local',
    'gha-creds-abc.json',
    'x.PEM',
    'tls.key',
    'id_rsa',
    'id_ecdsa_sk',
    'credentials.json'
  ])('%s looks like a secret', path => expect(isSecretLooking(path)).toBe(true))
  it.each(['env.py', '.env.example', 'id_rsa.pub', 'keys.py', 'monkey.txt', 'my-credentials.json.md'])(
    '%s does not',
    path => expect(isSecretLooking(path)).toBe(false)
  )
})
