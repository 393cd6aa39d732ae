/**
 * Reading a CLI v2 **pipeline job** YAML (`type: pipeline`) and the pipeline component files its nodes name, with every
 * check that needs no network: fields, settings, inputs and outputs, node types, component references, bindings
 * (`${{parent.inputs.x}}`, `${{parent.outputs.y}}`, `${{parent.jobs.<step>.outputs.z}}`), cycles between steps, and
 * literal inputs of the wrong type for a component's declared input. Every problem is `file:line: field: ...` (the file
 * it is in: the pipeline, a sub-pipeline's component file or a step's component file).
 *
 * Fields: azure-ai-ml 1.4 `_schema/pipeline/pipeline_job.py` (`PipelineJobSchema`), `pipeline_component.py`
 * (`PipelineComponentSchema`: `jobs` nodes), `_schema/pipeline/component_job.py` (`CommandSchema` nodes, `component:`
 * as a file, `azureml:` id or inline step), `_schema/pipeline/settings.py` (`PipelineJobSettingsSchema`).
 */
import { relative, resolve } from 'node:path'
import { readEnvironment } from '../../cli-yaml/environment-yaml.js'
import {
  byLocation,
  CliYamlError,
  fieldName,
  loadCliYaml,
  problemAt,
  type FieldPath,
  type YamlKind,
  type YamlProblem,
  type YamlSource
} from '../../cli-yaml/load.js'
import { localPathProblem } from '../../cli-yaml/references.js'
import { didYouMean, normalizeEnumAt, suggest } from '../../cli-yaml/schema.js'
import { readComponentYaml, type CommandComponentRead } from '../../components/yaml/component.js'
import { readCodeReference } from '../../components/yaml/component-parts.js'
import {
  checkParallelNodeFields,
  PARALLEL_NODE_FIELDS,
  readParallelComponentAt,
  type ParallelComponentRead
} from '../../components/yaml/parallel-component.js'
import { checkInputs } from '../yaml/index.js'
import {
  BadReference,
  parseComputeReference,
  type CodeReference,
  type ComputeReference,
  type DataReference,
  type EnvironmentReference
} from '../yaml/references.js'
import type { InputYaml } from '../yaml/schema.js'

const PIPELINE_COMPONENT_YAML: YamlKind = {
  input: 'job',
  kind: 'pipeline component',
  fieldsHint: 'type: pipeline, inputs, outputs, jobs, ...'
}

/** The top-level fields of a pipeline job (azure-ai-ml `PipelineJobSchema`). */
const JOB_FIELDS = [
  '$schema',
  'type',
  'name',
  'display_name',
  'description',
  'experiment_name',
  'tags',
  'properties',
  'settings',
  'inputs',
  'outputs',
  'jobs',
  'compute',
  'component'
]
/** The fields of a pipeline component file (azure-ai-ml `PipelineComponentSchema`). */
const COMPONENT_FIELDS = [
  '$schema',
  'type',
  'name',
  'version',
  'display_name',
  'description',
  'tags',
  'inputs',
  'outputs',
  'jobs',
  'is_deterministic'
]
/** `settings` (azure-ai-ml `PipelineJobSettingsSchema`). */
const SETTINGS = {
  default_compute: 'string',
  default_datastore: 'string',
  default_environment: 'string',
  continue_on_step_failure: 'boolean',
  force_rerun: 'boolean'
} as const
/** Fields of every node. */
const NODE_FIELDS = [
  'type',
  'component',
  'name',
  'display_name',
  'description',
  'tags',
  'properties',
  'compute',
  'inputs',
  'outputs',
  'resources',
  'distribution',
  'limits',
  'environment_variables'
]
/** Fields of an inline command step (its component is the step itself, azure-ai-ml `CommandSchema`). */
const INLINE_FIELDS = ['command', 'code', 'environment']

/** Fields of a parallel node beyond NODE_FIELDS' (azure-ai-ml `ParallelSchema`); `task` only when inline. */
const PARALLEL_FIELDS = [...NODE_FIELDS.filter(f => f !== 'distribution' && f !== 'limits'), ...PARALLEL_NODE_FIELDS]

/** Node types the action does not submit yet, and why. AutoML, Spark and sweep nodes come with issue 21 (job types). */
const LATER_NODE_TYPES: Record<string, string> = {
  automl: 'AutoML nodes come with issue 21 (job types); not supported yet',
  spark: 'Spark nodes come with issue 21 (job types); not supported yet',
  sweep: 'sweep nodes come with issue 21 (job types); not supported yet',
  data_transfer: 'data_transfer nodes are not supported',
  import: 'import nodes are not supported',
  flow: 'flow nodes are not supported'
}

