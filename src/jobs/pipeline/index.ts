/**
 * The pipeline job type of submit-job (`type: pipeline`): read and check the YAML (`read.ts`, every problem as
 * `file:line: field` before anything is sent), then register its anonymous components and build the body of
 * `PUT {WS}/jobs/{name}` (`to-rest.ts`). Registered in `../job-types.ts`.
 *
 *   const read = readPipelineJob(source, { baseDir: workspace })            // throws JobYamlError
 *   const body = await toPipelineRestBody(read, resolver, { jobName, defaultExperimentName })
 *
 * A pipeline component file for register-component, read by the same node reader (no second one):
 *   const read = readPipelineComponentYaml('components/pipeline.yml', setLines, { baseDir })  // undefined: not pipeline
 *   const { name, version, body } = await toPipelineComponentRestBody(read, resolver, nextVersion)
 */
import {
  byLocation,
  CliYamlError,
  formatProblem,
  loadCliYaml,
  numberTextAt,
  problemAt,
  type ReadYamlOptions,
  type YamlKind,
  type YamlProblem,
  type YamlSource
} from '../../cli-yaml/load.js'
import { normalizeEnumAt, type Scalar } from '../../cli-yaml/schema.js'
import { applySetLines } from '../../cli-yaml/set.js'
import { textMap } from '../../cli-yaml/text.js'
import {
  COMPONENT_HEAD_PROPERTIES,
  COMPONENT_INPUT,
  inputPortProblems,
  type ComponentInputYaml,
  type ComponentRestRequest,
  type ComponentVersionProperties
} from '../../components/yaml/component.js'
import { JobYamlError } from '../yaml/errors.js'
import { droppedFields, readPipelineGraph, type PipelineGraph } from './read.js'
import { buildPipelineJobBody, pipelineComponentSpec, type PipelineResolver } from './to-rest.js'
import type { JobRestOptions } from '../yaml/to-rest.js'

export type { PipelineResolver, AnonymousComponent, PipelineJobProperties } from './to-rest.js'
export { ANONYMOUS_COMPONENT_NAME } from './to-rest.js'
export { anonymousComponentHash, pythonJsonDumps } from './anonymous-hash.js'

/** A pipeline job YAML read and checked: ready for `toPipelineRestBody`. */
export interface PipelineJobYaml {
  /** The fields every job type has (for the job name, messages). */
  job: { type: 'pipeline'; name?: string }
  file: string
  source: YamlSource
  graph: PipelineGraph
  /** Fields taken but not sent, as the CLI does, each `file:line: field: ...`: submit-job warns about each. */
  warnings: string[]
}

/** Read and check a pipeline job (parsed, `set` applied); `JobYamlError` listing every problem of every file. */
export function readPipelineJob(source: YamlSource, options: ReadYamlOptions = {}): PipelineJobYaml {
  const data = source.doc.toJS() as Record<string, unknown>
  const problems: YamlProblem[] = []
  if (
    data.name !== undefined &&
    (typeof data.name !== 'string' || !/^[a-zA-Z0-9][a-zA-Z0-9\-_]{0,254}$/.test(data.name))
  )
    problems.push(problemAt(source, ['name'], 'a job name: letters, digits, - and _, starting with a letter or digit'))
  const graph = readPipelineGraph(source, data, problems, {
    baseDir: options.baseDir ?? process.cwd(),
    isComponent: false,
    seen: [source.path]
  })
  if (!problems.length) problems.push(...stepsWithoutCompute(data, graph))
  if (problems.length) throw new JobYamlError(problems.sort(byLocation))
  return {
    job: { type: 'pipeline', name: typeof data.name === 'string' ? data.name : undefined },
    file: source.file,
    source,
    graph,
    warnings: droppedFields(graph).map(formatProblem)
  }
}

/**
 * The steps that would run nowhere: when the pipeline sets neither `compute` nor `settings.default_compute`, each
 * command or parallel step without its own `compute`, also inside local pipeline component files (a step of a
 * registered pipeline component is not seen). azure-ai-ml refuses these before sending anything ("Compute not set" at
 * `jobs.<step>.compute`: 1.4 `entities/_job/pipeline/pipeline_job.py` `_validate_compute_is_set`,
 * `entities/_component/pipeline_component.py` `_validate_compute_is_set`; pipeline nodes skip it, `_builders/pipeline.py`
 * `_skip_required_compute_missing_validation`). A pipeline asks for serverless compute with
 * `settings.default_compute: azureml:serverless` (https://learn.microsoft.com/azure/machine-learning/how-to-use-serverless-compute).
 */
function stepsWithoutCompute(data: Record<string, unknown>, graph: PipelineGraph): YamlProblem[] {
  const settings = data.settings
  const defaultCompute =
    typeof settings === 'object' && settings !== null
      ? (settings as Record<string, unknown>).default_compute
      : undefined
  if (data.compute != null || defaultCompute != null) return []
  const out: YamlProblem[] = []
  const visit = (g: PipelineGraph): void => {
    for (const node of g.nodes) {
      if (node.type === 'pipeline') {
        if (node.component.kind === 'pipeline-file') visit(node.component.graph)
      } else if (!node.compute) {
        out.push(
          problemAt(
            node.source,
            node.path,
            'compute not set: this step has no compute and the pipeline no settings.default_compute. Set ' +
              'settings.default_compute: azureml:serverless to run the steps on serverless compute, or ' +
              "azureml:<cluster> (or the step's compute) to run them on a compute of the workspace."
          )
        )
      }
    }
  }
  visit(graph)
  return out
}

