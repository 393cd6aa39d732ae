/**
 * A validated command job (snake_case YAML) → the body of `PUT {WS}/jobs/{name}?api-version=2024-04-01`
 * (`Jobs_CreateOrUpdate`, mfe.json `JobBaseResource` → `properties`: `CommandJob`, which extends `JobBase`).
 *
 * Field names are checked against mfe.json 2024-04-01 (`CommandJob`, `JobBase`, `ResourceBase`, `LiteralJobInput`,
 * `AssetJobInput`, `AssetJobOutput`, `JobResourceConfiguration`, `CommandJobLimits`, `PyTorch`, `Mpi`, `TensorFlow`,
 * `AmlToken`, `ManagedIdentity`, `UserIdentity`, `QueueSettings`, `JobService`, `AllNodes`), and the __tests__ validate
 * the produced body against that spec. The behaviour follows azure-ai-ml (`entities/_job/command_job.py`
 * `_to_rest_object`, `_input_output_helpers.py`, `job_limits.py`, `distribution.py`, `_credentials.py`, `job_service.py`,
 * `_utils/utils.py` `to_iso_duration_format`):
 * - literal inputs: `{jobInputType: "literal", value}` with the value as text: Python's `str()` for booleans
 *   (`True`/`False`); numbers as written in the YAML (`0.010` stays `0.010`; Python would print the float, `0.01`);
 * - asset inputs: `{jobInputType: <type>, uri, mode}`, modes `ro_mount`/`mount` → ReadOnlyMount, `rw_mount` →
 *   ReadWriteMount, `download` → Download, `direct` → Direct, `eval_mount` → EvalMount, `eval_download` → EvalDownload
 *   (mfe.json `InputDeliveryMode`); no mode → none sent (the service's default, ReadOnlyMount);
 * - outputs: `{jobOutputType: <type, default uri_folder>, uri?, mode?}`, modes `rw_mount`/`mount` → ReadWriteMount,
 *   `upload` → Upload, `direct` → Direct (`OutputDeliveryMode`);
 * - `limits.timeout` seconds → ISO 8601 duration split into days, hours, minutes and seconds as Python's
 *   `isodate.duration_isoformat(timedelta(seconds=...))` writes it: 5430 → `PT1H30M30S`, 86400 → `P1D`;
 * - `distribution` → `{distributionType: PyTorch|Mpi|TensorFlow, processCountPerInstance | workerCount,
 *   parameterServerCount}`; `identity` → `{identityType: AMLToken|Managed|UserIdentity, clientId, objectId,
 *   resourceId}`; `queue_settings.job_tier` → `queueSettings.jobTier` (Null, Spot, Basic, Standard, Premium);
 *   `services` → `{jobServiceType, port, nodes: {nodesValueType: All}, properties}` as the newest azure-ai-ml writes it
 *   (`entities/_job/job_service.py`; 1.4 refuses `type:` there and reads `job_service_type`, taken too): `type`
 *   jupyter_lab → JupyterLab, ssh → SSH, tensor_board → TensorBoard, vs_code → VSCode; any other type (`custom`)
 *   goes through the SDK's generic service schema, which drops it (no `jobServiceType`); `log_dir` → `properties.logDir`,
 *   `ssh_public_keys` → `properties.sshPublicKeys`; `endpoint` (read-only) is not sent;
 * - `experimentName`: option > YAML > the caller's default (the repository name; the SDK uses the current folder's
 *   name); `displayName`: YAML, else the job name; `tags`: the YAML's, with the caller's (run URL, repository, commit,
 *   PR) merged over them.
 * Not sent (absent in the YAML): fields are left out rather than sent as null.
 */
import {
  lineOfOffset,
  nodeAt,
  problemAt,
  type FieldPath,
  type YamlProblem,
  type YamlSource
} from '../../cli-yaml/load.js'
import { scalarText, textMap, type NumberText } from '../../cli-yaml/text.js'
import type { CommandJobYaml, InputYaml, OutputYaml, Scalar, ServiceYaml } from './schema.js'
import type { ResolvedReferences } from './references.js'
import { isoDuration } from '../../arm/duration.js'

export { scalarText, type NumberText } from '../../cli-yaml/text.js'

export type JobInputRest =
  | { jobInputType: 'literal'; value: string; description?: string }
  | { jobInputType: string; uri: string; mode?: string; description?: string }
