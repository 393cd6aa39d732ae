import { describe, expect, it } from '@jest/globals'
import { MAX_TIMER_MS, systemClock } from '../../src/base/clock.js'

describe('systemClock.sleep', () => {
  it('resolves after a short wait', async () => {
    const start = Date.now()
    await systemClock.sleep(20)
    expect(Date.now() - start).toBeGreaterThanOrEqual(15)
  })
  it('rejects when aborted', async () => {
    const ac = new AbortController()
    const p = systemClock.sleep(MAX_TIMER_MS * 2, ac.signal)
    ac.abort(new Error('stop'))
    await expect(p).rejects.toThrow('stop')
  })
})
