/**
 * datastore-upload.ts: the SAS made from a datastore's account key is a container SAS with only what an upload uses
 * (a blob SAS cannot carry list: "Invalid permission: l", issue 18), and blob URLs of a datastore.
 */
import { describe, expect, it } from '@jest/globals'
import { blobContainerUrl, sasFromAccountKey, UPLOAD_SAS_PERMISSIONS } from '../../src/assets/datastore-upload.js'

// Azurite's published development key (a real base64 key, no secret).
const KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
const NOW = Date.UTC(2025, 0, 2, 3, 4, 5)

describe('sasFromAccountKey', () => {
  it('is a container SAS (sr=c) allowing write and list only, from 5 minutes before now for 2 hours', async () => {
    const sas = new URLSearchParams(await sasFromAccountKey('acct', KEY, 'azureml-blobstore-1', NOW))
    expect(sas.get('sr')).toBe('c')
    expect(sas.get('sp')).toBe('wl')
    expect(UPLOAD_SAS_PERMISSIONS).toBe('wl')
    expect(sas.get('st')).toBe('2025-01-02T02:59:05Z')
    expect(sas.get('se')).toBe('2025-01-02T05:04:05Z')
    expect(sas.get('sig')).toMatch(/^[A-Za-z0-9+/]+=*$/)
  })

  it('signs for the container it is given (another container, another signature)', async () => {
    const a = new URLSearchParams(await sasFromAccountKey('acct', KEY, 'one', NOW)).get('sig')
    const b = new URLSearchParams(await sasFromAccountKey('acct', KEY, 'two', NOW)).get('sig')
    expect(a).not.toBe(b)
  })
})

describe('blobContainerUrl', () => {
  it('is host-style on Azure and path-style for a loopback or IP endpoint (Azurite)', () => {
    expect(blobContainerUrl('https', 'acct', 'core.windows.net', 'c')).toBe('https://acct.blob.core.windows.net/c')
    expect(blobContainerUrl('http', 'devstoreaccount1', '127.0.0.1:10000', 'c')).toBe(
      'http://127.0.0.1:10000/devstoreaccount1/c'
    )
  })
})