export interface JobOutputRest {
  jobOutputType: string
  uri?: string
  mode?: string
  description?: string
}

/** mfe.json `CommandJob` (with `JobBase` and `ResourceBase`), the fields this action sends. */
export interface CommandJobProperties {
  jobType: 'Command'
  command: string
  environmentId: string
  codeId?: string
  computeId?: string
  displayName: string
  experimentName: string
  description?: string
  tags?: Record<string, string>
  properties?: Record<string, string>
  environmentVariables?: Record<string, string>
  inputs?: Record<string, JobInputRest>
  outputs?: Record<string, JobOutputRest>
  resources?: {
    instanceCount?: number
    instanceType?: string
    shmSize?: string
    dockerArgs?: string
    properties?: Record<string, unknown>
  }
  distribution?:
    | { distributionType: 'PyTorch' | 'Mpi'; processCountPerInstance?: number }
    | { distributionType: 'TensorFlow'; workerCount?: number; parameterServerCount?: number }
  limits?: { jobLimitsType: 'Command'; timeout: string }
  identity?:
    | { identityType: 'AMLToken' | 'UserIdentity' }
    | { identityType: 'Managed'; clientId?: string; objectId?: string; resourceId?: string }
  services?: Record<
    string,
    {
      jobServiceType?: string
      port?: number
      nodes?: { nodesValueType: 'All' }
      endpoint?: string
      properties?: Record<string, string>
    }
  >
  queueSettings?: { jobTier: string }
}

export interface JobRestBody {
  properties: CommandJobProperties
}

export interface JobRestOptions {
  /** The job's name (chosen before the PUT): `displayName` when the YAML has none. */
  jobName: string
  /** Input `experiment-name`: wins over the YAML. */
  experimentName?: string
  /** Used when neither the input nor the YAML names an experiment (the repository name). */
  defaultExperimentName: string
  /** Tags merged over the YAML's own (workflow run URL, repository, commit, pull request). */
  extraTags?: Record<string, string>
}

export const INPUT_MODE: Record<string, string> = {
  ro_mount: 'ReadOnlyMount',
  mount: 'ReadOnlyMount',
  rw_mount: 'ReadWriteMount',
  download: 'Download',
  direct: 'Direct',
  eval_mount: 'EvalMount',
  eval_download: 'EvalDownload'
}
export const OUTPUT_MODE: Record<string, string> = {
  rw_mount: 'ReadWriteMount',
  mount: 'ReadWriteMount',
  upload: 'Upload',
  direct: 'Direct'
}
export const DISTRIBUTION: Record<string, 'PyTorch' | 'Mpi' | 'TensorFlow'> = {
  pytorch: 'PyTorch',
  mpi: 'Mpi',
  tensorflow: 'TensorFlow'
}
const IDENTITY = { aml_token: 'AMLToken', user_identity: 'UserIdentity', managed: 'Managed' } as const
/** azure-ai-ml `JobServiceTypeNames.ENTITY_TO_REST` for the types a YAML may name (`NAMES_ALLOWED_FOR_PUBLIC`). */
const SERVICE: Record<string, string> = {
  jupyter_lab: 'JupyterLab',
  ssh: 'SSH',
  tensor_board: 'TensorBoard',
  vs_code: 'VSCode'
}
/** azure-ai-ml 1.4 `JobServiceTypeNames.ENTITY_TO_REST`: what `job_service_type` (1.4's spelling) may name. */
export const SERVICE_1_4: Record<string, string> = {
  ...SERVICE,
  custom: 'Custom',
  Tracking: 'Tracking',
  Studio: 'Studio'
}
const TIER: Record<string, string> = {
  null: 'Null',
  spot: 'Spot',
  basic: 'Basic',
  standard: 'Standard',
  premium: 'Premium'
}

function isInputObject(v: unknown): v is InputYaml {
  return typeof v === 'object' && v !== null
}

/** The literal value of an input (a bare scalar, or `value`/`default` of a typed literal input), with its field path. */
export function literalOf(
  name: string,
  v: Scalar | InputYaml | null | undefined,
  base: FieldPath = []
): { value: Scalar; path: FieldPath } | undefined {
  if (v === null || v === undefined) return undefined
  if (!isInputObject(v)) return { value: v, path: [...base, 'inputs', name] }
  if (v.value !== undefined) return { value: v.value, path: [...base, 'inputs', name, 'value'] }
  if (v.default !== undefined) return { value: v.default, path: [...base, 'inputs', name, 'default'] }
  return undefined
}