/** What a node's `component:` names. */
export type NodeComponent =
  /**
   * An inline command step: the node is its own component; or `component:` written as a mapping (`declared`, its
   * path in the file `at`).
   */
  | {
      kind: 'inline'
      code?: CodeReference
      environment: EnvironmentReference
      declared?: { yaml: Record<string, unknown>; at: FieldPath }
    }
  /** A local command component file. */
  | { kind: 'command-file'; read: CommandComponentRead }
  /** A local parallel component file (a `type: parallel` node). */
  | { kind: 'parallel-file'; read: ParallelComponentRead }
  /**
   * An inline parallel node (`task:` written in the node): its parallel fields read as an anonymous parallel
   * component at the node's path; its ports are inferred from the node's inputs and outputs, as for inline steps.
   */
  | { kind: 'parallel-inline'; read: ParallelComponentRead }
  /** A local pipeline component file, read by the same code. */
  | { kind: 'pipeline-file'; graph: PipelineGraph; yaml: Record<string, unknown> }
  /** `azureml:name:version` / `azureml:name@latest`: a workspace component version (checked to exist). */
  | { kind: 'named'; name: string; version: string }
  /** An ARM id, or a registry URI `azureml://registries/<r>/components/<n>/(versions/<v>|labels/<l>)`: as written. */
  | { kind: 'id'; id: string }

/** The node types this action submits. */
export type NodeType = 'command' | 'pipeline' | 'parallel'

/** A node of `jobs`, read and checked. */
export interface PipelineNode {
  name: string
  type: NodeType
  /** Its path in `source` (`['jobs', name]`). */
  path: FieldPath
  source: YamlSource
  /** The node as written (after `set`). */
  yaml: Record<string, unknown>
  component: NodeComponent
  /** A compute name or ARM id; a `${{...}}` binding stays as written. */
  compute?: ComputeReference | { kind: 'binding'; text: string }
  /** Asset inputs of the node with a path (local paths uploaded). */
  inputs: Record<string, { type: string; ref: DataReference }>
  /** What was taken but is not sent, as the CLI does (an input the component does not declare): warned at submit. */
  dropped?: YamlProblem[]
}

/** A pipeline job or pipeline component: its inputs, outputs and nodes. */
export interface PipelineGraph {
  source: YamlSource
  yaml: Record<string, unknown>
  /** Asset inputs of the pipeline with a path. */
  inputs: Record<string, { type: string; ref: DataReference }>
  nodes: PipelineNode[]
  /** A pipeline job whose steps come from its `component:` (a pipeline component file). */
  fromComponent?: boolean
}

/** Declared ports of a component (known for inline steps and local files; unknown for registered components). */
interface Ports {
  inputs?: Record<string, { type?: string }>
  outputs?: Record<string, unknown>
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

const BINDING = /\$\{\{\s*([^}]*?)\s*\}\}/g

/** How a file is named in messages: relative to the workflow's workspace when it lies inside it. */
function displayName(path: string, baseDir: string): string {
  const rel = relative(baseDir, path)
  return rel && !rel.startsWith('..') ? rel : path
}

