/**
 * The files of a v2 code asset (`code:` of a job YAML), chosen the way `az ml job create` chooses them, so the content
 * hash (content-hash.ts) matches the one the CLI computed for the same folder and an earlier upload is reused.
 *
 * Matched against azure-ai-ml (`_utils/_asset_utils.py`: `get_ignore_file`, `traverse_directory`,
 * `_get_upload_files_from_folder`; `Code(path=job.code)` in `_job_operations.py`), checked on 1.4.0 and main:
 * - One ignore file, at the root of the code folder: `.amlignore` if it exists, else `.gitignore` (gitignore syntax).
 *   Ignore files in subfolders are NOT read (azure-ai-ml: "The ignore file must be in the root directory"), unlike a
 *   v1 snapshot, which reads one in every folder.
 * - Nothing is left out on its own: `.git`, `__pycache__`, `.amlignore` and `.gitignore` themselves are included
 *   unless a pattern of the ignore file excludes them. (Only components add `__pycache__` to the ignores, through
 *   `ComponentIgnoreFile`; a command job's `code` does not.)
 * - Paths are relative to the folder, with `/` separators, without the folder's own name.
 * - A file instead of a folder is one file, named by its base name (`get_content_hash` on a file).
 * - Symlinks inside the folder are followed and listed under the link's path, as the CLI does.
 * Deliberate differences, all in cases where the CLI itself is inconsistent or unsafe:
 * - A symlink that leaves the folder is skipped (the CLI follows it); so are dangling links (the CLI fails on them:
 *   its hash reads the size of every listed file) and loops. `skipped` says so, and the uploaders print one warning
 *   per entry (`warnLeftOut`), naming it and why. A link inside the folder to a file is listed under the link's path
 *   with the target's bytes, as the CLI hashes and uploads it, so the content hash stays the CLI's.
 * - Patterns follow git's rules through the `ignore` package (the last matching line wins, a file under an excluded
 *   folder cannot be re-included). azure-ai-ml 1.x let the first matching line of an unordered set win, later
 *   versions the last, without git's folder rule: the hashes agree whenever no `!` line re-includes something.
 * - Matching is case-sensitive, as in azure-ai-ml (pathspec) on Linux.
 *
 * The walk itself is the v1 snapshot's (`selectFiles`), with root-only ignore files and `.git` kept.
 */
import * as core from '@actions/core'
import { lstat, stat } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import { InputError } from '../base/errors.js'
import { AML_IGNORE, GIT_IGNORE } from '../runs/snapshot/ignore-rules.js'
import { selectFiles } from '../runs/snapshot/select.js'
import type { IgnoredEntry, SkippedEntry } from '../runs/snapshot/types.js'

/** One file of a code asset. */
export interface CodeFile {
  /** Relative to the code folder, `/` separators: the name in the content hash and under the blob prefix. */
  path: string
  /** Where to read it from (for a symlink inside the folder, its resolved target). */
  absolutePath: string
  /** Bytes, when the folder was walked. */
  size: number
}

export interface CodeFileList {
  /** The code folder (or the single file), absolute, symlinks resolved. */
  root: string
  /** Whether `root` is a folder or a single file. */
  kind: 'folder' | 'file'
  /** Sorted by path, byte order. */
  files: CodeFile[]
  totalBytes: number
  /** The ignore file that applied (`.amlignore` or `.gitignore`), if any. */
  ignoreFile?: typeof AML_IGNORE | typeof GIT_IGNORE
  /** Paths an ignore file excluded (a folder once, ending with `/`). */
  ignored: IgnoredEntry[]
  /** Paths left out for another reason: symlinks out of the folder, broken links, loops, devices. */
  skipped: SkippedEntry[]
}

export interface ListCodeFilesOptions {
  /** The input or YAML field an error names (default `code`). */
  input?: string
}

