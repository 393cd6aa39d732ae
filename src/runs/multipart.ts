/**
 * multipart/form-data bodies that stream their file parts from disk (the startrun upload): the length is known up
 * front (Content-Length, no chunked encoding), and `open()` starts a fresh stream for every attempt.
 */
import { randomUUID } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { Readable } from 'node:stream'
import type { StreamBody } from '../base/http-types.js'

export type FormPart =
  | { name: string; filename: string; contentType: string; data: Buffer }
  | { name: string; filename: string; contentType: string; path: string; size: number }

export interface MultipartBody {
  body: StreamBody
  /** `multipart/form-data; boundary=...` */
  contentType: string
}

const CRLF = '\r\n'

export function multipartBody(parts: FormPart[], boundary = `----azureml-rest-${randomUUID()}`): MultipartBody {
  const heads = parts.map(part =>
    Buffer.from(
      `--${boundary}${CRLF}` +
        `Content-Disposition: form-data; name="${quote(part.name)}"; filename="${quote(part.filename)}"${CRLF}` +
        `Content-Type: ${part.contentType}${CRLF}${CRLF}`,
      'utf8'
    )
  )
  const tail = Buffer.from(`--${boundary}--${CRLF}`, 'utf8')
  const sizeOf = (part: FormPart): number => ('data' in part ? part.data.length : part.size)
  const length = parts.reduce((n, part, i) => n + heads[i].length + sizeOf(part) + CRLF.length, tail.length)

  async function* chunks(): AsyncGenerator<Buffer> {
    for (const [i, part] of parts.entries()) {
      yield heads[i]
      if ('data' in part) {
        yield part.data
      } else {
        let read = 0
        for await (const chunk of createReadStream(part.path)) {
          read += (chunk as Buffer).length
          yield chunk as Buffer
        }
        // A file that changed size would break Content-Length: fail the attempt rather than send a corrupt body.
        if (read !== part.size) throw new Error(`${part.path} changed size while it was uploaded`)
      }
      yield Buffer.from(CRLF)
    }
    yield tail
  }

  return {
    body: {
      open: () => Readable.from(chunks(), { objectMode: false }),
      length,
      describe: `multipart/form-data: ${parts.map(p => `${p.name} (${p.filename}, ${sizeOf(p)} bytes)`).join(', ')}`
    },
    contentType: `multipart/form-data; boundary=${boundary}`
  }
}

function quote(value: string): string {
  return value.replace(/["\r\n\\]/g, '_')
}
