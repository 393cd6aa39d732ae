/**
 * The pipeline job type of submit-job (`type: pipeline`): read and check the YAML (`read.ts`, every problem as
 * `file:line: field` before anything is sent), then register its anonymous components and build the body of
 * `PUT {WS}/jobs/{name}` (`to-rest.ts`). Registered in `../job-types.ts`.
 *
 *   const read = readPipelineJob(source, { baseDir: workspace })            // throws JobYamlError
 *   const body = await toPipelineRestBody(read, resolver, { jobName, defaultExperimentName })
 */
import { byLocation, problemAt, type ReadYamlOptions, type YamlProblem, type YamlSource } from '../../cli-yaml/load.js'
import { JobYamlError } from '../yaml/errors.js'
import { readPipelineGraph, type PipelineGraph } from './read.js'
import { buildPipelineJobBody, type PipelineResolver } from './to-rest.js'
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
  if (problems.length) throw new JobYamlError(problems.sort(byLocation))
  return {
    job: { type: 'pipeline', name: typeof data.name === 'string' ? data.name : undefined },
    file: source.file,
    source,
    graph
  }
}

/** Register the pipeline's anonymous components through `resolver` and build the job's REST body. */
export function toPipelineRestBody(read: PipelineJobYaml, resolver: PipelineResolver, options: JobRestOptions) {
  return buildPipelineJobBody(read.graph, resolver, options)
}
