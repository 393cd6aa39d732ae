/**
 * The `environment:` field of a CLI v2 YAML (a command job, an online deployment): a reference
 * (`azureml:name:version`, `azureml:name@latest`, an ARM id, a registry URI) or an inline definition, read and checked
 * before anything is sent, each problem located at its field.
 *
 * Inline (azure-ai-ml `_schema/assets/environment.py` `EnvironmentSchema` / `AnonymousEnvironmentSchema`): `image`
 * or `build` (`path`, `dockerfile_path`), `conda_file` (a path relative to the YAML file, or the specification
 * inline), `inference_config` (`liveness_route`, `readiness_route`, `scoring_route`, each `{path, port}`, all three
 * required as `InferenceConfigSchema` has them), `name`, `version`, `description`, `tags`. A local `build.path` folder is
 * checked here and uploaded at registration (build-context.ts).
 *
 * `name` and `version` as azure-ai-ml 1.4 takes them:
 * - a job, pipeline step or component (`AnonymousEnvironmentSchema`, the only inline form their schemas take): both
 *   dropped, the environment registered anonymously, with the CLI's warning "the provided asset name '<name>' will not
 *   be used for anonymous registration" (`trim_dump_only`);
 * - an online deployment (`_schema/_deployment/deployment.py`: `EnvironmentSchema` first, then the anonymous one):
 *   registered under `name` and `version`, or the container's next version when `version` is absent
 *   (`Asset._auto_increment_version`, `_environment_operations.py` `create_or_update`); `version` without `name` is
 *   dropped (the anonymous schema takes it).
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import { parse } from 'yaml'
import { ANONYMOUS_ENVIRONMENT_NAME, inlineEnvironment, pyYamlDump, type InferenceConfig } from './environment.js'
import {
  CliYamlError,
  formatProblem,
  parseCliYaml,
  problemAt,
  type FieldPath,
  type YamlProblem,
  type YamlSource
} from './load.js'
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
        ? `is not valid YAML (${(e as Error).message.split('\n')[0].replace(/:\s*$/, '')})`
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
      } else {
        // The image build in Azure needs the Dockerfile (default `Dockerfile`, mfe.json BuildContext.dockerfilePath:
        // "Path to the Dockerfile in the build context"); without it the build fails long after the upload.
        const rel = env.build.dockerfile_path ?? 'Dockerfile'
        const dockerfilePath = resolve(folder, rel)
        if (!existsSync(dockerfilePath) || !statSync(dockerfilePath).isFile()) {
          problems.push(
            problemAt(
              source,
              at('build', env.build.dockerfile_path === undefined ? 'path' : 'dockerfile_path'),
              `no Dockerfile in the Docker build context '${folder}' (dockerfile_path: ${rel}, relative to the ` +
                `build context; add the file${env.build.dockerfile_path === undefined ? ' or name it in build.dockerfile_path' : ' or fix the path'})`
            )
          )
        } else localBuild = { folder, ...dockerfile }
      }
    }
  }
  return { condaText, build, localBuild }
}

/** `inference_config` as the body's `inferenceConfig` (mfe.json `InferenceContainerProperties`), as `_to_rest_object` writes it. */
export function inferenceConfigBody(ic: EnvironmentYaml['inference_config']): InferenceConfig | undefined {
  return ic && { livenessRoute: ic.liveness_route, readinessRoute: ic.readiness_route, scoringRoute: ic.scoring_route }
}

/** An inline environment as written. */
export interface EnvironmentYaml {
  image?: string
  /** A path (relative to the YAML file) or the conda specification inline. */
  conda_file?: string | Record<string, unknown>
  build?: { path: string; dockerfile_path?: string }
  inference_config?: Record<'liveness_route' | 'readiness_route' | 'scoring_route', { path: string; port: number }>
  name?: string
  version?: string | number
  description?: string
  tags?: Record<string, Scalar>
}

/** azure-ai-ml `RouteSchema`: both required. */
const ROUTE_SCHEMA = {
  type: 'object',
  required: ['path', 'port'],
  properties: { path: { type: 'string' }, port: { type: 'integer' } },
  additionalProperties: false
}