/** Reads the graph of a pipeline job (its root `source`) or pipeline component; problems go into `problems`. */
export function readPipelineGraph(
  source: YamlSource,
  data: Record<string, unknown>,
  problems: YamlProblem[],
  context: { baseDir: string; isComponent: boolean; seen: string[] }
): PipelineGraph {
  const fields = context.isComponent ? COMPONENT_FIELDS : JOB_FIELDS
  for (const key of Object.keys(data)) {
    if (!fields.includes(key)) {
      const hint = didYouMean(key, fields) || ` (a pipeline ${source.kind} has ${fields.join(', ')})`
      problems.push(problemAt(source, [key], `unknown field${hint}`))
    }
  }
  if (!context.isComponent) checkSettings(data.settings, source, problems)
  for (const key of ['inputs', 'outputs', 'jobs'] as const) {
    if (data[key] !== undefined && data[key] !== null && !isObject(data[key]))
      problems.push(problemAt(source, [key], `expected a mapping of names`))
  }
  const graph: PipelineGraph = { source, yaml: data, inputs: {}, nodes: [] }
  if (!context.isComponent) {
    checkInputs(data.inputs as Record<string, InputYaml>, source, graph, problems)
    for (const [name, o] of Object.entries(isObject(data.outputs) ? data.outputs : {})) {
      if (o !== null && !isObject(o))
        problems.push(problemAt(source, ['outputs', name], 'expected a mapping or nothing'))
    }
  }
  if (!context.isComponent && data.component !== undefined) {
    // A pipeline job that runs a pipeline component: its steps are the component's (azure-ai-ml copies them over).
    if (data.jobs !== undefined)
      problems.push(problemAt(source, ['jobs'], "give either 'jobs' or 'component', not both"))
    const read = readComponentReference(source, [], data.component, 'pipeline', problems, context)
    if (read && read.component.kind !== 'pipeline-file') {
      problems.push(problemAt(source, ['component'], 'expected a local pipeline component YAML file'))
    } else if (read?.component.kind === 'pipeline-file') {
      graph.nodes = read.component.graph.nodes
      graph.fromComponent = true
    }
    return graph
  }
  const jobs = isObject(data.jobs) ? { ...data.jobs } : {}
  // A `set` line naming a step the file does not have made a new one (as the CLI would): almost always a misspelt step.
  for (const o of source.overrides) {
    if (o.created?.length !== 2 || o.created[0] !== 'jobs') continue
    const step = o.created[1]
    delete jobs[step]
    const steps = Object.keys(jobs).filter(n => !source.overrides.some(x => x.created?.[1] === n))
    problems.push({
      location: { input: 'set', line: o.line, text: o.text },
      field: fieldName(o.path),
      detail:
        `the pipeline has no step '${step}'${didYouMean(step, steps)} (steps: ${steps.join(', ') || 'none'}); ` +
        'a set line changes a step of the file, it does not add one'
    })
  }
  if (!Object.keys(jobs).length && !problems.some(p => p.field.startsWith('jobs.')))
    problems.push(problemAt(source, ['jobs'], 'a pipeline needs at least one step'))
  const ports = new Map<string, Ports | undefined>()
  for (const [name, node] of Object.entries(jobs)) {
    const read = readNode(source, name, node, problems, context)
    if (read) {
      graph.nodes.push(read.node)
      ports.set(name, read.ports)
    }
  }
  checkBindings(graph, Object.keys(jobs), ports, problems)
  checkBoundLiterals(graph, ports, problems)
  return graph
}

function checkSettings(settings: unknown, source: YamlSource, problems: YamlProblem[]): void {
  if (settings === undefined || settings === null) return
  if (!isObject(settings)) {
    problems.push(problemAt(source, ['settings'], 'expected a mapping'))
    return
  }
  for (const [key, value] of Object.entries(settings)) {
    const want = SETTINGS[key as keyof typeof SETTINGS]
    // A key azure-ai-ml does not know is sent as is (`PipelineJobSettings(**kwargs)`; 1.4 takes the examples'
    // `default_datestore` typo), so it is no problem here either.
    if (want && typeof value !== want) {
      problems.push(problemAt(source, ['settings', key], `expected ${want === 'boolean' ? 'true or false' : 'text'}`))
    }
  }
  if (typeof settings.default_compute === 'string') {
    try {
      parseComputeReference(settings.default_compute)
    } catch (e) {
      if (!(e instanceof BadReference)) throw e
      problems.push(problemAt(source, ['settings', 'default_compute'], e.message))
    }
  }
}

/** The node's type (`command` when it has none), or a problem. */
function nodeType(node: Record<string, unknown>): string {
  const type = node.type
  return typeof type === 'string' ? type.toLowerCase() : 'command'
}

