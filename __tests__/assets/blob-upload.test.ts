import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { afterAll, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals'
import * as core from '../../__fixtures__/core.js'
import { startAzurite, type Azurite } from '../../emulator/azurite.js'
import { listCodeFiles } from '../../src/assets/files.js'
import { cleanup, tempDir, writeTree } from './helpers.js'

jest.unstable_mockModule('@actions/core', () => core)
const { pendingUploadTarget, uploadFiles } = await import('../../src/assets/blob-upload.js')
const { maskSasUrl } = await import('../../src/auth/mask.js')
const { ContainerClient } = await import('@azure/storage-blob')

let azurite: Azurite
beforeAll(async () => {
  azurite = await startAzurite()
})
afterAll(async () => {
  await azurite?.stop()
  await cleanup()
})
beforeEach(() => core.resetCoreFixture())

/** Everything the code under test printed through @actions/core, except what it registered as secrets. */
function printed(): string {
  const logged = [core.info, core.debug, core.notice, core.warning, core.error, core.setFailed, core.setOutput]
  return logged.flatMap(fn => fn.mock.calls.map(call => call.map(String).join(' '))).join('\n')
}

/** The SAS parts a leak would show: the whole query, the signature (raw and URI-encoded). */
function sasParts(sasUrl: string): string[] {
  const query = sasUrl.slice(sasUrl.indexOf('?') + 1)
  const sig = new URLSearchParams(query).get('sig') ?? ''
  return [query, sig, encodeURIComponent(sig)]
}

async function downloadAll(sasUrl: string, prefix: string): Promise<Map<string, Buffer>> {
  const container = new ContainerClient(sasUrl)
  const blobs = new Map<string, Buffer>()
  for await (const blob of container.listBlobsFlat({ prefix })) {
    blobs.set(blob.name, await container.getBlobClient(blob.name).downloadToBuffer())
  }
  return blobs
}

describe('uploadFiles against Azurite', () => {
  it('uploads a folder of 30 files (one of 9 MB, in blocks) to <prefix><path>, byte for byte, SAS never printed', async () => {
    const root = await tempDir('upload-')
    const tree: Record<string, Buffer> = { 'data/big.bin': randomBytes(9 * 1000 * 1000) }
    for (let i = 0; i < 25; i++) tree[`src/module_${i}.py`] = Buffer.from(`# module ${i}\n${'x = 1\n'.repeat(i * 50)}`)
    tree['README.md'] = Buffer.from('# readme\n')
    tree['empty.txt'] = Buffer.alloc(0)
    tree['nested/deeper/ünïcode name.txt'] = Buffer.from('unicode')
    tree['.amlignore'] = Buffer.from('*.log\n')
    tree['ignored.log'] = Buffer.from('not uploaded')
    await writeTree(root, tree)
    const list = await listCodeFiles(root)
    expect(list.files).toHaveLength(30)

    const sasUrl = await azurite.containerSasUrl('azureml-blobstore-test', 60 * 60_000)
    const target = pendingUploadTarget(
      { blobUri: `${azurite.blobEndpoint}/azureml-blobstore-test/LocalUpload/abc123`, credential: { sasUri: sasUrl } },
      'src'
    )
    expect(target).toEqual({ containerSasUrl: sasUrl, blobPrefix: 'LocalUpload/abc123/src/' })

    const result = await uploadFiles(list.files, target, { label: 'code of ./src' })
    expect(result.files).toBe(30)
    expect(result.bytes).toBe(list.totalBytes)
    expect(result.ms).toBeGreaterThanOrEqual(0)

    const blobs = await downloadAll(sasUrl, 'LocalUpload/abc123/')
    expect([...blobs.keys()].sort()).toEqual(list.files.map(file => `LocalUpload/abc123/src/${file.path}`).sort())
    for (const file of list.files) {
      expect(blobs.get(`LocalUpload/abc123/src/${file.path}`)?.equals(await readFile(file.absolutePath))).toBe(true)
    }
    // The 9 MB file went as blocks (Put Block + Put Block List), the small ones in one Put Blob.
    const container = new ContainerClient(sasUrl)
    const big = await container.getBlockBlobClient('LocalUpload/abc123/src/data/big.bin').getBlockList('committed')
    expect(big.committedBlocks?.length).toBe(9)
    const small = await container.getBlockBlobClient('LocalUpload/abc123/src/README.md').getBlockList('committed')
    expect(small.committedBlocks?.length ?? 0).toBe(0)

    // Masked the moment it was received: the URL, its query, its signature.
    const secrets = core.setSecret.mock.calls.map(call => call[0])
    for (const part of [sasUrl, ...sasParts(sasUrl)]) expect(secrets).toContain(part)
    const out = printed()
    for (const part of sasParts(sasUrl)) expect(out).not.toContain(part)
    expect(out).toContain(`${azurite.blobEndpoint}/azureml-blobstore-test/LocalUpload/abc123/src/`)
    // Progress: a start line, at most one per 10%, a final line; never one per file.
    expect(core.info.mock.calls.length).toBeLessThanOrEqual(12)
    expect(core.info.mock.calls[0][0]).toMatch(
      /^Uploading code of \.\/src: 30 files, .* to http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1\/azureml-blobstore-test\/LocalUpload\/abc123\/src\/$/
    )
    expect(core.info.mock.calls.at(-1)?.[0]).toMatch(/^Uploaded code of \.\/src: 30 files, .* in \d+\.\d s$/)
  })

  it('fails naming the file, the blob and the HTTP status, without the SAS', async () => {
    const root = await tempDir('upload-')
    await writeTree(root, { 'a.py': 'a' })
    const list = await listCodeFiles(root)
    const sasUrl = await azurite.containerSasUrl('soon-gone', 60_000)
    await deleteContainer('soon-gone')
    let error: unknown
    try {
      await uploadFiles(list.files, { containerSasUrl: sasUrl, blobPrefix: 'LocalUpload/x' }, { retryDelayInMs: 10 })
    } catch (caught) {
      error = caught
    }
    expect(error).toMatchObject({ name: 'AzureRequestError', status: 404 })
    const message = (error as Error).message
    expect(message).toMatch(/^Uploading a\.py to blob LocalUpload\/x\/a\.py failed: HTTP 404 ContainerNotFound/)
    for (const part of sasParts(sasUrl)) expect(message).not.toContain(part)
    for (const part of sasParts(sasUrl)) expect(printed()).not.toContain(part)
  })

  it('refuses a file that changed since it was listed (the hash would not describe the upload)', async () => {
    const root = await tempDir('upload-')
    await writeTree(root, { 'a.py': 'a' })
    const list = await listCodeFiles(root)
    await writeTree(root, { 'a.py': 'changed' })
    const sasUrl = await azurite.containerSasUrl('changed', 60_000)
    await expect(uploadFiles(list.files, { containerSasUrl: sasUrl, blobPrefix: '' })).rejects.toThrow(
      /a\.py changed since its folder was hashed \(1 bytes then, 7 now\)/
    )
  })

  async function deleteContainer(name: string): Promise<void> {
    const { StorageSharedKeyCredential } = await import('@azure/storage-blob')
    const credential = new StorageSharedKeyCredential(azurite.accountName, azurite.accountKey)
    await new ContainerClient(`${azurite.blobEndpoint}/${name}`, credential).deleteIfExists()
  }
})

describe('pendingUploadTarget', () => {
  beforeEach(() => core.resetCoreFixture())

  it('splits an Azure (virtual-host style) SAS URL and blob URI into container and folder, masking the SAS', () => {
    const sasUri = 'https://acct.blob.core.windows.net/azureml-blobstore-1?sv=2024-05-04&sr=c&sp=racwl&sig=abc%2Bdef%3D'
    const target = pendingUploadTarget(
      { blobUri: 'https://acct.blob.core.windows.net/azureml-blobstore-1/LocalUpload/f00d', credential: { sasUri } },
      'src'
    )
    expect(target).toEqual({ containerSasUrl: sasUri, blobPrefix: 'LocalUpload/f00d/src/' })
    const secrets = core.setSecret.mock.calls.map(call => call[0])
    expect(secrets).toEqual(
      expect.arrayContaining([sasUri, 'sv=2024-05-04&sr=c&sp=racwl&sig=abc%2Bdef%3D', 'abc+def='])
    )
  })

  it('accepts a SAS URL that points into the container, and a blob URI without a folder', () => {
    const sasUri = 'https://acct.blob.core.windows.net/c/LocalUpload/f00d?sr=d&sig=s1gnature'
    expect(
      pendingUploadTarget({ blobUri: 'https://acct.blob.core.windows.net/c/LocalUpload/f%20d', credential: { sasUri } })
    ).toEqual({
      containerSasUrl: 'https://acct.blob.core.windows.net/c?sr=d&sig=s1gnature',
      blobPrefix: 'LocalUpload/f d/'
    })
    expect(
      pendingUploadTarget({ blobUri: 'https://acct.blob.core.windows.net/c', credential: { sasUri } }).blobPrefix
    ).toBe('')
  })

  it('refuses a blob URI outside the SAS container, without printing the SAS', () => {
    const sasUri = 'http://127.0.0.1:10000/devstoreaccount1/c1?sig=s1gnature'
    expect(() =>
      pendingUploadTarget({ blobUri: 'http://127.0.0.1:10000/devstoreaccount1/c2/x', credential: { sasUri } })
    ).toThrow(
      /^The upload slot's blob URI http:\/\/127\.0\.0\.1:10000\/devstoreaccount1\/c2\/x is not in the container of its SAS URL \(http:\/\/127\.0\.0\.1:10000\/devstoreaccount1\/c1\)\.$/
    )
  })

  it('maskSasUrl registers the URL, the query with and without ?, and the signature', () => {
    maskSasUrl('https://a.blob.core.windows.net/c?sv=1&sig=xyz%2F1234')
    const secrets = core.setSecret.mock.calls.map(call => call[0])
    expect(secrets).toEqual(
      expect.arrayContaining([
        'https://a.blob.core.windows.net/c?sv=1&sig=xyz%2F1234',
        'sv=1&sig=xyz%2F1234',
        '?sv=1&sig=xyz%2F1234',
        'xyz/1234'
      ])
    )
  })
})
