/**
 * A compute that does not exist: the error names where it was written (`file:line: field`), lists the computes the
 * workspace has (one `GET {WS}/computes`, made only after the lookup failed) and suggests a close one.
 */
import { describe, expect, it, jest } from '@jest/globals'
import * as core from '../../__fixtures__/core.js'
import { FakeHttp, testSettings } from '../../__fixtures__/fakes.js'
import type { CommonSettings } from '../../src/base/settings.js'

jest.unstable_mockModule('@actions/core', () => core)
const { referenceLookups, resolveCompute } = await import('../../src/assets/workspace-assets.js')
type Context = import('../../src/base/context.js').Context

const settings: CommonSettings = testSettings()
const ws = { subscriptionId: 'sub', resourceGroup: 'rg', workspaceName: 'ws' }
const WS = '/subscriptions/sub/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws'
const ctxOf = (http: FakeHttp) => ({ http }) as unknown as Context
const NOT_FOUND = { status: 404, body: JSON.stringify({ error: { code: 'ResourceNotFound', message: 'no' } }) }
const listing = (...names: string[]) => ({
  status: 200,
  body: JSON.stringify({ value: names.map(n => ({ id: `${WS}/computes/${n}`, name: n })) })
})
const where = { input: 'job', field: 'pipeline.yml:12: settings.default_compute' }

async function errorOf(work: Promise<unknown>): Promise<Error> {
  try {
    await work
  } catch (e) {
    return e as Error
  }
  throw new Error('no error')
}

describe('resolveCompute', () => {
  it('an existing compute: one GET, no listing', async () => {
    const http = new FakeHttp().reply({ status: 200, body: '{}' })
    expect(await resolveCompute(ctxOf(http), settings, ws, 'cpu-cluster', where)).toBe(`${WS}/computes/cpu-cluster`)
    expect(http.requests.map(r => r.url.split('?')[0])).toEqual([
      `https://management.azure.com${WS}/computes/cpu-cluster`
    ])
  })

  it('a missing compute: names the field and line, lists the computes there, suggests the close one', async () => {
    const http = new FakeHttp().reply(NOT_FOUND, listing('gpu-cluster', 'cpu-cluster'))
    const e = await errorOf(resolveCompute(ctxOf(http), settings, ws, 'cpu-clustr', where))
    expect(e.message).toBe(
      "Input 'job': pipeline.yml:12: settings.default_compute: the compute 'cpu-clustr' does not exist in workspace " +
        "ws (computes there: cpu-cluster, gpu-cluster): did you mean 'cpu-cluster'? Or create it with create-compute, " +
        'or name an existing one.'
    )
    expect(http.requests.map(r => `${r.method} ${r.url.split('?')[0]}`)).toEqual([
      `GET https://management.azure.com${WS}/computes/cpu-clustr`,
      `GET https://management.azure.com${WS}/computes`
    ])
  })

  it('no close name: no guess; an empty workspace says so; a failed listing leaves the list out', async () => {
    let e = await errorOf(
      resolveCompute(ctxOf(new FakeHttp().reply(NOT_FOUND, listing('gpu-a100'))), settings, ws, 'cpu-cluster', where)
    )
    expect(e.message).toMatch(/\(computes there: gpu-a100\): create it with create-compute/)
    expect(e.message).not.toMatch(/did you mean/)
    e = await errorOf(resolveCompute(ctxOf(new FakeHttp().reply(NOT_FOUND, listing())), settings, ws, 'cpu', where))
    expect(e.message).toMatch(/does not exist in workspace ws \(it has no computes\): create it/)
    e = await errorOf(
      resolveCompute(ctxOf(new FakeHttp().reply(NOT_FOUND, new Error('network down'))), settings, ws, 'cpu', where)
    )
    expect(e.message).toMatch(/does not exist in workspace ws: create it with create-compute/)
  })

  it('referenceLookups: the place given wins over the field name; the lookup is asked once', async () => {
    const http = new FakeHttp().reply(NOT_FOUND, listing('cpu-cluster'))
    const { compute } = referenceLookups(ctxOf(http), settings, ws, { input: 'job', file: 'p.yml', cache: new Map() })
    const first = await errorOf(compute('compute')('cpu-clustr', where))
    expect(first.message).toMatch(/^Input 'job': pipeline\.yml:12: settings\.default_compute: /)
    const again = await errorOf(compute('compute')('cpu-clustr'))
    expect(again).toBe(first)
    expect(http.requests).toHaveLength(2)
  })
})