function readNode(
  source: YamlSource,
  name: string,
  value: unknown,
  problems: YamlProblem[],
  context: { baseDir: string; seen: string[] }
): { node: PipelineNode; ports?: Ports } | undefined {
  const path: FieldPath = ['jobs', name]
  if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name)) {
    problems.push(problemAt(source, path, 'a step name: letters, digits and underscores, not starting with a digit'))
  }
  if (!isObject(value)) {
    problems.push(problemAt(source, path, 'expected a mapping (type, component or command, inputs, outputs, ...)'))
    return undefined
  }
  normalizeEnumAt(value, ['type'])
  const type = nodeType(value)
  if (LATER_NODE_TYPES[type]) {
    problems.push(problemAt(source, [...path, 'type'], LATER_NODE_TYPES[type]))
    return undefined
  }
  if (type !== 'command' && type !== 'pipeline' && type !== 'parallel') {
    problems.push(problemAt(source, [...path, 'type'], `unknown node type '${type}' (command, pipeline, parallel)`))
    return undefined
  }
  if (isObject(value.component)) {
    if (type === 'parallel') {
      problems.push(
        problemAt(
          source,
          [...path, 'component'],
          "a parallel node's component is a parallel component YAML file or an azureml: reference; or leave component: out and write task: in the node"
        )
      )
      return undefined
    }
    return readInlineComponentNode(source, name, path, value, problems)
  }
  const inline = value.component === undefined
  const inlineFields = type === 'parallel' ? ['task'] : INLINE_FIELDS
  const allowed = [...(type === 'parallel' ? PARALLEL_FIELDS : NODE_FIELDS), ...(inline ? inlineFields : [])]
  const meant = unknownFields(source, path, value, allowed, `a ${type} node`, problems, key =>
    inlineFields.includes(key) ? ' (set it in the component, or leave component: out)' : ''
  )
  for (const key of ['inputs', 'outputs', 'resources', 'distribution', 'limits', 'environment_variables']) {
    if (value[key] !== undefined && value[key] !== null && !isObject(value[key]))
      problems.push(problemAt(source, [...path, key], 'expected a mapping'))
  }
  const node: PipelineNode = {
    name,
    type,
    path,
    source,
    yaml: value,
    component: { kind: 'id', id: '' },
    inputs: {}
  }
  readNodeComputeAndInputs(node, value, problems)
  let ports: Ports | undefined
  if (inline) {
    if (type === 'pipeline') {
      problems.push(problemAt(source, path, "a pipeline node needs 'component:' (a pipeline component YAML file)"))
      return undefined
    }
    if (type === 'parallel') {
      if (value.task === undefined) {
        if (!meant.has('task'))
          problems.push(problemAt(source, path, "an inline parallel node needs 'task' (or name a 'component')"))
        return undefined
      }
      const read = readAt(problems, () =>
        readParallelComponentAt(source, parallelComponentFields(value), path, { anonymous: true })
      )
      if (!read) return undefined
      node.component = { kind: 'parallel-inline', read }
      return { node, ports: { outputs: isObject(value.outputs) ? value.outputs : {} } }
    }
    // A field missing because it was misspelt is reported once, at the misspelling.
    if (typeof value.command !== 'string' || !value.command) {
      if (!(value.command === undefined && meant.has('command')))
        problems.push(problemAt(source, path, "an inline command step needs 'command' (or name a 'component')"))
      return undefined
    }
    if (value.environment === undefined) {
      if (!meant.has('environment'))
        problems.push(problemAt(source, path, "an inline command step needs 'environment'"))
      return undefined
    }
    const code = readCodeReference(
      typeof value.code === 'string' ? value.code : undefined,
      source,
      [...path, 'code'],
      problems
    )
    const environment = readEnvironment(value.environment as never, source, [...path, 'environment'], problems)
    if (!environment) return undefined
    node.component = { kind: 'inline', code, environment }
    ports = {
      inputs: Object.fromEntries(
        Object.entries(isObject(value.inputs) ? value.inputs : {}).map(([k, v]) => [
          k,
          isObject(v) && typeof v.type === 'string' ? { type: v.type } : {}
        ])
      ),
      outputs: isObject(value.outputs) ? value.outputs : {}
    }
  } else {
    if (type === 'parallel') {
      const { task: _task, ...fields } = parallelComponentFields(value) // task: refused above as an unknown field
      problems.push(...checkParallelNodeFields(source, fields, path))
    }
    const read = readComponentReference(source, path, value.component, type, problems, context)
    if (!read) return undefined
    node.component = read.component
    ports = read.ports
  }
  checkNodePorts(node, ports, problems)
  return { node, ports }
}

/**
 * Each field of `value` (at `path`) not in `allowed` is a problem `unknown field of <what>`, with a did-you-mean when
 * one of `allowed` is close (else `hint(key)`). Returns the fields those typos were probably meant to be, so that the
 * "missing field" problem they cause is not reported a second time.
 */
function unknownFields(
  source: YamlSource,
  path: FieldPath,
  value: Record<string, unknown>,
  allowed: readonly string[],
  what: string,
  problems: YamlProblem[],
  hint: (key: string) => string = () => ''
): Set<string> {
  const meant = new Set<string>()
  for (const key of Object.keys(value)) {
    if (allowed.includes(key)) continue
    const guess = hint(key) ? undefined : suggest(key, allowed)
    if (guess !== undefined && value[guess] === undefined) meant.add(guess)
    const detail = guess !== undefined ? didYouMean(key, allowed) : hint(key)
    problems.push(problemAt(source, [...path, key], `unknown field of ${what}${detail}`))
  }
  return meant
}

