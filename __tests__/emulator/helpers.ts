/** Shared helpers of the emulator tests: a fast emulator, tokens, requests over real HTTP, zips, polling. */
import { ZipArchive } from 'archiver'
import { startEmulator, type Emulator } from '../../emulator/index.js'

/** Near-zero delays: the tests check behaviour, not waiting. */
export const FAST = {
  delays: {
    // Long enough that a test sees the in-between state (Creating, InProgress, 202) even on a busy machine.
    workspaceProvisionMs: 400,
    workspaceDeleteMs: 400,
    computeProvisionMs: 400,
    computeDeleteMs: 400,
    runQueuedMs: 20,
    runPreparingMs: 20,
    runStartMs: 20,
    runFinalizingMs: 0,
    endpointProvisionMs: 150,
    endpointDeleteMs: 100,
    deploymentProvisionMs: 100,
    deploymentDeleteMs: 100
  },
  retryAfterSeconds: 0
}

export function startFast(config: Record<string, unknown> = {}, more: Parameters<typeof startEmulator>[0] = {}) {
  return startEmulator({ quiet: true, ...more, config: { ...FAST, ...config } })
}

export function wsPath(emu: Emulator, name = emu.seed.workspaceName, rg = emu.seed.resourceGroup): string {
  return `/subscriptions/${emu.seed.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.MachineLearningServices/workspaces/${name}`
}

export interface Answer {
  status: number
  headers: Headers
  text: string
  json: any // eslint-disable-line @typescript-eslint/no-explicit-any
}

export async function call(
  url: string,
  init: { method?: string; token?: string; body?: unknown; headers?: Record<string, string> } = {}
): Promise<Answer> {
  const headers: Record<string, string> = { ...(init.headers ?? {}) }
  if (init.token) headers.Authorization = `Bearer ${init.token}`
  let body: RequestInit['body'] | undefined
  if (init.body instanceof FormData || typeof init.body === 'string') body = init.body
  else if (init.body !== undefined) {
    body = JSON.stringify(init.body)
    headers['Content-Type'] ??= 'application/json'
  }
  const res = await fetch(url, { method: init.method ?? 'GET', headers, body })
  const text = await res.text()
  let json: unknown
  try {
    json = text ? JSON.parse(text) : undefined
  } catch {
    json = undefined
  }
  return { status: res.status, headers: res.headers, text, json }
}

export async function v1Token(emu: Emulator, over: Record<string, string> = {}): Promise<Answer> {
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: emu.seed.clientId,
    client_secret: emu.seed.clientSecret,
    resource: 'https://management.azure.com/',
    ...over
  })
  return call(`${emu.url}/${over.tenant ?? emu.seed.tenantId}/oauth2/token`, {
    method: 'POST',
    body: form.toString(),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' }
  })
}

export async function token(emu: Emulator): Promise<string> {
  const a = await v1Token(emu)
  if (a.status !== 200) throw new Error(`token: ${a.status} ${a.text}`)
  return a.json.access_token as string
}

export async function makeZip(files: Record<string, string>, symlinks: Record<string, string> = {}): Promise<Buffer> {
  const zip = new ZipArchive({ zlib: { level: 1 } })
  const chunks: Buffer[] = []
  zip.on('data', (c: Buffer) => chunks.push(c))
  const done = new Promise<void>((resolve, reject) => {
    zip.on('end', () => resolve())
    zip.on('error', reject)
  })
  for (const [name, content] of Object.entries(files)) zip.append(content, { name })
  for (const [name, target] of Object.entries(symlinks)) zip.symlink(name, target)
  await zip.finalize()
  await done
  return Buffer.concat(chunks)
}

export function runDefinition(script: string, args: string[] = [], target = 'cpu-compute'): Record<string, unknown> {
  return {
    Configuration: {
      Script: script,
      Arguments: args,
      SourceDirectoryDataStore: null,
      Framework: 'Python',
      Communicator: 'None',
      Target: target,
      MaxRunDurationSeconds: 1200,
      NodeCount: 1,
      History: { OutputCollection: true }
    }
  }
}

