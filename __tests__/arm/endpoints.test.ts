import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { dataPlaneUrl, joinUrl, workspacePath } from '../../src/arm/endpoints.js'
import { listItems } from '../../src/action/outputs.js'
import { VERSION } from '../../src/base/version.js'

const ws = { subscriptionId: '11111111-2222-3333-4444-555555555555', resourceGroup: 'rg (ml)', workspaceName: 'ws-1' }

describe('endpoints', () => {
  it('builds {WS} as the workspace ARM id, escaping names', () => {
    expect(workspacePath(ws)).toBe(
      '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg%20(ml)/providers/Microsoft.MachineLearningServices/workspaces/ws-1'
    )
  })

  it('adds api-version unless the path has one, and joins without double slashes', () => {
    expect(joinUrl('https://management.azure.com/', '/subscriptions', { 'api-version': '2019-11-01' })).toBe(
      'https://management.azure.com/subscriptions?api-version=2019-11-01'
    )
    expect(joinUrl('https://management.azure.com', '/x?api-version=2024-04-01', { 'api-version': '2019-11-01' })).toBe(
      'https://management.azure.com/x?api-version=2024-04-01'
    )
  })

  it('puts data-plane calls under their service and version on the api server', () => {
    expect(dataPlaneUrl('https://centralus.api.azureml.ms', 'history', ws, '/experiments')).toBe(
      `https://centralus.api.azureml.ms/history/v1.0${workspacePath(ws)}/experiments`
    )
    expect(dataPlaneUrl('http://127.0.0.1:9/', 'modelmanagement', ws, '/models')).toMatch(
      /^http:\/\/127\.0\.0\.1:9\/modelmanagement\/v1\.0\/subscriptions\/.*\/models$/
    )
  })
})

describe('listItems', () => {
  it('reads value arrays and bare arrays', () => {
    expect(listItems({ value: [1, 2] })).toEqual([1, 2])
    expect(listItems([3])).toEqual([3])
    expect(listItems({ name: 'x' })).toEqual([])
  })
})

describe('version', () => {
  it('matches package.json (it goes into the User-Agent)', () => {
    expect(VERSION).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version)
  })
})
