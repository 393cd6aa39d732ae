/**
 * A deterministic source tree for the snapshot and upload benchmarks: text (Python, JSON, CSV, Markdown; deflate
 * shrinks it to about a third) mixed with incompressible binaries (model-weight-like `.bin`/`.npy`/`.onnx`, and
 * `.png`/`.pt` that the snapshot stores by extension). The same parameters always give the same bytes.
 */
import { createCipheriv, createHash } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

export interface TreeSpec {
  /** Files in the tree, the entry script included. */
  files: number
  /** Total bytes (the entry script's few bytes not counted). */
  bytes: number
  /** Share of the bytes in incompressible binaries (the rest is text). */
  binaryShare: number
  /** Binaries among the files. */
  binaryFiles: number
}

export const TREES = {
  large: { files: 2000, bytes: 250_000_000, binaryShare: 0.7, binaryFiles: 100 },
  small: { files: 2000, bytes: 50_000_000, binaryShare: 0.7, binaryFiles: 100 }
} satisfies Record<string, TreeSpec>

/** The entry script at the root of every tree: the upload benchmark's run executes it. */
export const ENTRY_SCRIPT = 'main.py'

export interface TreeInfo {
  dir: string
  files: number
  bytes: number
  textBytes: number
  binaryBytes: number
}

/** mulberry32: a small, fast, seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Sizes that add up to `total`, spread log-uniformly over a 1:64 range so some files are large and most small. */
function sizes(count: number, total: number, random: () => number): number[] {
  const weights = Array.from({ length: count }, () => Math.exp(random() * Math.log(64)))
  const sum = weights.reduce((a, b) => a + b, 0)
  const out = weights.map(w => Math.max(1, Math.floor((w / sum) * total)))
  out[0] += total - out.reduce((a, b) => a + b, 0)
  return out
}

const WORDS = (
  'import numpy torch model data train loss epoch batch self return def class for in if else while with as from ' +
  'config learning_rate optimizer dataset tensor shape dtype float32 label feature metric accuracy precision ' +
  'recall score weight bias layer hidden dropout activation relu sigmoid softmax gradient step checkpoint path ' +
  'logger info debug value result output input args kwargs None True False print len range list dict str int'
).split(' ')

function text(size: number, random: () => number, kind: string): Buffer {
  const parts: string[] = []
  let length = 0
  let indent = 0
  while (length < size) {
    let line: string
    if (kind === 'csv') {
      line = Array.from({ length: 8 }, () => (random() * 1000).toFixed(3)).join(',')
    } else if (kind === 'json') {
      line = `  "${WORDS[Math.floor(random() * WORDS.length)]}_${Math.floor(random() * 500)}": ${(random() * 100).toFixed(4)},`
    } else {
      const n = 3 + Math.floor(random() * 9)
      const words = Array.from({ length: n }, () => WORDS[Math.floor(random() * WORDS.length)])
      if (random() < 0.2) words.push(String(Math.floor(random() * 100000)))
      indent = Math.max(0, Math.min(4, indent + Math.floor(random() * 3) - 1))
      line = '    '.repeat(indent) + words.join(' ')
    }
    parts.push(line)
    length += line.length + 1
  }
  return Buffer.from(parts.join('\n') + '\n', 'utf8').subarray(0, size)
}

/** Incompressible bytes: AES-256-CTR of zeros under a fixed key, the IV derived from the file's index. */
function binary(size: number, index: number): Buffer {
  const key = createHash('sha256').update('azureml-rest-action bench').digest()
  const iv = createHash('md5').update(`file ${index}`).digest()
  return createCipheriv('aes-256-ctr', key, iv).update(Buffer.alloc(size))
}

const TEXT_EXT = ['py', 'py', 'py', 'json', 'csv', 'md', 'txt', 'yaml']
const BINARY_EXT = ['bin', 'npy', 'onnx', 'h5', 'png', 'pt']

/** Writes the tree into `dir` (created), the entry script at its root, and returns what it holds. */
export function generateTree(dir: string, spec: TreeSpec): TreeInfo {
  const random = prng(0x5eed)
  const binaryBytes = Math.round(spec.bytes * spec.binaryShare)
  const textFiles = spec.files - spec.binaryFiles - 1
  const textSizes = sizes(textFiles, spec.bytes - binaryBytes, random)
  const binarySizes = sizes(spec.binaryFiles, binaryBytes, random)
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, ENTRY_SCRIPT), "print('benchmark run')\n")
  let written = 0
  const write = (rel: string, data: Buffer): void => {
    const path = join(dir, rel)
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, data)
    written += data.length
  }
  // Folders of about 50 files, two levels deep, like a project with packages.
  textSizes.forEach((size, i) => {
    const ext = TEXT_EXT[i % TEXT_EXT.length]
    write(`src/pkg${Math.floor(i / 200)}/mod${Math.floor(i / 50) % 4}/file${i}.${ext}`, text(size, random, ext))
  })
  binarySizes.forEach((size, i) => {
    const ext = BINARY_EXT[i % BINARY_EXT.length]
    write(`assets/set${Math.floor(i / 25)}/blob${i}.${ext}`, binary(size, i))
  })
  return { dir, files: spec.files, bytes: written, textBytes: spec.bytes - binaryBytes, binaryBytes }
}
