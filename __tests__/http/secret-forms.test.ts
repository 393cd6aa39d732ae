/**
 * Issue 13 kind 1, a secret in every form a log can show: a key or token with a line break is refused by name before
 * any request; a legitimate multi-line secret is masked line by line; every form (raw, JSON-escaped, URI-encoded both
 * ways, form-encoded) is registered; a printed URL never carries a known secret.
 */
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals'
import * as core from '../../__fixtures__/core.js'
import { captureLog, fakeClock, fakeTokens, json, startServer, type TestServer } from './helpers.js'

jest.unstable_mockModule('@actions/core', () => core)
const { optionalSecret } = await import('../../src/action/input-readers.js')
const { maskSecret } = await import('../../src/auth/mask.js')
const { createHttpClient } = await import('../../src/http/client.js')
const { headerValueProblem, printableUrl, secretForms, strictUriEncoded } = await import('../../src/http/redact.js')

beforeEach(() => core.resetCoreFixture())

const servers: TestServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map(s => s.close()))
})

function masked(): string[] {
  return core.setSecret.mock.calls.map(call => call[0])
}

describe('a key or token with a line break is refused by name', () => {
  it.each([
    ['abc\r\ndef', 'a line break'],
    ['abc\ndef', 'a line break'],
    ['abc\u2028def', 'a line break'],
    ['abc\u0007def', 'a control character'],
    ['abc\u20acdef', 'a character outside Latin-1 (U+20AC)']
  ])('%j: Input names the input and the problem, never the value', (value, problem) => {
    core.setInputs({ 'scoring-key': value })
    let error: Error | undefined
    try {
      optionalSecret('scoring-key', { singleLine: true })
    } catch (e) {
      error = e as Error
    }
    expect(error?.message).toMatch(new RegExp(`^Input 'scoring-key': contains ${problem.replace(/[()+]/g, '\\$&')}`))
    expect(error?.message).not.toContain('abc')
    // Masked before the refusal: every line on its own too.
    expect(masked()).toContain(value)
    if (/[\r\n]/.test(value)) expect(masked()).toEqual(expect.arrayContaining(['abc', 'def']))
  })

  it('surrounding whitespace and a trailing newline are trimmed, not refused', () => {
    core.setInputs({ 'github-token': '  ghp_abcdef0123\n' })
    expect(optionalSecret('github-token', { singleLine: true })).toBe('ghp_abcdef0123')
  })

  it('a multi-line secret without singleLine (a client secret, a PEM) is accepted and masked line by line', () => {
    const pem = '-----BEGIN KEY-----\nMIIB~x+y/z=\nab\n-----END KEY-----'
    core.setInputs({ 'client-secret': pem })
    expect(optionalSecret('client-secret')).toBe(pem)
    const forms = masked()
    for (const line of pem.split('\n')) {
      expect(forms).toContain(line)
      expect(forms).toContain(encodeURIComponent(line))
      expect(forms).toContain(new URLSearchParams({ s: line }).toString().slice(2))
    }
    expect(forms).toContain(JSON.stringify(pem).slice(1, -1))
  })
})

describe('every form of a secret is masked', () => {
  it('raw, JSON-escaped, encodeURIComponent, RFC 3986 and form-encoded', () => {
    const secret = `k!e'y(1)*~ +/="\\`
    expect(secretForms(secret)).toEqual(
      expect.arrayContaining([
        secret,
        JSON.stringify(secret).slice(1, -1),
        encodeURIComponent(secret),
        strictUriEncoded(secret),
        new URLSearchParams({ s: secret }).toString().slice(2)
      ])
    )
    expect(strictUriEncoded("!'()*")).toBe('%21%27%28%29%2A')
  })

  it('maskSecret registers each line of a CRLF secret, raw and trimmed, in each form, once', () => {
    const forms = maskSecret('first line \r\n second~line')
    expect(forms).toEqual(expect.arrayContaining(['first line', 'second~line', 'second%7Eline', 'first+line']))
    expect(new Set(masked()).size).toBe(masked().length)
  })
})

describe('a printed URL never carries a known secret', () => {
  it('masks the secret under any query name and in a path, in each encoding', () => {
    const key = 'k~e y+1'
    const url = `https://ep.example/score/${encodeURIComponent(key)}?auth=${encodeURIComponent(key)}&x=1`
    expect(printableUrl(url, [key])).toBe('https://ep.example/score/***?auth=***&x=1')
    expect(
      printableUrl(`https://ep.example/s?auth=${new URLSearchParams({ s: key }).toString().slice(2)}`, [key])
    ).toBe('https://ep.example/s?auth=***')
    expect(printableUrl('https://ep.example/s?v=1&k=2', [], true)).toBe('https://ep.example/s?v=***&k=***')
  })

  it('the client debug line masks a key that sits in the request URL', async () => {
    const server = await startServer((_req, res) => json(res, 200, {}))
    servers.push(server)
    const logs = captureLog()
    const client = createHttpClient({
      tokens: fakeTokens().tokens,
      clock: fakeClock().clock,
      userAgent: 't',
      log: logs.log,
      mask: () => {}
    })
    await client.send({
      method: 'GET',
      url: `${server.origin}/s?q=Secret-Key-77`,
      auth: { kind: 'bearer', value: 'Secret-Key-77' }
    })
    expect(logs.text()).toContain(`GET ${server.origin}/s?q=***`)
    expect(logs.text()).not.toContain('Secret-Key-77')
  })
})

describe('a header value HTTP cannot carry fails before anything is sent, naming the header, not the value', () => {
  it('a bearer credential with a line break', async () => {
    const server = await startServer((_req, res) => json(res, 200, {}))
    servers.push(server)
    const client = createHttpClient({
      tokens: fakeTokens().tokens,
      clock: fakeClock().clock,
      userAgent: 't',
      log: captureLog().log,
      mask: () => {}
    })
    const error = (await client
      .send({ method: 'POST', url: `${server.origin}/score`, auth: { kind: 'bearer', value: 'abc\r\ndef' }, body: {} })
      .catch((e: unknown) => e)) as Error
    expect(error.message).toBe(
      `POST ${server.origin}/score: not sent: the credential in the Authorization header contains a line break, ` +
        'which an HTTP header cannot carry'
    )
    expect(server.requests).toHaveLength(0)
  })

  it('headerValueProblem names line breaks, control characters and non-Latin-1 characters', () => {
    expect(headerValueProblem('Bearer abc')).toBeUndefined()
    expect(headerValueProblem('a\tb é')).toBeUndefined()
    expect(headerValueProblem('a\nb')).toBe('a line break')
    expect(headerValueProblem('a\u0000b')).toBe('a control character')
    expect(headerValueProblem('a\u2603b')).toBe('a character outside Latin-1 (U+2603)')
  })
})
