/**
 * Reference of the v2 code-upload benchmark, bundled at bench time (never committed): Azure's own
 * `@azure/storage-blob` uploading a folder the plain way, 16 files at once (as `az ml` does), each with the SDK's
 * `uploadFile` and its defaults (a file up to 256 MB in one Put Blob, streamed from disk). Around the upload, the same
 * two ARM calls the action makes, so that the emulator's request log times both the same way (upload slot answered →
 * code version PUT received): `startPendingUpload` for the SAS and blob folder, then the code version PUT.
 * Prints one `BENCH_RESULT {json}` line.
 *
 *   node blob-upload-entry.mjs <folder> <workspace url> <api-version> <code name> <ARM token>
 */
import { readdir, stat } from 'node:fs/promises'
import { basename, join, relative, sep } from 'node:path'
import { AnonymousCredential, ContainerClient } from '@azure/storage-blob'

const CONCURRENCY = 16
const [folder, workspaceUrl, apiVersion, name, token] = process.argv.slice(2)
if (!token) throw new Error('usage: blob-upload-entry <folder> <workspace url> <api-version> <code name> <token>')

async function walk(dir: string, out: { path: string; absolute: string; size: number }[]): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const absolute = join(dir, entry.name)
    if (entry.isDirectory()) await walk(absolute, out)
    else if (entry.isFile()) {
      out.push({ path: relative(folder, absolute).split(sep).join('/'), absolute, size: (await stat(absolute)).size })
    }
  }
}

async function arm(method: string, path: string, body: unknown): Promise<unknown> {
  const response = await fetch(`${workspaceUrl}${path}?api-version=${apiVersion}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body)
  })
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`)
  return response.json()
}

const started = performance.now()
const files: { path: string; absolute: string; size: number }[] = []
await walk(folder, files)
const listedMs = performance.now() - started

const slot = (await arm('POST', `/codes/${name}/versions/1/startPendingUpload`, {
  pendingUploadType: 'TemporaryBlobReference'
})) as { blobReferenceForConsumption: { blobUri: string; credential: { sasUri: string } } }
const uploadStarted = performance.now()
const { blobUri, credential } = slot.blobReferenceForConsumption
// Azurite's path-style URL: /<account>/<container>/<folder...>
const sas = new URL(credential.sasUri)
const [account, containerName] = sas.pathname.split('/').filter(Boolean)
const blobFolder = new URL(blobUri).pathname.split('/').filter(Boolean).slice(2).join('/')
const prefix = `${blobFolder}/${basename(folder)}/`
const container = new ContainerClient(
  `${sas.origin}/${account}/${containerName}${sas.search}`,
  new AnonymousCredential()
)

let next = 0
let bytes = 0
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (next < files.length) {
      const file = files[next++]
      await container.getBlockBlobClient(`${prefix}${file.path}`).uploadFile(file.absolute)
      bytes += file.size
    }
  })
)
const uploadMs = performance.now() - uploadStarted

await arm('PUT', `/codes/${name}/versions/1`, {
  properties: { codeUri: `${blobUri.replace(/\/+$/, '')}/${basename(folder)}`, isAnonymous: true }
})
console.log(
  `BENCH_RESULT ${JSON.stringify({ files: files.length, bytes, listedMs, uploadMs, totalMs: performance.now() - started })}`
)
