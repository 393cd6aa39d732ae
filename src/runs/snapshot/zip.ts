/**
 * Writes the snapshot zip as a stream with archiver, never holding the whole zip: small files are read whole a few at a
 * time ahead of the writer (at most READ_AHEAD_BYTES), large ones are streamed in 64 KB chunks, and the output goes
 * to its destination with backpressure. Memory stays flat whatever the snapshot's size.
 */
import { createWriteStream, type Stats } from 'node:fs'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { ZipArchive, type ZipEntryData } from 'archiver'
import { shouldStore } from './compression.js'
import type { SnapshotFile, SnapshotPlan } from './types.js'

export interface ZipOptions {
  /**
   * zlib level for deflated entries. Default 1, measured against `zip -r -q` (Info-ZIP, level 6) on a 2-core runner-like
   * machine: on 27 MB of real source (TypeScript's lib) level 1 took 0.9x Info-ZIP's time and level 6 1.6x, for a zip
   * 24% larger (6.3 vs 5.1 MB); on a 2000-file 254 MB tree of text and random binaries, 0.55x and 0.62x. The upload,
   * not the last percent of ratio, is what a run waits on.
   */
  level?: number
  /** The date on every entry. Default SNAPSHOT_DATE, fixed so the same tree always gives the same bytes. */
  date?: Date
  /** Aborts the zipping (a cancelled workflow); a partial file is removed. */
  signal?: AbortSignal
}

export const DEFAULT_LEVEL = 1

/** A day after the DOS epoch: constant, and no time-zone shift can turn it into an invalid pre-1980 DOS date. */
export const SNAPSHOT_DATE = new Date(Date.UTC(1980, 1, 1))

export interface ZipResult {
  /** Size of the zip in bytes. */
  bytes: number
  /** Entries written (files only: folders are implied by the paths). */
  files: number
}

/** The zip as a readable stream; it errors if a file cannot be read (or vanished since `selectFiles`). */
export function snapshotStream(plan: SnapshotPlan, options: ZipOptions = {}): Readable {
  return createArchive(plan, options)
}

/**
 * Writes the zip to `destination`: a file path (created or truncated; removed again if zipping fails) or a writable
 * stream (ended when the zip is complete, as `pipe` does; to embed the zip in a larger body use `snapshotStream`).
 */
export async function zipSnapshot(
  plan: SnapshotPlan,
  destination: NodeJS.WritableStream | string,
  options: ZipOptions = {}
): Promise<ZipResult> {
  const archive = createArchive(plan, options)
  const signalOption = options.signal ? { signal: options.signal } : {}
  if (typeof destination === 'string') {
    try {
      await pipeline(archive, createWriteStream(destination), signalOption)
    } catch (error) {
      fail(archive, error as Error)
      await rm(destination, { force: true })
      throw error
    }
  } else {
    try {
      await pipeline(archive, destination, signalOption)
    } catch (error) {
      fail(archive, error as Error)
      throw error
    }
  }
  return { bytes: archive.pointer(), files: plan.files.length }
}

export interface SnapshotFileResult extends ZipResult {
  path: string
  /** Deletes the zip and its temporary folder; safe to call twice. */
  remove(): Promise<void>
}

/**
 * Writes the zip to a new temporary folder under `directory` (default `RUNNER_TEMP`, which the runner empties after
 * the job, else the OS temp folder), for an upload that re-opens it on every retry.
 */
export async function writeSnapshotFile(
  plan: SnapshotPlan,
  options: ZipOptions & { directory?: string } = {}
): Promise<SnapshotFileResult> {
  const folder = await mkdtemp(join(options.directory ?? (process.env.RUNNER_TEMP || tmpdir()), 'aml-snapshot-'))
  const remove = (): Promise<void> => rm(folder, { recursive: true, force: true })
  const path = join(folder, 'snapshot.zip')
  try {
    return { path, ...(await zipSnapshot(plan, path, options)), remove }
  } catch (error) {
    await remove()
    throw error
  }
}

/**
 * Files up to this size are read whole and appended as Buffers: archiver's per-file stream machinery costs about a
 * millisecond a file, which on a 2000-file tree is most of the time. Larger files are streamed by archiver.
 */
const WHOLE_FILE_BYTES = 1024 * 1024
/** Bytes read ahead of what archiver has written: enough to keep the disk and zlib busy, small for peak memory. */
const READ_AHEAD_BYTES = 8 * 1024 * 1024
/** Files prepared ahead (reads, stats and compressibility trials in flight at once). */
const READ_AHEAD_FILES = 16

type Prepared = { kind: 'buffer'; data: Buffer; store: boolean } | { kind: 'file'; stats: Stats; store: boolean }

