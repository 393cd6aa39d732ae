import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import type { ServerResponse } from 'node:http'
import { Readable } from 'node:stream'
import { AzureRequestError, TimeoutError } from '../../src/base/errors.js'
import {
  createHttpClient,
  parseJson,
  ResponseFormatError,
  sendJson,
  type HttpClientOptions
} from '../../src/http/client.js'
import { HttpNetworkError } from '../../src/http/errors.js'
import type { StreamBody } from '../../src/base/http-types.js'
import { captureLog, fakeClock, fakeTokens, json, startServer, type Handler, type TestServer } from './helpers.js'

const USER_AGENT = 'azureml-rest-action/0.1.0-test'
const ARM = 'https://management.azure.com/'
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

const servers: TestServer[] = []
async function serve(handler: Handler, host?: string): Promise<TestServer> {
  const server = await startServer(handler, host)
  servers.push(server)
  return server
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map(server => server.close()))
})

// The runner appends its orchestration id to every User-Agent; keep the header predictable here.
const savedOrchestrationId = process.env.ACTIONS_ORCHESTRATION_ID
beforeAll(() => {
  delete process.env.ACTIONS_ORCHESTRATION_ID
})
afterAll(() => {
  if (savedOrchestrationId !== undefined) process.env.ACTIONS_ORCHESTRATION_ID = savedOrchestrationId
})

function setup(overrides: Partial<HttpClientOptions> = {}) {
  const { clock, waits, start } = fakeClock()
  const { tokens, calls } = fakeTokens()
  const logs = captureLog()
  const masked: string[] = []
  const client = createHttpClient({
    tokens,
    clock,
    userAgent: USER_AGENT,
    log: logs.log,
    mask: secret => masked.push(secret),
    ...overrides
  })
  return { client, waits, start, calls, logs, masked }
}

describe('headers and JSON', () => {
  it('sends User-Agent, a Bearer token, Accept and a client request id', async () => {
    const server = await serve((_req, res) => json(res, 200, { ok: true }))
    const { client, calls, masked } = setup()

    const response = await client.send({
      method: 'GET',
      url: `${server.origin}/x`,
      auth: { kind: 'token', resource: ARM }
    })

    expect(response).toMatchObject({ status: 200, body: '{"ok":true}', url: `${server.origin}/x` })
    expect(response.headers['content-type']).toBe('application/json')
    const headers = server.requests[0].headers
    expect(headers['user-agent']).toBe(USER_AGENT)
    expect(headers.authorization).toBe('Bearer token-1-s3cr3t')
    expect(headers.accept).toBe('application/json')
    expect(headers['x-ms-client-request-id']).toMatch(UUID)
    expect(calls).toEqual([{ resource: ARM, forceRefresh: false }])
    expect(masked).toContain('token-1-s3cr3t')
  })

  it('sends an object body as JSON and parses the JSON answer', async () => {
    const server = await serve((_req, res, recorded) => json(res, 201, { received: JSON.parse(recorded.body) }))
    const { client } = setup()

    const result = await sendJson<{ received: unknown }>(client, {
      method: 'PUT',
      url: `${server.origin}/things/a`,
      auth: { kind: 'none' },
      body: { name: 'a', count: 2, tags: ['x'] }
    })

    expect(result).toEqual({ received: { name: 'a', count: 2, tags: ['x'] } })
    expect(server.requests[0]).toMatchObject({ method: 'PUT', url: '/things/a' })
    expect(server.requests[0].headers['content-type']).toBe('application/json')
    expect(server.requests[0].headers['content-length']).toBe(String(server.requests[0].body.length))
  })

  it('returns undefined for an empty body and a clear error for a body that is not JSON', async () => {
    const server = await serve((req, res) => {
      if (req.url === '/empty') return void res.writeHead(204).end()
      res.writeHead(200, { 'content-type': 'text/plain' }).end('hello')
    })
    const { client } = setup()

    await expect(
      sendJson(client, { method: 'DELETE', url: `${server.origin}/empty`, auth: { kind: 'none' } })
    ).resolves.toBe(undefined)
    const failure = sendJson(client, { method: 'GET', url: `${server.origin}/text?code=abc`, auth: { kind: 'none' } })
    await expect(failure).rejects.toBeInstanceOf(ResponseFormatError)
    await expect(failure).rejects.toThrow(
      `Expected JSON from ${server.origin}/text?code=*** (status 200), got 5 bytes of text/plain starting with: hello`
    )
  })
})

