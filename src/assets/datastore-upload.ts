/**
 * A local path of a job input (`inputs.x.path: ./data`) uploaded to the workspace's default datastore, as `az ml`
 * does (V2.md "Code upload", the older path; azure-ai-ml `_artifacts/_artifact_utilities.py` `get_datastore_info`,
 * `upload_artifact`): `GET {WS}/datastores?isDefault=true` (Datastores_List), `POST {WS}/datastores/{name}/listSecrets`
 * (Datastores_ListSecrets: a SAS token or the account key, a secret), then the files to
 * `LocalUpload/<content hash>/<name>` in the datastore's container.
 *
 * Credentials (mfe.json 2024-04-01 `Datastores_ListSecrets`: `AccountKeyDatastoreSecrets.key`,
 * `SasDatastoreSecrets.sasToken`; V2.md "Datastores as Azure hands them out"): Azure's default `workspaceblobstore`
 * hands out the storage **account key**, from which a **container** SAS is made with only what the upload uses,
 * write (Put Blob, Put Block, Put Block List) and list (the "already there" check); list is a container permission,
 * so a blob SAS cannot carry it. A SAS datastore's token is used as it is. An identity-based datastore
 * (`credentials.credentialsType: None`, or no secrets) cannot be written with a SAS: refused, naming the datastore,
 * before anything is sent to storage. The key and every SAS are registered as secrets the moment they are read. The job input then reads
 * `azureml://datastores/<datastore>/paths/LocalUpload/<hash>/<name>` (with a trailing `/` for a folder).
 * A folder already there (the same blob names and sizes) is not sent again.
 */
import * as core from '@actions/core'
import { isIP } from 'node:net'
import { basename } from 'node:path'
import type { Context } from '../base/context.js'
import type { CommonSettings, WorkspaceRef } from '../base/settings.js'
import type { InputError } from '../base/errors.js'
import { armAuth } from '../arm/endpoints.js'
import { maskSecret } from '../auth/mask.js'
import { parseJson } from '../http/client.js'
import { maskSasUrl } from '../auth/mask.js'
import { countOf, uploadFiles } from './blob-upload.js'
import { contentHash } from './content-hash.js'
import { listCodeFiles, warnLeftOut, type CodeFile } from './files.js'
import { referenceError, workspaceV2Url, type ReferenceSource } from './workspace-assets.js'
import { listAll } from '../arm/endpoints.js'
import { suggest } from '../cli-yaml/schema.js'

interface DatastoreBody {
  name?: string
  properties?: {
    datastoreType?: string
    accountName?: string
    containerName?: string
    endpoint?: string
    protocol?: string
    credentials?: { credentialsType?: string }
  }
}

/** The default datastore's blob container, with a SAS URL (a secret). */
export interface DatastoreContainer {
  datastore: string
  containerSasUrl: string
}

/** SAS lifetime made from an account key: long enough for a large upload. */
const SAS_LIFETIME_MS = 2 * 60 * 60_000

/**
 * The container of the default datastore (`GET {WS}/datastores?isDefault=true`), or of datastore `name` (`GET
 * {WS}/datastores/{name}`), with a SAS URL that writes and lists. Throws `InputError` for `at` when it is not an
 * Azure Blob datastore (nothing can be uploaded then) or is identity-based.
 */
