/**
 * The **data** YAML of `az ml data create -f data.yml` → the body of
 * `PUT {WS}/data/{name}/versions/{version}?api-version=2024-04-01` (mfe.json `DataVersions_CreateOrUpdate`, body
 * `DataVersionBaseResource`).
 *
 *   const read = readDataYaml('data/train.yml', core.getMultilineInput('set'), { baseDir })  // CliYamlError
 *   const { name, version, body } = await toDataRestBody(read, { uploadData, nextVersion })
 *   // PUT {WS}/data/${name}/versions/${version}
 *
 * YAML fields (azure-ai-ml 1.4 `_schema/assets/data.py` `DataSchema` ← `ArtifactSchema` ← `AssetSchema`, the same in
 * the newest azure-ai-ml): `$schema`, `name` (required here: azure-ai-ml registers a YAML without one as an anonymous
 * asset named by a fresh GUID, which no later step could name), `version` (a string or a number, sent as the text
 * written; absent: the container's `nextVersion`, "1" for a new asset, as `_data_operations.py` `create_or_update` →
 * `_asset_utils.py` `_create_or_update_autoincrement` does), `path` (required), `type` (`uri_folder` (default),
 * `uri_file`, `mltable`; lower case only, as the SDK's `OneOf`), `description`, `tags`, `datastore` (where a local
 * path is uploaded, a name, `azureml:<name>` or an ARM id, as `datastoreName` reads it; default: the workspace's
 * default datastore), `properties` (read but NOT sent: the SDK's
 * `DataSchema.properties` is `dump_only`, so `az ml data create` drops it; the caller warns). Unknown fields are
 * refused with a did-you-mean, as the SDK refuses them ("Unknown field.").
 *
 * `path` (the SDK's `is_url`: a `scheme://host...` URI is remote, anything else a local path relative to the YAML):
 * - remote (`azureml://datastores/...`, `azureml://jobs/...`, `https://`, `wasbs://`, `abfss://`, ...): sent as written
 *   (the SDK neither rewrites nor checks it, `DataOperations._validate`);
 * - local: checked to exist and to match `type` before anything is sent (`_assert_local_path_matches_asset_type`:
 *   a `uri_file` is a file, a `uri_folder` a folder), an `mltable` a folder holding an `MLTable` file with a `paths`
 *   list (`read_local_mltable_metadata_contents`, `MLTableMetadataSchema.paths` required); uploaded by the caller to
 *   `LocalUpload/<hash>/<file or folder name>` and sent as `azureml://datastores/<ds>/paths/LocalUpload/<hash>/<name>`
 *   (the SDK's `_artifact_utilities.py` `_check_and_upload_path` → `Data._update_path`, `SHORT_URI_FORMAT`; no trailing
 *   `/` for a folder, as `_blob_storage_helper.py` `upload` names it).
 *
 * Body (mfe.json `DataVersionBase` ← `AssetBase` ← `ResourceBase`; azure-ai-ml `entities/_assets/_artifacts/data.py`
 * `Data._to_rest_object`): `{properties: {dataType, dataUri, description?, isAnonymous: false, isArchived: false,
 * properties: {}, tags: {...}, referencedUris?}}`; `referencedUris` (mfe.json `MLTableData`) is a local `mltable`'s
 * MLTable `paths` values (`file`, `folder` or `pattern`) as written, as `DataOperations._validate` sends them. A remote
 * `mltable` is sent without `referencedUris`: the SDK reads its MLTable over the network when it can and skips it when
 * it cannot; the action does not read it.
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { isAbsolute, join, relative, resolve } from 'node:path'
import { parse as parseYaml } from 'yaml'
import {
  byLocation,
  CliYamlError,
  isSetLocation,
  loadCliYaml,
  locate,
  numberTextAt,
  problemAt,
  type YamlKind,
  type YamlProblem,
  type YamlSource,
  type ReadYamlOptions
} from '../../cli-yaml/load.js'
import { localPathProblem } from '../../cli-yaml/references.js'
import {
  ASSET_VERSION_SCHEMA,
  compileYamlSchema,
  schemaProblems,
  SCALAR_MAP_SCHEMA,
  type Scalar
} from '../../cli-yaml/schema.js'
import { applySetLines } from '../../cli-yaml/set.js'
import { textMap } from '../../cli-yaml/text.js'

/** The step input that names the file, for messages (`Input 'data': ...`); declared in scripts/action-spec.ts. */
export const DATA_INPUT = 'data'

const DATA_YAML: YamlKind = { input: DATA_INPUT, kind: 'data', fieldsHint: 'name, version, path, type, ...' }

/** mfe.json `DataType` (and azure-ai-ml `AssetTypes`); `uri_folder` is the SDK's default. */
export const DATA_TYPES = ['uri_file', 'uri_folder', 'mltable'] as const
export type DataType = (typeof DATA_TYPES)[number]

/** The file an `mltable` folder holds at its top (azure-ai-ml `_data_utils.py` `read_local_mltable_metadata_contents`). */
export const MLTABLE_FILE = 'MLTable'