describe('errors', () => {
  it('fails with one line: method, redacted URL, status, code, message and x-ms-request-id', async () => {
    const server = await serve((_req, res) =>
      json(
        res,
        404,
        { error: { code: 'ResourceNotFound', message: "The Resource 'ws' was not found." } },
        { 'x-ms-request-id': 'req-404' }
      )
    )
    const { client, waits } = setup()
    const url = `${server.origin}/subscriptions/s/ws?api-version=2019-11-01&sig=abc`

    const error = await client.send({ method: 'GET', url, auth: { kind: 'none' } }).catch((err: unknown) => err)

    expect(error).toBeInstanceOf(AzureRequestError)
    expect((error as AzureRequestError).message).toBe(
      `GET ${server.origin}/subscriptions/s/ws?api-version=2019-11-01&sig=*** failed: 404 Not Found: ` +
        `ResourceNotFound: The Resource 'ws' was not found. (x-ms-request-id: req-404)`
    )
    expect(error).toMatchObject({ status: 404, code: 'ResourceNotFound', requestId: 'req-404' })
    expect(server.requests).toHaveLength(1)
    expect(waits).toEqual([])
  })

  it('returns an accepted status instead of throwing', async () => {
    const server = await serve((_req, res) => json(res, 404, { error: { code: 'NotFound', message: 'gone' } }))
    const { client } = setup()
    const response = await client.send({
      method: 'DELETE',
      url: `${server.origin}/x`,
      auth: { kind: 'none' },
      acceptStatus: [404]
    })
    expect(response.status).toBe(404)
  })

  it('reports a refused connection after the retries, with its code', async () => {
    const closed = await serve(() => {})
    const url = `${closed.origin}/x`
    await closed.close()
    const { client, waits } = setup({ maxAttempts: 2 })

    const error = await client.send({ method: 'GET', url, auth: { kind: 'none' } }).catch((err: unknown) => err)

    expect(error).toBeInstanceOf(HttpNetworkError)
    expect((error as HttpNetworkError).code).toBe('ECONNREFUSED')
    expect((error as Error).message).toBe(
      `GET ${url} failed: connect ECONNREFUSED 127.0.0.1:${closed.port} (after 2 attempts)`
    )
    expect(waits).toHaveLength(1)
  })
})

