/**
 * The startrun snapshot (Runs_StartRun's `projectZipFile`, execution spec): the project zip read with yauzl, which
 * also refuses entry names that would escape the folder (absolute paths and `..`). Listing for the checks and the
 * admin API's `snapshotEntries`; unpacking into the run's folder for run-process.ts.
 */
import { createWriteStream, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import yauzl from 'yauzl'

export interface ZipEntryInfo {
  name: string
  size: number
  directory: boolean
  symlink: boolean
}

function openZip(data: Buffer): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(data, { lazyEntries: true, strictFileNames: false }, (err, zip) => {
      if (err || !zip) reject(err ?? new Error('not a zip'))
      else resolve(zip)
    })
  })
}

const isSymlink = (e: yauzl.Entry): boolean => ((e.externalFileAttributes >>> 16) & 0o170000) === 0o120000

/** Lists the entries; rejects a zip that is not one or names a path outside its root. */
export async function listZip(data: Buffer): Promise<ZipEntryInfo[]> {
  const zip = await openZip(data)
  return new Promise((resolve, reject) => {
    const out: ZipEntryInfo[] = []
    zip.on('entry', (e: yauzl.Entry) => {
      const directory = e.fileName.endsWith('/')
      out.push({ name: e.fileName, size: e.uncompressedSize, directory, symlink: isSymlink(e) })
      zip.readEntry()
    })
    zip.on('end', () => resolve(out))
    zip.on('error', reject)
    zip.readEntry()
  })
}

/** Unpacks regular files under `dest`. Symlinks are not recreated: a snapshot should not carry any. */
export async function extractZip(data: Buffer, dest: string): Promise<void> {
  const zip = await openZip(data)
  mkdirSync(dest, { recursive: true })
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (e: yauzl.Entry) => {
      const target = join(dest, e.fileName)
      if (e.fileName.endsWith('/')) {
        mkdirSync(target, { recursive: true })
        zip.readEntry()
        return
      }
      if (isSymlink(e)) {
        zip.readEntry()
        return
      }
      mkdirSync(dirname(target), { recursive: true })
      zip.openReadStream(e, (err, stream) => {
        if (err || !stream) {
          reject(err ?? new Error('unreadable entry'))
          return
        }
        pipeline(stream, createWriteStream(target)).then(() => zip.readEntry(), reject)
      })
    })
    zip.on('end', () => resolve())
    zip.on('error', reject)
    zip.readEntry()
  })
}
