/**
 * The startrun upload: a multipart body (parsed with busboy) carrying the run definition and the project zip (read
 * with yauzl, which also refuses entry names that would escape the folder: absolute paths and `..`).
 */
import busboy from 'busboy'
import { createWriteStream, mkdirSync } from 'node:fs'
import type { IncomingHttpHeaders } from 'node:http'
import { dirname, join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import yauzl from 'yauzl'
import type { FormPart } from './types.js'

/** Parses a complete multipart/form-data body; plain fields become parts without a filename. */
export function parseMultipart(headers: IncomingHttpHeaders, body: Buffer): Promise<FormPart[]> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy
    try {
      bb = busboy({ headers })
    } catch (e) {
      reject(e as Error)
      return
    }
    const parts: FormPart[] = []
    bb.on('file', (name, stream, info) => {
      const chunks: Buffer[] = []
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('end', () =>
        parts.push({ name, filename: info.filename, mimeType: info.mimeType, data: Buffer.concat(chunks) })
      )
    })
    bb.on('field', (name, value, info) => {
      parts.push({ name, mimeType: info.mimeType, data: Buffer.from(value, 'utf8') })
    })
    bb.on('close', () => resolve(parts))
    bb.on('error', err => reject(err as Error))
    bb.end(body)
  })
}

export function describeMultipart(parts: FormPart[]): string {
  return (
    'multipart/form-data: ' +
    parts
      .map(p => {
        const head = `${p.name} (${p.filename ? `filename=${p.filename}, ` : ''}${p.mimeType}, ${p.data.length} bytes)`
        const textual = /json|text/i.test(p.mimeType) || /\.json$/i.test(p.filename ?? '')
        return textual && p.data.length <= 8192 ? `${head} ${p.data.toString('utf8')}` : head
      })
      .join('; ')
  )
}

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
