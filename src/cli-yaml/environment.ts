/**
 * The anonymous environment `az ml job create` (and `az ml online-deployment create`) registers for an inline
 * `environment:` (an `image`, with or without a `conda_file`, or a `build` context), and its REST body (`PUT {WS}/environments/{name}/versions/{version}`,
 * mfe.json 2024-04-01 `EnvironmentVersion`: `image`, `condaFile` (text), `build: {contextUri, dockerfilePath}`,
 * `isAnonymous`, `description`, `tags`).
 *
 * What azure-ai-ml does (entities/_assets/environment.py, `Environment.__init__`, `_generate_anonymous_name_version`,
 * `_to_rest_object`; _utils/utils.py `dump_yaml`; entities/_util.py `get_md5_string`), and what is matched here:
 * - name `CliV2AnonymousEnvironment` (constants `ANONYMOUS_ENV_NAME`). Matched.
 * - the conda file is loaded (YAML) and sent re-dumped: `yaml.dump(conda, sort_keys=True)` with PyYAML's defaults
 *   (block style, indent 2, lists not indented under their key, strings quoted only when needed, width 80).
 *   `pyYamlDump` below reproduces that for what conda files hold (mappings, lists, strings, numbers, booleans, null);
 *   checked byte for byte against PyYAML 6.0.3 for the test fixtures. Not reproduced: PyYAML's folding of plain
 *   strings longer than 80 columns at spaces, and floats written with a trailing `.0` (JS reads `1.0` as 1).
 * - version, for an image: `md5(h)` where, with md5 as lower-case hex of the UTF-8 text and Python's
 *   `sep.join(string)` (the characters of `string` with `sep` between them):
 *   `h = md5(image)`; then `h = h.join(md5(condaText))` when there is a conda file. (azure-ai-ml also mixes in
 *   `inference_config`, which this action's YAML schemas do not accept.) Matched, quirk included: the SDK joins with
 *   `str.join`, so each step interleaves the previous hash between the characters of the next; verified by
 *   recomputing the SDK's formula with Python for the fixtures.
 * - for a local `build` context azure-ai-ml hashes the folder (`get_object_hash`, `assets/build-context.ts`) and the
 *   version is `md5(md5(hash).join(md5(dockerfile_path)))` (the `.join` only with a `dockerfile_path`): the same shape
 *   as an image's, so `anonymousImageVersion(hash, dockerfilePath)` computes it (`anonymousBuildContextVersion`). The
 *   definition then carries `localBuild` and no `build` yet: `registerEnvironment` (assets/environment-asset.ts)
 *   uploads the folder, then fills `build.contextUri` and the version. A remote `build.path` (https/azureml URL) is
 *   registered with version `md5(md5(url).join(md5(dockerfile_path)))`, our own choice mirroring the SDK's shape (the
 *   SDK leaves such an environment unversioned).
 */
import { createHash } from 'node:crypto'

export const ANONYMOUS_ENVIRONMENT_NAME = 'CliV2AnonymousEnvironment'

/** mfe.json `EnvironmentVersion` properties we send. */
export interface EnvironmentVersionProperties {
  image?: string
  condaFile?: string
  build?: { contextUri: string; dockerfilePath?: string }
  isAnonymous?: boolean
  description?: string
  tags?: Record<string, string>
}

/** An environment to register before the job or deployment: its name, version and `PUT` body. */
export interface EnvironmentDefinition {
  name: string
  /** For an anonymous environment with `localBuild`: empty until the folder is hashed. */
  version: string
  body: { properties: EnvironmentVersionProperties }
  /** A local Docker build context (absolute folder) to upload before the PUT; then `body.properties.build` is set. */
  localBuild?: { folder: string; dockerfilePath?: string }
}

function md5(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex')
}

/** Python's `sep.join(text)`: the characters of `text` with `sep` between each pair. */
function pyJoin(sep: string, text: string): string {
  return [...text].join(sep)
}

/** The anonymous version of an image environment (azure-ai-ml `_generate_anonymous_name_version(source="image")`). */
export function anonymousImageVersion(image: string, condaText?: string): string {
  let h = md5(image)
  if (condaText) h = pyJoin(h, md5(condaText))
  return md5(h)
}

/**
 * The anonymous version of an environment with a local build context whose `get_object_hash` is `uploadHash`
 * (azure-ai-ml `_generate_anonymous_name_version(source="build")`).
 */
export function anonymousBuildContextVersion(uploadHash: string, dockerfilePath?: string): string {
  return anonymousImageVersion(uploadHash, dockerfilePath)
}

/** Our version for a remote build context (see the module notes). */
export function anonymousBuildVersion(contextUri: string, dockerfilePath?: string): string {
  let h = md5(contextUri)
  if (dockerfilePath) h = pyJoin(h, md5(dockerfilePath))
  return md5(h)
}

/**
 * The environment to register for an inline definition: anonymous (`CliV2AnonymousEnvironment`, content-hash version)
 * unless the YAML names it (`name` and `version`), then registered under that name as `az ml` does.
 */
