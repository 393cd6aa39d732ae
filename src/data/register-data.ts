/**
 * register-data: `az ml data create -f data.yml`, i.e. `PUT {WS}/data/{name}/versions/{version}` (mfe.json 2024-04-01
 * `DataVersions_CreateOrUpdate`, body `DataVersionBaseResource`; the YAML → body in yaml/data.ts). A local `path` is
 * uploaded first (`uploadToDatastore`: `LocalUpload/<content hash>/<name>` in the default datastore, or the YAML's
 * `datastore`, not sent again when the same content is there); a remote path is sent as written.
 *
 * Versions (azure-ai-ml `_data_operations.py` `create_or_update`): without `version`, the container's next version,
 * so every run registers a new version as `az ml data create` does; with one, that version is read first
 * (`DataVersions_Get`): an existing version with the same `dataType` and `dataUri` is PUT again (Azure answers 200 and
 * keeps it; description and tags may change) and reported as reused; one with another `dataUri` or `dataType` is
 * refused before the PUT, naming the YAML's `path` or `type` (data versions are immutable; Azure would answer 409):
 * for a remote path before anything else, for a local one once its content hash and the datastore are known and
 * before any blob is written (`uploadToDatastore`'s `beforeUpload`), so no orphaned upload is left. A remote path's
 * query (a SAS) is masked when the YAML is read (inputs.ts) and printed without its values. Outputs `dataName`, `dataVersion`, `dataId` (the version's ARM id, for a job input
 * `azureml:<name>:<version>` or its id) and `response`.
 */
import * as core from '@actions/core'
import type { Context } from '../base/context.js'
import { InputError } from '../base/errors.js'
import type { CommonSettings, WorkspaceRef } from '../base/settings.js'
import { armAuth } from '../arm/endpoints.js'
import { uploadToDatastore } from '../assets/datastore-upload.js'
import { nextAssetVersion } from '../assets/asset-version.js'
import { assetVersionId, workspaceV2Url } from '../assets/workspace-assets.js'
import { fieldAt, numberTextAt } from '../cli-yaml/load.js'
import { parseJson } from '../http/client.js'
import { redactUrl } from '../http/redact.js'
import type { RegisterDataOperation } from './inputs.js'
import { toDataRestBody, type DataRestRequest, type DataYamlRead } from './yaml/data.js'

interface DataVersionBody {
  properties?: { dataType?: string; dataUri?: string }
}

export async function registerData(op: RegisterDataOperation, ctx: Context): Promise<void> {
  const ws = op.workspace
  const read = op.read
  const d = read.yaml
  if (d.properties !== undefined) {
    const at = fieldAt(read.source, ['properties'])
    core.warning(
      `${at.field}: not sent. az ml data create drops a data YAML's properties (azure-ai-ml DataSchema reads it ` +
        'as output only), and so does this action; put what you need in tags.'
    )
  }
  if (read.outsideMlTable.length) {
    const at = fieldAt(read.source, ['path'])
    core.warning(
      `${at.field}: the MLTable's paths ${read.outsideMlTable.map(p => `'${p}'`).join(', ')} point outside ` +
        `${read.dataPath.kind === 'local' ? read.dataPath.written : 'its folder'}, which alone is uploaded: they will ` +
        'not resolve in Azure. Move the files into the folder, or give them as azureml:// or https:// paths.'
    )
  }
  const versionFile = `/data/${encodeURIComponent(d.name)}/versions/`
  let existing: DataVersionBody | undefined
  let given: string | undefined
  if (d.version !== undefined) {
    // The version the YAML names, read before any upload: a different definition is the user's to fix.
    given = toVersionText(read)
    existing = await getDataVersion(ctx, op, ws, `${versionFile}${encodeURIComponent(given)}`)
    if (existing && read.dataPath.kind === 'uri') checkSameDefinition(read, given, existing, read.dataPath.uri)
  }
  const request = await toDataRestBody(read, {
    uploadData: (local, datastore) =>
      uploadToDatastore(ctx, op, ws, local, {
        at: datastoreAt(read),
        datastore,
        // The content's URI is known before the upload: a changed folder under an existing version uploads nothing.
        beforeUpload: uri => {
          if (existing && given !== undefined) checkSameDefinition(read, given, existing, trimSlash(uri))
        }
      }),
    nextVersion: name => nextAssetVersion(ctx, op, ws, 'data', name)
  })
  ctx.outputs.set('dataName', request.name)
  ctx.outputs.set('dataVersion', request.version)
  const id = assetVersionId(ws, 'data', request.name, request.version)
  const response = await ctx.http.send({
    method: 'PUT',
    url: workspaceV2Url(op, ws, `${versionFile}${encodeURIComponent(request.version)}`),
    body: request.body,
    auth: armAuth(op)
  })
  ctx.outputs.set('dataId', id)
  if (!response.dryRun) {
    ctx.outputs.setResponse(withShownUri(parseJson<DataVersionBody>(response)))
    core.info(
      existing
        ? `Data asset ${request.name}:${request.version} already registered with the same ${request.body.properties.dataType} and path; reused.`
        : `Registered data asset ${request.name}:${request.version} (${request.body.properties.dataType}).`
    )
  }
  report(ctx, request, read)
}

