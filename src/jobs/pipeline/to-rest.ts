/**
 * A pipeline graph (`read.ts`) → the anonymous component versions to register and the body of
 * `PUT {WS}/jobs/{name}?api-version=2024-04-01` (mfe.json `PipelineJob`: `jobType: Pipeline`, `settings`, `inputs`,
 * `outputs`, `jobs` as untyped objects), as azure-ai-ml 1.4 builds them (`entities/_job/pipeline/pipeline_job.py`
 * `_to_rest_object`, `entities/_builders/command.py` / `pipeline.py` / `base_node.py` `_to_rest_object`,
 * `entities/_component/component.py` / `pipeline_component.py`; checked against the SDK's bodies for corpus pipelines
 * in `__tests__/jobs/pipeline/fixtures/*.sdk.json`).
 *
 * Components: each inline step, local command component file and local pipeline component file becomes a component
 * version PUT at `{WS}/components/azureml_anonymous/versions/<hash>` (`anonymous-hash.ts`), body
 * `{properties: {componentSpec, description?, tags, properties: {}, isAnonymous: true, isArchived: false}}`; the spec
 * carries `name: azureml_anonymous`, `version: "1"` (the SDK's placeholders for a component without a name),
 * `_source` `YAML.JOB` (inline step) or `YAML.COMPONENT` (file), code and environment as `azureml:<ARM id>` (registry
 * environments as written), `display_name` the step's name when the component has none (as the CLI sets it). A
 * sub-pipeline's nodes are resolved and registered before its own component.
 *
 * Nodes (snake_case, as the SDK writes them): `{_source, componentId, type, name (top level only), computeId?,
 * display_name?, inputs?, outputs?, environment_variables?, resources?, distribution?, limits?}`; inputs
 * `{job_input_type: "literal", value}` (bindings and literals as text) or `{job_input_type: <type>, uri, mode?}`;
 * outputs bound to the pipeline's `{type: "literal", value: "${{parent.outputs.y}}"}`, others
 * `{job_output_type, uri?, mode?}`; `distribution` `{distribution_type: PyTorch|Mpi|TensorFlow, ...}`; `limits`
 * `{job_limits_type: "Command", timeout: <ISO 8601>}`.
 *
 * Differences from azure-ai-ml 1.4, on purpose:
 * - `experimentName` and `displayName` are always sent (the job name, the repository name), and the workflow's tags;
 *   the SDK fills `experimentName` from the current folder at submit time.
 * - A command component file's `environment_variables` is kept in its spec (1.4 drops it; later versions keep it), so
 *   its anonymous hash is the later versions'.
 * - An inline step's input type is taken from the value it is given (a typed input, a step output: uri_folder, a
 *   pipeline input's type, a literal's type); 1.4 infers the same, except for inputs it cannot see through.
 */
import { isoDuration } from '../../arm/duration.js'
import { fieldAt, numberTextAt, type FieldPath } from '../../cli-yaml/load.js'
import {
  resolveAsset,
  type CodeReference,
  type EnvironmentReference,
  type VersionSpec
} from '../../cli-yaml/references.js'
import { scalarText, textMap, type NumberText } from '../../cli-yaml/text.js'
import { toComponentRestBody } from '../../components/yaml/component.js'
import {
  portsSpec,
  resolveComponentReferences,
  type ComponentInputYaml,
  type ComponentResolver
} from '../../components/yaml/component-parts.js'
import {
  miniBatchSizeText,
  parallelComponentSpec,
  pythonJsonList,
  type ParallelComponentYaml
} from '../../components/yaml/parallel-component.js'
import type { ReferenceResolver } from '../yaml/references.js'
import type { InputYaml, OutputYaml, Scalar } from '../yaml/schema.js'
import { DISTRIBUTION, INPUT_MODE, inputsRest, OUTPUT_MODE, outputsRest, type JobRestOptions } from '../yaml/to-rest.js'
import { anonymousComponentHash } from './anonymous-hash.js'
import type { PipelineGraph, PipelineNode } from './read.js'

/** The name every anonymous component version is registered under (azure-ai-ml `ANONYMOUS_COMPONENT_NAME`). */
export const ANONYMOUS_COMPONENT_NAME = 'azureml_anonymous'