/** The fields of a parallel node that are its component's (`type`, `task`, `input_data`, `mini_batch_size`, ...). */
function parallelComponentFields(node: Record<string, unknown>): Record<string, unknown> {
  const fields: Record<string, unknown> = { type: 'parallel' }
  for (const key of [...PARALLEL_NODE_FIELDS, 'resources', 'task']) if (node[key] !== undefined) fields[key] = node[key]
  return fields
}

/** `read()`, its `CliYamlError` problems pushed into `problems` (named as the pipeline's input `job`). */
function readAt<T>(problems: YamlProblem[], read: () => T): T | undefined {
  try {
    return read()
  } catch (e) {
    if (!(e instanceof CliYamlError)) throw e
    problems.push(...e.problems)
    return undefined
  }
}

/** Fields of a command component written inline under a node's `component:`. */
const INLINE_COMPONENT_FIELDS = [
  '$schema',
  'type',
  'name',
  'version',
  'display_name',
  'description',
  'tags',
  'is_deterministic',
  'inputs',
  'outputs',
  'code',
  'environment',
  'command',
  'resources',
  'distribution',
  'environment_variables'
]

/** A node whose `component:` is a command component written inline (a mapping). */
function readInlineComponentNode(
  source: YamlSource,
  name: string,
  path: FieldPath,
  value: Record<string, unknown>,
  problems: YamlProblem[]
): { node: PipelineNode; ports?: Ports } | undefined {
  const at: FieldPath = [...path, 'component']
  const c = value.component as Record<string, unknown>
  unknownFields(source, path, value, NODE_FIELDS, 'a command node', problems)
  const meant = unknownFields(source, at, c, INLINE_COMPONENT_FIELDS, 'a command component', problems)
  if (c.type !== undefined && c.type !== 'command')
    problems.push(problemAt(source, [...at, 'type'], 'an inline component is a command component (type: command)'))
  if ((typeof c.command !== 'string' || !c.command) && !(c.command === undefined && meant.has('command')))
    problems.push(problemAt(source, at, "missing 'command'"))
  if (c.environment === undefined && !meant.has('environment'))
    problems.push(problemAt(source, at, "missing 'environment'"))
  const code = readCodeReference(typeof c.code === 'string' ? c.code : undefined, source, [...at, 'code'], problems)
  const environment =
    c.environment === undefined
      ? undefined
      : readEnvironment(c.environment as never, source, [...at, 'environment'], problems)
  if (!environment || typeof c.command !== 'string') return undefined
  const node: PipelineNode = {
    name,
    type: 'command',
    path,
    source,
    yaml: value,
    component: { kind: 'inline', code, environment, declared: { yaml: c, at } },
    inputs: {}
  }
  readNodeComputeAndInputs(node, value, problems)
  const ports = portsOf(c)
  checkNodePorts(node, ports, problems)
  return { node, ports }
}