export function startRunForm(definition: unknown, zip: Buffer): FormData {
  const form = new FormData()
  form.append(
    'runDefinitionFile',
    new Blob([JSON.stringify(definition)], { type: 'application/json' }),
    'definition.json'
  )
  form.append('projectZipFile', new Blob([zip], { type: 'application/zip' }), 'project.zip')
  return form
}

export async function startRun(
  emu: Emulator,
  tok: string,
  files: Record<string, string>,
  definition: unknown,
  opts: { runId?: string; experiment?: string } = {}
): Promise<Answer> {
  const exp = opts.experiment ?? 'emulator-tests'
  const q = opts.runId ? `?runId=${encodeURIComponent(opts.runId)}` : ''
  return call(`${emu.apiUrl}/execution/v1.0${wsPath(emu)}/experiments/${exp}/startrun${q}`, {
    method: 'POST',
    token: tok,
    body: startRunForm(definition, await makeZip(files))
  })
}

export function runUrl(emu: Emulator, runId: string, exp = 'emulator-tests'): string {
  return `${emu.apiUrl}/history/v1.0${wsPath(emu)}/experiments/${exp}/runs/${runId}`
}

/** Polls `fn` until it returns a value that is not undefined (or throws after `timeoutMs`). */
export async function waitFor<T>(fn: () => Promise<T | undefined>, timeoutMs = 10_000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error(`waitFor: timed out after ${timeoutMs} ms`)
    await new Promise(r => setTimeout(r, everyMs))
  }
}

export async function waitForRunStatus(
  emu: Emulator,
  tok: string,
  runId: string,
  statuses: string[],
  exp = 'emulator-tests'
): Promise<Answer> {
  return waitFor(async () => {
    const a = await call(runUrl(emu, runId, exp), { token: tok })
    return statuses.includes(a.json?.status) ? a : undefined
  })
}

/** An AmlCompute PUT body in the guide's shape, with `over` merged into `properties.properties`. */
export function computeBody(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    location: 'centralus',
    properties: {
      computeType: 'AmlCompute',
      properties: {
        vmSize: 'Standard_D1',
        vmPriority: 'Dedicated',
        scaleSettings: { maxNodeCount: 1, minNodeCount: 0, nodeIdleTimeBeforeScaleDown: 'PT30M' },
        ...over
      }
    },
    // The guide puts the credentials here, outside `properties`; ARM ignores what the schema does not know.
    userAccountCredentials: { adminUserName: 'azureuser', adminUserPassword: 'P@ssw0rd!' }
  }
}

// ------------------------------------------------------------------------------------------------ the v2 surface

/** The v2 api-version (the vendored mfe.json). */
export const V2 = '2024-04-01'

/** An ARM call at the v2 api-version (or `version`). */
export function arm2(
  emu: Emulator,
  tok: string,
  path: string,
  init: Parameters<typeof call>[1] & { version?: string } = {}
): Promise<Answer> {
  const { version, ...rest } = init
  return call(`${emu.url}${path}${path.includes('?') ? '&' : '?'}api-version=${version ?? V2}`, { token: tok, ...rest })
}

/**
 * Uploads `files` the way `az ml` does (startPendingUpload, then blobs through the SAS with @azure/storage-blob) and
 * registers the code version; returns its ARM id and the blob folder.
 */
export async function uploadCode(
  emu: Emulator,
  tok: string,
  files: Record<string, string>,
  opts: { name?: string; version?: string; hash?: string } = {}
): Promise<{ id: string; codeUri: string }> {
  const name = opts.name ?? `code-${Math.random().toString(16).slice(2, 10)}`
  const version = opts.version ?? '1'
  const base = `${wsPath(emu)}/codes/${name}/versions/${version}`
  const slot = await arm2(emu, tok, `${base}/startPendingUpload`, {
    method: 'POST',
    body: { pendingUploadType: 'TemporaryBlobReference' }
  })
  if (slot.status !== 200) throw new Error(`startPendingUpload: ${slot.status} ${slot.text}`)
  const ref = slot.json.blobReferenceForConsumption
  const { ContainerClient } = await import('@azure/storage-blob')
  const container = new ContainerClient(ref.credential.sasUri)
  // Path-style Azurite URL: /<account>/<container>/<folder...>
  const folder = new URL(ref.blobUri).pathname.split('/').slice(3).map(decodeURIComponent).join('/')
  for (const [rel, content] of Object.entries(files)) {
    await container.getBlockBlobClient(`${folder}/src/${rel}`).upload(content, Buffer.byteLength(content))
  }
  const codeUri = `${ref.blobUri}/src`
  const put = await arm2(emu, tok, base, {
    method: 'PUT',
    body: {
      properties: {
        codeUri,
        isAnonymous: true,
        properties: { hash_sha256: opts.hash ?? 'f'.repeat(64), hash_version: '202208' }
      }
    }
  })
  if (put.status !== 201 && put.status !== 200) throw new Error(`code version PUT: ${put.status} ${put.text}`)
  return { id: put.json.id as string, codeUri }
}

