/**
 * Azurite, Microsoft's own Azure Storage emulator (npm `azurite`), as the emulator's blob storage: code uploads, job
 * logs and outputs are real blobs behind real SAS URLs, checked by a server that Microsoft tests against the official
 * Storage SDKs. Only its blob service is started, as a child process of this one.
 *
 *   const azurite = await startAzurite()
 *   const sasUrl = await azurite.containerSasUrl('azureml-blobstore', 60 * 60_000)   // read/write/list, 1 h
 *   ...
 *   await azurite.stop()
 *
 * Flags, and why:
 * - `--blobHost 127.0.0.1 --blobPort <free port>`: loopback only. Azurite has no "any port" option that reports the
 *   port back, so a free port is found first (and the start retried if another process takes it meanwhile).
 * - `--inMemoryPersistence`: blobs in memory, nothing on disk, nothing left over (Azurite refuses `--location` with
 *   it, so it runs in a temporary working folder instead: whatever it might still write never lands in ours).
 * - `--skipApiVersionCheck`: the Storage SDKs send an `x-ms-version` newer than some Azurite releases know.
 * - `--loose`: ignore headers and parameters Azurite does not implement instead of failing the request.
 * - product-style URLs left on (no `--disableProductStyleUrl`): a request to an IP address (all of the emulator's own)
 *   names the account in its first path segment (`/devstoreaccount1/<container>`), one whose Host is a name with a dot
 *   in its first label (`devstoreaccount1.blob.core.windows.net`) as Azure does. A client that builds Azure's public
 *   blob host names whatever the datastore's `endpoint` says (azure-ai-ml 1.4) reaches Azurite through a proxy that
 *   keeps the Host, and its Shared Key signatures (computed on the host-style path) still verify.
 * - `--disableTelemetry`: Azurite collects usage data by default; tests must not call out.
 * - `--silent`: no access log on the console.
 * The account is Azurite's built-in development account (`devstoreaccount1` and its published key).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import {
  ContainerClient,
  ContainerSASPermissions,
  StorageSharedKeyCredential,
  generateBlobSASQueryParameters
} from '@azure/storage-blob'

export const AZURITE_ACCOUNT_NAME = 'devstoreaccount1'
/** Azurite's well-known development key (public: it is in Azurite's documentation). */
export const AZURITE_ACCOUNT_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='

export interface AzuriteOptions {
  /** Listening address (default 127.0.0.1). */
  host?: string
  /** How long to wait for Azurite to answer (default 30 s). */
  startTimeoutMs?: number
}

export interface Azurite {
  /** `http://127.0.0.1:<port>/devstoreaccount1`, no trailing slash. */
  blobEndpoint: string
  accountName: string
  accountKey: string
  port: number
  /** Creates the container if needed; returns its URL with a read/add/create/write/delete/list SAS valid `ttlMs`. */
  containerSasUrl(container: string, ttlMs: number): Promise<string>
  /** Stops Azurite (SIGTERM, then SIGKILL after 5 s) and removes its temporary folder. Safe to call twice. */
  stop(): Promise<void>
}

const START_ATTEMPTS = 3
const POLL_MS = 100
const STOP_GRACE_MS = 5000

/** Starts Azurite's blob service on a free port and resolves once it answers HTTP. */
export async function startAzurite(options: AzuriteOptions = {}): Promise<Azurite> {
  let lastError: unknown
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    try {
      return await startOnce(options)
    } catch (error) {
      lastError = error
      // A port taken between finding it and Azurite binding it: try another. Anything else is final.
      if (!/EADDRINUSE/.test(String((error as Error).message))) break
    }
  }
  throw lastError
}