/** A data YAML, validated, as written (snake_case), after the `set` lines. */
export interface DataYaml {
  $schema?: string
  name: string
  version?: string | number
  path: string
  type?: DataType
  description?: string
  tags?: Record<string, Scalar | null>
  properties?: Record<string, Scalar | null>
  datastore?: string
}

/** The data schema (draft-07). */
export const DATA_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  required: ['name', 'path'],
  properties: {
    $schema: { type: 'string' },
    name: {
      type: 'string',
      pattern: '^[a-zA-Z0-9][a-zA-Z0-9\\-_]{0,254}$',
      hint: 'a data asset name: letters, digits, - and _, starting with a letter or digit, at most 255 characters (mfe.json data {name})'
    },
    version: ASSET_VERSION_SCHEMA,
    path: { type: 'string', minLength: 1 },
    type: { enum: [...DATA_TYPES] },
    description: { type: 'string' },
    tags: SCALAR_MAP_SCHEMA,
    properties: SCALAR_MAP_SCHEMA,
    datastore: { type: 'string', minLength: 1 }
  },
  additionalProperties: false
} as const

const validateData = compileYamlSchema(DATA_SCHEMA)

/** Where the data is: a local file or folder (absolute), or a URI sent as written. */
export type DataPath = { kind: 'local'; path: string; written: string } | { kind: 'uri'; uri: string }

/** A data YAML read and checked: ready for `toDataRestBody`. */
export interface DataYamlRead {
  yaml: DataYaml
  /** The file as named in input `data`; its absolute path and folder. */
  file: string
  path: string
  dir: string
  dataPath: DataPath
  /** A local mltable's MLTable `paths` values, in order (the body's `referencedUris`). */
  referencedUris?: string[]
  /**
   * The local `paths` values of that MLTable that point outside its folder (`../file.csv`): not uploaded with it, so
   * they will not resolve in Azure; the caller warns.
   */
  outsideMlTable: string[]
  /** The parsed document, for locating later errors (`problemAt(read.source, ['path'], ...)`). */
  source: YamlSource
}

/** The SDK's `is_url` (`urlparse` with a scheme and a host): `azureml://...`, `https://...`, `wasbs://...`, ... */
export function isRemotePath(value: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\/[^/\s]/i.test(value.trim())
}

/**
 * Read, `set`, validate and check a data YAML. `file` is input `data` (relative to `options.baseDir`), `setLines`
 * input `set`. Throws a `CliYamlError` (an InputError naming `data` or `set`) listing every problem with its file,
 * line and field, or an `InputError('data')` when the file is missing.
 */
export function readDataYaml(
  file: string,
  setLines: string | readonly string[] = [],
  options: ReadYamlOptions = {}
): DataYamlRead {
  const source = loadCliYaml(file, DATA_YAML, options.baseDir)
  applySetLines(source, setLines)
  const data: unknown = source.doc.toJS()
  const schema = schemaProblems(validateData, data, source)
  if (schema.length) throw new CliYamlError(source.input, schema)
  const yaml = data as DataYaml
  const type = yaml.type ?? 'uri_folder'
  const problems: YamlProblem[] = []
  const written = yaml.path.trim()
  let dataPath: DataPath
  let referencedUris: string[] | undefined
  let outsideMlTable: string[] = []
  if (isRemotePath(written)) {
    dataPath = { kind: 'uri', uri: written }
  } else {
    const local = join(source.dir, written)
    dataPath = { kind: 'local', path: local, written }
    if (/^azureml:/i.test(written)) {
      problems.push(
        problemAt(
          source,
          ['path'],
          `'${written}' is an asset reference, not a path: a data asset's path is a local file or folder, ` +
            'azureml://datastores/<datastore>/paths/<path>, or a storage URL (https://, wasbs://, abfss://)'
        )
      )
    } else {
      const need = type === 'uri_file' ? 'file' : 'folder'
      const problem = localPathProblem(local, need, source.kind)
      if (problem && !existsSync(local)) problems.push(problemAt(source, ['path'], problem))
      else if (problem) {
        // A kind mismatch set up by a `set` line for type (set: type=uri_file) is that line's to fix.
        const byTypeLine =
          yaml.type !== undefined && isSetLocation(locate(source, ['type'])) && !isSetLocation(locate(source, ['path']))
        problems.push(
          byTypeLine
            ? problemAt(source, ['type'], `type ${type} needs a ${need}, but path ${problem}`)
            : problemAt(source, ['path'], `${problem}: type ${type} is a ${need}`)
        )
      } else if (type === 'mltable') {
        const mltable = readMlTablePaths(local)
        if (typeof mltable === 'string') problems.push(problemAt(source, ['path'], mltable))
        else {
          referencedUris = mltable
          outsideMlTable = mltable.filter(value => !isRemotePath(value) && !isInside(local, value))
        }
      }
    }
  }
  if (problems.length) throw new CliYamlError(source.input, problems.sort(byLocation))
  return {
    yaml,
    file: source.file,
    path: source.path,
    dir: source.dir,
    dataPath,
    referencedUris,
    outsideMlTable,
    source
  }
}

