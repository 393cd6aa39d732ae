/** HTTPS with the generated CA, and the CLI as `npm run emulator` starts it. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { request } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Emulator } from '../../emulator/index.js'
import { startFast } from './helpers.js'

function httpsRequest(
  url: string,
  options: { ca?: Buffer; method?: string; headers?: Record<string, string>; body?: string } = {}
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca: options.ca, method: options.method ?? 'GET', headers: options.headers }, res => {
      let body = ''
      res.on('data', (c: Buffer) => (body += c.toString('utf8')))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end(options.body)
  })
}

describe('https', () => {
  let emu: Emulator
  beforeAll(async () => {
    emu = await startFast({}, { https: true })
  })
  afterAll(() => emu.close())

  it('serves both servers on https with a certificate its CA file verifies', async () => {
    expect(emu.url.startsWith('https://127.0.0.1:')).toBe(true)
    expect(emu.apiUrl.startsWith('https://127.0.0.1:')).toBe(true)
    expect(emu.caCertPath).toBe(join(emu.stateDir, 'ca.pem'))
    for (const f of ['ca.pem', 'cert.pem', 'key.pem', 'state.json'])
      expect(existsSync(join(emu.stateDir, f))).toBe(true)
    const ca = readFileSync(emu.caCertPath!)
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: emu.seed.clientId,
      client_secret: emu.seed.clientSecret,
      resource: `${emu.url}/`
    }).toString()
    const tok = await httpsRequest(`${emu.url}/${emu.seed.tenantId}/oauth2/token`, {
      ca,
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: form
    })
    expect(tok.status).toBe(200)
    const accessToken = JSON.parse(tok.body).access_token as string
    const ws = await httpsRequest(
      `${emu.url}/subscriptions/${emu.seed.subscriptionId}/resourceGroups/${emu.seed.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${emu.seed.workspaceName}?api-version=2019-11-01`,
      { ca, headers: { Authorization: `Bearer ${accessToken}` } }
    )
    expect(JSON.parse(ws.body).properties.discoveryUrl).toBe(`${emu.apiUrl}/discovery`)
    const disc = await httpsRequest(`${emu.apiUrl}/discovery`, { ca })
    expect(JSON.parse(disc.body).api).toBe(emu.apiUrl)
  })

  it('is refused without the CA', async () => {
    await expect(httpsRequest(`${emu.apiUrl}/discovery`)).rejects.toThrow(/self[- ]signed certificate/)
  })
})

describe('cli', () => {
  it('prints the URLs and the seed, writes state.json, answers, and stops on SIGTERM', async () => {
    const root = mkdtempSync(join(tmpdir(), 'emu-cli-'))
    const stateDir = join(root, 'state')
    const child = spawn(
      process.execPath,
      ['node_modules/tsx/dist/cli.mjs', 'emulator/cli.ts', '--state-dir', stateDir, '--quiet'],
      {
        cwd: process.cwd(),
        stdio: ['ignore', 'pipe', 'pipe']
      }
    )
    let out = ''
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')))
    child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')))
    const exited = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)))
    try {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`cli did not get ready:\n${out}`)), 20_000)
        child.stdout.on('data', () => {
          if (out.includes('Ready.')) {
            clearTimeout(t)
            resolve()
          }
        })
      })
      const values = Object.fromEntries(
        [...out.matchAll(/^([A-Z_]+)='(.*)'$/gm)].map(m => [m[1], m[2].replace(/'\\''/g, "'")])
      )
      expect(values.EMULATOR_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(values.CLIENT_SECRET).toBe('s3cr~t+/=%" x-emulator')
      expect(out).toContain(`arm-endpoint: ${values.EMULATOR_URL}`)
      const state = JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8'))
      expect(state.seed.clientSecret).toBe(values.CLIENT_SECRET)
      const disc = await fetch(`${values.EMULATOR_API_URL}/discovery`)
      expect(((await disc.json()) as { api: string }).api).toBe(values.EMULATOR_API_URL)
    } finally {
      child.kill('SIGTERM')
    }
    expect(await exited).toBe(0)
    expect(out).toContain('Received SIGTERM')
    rmSync(root, { recursive: true, force: true })
  })
})
