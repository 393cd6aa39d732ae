/**
 * The `environment:` field of a CLI v2 YAML (a command job, an online deployment): a reference
 * (`azureml:name:version`, `azureml:name@latest`, an ARM id, a registry URI) or an inline definition, read and checked
 * before anything is sent, each problem located at its field.
 *
 * Inline (azure-ai-ml `_schema/assets/environment.py` `EnvironmentSchema` / `AnonymousEnvironmentSchema`): `image`
 * or `build` (`path`, `dockerfile_path`), `conda_file` (a path relative to the YAML file, or the specification
 * inline), `name` + `version` (registered under that name; without them, anonymous: see environment.ts),
 * `description`, `tags`. A local `build.path` folder is checked here and uploaded at registration (build-context.ts).
 */
import * as core from '@actions/core'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import { parse } from 'yaml'
import { ANONYMOUS_ENVIRONMENT_NAME, inlineEnvironment, pyYamlDump } from './environment.js'
import { CliYamlError, parseCliYaml, problemAt, type FieldPath, type YamlProblem, type YamlSource } from './load.js'
import { BadReference, parseAssetReference, type EnvironmentReference } from './references.js'
import { compileYamlSchema, schemaProblems, SCALAR_MAP_SCHEMA, type Scalar } from './schema.js'
import { scalarText } from './text.js'

/**
 * The content fields of an environment (inline or an environment YAML): `conda_file` read (a path relative to the
 * YAML's folder, or inline) and dumped as azure-ai-ml sends it, `build` as a remote context or a local folder checked
 * to exist (uploaded at registration, assets/build-context.ts). Problems are added to `problems`, located.
 */
