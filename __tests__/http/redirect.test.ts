import { describe, expect, it } from '@jest/globals'
import { planRedirect, withoutCredentials } from '../../src/http/redirect.js'
import { assertCredentialTransport, isLoopbackHost, parseRequestUrl } from '../../src/http/transport-security.js'

const from = new URL('https://management.azure.com/a/b?x=1')

describe('planRedirect', () => {
  it('resolves a relative Location and keeps credentials on the same origin', () => {
    expect(planRedirect(from, 307, '/c', 'PUT')).toEqual({
      url: new URL('https://management.azure.com/c'),
      method: 'PUT',
      keepBody: true,
      dropCredentials: false
    })
  })
  it('drops credentials when the host or the port changes', () => {
    expect(planRedirect(from, 302, 'https://evil.example/c', 'GET')?.dropCredentials).toBe(true)
    expect(planRedirect(from, 302, 'https://management.azure.com:8443/c', 'GET')?.dropCredentials).toBe(true)
  })
  it('turns a POST into a GET without body on 301/302/303, keeps it on 307/308', () => {
    expect(planRedirect(from, 303, '/c', 'PUT')).toMatchObject({ method: 'GET', keepBody: false })
    expect(planRedirect(from, 302, '/c', 'POST')).toMatchObject({ method: 'GET', keepBody: false })
    expect(planRedirect(from, 302, '/c', 'DELETE')).toMatchObject({ method: 'DELETE', keepBody: true })
    expect(planRedirect(from, 308, '/c', 'POST')).toMatchObject({ method: 'POST', keepBody: true })
    expect(planRedirect(from, 303, '/c', 'HEAD')).toMatchObject({ method: 'HEAD' })
  })
  it('refuses a downgrade to http and odd schemes', () => {
    expect(() => planRedirect(from, 302, 'http://management.azure.com/c', 'GET')).toThrow(/from https to plain http/)
    expect(() => planRedirect(from, 302, 'file:///etc/passwd', 'GET')).toThrow(/unsupported scheme/)
  })
  it('is not a redirect without a Location or with another status', () => {
    expect(planRedirect(from, 302, undefined, 'GET')).toBeUndefined()
    expect(planRedirect(from, 304, '/c', 'GET')).toBeUndefined()
    expect(planRedirect(from, 200, '/c', 'GET')).toBeUndefined()
  })
})

describe('withoutCredentials', () => {
  it('drops Authorization, cookies and key headers, keeps the rest', () => {
    expect(
      withoutCredentials({ Authorization: 'Bearer t', cookie: 'c', 'api-key': 'k', Accept: 'application/json' })
    ).toEqual({ Accept: 'application/json' })
  })
})

describe('transport security', () => {
  it.each(['127.0.0.1', '127.8.9.10', 'localhost', 'LOCALHOST', 'api.localhost', '[::1]', '[::ffff:7f00:1]'])(
    '%s is loopback',
    host => expect(isLoopbackHost(host)).toBe(true)
  )
  it.each(['10.0.0.1', '128.0.0.1', 'localhost.example.com', '127.0.0.1.nip.io', '[::2]', 'example.com'])(
    '%s is not loopback',
    host => expect(isLoopbackHost(host)).toBe(false)
  )
  it('refuses a credential over plain http to another host, allows https, loopback and anonymous', () => {
    expect(() => assertCredentialTransport(new URL('http://10.0.0.1/x'), true)).toThrow(
      /Refusing to send a credential over plain http to 10\.0\.0\.1/
    )
    expect(() => assertCredentialTransport(new URL('https://10.0.0.1/x'), true)).not.toThrow()
    expect(() => assertCredentialTransport(new URL('http://127.0.0.1:8080/x'), true)).not.toThrow()
    expect(() => assertCredentialTransport(new URL('http://10.0.0.1/x'), false)).not.toThrow()
  })
  it('accepts only http and https URLs', () => {
    expect(() => parseRequestUrl('ftp://h/x')).toThrow(/Unsupported URL scheme/)
    expect(() => parseRequestUrl('not a url')).toThrow(/Not a valid URL/)
  })
})
