/**
 * The content hash of a code asset, `hash_version` 202208: the value azure-ai-ml stores as `hash_sha256` and looks up
 * with `GET codes/{name}/versions?hash=...&hashVersion=202208`, so the same folder is uploaded once, whoever uploads it.
 *
 * The layout (azure-ai-ml `_utils/_asset_utils.py`, `_get_file_list_content_hash`), all fed to one SHA-256:
 *   1. the file count in decimal ASCII (`"3"`);
 *   2. for each file, in order of its lower-cased relative path: `#` + path + `#` (UTF-8, `/` separators, no leading
 *      folder name) then its size in decimal ASCII (`#src/train.py#1234`), with no separator between entries;
 *   3. then every file's bytes, in the same order.
 * A single file (`code: ./train.py`) is a list of one, named by its base name. An empty folder hashes `"0"`.
 *
 * Ordering: Python sorts by `path.lower()`, comparing code points, and keeps the walk order for paths equal once
 * lower-cased. Here: code-point order (UTF-8 byte order) of the lower-cased path, then of the path itself; the same
 * as the CLI's within one folder (`A.txt` before `a.txt`). Across folders that differ only in case (`Data/x`,
 * `data/x`) the CLI's order depends on the file system's listing order, so no single answer can match it everywhere.
 *
 * Files are read one at a time through one 1 MiB buffer (never a whole file in memory, no garbage for the collector to
 * lag behind on); a file whose size changed since the walk is an error, since the hash would then not describe what
 * gets uploaded.
 */
import { createHash } from 'node:crypto'
import { open } from 'node:fs/promises'
import type { CodeFile } from './files.js'

/** The `hashVersion` the service expects with this hash. */
export const CONTENT_HASH_VERSION = '202208'

/** Read size while hashing: one buffer, reused for every read of every file (no garbage, flat memory). */
const READ_CHUNK_BYTES = 1024 * 1024

/** The file fields the hash needs. */
export type HashedFile = Pick<CodeFile, 'path' | 'absolutePath' | 'size'>

/** Python's `sorted(key=lambda f: f.lower())` order, with ties broken by the exact path (see the module comment). */
export function hashOrder<T extends { path: string }>(files: readonly T[]): T[] {
  const keyed = files.map(file => ({
    file,
    lower: Buffer.from(file.path.toLowerCase()),
    exact: Buffer.from(file.path)
  }))
  keyed.sort((a, b) => Buffer.compare(a.lower, b.lower) || Buffer.compare(a.exact, b.exact))
  return keyed.map(entry => entry.file)
}

/** The bytes hashed before any file content: count, then `#path#size` per file, in hash order. */
export function hashHeader(files: readonly Pick<HashedFile, 'path' | 'size'>[]): Buffer {
  const ordered = hashOrder(files)
  return Buffer.from(String(files.length) + ordered.map(file => `#${file.path}#${file.size}`).join(''), 'utf8')
}

/** SHA-256 hex of the files as azure-ai-ml hashes them (hash_version 202208). */
export async function contentHash(files: readonly HashedFile[]): Promise<string> {
  const hash = createHash('sha256')
  hash.update(hashHeader(files))
  const buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES)
  for (const file of hashOrder(files)) {
    let read = 0
    const handle = await open(file.absolutePath, 'r')
    try {
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, null)
        if (bytesRead === 0) break
        read += bytesRead
        hash.update(buffer.subarray(0, bytesRead))
      }
    } finally {
      await handle.close()
    }
    if (read !== file.size) {
      throw new Error(`${file.path} changed while it was being hashed (${file.size} bytes when listed, ${read} now).`)
    }
  }
  return hash.digest('hex')
}
