/** Temp source trees and a zip reader (yauzl) for the snapshot tests. */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import yauzl from 'yauzl'

/** Creates a temp folder; `cleanup` removes every folder made so far. */
const made: string[] = []
export async function tempDir(prefix = 'snapshot-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  made.push(dir)
  return dir
}
export async function cleanup(): Promise<void> {
  await Promise.all(made.splice(0).map(dir => rm(dir, { recursive: true, force: true })))
}

/** Writes files (paths POSIX, relative to `root`); a value ending in '/' as a key makes an empty folder. */
export async function writeTree(root: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const abs = join(root, ...path.split('/'))
    if (path.endsWith('/')) {
      await mkdir(abs, { recursive: true })
      continue
    }
    await mkdir(dirname(abs), { recursive: true })
    await writeFile(abs, content)
  }
}

export async function link(root: string, path: string, target: string): Promise<void> {
  const abs = join(root, ...path.split('/'))
  await mkdir(dirname(abs), { recursive: true })
  await symlink(target, abs)
}

export interface ZipEntryInfo {
  name: string
  method: number
  content: Buffer
  date: Date
  /** Unix mode from the external attributes. */
  mode: number
}

/** Every entry of a zip file, in order, with its content (yauzl checks each CRC while reading). */
export async function readZip(path: string): Promise<ZipEntryInfo[]> {
  const zip = await yauzl.openPromise(path, { lazyEntries: true })
  const entries: ZipEntryInfo[] = []
  await new Promise<void>((resolve, reject) => {
    zip.on('error', reject)
    zip.on('end', resolve)
    zip.on('entry', (entry: yauzl.Entry) => {
      zip.openReadStream(entry, (error, stream) => {
        if (error) return reject(error)
        const chunks: Buffer[] = []
        stream.on('data', (chunk: Buffer) => chunks.push(chunk))
        stream.on('error', reject)
        stream.on('end', () => {
          entries.push({
            name: entry.fileName,
            method: entry.compressionMethod,
            content: Buffer.concat(chunks),
            date: entry.getLastModDate({ timezone: 'UTC', forceDosFormat: true }),
            mode: (entry.externalFileAttributes >>> 16) & 0o7777
          })
          zip.readEntry()
        })
      })
    })
    zip.readEntry()
  })
  zip.close()
  return entries
}

export const names = (entries: ZipEntryInfo[]): string[] => entries.map(entry => entry.name)
