/**
 * The REST layer's public shapes. Operations build `HttpRequest`s; `src/http/client.ts` sends them with
 * authentication, retries, throttling, redaction and dry-run handling, all in one place.
 */

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

/** How a request is authenticated. */
export type RequestAuth =
  /** An Entra token for this resource (audience), e.g. the cloud's ARM endpoint; fetched and refreshed by the TokenProvider. */
  | { kind: 'token'; resource: string }
  /** A fixed bearer credential (a scoring key). It is a secret: masked and redacted like a token. */
  | { kind: 'bearer'; value: string }
  | { kind: 'none' }

/** A body that is streamed (a multipart upload). `open` is called again for each attempt. */
export interface StreamBody {
  open(): NodeJS.ReadableStream
  /** Content length in bytes when known. */
  length?: number
  /** A short description for logs and dry-run output, e.g. `multipart: runDefinitionFile, projectZipFile`. */
  describe: string
}

export interface HttpRequest {
  method: HttpMethod
  url: string
  headers?: Record<string, string>
  /** A string or Buffer is sent as is; an object is sent as JSON. */
  body?: string | Buffer | StreamBody | object
  auth: RequestAuth
  /**
   * May this request be retried after it may have reached the server? GET/HEAD/PUT/DELETE default to true,
   * POST/PATCH to false. A POST that creates something is idempotent only with a client-chosen id (startrun's runId).
   */
  idempotent?: boolean
  /**
   * Does this request change nothing on the service? Defaults to true for GET/HEAD. In dry-run, requests that are not
   * read-only are printed but not sent. A token request or `experiments:query` is a read-only POST.
   */
  readOnly?: boolean
  /** Per-attempt timeout in ms (default 100 s, Azure's own default). */
  timeoutMs?: number
  /** Extra strings to mask in this request (e.g. a password inside the JSON body). */
  secrets?: string[]
  /** Statuses the caller handles itself: they are returned, not thrown (e.g. 404 for "already gone"). */
  acceptStatus?: number[]
  /**
   * Narrows the client's retry policy for this request: at most `maxAttempts` attempts (the first included), and only
   * the retryable statuses listed in `statuses` are retried (connection errors still are). Scoring uses it: a model
   * endpoint is retried on 429/503/504 within a small budget, never on 400/401/403.
   */
  retry?: RetryOverride
}

export interface RetryOverride {
  maxAttempts?: number
  statuses?: readonly number[]
}

export interface HttpResponse {
  status: number
  /** Header names lower-cased. */
  headers: Record<string, string | undefined>
  /** The body as text ('' when empty). */
  body: string
  /** True when dry-run skipped sending this request; status is then 0 and body ''. */
  dryRun?: boolean
  /**
   * The URL that gave this answer: the request's URL, or where redirects led (for resolving a relative `Location`, and
   * for messages). Not redacted: pass it through `redactUrl` before printing. Absent on a dry-run response.
   */
  url?: string
}

export interface HttpClient {
  /** Sends with retries. Resolves with a 2xx (or an `acceptStatus`) response; otherwise rejects with `AzureRequestError`. */
  send(request: HttpRequest): Promise<HttpResponse>
}
