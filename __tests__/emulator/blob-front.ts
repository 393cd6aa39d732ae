/**
 * Routes Azure's public blob host names to Azurite, for clients that build `https://{account}.blob.{suffix}` whatever
 * the datastore's `endpoint`/`protocol` say (azure-ai-ml 1.4: `_artifacts/_artifact_utilities.py` `get_datastore_info`
 * formats `STORAGE_ACCOUNT_URLS["AzureBlob"]` with the cloud's storage suffix). Such names cannot resolve here, so the
 * client is given an HTTP proxy (`HTTPS_PROXY`, honoured by requests/urllib3 and most HTTP stacks):
 *
 * - a CONNECT proxy on 127.0.0.1 that accepts tunnels only to `*.blob.<suffix>:443` (anything else: 403);
 * - each tunnel ends in a TLS server presenting a certificate for `*.blob.<suffix>`, signed by a CA made here (the
 *   client trusts it through its CA bundle, next to the emulator's own CA);
 * - each request is forwarded as it came (method, path, headers, Host kept) to Azurite over http: Azurite reads the
 *   account from a product-style Host (emulator/azurite.ts), so Shared Key signatures computed on the host-style path
 *   still verify.
 *
 *   const front = await startBlobFront({ suffix: 'core.windows.net', azurite: 'http://127.0.0.1:10000' })
 *   env HTTPS_PROXY=front.proxyUrl, NO_PROXY=127.0.0.1,localhost, CA bundle += front.caCert
 *   await front.close()
 */
import type { Socket } from 'node:net'
import { createServer as createHttpServer, request as httpRequest, type Server } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { generateCaAndLeaf } from '../../emulator/core/https.js'

export interface BlobFront {
  /** `http://127.0.0.1:<port>`: the value of HTTPS_PROXY. */
  proxyUrl: string
  /** PEM of the CA that signed the front's certificate. */
  caCert: string
  /** Tunnels opened, by target host (e.g. `devstoreaccount1.blob.core.windows.net:443`). */
  tunnels: string[]
  close(): Promise<void>
}

export async function startBlobFront(options: { suffix: string; azurite: string }): Promise<BlobFront> {
  const suffix = options.suffix.replace(/^\.+/, '')
  const target = new URL(options.azurite)
  const { ca, cert, key } = await generateCaAndLeaf({
    caName: 'Blob front test CA',
    leafName: `*.blob.${suffix}`,
    altNames: [{ type: 2, value: `*.blob.${suffix}` }],
    lifetimeMs: 24 * 3600_000
  })
  const tls = createHttpsServer({ cert: `${cert.trim()}\n${ca.trim()}\n`, key }, (req, res) => {
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers
      },
      answer => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      }
    )
    upstream.on('error', e => {
      res.writeHead(502, { 'Content-Type': 'text/plain' })
      res.end(`blob front: ${e.message}`)
    })
    req.pipe(upstream)
  })
  const sockets = new Set<Socket>()
  const tunnels: string[] = []
  const hostPattern = new RegExp(`^[a-z0-9]+\\.blob\\.${suffix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:443$`, 'i')
  const proxy: Server = createHttpServer((_req, res) => {
    res.writeHead(405, { 'Content-Type': 'text/plain' })
    res.end('blob front: only CONNECT')
  })
  proxy.on('connect', (req, socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    const host = req.url ?? ''
    if (!hostPattern.test(host)) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n')
      return
    }
    tunnels.push(host)
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n')
    tls.emit('connection', socket)
  })
  await new Promise<void>(resolve => proxy.listen(0, '127.0.0.1', resolve))
  const port = (proxy.address() as AddressInfo).port
  return {
    proxyUrl: `http://127.0.0.1:${port}`,
    caCert: ca,
    tunnels,
    close: async () => {
      for (const s of sockets) s.destroy()
      tls.close()
      await new Promise<void>(resolve => proxy.close(() => resolve()))
    }
  }
}
