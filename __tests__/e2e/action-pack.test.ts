/**
 * The per-operation actions (`uses: OWNER/REPO/list-computes@v1`): their entry file runs the one bundle with the
 * operation fixed, so a step without an `operation` input works, and sets only the outputs its action.yml declares.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parse } from 'yaml'
import type { Emulator } from '../../emulator/index.js'
import { ROOT } from '../../demo/runner.js'
import { emulatorForTests, step, workspaceInputs } from './helpers.js'

let emu: Emulator
beforeAll(async () => {
  emu = await emulatorForTests()
})
afterAll(async () => {
  await emu?.close()
})

function declaredOutputs(op: string): string[] {
  return Object.keys((parse(readFileSync(join(ROOT, op, 'action.yml'), 'utf8')) as { outputs: object }).outputs)
}

describe('per-operation actions', () => {
  it('list-computes/ runs without an operation input', async () => {
    const result = await step(workspaceInputs(emu), { entry: 'list-computes/index.mjs' })
    expect(result.stderr).toBe('')
    expect(result.exitCode).toBe(0)
    expect(Number(result.outputs.count)).toBeGreaterThanOrEqual(1)
    expect(result.summary).toContain('list-computes')
    expect(Object.keys(result.outputs).every(name => declaredOutputs('list-computes').includes(name))).toBe(true)
  })

  it('start-run/ runs the run, and its post step finds nothing to clean up', async () => {
    const inputs = {
      ...workspaceInputs(emu),
      'experiment-name': 'pack',
      'compute-target': emu.seed.computeName,
      'source-directory': resolve(ROOT, 'examples/hello'),
      script: 'hello.py'
    }
    const main = await step(inputs, { entry: 'start-run/index.mjs' })
    expect(main.exitCode).toBe(0)
    expect(main.outputs.status).toBe('Completed')
    expect(Object.keys(main.outputs).every(name => declaredOutputs('start-run').includes(name))).toBe(true)
    const post = await step(inputs, { entry: 'start-run/post.mjs', stateFrom: main })
    expect(post.exitCode).toBe(0)
    expect(post.stdout).toContain('nothing to clean up')
  })

  it('the folder fixes the operation: an operation given anyway is ignored', async () => {
    const result = await step({ ...workspaceInputs(emu), operation: 'get-token' }, { entry: 'list-computes/index.mjs' })
    expect(result.exitCode).toBe(0)
    expect(result.outputs.count).toBeDefined()
    expect(result.outputs.accessToken).toBeUndefined()
  })
})
