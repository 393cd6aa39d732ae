/**
 * Dry-run output: a request rendered as a `curl` command a user can read, and run after filling in the masked values.
 *
 * Every line of the output starts with our own text (`curl`, `  -H`, `  -d`, `# `): a value containing a line break is
 * written with bash's `$'...'` quoting (`\n`), so no user or service text can start a line and act as a workflow
 * command.
 */
import { isStreamBody } from './body.js'
import { CONTROL_CHARACTERS, MASK, maskKnownSecrets, printableUrl } from './redact.js'
import type { HttpRequest } from '../base/http-types.js'

/** Form fields that carry credentials (OAuth token requests). */
const SECRET_FORM_FIELDS = /secret|password|assertion|token|^code$|key/i

/** Characters that need a backslash escape inside `$'...'`. */
const ESCAPED_IN_ANSI_C = new RegExp(`[\\\\'${CONTROL_CHARACTERS.source.slice(1, -1)}]`, 'g')

/** Quotes for POSIX shells; text with control characters (newlines) uses bash `$'...'` so it stays on one line. */
export function shellQuote(text: string): string {
  if (CONTROL_CHARACTERS.test(text)) {
    const escaped = text.replace(ESCAPED_IN_ANSI_C, char => {
      switch (char) {
        case '\\':
          return '\\\\'
        case "'":
          return "\\'"
        case '\n':
          return '\\n'
        case '\r':
          return '\\r'
        case '\t':
          return '\\t'
        default: {
          const code = char.charCodeAt(0)
          return code > 0xff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\x${code.toString(16).padStart(2, '0')}`
        }
      }
    })
    return `$'${escaped}'`
  }
  return `'${text.replace(/'/g, `'\\''`)}'`
}

/**
 * The request as a curl command. `maskedHeaders` are the headers as they would be sent, already redacted
 * (`Authorization: Bearer ***`); the URL is redacted here, and `request.secrets` are masked in the body in every
 * encoding, as are credential fields of a form-encoded body.
 */
export function toCurl(request: HttpRequest, maskedHeaders: Record<string, string>): string {
  const secrets = [...(request.secrets ?? []), ...(request.auth.kind === 'bearer' ? [request.auth.value] : [])]
  const comments: string[] = []
  const methodFlag = request.method === 'HEAD' ? '--head ' : request.method === 'GET' ? '' : `-X ${request.method} `
  const args: string[] = [`curl ${methodFlag}${shellQuote(printableUrl(request.url, secrets))}`]

  const body = request.body
  const multipart = isStreamBody(body) ? multipartFields(body.describe) : undefined
  for (const [name, value] of Object.entries(maskedHeaders)) {
    // curl computes the length, and writes its own multipart boundary.
    if (/^content-length$/i.test(name) || (multipart && /^content-type$/i.test(name))) continue
    args.push(`-H ${shellQuote(`${name}: ${value}`)}`)
  }

  if (isStreamBody(body)) {
    if (multipart) {
      for (const field of multipart) args.push(`-F ${shellQuote(`${field.name}=@${field.file}`)}`)
    } else {
      comments.push(`# request body: ${oneLineComment(body.describe)} (streamed, not shown)`)
      args.push(`--data-binary ${shellQuote('@body')}`)
    }
  } else if (body !== undefined && body !== null) {
    const text = bodyText(body)
    if (text === undefined) {
      comments.push(`# request body: ${(body as Buffer).length} bytes of binary data (not shown)`)
      args.push(`--data-binary ${shellQuote('@body.bin')}`)
    } else {
      const contentType = Object.entries(maskedHeaders).find(([name]) => /^content-type$/i.test(name))?.[1] ?? ''
      const masked = maskKnownSecrets(/x-www-form-urlencoded/i.test(contentType) ? maskFormFields(text) : text, secrets)
      // `-d @x` would read a file named x: a body that starts with @ goes through --data-raw.
      args.push(`${masked.startsWith('@') ? '--data-raw' : '-d'} ${shellQuote(masked)}`)
    }
  }
  const command = args.join(' \\\n  ')
  return [...comments, command].join('\n')
}

/** `multipart: runDefinitionFile, projectZipFile (project.zip)` → fields, the file name defaulting to the field name. */
function multipartFields(describe: string): { name: string; file: string }[] | undefined {
  const match = /^\s*multipart\s*:\s*(.+)$/i.exec(describe.replace(/[\r\n]+/g, ' '))
  if (!match) return undefined
  return match[1]
    .split(',')
    .map(part => part.trim())
    .filter(Boolean)
    .map(part => {
      const named = /^([^\s(]+)\s*\(([^)]+)\)$/.exec(part)
      return named ? { name: named[1], file: named[2].trim() } : { name: part, file: part }
    })
}

function bodyText(body: object | string | Buffer): string | undefined {
  if (typeof body === 'string') return body
  if (body instanceof Uint8Array) {
    const text = Buffer.from(body).toString('utf8')
    // Valid UTF-8 without NULs reads as text; anything else is binary.
    return Buffer.from(text, 'utf8').equals(Buffer.from(body)) && !text.includes('\u0000') ? text : undefined
  }
  return JSON.stringify(body)
}

function maskFormFields(text: string): string {
  return text
    .split('&')
    .map(pair => {
      const eq = pair.indexOf('=')
      return eq >= 0 && SECRET_FORM_FIELDS.test(pair.slice(0, eq)) ? `${pair.slice(0, eq)}=${MASK}` : pair
    })
    .join('&')
}

function oneLineComment(text: string): string {
  return text.replace(new RegExp(`${CONTROL_CHARACTERS.source}+`, 'g'), ' ')
}
