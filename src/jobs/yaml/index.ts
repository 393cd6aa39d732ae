/**
 * The pure half of `submit-job`: read a CLI v2 command job YAML (with the `set` lines applied), validate it (schema,
 * inputs, references, local paths, `${{...}}` bindings) and, given a `ReferenceResolver` (the network layer), build the
 * body of `PUT {WS}/jobs/{name}` (api-version 2024-04-01).
 *
 *   const read = readJobYaml('jobs/train.yml', core.getInput('set'), { baseDir: workspace })   // throws JobYamlError
 *   const body = await toJobRestBody(read, resolver, { jobName, defaultExperimentName: repo, extraTags })
 *
 * Every problem found while reading is reported at once, each as `file:line: field: expected ...` (or the `set` line),
 * before anything is uploaded or created.
 */
import { existsSync, statSync } from 'node:fs'
import { readEnvironment } from '../../cli-yaml/environment-yaml.js'
import {
  byLocation,
  fieldAt,
  loadCliYaml,
  numberTextAt,
  problemAt,
  type FieldPath,
  type YamlKind,
  type YamlProblem,
  type YamlSource,
  type ReadYamlOptions
} from '../../cli-yaml/load.js'
import { applySetLines } from '../../cli-yaml/set.js'
import { asJobYamlError, JobYamlError } from './errors.js'
import {
  BadReference,
  parseCodeReference,
  parseComputeReference,
  parseInputPath,
  resolveReferences,
  type JobReferences,
  type ReferenceResolver
} from './references.js'
import {
  ASSET_INPUT_TYPES,
  validateCommandJobSchema,
  type CommandJobYaml,
  type InputYaml,
  type LiteralInputType
} from './schema.js'
import { buildCommandJobBody, checkCommandBindings, type JobRestBody, type JobRestOptions } from './to-rest.js'

export { JobYamlError, asJobYamlError } from './errors.js'
export type { ReferenceResolver, ResolvedReferences, JobReferences } from './references.js'
export type { EnvironmentDefinition } from '../../cli-yaml/environment.js'
export type { JobRestBody, JobRestOptions, CommandJobProperties } from './to-rest.js'
export type { CommandJobYaml } from './schema.js'

/** How a job YAML is named in messages. */
const JOB_YAML: YamlKind = { input: 'job', kind: 'job', fieldsHint: 'type, command, environment, ...' }

/** A job YAML read and validated: ready for `toJobRestBody`. */
export interface JobYaml {
  /** The validated job, as written (snake_case), after the `set` lines. */
  job: CommandJobYaml
  /** The file as named in input `job`. */
  file: string
  /** Its absolute path and folder (local paths in the YAML are relative to the folder). */
  path: string
  dir: string
  /** Every reference, parsed; local paths checked to exist. */
  references: JobReferences
  /** The parsed document, for locating later errors (`problemAt(read.source, path, ...)`). */
  source: YamlSource
  /** Fields taken but not sent (none for a command job today): see `JobYamlRead.warnings`. */
  warnings?: string[]
}

const asset = new Set<string>(ASSET_INPUT_TYPES)

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/**
 * Check a job's inputs (those at `base`: the root, or a pipeline node) beyond the schema: literals have a fitting
 * value, asset inputs a path; parse those paths into `refs.inputs`. Bare scalars (and `${{...}}` bindings) pass as they
 * are.
 */
export function checkInputs(
  inputs: CommandJobYaml['inputs'],
  source: YamlSource,
  refs: Pick<JobReferences, 'inputs'>,
  problems: YamlProblem[],
  base: FieldPath = []
): void {
  for (const [name, v] of Object.entries(inputs ?? {})) {
    if (!isObject(v)) continue // a bare literal (or empty)
    const input = v as InputYaml
    const at = (field?: string): FieldPath => (field ? [...base, 'inputs', name, field] : [...base, 'inputs', name])
    const type = input.type ?? 'uri_folder'
    if (asset.has(type)) {
      for (const f of ['value', 'default'] as const) {
        if (input[f] !== undefined) problems.push(problemAt(source, at(f), `a ${type} input takes a path, not a ${f}`))
      }
      if (input.path === undefined) {
        if (!input.optional)
          problems.push(problemAt(source, at(), `missing required field 'path' (a ${type} input needs a path)`))
        continue
      }
      // A pipeline node's path may be a binding (`${{parent.inputs.x}}`): sent as it is, nothing to upload.
      if (input.path.includes('${{')) continue
      try {
        // Untyped (uri_folder by default) but naming a registry model: read as a model reference, sent as written.
        const kind =
          input.type === undefined && /^azureml:\/\/registries\/[^/]+\/models\//.test(input.path)
            ? 'custom_model'
            : type
        const ref = parseInputPath(input.path, kind, source.dir)
        if (ref.kind === 'local') {
          const problem = localPathProblem(ref.path, type)
          if (problem) problems.push(problemAt(source, at('path'), problem))
        }
        refs.inputs[name] = { type, ref }
      } catch (e) {
        if (!(e instanceof BadReference)) throw e
        problems.push(problemAt(source, at('path'), e.message))
      }
      continue
    }
    for (const f of ['path', 'mode'] as const) {
      if (input[f] !== undefined)
        problems.push(problemAt(source, at(f), `a ${type} input is a literal value: it has no ${f}`))
    }
    const field = input.value !== undefined ? 'value' : input.default !== undefined ? 'default' : undefined
    if (!field) {
      if (!input.optional)
        problems.push(problemAt(source, at(), `missing 'value' (or 'default') for the ${type} input`))
      continue
    }
    const value = input[field]
    const fits =
      type === 'string' ||
      (type === 'integer' && Number.isInteger(value)) ||
      (type === 'number' && typeof value === 'number') ||
      (type === 'boolean' && typeof value === 'boolean')
    const want = { integer: 'a whole number', number: 'a number', boolean: 'true or false', string: 'a string' }[
      type as LiteralInputType
    ]
    if (!fits)
      problems.push(
        problemAt(source, at(field), `expected ${want} for this ${type} input, got ${JSON.stringify(value)}`)
      )
  }
}