describe('authentication', () => {
  const expired = (res: ServerResponse): void =>
    json(res, 401, {
      error: {
        code: 'ExpiredAuthenticationToken',
        message: 'The access token expiry UTC time is earlier than current UTC time.'
      }
    })

  it('refreshes the token once on 401 ExpiredAuthenticationToken and retries at once', async () => {
    const server = await serve((_req, res, _recorded, index) => (index === 0 ? expired(res) : json(res, 200, {})))
    const { client, calls, waits } = setup()

    const response = await client.send({
      method: 'GET',
      url: `${server.origin}/x`,
      auth: { kind: 'token', resource: ARM }
    })

    expect(response.status).toBe(200)
    expect(server.requests.map(r => r.headers.authorization)).toEqual([
      'Bearer token-1-s3cr3t',
      'Bearer token-2-s3cr3t'
    ])
    expect(calls).toEqual([
      { resource: ARM, forceRefresh: false },
      { resource: ARM, forceRefresh: true }
    ])
    expect(waits).toEqual([])
  })

  it('does not refresh again when the fresh token is refused too', async () => {
    const server = await serve((_req, res) => expired(res))
    const { client, calls } = setup()

    const failure = client.send({ method: 'GET', url: `${server.origin}/x`, auth: { kind: 'token', resource: ARM } })

    await expect(failure).rejects.toMatchObject({ status: 401, code: 'ExpiredAuthenticationToken' })
    expect(server.requests).toHaveLength(2)
    expect(calls).toHaveLength(2)
  })

  it('does not refresh on a 401 that is not about expiry', async () => {
    const server = await serve((_req, res) =>
      json(res, 401, { error: { code: 'InvalidAuthenticationTokenAudience', message: 'wrong audience' } })
    )
    const { client, calls } = setup()
    await expect(
      client.send({ method: 'GET', url: `${server.origin}/x`, auth: { kind: 'token', resource: ARM } })
    ).rejects.toMatchObject({ status: 401 })
    expect(server.requests).toHaveLength(1)
    expect(calls).toHaveLength(1)
  })

  it('sends a fixed bearer credential and masks it and the request secrets', async () => {
    const server = await serve((_req, res) => json(res, 200, {}))
    const { client, masked } = setup()

    await client.send({
      method: 'POST',
      url: `${server.origin}/score`,
      auth: { kind: 'bearer', value: 'scoring-key-1' },
      body: { data: [[1, 2]] },
      secrets: ['pa ss~word']
    })

    expect(server.requests[0].headers.authorization).toBe('Bearer scoring-key-1')
    expect(masked).toEqual(expect.arrayContaining(['scoring-key-1', 'pa ss~word', 'pa+ss%7Eword']))
  })

  it('refuses a credential over plain http to a non-loopback host, before any token or connection', async () => {
    const { client, calls } = setup()
    // 10.255.255.1 is unroutable: had the client tried to connect, this test would hang until the timeout.
    await expect(
      client.send({
        method: 'GET',
        url: 'http://10.255.255.1/x',
        auth: { kind: 'token', resource: ARM },
        timeoutMs: 30_000
      })
    ).rejects.toThrow('Refusing to send a credential over plain http to 10.255.255.1: use an https:// URL')
    await expect(
      client.send({ method: 'POST', url: 'http://10.255.255.1/score', auth: { kind: 'bearer', value: 'k' } })
    ).rejects.toThrow(/Refusing to send a credential over plain http/)
    await expect(
      client.send({
        method: 'GET',
        url: 'http://10.255.255.1/x',
        auth: { kind: 'none' },
        headers: { Authorization: 'Basic x' }
      })
    ).rejects.toThrow(/Refusing to send a credential over plain http/)
    expect(calls).toEqual([])
  })
})

