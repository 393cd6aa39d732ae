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

export async function createTls(stateDir: string, host: string): Promise<TlsFiles> {
  const notBeforeDate = new Date(Date.now() - 60_000)
  const notAfterDate = new Date(Date.now() + 365 * 24 * 3600_000)
  const ca = await generate([{ name: 'commonName', value: 'Azure ML Emulator Local CA' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true }
    ]
  })
  const altNames: { type: 2 | 7; value?: string; ip?: string }[] = [
    { type: 2, value: 'localhost' },
    { type: 7, ip: '127.0.0.1' },
    { type: 7, ip: '::1' }
  ]
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host) && host !== '127.0.0.1' && host !== '0.0.0.0')
    altNames.push({ type: 7, ip: host })
  else if (!/^[\d.:]+$/.test(host) && host !== 'localhost') altNames.push({ type: 2, value: host })
  const leaf = await generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames }
    ]
  })
  const files: TlsFiles = {
    caCertPath: join(stateDir, 'ca.pem'),
    certPath: join(stateDir, 'cert.pem'),
    keyPath: join(stateDir, 'key.pem'),
    cert: leaf.cert,
    key: leaf.private,
    ca: ca.cert
  }
  writeFileSync(files.caCertPath, ca.cert)
  // The server presents its certificate followed by the CA's, as a chain.
  writeFileSync(files.certPath, `${leaf.cert.trim()}\n${ca.cert.trim()}\n`)
  writeFileSync(files.keyPath, leaf.private, { mode: 0o600 })
  return files
}
