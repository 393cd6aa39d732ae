/**
 * Issue 13 kind 11: which requests skip `https_proxy`. NO_PROXY entries match as curl (`--noproxy`) and the runner
 * (ADR 0263) match them, where @actions/http-client 4.0.1's own check missed `*.azure.com`.
 */
import { describe, expect, it } from '@jest/globals'
import { checkBypass } from '@actions/http-client/lib/proxy'
import { bypassesProxy, noProxyFromEnv } from '../../src/http/transport.js'

const ARM = new URL('https://management.azure.com/subscriptions?api-version=2022-09-01')

describe('bypassesProxy', () => {
  it.each(['*.azure.com', '.azure.com', 'azure.com', 'management.azure.com', 'AZURE.COM', '*.Azure.Com.'])(
    '%s covers management.azure.com',
    entry => {
      expect(bypassesProxy(ARM, `localhost,${entry}`)).toBe(true)
    }
  )

  it('the example of the issue: NO_PROXY=localhost,*.azure.com (which @actions/http-client itself missed)', () => {
    expect(bypassesProxy(ARM, 'localhost,*.azure.com')).toBe(true)
    const saved = { no: process.env.no_proxy, NO: process.env.NO_PROXY }
    process.env.no_proxy = 'localhost,*.azure.com'
    try {
      expect(checkBypass(ARM)).toBe(false)
    } finally {
      if (saved.no === undefined) delete process.env.no_proxy
      else process.env.no_proxy = saved.no
    }
  })

  it('a leading *. or . also covers the name itself, as curl (leading dot ignored) and Go (net/http) do', () => {
    expect(bypassesProxy(new URL('https://azure.com/'), '*.azure.com')).toBe(true)
    expect(bypassesProxy(ARM, '*.management.azure.com')).toBe(true)
  })

  it('* alone means no proxy for any host; * inside a list too', () => {
    expect(bypassesProxy(ARM, '*')).toBe(true)
    expect(bypassesProxy(new URL('https://login.microsoftonline.com/'), 'example.org, *')).toBe(true)
  })

  it.each(['azure.co', 'notazure.com', 'zure.com', '*.login.azure.com', 'management.azure.com.evil', ''])(
    '%j does not cover management.azure.com',
    entry => {
      expect(bypassesProxy(ARM, entry)).toBe(false)
    }
  )

  it('entries are separated by commas or spaces and trimmed', () => {
    expect(bypassesProxy(ARM, ' example.org ,  azure.com ')).toBe(true)
    expect(bypassesProxy(ARM, 'example.org azure.com')).toBe(true)
    expect(bypassesProxy(ARM, ',,')).toBe(false)
  })

  it('an entry with a port covers that port only (443 for https without one)', () => {
    expect(bypassesProxy(ARM, 'azure.com:443')).toBe(true)
    expect(bypassesProxy(ARM, 'azure.com:8443')).toBe(false)
    expect(bypassesProxy(new URL('https://management.azure.com:8443/'), '.azure.com:8443')).toBe(true)
    expect(bypassesProxy(new URL('http://example.org/'), 'example.org:80')).toBe(true)
  })

  it('IP addresses and CIDR ranges match by address', () => {
    expect(bypassesProxy(new URL('https://10.1.2.3/'), '10.0.0.0/8')).toBe(true)
    expect(bypassesProxy(new URL('https://10.1.2.3/'), '10.1.2.3')).toBe(true)
    expect(bypassesProxy(new URL('https://11.1.2.3/'), '10.0.0.0/8')).toBe(false)
    expect(bypassesProxy(new URL('https://[fd00::5]/'), 'fd00::/8')).toBe(true)
    expect(bypassesProxy(new URL('https://[fd00::5]/'), '[fd00::5]')).toBe(true)
    expect(bypassesProxy(new URL('https://10.1.2.3/'), '1.2.3')).toBe(false)
  })

  it('loopback always goes direct, as the library does (the emulator, a local stand-in)', () => {
    expect(bypassesProxy(new URL('http://127.0.0.1:8080/'), '')).toBe(true)
    expect(bypassesProxy(new URL('http://localhost:8080/'), '')).toBe(true)
    expect(bypassesProxy(new URL('http://[::1]:8080/'), '')).toBe(true)
  })

  it('reads no_proxy before NO_PROXY, as @actions/http-client and curl do', () => {
    expect(noProxyFromEnv({ no_proxy: 'a.example', NO_PROXY: 'b.example' })).toBe('a.example')
    expect(noProxyFromEnv({ NO_PROXY: 'b.example' })).toBe('b.example')
    expect(noProxyFromEnv({ no_proxy: '', NO_PROXY: 'b.example' })).toBe('b.example')
    expect(noProxyFromEnv({})).toBe('')
  })

  it('covers everything the library bypasses, so its proxy agent is only used where ours agrees', () => {
    const urls = [ARM, new URL('http://example.org:8080/x'), new URL('https://a.b.example.org/')]
    const lists = ['.azure.com', 'azure.com', 'management.azure.com:443', 'example.org:8080', '.example.org', '*']
    const saved = process.env.no_proxy
    try {
      for (const list of lists) {
        process.env.no_proxy = list
        for (const url of urls) if (checkBypass(url)) expect(bypassesProxy(url, list)).toBe(true)
      }
    } finally {
      if (saved === undefined) delete process.env.no_proxy
      else process.env.no_proxy = saved
    }
  })
})
