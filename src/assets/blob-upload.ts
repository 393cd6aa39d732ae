/**
 * Uploads a list of local files to a blob folder through a container SAS URL, as `az ml` does for a code asset
 * (`startPendingUpload` hands out the SAS and the folder; `pendingUploadTarget` turns its answer into a target):
 * every file to `<blobPrefix><relative path>`, up to 16 files at once, one Put Blob for a small file, Put Block +
 * Put Block List for a large one.
 *
 * - `@azure/storage-blob` is loaded on first use (`await import`), so operations that upload nothing don't pay for it.
 * - Memory stays flat in the size of the upload: request bodies are read into a fixed pool of 16 buffers of 1 MiB,
 *   reused (no stream chunks for the garbage collector to fall behind on), so the upload holds at most 16 MiB of file
 *   data whatever the folder's size. Measured (esbuild bundle, node 20, Azurite in its own process), 2,000 files /
 *   250 MB (10 of 24 MB): peak RSS ~107 MB after listing and hashing, 155-165 MB after the upload, most of the rise
 *   being the HTTP pipeline's short-lived objects; `uploadFile` (read streams) peaked ~50 MB higher.
 * - Retries are the storage client's own (exponential from 1 s, 5 tries: network errors, 500, 503). When it gives
 *   up, the error names the file, the blob and the HTTP status, and the other uploads are cancelled.
 * - The SAS is a secret: `maskSasUrl` registers the URL, its query string and each credential parameter with the
 *   runner the moment a target is built or used; log lines show the container URL without its query.
 * - Progress: one `core.info` line per 10% of the bytes or per 5 s, whichever comes first, never one per file.
 */
import { open, type FileHandle } from 'node:fs/promises'
import { isIP } from 'node:net'
import * as core from '@actions/core'
import { AzureRequestError } from '../base/errors.js'
import { USER_AGENT } from '../base/version.js'
import { maskSasUrl } from '../auth/mask.js'
import { maskStepSecrets, oneLine, redactUrl } from '../http/redact.js'
import { formatBytes } from '../runs/snapshot/limits.js'
import type { CodeFile } from './files.js'

/** Where the files go. */
export interface UploadTarget {
  /** The container's URL with a SAS query (read/write): a secret. */
  containerSasUrl: string
  /** The blob folder inside the container, e.g. `LocalUpload/<hash>/src/`; '' for the container's root. */
  blobPrefix: string
}

/** The part of `startPendingUpload`'s answer an upload needs (`blobReferenceForConsumption`). */
export interface PendingUploadReference {
  blobUri: string
  credential: { sasUri: string }
}

export type UploadFile = Pick<CodeFile, 'path' | 'absolutePath' | 'size'>

export interface UploadOptions {
  /** Files uploaded at once (default 16, as azure-ai-ml). */
  concurrency?: number
  /**
   * Files up to this size go in one Put Blob; larger ones in blocks of this size (default 1 MiB). Also the size of
   * each of the `concurrency` pooled body buffers, so the upload holds at most `concurrency * blockSize` bytes.
   */
  blockSize?: number
  /** Blocks of one large file sent at once, within the same pool (default 4). */
  blockConcurrency?: number
  /** Storage client retry policy (defaults: 5 tries, 1 s doubling up to 60 s, 10 minutes per try). */
  maxTries?: number
  retryDelayInMs?: number
  maxRetryDelayInMs?: number
  tryTimeoutInMs?: number
  /** What the progress lines call the upload (default 'files'), e.g. `code of ./src`. */
  label?: string
  /** Cancels the upload (e.g. a cancelled workflow). */
  abortSignal?: AbortSignal
  /** Injectable clock, for the progress cadence in tests. */
  now?: () => number
}

export interface UploadResult {
  files: number
  bytes: number
  ms: number
}

const MiB = 1024 * 1024
const DEFAULTS = {
  concurrency: 16,
  blockSize: 1 * MiB,
  blockConcurrency: 4,
  maxTries: 5,
  retryDelayInMs: 1000,
  maxRetryDelayInMs: 60_000,
  tryTimeoutInMs: 10 * 60_000
}
const PROGRESS_PERIOD_MS = 5000
const PROGRESS_STEP_PERCENT = 10