function createArchive(plan: SnapshotPlan, options: ZipOptions): ZipArchive {
  const level = options.level ?? DEFAULT_LEVEL
  const archive = new ZipArchive({ zlib: { level } })
  // archiver reports an unreadable or vanished file as a warning and leaves it out: a snapshot must not silently
  // differ from the plan that was checked, so that is an error.
  archive.on('warning', error => fail(archive, error))
  // archiver's own errors (a file failing mid-read) only emit: stop its queue and destroy the stream as well. Being a
  // listener does not hide them: the destroyed stream carries the error to pipeline, for-await and `finished`.
  archive.on('error', error => fail(archive, error))
  feed(archive, plan.files, level, options.date ?? SNAPSHOT_DATE).catch((error: unknown) =>
    fail(archive, error instanceof Error ? error : new Error(String(error)))
  )
  return archive
}

/** Stops archiver's queue (destroying the stream alone lets it go on reading files into nowhere) and errors the stream. */
function fail(archive: ZipArchive, error: Error): void {
  archive.abort()
  if (!archive.destroyed) archive.destroy(error)
}

/**
 * Appends every file in plan order (so the zip's entry order is the plan's), preparing a few files ahead. Every
 * entry goes straight into archiver's one sequential queue: a Buffer, or a path with its stats (without stats,
 * archiver would lstat paths concurrently and queue them in whatever order the lstats finish).
 */
async function feed(archive: ZipArchive, files: readonly SnapshotFile[], level: number, date: Date): Promise<void> {
  const budget = new Budget(READ_AHEAD_BYTES)
  // archiver emits 'entry' once per entry, in queue order: release each entry's buffered bytes when it is written.
  const costs: number[] = []
  let written = 0
  archive.on('entry', () => budget.release(costs[written++]))
  archive.once('close', () => budget.stop())

  const cost = (file: SnapshotFile): number => (file.size <= WHOLE_FILE_BYTES ? file.size : 0)
  const pending = new Map<number, Promise<Prepared>>()
  const start = (i: number): void => {
    const promise = prepare(files[i], level)
    // Handled here so a failure ahead of the consumer is not an unhandled rejection; it is awaited in order below.
    promise.catch(() => undefined)
    pending.set(i, promise)
  }
  let started = 0
  for (let i = 0; i < files.length; i++) {
    if (started === i) {
      if (!(await budget.reserve(cost(files[i])))) return
      start(started++)
    }
    while (started < files.length && started - i < READ_AHEAD_FILES && budget.tryReserve(cost(files[started]))) {
      start(started++)
    }
    const prepared = await (pending.get(i) as Promise<Prepared>)
    pending.delete(i)
    if (archive.destroyed) return
    const entry: ZipEntryData = {
      name: files[i].path,
      date,
      // Normalized, so the zip does not depend on the umask of the machine that checked the code out.
      mode: files[i].executable ? 0o755 : 0o644,
      store: prepared.store
    }
    costs.push(cost(files[i]))
    if (prepared.kind === 'buffer') {
      // A stored Buffer is written into archiver's pipeline at once, past its backpressure, so its 'entry' would come
      // before the bytes are out and the read-ahead would grow without bound: as a one-chunk stream it waits its turn.
      archive.append(prepared.store ? oneChunkStream(prepared.data) : prepared.data, entry)
    } else archive.file(files[i].absolutePath, { ...entry, stats: prepared.stats })
  }
  await archive.finalize()
}

async function prepare(file: SnapshotFile, level: number): Promise<Prepared> {
  if (file.size <= WHOLE_FILE_BYTES) {
    const data = await readFile(file.absolutePath)
    return { kind: 'buffer', data, store: await shouldStore(file, level, data) }
  }
  const [stats, store] = await Promise.all([stat(file.absolutePath), shouldStore(file, level)])
  if (!stats.isFile()) throw new Error(`${file.path} is no longer a regular file`)
  return { kind: 'file', stats, store }
}

function oneChunkStream(data: Buffer): Readable {
  const stream = new Readable({ read: () => undefined })
  stream.push(data)
  stream.push(null)
  return stream
}

/** Bytes held in memory ahead of the writer; `reserve` waits for room (one reservation always fits). */
class Budget {
  private used = 0
  private stopped = false
  private waiters: (() => void)[] = []

  constructor(private readonly limit: number) {}

  tryReserve(bytes: number): boolean {
    if (this.used > 0 && this.used + bytes > this.limit) return false
    this.used += bytes
    return true
  }

  /** Resolves true once reserved, or false when the archive has stopped (errored or closed). */
  async reserve(bytes: number): Promise<boolean> {
    while (!this.stopped && !this.tryReserve(bytes)) await new Promise<void>(resolve => this.waiters.push(resolve))
    return !this.stopped
  }

  release(bytes: number): void {
    this.used -= bytes
    this.wake()
  }

  stop(): void {
    this.stopped = true
    this.wake()
  }

  private wake(): void {
    const waiters = this.waiters
    this.waiters = []
    for (const resolve of waiters) resolve()
  }
}