/** Whether `value` (an MLTable `paths` entry, relative to folder `dir` or absolute) is `dir` or lies under it. */
function isInside(dir: string, value: string): boolean {
  const rel = relative(resolve(dir), resolve(dir, value))
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))
}

/**
 * The datastore name of a data YAML's `datastore` value: an `azureml:` prefix and an ARM id's path dropped, as
 * azure-ai-ml 1.4 does before uploading (`_artifacts/_artifact_utilities.py` `_get_datastore_name`:
 * `get_resource_name_from_arm_id`, then `remove_aml_prefix`).
 */
export function datastoreName(value: string): string {
  const name = value.trim().replace(/^azureml:/i, '')
  const arm = /\/datastores\/([^/]+)\/?$/i.exec(name)
  return arm ? arm[1] : name
}

/**
 * The `paths` values of the `MLTable` file in folder `dir` (each entry's `folder`, else `file`, else `pattern`, as
 * azure-ai-ml `MLTableMetadataPath` takes them), or a sentence saying why it cannot be read.
 */
export function readMlTablePaths(dir: string): string[] | string {
  const file = join(dir, MLTABLE_FILE)
  if (!existsSync(file) || !statSync(file).isFile()) {
    return `'${dir}' holds no ${MLTABLE_FILE} file: an mltable data asset is a folder with an ${MLTABLE_FILE} file at its top (https://learn.microsoft.com/azure/machine-learning/how-to-mltable)`
  }
  let doc: unknown
  try {
    doc = parseYaml(readFileSync(file, 'utf8'))
  } catch (error) {
    return `${file} is not valid YAML: ${(error as Error).message.split('\n')[0]}`
  }
  const paths = (doc as { paths?: unknown } | null)?.paths
  if (!Array.isArray(paths)) {
    return `${file} has no 'paths' list (each entry a file:, folder: or pattern:), which an MLTable requires`
  }
  const out: string[] = []
  for (const [i, entry] of paths.entries()) {
    const e = (entry ?? {}) as Record<string, unknown>
    // The SDK keeps the last of pattern, file, folder that is set (MLTableMetadataPath.__init__).
    const value = [e.folder, e.file, e.pattern].find(v => typeof v === 'string' && v !== '')
    if (typeof value !== 'string') {
      return `${file}: paths[${i}] has no file:, folder: or pattern: value`
    }
    out.push(value)
  }
  return out
}

/** What the network layer provides for a data asset. */
export interface DataResolver {
  /** Upload a local file or folder to the datastore (`datastore`, else the default); its `azureml://` URI. */
  uploadData(localPath: string, datastore: string | undefined): Promise<string>
  /** The container's next version for `name` (`GET {WS}/data/{name}` → `properties.nextVersion`; `1` if none). */
  nextVersion(name: string): Promise<string>
}

/** mfe.json `DataVersionBase` (with `AssetBase`, `ResourceBase`, `MLTableData`), the fields sent. */
export interface DataVersionProperties {
  dataType: DataType
  dataUri: string
  description?: string
  isAnonymous: false
  isArchived: false
  properties: Record<string, string>
  tags: Record<string, string>
  referencedUris?: string[]
}

/** The PUT to send: `PUT {WS}/data/{name}/versions/{version}` with `body` (mfe.json `DataVersionBaseResource`). */
export interface DataRestRequest {
  name: string
  /** The YAML's version, or the container's next (`versionGiven` false). */
  version: string
  versionGiven: boolean
  body: { properties: DataVersionProperties }
}

/**
 * The version (the YAML's, as written, else `resolver.nextVersion`), the data's URI (a local path uploaded through
 * `resolver.uploadData`, its folder URI without the trailing `/`), and the body of the PUT.
 */
export async function toDataRestBody(read: DataYamlRead, resolver: DataResolver): Promise<DataRestRequest> {
  const d = read.yaml
  const numberText = (path: readonly (string | number)[]): string | undefined => numberTextAt(read.source, path)
  const versionGiven = d.version !== undefined
  const version = versionGiven ? (numberText(['version']) ?? String(d.version)) : await resolver.nextVersion(d.name)
  const dataUri =
    read.dataPath.kind === 'local'
      ? (
          await resolver.uploadData(
            read.dataPath.path,
            d.datastore === undefined ? undefined : datastoreName(d.datastore)
          )
        ).replace(/\/+$/, '')
      : read.dataPath.uri
  const properties: DataVersionProperties = {
    dataType: d.type ?? 'uri_folder',
    dataUri,
    isAnonymous: false,
    isArchived: false,
    properties: {},
    tags: textMap(d.tags, 'tags', numberText) ?? {}
  }
  if (d.description !== undefined) properties.description = d.description
  if (read.referencedUris) properties.referencedUris = read.referencedUris
  return { name: d.name, version, versionGiven, body: { properties } }
}