/** An anonymous component version to register: `PUT {WS}/components/azureml_anonymous/versions/{version}`. */
export interface AnonymousComponent {
  version: string
  body: { properties: Record<string, unknown> }
}

/** What a pipeline needs beyond a command job's references. */
export interface PipelineResolver extends ReferenceResolver {
  /** `{WS}/components/{name}/versions/{v}` (`'latest'`: the newest), after checking it exists. */
  componentId(name: string, version: VersionSpec): Promise<string>
  /** Register an anonymous component version (reused when it exists); its ARM id. */
  registerComponent(component: AnonymousComponent): Promise<string>
}

/** mfe.json `PipelineJob` (with `JobBase`, `ResourceBase`), the fields sent. */
export interface PipelineJobProperties {
  jobType: 'Pipeline'
  displayName: string
  experimentName: string
  description?: string
  computeId?: string
  tags: Record<string, string>
  properties: Record<string, string>
  inputs: Record<string, unknown>
  outputs: Record<string, unknown>
  jobs: Record<string, Record<string, unknown>>
  settings: Record<string, unknown>
  isArchived: false
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** `azureml:` + an ARM id, as the SDK writes a resolved asset in a spec; registry URIs as they are. */
function specRef(id: string): string {
  return id.startsWith('azureml:') ? id : `azureml:${id}`
}

/** The body of the pipeline job PUT; registers every anonymous component through `resolver` first. */
export async function buildPipelineJobBody(
  graph: PipelineGraph,
  resolver: PipelineResolver,
  options: JobRestOptions
): Promise<{ properties: PipelineJobProperties }> {
  const y = graph.yaml
  const numberText: NumberText = path => numberTextAt(graph.source, path)
  const jobs = await nodesRest(graph, resolver, !graph.fromComponent)
  const inputUris: Record<string, string> = {}
  for (const [name, { type, ref }] of Object.entries(graph.inputs)) inputUris[name] = await dataUri(type, ref, resolver)
  const settings: Record<string, unknown> = { _source: graph.fromComponent ? 'YAML.COMPONENT' : 'YAML.JOB' }
  const s = isObject(y.settings) ? y.settings : {}
  for (const [key, value] of Object.entries(s)) {
    if (key === 'default_compute' && typeof value === 'string') {
      settings.default_compute = await computeId(value, resolver, fieldAt(graph.source, ['settings', key]))
    } else if (key === 'default_datastore' && typeof value === 'string') {
      settings.default_datastore = value.replace(/^azureml:/, '')
    } else settings[key] = value
  }
  const p: PipelineJobProperties = {
    jobType: 'Pipeline',
    displayName: typeof y.display_name === 'string' ? y.display_name : options.jobName,
    experimentName:
      options.experimentName ??
      (typeof y.experiment_name === 'string' ? y.experiment_name : options.defaultExperimentName),
    tags: { ...textMap(y.tags as Record<string, Scalar>, 'tags', numberText), ...options.extraTags },
    properties: textMap(y.properties as Record<string, Scalar>, 'properties', numberText) ?? {},
    inputs: inputsRest(y.inputs as Record<string, InputYaml>, inputUris, numberText) ?? {},
    outputs: outputsRest(y.outputs as Record<string, OutputYaml | null>) ?? {},
    jobs,
    settings,
    isArchived: false
  }
  if (typeof y.description === 'string') p.description = y.description
  if (typeof y.compute === 'string')
    p.computeId = await computeId(y.compute, resolver, fieldAt(graph.source, ['compute']))
  return { properties: p }
}

async function computeId(
  value: string,
  resolver: ReferenceResolver,
  where: { input: string; field: string }
): Promise<string> {
  const bare = value.replace(/^azureml:/, '')
  return bare.startsWith('/') ? bare : resolver.computeId(bare, where)
}

async function dataUri(
  type: string,
  ref: PipelineNode['inputs'][string]['ref'],
  resolver: ReferenceResolver
): Promise<string> {
  switch (ref.kind) {
    case 'local':
      return resolver.uploadInput(ref.path)
    case 'arm':
    case 'registry':
    case 'named':
      return resolveAsset(ref, (n, v) => (type.endsWith('_model') ? resolver.modelId(n, v) : resolver.dataId(n, v)))
    default:
      return ref.uri
  }
}

/** The `jobs` map of a graph, in YAML order, each node's component registered first. */
async function nodesRest(
  graph: PipelineGraph,
  resolver: PipelineResolver,
  top: boolean
): Promise<Record<string, Record<string, unknown>>> {
  const out: Record<string, Record<string, unknown>> = {}
  for (const node of graph.nodes) out[node.name] = await nodeRest(node, graph, resolver, top)
  return out
}

async function nodeRest(
  node: PipelineNode,
  graph: PipelineGraph,
  resolver: PipelineResolver,
  top: boolean
): Promise<Record<string, unknown>> {
  const { yaml: y, path, source } = node
  const numberText: NumberText = p => numberTextAt(source, p)
  const component = await componentOf(node, graph, resolver)
  const rest: Record<string, unknown> = { _source: sourceOf(node), componentId: component.id, type: node.type }
  if (top) rest.name = node.name
  if (node.compute) {
    rest.computeId =
      node.compute.kind === 'binding'
        ? node.compute.text
        : node.compute.kind === 'arm'
          ? node.compute.id
          : await resolver.computeId(node.compute.name, fieldAt(source, [...path, 'compute']))
  }
  for (const key of ['display_name', 'description'] as const) if (typeof y[key] === 'string') rest[key] = y[key]
  const tags = textMap(y.tags as Record<string, Scalar>, 'tags', numberText)
  if (tags) rest.tags = tags
  const inputs: Record<string, Record<string, unknown>> = {}
  for (const [name, value] of Object.entries(isObject(y.inputs) ? y.inputs : {})) {
    const asset = node.inputs[name]
    if (asset && isObject(value)) {
      const input: Record<string, unknown> = {
        job_input_type: asset.type,
        uri: await dataUri(asset.type, asset.ref, resolver)
      }
      if (typeof value.mode === 'string') input.mode = INPUT_MODE[value.mode] ?? value.mode
      inputs[name] = input
      continue
    }
    if (isObject(value) && typeof value.path === 'string' && value.path.includes('${{')) {
      // A path bound to the parent's input: a literal binding, as for a bare `${{...}}` (guess: not in the fixtures).
      const input: Record<string, unknown> = { job_input_type: 'literal', value: value.path }
      if (typeof value.mode === 'string') input.mode = INPUT_MODE[value.mode] ?? value.mode
      inputs[name] = input
      continue
    }
    const literal = isObject(value) ? (value.value ?? value.default) : value
    const at: FieldPath = isObject(value)
      ? [...path, 'inputs', name, value.value !== undefined ? 'value' : 'default']
      : [...path, 'inputs', name]
    if (literal === undefined || literal === null) continue
    inputs[name] = { job_input_type: 'literal', value: scalarText(literal as Scalar, numberText(at)) }
  }
  if (Object.keys(inputs).length) rest.inputs = inputs
  const outputs: Record<string, Record<string, unknown>> = {}
  for (const [name, value] of Object.entries(isObject(y.outputs) ? y.outputs : {})) {
    if (typeof value === 'string') outputs[name] = { type: 'literal', value }
    else if (isObject(value)) {
      const output: Record<string, unknown> = { job_output_type: value.type ?? 'uri_folder' }
      if (typeof value.path === 'string') output.uri = value.path
      if (typeof value.mode === 'string') output.mode = OUTPUT_MODE[value.mode] ?? value.mode
      outputs[name] = output
    }
  }
  if (Object.keys(outputs).length) rest.outputs = outputs
  const env = textMap(y.environment_variables as Record<string, Scalar>, 'environment_variables', numberText)
  if (env) rest.environment_variables = env
  if (isObject(y.resources)) rest.resources = y.resources
  if (isObject(y.distribution)) {
    const { type, ...others } = y.distribution
    rest.distribution = { distribution_type: DISTRIBUTION[String(type)] ?? type, ...others }
  }
  if (isObject(y.limits)) {
    const limits: Record<string, unknown> = { job_limits_type: 'Command' }
    if (typeof y.limits.timeout === 'number') limits.timeout = isoDuration(y.limits.timeout)
    rest.limits = limits
  }
  if (node.type === 'parallel') parallelNodeRest(rest, y, component.spec)
  return rest
}

/**
 * A parallel node's own fields, as azure-ai-ml 1.4 `entities/_builders/parallel.py` `Parallel._to_rest_object` writes
 * them: `resources`, `error_threshold`, `mini_batch_error_threshold`, `max_concurrency_per_instance`, `task`,
 * `input_data`, `retry_settings`, `logging_level` as written; `mini_batch_size` as a number (kb/mb/gb in bytes);
 * `partition_keys` as its JSON text. A node whose component is a local file takes `resources`, `input_data`,
 * `max_concurrency_per_instance`, `mini_batch_error_threshold`, `mini_batch_size`, `partition_keys` and `task` from it
 * where it does not set them (`Parallel.__init__`); a registered component's are not copied (the SDK only has its id).
 */
function parallelNodeRest(
  rest: Record<string, unknown>,
  y: Record<string, unknown>,
  spec: Record<string, unknown> | undefined
): void {
  const from = (spec?.yaml ?? {}) as Partial<ParallelComponentYaml>
  const inherited = ['resources', 'input_data', 'max_concurrency_per_instance', 'mini_batch_error_threshold'] as const
  for (const key of inherited) {
    const value = y[key] ?? from[key]
    if (value !== undefined && value !== null) rest[key] = value
  }
  for (const key of ['error_threshold', 'retry_settings', 'logging_level'] as const)
    if (y[key] !== undefined && y[key] !== null) rest[key] = y[key]
  const size = (y.mini_batch_size ?? from.mini_batch_size) as string | number | undefined
  if (size !== undefined && size !== null) rest.mini_batch_size = Number(miniBatchSizeText(size))
  const keys = (y.partition_keys ?? from.partition_keys) as string[] | undefined
  if (keys?.length) rest.partition_keys = pythonJsonList(keys)
  if (spec?.task !== undefined) rest.task = spec.task
}

/** Where the node's component comes from, as azure-ai-ml 1.4 writes it (`constants/_common.py` `ComponentSource`). */
function sourceOf(node: PipelineNode): string {
  const c = node.component
  if (c.kind === 'inline' || c.kind === 'parallel-inline') return 'YAML.JOB'
  if (c.kind === 'named') return 'REMOTE.WORKSPACE.COMPONENT'
  if (c.kind === 'id')
    return c.id.startsWith('azureml://registries/') ? 'REMOTE.REGISTRY' : 'REMOTE.WORKSPACE.COMPONENT'
  return 'YAML.COMPONENT'
}

/** `resolver` as a component file's resolver (an anonymous component's version is its hash, not a next version). */
function componentResolver(resolver: PipelineResolver): ComponentResolver {
  return {
    uploadCode: (folder, additionalIncludes) => resolver.uploadCode(folder, additionalIncludes),
    codeId: (n, v) => resolver.codeId(n, v),
    environmentId: (n, v) => resolver.environmentId(n, v),
    registerEnvironment: d => resolver.registerEnvironment(d),
    nextVersion: async () => '1'
  }
}

/**
 * The component a node carries: its id, registered anonymously (inline, local files) or resolved (named, ids), and
 * for a parallel node with a local or inline component, its task (references resolved) and fields as written.
 */
async function componentOf(
  node: PipelineNode,
  graph: PipelineGraph,
  resolver: PipelineResolver
): Promise<{ id: string; spec?: { task: unknown; yaml?: ParallelComponentYaml } }> {
  const c = node.component
  switch (c.kind) {
    case 'parallel-inline': {
      const refs = await resolveComponentReferences(c.read.references, componentResolver(resolver))
      const spec = parallelComponentSpec(c.read, refs, '1', 'YAML.JOB')
      Object.assign(spec, inlinePorts(node, graph))
      return { id: await resolver.registerComponent(anonymous(named(spec, node))), spec: { task: spec.task } }
    }
    case 'parallel-file': {
      const { body } = await toComponentRestBody(c.read, componentResolver(resolver))
      const { componentSpec, description, tags } = body.properties
      const id = await resolver.registerComponent(anonymous(named(componentSpec, node), description, tags))
      return { id, spec: { task: componentSpec.task, yaml: c.read.yaml } }
    }
    default:
      return { id: await componentIdOf(node, graph, resolver) }
  }
}

/** The component id a node carries: registered anonymously (inline, local files) or resolved (named, ids). */
async function componentIdOf(node: PipelineNode, graph: PipelineGraph, resolver: PipelineResolver): Promise<string> {
  const c = node.component
  switch (c.kind) {
    case 'parallel-inline':
    case 'parallel-file':
      return (await componentOf(node, graph, resolver)).id
    case 'id':
      return c.id
    case 'named':
      return resolver.componentId(c.name, c.version)
    case 'inline':
      return resolver.registerComponent(anonymous(named(await inlineSpec(node, graph, resolver), node)))
    case 'command-file': {
      const { body } = await toComponentRestBody(c.read, componentResolver(resolver))
      const { componentSpec, description, tags } = body.properties
      return resolver.registerComponent(anonymous(named(componentSpec, node), description, tags))
    }
    case 'pipeline-file': {
      const y = c.yaml
      const spec = await pipelineComponentSpec(c.graph, resolver, false)
      const tags = spec.tags as Record<string, string> | undefined
      return resolver.registerComponent(
        anonymous(spec, typeof y.description === 'string' ? y.description : undefined, tags ?? {})
      )
    }
  }
}

/**
 * The `componentSpec` of a pipeline component (its file read into `graph`), without name and version, as azure-ai-ml
 * 1.4 `entities/_component/pipeline_component.py` `PipelineComponent._to_rest_object` writes it: `$schema`, `_source`
 * `YAML.COMPONENT`, `type: pipeline`, display_name, description, tags (text), is_deterministic (when written), inputs
 * (defaults as text), outputs, `jobs` (each node's component registered first, through `resolver`) and
 * `sourceJobId: null`. `nodeNames`: the nodes carry their `name` (a component file loaded on its own, as
 * register-component does; a sub-pipeline of a pipeline job's carries none: checked, fixtures/*.sdk.json).
 */
export async function pipelineComponentSpec(
  graph: PipelineGraph,
  resolver: PipelineResolver,
  nodeNames: boolean
): Promise<Record<string, unknown>> {
  const y = graph.yaml
  const numberText: NumberText = p => numberTextAt(graph.source, p)
  const spec: Record<string, unknown> = {}
  if (typeof y.$schema === 'string') spec.$schema = y.$schema
  spec._source = 'YAML.COMPONENT'
  spec.type = 'pipeline'
  for (const key of ['display_name', 'description'] as const) if (typeof y[key] === 'string') spec[key] = y[key]
  const tags = textMap(y.tags as Record<string, Scalar>, 'tags', numberText)
  if (tags) spec.tags = tags
  if (typeof y.is_deterministic === 'boolean') spec.is_deterministic = y.is_deterministic
  if (isObject(y.inputs)) spec.inputs = portsSpec(y.inputs as Record<string, ComponentInputYaml>, numberText)
  if (isObject(y.outputs)) spec.outputs = y.outputs
  spec.jobs = await nodesRest(graph, resolver, nodeNames)
  spec.sourceJobId = null
  return spec
}

/**
 * `spec` with the step's name as its `display_name` when it has none, as the CLI does to every anonymous command or
 * parallel component of a pipeline before hashing and registering it (azure-ai-ml 1.4
 * `operations/_component_operations.py` `_set_default_display_name_for_anonymous_component_in_node`, applied by
 * `_resolve_dependencies_for_pipeline_component_jobs` for pipeline jobs and pipeline components alike; not to pipeline
 * components). The same step under two names is therefore two anonymous versions, as in the CLI.
 */
function named(spec: Record<string, unknown>, node: PipelineNode): Record<string, unknown> {
  return spec.display_name === undefined ? { ...spec, display_name: node.name } : spec
}

/** The anonymous component version of `spec`: its name and version placeholders, and its hash. */
function anonymous(
  spec: Record<string, unknown>,
  description?: string,
  tags: Record<string, string> = {}
): AnonymousComponent {
  const componentSpec: Record<string, unknown> = { ...spec, name: ANONYMOUS_COMPONENT_NAME, version: '1' }
  if (componentSpec.type === undefined) componentSpec.type = 'command'
  const properties: Record<string, unknown> = {
    componentSpec,
    tags,
    properties: {},
    isAnonymous: true,
    isArchived: false
  }
  if (description !== undefined) properties.description = description
  // The SDK hashes the component's `_to_dict()`, which holds a parallel component's partition_keys as the list it is,
  // not the JSON text the REST spec carries (checked: fixtures/parallel-inline.sdk.json).
  const hashed =
    typeof componentSpec.partition_keys === 'string'
      ? { ...componentSpec, partition_keys: JSON.parse(componentSpec.partition_keys) as unknown }
      : componentSpec
  return { version: anonymousComponentHash(hashed), body: { properties } }
}

/** The component of an inline command step: command, code, environment and the ports it is given. */
async function inlineSpec(
  node: PipelineNode,
  graph: PipelineGraph,
  resolver: PipelineResolver
): Promise<Record<string, unknown>> {
  if (node.component.kind !== 'inline') throw new Error('not an inline step')
  const { code, environment, declared } = node.component
  const y = node.yaml
  const spec: Record<string, unknown> = { _source: 'YAML.JOB', type: 'command', is_deterministic: true }
  if (declared) {
    // `component:` written as a mapping: its own fields and declared ports, as a component file's.
    const d = declared.yaml
    const numberText: NumberText = p => numberTextAt(node.source, [...declared.at, ...p])
    for (const key of ['$schema', 'display_name', 'description', 'is_deterministic'] as const)
      if (d[key] !== undefined) spec[key] = d[key]
    const tags = textMap(d.tags as Record<string, Scalar>, 'tags', numberText)
    if (tags) spec.tags = tags
    if (isObject(d.inputs)) spec.inputs = portsSpec(d.inputs as Record<string, ComponentInputYaml>, numberText)
    if (isObject(d.outputs)) spec.outputs = d.outputs
    for (const key of ['resources', 'distribution'] as const) if (isObject(d[key])) spec[key] = d[key]
    spec.command = d.command
    await codeAndEnvironment(spec, code, environment, resolver)
    return spec
  }
  spec.command = y.command
  await codeAndEnvironment(spec, code, environment, resolver)
  return Object.assign(spec, inlinePorts(node, graph))
}

/**
 * The ports of an inline node's component, inferred from what the node gives them, as azure-ai-ml 1.4
 * `entities/_job/pipeline/_component_translatable.py` `_to_input` / `_to_output` do: a typed input its type and
 * mode; a binding to the pipeline's input that input's type and mode; a binding to a step's output that output's
 * type; a literal its type and itself as the default. An output: its type and mode, or the pipeline output's it is
 * bound to.
 */
function inlinePorts(node: PipelineNode, graph: PipelineGraph): Record<string, unknown> {
  const y = node.yaml
  const ports: Record<string, unknown> = {}
  const inputs: Record<string, Record<string, string>> = {}
  for (const [name, value] of Object.entries(isObject(y.inputs) ? y.inputs : {})) {
    const input: Record<string, string> = { type: inputTypeOf(value, graph) }
    const mode = inputModeOf(value, graph)
    if (mode !== undefined) input.mode = mode
    // A literal (not a binding, not a path) becomes the input's default in the step's component.
    const literal = isObject(value) ? (value.path === undefined ? (value.value ?? value.default) : undefined) : value
    if (literal !== undefined && literal !== null && !(typeof literal === 'string' && literal.includes('${{'))) {
      const at: FieldPath = isObject(value)
        ? [...node.path, 'inputs', name, value.value !== undefined ? 'value' : 'default']
        : [...node.path, 'inputs', name]
      input.default = scalarText(literal as Scalar, numberTextAt(node.source, at))
    }
    inputs[name] = input
  }
  if (Object.keys(inputs).length) ports.inputs = inputs
  const outputs: Record<string, Record<string, string>> = {}
  for (const [name, value] of Object.entries(isObject(y.outputs) ? y.outputs : {})) {
    // An output bound to the pipeline's takes that output's type and mode, as the SDK infers them.
    const bound = typeof value === 'string' ? /^\$\{\{\s*parent\.outputs\.(\w+)\s*\}\}$/.exec(value) : null
    const declared = bound && isObject(graph.yaml.outputs) ? graph.yaml.outputs[bound[1]] : value
    const output: Record<string, string> = {
      type: isObject(declared) && typeof declared.type === 'string' ? declared.type : 'uri_folder'
    }
    if (isObject(declared) && typeof declared.mode === 'string') output.mode = declared.mode
    outputs[name] = output
  }
  if (Object.keys(outputs).length) ports.outputs = outputs
  return ports
}

/** An inline component's code (uploaded or looked up) and environment (registered, looked up, or a registry URI). */
async function codeAndEnvironment(
  spec: Record<string, unknown>,
  code: CodeReference | undefined,
  environment: EnvironmentReference,
  resolver: PipelineResolver
): Promise<void> {
  if (code) {
    spec.code = specRef(
      code.kind === 'local'
        ? await resolver.uploadCode(code.path)
        : await resolveAsset(code, (n, v) => resolver.codeId(n, v))
    )
  }
  spec.environment =
    environment.kind === 'registry'
      ? environment.uri
      : specRef(
          environment.kind === 'inline'
            ? await resolver.registerEnvironment(environment.definition)
            : await resolveAsset(environment, (n, v) => resolver.environmentId(n, v))
        )
}

/** The mode of an inline step's input: as written on a typed input, or the pipeline input's it is bound to. */
function inputModeOf(value: unknown, graph: PipelineGraph): string | undefined {
  if (isObject(value)) {
    if (typeof value.mode === 'string') return value.mode
    return value.type === undefined && value.path === undefined ? inputModeOf(value.value, graph) : undefined
  }
  const parentInput = typeof value === 'string' ? /^\$\{\{\s*parent\.inputs\.(\w+)\s*\}\}$/.exec(value) : null
  const declared = parentInput && isObject(graph.yaml.inputs) ? graph.yaml.inputs[parentInput[1]] : undefined
  return isObject(declared) && typeof declared.mode === 'string' ? declared.mode : undefined
}

/**
 * The type of a step's output as its component declares it (a local file's, an inline node's inferred one);
 * `uri_folder` when unknown (a registered component), as the SDK falls back to.
 */
function stepOutputType(graph: PipelineGraph, step: string, output: string): string {
  const node = graph.nodes.find(n => n.name === step)
  if (!node) return 'uri_folder'
  const c = node.component
  let declared: unknown
  if (c.kind === 'command-file' || c.kind === 'parallel-file') declared = c.read.yaml.outputs?.[output]
  else if (c.kind === 'inline' && c.declared) declared = (c.declared.yaml.outputs as Record<string, unknown>)?.[output]
  else if (c.kind === 'pipeline-file') declared = (c.yaml.outputs as Record<string, unknown> | undefined)?.[output]
  else if (c.kind === 'inline' || c.kind === 'parallel-inline') {
    const outputs = inlinePorts(node, graph).outputs as Record<string, { type: string }> | undefined
    return outputs?.[output]?.type ?? 'uri_folder'
  }
  return isObject(declared) && typeof declared.type === 'string' ? declared.type : 'uri_folder'
}

/** The type of an inline step's input, from what it is given. */
function inputTypeOf(value: unknown, graph: PipelineGraph): string {
  if (isObject(value)) {
    if (typeof value.type === 'string') return value.type
    if (value.path !== undefined) return 'uri_folder'
    return inputTypeOf(value.value ?? value.default, graph)
  }
  if (typeof value === 'string') {
    const parentInput = /^\$\{\{\s*parent\.inputs\.(\w+)\s*\}\}$/.exec(value)
    if (parentInput) {
      const declared = isObject(graph.yaml.inputs) ? graph.yaml.inputs[parentInput[1]] : undefined
      return inputTypeOf(declared, graph)
    }
    const stepOutput = /^\$\{\{\s*parent\.jobs\.(\w+)\.outputs\.(\w+)\s*\}\}$/.exec(value)
    if (stepOutput) return stepOutputType(graph, stepOutput[1], stepOutput[2])
    return 'string'
  }
  if (typeof value === 'boolean') return 'boolean'
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number'
  return 'string'
}