/** The URL with no query or fragment: safe to print. */
export function withoutQuery(url: string): string {
  return url.replace(/[?#].*$/s, '')
}

/**
 * The upload target of a `startPendingUpload` answer: the container of its SAS URL, and the folder of `blobUri`
 * inside it (plus `folder`, e.g. the code folder's name, for the CLI's `LocalUpload/<hash>/<folder>/` layout).
 * Path-style URLs (an IP address or localhost, as Azurite's `http://127.0.0.1:10000/devstoreaccount1/<container>`)
 * carry the account as their first path segment.
 */
export function pendingUploadTarget(reference: PendingUploadReference, folder?: string): UploadTarget {
  const sasUri = reference.credential.sasUri
  maskSasUrl(sasUri)
  const sas = new URL(sasUri)
  const blob = new URL(reference.blobUri)
  const depth = isPathStyle(sas.hostname) ? 2 : 1
  const sasSegments = sas.pathname.split('/').filter(Boolean)
  const blobSegments = blob.pathname.split('/').filter(Boolean)
  const container = sasSegments.slice(0, depth)
  if (
    container.length < depth ||
    sas.origin !== blob.origin ||
    container.some((segment, i) => blobSegments[i] !== segment)
  ) {
    throw new Error(
      `The upload slot's blob URI ${withoutQuery(reference.blobUri)} is not in the container of its SAS URL ` +
        `(${sas.origin}/${container.join('/')}).`
    )
  }
  const folders = blobSegments.slice(depth).map(segment => decodeURIComponent(segment))
  if (folder) folders.push(...folder.split('/').filter(Boolean))
  return {
    containerSasUrl: `${sas.origin}/${container.join('/')}${sas.search}`,
    blobPrefix: folders.length > 0 ? `${folders.join('/')}/` : ''
  }
}

function isPathStyle(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '')
  return isIP(host) !== 0 || host === 'localhost'
}

/** Uploads `files` under `target.blobPrefix`, each to `<prefix><file.path>`. Resolves when every blob is written. */
export async function uploadFiles(
  files: readonly UploadFile[],
  target: UploadTarget,
  options: UploadOptions = {}
): Promise<UploadResult> {
  maskSasUrl(target.containerSasUrl)
  const settings = { ...DEFAULTS, ...definedOnly(options) }
  const now = options.now ?? Date.now
  const started = now()
  const prefix =
    target.blobPrefix === '' || target.blobPrefix.endsWith('/') ? target.blobPrefix : `${target.blobPrefix}/`
  const totalBytes = files.reduce((sum, file) => sum + file.size, 0)
  const label = options.label ?? 'files'

  const { AnonymousCredential, ContainerClient, StorageRetryPolicyType } = await import('@azure/storage-blob')
  const container = new ContainerClient(target.containerSasUrl, new AnonymousCredential(), {
    retryOptions: {
      retryPolicyType: StorageRetryPolicyType.EXPONENTIAL,
      maxTries: settings.maxTries,
      retryDelayInMs: settings.retryDelayInMs,
      maxRetryDelayInMs: settings.maxRetryDelayInMs,
      tryTimeoutInMs: settings.tryTimeoutInMs
    },
    userAgentOptions: { userAgentPrefix: USER_AGENT }
  })

  core.info(
    `Uploading ${label}: ${countOf(files.length, 'file')}, ${formatBytes(totalBytes)} to ` +
      `${withoutQuery(target.containerSasUrl)}/${prefix}`
  )
  const progress = new Progress(files.length, totalBytes, label, now)
  const timer = setInterval(() => progress.report(), PROGRESS_PERIOD_MS)
  timer.unref()
  const buffers = new BufferPool(settings.blockSize, Math.max(1, settings.concurrency))

  const abort = new AbortController()
  const onOuterAbort = (): void => abort.abort(options.abortSignal?.reason)
  options.abortSignal?.addEventListener('abort', onOuterAbort, { once: true })
  let failure: unknown
  let next = 0

  const uploadOne = async (file: UploadFile): Promise<void> => {
    const blobName = `${prefix}${file.path}`
    const blob = container.getBlockBlobClient(blobName)
    const storage = async <T>(call: () => Promise<T>): Promise<T> => {
      try {
        return await call()
      } catch (error) {
        throw uploadError(file, blobName, error)
      }
    }
    const handle = await open(file.absolutePath, 'r')
    try {
      const size = (await handle.stat()).size
      if (size !== file.size) throw changedError(file, size)
      if (size <= settings.blockSize) {
        // One Put Blob, the body read into a pooled buffer that is reused once the request has settled.
        await buffers.use(async buffer => {
          const body = await readRange(handle, buffer, 0, size, file)
          await storage(() => blob.upload(body, size, { abortSignal: abort.signal }))
        })
        progress.add(size)
      } else {
        // Put Block for each block (a few at once, each in a pooled buffer), then Put Block List.
        const blockCount = Math.ceil(size / settings.blockSize)
        const ids = Array.from({ length: blockCount }, (_, i) => blockId(i))
        await mapLimit(ids.length, settings.blockConcurrency, async i => {
          const offset = i * settings.blockSize
          const length = Math.min(settings.blockSize, size - offset)
          await buffers.use(async buffer => {
            const body = await readRange(handle, buffer, offset, length, file)
            await storage(() => blob.stageBlock(ids[i], body, length, { abortSignal: abort.signal }))
          })
          progress.add(length)
        })
        await storage(() => blob.commitBlockList(ids, { abortSignal: abort.signal }))
      }
    } finally {
      await handle.close()
    }
    progress.fileDone()
  }

  const worker = async (): Promise<void> => {
    while (failure === undefined && !abort.signal.aborted && next < files.length) {
      const file = files[next++]
      try {
        await uploadOne(file)
      } catch (error) {
        if (failure === undefined) {
          failure = options.abortSignal?.aborted ? options.abortSignal.reason : error
          abort.abort()
        }
      }
    }
  }

  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(settings.concurrency, files.length)) }, worker))
  } finally {
    clearInterval(timer)
    options.abortSignal?.removeEventListener('abort', onOuterAbort)
  }
  if (failure === undefined && options.abortSignal?.aborted) failure = options.abortSignal.reason
  if (failure !== undefined) throw failure
  const ms = now() - started
  progress.finish(ms)
  return { files: files.length, bytes: totalBytes, ms }
}