/** `component:` of a node: a local file (command or pipeline component), `azureml:` name, ARM id or registry URI. */
function readComponentReference(
  source: YamlSource,
  path: FieldPath,
  value: unknown,
  type: NodeType,
  problems: YamlProblem[],
  context: { baseDir: string; seen: string[] }
): { component: NodeComponent; ports?: Ports } | undefined {
  const at: FieldPath = [...path, 'component']
  if (typeof value !== 'string' || !value.trim()) {
    problems.push(
      problemAt(
        source,
        at,
        'expected a component YAML file, azureml:<name>:<version>, azureml:<name>@latest or a registry URI'
      )
    )
    return undefined
  }
  const text = value.trim()
  if (text.startsWith('azureml://registries/')) {
    // Without /versions/<v> azure-ai-ml 1.4 sends the URI as the node's componentId unchanged (the automl examples'
    // `azureml://registries/azureml/components/automl_hts_training`), and so does this.
    if (!/^azureml:\/\/registries\/[^/]+\/components\/[^/]+(\/(versions|labels)\/[^/]+)?$/.test(text)) {
      problems.push(
        problemAt(
          source,
          at,
          `'${text}' is not a registry component (azureml://registries/<r>/components/<name>[/versions/<v>])`
        )
      )
      return undefined
    }
    return { component: { kind: 'id', id: text } }
  }
  const bare = text.replace(/^azureml:/, '')
  if (bare.startsWith('/subscriptions/')) {
    if (!/\/components\/[^/]+\/versions\/[^/]+$/i.test(bare)) {
      problems.push(problemAt(source, at, `'${text}' is not the ARM id of a component version`))
      return undefined
    }
    return { component: { kind: 'id', id: bare } }
  }
  if (text.startsWith('azureml:')) {
    const m = /^([a-zA-Z_][a-zA-Z0-9_.-]*)(?::([^:@/]+)|@([^:@/]+))$/.exec(bare)
    if (!m) {
      problems.push(
        problemAt(
          source,
          at,
          `'${text}' is not a component reference (azureml:<name>:<version> or azureml:<name>@latest)`
        )
      )
      return undefined
    }
    if (m[3] !== undefined && m[3] !== 'latest') {
      problems.push(problemAt(source, at, `'${text}': only the label @latest is known (or give :<version>)`))
      return undefined
    }
    return { component: { kind: 'named', name: m[1], version: m[2] ?? 'latest' } }
  }
  // A local file, relative to the YAML that names it.
  const absolute = resolve(source.dir, text.replace(/^file:/, ''))
  const problem = localPathProblem(absolute, 'file', source.kind)
  if (problem) {
    problems.push(problemAt(source, at, problem.replace(/^local path/, 'component file')))
    return undefined
  }
  if (context.seen.includes(absolute)) {
    problems.push(problemAt(source, at, `'${text}' includes itself (a pipeline component cannot contain itself)`))
    return undefined
  }
  const file = displayName(absolute, context.baseDir)
  if (type === 'pipeline') {
    try {
      const sub = loadCliYaml(absolute, { ...PIPELINE_COMPONENT_YAML }, context.baseDir)
      sub.file = file
      const data = sub.doc.toJS() as Record<string, unknown>
      normalizeEnumAt(data, ['type'])
      if (data.type !== 'pipeline') {
        problems.push(problemAt(sub, ['type'], `a pipeline node needs a pipeline component (type: pipeline)`))
        return undefined
      }
      const graph = readPipelineGraph(sub, data, problems, {
        baseDir: context.baseDir,
        isComponent: true,
        seen: [...context.seen, absolute]
      })
      return { component: { kind: 'pipeline-file', graph, yaml: data }, ports: portsOf(data) }
    } catch (e) {
      if (e instanceof CliYamlError) {
        problems.push(...e.problems)
        return undefined
      }
      throw e
    }
  }
  try {
    const read = readComponentYaml(absolute, [], { baseDir: context.baseDir })
    read.file = file
    read.source.file = file
    if (read.type !== type) {
      // A parallel node names a parallel component file; a command node a command one (the file's `type`).
      const p = problemAt(
        read.source,
        ['type'],
        `the node at ${fieldName(path)} is a ${type} node (type: ${type}) but this is a ${read.type} component: write type: ${read.type} in the node, or name a ${type} component`
      )
      problems.push('file' in p.location ? { ...p, location: { ...p.location, input: 'job', file } } : p)
      return undefined
    }
    const ports = portsOf(read.yaml as unknown as Record<string, unknown>)
    return read.type === 'parallel'
      ? { component: { kind: 'parallel-file', read }, ports }
      : { component: { kind: 'command-file', read }, ports }
  } catch (e) {
    if (e instanceof CliYamlError) {
      // The component reader names input 'component'; here the file belongs to input 'job'.
      problems.push(
        ...e.problems.map(p => ('file' in p.location ? { ...p, location: { ...p.location, input: 'job', file } } : p))
      )
      return undefined
    }
    throw e
  }
}

function portsOf(data: Record<string, unknown>): Ports {
  return {
    inputs: (isObject(data.inputs) ? data.inputs : {}) as Ports['inputs'],
    outputs: isObject(data.outputs) ? data.outputs : {}
  }
}

/** Node inputs and outputs the component declares, and literal values that fit the declared type. */
function checkNodePorts(node: PipelineNode, ports: Ports | undefined, problems: YamlProblem[]): void {
  if (!ports || (node.component.kind === 'inline' && !node.component.declared)) return
  const { source, path, yaml } = node
  for (const [group, declared] of [
    ['inputs', ports.inputs],
    ['outputs', ports.outputs]
  ] as const) {
    const given = isObject(yaml[group]) ? yaml[group] : {}
    for (const [name, value] of Object.entries(given)) {
      if (group === 'inputs' && declared && !Object.hasOwn(declared, name)) {
        // azure-ai-ml 1.4 leaves an input the component does not declare out of the node it sends (checked with
        // `sdk_pipeline_body.py`: command and pipeline nodes alike), so it is dropped, not refused.
        delete (yaml.inputs as Record<string, unknown>)[name]
        const names = Object.keys(declared)
        ;(node.dropped ??= []).push(
          problemAt(
            source,
            [...path, group, name],
            `the component has no input '${name}' (${names.length ? names.join(', ') : 'it has no inputs'}): ` +
              'left out of the job, as az ml does'
          )
        )
        continue
      }
      if (!declared || !Object.hasOwn(declared, name)) {
        const names = Object.keys(declared ?? {})
        problems.push(
          problemAt(
            source,
            [...path, group, name],
            `the component has no ${group === 'inputs' ? 'input' : 'output'} '${name}' (${names.length ? names.join(', ') : `it has no ${group}`})`
          )
        )
        continue
      }
      if (group !== 'inputs') continue
      const type = (declared as Record<string, { type?: string }>)[name]?.type
      const literal = isObject(value) ? (value.value ?? value.default) : value
      if (literal === undefined || literal === null || (typeof literal === 'string' && literal.includes('${{')))
        continue
      const misfit = literalMisfit(type, literal)
      if (misfit) {
        problems.push(
          problemAt(
            source,
            isObject(value)
              ? [...path, 'inputs', name, value.value !== undefined ? 'value' : 'default']
              : [...path, 'inputs', name],
            `the component declares this input as ${type}: ${misfit}`
          )
        )
      }
    }
  }
}

