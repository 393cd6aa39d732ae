/**
 * Issue 13 kind 10, paging that loops: a repeated nextLink (or continuation token) ends the list with a warning, a cap
 * bounds the pages, and each item is counted once.
 */
import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import * as core from '../../__fixtures__/core.js'
import { FakeHttp, FakeClock } from '../../__fixtures__/fakes.js'

jest.unstable_mockModule('@actions/core', () => core)
const { listAll, Pages, MAX_PAGES } = await import('../../src/arm/endpoints.js')
type Ctx = Parameters<typeof listAll>[0]

beforeEach(() => core.resetCoreFixture())

const BASE = 'https://management.azure.com/subscriptions/s/providers/P/workspaces?api-version=1'
const AUTH = { kind: 'token', resource: 'https://management.azure.com/' } as const

function ctxWith(http: FakeHttp): Ctx {
  return { http, clock: new FakeClock() } as unknown as Ctx
}
const page = (value: unknown[], nextLink?: string) => ({ status: 200, body: JSON.stringify({ value, nextLink }) })
const ws = (name: string) => ({ id: `/subscriptions/s/resourceGroups/r/providers/P/workspaces/${name}`, name })

describe('listAll', () => {
  it('the example: page L links to itself: 2 requests, items a, b, c, one warning', async () => {
    const L = `${BASE}&page=L`
    const http = new FakeHttp().reply(page([ws('a'), ws('b')], L), page([ws('c')], L))
    const list = await listAll(ctxWith(http), BASE, AUTH)
    expect(http.requests.map(r => r.url)).toEqual([BASE, L])
    expect(list.value).toEqual([ws('a'), ws('b'), ws('c')])
    expect(core.warning).toHaveBeenCalledTimes(1)
    expect(String(core.warning.mock.calls[0][0])).toMatch(
      /already given \(a loop\); the list may be partial \(3 items\)/
    )
  })

  it('a link back to the first page (written differently) is a loop too', async () => {
    const http = new FakeHttp().reply(
      page([ws('a')], BASE.replace('https://management.azure.com', 'HTTPS://MANAGEMENT.AZURE.COM'))
    )
    const list = await listAll(ctxWith(http), BASE, AUTH)
    expect(http.requests).toHaveLength(1)
    expect(list.value).toHaveLength(1)
    expect(core.warning).toHaveBeenCalledTimes(1)
  })

  it('an item repeated on a later page (same ARM id, any case) is kept once', async () => {
    const http = new FakeHttp().reply(
      page([ws('a')], `${BASE}&page=2`),
      page([{ ...ws('a'), id: ws('a').id.toUpperCase() }, ws('b')])
    )
    const list = await listAll(ctxWith(http), BASE, AUTH)
    expect((list.value as { name: string }[]).map(w => w.name)).toEqual(['a', 'b'])
    expect(core.warning).not.toHaveBeenCalled()
  })

  it('links that never repeat stop at the cap, with a warning', async () => {
    const http = new FakeHttp()
    for (let n = 1; n <= 10; n++) http.reply(page([ws(`w${n}`)], `${BASE}&page=${n + 1}`))
    const list = await listAll(ctxWith(http), BASE, AUTH, 5)
    expect(http.requests).toHaveLength(5)
    expect(list.value).toHaveLength(5)
    expect(String(core.warning.mock.calls[0][0])).toMatch(/after 5 pages/)
    expect(MAX_PAGES).toBe(200)
  })

  it('a relative nextLink resolves against the page that gave it', async () => {
    const http = new FakeHttp().reply(page([ws('a')], '?api-version=1&page=2'), page([ws('b')]))
    await listAll(ctxWith(http), BASE, AUTH)
    expect(http.requests[1].url).toBe(
      'https://management.azure.com/subscriptions/s/providers/P/workspaces?api-version=1&page=2'
    )
  })
})

describe('Pages', () => {
  it('admits each cursor once and items without an id every time', () => {
    const warn = jest.fn<(m: string) => void>()
    const pages = new Pages('POST x', 10, warn)
    expect(pages.admit('')).toBe(true)
    expect(pages.add([{ id: 'e1' }, { name: 'no id' }, { name: 'no id' }])).toBe(3)
    expect(pages.admit('T')).toBe(true)
    expect(pages.add([{ id: 'e1' }, { id: 'e2' }])).toBe(1)
    expect(pages.admit('T')).toBe(false)
    expect(pages.items).toHaveLength(4)
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/^Stopped paging POST x after 2 pages/))
  })
})
