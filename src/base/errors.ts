/**
 * Errors the action reports as one clear line (main.ts prints `message` with `core.setFailed`, never a stack trace).
 */

/** Bad step input: raised by the input readers before any request is sent. */
export class InputError extends Error {
  constructor(
    readonly input: string,
    message: string
  ) {
    super(`Input '${input}': ${message}`)
    this.name = 'InputError'
  }
}

/** A non-success answer from Azure (ARM, the data plane, a scoring endpoint), after retries. */
export class AzureRequestError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
    readonly requestId?: string,
    /** The response body as text, for callers that surface it (already redacted of known secrets by the runner's masks). */
    readonly body?: string
  ) {
    super(message)
    this.name = 'AzureRequestError'
  }
}

/** Entra ID (the token endpoint) refused to issue a token: never retried. */
export class AuthenticationError extends Error {
  constructor(
    message: string,
    readonly code?: string
  ) {
    super(message)
    this.name = 'AuthenticationError'
  }
}

/** A deadline (timeout-minutes) passed while an operation was still in progress. */
export class TimeoutError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TimeoutError'
  }
}

/** An operation reached a terminal failure state (Failed, Canceled) on the service. */
export class OperationFailedError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'OperationFailedError'
  }
}
