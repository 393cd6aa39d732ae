/**
 * A local `code:` folder as an anonymous code asset, the way `az ml job create` makes one (V2.md "Code upload";
 * azure-ai-ml `operations/_code_operations.py`, `_artifacts/_artifact_utilities.py`):
 *   1. the files (`.amlignore`, else `.gitignore`) and their content hash (`content-hash.ts`, hash_version 202208);
 *   2. reuse: `GET {WS}/codes/{name}/versions?hash=&hashVersion=` (CodeVersions_List) answers the versions with that
 *      content, whatever their name: if there is one, nothing is uploaded;
 *   3. an upload slot: `POST {WS}/codes/{name}/versions/{v}/startPendingUpload` (CodeVersions_CreateOrGetStartPendingUpload)
 *      → a container SAS (a secret) and a blob folder;
 *   4. the blobs, under `<blob folder>/<code folder name>/`, 16 files at once (`blob-upload.ts`);
 *   5. `PUT {WS}/codes/{name}/versions/{v}` (CodeVersions_CreateOrUpdate) with `codeUri`, `isAnonymous: true` and the
 *      hash in `properties`. A 409 Conflict there means another submit of the same folder (a matrix leg) registered
 *      it first: it is looked up by its hash again and reused (`asset-version.ts`).
 * The name is a UUID made from the content hash and the version is "1": the CLI names anonymous assets with a random
 * UUID; deriving it from the content instead makes a retried submit of the same folder address the same asset, so an
 * unclear failure can never leave two (issue 13, kind 3).
 */
import * as core from '@actions/core'
import { basename } from 'node:path'
import type { Context } from '../base/context.js'
import type { CommonSettings, WorkspaceRef } from '../base/settings.js'
import { armAuth } from '../arm/endpoints.js'
import { parseJson } from '../http/client.js'
import { formatBytes } from '../runs/snapshot/limits.js'
import { pendingUploadTarget, uploadFiles, withoutQuery, type PendingUploadReference } from './blob-upload.js'
import { CONTENT_HASH_VERSION, contentHash } from './content-hash.js'
import { listCodeFilesWithIncludes, warnLeftOut } from './files.js'
import { registerContentNamedVersion } from './asset-version.js'
import { assetVersionId, workspaceV2Url, type ReferenceSource } from './workspace-assets.js'

export interface CodeAsset {
  /** `{WS}/codes/{name}/versions/{version}`. */
  id: string
  /**
   * True when a code version with the same content existed: nothing was uploaded; or when another submit registered
   * it while this one was uploading (then this upload is left unused).
   */
  reused: boolean
  hash: string
  files: number
  bytes: number
}

/** The anonymous code version for a folder's content: "1". */
export const ANONYMOUS_CODE_VERSION = '1'

/** A UUID (v4 layout) made from the first 16 bytes of a hex content hash. */
export function codeNameOf(hash: string): string {
  const hex = hash.slice(0, 32).split('')
  hex[12] = '4'
  hex[16] = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16)
  const h = hex.join('')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`
}

/**
 * The code asset for `folder` (a folder or a single file): an existing version with the same content, else a new
 * one uploaded and registered. `field` names the YAML field or input in errors (e.g. `job.yml: code`).
 * `additionalIncludes` (absolute paths; a component's `additional_includes`) join the snapshot under their own names
 * (`files.ts` `listCodeFilesWithIncludes`), so they change the content hash as in azure-ai-ml; they are uploaded under
 * the code folder's name (the SDK uses a temporary folder's random name there: a guess that the name does not matter).
 * Throws `InputError` for a missing folder, `AzureRequestError` for a failed call or upload.
 */
export async function ensureCodeAsset(
  ctx: Context,
  settings: CommonSettings,
  ws: WorkspaceRef,
  folder: string,
  options: { at: ReferenceSource; signal?: AbortSignal; additionalIncludes?: readonly string[] }
): Promise<CodeAsset> {
  const list = await listCodeFilesWithIncludes(folder, options.additionalIncludes ?? [], { input: options.at.input })
  warnLeftOut(list, `Code ${folder}`)
  const hash = await contentHash(list.files)
  const name = codeNameOf(hash)
  const version = ANONYMOUS_CODE_VERSION
  const described = `${list.files.length} files, ${formatBytes(list.totalBytes)}`
  const base = { hash, files: list.files.length, bytes: list.totalBytes }
  core.info(
    `Code ${folder}: ${described}${list.ignoreFile ? ` (${list.ignoreFile} applied)` : ''}, content hash ${hash}.`
  )

  const found = await findCodeByHash(ctx, settings, ws, name, hash)
  if (found) {
    core.info(`The same code is already in the workspace: ${found.split('/codes/')[1] ?? found}; nothing to upload.`)
    return { ...base, id: found, reused: true }
  }

  const slot = await ctx.http.send({
    method: 'POST',
    url: workspaceV2Url(settings, ws, `/codes/${name}/versions/${version}/startPendingUpload`),
    body: { pendingUploadType: 'TemporaryBlobReference' },
    auth: armAuth(settings),
    // Asking twice for the same asset's slot is harmless: it hands out a container SAS, it creates nothing.
    idempotent: true
  })
  const id = assetVersionId(ws, 'codes', name, version)
  if (slot.dryRun) {
    core.info(`dry-run: ${described} would be uploaded and registered as ${id}.`)
    return { ...base, id, reused: false }
  }
  const reference = parseJson<{ blobReferenceForConsumption?: PendingUploadReference }>(
    slot
  )?.blobReferenceForConsumption
  if (!reference?.blobUri || !reference.credential?.sasUri) {
    throw new Error('startPendingUpload answered without blobReferenceForConsumption.blobUri and its SAS credential.')
  }
  const folderName = list.kind === 'folder' ? basename(list.root) : ''
  const target = pendingUploadTarget(reference, folderName || undefined)
  await uploadFiles(list.files, target, { label: `code of ${folder}`, abortSignal: options.signal })

  const codeUri = `${withoutQuery(reference.blobUri).replace(/\/+$/, '')}${folderName ? `/${folderName}` : ''}`
  // Another submit of the same folder (a matrix leg) may register it first: its 409 then means "reuse that one".
  const registered = await registerContentNamedVersion(ctx, settings, ws, {
    kind: 'codes',
    name,
    version,
    body: {
      properties: {
        codeUri,
        isAnonymous: true,
        properties: { hash_sha256: hash, hash_version: CONTENT_HASH_VERSION }
      }
    },
    findExisting: () => findCodeByHash(ctx, settings, ws, name, hash)
  })
  if (registered.outcome === 'reused') return { ...base, id: registered.id, reused: true }
  core.info(`Registered code ${name}:${version}.`)
  return { ...base, id, reused: false }
}

/**
 * The ARM id of a code version whose content has hash `hash`, whatever its name, or undefined: `GET
 * {WS}/codes/{name}/versions?hash=&hashVersion=` (CodeVersions_List; V2.md "Code upload", step 3).
 */
export async function findCodeByHash(
  ctx: Context,
  settings: CommonSettings,
  ws: WorkspaceRef,
  name: string,
  hash: string
): Promise<string | undefined> {
  const existing = await ctx.http.send({
    method: 'GET',
    url: workspaceV2Url(settings, ws, `/codes/${name}/versions`, `hash=${hash}&hashVersion=${CONTENT_HASH_VERSION}`),
    auth: armAuth(settings),
    acceptStatus: [404]
  })
  if (existing.status !== 200) return undefined
  return parseJson<{ value?: { id?: string }[] }>(existing)?.value?.[0]?.id || undefined
}
