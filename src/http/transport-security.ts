/**
 * Where a credential may go. A token or key is sent over plain `http:` only to this machine (the emulator, a test
 * server); anywhere else it must be `https:`, so nobody on the network path can read it.
 */

/** 127.0.0.0/8, `localhost` (and `*.localhost`, RFC 6761), `[::1]` and its IPv4-mapped forms. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '')
  if (host === 'localhost' || host.endsWith('.localhost')) return true
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) return true
  // URL keeps IPv6 hosts in brackets and compresses them: [::1], [::ffff:7f00:1] (= ::ffff:127.0.0.1).
  if (host === '[::1]') return true
  return /^\[::ffff:(7f[0-9a-f]{2}:[0-9a-f]{1,4}|127\.\d{1,3}\.\d{1,3}\.\d{1,3})\]$/.test(host)
}

/** Parses a request URL, accepting only http and https. */
export function parseRequestUrl(url: string): URL {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new Error(`Not a valid URL: '${url.slice(0, 200)}'`)
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new Error(`Unsupported URL scheme '${parsed.protocol}' in ${parsed.origin}: use https`)
  }
  return parsed
}

/** Throws, before anything is sent, when a credential would travel over plain http to a host that is not loopback. */
export function assertCredentialTransport(url: URL, carriesCredential: boolean): void {
  if (!carriesCredential || url.protocol === 'https:' || isLoopbackHost(url.hostname)) return
  throw new Error(
    `Refusing to send a credential over plain http to ${url.host}: use an https:// URL ` +
      `(plain http is allowed only to a loopback host such as 127.0.0.1 or localhost)`
  )
}
