/**
 * The inference servers' provisioning waits end with the emulator: `close()` and `reset()` cut short every wait a
 * deployment's provisioning is in (its least duration, the deployment-slow fault), so no timer outlives the emulator.
 */
import { describe, expect, it } from '@jest/globals'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEFAULT_CONFIG } from '../../emulator/config.js'
import type { State } from '../../emulator/core/state.js'
import type { Blobs } from '../../emulator/resources/blobs.js'
import { InferenceServers } from '../../emulator/resources/inference-server.js'

function servers(): { s: InferenceServers; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'aml-inference-'))
  const state = { onWorkspaceDeleted: () => {} } as unknown as State
  return { s: new InferenceServers(DEFAULT_CONFIG, state, dir, {} as Blobs, () => {}), dir }
}

describe('InferenceServers.sleep', () => {
  it('a long provisioning wait ends at close(), and none starts afterwards', async () => {
    const { s, dir } = servers()
    const started = Date.now()
    const wait = s.sleep(60_000)
    s.close()
    await wait
    expect(Date.now() - started).toBeLessThan(1_000)
    expect(s.isClosed).toBe(true)
    const after = Date.now()
    await s.sleep(60_000)
    expect(Date.now() - after).toBeLessThan(100)
    rmSync(dir, { recursive: true, force: true })
  })

  it('reset() ends the waits too; a short wait still waits', async () => {
    const { s, dir } = servers()
    const started = Date.now()
    const wait = s.sleep(60_000)
    s.reset()
    await wait
    expect(Date.now() - started).toBeLessThan(1_000)
    const t = Date.now()
    await s.sleep(50)
    expect(Date.now() - t).toBeGreaterThanOrEqual(45)
    s.close()
    rmSync(dir, { recursive: true, force: true })
  })
})