async function startOnce(options: AzuriteOptions): Promise<Azurite> {
  const host = options.host ?? '127.0.0.1'
  const port = await freePort(host)
  const workDir = await mkdtemp(join(tmpdir(), 'azurite-'))
  const args = [
    blobEntry(),
    '--blobHost',
    host,
    '--blobPort',
    String(port),
    '--inMemoryPersistence',
    '--skipApiVersionCheck',
    '--loose',
    '--disableTelemetry',
    '--silent'
  ]
  const child = spawn(process.execPath, args, { cwd: workDir, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-4000)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const exited = new Promise<number | null>(resolve => child.once('exit', code => resolve(code)))
  // Never leave Azurite behind when this process exits without calling stop() (a crashed test run).
  const killOnExit = (): void => {
    child.kill('SIGKILL')
  }
  process.once('exit', killOnExit)

  const hostInUrl = host.includes(':') ? `[${host}]` : host
  const blobEndpoint = `http://${hostInUrl}:${port}/${AZURITE_ACCOUNT_NAME}`
  let stopped: Promise<void> | undefined
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      process.removeListener('exit', killOnExit)
      await terminate(child, exited)
      await rm(workDir, { recursive: true, force: true })
    })())

  try {
    await waitUntilAnswering(blobEndpoint, exited, options.startTimeoutMs ?? 30_000, () => output)
  } catch (error) {
    await stop()
    throw error
  }

  return {
    blobEndpoint,
    accountName: AZURITE_ACCOUNT_NAME,
    accountKey: AZURITE_ACCOUNT_KEY,
    port,
    containerSasUrl: (container, ttlMs) => containerSasUrl(blobEndpoint, container, ttlMs),
    stop
  }
}

/** The blob service's JS entry (the package's `azurite-blob` bin), run with this Node. */
function blobEntry(): string {
  const require = createRequire(import.meta.url)
  return join(dirname(require.resolve('azurite/package.json')), 'dist', 'src', 'blob', 'main.js')
}

async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once('error', reject)
    server.listen(0, host, () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/** Polls until any HTTP answer comes back (an unsigned request gets a 403: that is Azurite up). */
async function waitUntilAnswering(
  endpoint: string,
  exited: Promise<number | null>,
  timeoutMs: number,
  output: () => string
): Promise<void> {
  let exitCode: number | null | undefined
  void exited.then(code => {
    exitCode = code
  })
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (exitCode !== undefined) {
      throw new Error(`Azurite exited (code ${exitCode}) before answering: ${output().trim() || '(no output)'}`)
    }
    try {
      await fetch(`${endpoint}?comp=list`, { signal: AbortSignal.timeout(2000) })
      return
    } catch {
      await new Promise(resolve => setTimeout(resolve, POLL_MS))
    }
  }
  throw new Error(`Azurite did not answer at ${endpoint} within ${timeoutMs} ms: ${output().trim() || '(no output)'}`)
}

async function terminate(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  child.kill('SIGTERM')
  let timer: NodeJS.Timeout | undefined
  const killed = new Promise<void>(resolve => {
    timer = setTimeout(() => {
      child.kill('SIGKILL')
      resolve()
    }, STOP_GRACE_MS)
  })
  await Promise.race([exited, killed])
  clearTimeout(timer)
  await exited
}

async function containerSasUrl(blobEndpoint: string, container: string, ttlMs: number): Promise<string> {
  const credential = new StorageSharedKeyCredential(AZURITE_ACCOUNT_NAME, AZURITE_ACCOUNT_KEY)
  const containerUrl = `${blobEndpoint}/${encodeURIComponent(container)}`
  await new ContainerClient(containerUrl, credential).createIfNotExists()
  const now = Date.now()
  const sas = generateBlobSASQueryParameters(
    {
      containerName: container,
      permissions: ContainerSASPermissions.parse('racwdl'),
      // A little in the past: a clock a few seconds ahead of Azurite's must not make a fresh SAS "not yet valid".
      startsOn: new Date(now - 5 * 60_000),
      expiresOn: new Date(now + ttlMs)
    },
    credential
  )
  return `${containerUrl}?${sas.toString()}`
}