export async function defaultDatastore(
  ctx: Context,
  settings: CommonSettings,
  ws: WorkspaceRef,
  at: ReferenceSource,
  name?: string
): Promise<DatastoreContainer> {
  let store: DatastoreBody | undefined
  if (name === undefined) {
    const list = await ctx.http.send({
      method: 'GET',
      url: workspaceV2Url(settings, ws, '/datastores', 'isDefault=true'),
      auth: armAuth(settings)
    })
    store = (parseJson<{ value?: DatastoreBody[] }>(list)?.value ?? [])[0]
  } else {
    const one = await ctx.http.send({
      method: 'GET',
      url: workspaceV2Url(settings, ws, `/datastores/${encodeURIComponent(name)}`),
      auth: armAuth(settings),
      acceptStatus: [404]
    })
    if (one.status === 404) throw await unknownDatastore(ctx, settings, ws, name, at)
    store = parseJson<DatastoreBody>(one)
  }
  const p = store?.properties
  if (!store?.name || p?.datastoreType !== 'AzureBlob' || !p.accountName || !p.containerName) {
    throw referenceError(
      at,
      name === undefined
        ? `workspace ${ws.workspaceName} has no default Azure Blob datastore to upload the local path to; upload ` +
            'the data yourself and give its azureml:// or https:// path.'
        : `datastore ${name} of workspace ${ws.workspaceName} is not an Azure Blob datastore.`
    )
  }
  const identityBased = (datastore: string): InputError =>
    referenceError(
      at,
      `${name === undefined ? 'the default datastore' : 'datastore'} ${datastore} of workspace ${ws.workspaceName} is identity-based (credentials ` +
        `${p.credentials?.credentialsType ?? 'without secrets'}): it hands out neither an account key nor a SAS token, ` +
        'so the action cannot upload to it. Upload the files yourself (e.g. az storage blob upload-batch with your ' +
        'identity) and give their azureml://datastores/... path, or give the datastore an account key or SAS.'
    )
  if (p.credentials?.credentialsType === 'None') throw identityBased(store.name)
  const secrets = await ctx.http.send({
    method: 'POST',
    url: workspaceV2Url(settings, ws, `/datastores/${encodeURIComponent(store.name)}/listSecrets`),
    auth: armAuth(settings),
    // Reads secrets, changes nothing: safe to repeat, and sent in dry-run too.
    idempotent: true,
    readOnly: true
  })
  const body =
    parseJson<{ secretsType?: string; sasToken?: string; key?: string }>(secrets, { holdsSecrets: true }) ?? {}
  const containerUrl = blobContainerUrl(
    p.protocol ?? 'https',
    p.accountName,
    p.endpoint ?? 'core.windows.net',
    p.containerName
  )
  let sas: string
  if (body.secretsType === 'Sas' && body.sasToken) {
    maskSecret(body.sasToken)
    sas = body.sasToken.replace(/^\?/, '')
  } else if (body.secretsType === 'AccountKey' && body.key) {
    maskSecret(body.key)
    sas = await sasFromAccountKey(p.accountName, body.key, p.containerName, ctx.clock.now())
  } else {
    throw identityBased(store.name)
  }
  const containerSasUrl = `${containerUrl}?${sas}`
  maskSasUrl(containerSasUrl)
  return { datastore: store.name, containerSasUrl }
}

/**
 * The `InputError` for `at` when datastore `name` does not exist (`Datastores_Get` answered 404), listing the
 * workspace's datastores (`GET {WS}/datastores`, `Datastores_List`, made only then; left out when it fails), with a
 * did-you-mean when one is close, as `resolveCompute` reports an unknown compute.
 */
async function unknownDatastore(
  ctx: Context,
  settings: CommonSettings,
  ws: WorkspaceRef,
  name: string,
  at: ReferenceSource
): Promise<InputError> {
  let names: string[] | undefined
  try {
    const list = await listAll(ctx, workspaceV2Url(settings, ws, '/datastores'), armAuth(settings))
    names = list.value
      .map(d => (d as { name?: unknown } | null)?.name)
      .filter((n): n is string => typeof n === 'string')
  } catch {
    names = undefined
  }
  const guess = names && suggest(name, names)
  const there = !names ? '' : names.length ? ` (datastores there: ${names.join(', ')})` : ' (it has no datastores)'
  return referenceError(
    at,
    `the datastore '${name}' does not exist in workspace ${ws.workspaceName}${there}` +
      (guess ? `: did you mean '${guess}'? Or name` : ': name') +
      ' an existing one, or leave datastore: out to upload to the default datastore.'
  )
}

/**
 * `{protocol}://{account}.blob.{endpoint}/{container}`; for an endpoint that is a loopback or IP host (the Storage
 * emulator, Azurite), the path-style `{protocol}://{endpoint}/{account}/{container}` that Azurite serves.
 */
export function blobContainerUrl(protocol: string, account: string, endpoint: string, container: string): string {
  const host = endpoint.replace(/:\d+$/, '').replace(/^\[|\]$/g, '')
  if (isIP(host) !== 0 || host === 'localhost') return `${protocol}://${endpoint}/${account}/${container}`
  return `${protocol}://${account}.blob.${endpoint}/${container}`
}

/** What an upload does with the container: write blobs and blocks, and list (the "already there" check). */
export const UPLOAD_SAS_PERMISSIONS = 'wl'

/**
 * A container SAS (`sr=c`) for `container` made with the account key: `UPLOAD_SAS_PERMISSIONS`, valid from 5 minutes
 * before `now` (clock skew) for `SAS_LIFETIME_MS`. A secret: the caller masks it.
 */
export async function sasFromAccountKey(account: string, key: string, container: string, now: number): Promise<string> {
  const { ContainerSASPermissions, StorageSharedKeyCredential, generateBlobSASQueryParameters } =
    await import('@azure/storage-blob')
  return generateBlobSASQueryParameters(
    {
      containerName: container,
      permissions: ContainerSASPermissions.parse(UPLOAD_SAS_PERMISSIONS),
      startsOn: new Date(now - 5 * 60_000),
      expiresOn: new Date(now + SAS_LIFETIME_MS)
    },
    new StorageSharedKeyCredential(account, key)
  ).toString()
}