/**
 * `expected a whole number, got "fifty"` when `literal` does not fit a component input declared `type` (integer,
 * number, boolean; any other type takes anything), else undefined. azure-ai-ml 1.4 sends a literal as text without
 * checking it and the step fails on Azure; text that reads as the declared type (the examples' `"False"` for a
 * boolean, `"3"` for an integer) is taken too and sent as written.
 */
function literalMisfit(type: string | undefined, literal: unknown): string | undefined {
  const text = typeof literal === 'string' ? literal.trim() : undefined
  const fits =
    type === 'integer'
      ? Number.isInteger(literal) || (text !== undefined && /^[+-]?\d+$/.test(text))
      : type === 'number'
        ? typeof literal === 'number' || (text !== undefined && text !== '' && Number.isFinite(Number(text)))
        : type === 'boolean'
          ? typeof literal === 'boolean' || (text !== undefined && /^(true|false)$/i.test(text))
          : true
  if (fits) return undefined
  const want = { integer: 'a whole number', number: 'a number', boolean: 'true or false' }[type as 'integer']
  return `expected ${want}, got ${JSON.stringify(literal)}`
}

/**
 * A literal of the pipeline's inputs (a job's value, a pipeline component's default) bound whole
 * (`${{parent.inputs.epochs}}`) to a step input whose component declares it integer, number or boolean must fit
 * that type (known for inline steps and local component files): refused at the pipeline input's line (or its `set`
 * line), naming the step and its input, before anything is sent.
 */
function checkBoundLiterals(
  graph: PipelineGraph,
  ports: Map<string, Ports | undefined>,
  problems: YamlProblem[]
): void {
  const { source, yaml } = graph
  const pipelineInputs = isObject(yaml.inputs) ? yaml.inputs : {}
  for (const node of graph.nodes) {
    const declared = ports.get(node.name)?.inputs
    if (!declared) continue
    for (const [name, value] of Object.entries(isObject(node.yaml.inputs) ? node.yaml.inputs : {})) {
      const text = isObject(value) ? value.value : value
      const bound = typeof text === 'string' ? /^\s*\$\{\{\s*parent\.inputs\.(\w+)\s*\}\}\s*$/.exec(text) : null
      const type = bound && Object.hasOwn(declared, name) ? declared[name]?.type : undefined
      if (!bound || !type || !Object.hasOwn(pipelineInputs, bound[1])) continue
      const input = pipelineInputs[bound[1]]
      const field = isObject(input) ? (input.value !== undefined ? 'value' : 'default') : undefined
      const literal = isObject(input) ? input[field as string] : input
      if (literal === undefined || literal === null || (typeof literal === 'string' && literal.includes('${{')))
        continue
      const misfit = literalMisfit(type, literal)
      if (!misfit) continue
      problems.push(
        problemAt(
          source,
          field ? ['inputs', bound[1], field] : ['inputs', bound[1]],
          `step ${node.name} binds it to its input '${name}', declared ${type}: ${misfit}`
        )
      )
    }
  }
}

/**
 * Every `${{parent...}}` binding of the nodes names an input or output of the pipeline or an output of a step of it,
 * and the steps' bindings to each other form no cycle.
 */
