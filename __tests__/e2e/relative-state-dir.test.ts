/**
 * The emulator started with a relative `--state-dir` (as the README's offline-testing section shows it): jobs run in
 * folders under it with their own working directory, so a job with a local data input must still find its input.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { rmSync } from 'node:fs'
import { isAbsolute } from 'node:path'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import { step, workspaceInputs } from './helpers.js'

const RELATIVE = `.scratch/state-relative-${process.pid}`
let emu: Emulator
beforeAll(async () => {
  emu = await startEmulator({ quiet: true, stateDir: RELATIVE })
})
afterAll(async () => {
  await emu.close()
  rmSync(RELATIVE, { recursive: true, force: true })
})

describe('a relative state folder', () => {
  it('is made absolute, and a job with a local data input runs to Completed', async () => {
    expect(isAbsolute(emu.stateDir)).toBe(true)
    const result = await step({
      operation: 'submit-job',
      ...workspaceInputs(emu),
      job: 'examples/jobs/train/job.yml',
      set: `compute=azureml:${emu.seed.computeName}`
    })
    expect(result.outputs.status).toBe('Completed')
    expect(result.exitCode).toBe(0)
  }, 60_000)
})
