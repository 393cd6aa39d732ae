/**
 * Walks the source directory and decides what goes into the snapshot, without reading any file's content.
 * Pure: it logs nothing; `warnAboutSnapshot` (index.ts) reports what it skipped and what looks like a secret.
 */
import type { Dirent } from 'node:fs'
import { readdir, realpath, stat } from 'node:fs/promises'
import { isAbsolute, join, relative, resolve, sep } from 'node:path'
import { InputError } from '../../base/errors.js'
import { IgnoreRules } from './ignore-rules.js'
import { isSecretLooking } from './secrets.js'
import type { IgnoredEntry, SkippedEntry, SnapshotFile, SnapshotPlan } from './types.js'

/** How many stat calls run at once within one folder: enough to hide latency, few enough for any fd limit. */
const STAT_CONCURRENCY = 32

/** What v2 code assets (src/assets/files.ts) need to differ from v1 snapshots; the defaults are v1's. */
export interface SelectOptions {
  /**
   * 'every-folder' (default, v1 snapshots): an ignore file in any folder applies to its subtree, as in git.
   * 'root': only the source directory's own `.amlignore`/`.gitignore`, as azure-ai-ml's `get_ignore_file` (v2 code).
   */
  ignoreFiles?: 'every-folder' | 'root'
  /** Leave `.git` out (default true). azure-ai-ml keeps it in a code asset unless an ignore file excludes it. */
  skipGit?: boolean
  /** The input or field the not-a-folder error names (default 'source-directory'). */
  input?: string
}

interface Walk {
  realRoot: string
  rootIgnoreFileOnly: boolean
  skipGit: boolean
  files: SnapshotFile[]
  skipped: SkippedEntry[]
  ignored: IgnoredEntry[]
}

export async function selectFiles(sourceDir: string, options: SelectOptions = {}): Promise<SnapshotPlan> {
  const absolute = resolve(sourceDir)
  let realRoot: string
  try {
    realRoot = await realpath(absolute)
    if (!(await stat(realRoot)).isDirectory()) throw new Error('not a folder')
  } catch {
    throw new InputError(
      options.input ?? 'source-directory',
      `'${sourceDir}' is not a folder (resolved to ${absolute}).`
    )
  }
  const walk: Walk = {
    realRoot,
    rootIgnoreFileOnly: options.ignoreFiles === 'root',
    skipGit: options.skipGit ?? true,
    files: [],
    skipped: [],
    ignored: []
  }
  await walkFolder(walk, realRoot, realRoot, '', IgnoreRules.empty(), new Set([realRoot]))
  // Sorted so the same tree always gives the same zip, whatever order the file system lists entries in.
  walk.files.sort((a, b) => compare(a.path, b.path))
  walk.skipped.sort((a, b) => compare(a.path, b.path))
  walk.ignored.sort((a, b) => compare(a.path, b.path))
  return {
    root: realRoot,
    files: walk.files,
    totalBytes: walk.files.reduce((sum, file) => sum + file.size, 0),
    skipped: walk.skipped,
    ignored: walk.ignored,
    secretLooking: walk.files.filter(file => isSecretLooking(file.path)).map(file => file.path)
  }
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/**
 * @param readDir where to list the folder (a symlinked folder is read through its resolved path)
 * @param realDir the folder's resolved path, for loop detection
 * @param ancestors resolved paths of the folders being walked, from the root down: a symlink to one of them is a loop
 */
async function walkFolder(
  walk: Walk,
  readDir: string,
  realDir: string,
  relDir: string,
  parentRules: IgnoreRules,
  ancestors: ReadonlySet<string>
): Promise<void> {
  const entries = await readdir(readDir, { withFileTypes: true })
  const regularFiles = new Set(entries.filter(entry => entry.isFile()).map(entry => entry.name))
  const rules =
    walk.rootIgnoreFileOnly && relDir !== '' ? parentRules : await parentRules.forFolder(readDir, relDir, regularFiles)
  const files: { rel: string; abs: string }[] = []
  const folders: { rel: string; abs: string; real: string }[] = []

  for (const entry of entries) {
    const rel = relDir ? `${relDir}/${entry.name}` : entry.name
    const abs = join(readDir, entry.name)
    if (walk.skipGit && entry.name === '.git') {
      // A folder, or a file in a submodule or worktree: either way git's own data, never part of the code.
      walk.ignored.push({ path: entry.isDirectory() ? `${rel}/` : rel, ignoreFile: '(built in)', rule: '.git' })
      continue
    }
    const target = await classify(walk, entry, abs, rel)
    if (!target) continue
    const isFolder = target.kind === 'folder'
    const origin = rules.excludedBy(isFolder ? `${rel}/` : rel)
    if (origin) {
      walk.ignored.push({ path: isFolder ? `${rel}/` : rel, ...origin })
      continue
    }
    if (isFolder) {
      const real = target.real ?? join(realDir, entry.name)
      if (ancestors.has(real)) {
        walk.skipped.push({ path: rel, reason: 'symlink loop: it points at a folder that contains it', kind: 'loop' })
        continue
      }
      folders.push({ rel, abs: target.real ?? abs, real })
    } else {
      files.push({ rel, abs: target.real ?? abs })
    }
  }

  await mapLimit(files, STAT_CONCURRENCY, async file => {
    const stats = await stat(file.abs)
    walk.files.push({
      path: file.rel,
      size: stats.size,
      absolutePath: file.abs,
      executable: (stats.mode & 0o111) !== 0
    })
  })
  for (const folder of folders) {
    await walkFolder(walk, folder.abs, folder.real, folder.rel, rules, new Set([...ancestors, folder.real]))
  }
}

/**
 * What an entry is, following a symlink only when it resolves inside the source directory (then `real` is its
 * target). Records and returns undefined for what is left out: symlinks out of the folder, broken symlinks, devices.
 */
async function classify(
  walk: Walk,
  entry: Dirent,
  abs: string,
  rel: string
): Promise<{ kind: 'file' | 'folder'; real?: string } | undefined> {
  if (entry.isFile()) return { kind: 'file' }
  if (entry.isDirectory()) return { kind: 'folder' }
  if (!entry.isSymbolicLink()) {
    walk.skipped.push({ path: rel, reason: 'not a regular file, folder or symlink', kind: 'special' })
    return undefined
  }
  let real: string
  try {
    real = await realpath(abs)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    walk.skipped.push(
      code === 'ELOOP'
        ? { path: rel, reason: 'symlink loop', kind: 'loop' }
        : { path: rel, reason: 'broken symlink', kind: 'dangling' }
    )
    return undefined
  }
  const fromRoot = relative(walk.realRoot, real)
  if (fromRoot === '..' || fromRoot.startsWith(`..${sep}`) || isAbsolute(fromRoot)) {
    walk.skipped.push({
      path: rel,
      reason: `symlink to ${real}, outside the source directory`,
      kind: 'outside',
      target: real
    })
    return undefined
  }
  // A link to the root itself (or any folder above the link) is caught as a loop by walkFolder.
  const stats = await stat(real)
  if (stats.isFile()) return { kind: 'file', real }
  if (stats.isDirectory()) return { kind: 'folder', real }
  walk.skipped.push({ path: rel, reason: 'symlink to something that is not a regular file or folder', kind: 'special' })
  return undefined
}

async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++])
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
}
