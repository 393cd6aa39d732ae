/** Errors raised by the REST layer itself (Azure's own answers become `AzureRequestError` from ../errors.ts). */

/** No usable HTTP answer: a connection error or per-attempt timeout after the retries, or a refused redirect. */
export class HttpNetworkError extends Error {
  constructor(
    message: string,
    /** The node error code (`ECONNRESET`, `ETIMEDOUT`, ...), when there was one. */
    readonly code?: string,
    options?: { cause?: unknown }
  ) {
    super(message, options)
    this.name = 'HttpNetworkError'
  }
}