/** Register the pipeline's anonymous components through `resolver` and build the job's REST body. */
export function toPipelineRestBody(read: PipelineJobYaml, resolver: PipelineResolver, options: JobRestOptions) {
  return buildPipelineJobBody(read.graph, resolver, options)
}

/** A pipeline component file (`type: pipeline`) read and checked, for register-component. */
export interface PipelineComponentRead {
  type: 'pipeline'
  /** The component's name and version as written. */
  name: string
  version?: string
  file: string
  source: YamlSource
  graph: PipelineGraph
}

const PIPELINE_COMPONENT_FILE: YamlKind = {
  input: COMPONENT_INPUT,
  kind: 'pipeline component',
  fieldsHint: 'name, version, type: pipeline, inputs, outputs, jobs, ...'
}

/**
 * Read a component YAML for register-component when it is a pipeline component (`type: pipeline`; undefined for any
 * other type, which `readComponentYaml` reads): `set` lines applied, `name` (required) and `version` checked as any
 * component's, its input ports, and its `jobs` read and checked by the pipeline node reader (`read.ts`: local component
 * files, sub-pipelines, bindings, cycles). Throws a `CliYamlError` naming input `component` with every problem of every
 * file (`file:line: field`).
 */
export function readPipelineComponentYaml(
  file: string,
  setLines: string | readonly string[] = [],
  options: ReadYamlOptions = {}
): PipelineComponentRead | undefined {
  const source = loadCliYaml(file, PIPELINE_COMPONENT_FILE, options.baseDir)
  const data = source.doc.toJS() as unknown
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined
  normalizeEnumAt(data, ['type'])
  if ((data as { type?: unknown }).type !== 'pipeline') return undefined
  applySetLines(source, setLines)
  const y = source.doc.toJS() as Record<string, unknown>
  normalizeEnumAt(y, ['type'])
  const problems: YamlProblem[] = []
  const name = COMPONENT_HEAD_PROPERTIES.name
  if (typeof y.name !== 'string') problems.push(problemAt(source, ['name'], "missing 'name' (a component needs one)"))
  else if (!new RegExp(name.pattern).test(y.name)) problems.push(problemAt(source, ['name'], name.hint))
  const version = COMPONENT_HEAD_PROPERTIES.version
  if (y.version !== undefined && !(typeof y.version === 'string' || typeof y.version === 'number'))
    problems.push(problemAt(source, ['version'], 'expected a version: text or a number'))
  else if (y.version !== undefined && !new RegExp(version.pattern).test(String(y.version)))
    problems.push(problemAt(source, ['version'], version.hint))
  const inputs = y.inputs as Record<string, ComponentInputYaml> | undefined
  if (inputs && typeof inputs === 'object') problems.push(...inputPortProblems(inputs, source, []))
  const graph = readPipelineGraph(source, y, problems, {
    baseDir: options.baseDir ?? process.cwd(),
    isComponent: true,
    seen: [source.path]
  })
  if (problems.length) {
    // The node reader names the files it opens as input `job`'s; here they belong to input `component`.
    const named = problems.map(p =>
      'file' in p.location && p.location.input === 'job'
        ? { ...p, location: { ...p.location, input: COMPONENT_INPUT } }
        : p
    )
    throw new CliYamlError(COMPONENT_INPUT, named.sort(byLocation))
  }
  return {
    type: 'pipeline',
    name: y.name as string,
    version: y.version === undefined ? undefined : (numberTextAt(source, ['version']) ?? String(y.version)),
    file: source.file,
    source,
    graph
  }
}

/**
 * The PUT of a pipeline component version: every inline or local step's component registered anonymously through
 * `resolver` first (reused when it exists), then `{WS}/components/{name}/versions/{version}` with the spec azure-ai-ml
 * 1.4 writes (`pipelineComponentSpec`, nodes named, plus `name` and `version`), `isAnonymous: false`; the version as
 * written, else `nextVersion(name)`.
 */
export async function toPipelineComponentRestBody(
  read: PipelineComponentRead,
  resolver: PipelineResolver,
  nextVersion: (name: string) => Promise<string>
): Promise<ComponentRestRequest> {
  const y = read.graph.yaml
  const version = read.version ?? (await nextVersion(read.name))
  const spec = await pipelineComponentSpec(read.graph, resolver, true)
  spec.name = read.name
  spec.version = version
  const properties: ComponentVersionProperties = {
    componentSpec: spec,
    tags: textMap(y.tags as Record<string, Scalar>, 'tags', p => numberTextAt(read.source, p)) ?? {},
    properties: {},
    isAnonymous: false,
    isArchived: false
  }
  if (typeof y.description === 'string') properties.description = y.description
  return { name: read.name, version, body: { properties } }
}
