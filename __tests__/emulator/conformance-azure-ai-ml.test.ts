/**
 * Azure's own Python SDK, azure-ai-ml 1.4 (Debian's python3-azure, run by `/usr/bin/python3`), drives the emulator
 * end to end: workspace and compute gets, curated environments (workspace and azureml registry), a command job with
 * local code (uploaded to Azurite), stream, get, list, download, cancel; models; an online endpoint and deployment,
 * traffic, invoke, keys, logs. The driver is `fixtures/azure-ai-ml/drive.py` (its docstring says how it is configured:
 * only a custom cloud entry, a CA bundle and a credential, as a user of a custom cloud would). Blob URLs the SDK builds
 * (`https://devstoreaccount1.blob.core.windows.net/...`) reach Azurite through `blob-front.ts` (HTTPS_PROXY).
 *
 * Every call must go through (the list below). Only emulator configuration is set for it: `retryAfterSeconds: 1`
 * (the emulator's default; FAST's 0 makes azure-core's pollers wait their own 30 s interval) and short delays.
 *
 * Skipped, saying so, when `/usr/bin/python3` cannot import azure.ai.ml (`.ci/run` installs python3-azure).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:https'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Emulator } from '../../emulator/index.js'
import { startBlobFront, type BlobFront } from './blob-front.js'
import { startFast } from './helpers.js'

const PYTHON = '/usr/bin/python3'
const FIXTURES = resolve('__tests__/emulator/fixtures/azure-ai-ml')
/** The calls the driver makes, in order: each must go through. */
const REQUIRED = [
  'workspaces.get',
  'compute.get',
  'compute.list',
  'datastores.get_default',
  'environments.get (curated, label latest)',
  'environments.get (azureml registry)',
  'jobs.create_or_update (local code upload)',
  'jobs.stream',
  'jobs.get',
  'jobs.list',
  'jobs.download',
  'jobs.create_or_update (to cancel)',
  'jobs.begin_cancel',
  'models.create_or_update (local upload)',
  'models.get',
  'models.list',
  'online_endpoints.begin_create_or_update',
  'online_deployments.begin_create_or_update',
  'online_endpoints.get + traffic update',
  'online_endpoints.invoke',
  'online_endpoints.get_keys',
  'online_deployments.get_logs'
]

const sdk = spawnSync(PYTHON, ['-c', 'import azure.ai.ml'], {
  env: { ...process.env, PYTHONPATH: FIXTURES },
  encoding: 'utf8'
})
const available = sdk.status === 0
if (!available) {
  console.warn(
    `azure-ai-ml conformance test skipped: ${PYTHON} cannot import azure.ai.ml (apt-get install python3-azure). ` +
      (sdk.error?.message ?? sdk.stderr.trim().split('\n').pop() ?? '')
  )
}

interface CallResult {
  call: string
  ok: boolean
  error?: string
  trace?: string
}

function get(url: string, ca: string, headers: Record<string, string>, method = 'GET', body?: string): Promise<string> {
  return new Promise((done, fail) => {
    const req = request(url, { method, ca, headers }, res => {
      let text = ''
      res.on('data', (c: Buffer) => (text += c.toString('utf8')))
      res.on('end', () => done(text))
    })
    req.on('error', fail)
    req.end(body)
  })
}

