/**
 * The loop shared by everything followed to its end (a v1 run, a v2 job): read the status with backoff
 * (`backoff.ts`), print each change once, follow the log after each read, stop at a terminal status, and give up at
 * the step's deadline (`timeout-minutes`) through the caller's `onTimeout`. SIGINT/SIGTERM abort it through `signal`.
 */
import * as core from '@actions/core'
import type { Context } from '../base/context.js'
import { OperationFailedError, TimeoutError } from '../base/errors.js'
import { oneLine } from '../http/redact.js'
import { pollDelay } from './backoff.js'
import type { FollowedLog } from './log-stream.js'
import { abortable } from './signals.js'

/** One read of the followed thing: not visible (yet), or its status and body. */
export type Reading<B> = { found: false } | { found: true; status: string; body: B }

export interface Followed<B> {
  /** How messages name it: "Run x", "Job x". */
  label: string
  read(): Promise<Reading<B>>
  /** Whether `status` ends the wait. */
  isTerminal(status: string): boolean
  log?: FollowedLog
  /** A thing just created may answer 404 for a moment: tolerated this long (ms; default 60 s). */
  notFoundGraceMs?: number
  /** The error once the grace has passed (default: `<label> was not found.`). */
  notFoundMessage?: string
}

export interface PollHooks {
  signal?: AbortSignal
  /** Called with each new status (for the `status` output, set on every path). */
  onStatus?: (status: string) => void
  /** At the deadline, with the last status seen ('not visible' if none): throws the step's TimeoutError. */
  onTimeout: (lastStatus: string) => Promise<never>
}

const DEFAULT_NOT_FOUND_GRACE_MS = 60_000

/** Reads until a terminal status and returns it with the body. Throws what `onTimeout` throws, or the abort reason. */
export async function pollToEnd<B>(
  ctx: Context,
  followed: Followed<B>,
  hooks: PollHooks
): Promise<{ status: string; body: B }> {
  const { signal } = hooks
  const started = ctx.clock.now()
  const grace = followed.notFoundGraceMs ?? DEFAULT_NOT_FOUND_GRACE_MS
  let last: string | undefined
  let polls = 0
  for (;;) {
    signal?.throwIfAborted()
    let reading: Reading<B>
    try {
      reading = await abortable(followed.read(), signal)
    } catch (error) {
      // A read cut short by the deadline is the timeout, not a failed read.
      if (error instanceof TimeoutError && ctx.clock.now() >= ctx.deadline)
        return hooks.onTimeout(last ?? 'not visible')
      throw error
    }
    if (!reading.found) {
      if (ctx.clock.now() - started > grace)
        throw new OperationFailedError(followed.notFoundMessage ?? `${followed.label} was not found.`)
      core.info(`${followed.label} is not visible yet; waiting.`)
    } else {
      const { status } = reading
      const terminal = followed.isTerminal(status)
      // The last of the log (a pipeline's last steps) before the final status, so the status line ends the story.
      if (terminal && followed.log) await abortable(followed.log.follow(true), signal)
      if (status !== last) {
        // Service text on one line: a status can never start a line of the log (a workflow command).
        core.info(`${followed.label}: ${oneLine(status, 200)}`)
        hooks.onStatus?.(status)
        if (last !== undefined) polls = 0 // a change: look again soon
        last = status
      }
      if (terminal) return { status, body: reading.body }
      if (followed.log) await abortable(followed.log.follow(false), signal)
    }

    const remaining = ctx.deadline - ctx.clock.now()
    const delay = pollDelay(polls++, ctx.clock.random())
    if (remaining <= delay) {
      // No read can start after the deadline: wait it out, and the last status seen is the answer.
      await ctx.clock.sleep(Math.max(0, remaining), signal)
      return hooks.onTimeout(last ?? 'not visible')
    }
    await ctx.clock.sleep(delay, signal)
  }
}
