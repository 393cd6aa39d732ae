/**
 * HTTPS on request: a throw-away certificate authority and a server certificate for localhost/127.0.0.1/::1 signed by
 * it, generated with `selfsigned` at start and written to the state folder. Clients trust `ca.pem`
 * (NODE_EXTRA_CA_CERTS, REQUESTS_CA_BUNDLE, curl --cacert, node:https `ca`). A CA plus a leaf rather than one
 * self-signed leaf, so that the trusted file is a real CA (basicConstraints CA, keyCertSign) and the server certificate
 * a real server certificate (serverAuth, SANs). Known limit: `selfsigned` writes no subject/authority key identifiers,
 * so verifiers in X.509 strict mode (Python 3.13's default context) refuse the chain.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { generate } from 'selfsigned'

export interface TlsFiles {
  caCertPath: string
  certPath: string
  keyPath: string
  cert: string
  key: string
  ca: string
}

/** A server certificate for `altNames`, signed by a new CA: PEM texts. Both valid from a minute ago for `lifetimeMs`. */
export interface CaAndLeaf {
  /** The CA's certificate (what clients trust). */
  ca: string
  /** The server certificate. */
  cert: string
  /** The server certificate's private key. */
  key: string
}

type AltName = { type: 2 | 7; value?: string; ip?: string }

/**
 * A throw-away CA and a server certificate signed by it (basicConstraints, keyUsage, serverAuth, the SANs given),
 * with `selfsigned`; shared by the emulator's `--https` and test servers that stand in for other hosts.
 */
export async function generateCaAndLeaf(options: {
  caName: string
  leafName: string
  altNames: AltName[]
  lifetimeMs: number
}): Promise<CaAndLeaf> {
  const notBeforeDate = new Date(Date.now() - 60_000)
  const notAfterDate = new Date(Date.now() + options.lifetimeMs)
  const ca = await generate([{ name: 'commonName', value: options.caName }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true }
    ]
  })
  const leaf = await generate([{ name: 'commonName', value: options.leafName }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: options.altNames }
    ]
  })
  return { ca: ca.cert, cert: leaf.cert, key: leaf.private }
}

export async function createTls(stateDir: string, host: string): Promise<TlsFiles> {
  const altNames: AltName[] = [
    { type: 2, value: 'localhost' },
    { type: 7, ip: '127.0.0.1' },
    { type: 7, ip: '::1' }
  ]
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host) && host !== '127.0.0.1' && host !== '0.0.0.0')
    altNames.push({ type: 7, ip: host })
  else if (!/^[\d.:]+$/.test(host) && host !== 'localhost') altNames.push({ type: 2, value: host })
  const { ca, cert, key } = await generateCaAndLeaf({
    caName: 'Azure ML Emulator Local CA',
    leafName: 'localhost',
    altNames,
    lifetimeMs: 365 * 24 * 3600_000
  })
  const files: TlsFiles = {
    caCertPath: join(stateDir, 'ca.pem'),
    certPath: join(stateDir, 'cert.pem'),
    keyPath: join(stateDir, 'key.pem'),
    cert,
    key,
    ca
  }
  writeFileSync(files.caCertPath, ca)
  // The server presents its certificate followed by the CA's, as a chain.
  writeFileSync(files.certPath, `${cert.trim()}\n${ca.trim()}\n`)
  writeFileSync(files.keyPath, key, { mode: 0o600 })
  return files
}
