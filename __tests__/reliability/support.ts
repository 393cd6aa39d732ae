/**
 * Shared set-up for the reliability matrices: short-lived emulators with near-zero delays, emulator admin reads, the
 * one-error-line check, and the figures each suite records under figures/ for the README.
 */
import { expect, it } from '@jest/globals'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import type { ConfigInput } from '../../emulator/config.js'
import type { StepResult } from '../../demo/runner.js'

export const FIGURES_DIR = join(dirname(fileURLToPath(import.meta.url)), 'figures')
export const HELLO = resolve(dirname(fileURLToPath(import.meta.url)), '../../examples/hello')
export const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../e2e/fixtures/runs')

/** Provisioning and run states advance in a few hundred ms: the matrices check behaviour, not waiting. */
export const FAST_DELAYS = {
  workspaceProvisionMs: 200,
  workspaceDeleteMs: 200,
  computeProvisionMs: 200,
  computeDeleteMs: 200,
  runQueuedMs: 50,
  runPreparingMs: 50,
  runStartMs: 50,
  runFinalizingMs: 0
}

export function fastEmulator(config: ConfigInput = {}): Promise<Emulator> {
  return startEmulator({
    quiet: true,
    config: { retryAfterSeconds: 1, ...config, delays: { ...FAST_DELAYS, ...config.delays } }
  })
}

/** Runs `body` with its own emulator, closed afterwards (so concurrent cases never share faults or state). */
export async function withEmulator<T>(body: (emu: Emulator) => Promise<T>, config: ConfigInput = {}): Promise<T> {
  const emu = await fastEmulator(config)
  try {
    return await body(emu)
  } finally {
    await emu.close()
  }
}

export interface AdminRun {
  runId: string
  experimentName?: string
  status: string
  history: { status: string; time: string }[]
}

export async function adminRuns(emu: Emulator): Promise<AdminRun[]> {
  return (await (await fetch(`${emu.url}/_emulator/runs`)).json()) as AdminRun[]
}

export async function adminRun(emu: Emulator, runId: string): Promise<AdminRun> {
  const response = await fetch(`${emu.url}/_emulator/runs/${encodeURIComponent(runId)}`)
  expect(response.status).toBe(200)
  return (await response.json()) as AdminRun
}

export async function waitForRunStatus(emu: Emulator, runId: string, status: string, withinMs: number): Promise<void> {
  const start = Date.now()
  for (;;) {
    const run = await adminRun(emu, runId)
    if (run.status === status) return
    if (Date.now() - start > withinMs)
      throw new Error(`run ${runId} is ${run.status}, not ${status}, after ${withinMs} ms`)
    await new Promise(r => setTimeout(r, 50))
  }
}

/** The emulator's workspaces and computes: name and provisioningState. */
export async function adminState(emu: Emulator): Promise<{ workspaces: Resource[]; computes: Resource[] }> {
  const state = (await (await fetch(`${emu.url}/_emulator/state`)).json()) as Record<string, Resource[]>
  const pick = (list: Resource[]): Resource[] =>
    list.map(({ name, provisioningState }) => ({ name, provisioningState }))
  return { workspaces: pick(state.workspaces), computes: pick(state.computes) }
}

export interface Resource {
  name: string
  provisioningState: string
}

export function errorLines(result: Pick<StepResult, 'commands'>): string[] {
  return result.commands.filter(c => c.command === 'error').map(c => c.value)
}

/** Failed clearly: exit 1, exactly one ::error:: line matching `cause`, no stack trace. Returns the line. */
export function expectFailedClearly(result: StepResult, cause: RegExp): string {
  expect(result.exitCode).toBe(1)
  const errors = errorLines(result)
  expect(errors).toHaveLength(1)
  expect(errors[0]).toMatch(cause)
  expect(result.stdout + result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/)
  return errors[0]
}

/** Writes one suite's figures to figures/<name>.json (and prints them), for the README's Reliability section. */
export function writeFigures(name: string, figures: Record<string, unknown>): void {
  mkdirSync(FIGURES_DIR, { recursive: true })
  const text = `${JSON.stringify({ suite: name, ...figures }, null, 2)}\n`
  writeFileSync(join(FIGURES_DIR, `${name}.json`), text)
  console.log(`reliability figures (${name}): ${JSON.stringify(figures.summary ?? figures)}`)
}

/**
 * Keeps jest's "inside test code" state on while the v2 cases of a describe block run. jest 30 leaves that state as
 * soon as any it.concurrent case ends and enters it again only when another case starts; a dynamic `import()` in
 * between throws "You are trying to `import` a file outside of the scope of the test code". The emulator imports
 * `@azure/storage-blob` lazily (emulator/resources/blobs.ts, emulator/azurite.ts), on every datastore SAS and code
 * upload slot, so a v2 case still running once the queue of cases has drained would get a 500 from it. `track` wraps
 * each case; `guards()`, called last in the block, adds as many cases as can run at once (jest.config maxConcurrency)
 * that each hold their slot until every tracked case has ended: while any does, every end is followed by a start.
 * `track(body, isHeavy)`: a heavy case (by default every one) runs when fewer than `heavyAtOnce` others are running.
 */
export function testScopeKeeper(
  maxConcurrency = 10,
  heavyAtOnce = 4
): {
  track: <A extends unknown[]>(
    body: (...args: A) => Promise<void>,
    isHeavy?: (...args: A) => boolean
  ) => (...args: A) => Promise<void>
  heavy: <T>(body: () => Promise<T>) => Promise<T>
  guards: () => void
} {
  let running = 0
  // Each v2 case starts its own Azurite and python processes: at most `heavyAtOnce` of them at a time, so that a
  // loaded runner does not starve the cases' own deadlines (and Azurite's start).
  let heavyRunning = 0
  const waiting: (() => void)[] = []
  async function heavy<T>(body: () => Promise<T>): Promise<T> {
    while (heavyRunning >= heavyAtOnce) await new Promise<void>(resolve => waiting.push(resolve))
    heavyRunning++
    try {
      return await body()
    } finally {
      heavyRunning--
      waiting.shift()?.()
    }
  }
  return {
    track:
      (body, isHeavy = () => true) =>
      async (...args) => {
        running++
        try {
          await (isHeavy(...args) ? heavy(() => body(...args)) : body(...args))
        } finally {
          running--
        }
      },
    heavy,
    guards: () => {
      // Queued after every tracked case (jest starts concurrent cases in order): each starts only once they all have.
      const slots = Array.from({ length: maxConcurrency }, (_, i) => i + 1)
      it.concurrent.each(slots)(
        '(keeps the test scope open until the cases above have ended: slot %i)',
        async () => {
          while (running > 0) await new Promise(r => setTimeout(r, 100))
        },
        600_000
      )
    }
  }
}

/** The timeout of a v2 case: its own work stays well under 30 s, but it may first wait for a turn (`heavy`). */
export const V2_CASE_TIMEOUT_MS = 150_000