/**
 * A job's `inputs` (those of the YAML at `base`: the root, or a pipeline node) → REST, asset inputs taking their `uri`
 * from `uris` (by input name).
 */
export function inputsRest(
  inputs: CommandJobYaml['inputs'],
  uris: Record<string, string>,
  numberText: NumberText,
  base: FieldPath = []
): Record<string, JobInputRest> | undefined {
  if (!inputs) return undefined
  const out: Record<string, JobInputRest> = {}
  for (const [name, v] of Object.entries(inputs)) {
    const uri = uris[name]
    if (uri !== undefined && isInputObject(v)) {
      const input: JobInputRest = { jobInputType: v.type ?? 'uri_folder', uri }
      if (v.mode) input.mode = INPUT_MODE[v.mode]
      if (v.description !== undefined) input.description = v.description
      out[name] = input
      continue
    }
    const literal = literalOf(name, v, base)
    if (!literal) continue // an optional input left empty
    const input: JobInputRest = { jobInputType: 'literal', value: scalarText(literal.value, numberText(literal.path)) }
    if (isInputObject(v) && v.description !== undefined) input.description = v.description
    out[name] = input
  }
  return out
}

/** A job's `outputs` → REST (`jobOutputType` default uri_folder, `uri` from `path`, `mode`). */
export function outputsRest(
  outputs: Record<string, OutputYaml | null> | undefined
): Record<string, JobOutputRest> | undefined {
  if (!outputs) return undefined
  const out: Record<string, JobOutputRest> = {}
  for (const [name, o] of Object.entries(outputs)) {
    const output: JobOutputRest = { jobOutputType: o?.type ?? 'uri_folder' }
    if (o?.path !== undefined) output.uri = o.path
    if (o?.mode) output.mode = OUTPUT_MODE[o.mode]
    if (o?.description !== undefined) output.description = o.description
    out[name] = output
  }
  return out
}

type ServiceRest = NonNullable<CommandJobProperties['services']>[string]

/** One `services` entry → mfe.json `JobService` (see the module's docstring for the source of each rule). */
export function serviceRest(s: ServiceYaml | null, at: FieldPath, numberText: NumberText): ServiceRest {
  const svc: ServiceRest = {}
  if (!s) return svc
  const type = s.type !== undefined ? SERVICE[s.type] : s.job_service_type && SERVICE_1_4[s.job_service_type]
  if (type) svc.jobServiceType = type
  if (s.nodes === 'all') svc.nodes = { nodesValueType: 'All' }
  if (s.port !== undefined) svc.port = s.port
  const props = textMap(s.properties, [...at, 'properties'], numberText)
  // _append_or_update_properties: a non-empty log_dir / ssh_public_keys is added to (or replaces in) properties.
  const extra =
    s.type === 'tensor_board' ? { logDir: s.log_dir } : s.type === 'ssh' ? { sshPublicKeys: s.ssh_public_keys } : {}
  const merged = { ...props }
  for (const [k, v] of Object.entries(extra)) if (v) merged[k] = v
  if (Object.keys(merged).length) svc.properties = merged
  return svc
}

