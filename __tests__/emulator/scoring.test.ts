/** The scoring endpoint (resources/scoring.ts). */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { predict, type Emulator } from '../../emulator/index.js'
import { call, startFast, token } from './helpers.js'

let emu: Emulator
let tok: string
beforeAll(async () => {
  emu = await startFast()
  tok = await token(emu)
})
afterAll(() => emu.close())
beforeEach(() => emu.reset())

describe('scoring', () => {
  const score = (body: unknown, key: string | undefined = emu.seed.scoringKey) =>
    call(emu.seed.scoringUri, { method: 'POST', token: key, body })

  it('answers real values of the fixed linear model', async () => {
    const a = await score({
      data: [
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
        [10, 9, 8, 7, 6, 5, 4, 3, 2, 1]
      ]
    })
    expect(a.status).toBe(200)
    // y = 2·x0 + 3·x1 + (x2 + ... + x9) − 1
    expect(a.json).toEqual([2 + 6 + 52 - 1, 20 + 27 + 36 - 1])
    expect(a.json).toEqual([predict([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), predict([10, 9, 8, 7, 6, 5, 4, 3, 2, 1])])
  })

  it('401 for a wrong or missing key, 400 for a malformed body; an Entra token is accepted', async () => {
    const wrong = await score({ data: [[1, 2]] }, 'wrong-key')
    expect(wrong.status).toBe(401)
    expect(wrong.text).toContain('scoring key is wrong')
    expect((await score({ data: [[1, 2]] }, '')).status).toBe(401)
    const notRows = await score({ data: [1, 2] })
    expect(notRows.status).toBe(400)
    expect(notRows.json.error).toContain('data[0] must be a non-empty list of numbers')
    const text = await score({ data: [[1, 'x']] })
    expect(text.json.error).toContain('data[0][1] is not a number')
    const ragged = await score({ data: [[1, 2], [1]] })
    expect(ragged.json.error).toContain('data[1] has 1 features')
    const notJson = await call(emu.seed.scoringUri, { method: 'POST', token: emu.seed.scoringKey, body: 'data=1' })
    expect(notJson.status).toBe(400)
    expect((await score({ data: [[0, 0]] }, tok)).json).toEqual([-1])
  })
})