/** Why a local path cannot be used (missing, or a file where a folder is needed), if it cannot. */
function localPathProblem(path: string, type: string): string | undefined {
  if (!existsSync(path)) return `local path '${path}' does not exist (paths are relative to the job YAML's folder)`
  const dir = statSync(path).isDirectory()
  if (type === 'uri_file' && dir) return `'${path}' is a folder; a uri_file input needs a file`
  if ((type === 'uri_folder' || type === 'mltable') && !dir)
    return `'${path}' is a file; a ${type} input needs a folder`
  return undefined
}

/**
 * The references of a command (a command job, or a sweep's `trial` with the sweep's compute and inputs): `code` (a
 * local folder checked to exist), `environment`, `compute` and asset inputs, parsed into `JobReferences` for
 * `resolveReferences`. `at` is where `code` and `environment` are written (`[]` for a command job, `['trial']` for a
 * sweep). Problems are pushed onto `problems`, each naming its field.
 */
export function checkCommandReferences(
  job: Pick<CommandJobYaml, 'code' | 'environment' | 'compute' | 'inputs'>,
  source: YamlSource,
  problems: YamlProblem[],
  at: FieldPath = []
): JobReferences {
  const refs: JobReferences = { environment: { kind: 'arm', id: '' }, inputs: {} }
  const guard = (path: FieldPath, parse: () => void): void => {
    try {
      parse()
    } catch (e) {
      if (!(e instanceof BadReference)) throw e
      problems.push(problemAt(source, path, e.message))
    }
  }
  if (job.code !== undefined) {
    guard([...at, 'code'], () => {
      const code = parseCodeReference(job.code as string, source.dir)
      if (code.kind === 'local' && !existsSync(code.path)) {
        problems.push(
          problemAt(
            source,
            [...at, 'code'],
            `local folder '${code.path}' does not exist (paths are relative to the job YAML's folder)`
          )
        )
      }
      refs.code = code
    })
  }
  const env = readEnvironment(job.environment, source, [...at, 'environment'], problems)
  if (env) refs.environment = env
  if (job.compute !== undefined) guard(['compute'], () => (refs.compute = parseComputeReference(job.compute as string)))
  checkInputs(job.inputs, source, refs, problems)
  return refs
}

/** Checks beyond the schema: references, local paths, inputs, bindings, fields 2024-04-01 cannot carry. */
function checkJob(job: CommandJobYaml, source: YamlSource): { references: JobReferences; problems: YamlProblem[] } {
  const problems: YamlProblem[] = []
  const refs = checkCommandReferences(job, source, problems)
  for (const [name, o] of Object.entries(job.outputs ?? {})) {
    for (const f of ['name', 'version'] as const) {
      if (o?.[f] !== undefined) {
        problems.push(
          problemAt(
            source,
            ['outputs', name, f],
            `registering an output as a named asset is not in the 2024-04-01 REST API (AssetJobOutput has only mode and uri): remove '${f}'`
          )
        )
      }
    }
  }
  if (job.queue_settings?.priority !== undefined) {
    problems.push(
      problemAt(
        source,
        ['queue_settings', 'priority'],
        'not in the 2024-04-01 REST API (QueueSettings has only jobTier): remove it'
      )
    )
  }
  problems.push(...checkCommandBindings(job, source))
  return { references: refs, problems }
}

/**
 * Read, `set`, validate and check a command job YAML. `file` is input `job` (relative to `options.baseDir`), `setLines`
 * input `set` (a multi-line string or lines). Throws `JobYamlError` (an InputError naming `job` or `set`) listing every
 * problem with its file, line and field, or `InputError('job')` when the file is missing.
 */
export function readJobYaml(
  file: string,
  setLines: string | readonly string[] = [],
  options: ReadYamlOptions = {}
): JobYaml {
  try {
    const source = loadJobSource(file, setLines, options)
    return readCommandJob(source)
  } catch (e) {
    throw asJobYamlError(e)
  }
}

/** A job YAML parsed with its `set` lines applied (any job type: `../job-types.ts` reads its `type` to choose). */
export function loadJobSource(
  file: string,
  setLines: string | readonly string[] = [],
  options: ReadYamlOptions = {}
): YamlSource {
  try {
    const source = loadCliYaml(file, JOB_YAML, options.baseDir)
    applySetLines(source, setLines)
    return source
  } catch (e) {
    throw asJobYamlError(e)
  }
}

/** Validate and check a command job already parsed (`loadJobSource`); `JobYamlError` listing every problem. */
export function readCommandJob(source: YamlSource): JobYaml {
  try {
    const job = validateCommandJobSchema(source.doc.toJS(), source)
    const { references, problems } = checkJob(job, source)
    if (problems.length) throw new JobYamlError(problems.sort(byLocation))
    return { job, file: source.file, path: source.path, dir: source.dir, references, source }
  } catch (e) {
    throw asJobYamlError(e)
  }
}

/** Resolve the job's references through `resolver` (uploads, registrations, lookups) and build the REST body. */
export async function toJobRestBody(
  read: JobYaml,
  resolver: ReferenceResolver,
  options: JobRestOptions
): Promise<JobRestBody> {
  const resolved = await resolveReferences(read.references, resolver, fieldAt(read.source, ['compute']))
  return buildCommandJobBody(read.job, resolved, options, path => numberTextAt(read.source, path))
}
