/**
 * Component assets (emulator/resources/components.ts): PUT/GET/list of versions and containers, `latestVersion` /
 * `nextVersion`, immutable versions (the same `componentSpec` again 200, another one 409); every answer checked against
 * mfe.json 2024-04-01.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { loadSpecs, type Emulator } from '../../emulator/index.js'
import { arm2, startFast, token, wsPath } from './helpers.js'

let emu: Emulator
let tok: string
beforeAll(async () => {
  emu = await startFast()
  tok = await token(emu)
})
afterAll(() => emu.close())
beforeEach(() => {
  emu.reset()
})

const MFE = 'mfe-2024-04-01'
const spec = (command: string) => ({
  properties: {
    componentSpec: { name: 'train', version: '1', type: 'command', command, environment: 'azureml:env:1' },
    isAnonymous: false,
    tags: {}
  }
})

describe('component versions', () => {
  it('PUT 201, same spec 200, another spec 409; container latestVersion/nextVersion; list', async () => {
    const specs = await loadSpecs()
    const path = `${wsPath(emu)}/components/train/versions/1`
    const created = await arm2(emu, tok, path, { method: 'PUT', body: spec('python a.py') })
    expect(created.status).toBe(201)
    expect(specs.validateResponse('ComponentVersions_CreateOrUpdate', 201, created.json, MFE)).toEqual([])
    expect(created.json.properties).toMatchObject({ provisioningState: 'Succeeded', isAnonymous: false })
    const again = await arm2(emu, tok, path, { method: 'PUT', body: spec('python a.py') })
    expect(again.status).toBe(200)
    const changed = await arm2(emu, tok, path, { method: 'PUT', body: spec('python b.py') })
    expect(changed.status).toBe(409)
    expect(changed.json.error.message).toMatch(/already exists with a different definition/)

    const get = await arm2(emu, tok, path)
    expect(get.json.properties.componentSpec.command).toBe('python a.py')
    expect(specs.validateResponse('ComponentVersions_Get', 200, get.json, MFE)).toEqual([])
    const container = await arm2(emu, tok, `${wsPath(emu)}/components/train`)
    expect(container.json.properties).toMatchObject({ latestVersion: '1', nextVersion: '2' })
    expect(specs.validateResponse('ComponentContainers_Get', 200, container.json, MFE)).toEqual([])
    const list = await arm2(emu, tok, `${wsPath(emu)}/components/train/versions`)
    expect(list.json.value.map((v: { name: string }) => v.name)).toEqual(['1'])
    expect(specs.validateResponse('ComponentVersions_List', 200, list.json, MFE)).toEqual([])
    const containers = await arm2(emu, tok, `${wsPath(emu)}/components`)
    expect(specs.validateResponse('ComponentContainers_List', 200, containers.json, MFE)).toEqual([])
    const missing = await arm2(emu, tok, `${wsPath(emu)}/components/nope`)
    expect(missing.status).toBe(404)
  })

  it('refuses a version without componentSpec (400)', async () => {
    const r = await arm2(emu, tok, `${wsPath(emu)}/components/x/versions/1`, {
      method: 'PUT',
      body: { properties: {} }
    })
    expect(r.status).toBe(400)
  })
})
