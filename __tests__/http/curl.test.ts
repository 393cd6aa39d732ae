import { describe, expect, it } from '@jest/globals'
import { Readable } from 'node:stream'
import { shellQuote, toCurl } from '../../src/http/curl.js'

describe('shellQuote', () => {
  it('single-quotes, escaping embedded single quotes', () => {
    expect(shellQuote(`it's`)).toBe(`'it'\\''s'`)
    expect(shellQuote('$HOME `id` "x"')).toBe(`'$HOME \`id\` "x"'`)
    expect(shellQuote('')).toBe(`''`)
  })
  it("writes line breaks with bash $'...' so the value stays on one line", () => {
    expect(shellQuote(`a\n::error::b's\\`)).toBe(`$'a\\n::error::b\\'s\\\\'`)
    expect(shellQuote('tab\there\r')).toBe(`$'tab\\there\\r'`)
    expect(shellQuote('nul\u0000')).toBe(`$'nul\\x00'`)
  })
})

describe('toCurl', () => {
  it('renders a GET without -X, with redacted URL and headers', () => {
    const curl = toCurl(
      { method: 'GET', url: 'https://h/x?api-version=1&sig=abc', auth: { kind: 'token', resource: 'r' } },
      { Authorization: 'Bearer ***', Accept: 'application/json' }
    )
    expect(curl).toBe(
      [
        `curl 'https://h/x?api-version=1&sig=***'`,
        `  -H 'Authorization: Bearer ***'`,
        `  -H 'Accept: application/json'`
      ].join(' \\\n')
    )
  })
  it('renders a PUT with a JSON body, masking the request secrets', () => {
    const curl = toCurl(
      {
        method: 'PUT',
        url: 'https://h/computes/c',
        auth: { kind: 'token', resource: 'r' },
        body: { properties: { adminPassword: "p@ss'word\n" } },
        secrets: ["p@ss'word\n"]
      },
      { 'Content-Type': 'application/json' }
    )
    expect(curl).toBe(
      [
        `curl -X PUT 'https://h/computes/c'`,
        `  -H 'Content-Type: application/json'`,
        `  -d '{"properties":{"adminPassword":"***"}}'`
      ].join(' \\\n')
    )
  })
  it('keeps a multi-line body on one line and quotes single quotes', () => {
    const curl = toCurl(
      { method: 'POST', url: 'https://h/score', auth: { kind: 'bearer', value: 'KEY123' }, body: "line1\nit's KEY123" },
      { Authorization: 'Bearer ***' }
    )
    expect(curl.split('\n')).toEqual([
      `curl -X POST 'https://h/score' \\`,
      `  -H 'Authorization: Bearer ***' \\`,
      `  -d $'line1\\nit\\'s ***'`
    ])
  })
  it('masks credential fields of a form-encoded body', () => {
    const curl = toCurl(
      {
        method: 'POST',
        url: 'https://login/t/oauth2/token',
        auth: { kind: 'none' },
        body: 'grant_type=client_credentials&client_id=abc&client_secret=a%7Eb+c'
      },
      { 'Content-Type': 'application/x-www-form-urlencoded' }
    )
    expect(curl).toContain(`-d 'grant_type=client_credentials&client_id=abc&client_secret=***'`)
  })
  it('renders a multipart stream as -F lines, without its Content-Type', () => {
    const curl = toCurl(
      {
        method: 'POST',
        url: 'https://h/startrun',
        auth: { kind: 'token', resource: 'r' },
        body: {
          open: () => Readable.from([]),
          describe: 'multipart: runDefinitionFile (definition.json), projectZipFile'
        }
      },
      { 'Content-Type': 'multipart/form-data; boundary=xyz', Authorization: 'Bearer ***' }
    )
    expect(curl).toBe(
      [
        `curl -X POST 'https://h/startrun'`,
        `  -H 'Authorization: Bearer ***'`,
        `  -F 'runDefinitionFile=@definition.json'`,
        `  -F 'projectZipFile=@projectZipFile'`
      ].join(' \\\n')
    )
  })
  it('uses --head for HEAD and --data-raw for a body starting with @', () => {
    expect(toCurl({ method: 'HEAD', url: 'https://h/', auth: { kind: 'none' } }, {})).toBe(`curl --head 'https://h/'`)
    expect(toCurl({ method: 'POST', url: 'https://h/', auth: { kind: 'none' }, body: '@file' }, {})).toContain(
      `--data-raw '@file'`
    )
  })
  it('does not print binary bodies', () => {
    const curl = toCurl(
      { method: 'PUT', url: 'https://h/', auth: { kind: 'none' }, body: Buffer.from([0, 255, 1]) },
      {}
    )
    expect(curl.split('\n')[0]).toBe('# request body: 3 bytes of binary data (not shown)')
  })
})
