/**
 * A cancelled workflow, seen from the step: the runner sends SIGINT, then SIGTERM 7.5 s later, then kills the process
 * (GitHub's runner, "Cancelling a workflow"). `watchSignals` turns the first signal into an aborted `AbortSignal` so the
 * step can cancel what it started (a run, a job) within a few seconds; `abortable` lets any await end on it.
 */

/** Time the last-chance cancel (SIGINT, cancel-on-timeout) may take: the runner kills the step 7.5 s after SIGINT. */
export const CANCEL_BUDGET_MS = 4_000

/** The workflow was cancelled (the runner sent SIGINT or SIGTERM). */
export class WorkflowCancelledError extends Error {
  constructor(readonly signalName: string) {
    super(`the workflow was cancelled (${signalName})`)
    this.name = 'WorkflowCancelledError'
  }
}

/** Resolves with `promise`, or rejects with the signal's reason as soon as it aborts (the promise is left to settle). */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      value => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      error => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      }
    )
  })
}

export interface SignalWatch {
  signal: AbortSignal
  /** Removes the handlers; with `exitSoon`, also makes sure the process exits shortly (sockets of an aborted poll). */
  dispose(options?: { exitSoon?: boolean }): void
}

/**
 * Turns SIGINT/SIGTERM into an aborted signal (Node's default would kill the process before the run is cancelled).
 * A hard stop `hardStopMs` (5 s) after the first signal ends the process whatever is still pending.
 */
export function watchSignals(hardStopMs = 5_000): SignalWatch {
  const controller = new AbortController()
  let hardStop: NodeJS.Timeout | undefined
  const handler = (name: NodeJS.Signals): void => {
    if (controller.signal.aborted) return
    hardStop = setTimeout(() => process.exit(process.exitCode || 1), hardStopMs)
    controller.abort(new WorkflowCancelledError(name))
  }
  process.on('SIGINT', handler)
  process.on('SIGTERM', handler)
  return {
    signal: controller.signal,
    dispose(options) {
      process.off('SIGINT', handler)
      process.off('SIGTERM', handler)
      if (options?.exitSoon || controller.signal.aborted) {
        hardStop?.unref()
        // Lets main write its failure and the summary, then exits if an aborted request still keeps Node alive.
        setTimeout(() => process.exit(process.exitCode || 1), 500).unref()
      }
    }
  }
}
