/**
 * A local Docker build context (`environment: {build: {path: ./docker-context}}`, in an environment YAML or inline in
 * a job, component or deployment) uploaded to the workspace's default datastore the way azure-ai-ml does it
 * (`_artifacts/_artifact_utilities.py` `_check_and_upload_env_build_context` → `_upload_to_datastore` →
 * `_blob_storage_helper.py` `BlobStorageClient.upload`), checked on azure-ai-ml 1.4.0:
 * - the folder's hash is `get_object_hash(path, get_ignore_file(path))` (`_utils/_asset_utils.py`), NOT the
 *   SHA-256 content hash of code assets: one MD5 seeded with the text "Initialize for october 2021 AML CLI version",
 *   then, folder by folder in order of the entries' lower-cased paths, each entry's name (UTF-8) followed by the
 *   file's bytes or, for a subfolder, the same walk inside it (`_get_dir_hash`). No sizes, no separators.
 *   The files are the ones a code upload takes (`files.ts`: `.amlignore`, else `.gitignore`, at the root).
 * - the blobs go to `LocalUpload/<hash>/<folder name>/<relative path>` in the default datastore's container
 *   (`generate_asset_id(hash)` + the folder's name), reused when already there (`datastore-upload.ts`);
 * - the environment's `build.contextUri` is the blob folder's https URL with a trailing `/`
 *   (`ArtifactStorageInfo.full_storage_path + "/"`; azure-ai-ml's comment: "EMS requires it to be present"):
 *   `https://<account>.blob.<endpoint>/<container>/LocalUpload/<hash>/<folder>/`.
 * - an anonymous environment with a build context is versioned by that hash (`anonymousBuildContextVersion` in
 *   `cli-yaml/environment.ts`).
 * Difference: a folder that holds no file the ignore file keeps (e.g. an empty one) is hashed by its name by the
 * SDK; here only folders on the way to a kept file are, since the file listing does not report empty folders.
 */
import * as core from '@actions/core'
import { createHash, type Hash } from 'node:crypto'
import { open } from 'node:fs/promises'
import { basename } from 'node:path'
import type { Context } from '../base/context.js'
import type { CommonSettings, WorkspaceRef } from '../base/settings.js'
import { withoutQuery } from './blob-upload.js'
import { uploadUnderPrefix } from './datastore-upload.js'
import { listCodeFiles, warnLeftOut, type CodeFile } from './files.js'
import { referenceError, type ReferenceSource } from './workspace-assets.js'

/** The seed azure-ai-ml feeds the MD5 before any entry (`get_object_hash`). */
const OBJECT_HASH_SEED = 'Initialize for october 2021 AML CLI version'

interface Folder {
  files: Map<string, CodeFile>
  folders: Map<string, Folder>
}

function folderTree(files: readonly CodeFile[]): Folder {
  const root: Folder = { files: new Map(), folders: new Map() }
  for (const file of files) {
    const parts = file.path.split('/')
    let at = root
    for (const part of parts.slice(0, -1)) {
      let next = at.folders.get(part)
      if (!next) {
        next = { files: new Map(), folders: new Map() }
        at.folders.set(part, next)
      }
      at = next
    }
    at.files.set(parts[parts.length - 1], file)
  }
  return root
}

async function hashFile(hash: Hash, file: CodeFile, buffer: Buffer): Promise<void> {
  const handle = await open(file.absolutePath, 'r')
  try {
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null)
      if (bytesRead === 0) break
      hash.update(buffer.subarray(0, bytesRead))
    }
  } finally {
    await handle.close()
  }
}

async function hashFolder(hash: Hash, folder: Folder, buffer: Buffer): Promise<void> {
  // Python: sorted(iterdir(), key=lambda p: str(p).lower()); ties (names equal once lower-cased) by the exact name.
  const names = [...folder.files.keys(), ...folder.folders.keys()].sort((a, b) => {
    const la = a.toLowerCase()
    const lb = b.toLowerCase()
    return la < lb ? -1 : la > lb ? 1 : a < b ? -1 : a > b ? 1 : 0
  })
  for (const name of names) {
    hash.update(Buffer.from(name, 'utf8'))
    const file = folder.files.get(name)
    if (file) await hashFile(hash, file, buffer)
    else await hashFolder(hash, folder.folders.get(name) as Folder, buffer)
  }
}

/**
 * azure-ai-ml's `get_object_hash` of a folder whose kept files are `files` (paths relative to it, `/` separators), or
 * of a single file when `single` is set: MD5 hex (see the module notes).
 */
export async function objectHash(files: readonly CodeFile[], single = false): Promise<string> {
  const hash = createHash('md5').update(OBJECT_HASH_SEED, 'utf8')
  const buffer = Buffer.allocUnsafe(1024 * 1024)
  if (single) await hashFile(hash, files[0], buffer)
  else await hashFolder(hash, folderTree(files), buffer)
  return hash.digest('hex')
}

/** What `uploadBuildContext` did. */
export interface UploadedBuildContext {
  /** `https://<account>.blob.<endpoint>/<container>/LocalUpload/<hash>/<folder>/` (no SAS). */
  contextUri: string
  /** `get_object_hash` of the folder (MD5 hex). */
  hash: string
  /** True when the same content was in the datastore already: nothing was uploaded. */
  reused: boolean
  files: number
}

/**
 * Hashes the local build context `folder` (it must be a folder) and uploads it to the default datastore unless the
 * same content is there. `at` names the input and YAML field in errors. Throws `InputError` when `folder` is not a
 * folder, `AzureRequestError` for a failed call or upload. In dry-run nothing is listed or sent: the URI is the one
 * the default datastore would give, written as an `azureml://` path.
 */
export async function uploadBuildContext(
  ctx: Context,
  settings: CommonSettings,
  ws: WorkspaceRef,
  folder: string,
  options: {
    at: ReferenceSource
    signal?: AbortSignal
    /**
     * Called once the folder is hashed and before anything is uploaded (not in a dry run), with the blob prefix
     * `LocalUpload/<hash>/<folder>/`: throw to stop before the upload (a changed context under an existing version).
     */
    beforeUpload?: (prefix: string) => Promise<void>
  }
): Promise<UploadedBuildContext> {
  const list = await listCodeFiles(folder, { input: options.at.input })
  if (list.kind !== 'folder') {
    throw referenceError(options.at, `'${folder}' is a file; a Docker build context is a folder (with the Dockerfile).`)
  }
  warnLeftOut(list, `Build context ${folder}`)
  const hash = await objectHash(list.files)
  const prefix = `LocalUpload/${hash}/${basename(list.root)}/`
  core.info(`Build context ${folder}: ${list.files.length} files, hash ${hash}.`)
  if (settings.dryRun) {
    core.info(`dry-run: the build context would be uploaded to the default datastore under ${prefix}.`)
    return {
      contextUri: `azureml://datastores/workspaceblobstore/paths/${prefix}`,
      hash,
      reused: false,
      files: list.files.length
    }
  }
  await options.beforeUpload?.(prefix)
  const store = await uploadUnderPrefix(ctx, settings, ws, list.files, prefix, {
    at: options.at,
    label: `Docker build context ${folder}`,
    signal: options.signal
  })
  const contextUri = `${withoutQuery(store.containerSasUrl).replace(/\/+$/, '')}/${prefix}`
  return { contextUri, hash, reused: store.reused, files: list.files.length }
}
