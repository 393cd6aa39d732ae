/**
 * Following the best of several logs whose list changes while a job runs (a v2 job's run-history `logFiles`: name →
 * SAS URL). The list is read, and the log chosen, at every poll, not once: on Azure's older runtime a job lists its
 * system log `azureml-logs/55_azureml-execution-*.txt` (and `65_job_prep-*`) before the user's
 * `azureml-logs/70_driver_log.txt` appears (Azure/azureml-previews#160), and following the first log listed would
 * show the system's lines and never the user's.
 *
 * On a switch, the log left behind is read one last time, to its current end (its last partial line too), so every
 * line it held when the better log appeared is printed once and before the new log's; its later lines are left
 * (they are the system's, written while the user's log runs, and stay in studio). The switch is said in the log:
 * "now following <name>". The new log is printed from its first byte. Each log is read by `LogStream` (`Range`
 * reads, each line once, service text inside `::stop-commands::`, SAS URLs masked and never printed).
 */
import * as core from '@actions/core'
import type { Context } from '../base/context.js'
import { oneLine } from '../http/redact.js'
import { LogStream, type FollowedLog } from './log-stream.js'

/** Read failures of the list reported (at info level) before going quiet about them. */
const REPORTED_FAILURES = 3

export class LogFilesStream implements FollowedLog {
  private files: Record<string, string> = {}
  private current: { name: string; stream: LogStream } | undefined
  private failures = 0

  /**
   * @param listFiles reads the current list (name → SAS URL; undefined: none yet)
   * @param choose the log to follow among the names, given the current one (e.g. `pickJobLog`)
   * @param what names the logs in messages, mid-sentence: e.g. "the job's log"
   * @param settled whether `name` is the best log there can be (then the list is read only for a fresh SAS)
   */
  constructor(
    private readonly ctx: Context,
    private readonly listFiles: () => Promise<Record<string, string> | undefined>,
    private readonly choose: (names: readonly string[], current?: string) => string | undefined,
    private readonly what: string,
    private readonly settled: (name: string) => boolean = () => false,
    private readonly print?: (line: string) => void
  ) {}

  /** The log followed now (undefined before one is listed). */
  get following(): string | undefined {
    return this.current?.name
  }

  /** Reads the list, switches to a better log if one appeared, prints what the followed log gained. Never throws. */
  async follow(final: boolean): Promise<void> {
    if (!this.current || !this.settled(this.current.name)) await this.refresh()
    const next = this.choose(Object.keys(this.files), this.current?.name)
    if (next !== undefined && next !== this.current?.name) {
      const left = this.current
      if (left) await left.stream.follow(true)
      const what = this.what.charAt(0).toUpperCase() + this.what.slice(1)
      core.info(
        left
          ? `${what}: now following ${oneLine(next, 200)} (${oneLine(left.name, 200)} is printed up to here; ` +
              'the rest of it is in studio).'
          : `${what}: following ${oneLine(next, 200)}.`
      )
      this.current = { name: next, stream: this.streamOf(next) }
    }
    await this.current?.stream.follow(final)
  }

  private streamOf(name: string): LogStream {
    let fresh = true
    return new LogStream(
      this.ctx,
      async () => {
        // The first URL was just listed; a later call means the SAS expired: list again.
        if (!fresh) await this.refresh()
        fresh = false
        return this.files[name]
      },
      `${this.what} ${oneLine(name, 200)}`,
      this.print
    )
  }

  private async refresh(): Promise<void> {
    try {
      const files = await this.listFiles()
      if (files) this.files = files
    } catch (error) {
      // The log is a courtesy: a failure to list it never fails the wait.
      if (this.failures++ < REPORTED_FAILURES) core.info(`Could not list ${this.what}: ${(error as Error).message}`)
    }
  }
}
