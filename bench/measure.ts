/** Process timing for the benchmarks: wall time from the parent, peak RSS from GNU time, the bundle run as a step. */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseFileCommand } from '../demo/runner.js'

const GNU_TIME = '/usr/bin/time'
export const MB = 1_000_000

/** One line of the results table. */
export interface Row {
  section: string
  figure: string
  action: string
  reference: string
  target: string
  /** The judged value, in words (e.g. "+112 ms", "0.61x"). */
  measured: string
  /** null: reported, no target. */
  pass: boolean | null
}

export const fmtMs = (ms: number): string => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`)
export const fmtMB = (bytes: number): string => `${(bytes / MB).toFixed(bytes >= 10 * MB ? 0 : 1)} MB`
export const log = (line: string): void => void process.stderr.write(`${line}\n`)
export const hasGnuTime = existsSync(GNU_TIME)

export interface Timed {
  ms: number
  exitCode: number
  stdout: string
  stderr: string
  /** Peak resident set size of the command, in bytes (GNU time's %M); undefined without /usr/bin/time. */
  maxRss?: number
  /** Epoch milliseconds just before the spawn and when the exit was seen (to compare with the emulator's log). */
  startedAt: number
  endedAt: number
}

export interface TimedOptions {
  env?: NodeJS.ProcessEnv
  cwd?: string
  /** Measure peak RSS (runs the command under /usr/bin/time). */
  rss?: boolean
  /** Where /usr/bin/time writes its figure. */
  scratch: string
}

/** Runs a command to its end; the wall time is measured here, from spawn to exit, the same way for every command. */
export async function timed(command: string, args: string[], options: TimedOptions): Promise<Timed> {
  const rssFile = join(options.scratch, `rss-${process.pid}-${Math.random().toString(36).slice(2)}`)
  const wrap = options.rss && hasGnuTime
  const [cmd, argv] = wrap ? [GNU_TIME, ['-f', '%M', '-o', rssFile, command, ...args]] : [command, args]
  const startedAt = Date.now()
  const started = process.hrtime.bigint()
  const child = spawn(cmd, argv, {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const exitCode = await new Promise<number>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', code => resolve(code ?? 1))
  })
  const ms = Number(process.hrtime.bigint() - started) / 1e6
  const endedAt = Date.now()
  let maxRss: number | undefined
  if (wrap) {
    // GNU time writes "Command exited with non-zero status N" before the figure when the command fails.
    const lines = readFileSync(rssFile, 'utf8').trim().split('\n')
    maxRss = Number(lines[lines.length - 1]) * 1024
    rmSync(rssFile, { force: true })
  }
  return { ms, exitCode, stdout, stderr, maxRss, startedAt, endedAt }
}

export function median(values: number[]): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** The `BENCH_RESULT {json}` line a bench child prints. */
export function benchResult<T>(run: Timed): T {
  const line = run.stdout.split('\n').find(l => l.startsWith('BENCH_RESULT '))
  if (!line || run.exitCode !== 0) {
    throw new Error(
      `bench child failed (exit ${run.exitCode}):\n${run.stdout.slice(-2000)}\n${run.stderr.slice(-2000)}`
    )
  }
  return JSON.parse(line.slice('BENCH_RESULT '.length)) as T
}

export interface Step extends Timed {
  outputs: Record<string, string>
}

/**
 * Runs `entry` (dist/index.js) the way the runner does, as demo/runner.ts does (inputs as INPUT_* variables, the
 * GITHUB_OUTPUT/STATE/STEP_SUMMARY files, RUNNER_TEMP), but through `timed` so that its peak RSS can be measured.
 */
export async function actionStep(
  node: string,
  entry: string,
  inputs: Record<string, string>,
  options: { scratch: string; rss?: boolean }
): Promise<Step> {
  const dir = mkdtempSync(join(options.scratch, 'step-'))
  const files = {
    GITHUB_OUTPUT: join(dir, 'output'),
    GITHUB_STATE: join(dir, 'state'),
    GITHUB_STEP_SUMMARY: join(dir, 'summary'),
    GITHUB_ENV: join(dir, 'env'),
    GITHUB_PATH: join(dir, 'path')
  }
  for (const file of Object.values(files)) writeFileSync(file, '')
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !/^(INPUT_|GITHUB_|ACTIONS_)/.test(k) && k !== 'NODE_OPTIONS') env[k] = v
  }
  Object.assign(env, files, { RUNNER_TEMP: dir, GITHUB_ACTIONS: 'true' })
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value
  try {
    const run = await timed(node, [entry], { env, scratch: options.scratch, rss: options.rss })
    return { ...run, outputs: parseFileCommand(readFileSync(files.GITHUB_OUTPUT, 'utf8')) }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