describe('retries', () => {
  it('waits what Retry-After asks, then retries with the same client request id', async () => {
    const server = await serve((_req, res, _recorded, index) =>
      index === 0 ? json(res, 503, {}, { 'retry-after': '3', 'x-ms-request-id': 'r1' }) : json(res, 200, { done: true })
    )
    const { client, waits, logs } = setup()

    const response = await client.send({ method: 'GET', url: `${server.origin}/x`, auth: { kind: 'none' } })

    expect(response.body).toBe('{"done":true}')
    expect(waits).toEqual([3000])
    const [first, second] = server.requests.map(r => r.headers['x-ms-client-request-id'])
    expect(first).toMatch(UUID)
    expect(second).toBe(first)
    expect(logs.text()).toContain(
      `HTTP GET ${server.origin}/x: attempt 2/8 in 3 s: status 503; the server asked for 3 s`
    )
    expect(logs.text()).toMatch(/-> 503 Service Unavailable in \d+ ms \(attempt 1\/8, x-ms-request-id: r1,/)
  })

  it('retries when the server drops the connection before answering', async () => {
    const server = await serve((req, res, _recorded, index) =>
      index === 0 ? req.socket.destroy() : json(res, 200, { ok: 1 })
    )
    const { client, waits, logs } = setup()

    const response = await client.send({ method: 'GET', url: `${server.origin}/x`, auth: { kind: 'none' } })

    expect(response.status).toBe(200)
    expect(server.requests).toHaveLength(2)
    expect(waits).toHaveLength(1)
    expect(logs.text()).toMatch(/-> error (ECONNRESET: )?socket hang up/)
  })

  it('retries when the connection drops in the middle of the response body', async () => {
    const server = await serve((req, res, _recorded, index) => {
      if (index > 0) return json(res, 200, { whole: true })
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' })
      res.write('{"partial":')
      setTimeout(() => req.socket.destroy(), 20)
    })
    const { client, waits } = setup()

    const response = await client.send({ method: 'GET', url: `${server.origin}/x`, auth: { kind: 'none' } })

    expect(response.body).toBe('{"whole":true}')
    expect(server.requests).toHaveLength(2)
    expect(waits).toHaveLength(1)
  })

  it('retries an attempt that exceeds its timeout', async () => {
    const server = await serve((_req, res, _recorded, index) => {
      if (index > 0) json(res, 200, { late: false })
      // the first request is never answered
    })
    const { client, logs } = setup()

    const response = await client.send({
      method: 'GET',
      url: `${server.origin}/x`,
      auth: { kind: 'none' },
      timeoutMs: 150
    })

    expect(response.body).toBe('{"late":false}')
    expect(server.requests).toHaveLength(2)
    expect(logs.text()).toContain('-> error ETIMEDOUT: no complete response within 150 ms')
  })

  it('does not repeat a POST after a 503 unless it is idempotent', async () => {
    const server = await serve((_req, res) => json(res, 503, { error: { code: 'ServiceBusy', message: 'try later' } }))
    const { client, waits } = setup({ maxAttempts: 3 })

    await expect(
      client.send({ method: 'POST', url: `${server.origin}/startrun`, auth: { kind: 'none' }, body: {} })
    ).rejects.toMatchObject({ status: 503, code: 'ServiceBusy' })
    expect(server.requests).toHaveLength(1)
    expect(waits).toEqual([])

    await expect(
      client.send({
        method: 'POST',
        url: `${server.origin}/startrun?runId=r1`,
        auth: { kind: 'none' },
        body: {},
        idempotent: true
      })
    ).rejects.toBeInstanceOf(AzureRequestError)
    expect(server.requests).toHaveLength(4)
    expect(waits).toHaveLength(2)
  })

  it('does not retry a 400', async () => {
    const server = await serve((_req, res) => json(res, 400, { code: 'BadArgument', message: 'no' }))
    const { client, waits } = setup()
    await expect(
      client.send({ method: 'PUT', url: `${server.origin}/x`, auth: { kind: 'none' }, body: {} })
    ).rejects.toThrow(`PUT ${server.origin}/x failed: 400 Bad Request: BadArgument: no`)
    expect(server.requests).toHaveLength(1)
    expect(waits).toEqual([])
  })

  it('narrows the retries per request: only the listed statuses, within its own attempt budget', async () => {
    const statuses = [503, 503, 503, 503, 200]
    const server = await serve((_req, res, _recorded, index) => json(res, statuses[index] ?? 200, {}))
    const { client, waits, logs } = setup()
    const score = (path: string) =>
      client.send({
        method: 'POST',
        url: `${server.origin}${path}`,
        auth: { kind: 'bearer', value: 'k3y-s3cr3t' },
        body: { data: [[1]] },
        idempotent: true,
        retry: { maxAttempts: 3, statuses: [503, 504] }
      })

    await expect(score('/score')).rejects.toMatchObject({ status: 503 })
    expect(server.requests).toHaveLength(3)
    expect(waits).toHaveLength(2)
    expect(logs.text()).toContain('attempt 3/3')

    // A retryable status left out of the list (500 here) is not retried; neither is a 401.
    const other = await serve((_req, res, _recorded, index) => json(res, index === 0 ? 500 : 401, {}))
    await expect(
      client.send({
        method: 'POST',
        url: `${other.origin}/score`,
        auth: { kind: 'none' },
        idempotent: true,
        retry: { statuses: [503, 504] }
      })
    ).rejects.toMatchObject({ status: 500 })
    expect(other.requests).toHaveLength(1)
    expect(logs.text()).toContain('status 500 is not retried for this request (only 503, 504)')
  })

  it('retries a connection error under a status list, and never more attempts than the client allows', async () => {
    let calls = 0
    const server = await serve((req, res) => {
      calls++
      if (calls === 1) req.socket.destroy()
      else json(res, 200, [59])
    })
    const { client } = setup({ maxAttempts: 2 })
    const response = await client.send({
      method: 'POST',
      url: `${server.origin}/score`,
      auth: { kind: 'none' },
      body: { data: [[1]] },
      idempotent: true,
      retry: { maxAttempts: 10, statuses: [503] }
    })
    expect(response.body).toBe('[59]')
    expect(calls).toBe(2)
  })

  it('gives up with a TimeoutError when the next wait would pass the deadline', async () => {
    const server = await serve((_req, res) => json(res, 429, {}, { 'retry-after': '120' }))
    const { clock, start } = fakeClock()
    const { client, waits } = setup({ clock, deadline: start + 60_000 })
    const error = await client
      .send({ method: 'GET', url: `${server.origin}/x`, auth: { kind: 'none' } })
      .catch((e: unknown) => e)

    expect(error).toBeInstanceOf(TimeoutError)
    expect((error as Error).message).toBe(
      `GET ${server.origin}/x failed: 429 Too Many Requests; gave up: the next attempt, in 2 min ` +
        `(status 429; the server asked for 2 min, Retry-After: 120), would start after the deadline (1 min left)`
    )
    expect((error as Error).cause).toBeInstanceOf(AzureRequestError)
    expect(server.requests).toHaveLength(1)
    expect(waits).toEqual([])
  })

  it('sends nothing once the deadline has passed', async () => {
    const server = await serve((_req, res) => json(res, 200, {}))
    const { clock, start } = fakeClock()
    const { client } = setup({ clock, deadline: start - 1 })
    await expect(
      client.send({ method: 'GET', url: `${server.origin}/x`, auth: { kind: 'none' } })
    ).rejects.toBeInstanceOf(TimeoutError)
    expect(server.requests).toHaveLength(0)
  })

  it('opens a streamed body again for each attempt', async () => {
    const server = await serve((_req, res, _recorded, index) => (index === 0 ? json(res, 503, {}) : json(res, 200, {})))
    const { client } = setup()
    let opens = 0
    const content = 'part-1|part-2|part-3'
    const body: StreamBody = {
      open: () => {
        opens++
        return Readable.from(content.split('|').map(part => Buffer.from(part)))
      },
      length: Buffer.byteLength('part-1part-2part-3'),
      describe: 'multipart: a, b'
    }

    await client.send({ method: 'PUT', url: `${server.origin}/upload`, auth: { kind: 'none' }, body })

    expect(opens).toBe(2)
    expect(server.requests.map(r => r.body)).toEqual(['part-1part-2part-3', 'part-1part-2part-3'])
    expect(server.requests[1].headers['content-length']).toBe('18')
  })
  it('sends a Buffer body byte for byte on each attempt', async () => {
    const server = await serve((_req, res, _recorded, index) => (index === 0 ? json(res, 502, {}) : json(res, 200, {})))
    const { client } = setup()
    const bytes = Buffer.from('héllo wörld', 'utf8')

    await client.send({ method: 'PUT', url: `${server.origin}/blob`, auth: { kind: 'none' }, body: bytes })

    expect(server.requests.map(r => r.body)).toEqual(['héllo wörld', 'héllo wörld'])
    expect(server.requests[1].headers['content-length']).toBe(String(bytes.length))
  })

  it('fails at once, without hanging, when the body stream errors', async () => {
    const server = await serve((_req, res) => json(res, 200, {}))
    const { client, waits } = setup()
    let opens = 0
    const body: StreamBody = {
      open: () => {
        opens++
        return new Readable({
          read() {
            this.destroy(Object.assign(new Error('ENOENT: no such file, open project.zip'), { code: 'ENOENT' }))
          }
        })
      },
      describe: 'multipart: projectZipFile'
    }

    await expect(
      client.send({ method: 'PUT', url: `${server.origin}/upload`, auth: { kind: 'none' }, body, timeoutMs: 30_000 })
    ).rejects.toThrow(
      `PUT ${server.origin}/upload failed: Reading the request body failed: ENOENT: no such file, open project.zip`
    )
    expect(opens).toBe(1)
    expect(waits).toEqual([])
  })
})

describe('redirects', () => {
  it('drops Authorization when a redirect leads to another host', async () => {
    const other = await serve((_req, res) => json(res, 200, { from: 'other' }), 'localhost')
    const origin = await serve(
      (_req, res) => void res.writeHead(307, { location: `http://localhost:${other.port}/b?x=1` }).end()
    )
    const { client, logs } = setup()

    const response = await client.send({
      method: 'GET',
      url: `${origin.origin}/a`,
      auth: { kind: 'token', resource: ARM },
      headers: { 'api-key': 'custom-secret' }
    })

    expect(response).toMatchObject({
      status: 200,
      body: '{"from":"other"}',
      url: `http://localhost:${other.port}/b?x=1`
    })
    expect(origin.requests[0].headers.authorization).toBe('Bearer token-1-s3cr3t')
    expect(origin.requests[0].headers['api-key']).toBe('custom-secret')
    expect(other.requests).toHaveLength(1)
    expect(other.requests[0].headers.authorization).toBeUndefined()
    expect(other.requests[0].headers['api-key']).toBeUndefined()
    expect(other.requests[0].headers['user-agent']).toBe(USER_AGENT)
    expect(logs.text()).toContain('(another origin: credentials dropped)')
  })

  it('keeps Authorization on a relative redirect to the same origin', async () => {
    const server = await serve((req, res) =>
      req.url === '/first' ? void res.writeHead(302, { location: '/second' }).end() : json(res, 200, { at: req.url })
    )
    const { client } = setup()

    const response = await client.send({
      method: 'GET',
      url: `${server.origin}/first`,
      auth: { kind: 'token', resource: ARM }
    })

    expect(response.body).toBe('{"at":"/second"}')
    expect(server.requests.map(r => [r.url, r.headers.authorization])).toEqual([
      ['/first', 'Bearer token-1-s3cr3t'],
      ['/second', 'Bearer token-1-s3cr3t']
    ])
  })
})

describe('debug log', () => {
  it('logs one line per attempt without bodies, tokens, cookies or URL secrets', async () => {
    const server = await serve((_req, res) =>
      json(
        res,
        200,
        { key: 'response-secret-value' },
        { 'set-cookie': 'session=cookie-secret-value', 'x-ms-request-id': 'req-7' }
      )
    )
    const { client, logs } = setup()
    const body = { properties: { password: 'body-secret-value' } }

    await client.send({
      method: 'PUT',
      url: `${server.origin}/computes/c?api-version=1&sig=sig-secret-value`,
      auth: { kind: 'token', resource: ARM },
      body
    })

    const text = logs.text()
    for (const secret of [
      'body-secret-value',
      'response-secret-value',
      'token-1-s3cr3t',
      'cookie-secret-value',
      'sig-secret-value'
    ]) {
      expect(text).not.toContain(secret)
    }
    const redactedUrl = `${server.origin}/computes/c?api-version=1&sig=***`
    expect(logs.lines.every(line => line.level === 'debug')).toBe(true)
    expect(logs.lines).toHaveLength(2)
    expect(logs.lines[0].message).toContain(`HTTP PUT ${redactedUrl} request headers: {`)
    expect(logs.lines[0].message).toContain('"Authorization":"Bearer ***"')
    expect(logs.lines[1].message).toMatch(
      new RegExp(
        `^HTTP PUT ${redactedUrl.replace(/[?*.]/g, '\\$&')} -> 200 OK in \\d+ ms \\(attempt 1/8, x-ms-request-id: req-7, ` +
          `request body: \\[${JSON.stringify(body).length} bytes redacted\\], response body: \\[${'{"key":"response-secret-value"}'.length} bytes redacted\\], ` +
          `response headers: \\{.*"set-cookie":"\\*\\*\\*"`
      )
    )
  })
})

describe('dry-run', () => {
  it('prints a PUT as curl and does not send it', async () => {
    const server = await serve((_req, res) => json(res, 200, {}))
    const { client, calls, logs } = setup({ dryRun: true })

    const response = await client.send({
      method: 'PUT',
      url: `${server.origin}/ws?api-version=2019-11-01`,
      auth: { kind: 'token', resource: ARM },
      body: { location: "west'europe", password: 'pw-1' },
      secrets: ['pw-1']
    })

    expect(response).toEqual({ status: 0, headers: {}, body: '', dryRun: true })
    expect(server.requests).toHaveLength(0)
    expect(calls).toEqual([])
    const printed = logs.lines.filter(line => line.level === 'info').map(line => line.message)
    expect(printed).toHaveLength(1)
    const lines = printed[0].split('\n')
    expect(lines[0]).toBe('# dry-run: not sent (it would change the service)')
    expect(lines[1]).toBe(`curl -X PUT '${server.origin}/ws?api-version=2019-11-01' \\`)
    expect(lines).toContain(`  -H 'Authorization: Bearer ***' \\`)
    expect(lines).toContain(`  -H 'Content-Type: application/json' \\`)
    expect(lines).toContain(`  -H 'User-Agent: ${USER_AGENT}' \\`)
    expect(lines.at(-1)).toBe(`  -d '{"location":"west'\\''europe","password":"***"}'`)
  })

  it('still sends read-only requests, printing them too', async () => {
    const server = await serve((_req, res) => json(res, 200, { value: [] }))
    const { client, logs } = setup({ dryRun: true })

    const get = await client.send({ method: 'GET', url: `${server.origin}/ws`, auth: { kind: 'token', resource: ARM } })
    const query = await client.send({
      method: 'POST',
      url: `${server.origin}/experiments:query`,
      auth: { kind: 'token', resource: ARM },
      body: {},
      readOnly: true
    })

    expect(get).toMatchObject({ status: 200, body: '{"value":[]}' })
    expect(get.dryRun).toBeUndefined()
    expect(query.status).toBe(200)
    expect(server.requests.map(r => `${r.method} ${r.url}`)).toEqual(['GET /ws', 'POST /experiments:query'])
    const printed = logs.lines.filter(line => line.level === 'info').map(line => line.message)
    expect(printed[0]).toBe(
      `# dry-run: read-only, sent\ncurl '${server.origin}/ws' \\\n  -H 'User-Agent: ${USER_AGENT}' \\\n` +
        `  -H 'Accept: application/json' \\\n  -H 'x-ms-client-request-id: ${server.requests[0].headers['x-ms-client-request-id']}' \\\n` +
        `  -H 'Authorization: Bearer ***'`
    )
    expect(printed[1]).toContain(`curl -X POST '${server.origin}/experiments:query'`)
  })
})

describe('parseJson', () => {
  const broken = { status: 200, headers: { 'content-type': 'application/json' }, body: '{"key": "acct-key-123' }
  it('quotes the start of a body that is not JSON', () => {
    expect(() => parseJson(broken)).toThrow(/starting with: \{"key": "acct-key-123/)
  })
  it('quotes nothing of an answer that holds secrets (listSecrets, listKeys, token)', () => {
    expect(() => parseJson(broken, { holdsSecrets: true })).toThrow(ResponseFormatError)
    expect(() => parseJson(broken, { holdsSecrets: true })).toThrow(/not shown: the answer holds secrets/)
    let message = ''
    try {
      parseJson(broken, { holdsSecrets: true })
    } catch (error) {
      message = String(error)
    }
    expect(message).not.toContain('acct-key-123')
  })
})