/** Registers an environment version (an image); returns its ARM id. */
export async function putEnvironment(emu: Emulator, tok: string, name = 'env-py', version = '1'): Promise<string> {
  const a = await arm2(emu, tok, `${wsPath(emu)}/environments/${name}/versions/${version}`, {
    method: 'PUT',
    body: { properties: { image: 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest' } }
  })
  if (a.status !== 201 && a.status !== 200) throw new Error(`environment PUT: ${a.status} ${a.text}`)
  return a.json.id as string
}

/** A Command job body; `over` merged into `properties`. */
export function commandJob(
  emu: Emulator,
  command: string,
  over: Record<string, unknown> = {}
): { properties: Record<string, unknown> } {
  return {
    properties: {
      jobType: 'Command',
      command,
      environmentId: `${wsPath(emu)}/environments/env-py/versions/1`,
      computeId: `${wsPath(emu)}/computes/${emu.seed.computeName}`,
      experimentName: 'emulator-v2-tests',
      ...over
    }
  }
}

export const JOB_STATUS_ORDER = ['NotStarted', 'Queued', 'Preparing', 'Running', 'Finalizing']

/** Polls the job until its status is one of `statuses`; returns the answer and every status seen, in order. */
export async function waitForJob(
  emu: Emulator,
  tok: string,
  name: string,
  statuses: string[] = ['Completed', 'Failed', 'Canceled'],
  timeoutMs = 20_000
): Promise<{ job: Answer; seen: string[] }> {
  const seen: string[] = []
  const job = await waitFor(
    async () => {
      const a = await arm2(emu, tok, `${wsPath(emu)}/jobs/${name}`)
      const status = a.json?.properties?.status as string | undefined
      if (status && seen[seen.length - 1] !== status) seen.push(status)
      return status && statuses.includes(status) ? a : undefined
    },
    timeoutMs,
    20
  )
  return { job, seen }
}

export function jobDetailsUrl(emu: Emulator, name: string): string {
  return `${emu.apiUrl}/history/v1.0${wsPath(emu)}/runs/${name}/details`
}

/**
 * A datastore's container URL with a SAS, from its body and its listSecrets answer, the way a client builds it: a
 * SAS datastore's token as it is; an account-key one (the emulator's default, as Azure's) signs a container SAS.
 */
export async function datastoreSasUrl(
  properties: { protocol: string; endpoint: string; accountName: string; containerName: string },
  secrets: { secretsType?: string; sasToken?: string; key?: string }
): Promise<string> {
  const p = properties
  const url = `${p.protocol}://${p.endpoint}/${p.accountName}/${p.containerName}`
  if (secrets.secretsType === 'Sas' && secrets.sasToken) return `${url}?${secrets.sasToken}`
  if (secrets.secretsType !== 'AccountKey' || !secrets.key) throw new Error(`no usable secrets: ${secrets.secretsType}`)
  const { ContainerSASPermissions, StorageSharedKeyCredential, generateBlobSASQueryParameters } =
    await import('@azure/storage-blob')
  const sas = generateBlobSASQueryParameters(
    {
      containerName: p.containerName,
      permissions: ContainerSASPermissions.parse('racwdl'),
      expiresOn: new Date(Date.now() + 3600_000)
    },
    new StorageSharedKeyCredential(p.accountName, secrets.key)
  )
  return `${url}?${sas.toString()}`
}
