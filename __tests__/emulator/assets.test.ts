/**
 * v2 assets and datastores (codes.ts, environments.ts, data.ts, model-assets.ts, datastores.ts): the content-hash
 * query across code names, immutable versions (409), latestVersion/nextVersion and `$orderBy`/`$top`, the default
 * datastore and its SAS, data and model versions; every answer checked against mfe.json 2024-04-01.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { loadSpecs, type Emulator } from '../../emulator/index.js'
import { AZURITE_ACCOUNT_KEY } from '../../emulator/azurite.js'
import { arm2, datastoreSasUrl, startFast, token, uploadCode, wsPath } from './helpers.js'

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
const HASH = 'a3'.repeat(32)

describe('code assets', () => {
  it('the hash query finds a version of any code name; an unknown container answers 200 with an empty value', async () => {
    const specs = await loadSpecs()
    const code = await uploadCode(emu, tok, { 'main.py': 'print(1)\n' }, { name: 'anon-1', hash: HASH })
    const hit = await arm2(emu, tok, `${wsPath(emu)}/codes/some-other-name/versions?hash=${HASH}&hashVersion=202208`)
    expect(hit.status).toBe(200)
    expect(hit.json.value.map((v: { id: string }) => v.id)).toEqual([code.id])
    expect(hit.json.value[0].properties).toMatchObject({
      codeUri: code.codeUri,
      isAnonymous: true,
      properties: { hash_sha256: HASH, hash_version: '202208' }
    })
    expect(specs.validateResponse('CodeVersions_List', 200, hit.json, MFE)).toEqual([])
    const miss = await arm2(emu, tok, `${wsPath(emu)}/codes/anon-1/versions?hash=${'0'.repeat(64)}&hashVersion=202208`)
    expect(miss.status).toBe(200)
    expect(miss.json.value).toEqual([])

    const get = await arm2(emu, tok, `${wsPath(emu)}/codes/anon-1/versions/1`)
    expect(specs.validateResponse('CodeVersions_Get', 200, get.json, MFE)).toEqual([])
    const container = await arm2(emu, tok, `${wsPath(emu)}/codes/anon-1`)
    expect(container.json.properties).toMatchObject({ latestVersion: '1', nextVersion: '2' })
    expect(specs.validateResponse('CodeContainers_Get', 200, container.json, MFE)).toEqual([])
  })

  it('startPendingUpload hands out a fresh LocalUpload folder and a SAS of the default container', async () => {
    const specs = await loadSpecs()
    const path = `${wsPath(emu)}/codes/c/versions/1/startPendingUpload`
    const a = await arm2(emu, tok, path, { method: 'POST', body: { pendingUploadType: 'TemporaryBlobReference' } })
    const b = await arm2(emu, tok, path, { method: 'POST', body: { pendingUploadType: 'TemporaryBlobReference' } })
    expect(a.status).toBe(200)
    expect(specs.validateResponse('CodeVersions_CreateOrGetStartPendingUpload', 200, a.json, MFE)).toEqual([])
    const ref = a.json.blobReferenceForConsumption
    expect(ref.blobUri).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1\/azureml-blobstore-[0-9a-f-]+\/LocalUpload\/[0-9a-f]{32}$/
    )
    expect(ref.credential.credentialType).toBe('SAS')
    expect(ref.credential.sasUri.startsWith(ref.blobUri.split('/LocalUpload/')[0] + '?')).toBe(true)
    expect(ref.storageAccountArmId).toBe(emu.seed.storageAccountId)
    expect(b.json.blobReferenceForConsumption.blobUri).not.toBe(ref.blobUri)
    const bad = await arm2(emu, tok, path, { method: 'POST', body: { pendingUploadType: 'None' } })
    expect(bad.status).toBe(400)
  })

  it('a version is immutable: the same body again is 200, another codeUri 409', async () => {
    const code = await uploadCode(emu, tok, { 'a.py': '' }, { name: 'imm' })
    const same = await arm2(emu, tok, `${wsPath(emu)}/codes/imm/versions/1`, {
      method: 'PUT',
      body: {
        properties: {
          codeUri: code.codeUri,
          isAnonymous: true,
          properties: { hash_sha256: 'f'.repeat(64), hash_version: '202208' }
        }
      }
    })
    expect(same.status).toBe(200)
    const other = await arm2(emu, tok, `${wsPath(emu)}/codes/imm/versions/1`, {
      method: 'PUT',
      body: { properties: { codeUri: `${code.codeUri}/other` } }
    })
    expect(other.status).toBe(409)
    // Azure's words, which azure-ai-ml compares with its ASSET_PATH_ERROR (emulator/resources/codes.ts).
    expect(other.json.error.message).toBe('Asset paths cannot be updated.')
  })
})

describe('environments', () => {
  it('409 on a changed definition, 200 on the same; latestVersion, nextVersion, $orderBy createdtime desc, $top', async () => {
    const specs = await loadSpecs()
    const put = (version: string, image: string) =>
      arm2(emu, tok, `${wsPath(emu)}/environments/train-env/versions/${version}`, {
        method: 'PUT',
        body: { properties: { image, description: 'x' } }
      })
    const first = await put('1', 'python:3.11-slim')
    expect(first.status).toBe(201)
    expect(specs.validateResponse('EnvironmentVersions_CreateOrUpdate', 201, first.json, MFE)).toEqual([])
    expect((await put('1', 'python:3.11-slim')).status).toBe(200)
    const changed = await put('1', 'python:3.12-slim')
    expect(changed.status).toBe(409)
    expect(changed.json.error.message).toMatch(/already exists with a different image.*immutable/)
    expect((await put('2', 'python:3.12-slim')).status).toBe(201)

    const container = await arm2(emu, tok, `${wsPath(emu)}/environments/train-env`)
    expect(container.json.properties).toMatchObject({ latestVersion: '2', nextVersion: '3' })
    expect(specs.validateResponse('EnvironmentContainers_Get', 200, container.json, MFE)).toEqual([])
    const latest = await arm2(
      emu,
      tok,
      `${wsPath(emu)}/environments/train-env/versions?$orderBy=${encodeURIComponent('createdtime desc')}&$top=1`
    )
    expect(latest.json.value.map((v: { name: string }) => v.name)).toEqual(['2'])
    expect(latest.json.value[0].properties.image).toBe('python:3.12-slim')
    expect(specs.validateResponse('EnvironmentVersions_List', 200, latest.json, MFE)).toEqual([])
    const list = await arm2(emu, tok, `${wsPath(emu)}/environments`)
    // Every workspace also lists Microsoft's curated environments (AzureML-..., as `az ml environment list` shows).
    const names = list.json.value.map((c: { name: string }) => c.name)
    expect(names.filter((n: string) => !n.startsWith('AzureML-'))).toEqual(['train-env'])
    expect(names).toContain('AzureML-sklearn-1.0-ubuntu20.04-py38-cpu')
    expect((await arm2(emu, tok, `${wsPath(emu)}/environments/none/versions`)).status).toBe(404)
    const noImage = await arm2(emu, tok, `${wsPath(emu)}/environments/e/versions/1`, {
      method: 'PUT',
      body: { properties: { condaFile: 'name: x' } }
    })
    expect(noImage.status).toBe(400)
  })
})

describe('datastores', () => {
  it('the default workspaceblobstore on Azurite hands out the account key, as Azure; a container SAS made from it writes', async () => {
    const specs = await loadSpecs()
    const list = await arm2(emu, tok, `${wsPath(emu)}/datastores?isDefault=true`)
    expect(list.status).toBe(200)
    expect(specs.validateResponse('Datastores_List', 200, list.json, MFE)).toEqual([])
    expect(list.json.value).toHaveLength(1)
    const ds = list.json.value[0]
    expect(ds.name).toBe('workspaceblobstore')
    expect(ds.properties).toMatchObject({
      datastoreType: 'AzureBlob',
      accountName: 'devstoreaccount1',
      protocol: 'http',
      isDefault: true,
      credentials: { credentialsType: 'AccountKey' }
    })
    expect(ds.properties.credentials.secrets).toBeUndefined()
    expect(ds.properties.containerName).toMatch(/^azureml-blobstore-/)
    expect(ds.properties.endpoint).toMatch(/^127\.0\.0\.1:\d+$/)
    const get = await arm2(emu, tok, `${wsPath(emu)}/datastores/workspaceblobstore`)
    expect(specs.validateResponse('Datastores_Get', 200, get.json, MFE)).toEqual([])
    const secrets = await arm2(emu, tok, `${wsPath(emu)}/datastores/workspaceblobstore/listSecrets`, { method: 'POST' })
    expect(secrets.status).toBe(200)
    expect(specs.validateResponse('Datastores_ListSecrets', 200, secrets.json, MFE)).toEqual([])
    expect(secrets.json).toEqual({ secretsType: 'AccountKey', key: AZURITE_ACCOUNT_KEY })
    const { ContainerClient } = await import('@azure/storage-blob')
    const container = new ContainerClient(await datastoreSasUrl(ds.properties, secrets.json))
    await container.getBlockBlobClient('hello.txt').upload('hi', 2)
    expect((await container.getBlobClient('hello.txt').downloadToBuffer()).toString()).toBe('hi')
    expect((await arm2(emu, tok, `${wsPath(emu)}/datastores/nope`)).status).toBe(404)
  })

  it('lists workspaceartifactstore beside it (container azureml, not default), as Azure creates it', async () => {
    const specs = await loadSpecs()
    const all = await arm2(emu, tok, `${wsPath(emu)}/datastores`)
    expect(specs.validateResponse('Datastores_List', 200, all.json, MFE)).toEqual([])
    expect(all.json.value.map((d: { name: string }) => d.name)).toEqual([
      'workspaceblobstore',
      'workspaceartifactstore'
    ])
    const others = await arm2(emu, tok, `${wsPath(emu)}/datastores?isDefault=false`)
    expect(others.json.value).toHaveLength(1)
    expect(others.json.value[0]).toMatchObject({
      name: 'workspaceartifactstore',
      properties: {
        datastoreType: 'AzureBlob',
        containerName: 'azureml',
        isDefault: false,
        credentials: { credentialsType: 'AccountKey' }
      }
    })
    const secrets = await arm2(emu, tok, `${wsPath(emu)}/datastores/workspaceartifactstore/listSecrets`, {
      method: 'POST'
    })
    expect(secrets.json.secretsType).toBe('AccountKey')
    const put = await arm2(emu, tok, `${wsPath(emu)}/datastores/workspaceartifactstore`, {
      method: 'PUT',
      body: {
        properties: {
          datastoreType: 'AzureBlob',
          accountName: 'a',
          containerName: 'c',
          credentials: { credentialsType: 'None' }
        }
      }
    })
    expect(put.status).toBe(400)
  })

  it('defaultDatastoreCredentials: Sas hands out a container SAS token; None (identity-based) lists no secrets', async () => {
    const sas = await startFast({ defaultDatastoreCredentials: 'Sas' })
    try {
      const t = await token(sas)
      const ds = (await arm2(sas, t, `${wsPath(sas)}/datastores/workspaceblobstore`)).json
      expect(ds.properties.credentials).toEqual({ credentialsType: 'Sas' })
      const secrets = await arm2(sas, t, `${wsPath(sas)}/datastores/workspaceblobstore/listSecrets`, { method: 'POST' })
      expect((await loadSpecs()).validateResponse('Datastores_ListSecrets', 200, secrets.json, MFE)).toEqual([])
      expect(secrets.json.secretsType).toBe('Sas')
      expect(secrets.json.sasToken).not.toMatch(/^\?/)
      expect(secrets.json.sasToken).toContain('sig=')
      const { ContainerClient } = await import('@azure/storage-blob')
      const container = new ContainerClient(await datastoreSasUrl(ds.properties, secrets.json))
      await container.getBlockBlobClient('hello.txt').upload('hi', 2)
    } finally {
      await sas.close()
    }
    const none = await startFast({ defaultDatastoreCredentials: 'None' })
    try {
      const t = await token(none)
      const ds = (await arm2(none, t, `${wsPath(none)}/datastores/workspaceblobstore`)).json
      expect(ds.properties.credentials).toEqual({ credentialsType: 'None' })
      const secrets = await arm2(none, t, `${wsPath(none)}/datastores/workspaceblobstore/listSecrets`, {
        method: 'POST'
      })
      expect(secrets.status).toBe(400)
      expect(secrets.text).toContain('identity-based')
    } finally {
      await none.close()
    }
    await expect(startFast({ defaultDatastoreCredentials: 'Key' })).rejects.toThrow(/AccountKey, Sas or None/)
  })
})

describe('data and model versions', () => {
  it('PUT, GET and list with $orderBy/$top', async () => {
    const specs = await loadSpecs()
    for (const v of ['1', '2']) {
      const d = await arm2(emu, tok, `${wsPath(emu)}/data/rows/versions/${v}`, {
        method: 'PUT',
        body: {
          properties: { dataType: 'uri_folder', dataUri: `azureml://datastores/workspaceblobstore/paths/rows/v${v}/` }
        }
      })
      expect(d.status).toBe(201)
      expect(specs.validateResponse('DataVersions_CreateOrUpdate', 201, d.json, MFE)).toEqual([])
    }
    const got = await arm2(emu, tok, `${wsPath(emu)}/data/rows/versions/2`)
    expect(got.json.properties).toMatchObject({ dataType: 'uri_folder', dataUri: expect.stringContaining('/v2/') })
    expect(specs.validateResponse('DataVersions_Get', 200, got.json, MFE)).toEqual([])
    const top = await arm2(emu, tok, `${wsPath(emu)}/data/rows/versions?$orderBy=createdtime%20desc&$top=1`)
    expect(top.json.value.map((x: { name: string }) => x.name)).toEqual(['2'])
    expect(specs.validateResponse('DataVersions_List', 200, top.json, MFE)).toEqual([])

    const m = await arm2(emu, tok, `${wsPath(emu)}/models/regressor/versions/1`, {
      method: 'PUT',
      body: {
        properties: { modelUri: 'azureml://datastores/workspaceblobstore/paths/models/r/', modelType: 'custom_model' }
      }
    })
    expect(m.status).toBe(201)
    const mg = await arm2(emu, tok, `${wsPath(emu)}/models/regressor/versions/1`)
    expect(specs.validateResponse('ModelVersions_Get', 200, mg.json, MFE)).toEqual([])
    // Azure answers flavors, tags and properties as {} when the PUT gave none (azure-ai-ml calls flavors.items()).
    expect(mg.json.properties).toMatchObject({ flavors: {}, tags: {}, properties: {} })
    const ml = await arm2(emu, tok, `${wsPath(emu)}/models/regressor/versions?$top=5`)
    expect(ml.json.value).toHaveLength(1)
    expect(specs.validateResponse('ModelVersions_List', 200, ml.json, MFE)).toEqual([])
    expect((await arm2(emu, tok, `${wsPath(emu)}/models/regressor/versions/9`)).status).toBe(404)
  })

  it('a data version PUT is checked as Azure checks it: dataType in the DataType enum, dataUri required; an mltable with referencedUris; immutable', async () => {
    const put = (name: string, properties: Record<string, unknown>) =>
      arm2(emu, tok, `${wsPath(emu)}/data/${name}/versions/1`, { method: 'PUT', body: { properties } })
    const badType = await put('t', { dataType: 'uri_table', dataUri: 'https://a.blob.core.windows.net/c/x' })
    expect(badType.status).toBe(400)
    expect(JSON.stringify(badType.json)).toMatch(/dataType/)
    const noUri = await put('u', { dataType: 'uri_file' })
    expect(noUri.status).toBe(400)
    expect(JSON.stringify(noUri.json)).toMatch(/dataUri/)
    // referencedUris belongs to MLTableData only (additionalProperties: false on the others).
    const refs = { dataUri: 'azureml://datastores/workspaceblobstore/paths/t/', referencedUris: ['./a.csv'] }
    expect((await put('m', { dataType: 'uri_folder', ...refs })).status).toBe(400)
    const table = await put('m', { dataType: 'mltable', ...refs })
    expect(table.status).toBe(201)
    expect(table.json.properties.referencedUris).toEqual(['./a.csv'])
    // The same definition again: 200; another dataUri under the same version: 409 naming it.
    expect((await put('m', { dataType: 'mltable', ...refs, description: 'd' })).status).toBe(200)
    const changed = await put('m', { dataType: 'mltable', ...refs, dataUri: 'azureml://datastores/x/paths/y/' })
    expect(changed.status).toBe(409)
    expect(changed.json.error.message).toMatch(/different dataUri/)
  })
})