/** Same length for every block of a blob, as the service requires: base64 of a zero-padded index. */
const blockId = (index: number): string => Buffer.from(`block-${String(index).padStart(6, '0')}`).toString('base64')

/** `length` bytes at `offset` of the file, in `buffer`; a file that got shorter since it was listed is an error. */
async function readRange(
  handle: FileHandle,
  buffer: Buffer,
  offset: number,
  length: number,
  file: UploadFile
): Promise<Buffer> {
  let filled = 0
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, offset + filled)
    if (bytesRead === 0) throw changedError(file, offset + filled)
    filled += bytesRead
  }
  return buffer.subarray(0, length)
}

function changedError(file: UploadFile, size: number): Error {
  return new Error(
    `${file.path} changed since its folder was hashed (${file.size} bytes then, ${size} now): not uploaded.`
  )
}

/**
 * Request bodies come from a fixed set of buffers (one per file upload slot), allocated on first need and reused:
 * the memory an upload holds is bounded by `count * size` and creates no garbage, so the process's peak RSS does not
 * depend on the garbage collector keeping up with hundreds of megabytes of short-lived chunks.
 */
class BufferPool {
  private readonly free: Buffer[] = []
  private readonly waiting: ((buffer: Buffer) => void)[] = []
  private created = 0

  constructor(
    private readonly size: number,
    private readonly count: number
  ) {}

  async use<T>(fn: (buffer: Buffer) => Promise<T>): Promise<T> {
    const buffer = await this.acquire()
    try {
      return await fn(buffer)
    } finally {
      this.release(buffer)
    }
  }

