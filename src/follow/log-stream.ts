/**
 * A log followed as it grows, from a SAS URL the service hands out (a v1 run's driver log, a v2 job's
 * `user_logs/std_log.txt`): each read asks `Range: bytes=N-` from where the last one stopped, so each line is printed
 * once; only whole lines are printed (a chunk may end inside a line or a UTF-8 character), the rest at the end.
 * Service text is printed inside `::stop-commands::` with a fresh token, so it can never act as a workflow command.
 * SAS URLs are secrets: their signature is masked the moment one arrives (`maskSasUrl`), and no URL is ever printed.
 */
import * as core from '@actions/core'
import { randomUUID } from 'node:crypto'
import type { Context } from '../base/context.js'
import { maskSasUrl } from '../auth/mask.js'

/** A partial line longer than this (bytes) is printed without waiting for its end. */
const MAX_PENDING_LINE_BYTES = 64 * 1024
/** Read failures reported (at info level) before the stream goes quiet about them. */
const REPORTED_FAILURES = 3

/** A log followed as a job or run goes on (`poll.ts` calls `follow` after each status read). */
export interface FollowedLog {
  /** Prints what the log gained since the last call; `final`: everything, the last partial line too. Never throws. */
  follow(final: boolean): Promise<void>
}

export class LogStream implements FollowedLog {
  private url: string | undefined
  private offset = 0
  private failures = 0
  private readonly print: (line: string) => void

  /**
   * @param findUrl asks the service for the log's current SAS URL (undefined: no log yet); called again when a SAS
   *   expires (403/404).
   * @param what names the log in messages, e.g. "the driver log".
   */
  constructor(
    private readonly ctx: Context,
    private readonly findUrl: () => Promise<string | undefined>,
    private readonly what: string,
    print?: (line: string) => void
  ) {
    this.print = print ?? (line => core.info(line))
  }

  /** Prints what the log gained since the last call; `final`: everything, the last partial line too. Never throws. */
  async follow(final: boolean): Promise<void> {
    try {
      if (!this.url) {
        this.url = await this.findUrl()
        if (this.url) maskSasUrl(this.url)
      }
      if (!this.url) return
      const response = await this.ctx.http.send({
        method: 'GET',
        url: this.url,
        headers: { Range: `bytes=${this.offset}-`, Accept: '*/*' },
        auth: { kind: 'none' },
        acceptStatus: [416, 403, 404],
        timeoutMs: 30_000
      })
      if (response.status === 416) return // nothing new
      if (response.status === 403 || response.status === 404) {
        // An expired SAS: ask for a fresh URL next time.
        this.url = undefined
        return
      }
      let chunk = Buffer.from(response.body, 'utf8')
      // A server that ignores Range answers 200 with the whole log.
      if (response.status === 200) chunk = chunk.subarray(Math.min(this.offset, chunk.length))
      this.emit(chunk, final)
    } catch (error) {
      // The log is a courtesy: a failure to read it never fails the wait.
      if (this.failures++ < REPORTED_FAILURES) core.info(`Could not read ${this.what}: ${(error as Error).message}`)
    }
  }

  private emit(chunk: Buffer, final: boolean): void {
    const lastNewline = chunk.lastIndexOf(0x0a)
    let take: Buffer
    if (final || chunk.length > MAX_PENDING_LINE_BYTES) take = chunk
    else if (lastNewline < 0) return
    else take = chunk.subarray(0, lastNewline + 1)
    if (take.length === 0) return
    this.offset += take.length
    const lines = take.toString('utf8').replace(/\n$/, '').split('\n')
    // Text from the service must not act as workflow commands: a fresh token each time, which no log can guess.
    const token = randomUUID()
    this.print(`::stop-commands::${token}`)
    for (const line of lines) this.print(line.replace(/\r$/, ''))
    this.print(`::${token}::`)
  }
}
