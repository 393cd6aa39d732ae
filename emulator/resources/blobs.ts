/**
 * Blob storage of the v2 surface, on Azurite (../azurite.ts): started on first need, one per emulator, stopped by
 * `close()`. Nothing here starts it until a v2 blob feature is used (a datastore read, an upload slot, a job), so the
 * many emulators the reliability tests start at once never spawn one.
 *
 * Every workspace's default datastore, `workspaceblobstore`, is the container `azureml-blobstore-<workspace guid>` of
 * Azurite's development account; code uploads (`LocalUpload/...`) and job outputs (`azureml/<job>/outputs/<name>/`) go
 * there, as in Azure; job logs and artifacts (`ExperimentRun/dcid.<job>/...`) go to `workspaceartifactstore` (below). No spec of its own: Azure Storage's Blob REST API,
 * served by Azurite.
 */
import { mkdir, readdir, stat } from 'node:fs/promises'
import { dirname, join, relative, sep } from 'node:path'
import { AZURITE_ACCOUNT_KEY, AZURITE_ACCOUNT_NAME, startAzurite, type Azurite } from '../azurite.js'
import type { Workspace } from '../core/state.js'

import * as storageBlob from '@azure/storage-blob'

type StorageBlob = typeof storageBlob

/** A blob folder: a container and a prefix inside it ('' or ending in `/`). */
export interface BlobLocation {
  container: string
  prefix: string
}

export const DEFAULT_DATASTORE = 'workspaceblobstore'

/**
 * The datastore Azure creates beside `workspaceblobstore` for run artifacts (a job's `./outputs` and its default
 * `artifacts` output, `ExperimentRun/dcid.<job>/`), in the container `azureml` of the workspace's storage account. In
 * the emulator every workspace shares Azurite's account, so the container is shared too (job names are unique per
 * workspace only: a guess that is enough for tests).
 */
export const ARTIFACT_DATASTORE = 'workspaceartifactstore'
export const ARTIFACT_CONTAINER = 'azureml'

/** Where a job's run artifacts are (its `./outputs` folder lands under `outputs/` there). */
export function jobArtifacts(jobName: string): BlobLocation {
  return { container: ARTIFACT_CONTAINER, prefix: `ExperimentRun/dcid.${jobName}/` }
}

export function defaultContainer(ws: Workspace): string {
  return `azureml-blobstore-${ws.workspaceId}`
}

export class Blobs {
  private starting?: Promise<Azurite>
  private sdk?: Promise<StorageBlob>
  private closed = false

  constructor(private readonly host: string) {}

  /** Azurite, started on the first call (a failed start is retried by the next call). */
  get(): Promise<Azurite> {
    if (this.closed) return Promise.reject(new Error('the emulator is closed'))
    this.starting ??= startAzurite({ host: this.host }).then(
      a => {
        if (this.closed) void a.stop()
        return a
      },
      (error: unknown) => {
        this.starting = undefined
        throw error
      }
    )
    return this.starting
  }

  /** Whether Azurite has been started (for tests: it must not be, until a v2 blob feature is used). */
  get started(): boolean {
    return this.starting !== undefined
  }

  async stop(): Promise<void> {
    this.closed = true
    const pending = this.starting
    if (!pending) return
    try {
      await (await pending).stop()
    } catch {
      // It never started: nothing to stop.
    }
  }

  storage(): Promise<StorageBlob> {
    // Imported with the module, not lazily: the emulator is not bundled, and a dynamic import after a jest test file
    // has ended (a deployment still provisioning) is refused by jest and failed the run.
    this.sdk ??= Promise.resolve(storageBlob)
    return this.sdk
  }

  /** A container client with the account key (the emulator's own access), the container created if needed. */
  async container(name: string): Promise<import('@azure/storage-blob').ContainerClient> {
    const [azurite, sdk] = await Promise.all([this.get(), this.storage()])
    const client = new sdk.ContainerClient(
      `${azurite.blobEndpoint}/${encodeURIComponent(name)}`,
      new sdk.StorageSharedKeyCredential(AZURITE_ACCOUNT_NAME, AZURITE_ACCOUNT_KEY)
    )
    await client.createIfNotExists()
    return client
  }

  async containerUrl(name: string): Promise<string> {
    return `${(await this.get()).blobEndpoint}/${encodeURIComponent(name)}`
  }

  /** `<container url>?<read/add/create/write/delete/list SAS>`, created if needed. */
  async containerSasUrl(name: string, ttlMs = 24 * 3600_000): Promise<string> {
    return (await this.get()).containerSasUrl(name, ttlMs)
  }

