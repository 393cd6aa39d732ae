/**
 * The job types submit-job takes, behind one interface: each type reads and checks its YAML (every problem before
 * anything is sent) and builds its REST body through the shared resolver (`resolver.ts`: references, uploads,
 * registrations). submit-job does the rest once for every type: the job-exists rule, the reference check (the same
 * build with uploads turned off), dry-run, the PUT and following.
 *
 * Adding a type: one module with its `JobType` (`read`, `toRestBody`) and one line in `JOB_TYPES`. A YAML's `type`
 * (after its `set` lines) picks the type; a type not listed goes to the command type, which names it in its refusal.
 */
import type { ReadYamlOptions, YamlSource } from '../cli-yaml/load.js'
import { readPipelineJob, toPipelineRestBody, type PipelineJobYaml } from './pipeline/index.js'
import type { JobResolver } from './resolver.js'
import { readSweepJob, toSweepRestBody, type SweepJobRead } from './sweep/index.js'
import { loadJobSource, readCommandJob, toJobRestBody, type JobYaml } from './yaml/index.js'
import type { JobRestOptions } from './yaml/to-rest.js'

/** What every job type's read YAML has: its type and optional name, the file and its parsed source. */
export interface JobYamlRead {
  job: { type?: string; name?: string }
  file: string
  source: YamlSource
  /** Fields taken but not sent, as the CLI does, each `file:line: field: ...` (submit-job warns about each). */
  warnings?: string[]
}

/** The body of `PUT {WS}/jobs/{name}`: `properties` of any job type, with its experiment. */
export interface JobTypeBody {
  properties: { jobType: string; experimentName: string }
}

export interface JobType<R extends JobYamlRead = JobYamlRead> {
  /** The YAML's `type` (`command`, `pipeline`). */
  type: string
  /** Validate and check a parsed job YAML (its `set` lines applied); `JobYamlError` listing every problem. */
  read(source: YamlSource, options: ReadYamlOptions): R
  /** Resolve (upload, register, look up) through `resolver` and build the body. */
  toRestBody(read: R, resolver: JobResolver, options: JobRestOptions): Promise<JobTypeBody>
}

const command: JobType<JobYaml> = { type: 'command', read: source => readCommandJob(source), toRestBody: toJobRestBody }
const pipeline: JobType<PipelineJobYaml> = {
  type: 'pipeline',
  read: readPipelineJob,
  toRestBody: toPipelineRestBody
}

const sweep: JobType<SweepJobRead> = { type: 'sweep', read: readSweepJob, toRestBody: toSweepRestBody }

/** Every job type; the first is the default (a YAML without `type`). Each reads only its own YAML (see `typeOf`). */
const JOB_TYPES = [command, pipeline, sweep] as unknown as readonly JobType<AnyJobYaml>[]

/** A job YAML of any type, read and checked. */
export type AnyJobYaml = JobYaml | PipelineJobYaml | SweepJobRead

/** The type that handles a YAML's `type` (the command type for one it does not list). */
function typeOf(type: unknown): JobType<AnyJobYaml> {
  return JOB_TYPES.find(t => typeof type === 'string' && t.type === type.toLowerCase()) ?? JOB_TYPES[0]
}

/** Read a job YAML of any type: input `job` (relative to `options.baseDir`) with input `set`. */
export function readAnyJobYaml(
  file: string,
  setLines: string | readonly string[] = [],
  options: ReadYamlOptions = {}
): AnyJobYaml {
  const source = loadJobSource(file, setLines, options)
  return typeOf(source.doc.get('type')).read(source, options)
}

/** The REST body of a read job YAML, by its type. */
export function toAnyJobRestBody(read: AnyJobYaml, resolver: JobResolver, options: JobRestOptions) {
  return typeOf(read.job.type).toRestBody(read, resolver, options)
}