/**
 * Uploads `localPath` (a file or a folder) to the default datastore (or datastore `options.datastore`, a data YAML's
 * `datastore:`) unless the same content is there already, and returns its `azureml://datastores/<name>/paths/...` URI.
 * `at` names the input and YAML field in errors.
 */
export async function uploadToDatastore(
  ctx: Context,
  settings: CommonSettings,
  ws: WorkspaceRef,
  localPath: string,
  options: {
    at: ReferenceSource
    signal?: AbortSignal
    datastore?: string
    /** Called with the URI the content will have, before anything is written to storage; may throw to stop. */
    beforeUpload?: (uri: string) => void
  }
): Promise<string> {
  const list = await listCodeFiles(localPath, { input: options.at.input })
  warnLeftOut(list, localPath)
  const hash = await contentHash(list.files)
  const name = basename(list.root)
  const folder = list.kind === 'folder'
  const prefix = folder ? `LocalUpload/${hash}/${name}/` : `LocalUpload/${hash}/`
  const uri = (datastore: string): string => `azureml://datastores/${datastore}/paths/${prefix}${folder ? '' : name}`
  if (settings.dryRun) {
    const where = options.datastore ? `datastore ${options.datastore}` : 'the default datastore'
    core.info(`dry-run: ${localPath} (${countOf(list.files.length, 'file')}) would be uploaded to ${where}.`)
    return uri(options.datastore ?? 'workspaceblobstore')
  }
  // The datastore is read first (its name is part of the URI), so the caller can refuse before any blob is written.
  const store = await defaultDatastore(ctx, settings, ws, options.at, options.datastore)
  options.beforeUpload?.(uri(store.datastore))
  await uploadUnderPrefix(ctx, settings, ws, list.files, prefix, { ...options, label: localPath, store })
  return uri(store.datastore)
}

/**
 * Uploads `files` to the default datastore (or datastore `options.datastore`) under blob folder `prefix` (which carries a content hash, so the same
 * prefix means the same content) unless every file is already there with its size; returns the datastore's container.
 * `label` names what is uploaded in logs. Shared by `uploadToDatastore` and the Docker build context upload
 * (`build-context.ts`), whose prefixes differ only by their hash.
 */
export async function uploadUnderPrefix(
  ctx: Context,
  settings: CommonSettings,
  ws: WorkspaceRef,
  files: readonly CodeFile[],
  prefix: string,
  options: {
    at: ReferenceSource
    label: string
    signal?: AbortSignal
    datastore?: string
    /** The container, when the caller has read it already. */
    store?: DatastoreContainer
  }
): Promise<DatastoreContainer & { reused: boolean }> {
  const store = options.store ?? (await defaultDatastore(ctx, settings, ws, options.at, options.datastore))
  if (await alreadyUploaded(store.containerSasUrl, prefix, files)) {
    core.info(`${options.label}: the same content is already in datastore ${store.datastore}; nothing to upload.`)
    return { ...store, reused: true }
  }
  await uploadFiles(
    files,
    { containerSasUrl: store.containerSasUrl, blobPrefix: prefix },
    {
      label: options.label,
      abortSignal: options.signal
    }
  )
  return { ...store, reused: false }
}

/** Whether every file is already a blob under `prefix` with the same size (the prefix carries the content hash). */
async function alreadyUploaded(containerSasUrl: string, prefix: string, files: readonly CodeFile[]): Promise<boolean> {
  const { ContainerClient } = await import('@azure/storage-blob')
  const sizes = new Map<string, number>()
  try {
    for await (const blob of new ContainerClient(containerSasUrl).listBlobsFlat({ prefix })) {
      sizes.set(blob.name.slice(prefix.length), blob.properties.contentLength ?? -1)
    }
  } catch {
    return false // cannot list (a write-only SAS): upload again, which overwrites the same content
  }
  return files.every(file => sizes.get(file.path) === file.size)
}

/**
 * Whether blob `blobName` exists in the container, found by listing (`prefix` = the name; the SAS lists, it need not
 * read). Undefined when the container cannot be listed (then nothing is known).
 */
export async function blobListed(containerSasUrl: string, blobName: string): Promise<boolean | undefined> {
  const { ContainerClient } = await import('@azure/storage-blob')
  try {
    for await (const blob of new ContainerClient(containerSasUrl).listBlobsFlat({ prefix: blobName })) {
      if (blob.name === blobName) return true
    }
    return false
  } catch {
    return undefined
  }
}