function checkBindings(
  graph: PipelineGraph,
  stepNames: string[],
  ports: Map<string, Ports | undefined>,
  problems: YamlProblem[]
): void {
  const { source, yaml } = graph
  const pipelineInputs = Object.keys(isObject(yaml.inputs) ? yaml.inputs : {})
  const pipelineOutputs = Object.keys(isObject(yaml.outputs) ? yaml.outputs : {})
  // Every step named in `jobs`, also those refused (their problem is reported once, at their type).
  const steps = new Set(stepNames)
  const edges = new Map<string, Set<string>>()
  const list = (names: string[], what: string): string =>
    names.length ? names.join(', ') : `none: the ${what} has none`
  for (const node of graph.nodes) {
    const after = new Set<string>()
    edges.set(node.name, after)
    const places: [FieldPath, string][] = []
    for (const group of ['inputs', 'outputs'] as const) {
      const given = isObject(node.yaml[group]) ? node.yaml[group] : {}
      for (const [name, value] of Object.entries(given)) {
        if (typeof value === 'string') places.push([[...node.path, group, name], value])
        else if (isObject(value)) {
          for (const f of ['path', 'value', 'default'])
            if (typeof value[f] === 'string') places.push([[...node.path, group, name, f], value[f] as string])
        }
      }
    }
    if (node.compute?.kind === 'binding') places.push([[...node.path, 'compute'], node.compute.text])
    for (const [at, text] of places) {
      for (const m of text.matchAll(BINDING)) {
        const ref = m[1]
        const bad = (detail: string): void => void problems.push(problemAt(source, at, `'${m[0]}' ${detail}`))
        let p: RegExpExecArray | null
        if ((p = /^parent\.inputs\.([\w]+)$/.exec(ref))) {
          if (!pipelineInputs.includes(p[1]))
            bad(`names no input of the pipeline (inputs: ${list(pipelineInputs, 'pipeline')})`)
        } else if ((p = /^parent\.outputs\.([\w]+)$/.exec(ref))) {
          if (!pipelineOutputs.includes(p[1]))
            bad(`names no output of the pipeline (outputs: ${list(pipelineOutputs, 'pipeline')})`)
        } else if ((p = /^parent\.jobs\.([\w]+)\.outputs\.([\w]+)$/.exec(ref))) {
          const [, step, output] = p
          if (!steps.has(step)) {
            bad(`names no step of the pipeline (steps: ${[...steps].join(', ')})`)
            continue
          }
          after.add(step)
          const outs = ports.get(step)?.outputs
          if (outs && !Object.hasOwn(outs, output))
            bad(`names no output of step ${step} (outputs: ${list(Object.keys(outs), 'step')})`)
        } else if (/^parent\./.test(ref)) {
          bad(
            'is not a binding this action knows (parent.inputs.<x>, parent.outputs.<y>, parent.jobs.<step>.outputs.<z>)'
          )
        }
      }
    }
  }
  for (const node of graph.nodes) {
    const cycle = findCycle(node.name, edges)
    if (cycle && cycle[0] === node.name && cycle.every(s => s >= node.name)) {
      problems.push(
        problemAt(source, node.path, `the steps bind to each other in a cycle: ${cycle.join(' → ')} → ${cycle[0]}`)
      )
    }
  }
}

/** A cycle through `start` in the "binds to an output of" graph, as the list of its steps, if any. */
function findCycle(start: string, edges: Map<string, Set<string>>): string[] | undefined {
  const walk = (step: string, trail: string[]): string[] | undefined => {
    for (const next of edges.get(step) ?? []) {
      if (next === start) return trail
      if (trail.includes(next)) continue
      const found = walk(next, [...trail, next])
      if (found) return found
    }
    return undefined
  }
  return walk(start, [start])
}

/** Every node's `dropped` notes, sub-pipelines' included, in file order: what submit-job warns about. */
export function droppedFields(graph: PipelineGraph): YamlProblem[] {
  const out: YamlProblem[] = []
  for (const node of graph.nodes) {
    out.push(...(node.dropped ?? []))
    if (node.component.kind === 'pipeline-file') out.push(...droppedFields(node.component.graph))
  }
  return out.sort(byLocation)
}

/** A node's `compute` (a name, an ARM id, or a `${{...}}` binding kept as written) and its asset inputs' paths. */
function readNodeComputeAndInputs(node: PipelineNode, value: Record<string, unknown>, problems: YamlProblem[]): void {
  const { source, path } = node
  if (typeof value.compute === 'string') {
    if (value.compute.includes('${{')) node.compute = { kind: 'binding', text: value.compute }
    else {
      try {
        node.compute = parseComputeReference(value.compute)
      } catch (e) {
        if (!(e instanceof BadReference)) throw e
        problems.push(problemAt(source, [...path, 'compute'], e.message))
      }
    }
  }
  checkInputs(
    (isObject(value.inputs) ? value.inputs : undefined) as Record<string, InputYaml>,
    source,
    node,
    problems,
    path
  )
}
