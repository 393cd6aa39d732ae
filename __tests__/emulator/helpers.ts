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
    runFinalizingMs: 0
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
