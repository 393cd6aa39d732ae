/**
 * Runs the bundled action (`dist/index.js`) the way GitHub's runner does: inputs as `INPUT_*` variables, the
 * GITHUB_OUTPUT / GITHUB_STATE / GITHUB_STEP_SUMMARY files, workflow commands read from stdout. Used by the
 * end-to-end tests and the demo, and usable from users' own offline workflow tests.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/** Node 24 from the `node` package (the runtime `runs.using: node24` gives), else the current one. */
export function node24(): string {
  const bundled = join(ROOT, 'node_modules', 'node', 'bin', 'node')
  return existsSync(bundled) ? bundled : process.execPath
}

export interface StepResult {
  exitCode: number
  stdout: string
  stderr: string
  outputs: Record<string, string>
  state: Record<string, string>
  summary: string
  /** `::error::`, `::warning::`, `::add-mask::` ... commands the step printed, in order. */
  commands: { command: string; value: string }[]
  durationMs: number
}

export interface StepOptions {
  inputs: Record<string, string | number | boolean | undefined>
  env?: Record<string, string | undefined>
  /** `dist/index.js` by default; `dist/post/index.js` for a post step. */
  entry?: string
  /** Reuse the state file of an earlier step (main → post). */
  stateFrom?: StepResult & { stateFile?: string }
  timeoutMs?: number
  /** Called with each chunk of stdout as it arrives (the demo streams the log). */
  onStdout?: (chunk: string) => void
  /**
   * A signal to send once `when` says so from the output so far (cancellation tests); with `then`, a second signal
   * `afterMs` later if the step is still running (the runner's SIGINT, then SIGTERM 7.5 s later).
   */
  signal?: {
    name: NodeJS.Signals
    when: (stdoutSoFar: string) => boolean
    then?: { name: NodeJS.Signals; afterMs: number }
  }
}

/** One folder for all the steps this process runs (their RUNNER_TEMP and runner files), removed when it exits. */
let stepsRoot: string | undefined
function stepsFolder(): string {
  if (!stepsRoot) {
    const root = mkdtempSync(join(tmpdir(), 'azureml-steps-'))
    stepsRoot = root
    process.on('exit', () => rmSync(root, { recursive: true, force: true }))
  }
  return stepsRoot
}

export async function runStep(options: StepOptions): Promise<StepResult & { stateFile: string }> {
  const dir = mkdtempSync(join(stepsFolder(), 'step-'))
  mkdirSync(dir, { recursive: true })
  const files = {
    GITHUB_OUTPUT: join(dir, 'output'),
    GITHUB_STATE: options.stateFrom?.stateFile ?? join(dir, 'state'),
    GITHUB_STEP_SUMMARY: join(dir, 'summary'),
    GITHUB_ENV: join(dir, 'env'),
    GITHUB_PATH: join(dir, 'path')
  }
  for (const file of Object.values(files)) if (!existsSync(file)) writeFileSync(file, '')
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) {
    // A clean step: no inputs or runner files leak in from the surrounding process.
    if (v !== undefined && !k.startsWith('INPUT_') && !k.startsWith('GITHUB_') && !k.startsWith('ACTIONS_')) env[k] = v
  }
  delete env.NODE_OPTIONS
  Object.assign(env, files, { RUNNER_TEMP: dir, GITHUB_ACTIONS: 'true' })
  // The runner hands a post step what main saved with core.saveState as STATE_<name> variables.
  for (const [name, value] of Object.entries(options.stateFrom?.state ?? {})) env[`STATE_${name}`] = value
  for (const [name, value] of Object.entries(options.inputs)) {
    if (value !== undefined) env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = String(value)
  }
  for (const [k, v] of Object.entries(options.env ?? {})) {
    if (v === undefined) delete env[k]
    else env[k] = v
  }

  const started = Date.now()
  const child = spawn(node24(), [join(ROOT, options.entry ?? 'dist/index.js')], {
    env,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  let signalled = false
  let second: NodeJS.Timeout | undefined
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
    options.onStdout?.(chunk)
    if (options.signal && !signalled && options.signal.when(stdout)) {
      signalled = true
      child.kill(options.signal.name)
      const then = options.signal.then
      if (then)
        second = setTimeout(
          () => child.exitCode === null && child.signalCode === null && child.kill(then.name),
          then.afterMs
        )
    }
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000)
  const exitCode = await new Promise<number>(done => child.on('close', code => done(code ?? 1)))
  clearTimeout(timer)
  clearTimeout(second)

  return {
    exitCode,
    stdout,
    stderr,
    outputs: parseFileCommand(readFileSync(files.GITHUB_OUTPUT, 'utf8')),
    state: parseFileCommand(readFileSync(files.GITHUB_STATE, 'utf8')),
    summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
    commands: parseCommands(stdout),
    durationMs: Date.now() - started,
    stateFile: files.GITHUB_STATE
  }
}

/** `name<<DELIMITER\nvalue\nDELIMITER` entries, as @actions/core writes them. */
export function parseFileCommand(text: string): Record<string, string> {
  const values: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i])
    if (m) {
      const end = lines.indexOf(m[2], i + 1)
      if (end === -1) throw new Error(`Unterminated ${m[1]}<<${m[2]} in a runner file`)
      values[m[1]] = lines.slice(i + 1, end).join('\n')
      i = end
    } else if (lines[i].includes('=')) {
      const at = lines[i].indexOf('=')
      values[lines[i].slice(0, at)] = lines[i].slice(at + 1)
    }
  }
  return values
}

/** Workflow commands (`::name params::value`) in a step's stdout, honouring ::stop-commands::. */
export function parseCommands(stdout: string): { command: string; value: string }[] {
  const commands: { command: string; value: string }[] = []
  let stopToken: string | undefined
  for (const line of stdout.split('\n')) {
    const m = /^::([\w-]+)( [^:]*)?::(.*)$/.exec(line)
    if (!m) continue
    if (stopToken) {
      if (m[1] === stopToken) stopToken = undefined
      continue
    }
    if (m[1] === 'stop-commands') {
      stopToken = m[3]
      continue
    }
    commands.push({ command: m[1], value: m[3] })
  }
  return commands
}

/** Prints a step's result roughly as the Actions log shows it (used by the demo). */
export function formatOutputs(result: StepResult): string {
  return Object.entries(result.outputs)
    .map(([k, v]) => `  ${k}: ${v.length > 200 ? `${v.slice(0, 200)}… (${v.length} chars)` : v}`)
    .join('\n')
}
