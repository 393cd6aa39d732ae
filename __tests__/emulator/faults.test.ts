/** Fault injection (API, admin routes, config file), the request log and the admin API. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Emulator, FaultRule } from '../../emulator/index.js'
import { call, startFast, token, v1Token, wsPath } from './helpers.js'

let emu: Emulator
let tok: string
beforeAll(async () => {
  emu = await startFast()
  tok = await token(emu)
})
afterAll(() => emu.close())
beforeEach(() => emu.reset())

const rgUrl = (): string => `${emu.url}/subscriptions/${emu.seed.subscriptionId}/resourcegroups?api-version=2019-10-01`
const computesUrl = (): string => `${emu.url}${wsPath(emu)}/computes?api-version=2019-11-01`

describe('status faults', () => {
  it.each([
    ['seconds', { 'Retry-After': '2' }],
    ['an HTTP date', { 'Retry-After': new Date(Date.now() + 3000).toUTCString() }],
    ['retry-after-ms', { 'retry-after-ms': '1500' }],
    ['x-ms-retry-after-ms', { 'x-ms-retry-after-ms': '700' }]
  ])('429 with Retry-After as %s, once, then the normal answer', async (_label, headers) => {
    emu.faults.add({ match: { method: 'GET', path: '/resourcegroups$' }, kind: 'status', status: 429, headers })
    const first = await call(rgUrl(), { token: tok })
    expect(first.status).toBe(429)
    for (const [k, v] of Object.entries(headers)) expect(first.headers.get(k)).toBe(v)
    expect(first.json.error.code).toBe('TooManyRequests')
    expect(first.headers.get('x-ms-request-id')).toBeTruthy()
    expect((await call(rgUrl(), { token: tok })).status).toBe(200)
  })

  it('a bare 429 carries no retry header', async () => {
    emu.faults.add({ match: { path: '/resourcegroups$' }, kind: 'status', status: 429 })
    const a = await call(rgUrl(), { token: tok })
    expect(a.status).toBe(429)
    expect(a.headers.get('retry-after')).toBeNull()
    expect(a.headers.get('retry-after-ms')).toBeNull()
  })

  it.each([500, 502, 503, 504])('%i with an ARM error body, for `times` requests after `after`', async status => {
    emu.faults.add({
      match: { operationId: 'MachineLearningCompute_ListByWorkspace' },
      kind: 'status',
      status,
      times: 2,
      after: 1
    })
    const statuses: number[] = []
    for (let i = 0; i < 4; i++) statuses.push((await call(computesUrl(), { token: tok })).status)
    expect(statuses).toEqual([200, status, status, 200])
  })

  it('times: -1 fires every time; a custom body is sent as given; server filter', async () => {
    emu.faults.add({ match: { server: 'api' }, kind: 'status', status: 503, times: -1, body: 'upstream down' })
    for (let i = 0; i < 3; i++) {
      const a = await call(`${emu.apiUrl}/discovery`)
      expect(a.status).toBe(503)
      expect(a.text).toBe('upstream down')
    }
    expect((await call(rgUrl(), { token: tok })).status).toBe(200)
    expect(emu.faults.list()[0]).toMatchObject({ times: -1, seen: 3, fired: 3 })
  })

  it('faults the token endpoint too', async () => {
    emu.faults.add({ match: { operationId: 'Entra_Token' }, kind: 'status', status: 500 })
    expect((await v1Token(emu)).status).toBe(500)
    expect((await v1Token(emu)).status).toBe(200)
  })
})

describe('connection faults', () => {
  it('reset: the connection drops before the body is read, and nothing happens', async () => {
    emu.faults.add({ match: { operationId: 'MachineLearningCompute_CreateOrUpdate' }, kind: 'reset' })
    const url = `${emu.url}${wsPath(emu)}/computes/c9?api-version=2019-11-01`
    const body = {
      location: 'centralus',
      properties: {
        computeType: 'AmlCompute',
        properties: { vmSize: 'Standard_D1', scaleSettings: { maxNodeCount: 1 } }
      }
    }
    await expect(call(url, { method: 'PUT', token: tok, body })).rejects.toThrow()
    const get = await call(url, { token: tok })
    expect(get.status).toBe(404)
    const rec = emu.requests.find(r => r.method === 'PUT')!
    expect(rec).toMatchObject({ status: 0, fault: 'reset', operationId: 'MachineLearningCompute_CreateOrUpdate' })
  })

  it('reset-after-body: the request is processed, then the socket is destroyed without an answer', async () => {
    emu.faults.add({ match: { operationId: 'MachineLearningCompute_CreateOrUpdate' }, kind: 'reset-after-body' })
    const url = `${emu.url}${wsPath(emu)}/computes/c8?api-version=2019-11-01`
    const body = {
      location: 'centralus',
      properties: {
        computeType: 'AmlCompute',
        properties: { vmSize: 'Standard_D1', scaleSettings: { maxNodeCount: 1 } }
      }
    }
    await expect(call(url, { method: 'PUT', token: tok, body })).rejects.toThrow()
    expect((await call(url, { token: tok })).status).toBe(200)
  })

  it('with node:http the client sees ECONNRESET or a hang-up', async () => {
    emu.faults.add({ match: { path: '/resourcegroups$' }, kind: 'reset' })
    const err = await new Promise<NodeJS.ErrnoException>(resolve => {
      const req = request(rgUrl(), { headers: { Authorization: `Bearer ${tok}` } }, () =>
        resolve(new Error('answered'))
      )
      req.on('error', e => resolve(e))
      req.end()
    })
    expect(['ECONNRESET', 'socket hang up']).toContain(err.code ?? err.message)
  })

  it('delay: the answer comes late but normally', async () => {
    emu.faults.add({ match: { path: '/resourcegroups$' }, kind: 'delay', delayMs: 400 })
    const t = Date.now()
    const a = await call(rgUrl(), { token: tok })
    expect(a.status).toBe(200)
    expect(Date.now() - t).toBeGreaterThanOrEqual(380)
  })
})

describe('token-lifetime fault', () => {
  it('a token that dies early while expires_in still says an hour', async () => {
    emu.faults.add({ match: { operationId: 'Entra_Token' }, kind: 'token-lifetime', tokenLifetimeSeconds: 1 })
    const short = await v1Token(emu)
    expect(short.json.expires_in).toBe('3600')
    const ws = `${emu.url}${wsPath(emu)}?api-version=2019-11-01`
    expect((await call(ws, { token: short.json.access_token })).status).toBe(200)
    await new Promise(r => setTimeout(r, 1100))
    const expired = await call(ws, { token: short.json.access_token })
    expect(expired.status).toBe(401)
    expect(expired.json.error.code).toBe('ExpiredAuthenticationToken')
    // Only one token was affected.
    expect((await v1Token(emu)).json.access_token).toBeTruthy()
  })

  it('config.tokenLifetimeSeconds changes the advertised and real lifetime', async () => {
    const e = await startFast({ tokenLifetimeSeconds: 120 })
    try {
      expect((await v1Token(e)).json.expires_in).toBe('120')
    } finally {
      await e.close()
    }
  })
})

describe('request log and admin API', () => {
  it('records every request with redacted secrets, the status and the operationId', async () => {
    emu.reset()
    await v1Token(emu)
    await call(rgUrl(), { token: tok })
    const [tokenReq, rgReq] = emu.requests
    expect(tokenReq.operationId).toBe('Entra_Token')
    expect(tokenReq.body).toContain('client_secret=%5Bredacted%5D')
    expect(tokenReq.body).not.toContain(encodeURIComponent(emu.seed.clientSecret))
    expect(rgReq).toMatchObject({ server: 'arm', method: 'GET', status: 200, operationId: 'ResourceGroups_List' })
    expect(rgReq.path).toBe(`/subscriptions/${emu.seed.subscriptionId}/resourcegroups`)
    expect(rgReq.query).toEqual({ 'api-version': '2019-10-01' })
    expect(rgReq.headers.authorization).toBe('[redacted]')
    expect(typeof rgReq.time).toBe('number')
    expect(JSON.stringify(emu.requests)).not.toContain(tok)
  })

  it('serves seed, requests, faults, runs, state and reset; admin calls are not recorded', async () => {
    const seed = await call(`${emu.url}/_emulator/seed`)
    expect(seed.json).toMatchObject({ tenantId: emu.seed.tenantId, url: emu.url, apiUrl: emu.apiUrl })
    const rule: FaultRule = { match: { path: '/resourcegroups$' }, kind: 'status', status: 502 }
    const added = await call(`${emu.url}/_emulator/faults`, { method: 'POST', body: rule })
    expect(added.status).toBe(201)
    expect(added.json.id).toBeTruthy()
    expect((await call(`${emu.url}/_emulator/faults`)).json).toHaveLength(1)
    expect((await call(rgUrl(), { token: tok })).status).toBe(502)
    const reqs = await call(`${emu.url}/_emulator/requests`)
    expect(reqs.json.map((r: { status: number }) => r.status)).toEqual([502])
    expect((await call(`${emu.url}/_emulator/requests`, { method: 'DELETE' })).status).toBe(204)
    expect(emu.requests).toHaveLength(0)
    const bad = await call(`${emu.url}/_emulator/faults`, { method: 'POST', body: { kind: 'explode' } })
    expect(bad.status).toBe(400)
    expect(bad.json.error.message).toContain('fault kind must be one of')
    await call(`${emu.url}/_emulator/faults`, { method: 'POST', body: rule })
    expect((await call(`${emu.url}/_emulator/faults`, { method: 'DELETE' })).status).toBe(204)
    expect(emu.faults.list()).toHaveLength(0)
    const state = await call(`${emu.url}/_emulator/state`)
    expect(state.json.workspaces[0].name).toBe(emu.seed.workspaceName)
    const runs = await call(`${emu.url}/_emulator/runs`)
    expect(runs.json[0].runId).toBe(emu.seed.runId)
    // reset: state back to the seed
    await call(
      `${emu.url}${wsPath(emu)}/computes/${emu.seed.computeName}?api-version=2019-11-01&underlyingResourceAction=Delete`,
      {
        method: 'DELETE',
        token: tok
      }
    )
    expect((await call(`${emu.url}/_emulator/reset`, { method: 'POST' })).status).toBe(204)
    const compute = await call(`${emu.url}${wsPath(emu)}/computes/${emu.seed.computeName}?api-version=2019-11-01`, {
      token: tok
    })
    expect(compute.json.properties.provisioningState).toBe('Succeeded')
    expect(emu.requests.every(r => !r.path.startsWith('/_emulator'))).toBe(true)
  })
})

describe('config file', () => {
  it('reads YAML with seed, delays and initial faults; writes state.json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emu-config-'))
    const file = join(dir, 'emulator.yaml')
    writeFileSync(
      file,
      [
        'seed:',
        '  workspaceName: ws-yaml',
        '  resourceGroup: rg-yaml',
        'tokenLifetimeSeconds: 600',
        'faults:',
        '  - match: { path: "/resourcegroups$" }',
        '    kind: status',
        '    status: 503',
        '    headers: { Retry-After: "1" }',
        '    times: 1'
      ].join('\n')
    )
    const e = await startFast({}, { configFile: file, stateDir: join(dir, 'state') })
    try {
      expect(e.seed.workspaceName).toBe('ws-yaml')
      const t = await v1Token(e)
      expect(t.json.expires_in).toBe('600')
      const rg = `${e.url}/subscriptions/${e.seed.subscriptionId}/resourcegroups?api-version=2019-10-01`
      expect((await call(rg, { token: t.json.access_token })).status).toBe(503)
      const ok = await call(rg, { token: t.json.access_token })
      expect(ok.json.value[0].name).toBe('rg-yaml')
      const state = JSON.parse(readFileSync(join(dir, 'state', 'state.json'), 'utf8'))
      expect(state).toMatchObject({ url: e.url, apiUrl: e.apiUrl, seed: { workspaceName: 'ws-yaml' } })
    } finally {
      await e.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
