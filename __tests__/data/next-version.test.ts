/**
 * The version register-data takes when the YAML names none, as azure-ai-ml's `_create_or_update_autoincrement`:
 * `GET {WS}/data/{name}` (DataContainers_Get) → `properties.nextVersion`; a container without it: `latestVersion` + 1;
 * no container (404): "1".
 */
import { describe, expect, it, jest } from '@jest/globals'
import * as core from '../../__fixtures__/core.js'
import { FakeHttp, testSettings } from '../../__fixtures__/fakes.js'

jest.unstable_mockModule('@actions/core', () => core)
const { nextContainerVersion } = await import('../../src/assets/model-asset.js')
type Context = import('../../src/base/context.js').Context

const ws = { subscriptionId: 'sub', resourceGroup: 'rg', workspaceName: 'ws' }
const WS = '/subscriptions/sub/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws'
const ctxOf = (http: FakeHttp) => ({ http }) as unknown as Context
const container = (properties: Record<string, unknown>) => ({ status: 200, body: JSON.stringify({ properties }) })

describe('nextContainerVersion for data', () => {
  it("the container's nextVersion, from GET {WS}/data/{name}", async () => {
    const http = new FakeHttp().reply(container({ latestVersion: '4', nextVersion: '5' }))
    expect(await nextContainerVersion(ctxOf(http), testSettings(), ws, 'data', 'my data')).toBe('5')
    expect(http.requests.map(r => `${r.method} ${r.url.split('?')[0]}`)).toEqual([
      `GET https://management.azure.com${WS}/data/my%20data`
    ])
  })

  it('no nextVersion: latestVersion + 1; a non-numeric latest: "1"', async () => {
    const http = new FakeHttp().reply(container({ latestVersion: '9' }), container({ latestVersion: 'v2' }))
    expect(await nextContainerVersion(ctxOf(http), testSettings(), ws, 'data', 'd')).toBe('10')
    expect(await nextContainerVersion(ctxOf(http), testSettings(), ws, 'data', 'd')).toBe('1')
  })

  it('no container yet (404): "1"', async () => {
    const http = new FakeHttp().reply({ status: 404, body: '{"error":{"code":"UserError","message":"no"}}' })
    expect(await nextContainerVersion(ctxOf(http), testSettings(), ws, 'data', 'd')).toBe('1')
  })
})
