import { describe, expect, it } from '@jest/globals'
import { maskKnownSecrets, oneLine, redactHeaders, redactUrl } from '../../src/http/redact.js'

describe('redactUrl', () => {
  it('masks credential query values and keeps the rest byte for byte', () => {
    const url =
      'https://acct.blob.core.windows.net/c/b?sv=2022-11-02&sig=abc%2Fdef&se=2030&$filter=a eq b&api-version=2019-11-01'
    expect(redactUrl(url)).toBe(
      'https://acct.blob.core.windows.net/c/b?sv=2022-11-02&sig=***&se=2030&$filter=a eq b&api-version=2019-11-01'
    )
  })
  it.each(['code', 'key', 'token', 'client_secret', 'access_token', 'client_assertion', 'api-key', 'Signature'])(
    'masks %s',
    name => {
      expect(redactUrl(`https://h/p?${name}=s3cret&x=1`)).toBe(`https://h/p?${name}=***&x=1`)
    }
  )
  it('masks user info and keeps the fragment', () => {
    expect(redactUrl(new URL('https://user:pw@h/p?code=1#frag'))).toBe('https://***@h/p?code=***#frag')
  })
  it('leaves a URL without a query alone', () => {
    expect(redactUrl('https://management.azure.com/subscriptions/x')).toBe(
      'https://management.azure.com/subscriptions/x'
    )
  })
})

describe('redactHeaders', () => {
  it('masks credentials and keeps the Authorization scheme', () => {
    expect(
      redactHeaders({
        Authorization: 'Bearer eyJ0eXAi',
        'proxy-authorization': 'Basic dXNlcjpwdw==',
        Cookie: 'a=b',
        'set-cookie': ['x=1', 'y=2'],
        'api-key': 'k',
        'x-functions-key': 'k',
        'Ocp-Apim-Subscription-Key': 'k',
        'x-ms-request-id': 'req-1',
        'keep-alive': 'timeout=5',
        'content-length': 12
      })
    ).toEqual({
      Authorization: 'Bearer ***',
      'proxy-authorization': 'Basic ***',
      Cookie: '***',
      'set-cookie': '***',
      'api-key': '***',
      'x-functions-key': '***',
      'Ocp-Apim-Subscription-Key': '***',
      'x-ms-request-id': 'req-1',
      'keep-alive': 'timeout=5',
      'content-length': '12'
    })
  })
})

describe('maskKnownSecrets', () => {
  it('masks raw, JSON-escaped, URI-encoded and form-encoded forms', () => {
    const secret = 'a~b c+d/e=f%g"h'
    const text = [
      secret,
      JSON.stringify(secret),
      encodeURIComponent(secret),
      new URLSearchParams({ client_secret: secret }).toString()
    ].join(' | ')
    const masked = maskKnownSecrets(text, [secret])
    expect(masked).toBe('*** | "***" | *** | client_secret=***')
  })
  it('ignores empty secrets', () => {
    expect(maskKnownSecrets('abc', [''])).toBe('abc')
  })
})

describe('oneLine', () => {
  it('flattens line breaks so service text cannot start a line', () => {
    expect(oneLine('bad\n::error::injected\r\n\tend')).toBe('bad ::error::injected end')
  })
  it('truncates long text and says how much was cut', () => {
    expect(oneLine('x'.repeat(600))).toBe(`${'x'.repeat(500)}… [100 more characters]`)
  })
})