export function inlineEnvironment(spec: {
  image?: string
  condaText?: string
  build?: { contextUri: string; dockerfilePath?: string }
  localBuild?: { folder: string; dockerfilePath?: string }
  name?: string
  version?: string
  description?: string
  tags?: Record<string, string>
}): EnvironmentDefinition {
  const properties: EnvironmentVersionProperties = {}
  if (spec.image !== undefined) properties.image = spec.image
  if (spec.condaText !== undefined) properties.condaFile = spec.condaText
  if (spec.build) properties.build = { ...spec.build }
  if (spec.description !== undefined) properties.description = spec.description
  if (spec.tags && Object.keys(spec.tags).length) properties.tags = spec.tags
  const localBuild = spec.localBuild ? { localBuild: { ...spec.localBuild } } : {}
  if (spec.name !== undefined && spec.version !== undefined) {
    return { name: spec.name, version: spec.version, body: { properties }, ...localBuild }
  }
  properties.isAnonymous = true
  if (spec.localBuild) return { name: ANONYMOUS_ENVIRONMENT_NAME, version: '', body: { properties }, ...localBuild }
  const version = spec.build
    ? anonymousBuildVersion(spec.build.contextUri, spec.build.dockerfilePath)
    : anonymousImageVersion(spec.image ?? '', spec.condaText)
  return { name: ANONYMOUS_ENVIRONMENT_NAME, version, body: { properties } }
}

// ---- PyYAML-compatible dump (yaml.dump(data, sort_keys=True), default options) ------------------------------------

// PyYAML's implicit resolvers (resolver.py, YAML 1.1): a string that would read back as another type is quoted.
const IMPLICIT = [
  /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/,
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/,
  /^(?:<<)$/,
  /^(?:~|null|Null|NULL|)$/,
  /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/,
  /^(?:=)$/
]

function printableAscii(s: string): boolean {
  return /^[\x20-\x7e]*$/.test(s)
}

/** Can PyYAML write `s` as a plain scalar in block context (emitter.py `analyze_scalar`)? */
function plainOk(s: string): boolean {
  if (!s || !printableAscii(s)) return false
  if (IMPLICIT.some(re => re.test(s))) return false
  if (s.startsWith(' ') || s.endsWith(' ')) return false
  if (s.startsWith('---') || s.startsWith('...')) return false
  const first = s[0]
  if ('#,[]{}&*!|>\'"%@`'.includes(first)) return false
  if ('?:-'.includes(first) && (s.length === 1 || s[1] === ' ')) return false
  for (let i = 1; i < s.length; i++) {
    const ch = s[i]
    if (ch === ':' && (i + 1 === s.length || s[i + 1] === ' ')) return false
    if (ch === '#' && s[i - 1] === ' ') return false
  }
  return true
}

function quoteDouble(s: string): string {
  let out = '"'
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0
    if (ch === '"' || ch === '\\') out += `\\${ch}`
    else if (ch === '\n') out += '\\n'
    else if (ch === '\t') out += '\\t'
    else if (c >= 0x20 && c <= 0x7e) out += ch
    else if (c <= 0xff) out += `\\x${c.toString(16).toUpperCase().padStart(2, '0')}`
    else if (c <= 0xffff) out += `\\u${c.toString(16).toUpperCase().padStart(4, '0')}`
    else out += `\\U${c.toString(16).toUpperCase().padStart(8, '0')}`
  }
  return `${out}"`
}

function pyScalar(v: unknown): string {
  if (v === null || v === undefined) return 'null'
  if (typeof v === 'boolean') return v ? 'true' : 'false'
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return '.nan'
    if (!Number.isFinite(v)) return v > 0 ? '.inf' : '-.inf'
    return String(v)
  }
  const s = String(v)
  if (plainOk(s)) return s
  if (printableAscii(s)) return `'${s.replace(/'/g, "''")}'`
  return quoteDouble(s)
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function emit(v: unknown, indent: number, out: string[]): void {
  const pad = ' '.repeat(indent)
  if (isPlainObject(v)) {
    for (const key of Object.keys(v).sort()) {
      const item = v[key]
      const k = pyScalar(key)
      if (isPlainObject(item) && Object.keys(item).length) {
        out.push(`${pad}${k}:`)
        emit(item, indent + 2, out)
      } else if (Array.isArray(item) && item.length) {
        out.push(`${pad}${k}:`)
        emit(item, indent, out) // PyYAML: a block sequence under a mapping key is not indented
      } else out.push(`${pad}${k}: ${inline(item)}`)
    }
    return
  }
  if (Array.isArray(v)) {
    for (const item of v) {
      if ((isPlainObject(item) && Object.keys(item).length) || (Array.isArray(item) && item.length)) {
        const sub: string[] = []
        emit(item, indent + 2, sub)
        out.push(`${pad}- ${sub[0].slice(indent + 2)}`, ...sub.slice(1))
      } else out.push(`${pad}- ${inline(item)}`)
    }
    return
  }
  out.push(pad + inline(v))
}

function inline(v: unknown): string {
  if (isPlainObject(v)) return '{}'
  if (Array.isArray(v)) return '[]'
  return pyScalar(v)
}

/** `yaml.dump(value, sort_keys=True)` as PyYAML writes it (see the module notes for what is not covered). */
export function pyYamlDump(value: unknown): string {
  if (!isPlainObject(value) && !Array.isArray(value)) return `${pyScalar(value)}\n...\n`
  if ((isPlainObject(value) && !Object.keys(value).length) || (Array.isArray(value) && !value.length)) {
    return `${inline(value)}\n`
  }
  const out: string[] = []
  emit(value, 0, out)
  return `${out.join('\n')}\n`
}