;(available ? describe : describe.skip)('azure-ai-ml 1.4 against the emulator', () => {
  let emu: Emulator
  let front: BlobFront
  let scratch: string
  const results: CallResult[] = []
  let summary = { passed: 0, total: 0 }
  let stderr = ''

  beforeAll(async () => {
    emu = await startFast(
      { retryAfterSeconds: 1, delays: { runQueuedMs: 100, runPreparingMs: 100, runStartMs: 100, runFinalizingMs: 0 } },
      { https: true }
    )
    scratch = mkdtempSync(join(tmpdir(), 'azure-ai-ml-'))
    const ca = readFileSync(emu.caCertPath!, 'utf8')
    // Where the default datastore says Azurite is (starting it): the blob front forwards there.
    const token = JSON.parse(
      await get(
        `${emu.url}/${emu.seed.tenantId}/oauth2/token`,
        ca,
        { 'Content-Type': 'application/x-www-form-urlencoded' },
        'POST',
        new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: emu.seed.clientId,
          client_secret: emu.seed.clientSecret,
          resource: `${emu.url}/`
        }).toString()
      )
    ).access_token as string
    const ws = `/subscriptions/${emu.seed.subscriptionId}/resourceGroups/${emu.seed.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${emu.seed.workspaceName}`
    const datastore = JSON.parse(
      await get(`${emu.url}${ws}/datastores/workspaceblobstore?api-version=2024-04-01`, ca, {
        Authorization: `Bearer ${token}`
      })
    ) as { properties: { endpoint: string } }
    front = await startBlobFront({ suffix: 'core.windows.net', azurite: `http://${datastore.properties.endpoint}` })
    const bundle = join(scratch, 'ca-bundle.pem')
    writeFileSync(bundle, `${ca.trim()}\n${front.caCert.trim()}\n`)
    const config = join(scratch, 'config.json')
    writeFileSync(
      config,
      JSON.stringify({
        url: emu.url,
        apiUrl: emu.apiUrl,
        seed: emu.seed,
        work: FIXTURES,
        downloadDir: join(scratch, 'download'),
        storageSuffix: 'core.windows.net',
        curatedEnvironment: 'AzureML-sklearn-1.0-ubuntu20.04-py38-cpu',
        registryEnvironment: 'sklearn-1.5',
        endpointName: 'sdk-endpoint'
      })
    )
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: scratch,
      PYTHONPATH: FIXTURES,
      PYTHONDONTWRITEBYTECODE: '1',
      REQUESTS_CA_BUNDLE: bundle,
      HTTPS_PROXY: front.proxyUrl,
      NO_PROXY: '127.0.0.1,localhost'
    }
    const stdout = await new Promise<string>((done, fail) => {
      const child = spawn(PYTHON, [join(FIXTURES, 'drive.py'), config], { env, cwd: scratch })
      let out = ''
      child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')))
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')))
      const timer = setTimeout(() => child.kill('SIGKILL'), 100_000)
      child.on('error', fail)
      child.on('close', () => {
        clearTimeout(timer)
        done(out)
      })
    })
    for (const line of stdout.split('\n')) {
      // Anywhere in the line: the SDK prints progress dots without a newline while it polls a deployment.
      const at = line.indexOf('@@result ')
      if (at < 0) continue
      const r = JSON.parse(line.slice(at + '@@result '.length))
      if (r.summary) summary = r.summary
      else results.push(r)
    }
  }, 150_000)

  afterAll(async () => {
    await front?.close()
    await emu?.close()
    if (scratch) rmSync(scratch, { recursive: true, force: true })
  })

  it('gets every call through, in order, and reports the count', () => {
    const failed = results.filter(r => !r.ok)
    console.log(
      `azure-ai-ml 1.4: ${summary.passed} of ${summary.total} calls went through` +
        (failed.length ? `; not: ${failed.map(r => `${r.call} (${r.error})`).join(', ')}` : '')
    )
    expect(summary.total).toBe(results.length)
    expect({
      calls: results.map(r => r.call),
      failed: failed.map(r => ({ call: r.call, error: r.error, trace: r.trace })),
      stderr: failed.length || results.length !== REQUIRED.length ? stderr.slice(-2000) : ''
    }).toEqual({ calls: REQUIRED, failed: [], stderr: '' })
  })

  it('sent the blobs through the front to Azurite under Azure’s host name', () => {
    expect(front.tunnels.some(t => t === 'devstoreaccount1.blob.core.windows.net:443')).toBe(true)
  })
})