/** azure-ai-ml `InferenceConfigSchema`: the three routes, all required. */
export const INFERENCE_CONFIG_SCHEMA = {
  type: 'object',
  required: ['liveness_route', 'readiness_route', 'scoring_route'],
  properties: { liveness_route: ROUTE_SCHEMA, readiness_route: ROUTE_SCHEMA, scoring_route: ROUTE_SCHEMA },
  additionalProperties: false
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
    inference_config: INFERENCE_CONFIG_SCHEMA,
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

/**
 * How an inline environment's `name` is taken (module notes): `anonymous` for jobs, pipeline steps and components,
 * `named` for online deployments.
 */
export type InlineNames = 'anonymous' | 'named'

/** azure-ai-ml `constants/_common.py` FILE_PREFIX: `environment: file:<path>` names an environment YAML. */
export const FILE_PREFIX = 'file:'

const validateEnvironmentFile = compileYamlSchema({
  ...ENVIRONMENT_OBJECT_SCHEMA,
  properties: { ...ENVIRONMENT_OBJECT_SCHEMA.properties, $schema: { type: 'string' } }
})

/**
 * `environment: file:<path>` (a job's or component's): the environment YAML at `<path>` (relative to the YAML that
 * names it) read in place of an inline definition, its own paths (`conda_file`, `build.path`) relative to its folder,
 * as azure-ai-ml's `YamlFileSchema.load_from_file` (`_schema/core/schema.py`) does; its `name` and `version` then
 * taken as an inline environment's are (`names`: dropped with the CLI's warning in a job or component, kept in a
 * deployment).
 * Problems inside the file are located in it; a missing file at the field that names it.
 */
function environmentFileRef(
  value: string,
  source: YamlSource,
  path: FieldPath,
  problems: YamlProblem[],
  names: InlineNames
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
  const { $schema: _schema, ...env } = data as EnvironmentYaml & { $schema?: string }
  return inlineEnvironmentRef(env, file, (...f) => [...f], problems, names, source.kind)
}

/**
 * An inline environment → the definition to register (anonymous unless named), reading its conda file. `usedIn`: the
 * kind of YAML the environment is used in (a job's `environment: file:` names an environment YAML: `job`).
 */
function inlineEnvironmentRef(
  env: EnvironmentYaml,
  source: YamlSource,
  at: (...f: string[]) => FieldPath,
  problems: YamlProblem[],
  names: InlineNames,
  usedIn: string = source.kind
): EnvironmentReference | undefined {
  const before = problems.length
  if (env.image !== undefined && env.build !== undefined)
    problems.push(problemAt(source, at('build'), "give either 'image' or 'build', not both"))
  if (env.image === undefined && env.build === undefined)
    problems.push(problemAt(source, at(), "an inline environment needs 'image' (or 'build')"))
  // The CLI's warning (AnonymousEnvironmentSchema.trim_dump_only), located; its own default name is not warned about.
  const unused =
    names === 'anonymous' && env.name !== undefined && env.name !== ANONYMOUS_ENVIRONMENT_NAME
      ? formatProblem(
          problemAt(
            source,
            at('name'),
            `the provided asset name '${env.name}' will not be used for anonymous registration` +
              (env.version === undefined ? '' : ` (nor its version ${String(env.version)})`) +
              `: an inline environment of ${/^[aeiou]/i.test(usedIn) ? 'an' : 'a'} ${usedIn} is registered as ` +
              `${ANONYMOUS_ENVIRONMENT_NAME} with a content-hash version (register it first and refer to it as ` +
              'azureml:<name>:<version> to keep the name)'
          )
        )
      : undefined
  const { condaText, build, localBuild } = readEnvironmentContent(env, source, at, problems)
  if (problems.length > before) return undefined
  const tags = env.tags ? Object.fromEntries(Object.entries(env.tags).map(([k, v]) => [k, scalarText(v)])) : undefined
  const named = names === 'named' && env.name !== undefined
  const definition = inlineEnvironment({
    image: env.image,
    condaText,
    build,
    localBuild,
    inferenceConfig: inferenceConfigBody(env.inference_config),
    name: named ? env.name : undefined,
    version: named && env.version !== undefined ? String(env.version) : undefined,
    description: env.description,
    tags
  })
  if (unused) definition.warning = unused
  return { kind: 'inline', definition }
}

/**
 * Read the (schema-valid) `environment` at `path`: a reference, parsed, or an inline definition, checked (conda file
 * read), its `name` taken as `names` says (module notes). Problems are added to `problems`, located; the reference is
 * returned when there were none.
 */
export function readEnvironment(
  value: string | EnvironmentYaml,
  source: YamlSource,
  path: FieldPath,
  problems: YamlProblem[],
  names: InlineNames = 'anonymous'
): EnvironmentReference | undefined {
  if (typeof value === 'string') {
    if (value.startsWith(FILE_PREFIX)) return environmentFileRef(value, source, path, problems, names)
    try {
      return parseAssetReference(value, 'environments')
    } catch (e) {
      if (!(e instanceof BadReference)) throw e
      problems.push(problemAt(source, path, e.message))
      return undefined
    }
  }
  return inlineEnvironmentRef(value, source, (...f) => [...path, ...f], problems, names)
}