/** Lists what `az ml job create` would upload for `code: <path>` (a folder, or a single file). Logs nothing. */
export async function listCodeFiles(path: string, options: ListCodeFilesOptions = {}): Promise<CodeFileList> {
  const input = options.input ?? 'code'
  const absolute = resolve(path)
  const stats = await stat(absolute).catch(() => undefined)
  if (!stats || (!stats.isDirectory() && !stats.isFile())) {
    throw new InputError(input, `'${path}' is not a file or folder (resolved to ${absolute}).`)
  }
  if (stats.isFile()) {
    return {
      root: absolute,
      kind: 'file',
      files: [{ path: basename(absolute), absolutePath: absolute, size: stats.size }],
      totalBytes: stats.size,
      ignored: [],
      skipped: []
    }
  }
  const plan = await selectFiles(absolute, { ignoreFiles: 'root', skipGit: false, input })
  // The one selectFiles read: a regular file (not a symlink) at the root, `.amlignore` first.
  const isRegular = async (name: string): Promise<boolean> =>
    (await lstat(join(plan.root, name)).catch(() => undefined))?.isFile() ?? false
  const ignoreFile = (await isRegular(AML_IGNORE)) ? AML_IGNORE : (await isRegular(GIT_IGNORE)) ? GIT_IGNORE : undefined
  return {
    root: plan.root,
    kind: 'folder',
    files: plan.files.map(file => ({ path: file.path, absolutePath: file.absolutePath, size: file.size })),
    totalBytes: plan.totalBytes,
    ignoreFile,
    ignored: plan.ignored,
    skipped: plan.skipped
  }
}

/** Why an entry was left out, in words for a warning. */
function leftOutWhy(entry: SkippedEntry, folder: string): string {
  switch (entry.kind) {
    case 'dangling':
      return 'it is a dangling link (its target does not exist)'
    case 'outside':
      return `it is a link that points outside ${folder}${entry.target ? ` (to ${entry.target})` : ''}`
    default:
      return entry.reason
  }
}

/**
 * One `core.warning` per entry the listing left out (dangling links, links out of the folder, loops, devices),
 * naming its path relative to the folder and why, so nothing is dropped silently. `label` says what is uploaded
 * (e.g. `Code ./src`, `./data`). Called by the uploaders (code assets, datastore uploads), once per upload.
 */
export function warnLeftOut(list: CodeFileList, label: string): void {
  for (const entry of list.skipped) {
    core.warning(`${label}: left ${entry.path} out of the upload: ${leftOutWhy(entry, list.root)}.`)
  }
}

/**
 * A code folder's files with `additional_includes` added, as the newest azure-ai-ml builds the snapshot
 * (`entities/_component/_additional_includes.py` `AdditionalIncludes.resolve`; azure-ai-ml 1.4 reads the field only
 * for internal components): the code folder's files at the root, then each include (absolute: resolved against the
 * component YAML's folder by the caller) under its own name: a file as `<name>`, a folder's files as `<name>/...`
 * (its own `.amlignore` / `.gitignore` applied). `code` must be a folder here. Throws `InputError(input)` for an
 * include that does not exist or whose name is already at the root of the code folder ("A file already exists for
 * additional include", as the SDK's `_validate` refuses it). The merged list's content hash is the code asset's.
 */
export async function listCodeFilesWithIncludes(
  code: string,
  includes: readonly string[],
  options: ListCodeFilesOptions = {}
): Promise<CodeFileList> {
  const input = options.input ?? 'code'
  const list = await listCodeFiles(code, options)
  if (!includes.length) return list
  if (list.kind !== 'folder')
    throw new InputError(input, `additional_includes need code to be a folder; '${code}' is a file.`)
  const taken = new Set(list.files.map(f => f.path.split('/')[0]))
  const files = [...list.files]
  let totalBytes = list.totalBytes
  for (const include of includes) {
    const name = basename(include)
    if (taken.has(name))
      throw new InputError(
        input,
        `additional include '${include}': '${name}' already exists in the code folder ${list.root} (rename one of them).`
      )
    const part = await listCodeFiles(include, { input }).catch((e: unknown) => {
      throw e instanceof InputError ? new InputError(input, `additional include ${e.message}`) : e
    })
    taken.add(name)
    for (const f of part.files) {
      files.push({ ...f, path: part.kind === 'file' ? name : `${name}/${f.path}` })
      totalBytes += f.size
    }
    list.ignored.push(...part.ignored.map(i => ({ ...i, path: `${name}/${i.path}` })))
    list.skipped.push(...part.skipped.map(s => ({ ...s, path: `${name}/${s.path}` })))
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  return { ...list, files, totalBytes }
}
