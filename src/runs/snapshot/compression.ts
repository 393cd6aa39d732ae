/**
 * Which entries are stored rather than deflated. Deflating data that is already compressed costs most of a snapshot's
 * time and saves nothing, so: known compressed formats by extension, and for other files large enough to matter, a
 * quick trial deflate of a sample from the middle of the file (model weights, `.bin`, `.h5`, `.onnx`, ... are float data
 * that deflate shrinks by a few percent at best).
 */
import { open } from 'node:fs/promises'
import { promisify } from 'node:util'
import { deflateRaw } from 'node:zlib'
import type { SnapshotFile } from './types.js'

/** Compressed formats and containers of compressed data (zip-based ones included: pt/pth are zips since PyTorch 1.6). */
const STORED_EXTENSIONS = new Set(
  [
    // archives and compressed streams
    'zip', 'gz', 'tgz', 'bz2', 'tbz', 'tbz2', 'xz', 'txz', 'zst', 'lz4', 'lzma', '7z', 'rar', 'br',
    // zip containers
    'jar', 'whl', 'egg', 'nupkg', 'docx', 'xlsx', 'pptx', 'odt', 'ods', 'odp', 'epub', 'npz', 'pt', 'pth', 'keras',
    // images, audio, video
    'png', 'jpg', 'jpeg', 'gif', 'webp', 'avif', 'heic', 'heif', 'jp2',
    'mp3', 'm4a', 'aac', 'ogg', 'oga', 'opus', 'flac', 'mp4', 'm4v', 'mov', 'mkv', 'webm', 'avi',
    // columnar data, compressed by default
    'parquet', 'orc'
  ] // prettier-ignore
)

/** Below this size a file is deflated without a trial: the trial would cost about as much as the deflate. */
export const SNIFF_MIN_BYTES = 128 * 1024
const SAMPLE_BYTES = 32 * 1024
/** Store when a deflated sample keeps more than this share of its size (deflate saves under 10%). */
const STORE_RATIO = 0.9

const deflateRawAsync = promisify(deflateRaw)

export function hasStoredExtension(path: string): boolean {
  const name = path.slice(path.lastIndexOf('/') + 1).toLowerCase()
  const dot = name.lastIndexOf('.')
  return dot > 0 && STORED_EXTENSIONS.has(name.slice(dot + 1))
}

/**
 * Store this file (true) or deflate it (false)? `content` is the whole file when the caller has already read it, so the
 * trial needs no read of its own.
 */
export async function shouldStore(file: SnapshotFile, level: number, content?: Buffer): Promise<boolean> {
  if (hasStoredExtension(file.path)) return true
  if (file.size < SNIFF_MIN_BYTES) return false
  // The middle, not the start: headers (zeros, tables) are compressible even in compressed formats.
  const position = Math.max(0, Math.floor(file.size / 2) - SAMPLE_BYTES / 2)
  const sample = content ? content.subarray(position, position + SAMPLE_BYTES) : await readSample(file, position)
  if (sample.length === 0) return false
  // zlib runs on the thread pool, off the main thread.
  const deflated = await deflateRawAsync(sample, { level })
  return deflated.length > STORE_RATIO * sample.length
}

async function readSample(file: SnapshotFile, position: number): Promise<Buffer> {
  const handle = await open(file.absolutePath, 'r')
  try {
    const sample = Buffer.alloc(SAMPLE_BYTES)
    const { bytesRead } = await handle.read(sample, 0, SAMPLE_BYTES, position)
    return sample.subarray(0, bytesRead)
  } finally {
    await handle.close()
  }
}