export function readEnvironmentContent(
  env: Pick<EnvironmentYaml, 'conda_file' | 'build'>,
  source: YamlSource,
  at: (...f: string[]) => FieldPath,
  problems: YamlProblem[]
): {
  condaText?: string
  build?: { contextUri: string; dockerfilePath?: string }
  localBuild?: { folder: string; dockerfilePath?: string }
} {
  let condaText: string | undefined
  if (isObject(env.conda_file)) condaText = pyYamlDump(env.conda_file)
  else if (typeof env.conda_file === 'string') {
    const path = isAbsolute(env.conda_file) ? env.conda_file : resolve(source.dir, env.conda_file)
    try {
      condaText = pyYamlDump(parse(readFileSync(path, 'utf8')))
    } catch (e) {
      const why = existsSync(path)
        ? `is not valid YAML (${(e as Error).message.split('\n')[0]})`
        : `does not exist (paths are relative to the ${source.kind} YAML's folder)`
      problems.push(problemAt(source, at('conda_file'), `conda file '${path}' ${why}`))
    }
  }
  let build: { contextUri: string; dockerfilePath?: string } | undefined
  let localBuild: { folder: string; dockerfilePath?: string } | undefined
  if (env.build) {
    const dockerfile = env.build.dockerfile_path === undefined ? {} : { dockerfilePath: env.build.dockerfile_path }
    if (/^(?:https?|azureml):\/\//i.test(env.build.path)) build = { contextUri: env.build.path, ...dockerfile }
    else {
      // A local folder, uploaded when the environment is registered (assets/build-context.ts); checked now.
      const folder = isAbsolute(env.build.path) ? env.build.path : resolve(source.dir, env.build.path)
      if (!existsSync(folder) || !statSync(folder).isDirectory()) {
        problems.push(
          problemAt(
            source,
            at('build', 'path'),
            `the Docker build context '${folder}' is not a folder (paths are relative to the ${source.kind} YAML's folder)`
          )
        )
      } else localBuild = { folder, ...dockerfile }
    }
  }
  return { condaText, build, localBuild }
}

/** An inline environment as written. */
export interface EnvironmentYaml {
  image?: string
  /** A path (relative to the YAML file) or the conda specification inline. */
  conda_file?: string | Record<string, unknown>
  build?: { path: string; dockerfile_path?: string }
  name?: string
  version?: string | number
  description?: string
  tags?: Record<string, Scalar>
}

/** The schema of an inline environment (draft-07). */
export const ENVIRONMENT_OBJECT_SCHEMA = {
  type: 'object',
  properties: {
    image: { type: 'string', minLength: 1 },
    conda_file: { type: ['string', 'object'] },
    build: {
      type: 'object',
      required: ['path'],
      properties: { path: { type: 'string', minLength: 1 }, dockerfile_path: { type: 'string', minLength: 1 } },
      additionalProperties: false
    },
    name: { type: 'string', minLength: 1 },
    version: { type: ['string', 'integer'] },
    description: { type: 'string' },
    tags: SCALAR_MAP_SCHEMA
  },
  additionalProperties: false
}

/** `environment:` as a schema: a non-empty reference string, or an inline environment. */
export const ENVIRONMENT_SCHEMA = {
  if: { type: 'string' },
  then: { type: 'string', minLength: 1 },
  else: ENVIRONMENT_OBJECT_SCHEMA
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** azure-ai-ml `constants/_common.py` FILE_PREFIX: `environment: file:<path>` names an environment YAML. */
export const FILE_PREFIX = 'file:'

const validateEnvironmentFile = compileYamlSchema({
  ...ENVIRONMENT_OBJECT_SCHEMA,
  properties: { ...ENVIRONMENT_OBJECT_SCHEMA.properties, $schema: { type: 'string' } }
})

/**
 * `environment: file:<path>` (a job's or component's): the environment YAML at `<path>` (relative to the YAML that
 * names it) read in place of an inline definition, its own paths (`conda_file`, `build.path`) relative to its folder,
 * as azure-ai-ml's `YamlFileSchema.load_from_file` (`_schema/core/schema.py`) does. Where that is a job's
 * `AnonymousEnvironmentSchema`, the file's `name` and `version` are dropped with the SDK's warning ("the provided
 * asset name '...' will not be used for anonymous registration") and the environment is registered anonymously.
 * Problems inside the file are located in it; a missing file at the field that names it.
 */
function environmentFileRef(
  value: string,
  source: YamlSource,
  path: FieldPath,
  problems: YamlProblem[]
): EnvironmentReference | undefined {
  const rel = value.slice(FILE_PREFIX.length)
  const abs = isAbsolute(rel) ? rel : resolve(source.dir, rel)
  let text: string
  try {
    if (!statSync(abs).isFile()) throw new Error('not a file')
    text = readFileSync(abs, 'utf8')
  } catch {
    problems.push(
      problemAt(
        source,
        path,
        `environment file '${abs}' does not exist (paths are relative to the ${source.kind} YAML's folder)`
      )
    )
    return undefined
  }
  let file: YamlSource
  try {
    file = parseCliYaml(
      text,
      abs,
      { input: source.input, kind: 'environment', fieldsHint: 'image, build, conda_file, ...' },
      abs
    )
  } catch (e) {
    if (!(e instanceof CliYamlError)) throw e
    problems.push(...e.problems)
    return undefined
  }
  const data = file.doc.toJS() as Record<string, unknown>
  const schema = schemaProblems(validateEnvironmentFile, data, file)
  if (schema.length) {
    problems.push(...schema)
    return undefined
  }
  const { $schema: _schema, name, version: _version, ...env } = data as EnvironmentYaml & { $schema?: string }
  if (name !== undefined && name !== ANONYMOUS_ENVIRONMENT_NAME) {
    core.warning(
      `${abs}: the provided asset name '${name}' will not be used for anonymous registration (as az ml does for an environment: file: of a job).`
    )
  }
  return inlineEnvironmentRef(env, file, (...f) => [...f], problems)
}

/** An inline environment → the definition to register (anonymous unless named), reading its conda file. */
function inlineEnvironmentRef(
  env: EnvironmentYaml,
  source: YamlSource,
  at: (...f: string[]) => FieldPath,
  problems: YamlProblem[]
): EnvironmentReference | undefined {
  const before = problems.length
  if (env.image !== undefined && env.build !== undefined)
    problems.push(problemAt(source, at('build'), "give either 'image' or 'build', not both"))
  if (env.image === undefined && env.build === undefined)
    problems.push(problemAt(source, at(), "an inline environment needs 'image' (or 'build')"))
  if (env.name !== undefined && env.version === undefined)
    problems.push(problemAt(source, at('name'), "a named environment needs a 'version' too"))
  if (env.name === undefined && env.version !== undefined)
    problems.push(problemAt(source, at('version'), "a 'version' needs a 'name'"))
  const { condaText, build, localBuild } = readEnvironmentContent(env, source, at, problems)
  if (problems.length > before) return undefined
  const tags = env.tags ? Object.fromEntries(Object.entries(env.tags).map(([k, v]) => [k, scalarText(v)])) : undefined
  return {
    kind: 'inline',
    definition: inlineEnvironment({
      image: env.image,
      condaText,
      build,
      localBuild,
      name: env.name,
      version: env.version === undefined ? undefined : String(env.version),
      description: env.description,
      tags
    })
  }
}

/**
 * Read the (schema-valid) `environment` at `path`: a reference, parsed, or an inline definition, checked (conda file
 * read). Problems are added to `problems`, located; the reference is returned when there were none.
 */
export function readEnvironment(
  value: string | EnvironmentYaml,
  source: YamlSource,
  path: FieldPath,
  problems: YamlProblem[]
): EnvironmentReference | undefined {
  if (typeof value === 'string') {
    if (value.startsWith(FILE_PREFIX)) return environmentFileRef(value, source, path, problems)
    try {
      return parseAssetReference(value, 'environments')
    } catch (e) {
      if (!(e instanceof BadReference)) throw e
      problems.push(problemAt(source, path, e.message))
      return undefined
    }
  }
  return inlineEnvironmentRef(value, source, (...f) => [...path, ...f], problems)
}
