/** Model management (resources/models.ts). */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { loadSpecs, type Emulator } from '../../emulator/index.js'
import { call, startFast, token, wsPath } from './helpers.js'

let emu: Emulator
let tok: string
beforeAll(async () => {
  emu = await startFast()
  tok = await token(emu)
})
afterAll(() => emu.close())
beforeEach(() => emu.reset())

describe('models', () => {
  const mm = (rest = ''): string => `${emu.apiUrl}/modelmanagement/v1.0${wsPath(emu)}/models${rest}`

  it('lists, gets and deletes (200, then 404)', async () => {
    const list = await call(mm(), { token: tok })
    expect(list.status).toBe(200)
    const ids = list.json.value.map((m: { id: string }) => m.id)
    expect(ids).toContain(emu.seed.modelId)
    const specs = await loadSpecs()
    expect(specs.validateResponse('MLModels_ListQuery', 200, list.json)).toEqual([])
    const page = await call(mm('?count=1'), { token: tok })
    expect(page.json.value).toHaveLength(1)
    expect(page.json.nextLink).toContain('%24skipToken=')
    const next = await call(page.json.nextLink, { token: tok })
    expect(next.json.value).toHaveLength(1)
    expect(next.json.value[0].id).not.toBe(page.json.value[0].id)

    const one = await call(mm(`/${encodeURIComponent(emu.seed.modelId)}`), { token: tok })
    expect(one.json).toMatchObject({ id: emu.seed.modelId, name: 'sklearn_regression_model.pkl', version: 1 })
    const del = await call(mm(`/${encodeURIComponent(emu.seed.modelId)}`), { method: 'DELETE', token: tok })
    expect(del.status).toBe(200)
    const gone = await call(mm(`/${encodeURIComponent(emu.seed.modelId)}`), { token: tok })
    expect(gone.status).toBe(404)
    expect(gone.json).toMatchObject({ code: 'NotFound', statusCode: 404 })
    expect((await call(mm(`/${encodeURIComponent(emu.seed.modelId)}`), { method: 'DELETE', token: tok })).status).toBe(
      404
    )
    const orderBad = await call(mm('?orderBy=Newest'), { token: tok })
    expect(orderBad.status).toBe(400)
    expect(orderBad.json.error.message).toContain("query parameter 'orderBy'")
  })
})