/** Build the REST body from a validated job and its resolved references (pure). */
export function buildCommandJobBody(
  job: CommandJobYaml,
  resolved: ResolvedReferences,
  options: JobRestOptions,
  numberText: NumberText = () => undefined
): JobRestBody {
  const p: CommandJobProperties = {
    jobType: 'Command',
    command: job.command,
    environmentId: resolved.environmentId,
    displayName: job.display_name ?? options.jobName,
    experimentName: options.experimentName ?? job.experiment_name ?? options.defaultExperimentName
  }
  if (resolved.codeId !== undefined) p.codeId = resolved.codeId
  if (resolved.computeId !== undefined) p.computeId = resolved.computeId
  if (job.description !== undefined) p.description = job.description
  const tags = { ...textMap(job.tags, 'tags', numberText), ...options.extraTags }
  if (Object.keys(tags).length) p.tags = tags
  const properties = textMap(job.properties, 'properties', numberText)
  if (properties) p.properties = properties
  const env = textMap(job.environment_variables, 'environment_variables', numberText)
  if (env) p.environmentVariables = env
  const inputs = inputsRest(job.inputs, resolved.inputUris, numberText)
  if (inputs) p.inputs = inputs
  const outputs = outputsRest(job.outputs)
  if (outputs) p.outputs = outputs
  if (job.resources) {
    const r = job.resources
    p.resources = {}
    if (r.instance_count !== undefined) p.resources.instanceCount = r.instance_count
    if (r.instance_type !== undefined) p.resources.instanceType = r.instance_type
    if (r.shm_size !== undefined) p.resources.shmSize = r.shm_size
    if (r.docker_args !== undefined) p.resources.dockerArgs = r.docker_args
    if (r.properties !== undefined) p.resources.properties = r.properties
  }
  if (job.distribution) {
    const d = job.distribution
    if (d.type === 'tensorflow') {
      p.distribution = { distributionType: 'TensorFlow' }
      if (d.worker_count !== undefined) p.distribution.workerCount = d.worker_count
      if (d.parameter_server_count !== undefined) p.distribution.parameterServerCount = d.parameter_server_count
    } else {
      p.distribution = { distributionType: DISTRIBUTION[d.type] as 'PyTorch' | 'Mpi' }
      if (d.process_count_per_instance !== undefined)
        p.distribution.processCountPerInstance = d.process_count_per_instance
    }
  }
  if (job.limits?.timeout !== undefined)
    p.limits = { jobLimitsType: 'Command', timeout: isoDuration(job.limits.timeout) }
  if (job.identity) {
    const i = job.identity
    if (i.type === 'managed') {
      const m: { identityType: 'Managed'; clientId?: string; objectId?: string; resourceId?: string } = {
        identityType: 'Managed'
      }
      if (i.client_id !== undefined) m.clientId = i.client_id
      if (i.object_id !== undefined) m.objectId = i.object_id
      if (i.resource_id !== undefined) m.resourceId = i.resource_id
      p.identity = m
    } else p.identity = { identityType: IDENTITY[i.type] }
  }
  if (job.services) {
    p.services = {}
    for (const [name, s] of Object.entries(job.services))
      p.services[name] = serviceRest(s, ['services', name], numberText)
  }
  if (job.queue_settings?.job_tier !== undefined) p.queueSettings = { jobTier: TIER[job.queue_settings.job_tier] }
  return { properties: p }
}

/**
 * Check that every `${{inputs.x}}` and `${{outputs.y}}` in `command` names an input or output of the job (azure-ai-ml
 * `_validate_inputs_for`: an optional input inside `[...]` may be missing). Each problem names field `command` and the
 * line of the reference in the file (or the `set` line that wrote the command). `at` is where the command is written
 * (`['command']`; a sweep's `['trial', 'command']`, whose inputs and outputs are the sweep's).
 */
export function checkCommandBindings(
  job: Pick<CommandJobYaml, 'command' | 'inputs' | 'outputs'>,
  source: YamlSource,
  at: FieldPath = ['command']
): YamlProblem[] {
  const problems: YamlProblem[] = []
  const node = nodeAt(source, at)
  const [start, , end] = node?.range ?? [0, 0, 0]
  const optional = new Set<string>()
  for (const m of job.command.matchAll(/\[[^\]]*\$\{\{\s*inputs\.([\w.-]+)\s*\}\}[^\]]*\]/g)) optional.add(m[1])
  for (const m of job.command.matchAll(/\$\{\{\s*(inputs|outputs)\.([\w.-]+)\s*\}\}/g)) {
    const [whole, group, name] = m
    const known = group === 'inputs' ? job.inputs : job.outputs
    if (known && Object.hasOwn(known, name) && known[name] !== undefined) continue
    if (group === 'inputs' && optional.has(name)) continue
    const names = Object.keys(known ?? {})
    const detail = `'${whole}' names no ${group === 'inputs' ? 'input' : 'output'} of the job (${
      names.length ? `${group}: ${names.join(', ')}` : `the job has no ${group}`
    })`
    const problem = problemAt(source, at, detail)
    if (problem.location.input === 'job' && node?.range) {
      const at = source.text.slice(start, end).indexOf(whole)
      if (at >= 0) problem.location = { ...problem.location, line: lineOfOffset(source, start + at) }
    }
    problems.push(problem)
  }
  return problems
}