function toVersionText(read: DataYamlRead): string {
  return numberTextAt(read.source, ['version']) ?? String(read.yaml.version)
}

async function getDataVersion(
  ctx: Context,
  settings: CommonSettings,
  ws: WorkspaceRef,
  path: string
): Promise<DataVersionBody | undefined> {
  const response = await ctx.http.send({
    method: 'GET',
    url: workspaceV2Url(settings, ws, path),
    auth: armAuth(settings),
    acceptStatus: [404]
  })
  if (response.status === 404 || response.dryRun) return undefined
  return parseJson<DataVersionBody>(response) ?? {}
}

/**
 * Throws an `InputError` naming the YAML field when version `version` is registered with another `dataType` (field
 * `type`) or `dataUri` (field `path`); Azure keeps data versions immutable.
 */
function checkSameDefinition(read: DataYamlRead, version: string, existing: DataVersionBody, dataUri: string): void {
  const type = read.yaml.type ?? 'uri_folder'
  const props = existing.properties ?? {}
  const name = read.yaml.name
  const fix = `Data versions cannot change: give a new version (or remove version: to take the next one).`
  if (props.dataType !== undefined && props.dataType !== type) {
    const at = fieldAt(read.source, read.yaml.type === undefined ? ['name'] : ['type'])
    throw new InputError(
      at.input,
      `${at.field}${read.yaml.type === undefined ? ' (type, default uri_folder)' : ''}: data asset ${name} version ` +
        `${version} is registered as ${props.dataType}, not ${type}. ${fix}`
    )
  }
  if (props.dataUri !== undefined && trimSlash(props.dataUri) !== trimSlash(dataUri)) {
    const at = fieldAt(read.source, ['path'])
    const local = read.dataPath.kind === 'local'
    throw new InputError(
      at.input,
      `${at.field}: data asset ${name} version ${version} is registered with path ${shownUri(props.dataUri)}, not ` +
        `${shownUri(dataUri)}${local ? ' (the URI of this local content, which was not uploaded)' : ''}. ${fix}`
    )
  }
}

/** Where an upload's datastore problems point: the YAML's `datastore` when it names one, else its `path`. */
function datastoreAt(read: DataYamlRead): ReturnType<typeof fieldAt> {
  return fieldAt(read.source, read.yaml.datastore === undefined ? ['path'] : ['datastore'])
}

/** Azure's answer for the `response` output, its `dataUri` printable (a SAS in the query masked). */
function withShownUri(body: DataVersionBody | undefined): DataVersionBody | undefined {
  const uri = body?.properties?.dataUri
  if (!body || uri === undefined || !uri.includes('?')) return body
  return { ...body, properties: { ...body.properties, dataUri: shownUri(uri) } }
}

/** A data URI as it may be printed: every query value masked (a SAS in an https path; http/redact.ts `redactUrl`). */
function shownUri(uri: string): string {
  return redactUrl(uri, true)
}

function trimSlash(uri: string): string {
  return uri.replace(/\/+$/, '')
}

function report(ctx: Context, request: DataRestRequest, read: DataYamlRead): void {
  const p = request.body.properties
  ctx.report.facts.push(
    ['Data asset', `${request.name}:${request.version}`],
    ['Type', p.dataType],
    ['From', read.dataPath.kind === 'local' ? `${read.dataPath.written} (uploaded)` : shownUri(p.dataUri)]
  )
}