  private async acquire(): Promise<Buffer> {
    const buffer = this.free.pop()
    if (buffer) return buffer
    if (this.created < this.count) {
      this.created += 1
      return Buffer.allocUnsafeSlow(this.size)
    }
    return new Promise(resolve => this.waiting.push(resolve))
  }

  private release(buffer: Buffer): void {
    const waiter = this.waiting.shift()
    if (waiter) waiter(buffer)
    else this.free.push(buffer)
  }
}

async function mapLimit(count: number, limit: number, fn: (index: number) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < count) await fn(next++)
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, count)) }, worker))
}

/** The storage client's failure, as one line naming the file, the blob and the HTTP status; no SAS, no URL query. */
function uploadError(file: UploadFile, blobName: string, error: unknown): Error {
  const details = error as { name?: string; message?: string; statusCode?: number; code?: string; request?: unknown }
  if (details?.name === 'AbortError') return error as Error
  const text = safeText(details?.message ?? String(error))
  const status = typeof details?.statusCode === 'number' ? details.statusCode : undefined
  if (status !== undefined) {
    const code = typeof details.code === 'string' ? details.code : undefined
    return new AzureRequestError(
      `Uploading ${file.path} to blob ${blobName} failed: HTTP ${status}${code ? ` ${code}` : ''}` +
        (text ? `: ${text}` : '') +
        ' (after the storage client retries).',
      status,
      code
    )
  }
  return new Error(`Uploading ${file.path} to blob ${blobName} failed (after the storage client retries): ${text}`)
}

/** Service or network text made safe for a log line: one line, URLs without credentials, known secrets masked. */
function safeText(text: string): string {
  return maskStepSecrets(
    oneLine(
      text.replace(/https?:\/\/[^\s"'<>]+/g, url => redactUrl(url)),
      300
    )
  )
}

class Progress {
  private doneBytes = 0
  private doneFiles = 0
  private lastAt: number
  private nextPercent = PROGRESS_STEP_PERCENT

  constructor(
    private readonly totalFiles: number,
    private readonly totalBytes: number,
    private readonly label: string,
    private readonly now: () => number
  ) {
    this.lastAt = now()
  }

  /** Bytes the service has acknowledged (a whole small file, or one block). */
  add(bytes: number): void {
    this.doneBytes += bytes
  }

  fileDone(): void {
    this.doneFiles += 1
    if (this.doneFiles < this.totalFiles) this.maybeReport()
  }

  /** The periodic line: only when the 5 s have passed since the last one. */
  report(): void {
    if (this.now() - this.lastAt >= PROGRESS_PERIOD_MS) this.print()
  }

  finish(ms: number): void {
    core.info(
      `Uploaded ${this.label}: ${countOf(this.totalFiles, 'file')}, ${formatBytes(this.totalBytes)} in ` +
        `${(ms / 1000).toFixed(1)} s`
    )
  }

  private percent(): number {
    if (this.totalBytes === 0) return this.totalFiles === 0 ? 100 : (this.doneFiles * 100) / this.totalFiles
    return (Math.min(this.doneBytes, this.totalBytes) * 100) / this.totalBytes
  }

  private maybeReport(): void {
    if (this.percent() >= this.nextPercent || this.now() - this.lastAt >= PROGRESS_PERIOD_MS) this.print()
  }

  private print(): void {
    const percent = this.percent()
    this.lastAt = this.now()
    this.nextPercent = (Math.floor(percent / PROGRESS_STEP_PERCENT) + 1) * PROGRESS_STEP_PERCENT
    core.info(
      `Uploading ${this.label}: ${Math.floor(percent)}% (${count(this.doneFiles)} of ${count(this.totalFiles)} ` +
        `files done)`
    )
  }
}

const count = (n: number): string => n.toLocaleString('en-US')

/** `1 file`, `2 files`, `1,024 files`: a count with its noun, singular for one. */
export function countOf(n: number, noun: string): string {
  return `${count(n)} ${noun}${n === 1 ? '' : 's'}`
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>
}