  /** The blob's URL with a read-only SAS (what run details hand out for a log). */
  async blobReadUrl(container: string, blob: string, ttlMs = 24 * 3600_000): Promise<string> {
    const [azurite, sdk] = await Promise.all([this.get(), this.storage()])
    const now = Date.now()
    const sas = sdk.generateBlobSASQueryParameters(
      {
        containerName: container,
        blobName: blob,
        permissions: sdk.BlobSASPermissions.parse('r'),
        startsOn: new Date(now - 5 * 60_000),
        expiresOn: new Date(now + ttlMs)
      },
      new sdk.StorageSharedKeyCredential(AZURITE_ACCOUNT_NAME, AZURITE_ACCOUNT_KEY)
    )
    return `${azurite.blobEndpoint}/${encodeURIComponent(container)}/${blob.split('/').map(encodeURIComponent).join('/')}?${sas.toString()}`
  }

  /**
   * Where an http(s) URL of this Azurite points, or undefined for any other URL. Two forms: path-style as the emulator
   * hands it out (`http://127.0.0.1:<port>/devstoreaccount1/<container>/<path>`), and Azure's host-style
   * `https://devstoreaccount1.blob.<storage suffix>/<container>/<path>` (any suffix: a custom cloud's), the form Azure
   * records and that azure-ai-ml builds from the datastore's account whatever its `endpoint` says (its code versions'
   * `codeUri`, `_artifacts/_artifact_utilities.py`).
   */
  async locate(url: string): Promise<BlobLocation | undefined> {
    const azurite = await this.get()
    let u: URL
    try {
      u = new URL(url)
    } catch {
      return undefined
    }
    const segments = u.pathname.split('/').filter(Boolean).map(decodeURIComponent)
    const hostStyle = new RegExp(`^${azurite.accountName}\\.blob\\.`, 'i').test(u.hostname)
    if (hostStyle) {
      if (segments.length < 1) return undefined
      return { container: segments[0], prefix: segments.slice(1).join('/') }
    }
    const base = new URL(azurite.blobEndpoint)
    if (u.host !== base.host) return undefined
    if (segments[0] !== azurite.accountName || segments.length < 2) return undefined
    const rest = segments.slice(2).join('/')
    return { container: segments[1], prefix: rest }
  }

  /**
   * Downloads the blobs under `location` into `dir` (relative paths kept); a prefix naming one blob downloads that
   * blob as `dir/<its name>`. Returns the number of blobs.
   */
  async download(location: BlobLocation, dir: string): Promise<{ count: number; single?: string }> {
    const container = await this.container(location.container)
    const prefix = location.prefix.replace(/^\/+/, '')
    await mkdir(dir, { recursive: true })
    if (prefix && !prefix.endsWith('/')) {
      const single = container.getBlobClient(prefix)
      if (await single.exists()) {
        const target = join(dir, prefix.split('/').pop() ?? 'blob')
        await single.downloadToFile(target)
        return { count: 1, single: target }
      }
    }
    const folder = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`
    let count = 0
    for await (const blob of container.listBlobsFlat({ prefix: folder })) {
      const rel = blob.name.slice(folder.length)
      if (!rel || rel.endsWith('/')) continue
      const target = join(dir, ...rel.split('/'))
      if (!target.startsWith(dir + sep)) continue
      await mkdir(dirname(target), { recursive: true })
      await container.getBlobClient(blob.name).downloadToFile(target)
      count++
    }
    return { count }
  }

  /** Uploads every file under `dir` to `location` (relative paths kept). Returns the number of files. */
  async upload(dir: string, location: BlobLocation): Promise<number> {
    const container = await this.container(location.container)
    const prefix = location.prefix === '' || location.prefix.endsWith('/') ? location.prefix : `${location.prefix}/`
    let count = 0
    for (const file of await listFiles(dir)) {
      const rel = relative(dir, file).split(sep).join('/')
      await container.getBlockBlobClient(`${prefix}${rel}`).uploadFile(file)
      count++
    }
    return count
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = []
  let entries
  try {
    entries = await readdir(dir, { withFileTypes: true })
  } catch {
    return out
  }
  for (const e of entries) {
    const p = join(dir, e.name)
    if (e.isDirectory()) out.push(...(await listFiles(p)))
    else if (e.isFile() || (e.isSymbolicLink() && (await stat(p).catch(() => undefined))?.isFile())) out.push(p)
  }
  return out
}
