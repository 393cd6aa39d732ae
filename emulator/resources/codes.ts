/**
 * Code assets, Microsoft.MachineLearningServices mfe.json 2024-04-01: `CodeContainers_List`, `CodeContainers_Get`,
 * `CodeContainers_CreateOrUpdate`, `CodeVersions_List` (with the content-hash query), `CodeVersions_Get`,
 * `CodeVersions_CreateOrUpdate` and `CodeVersions_CreateOrGetStartPendingUpload`, the way `az ml` uploads code:
 *
 * - `GET {WS}/codes/{name}/versions?hash=<sha256>&hashVersion=202208` answers the versions, of ANY code name in the
 *   workspace, whose `properties.properties.hash_sha256` is that hash (and `hash_version` that version, when given);
 *   200 with an empty `value` when none, even if `{name}` has no container;
 * - `POST .../startPendingUpload` with `{"pendingUploadType": "TemporaryBlobReference"}` hands out a fresh folder of
 *   the workspace's default blob container (`LocalUpload/<random hex>`) and the container's SAS URL, on Azurite;
 * - a version PUT stores `codeUri` (required), `isAnonymous` and `properties`; versions are immutable (assets.ts): the
 *   same `codeUri` again is 200, another one 409 UserError "Asset paths cannot be updated." (so of two uploads of the
 *   same folder at once, the second PUT gets the conflict).
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { wsScope } from '../arm/scopes.js'
import type { Core } from '../core/context.js'
import { armError, isReply, json } from '../core/http.js'
import type { EmulatorModule } from '../core/routes.js'
import type { AssetContainer, AssetVersion } from '../core/state.js'
import type { Reply, RequestContext } from '../core/types.js'
import { assetHandlers, listAnswer, type AssetKindSpec } from './assets.js'
import { defaultContainer } from './blobs.js'

const SPEC: AssetKindSpec = {
  kind: 'codes',
  what: 'code',
  definition: ['codeUri'],
  provisioning: true,
  // A code version's blob folder is its definition: Azure refuses to move it with this message (azure-ai-ml compares
  // the error text with `ASSET_PATH_ERROR`, `_artifacts/_constants.py`). Two submits of one folder at once (a matrix)
  // upload to two temporary folders, so the slower one's PUT gets this 409 (Azure/azure-sdk-for-python#30155).
  conflictMessage: () => 'Asset paths cannot be updated.',
  prepareVersion: (_core, props) => {
    if (typeof props.codeUri !== 'string' || props.codeUri.trim() === '') {
      return armError(
        400,
        'UserError',
        'properties.codeUri is required: the blob folder (or azureml:// URI) of the code.'
      )
    }
    return props
  }
}

const handlers = assetHandlers(SPEC)

/** CodeVersions_List: the hash query across all code names, else the versions of `{name}`. */
async function listCodeVersions(core: Core, ctx: RequestContext): Promise<Reply> {
  const hash = ctx.query.hash
  if (!hash) return handlers.listVersions(core, ctx)
  const s = wsScope(core, ctx)
  if (isReply(s)) return s
  const hashVersion = ctx.query.hashVersion
  const pairs: [AssetContainer, AssetVersion][] = []
  for (const c of core.state.assets.values()) {
    if (c.workspaceKey !== s.wsKey || c.kind !== 'codes') continue
    for (const v of c.versions.values()) {
      const p = (v.properties.properties ?? {}) as Record<string, unknown>
      if (String(p.hash_sha256 ?? '').toLowerCase() !== hash.toLowerCase()) continue
      if (hashVersion && p.hash_version !== undefined && String(p.hash_version) !== hashVersion) continue
      pairs.push([c, v])
    }
  }
  return listAnswer(core, ctx, s.ws!, pairs, SPEC)
}

/** CodeVersions_CreateOrGetStartPendingUpload: a temporary blob folder and the container's SAS. */
async function startPendingUpload(core: Core, ctx: RequestContext): Promise<Reply> {
  const s = wsScope(core, ctx)
  if (isReply(s)) return s
  const body = (ctx.json ?? {}) as { pendingUploadId?: string | null; pendingUploadType?: string }
  if (String(body.pendingUploadType ?? '').toLowerCase() !== 'temporaryblobreference') {
    return armError(
      400,
      'UserError',
      `pendingUploadType must be 'TemporaryBlobReference' (got '${String(body.pendingUploadType ?? '')}').`
    )
  }
  const container = defaultContainer(s.ws!)
  const sasUri = await core.blobs.containerSasUrl(container)
  const blobUri = `${await core.blobs.containerUrl(container)}/LocalUpload/${randomBytes(16).toString('hex')}`
  return json(200, {
    blobReferenceForConsumption: {
      blobUri,
      storageAccountArmId: s.ws!.storageAccount,
      credential: { credentialType: 'SAS', sasUri }
    },
    pendingUploadId: body.pendingUploadId || randomUUID(),
    pendingUploadType: 'TemporaryBlobReference'
  })
}

export const codesModule: EmulatorModule = {
  name: 'codes',
  operations: {
    'mfe-2024-04-01:CodeContainers_List': handlers.listContainers,
    'mfe-2024-04-01:CodeContainers_Get': handlers.getContainer,
    'mfe-2024-04-01:CodeContainers_CreateOrUpdate': handlers.putContainer,
    'mfe-2024-04-01:CodeVersions_List': listCodeVersions,
    'mfe-2024-04-01:CodeVersions_Get': handlers.getVersion,
    'mfe-2024-04-01:CodeVersions_CreateOrUpdate': handlers.putVersion,
    'mfe-2024-04-01:CodeVersions_CreateOrGetStartPendingUpload': startPendingUpload
  }
}
