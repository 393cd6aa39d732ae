/**
 * multipart/form-data bodies (parsed with busboy), as the request pipeline reads them before conformance: the
 * startrun upload (Runs_StartRun, execution spec) is the one operation that takes one today. `describeMultipart` is
 * how the request log summarises such a body.
 */
import busboy from 'busboy'
import type { IncomingHttpHeaders } from 'node:http'
import type { FormPart } from './types.js'

/** Parses a complete multipart/form-data body; plain fields become parts without a filename. */
export function parseMultipart(headers: IncomingHttpHeaders, body: Buffer): Promise<FormPart[]> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy
    try {
      bb = busboy({ headers })
    } catch (e) {
      reject(e as Error)
      return
    }
    const parts: FormPart[] = []
    bb.on('file', (name, stream, info) => {
      const chunks: Buffer[] = []
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('end', () =>
        parts.push({ name, filename: info.filename, mimeType: info.mimeType, data: Buffer.concat(chunks) })
      )
    })
    bb.on('field', (name, value, info) => {
      parts.push({ name, mimeType: info.mimeType, data: Buffer.from(value, 'utf8') })
    })
    bb.on('close', () => resolve(parts))
    bb.on('error', err => reject(err as Error))
    bb.end(body)
  })
}

export function describeMultipart(parts: FormPart[]): string {
  return (
    'multipart/form-data: ' +
    parts
      .map(p => {
        const head = `${p.name} (${p.filename ? `filename=${p.filename}, ` : ''}${p.mimeType}, ${p.data.length} bytes)`
        const textual = /json|text/i.test(p.mimeType) || /\.json$/i.test(p.filename ?? '')
        return textual && p.data.length <= 8192 ? `${head} ${p.data.toString('utf8')}` : head
      })
      .join('; ')
  )
}
