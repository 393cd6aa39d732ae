/**
 * Pipeline jobs that really run (jobs.ts serves them; mfe.json 2024-04-01 `PipelineJob`): the checks of the PUT, then
 * the steps in dependency order, each a child run in run history running its component's command the way a Command
 * job runs (job-process.ts).
 *
 * The body, as azure-ai-ml 1.4 sends it (`entities/_job/pipeline/pipeline_job.py` `_to_rest_object`,
 * `entities/_builders/command.py`): `jobs` maps a step name to a node `{name, type, componentId, computeId?,
 * display_name?, inputs: {x: {job_input_type: "literal", value: "${{parent.inputs.n}}"}}, outputs: {y: {type:
 * "literal", value: "${{parent.outputs.z}}"}}, environment_variables?}`; `settings` holds `default_compute` and
 * `continue_on_step_failure`. A component version's `componentSpec` is the component YAML's dict (`command`, `code`
 * and `environment` as `azureml:` ARM ids, `inputs`/`outputs` with `type` and `default`; a pipeline component has
 * `type: pipeline` and its own `jobs`).
 *
 * Running: the pipeline walks NotStarted → Running → Completed | Failed | Canceled. A step starts when every step it
 * is bound to (`${{parent.jobs.<step>.outputs.<o>}}`) has Completed: a child Job (run id a new GUID, `parentJobName`
 * and `rootJobName` the pipeline's, run-history `displayName` the node's `display_name` or the step name,
 * `properties["azureml.nodeid"]` the step name) whose inputs are the component's defaults, the node's literals,
 * `${{parent.inputs.x}}` copied from the pipeline's inputs, and an upstream output as `azureml://jobs/<child>/outputs/
 * <o>`. A sub-pipeline node is a child run of its own (runType `azureml.PipelineRun`) whose steps are its children
 * (rootRunId still the top pipeline). A step that fails fails the pipeline (`error` names the failed node): running
 * steps are canceled, nothing more starts; with `settings.continue_on_step_failure: true` the independent steps go
 * on and only the steps downstream of the failure are not run. Cancel reaches every running step (its child run ends
 * Canceled), then the pipeline ends Canceled. `logs/azureml/executionlogs.txt` (the pipeline's run artifacts) gets a
 * line when steps are submitted and when each ends. Parallel nodes are not run (the step fails saying so).
 */
import { randomUUID } from 'node:crypto'
import type { Core } from '../core/context.js'
import { armError } from '../core/http.js'
import { computeKey, type Workspace } from '../core/state.js'
import type { Reply } from '../core/types.js'
import { findVersionById } from './assets.js'
import { jobArtifacts } from './blobs.js'
import { isServerlessCompute, JOB_TERMINAL, type Job, type JobResolver } from './job-process.js'

type Json = Record<string, unknown>
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

/** The pipeline's own log, in its run's logFiles (Azure's name for a pipeline run's execution log). */
export const EXECUTION_LOG = 'logs/azureml/executionlogs.txt'

const BINDING = /\$\{\{\s*parent\.(inputs|outputs|jobs)\.([\w-]+)(?:\.outputs\.([\w-]+))?\s*\}\}/g
const WHOLE_BINDING = /^\s*\$\{\{\s*parent\.(inputs|outputs|jobs)\.([\w-]+)(?:\.outputs\.([\w-]+))?\s*\}\}\s*$/

/** `azureml:/subscriptions/...` or `/subscriptions/...` → the ARM id; anything else as it is. */
function armIdOf(v: unknown): string | undefined {
  if (typeof v !== 'string' || !v) return undefined
  return v.replace(/^azureml:(?=\/subscriptions\/)/i, '')
}

/** The compute name of `computeId`/`default_compute`: an ARM id, `azureml:<name>` or a bare name. */
function computeName(v: unknown): string | undefined {
  if (typeof v !== 'string' || !v) return undefined
  return (armIdOf(v) ?? v)
    .replace(/^azureml:/i, '')
    .split('/')
    .pop()
}

/** The component version a node names: its spec, or why not (`registry` when it is a registry's, not held here). */
function componentOf(core: Core, ws: Workspace, id: string): Json | 'registry' | undefined {
  if (/^azureml:\/\/registries\//i.test(id)) return 'registry'
  const found = findVersionById(core, id, 'components')
  if (!found || found.ws !== ws) return undefined
  const spec = found.version.properties.componentSpec
  return isObj(spec) ? spec : undefined
}

/** A node input or output's binding text: a REST `{value}` object or a bare string. */
function valueOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v
  if (isObj(v) && typeof v.value === 'string') return v.value
  return undefined
}

function bindingsIn(node: Json): { group: string; name: string; output?: string; field: string }[] {
  const out: { group: string; name: string; output?: string; field: string }[] = []
  for (const side of ['inputs', 'outputs'] as const) {
    const map = isObj(node[side]) ? node[side] : {}
    for (const [k, v] of Object.entries(map)) {
      const text = valueOf(v)
      if (!text) continue
      for (const m of text.matchAll(BINDING)) out.push({ group: m[1], name: m[2], output: m[3], field: `${side}.${k}` })
    }
  }
  return out
}

/** Steps in an order where each comes after those it is bound to, or the steps of a cycle. */
function topoOrder(deps: Map<string, Set<string>>): { order: string[] } | { cycle: string[] } {
  const order: string[] = []
  const mark = new Map<string, 'visiting' | 'done'>()
  const stack: string[] = []
  const visit = (n: string): string[] | undefined => {
    if (mark.get(n) === 'done') return undefined
    if (mark.get(n) === 'visiting') return [...stack.slice(stack.indexOf(n)), n]
    mark.set(n, 'visiting')
    stack.push(n)
    for (const d of deps.get(n) ?? []) {
      const c = visit(d)
      if (c) return c
    }
    stack.pop()
    mark.set(n, 'done')
    order.push(n)
    return undefined
  }
  for (const n of deps.keys()) {
    const c = visit(n)
    if (c) return { cycle: c }
  }
  return { order }
}

/**
 * Checks a pipeline job's `properties` before it is created: every node names an existing component version
 * (`componentId`, else 404 UserError), has a compute (its `computeId` or `settings.default_compute`) that exists in
 * the workspace or is the serverless marker (`azureml:serverless`, `{WS}/computes/serverless`: runs on serverless
 * compute, https://learn.microsoft.com/azure/machine-learning/how-to-use-serverless-compute), binds only existing
 * pipeline inputs/outputs and steps, and the steps form no cycle (400 UserError). A step with no compute at all is
 * refused (a guess: azure-ai-ml refuses it before sending, "Compute not set", so Azure's answer is not seen).
 * Sub-pipeline components are checked the same way, their `${{parent.inputs.x}}` against the component's inputs.
 * Returns undefined when fine. The wording of these refusals is the emulator's (README, What is a guess).
 */
export function checkPipelineJob(core: Core, ws: Workspace, wsKey: string, props: Json): Reply | undefined {
  const settings = isObj(props.settings) ? props.settings : {}
  return checkGraph(core, ws, wsKey, {
    where: 'properties',
    jobs: props.jobs,
    inputs: new Set(Object.keys(isObj(props.inputs) ? props.inputs : {})),
    outputs: new Set(Object.keys(isObj(props.outputs) ? props.outputs : {})),
    defaultCompute: settings.default_compute,
    depth: 0
  })
}

function checkGraph(
  core: Core,
  ws: Workspace,
  wsKey: string,
  g: { where: string; jobs: unknown; inputs: Set<string>; outputs: Set<string>; defaultCompute: unknown; depth: number }
): Reply | undefined {
  const bad = (message: string): Reply => armError(400, 'UserError', message)
  if (g.depth > 5) return bad(`${g.where}: sub-pipelines are nested more than 5 deep (or refer to themselves).`)
  if (!isObj(g.jobs) || Object.keys(g.jobs).length === 0) {
    return bad(`${g.where}.jobs must hold at least one step (a map of step name to node).`)
  }
  const jobs = g.jobs
  const deps = new Map<string, Set<string>>()
  for (const [step, node] of Object.entries(jobs)) {
    const field = `${g.where}.jobs.${step}`
    if (!isObj(node)) return bad(`${field} must be an object (a pipeline node).`)
    deps.set(step, new Set())
    const id = armIdOf(node.componentId)
    if (!id) return bad(`${field}.componentId is required: the ARM id of a component version.`)
    const spec = componentOf(core, ws, id)
    if (spec === undefined) {
      return armError(
        404,
        'UserError',
        `Component '${id}' (${field}.componentId) was not found in workspace '${ws.name}'. Register the component ` +
          'version first (PUT {workspace}/components/{name}/versions/{version}).'
      )
    }
    const type = String((isObj(spec) && spec.type) || node.type || 'command').toLowerCase()
    if (type === 'pipeline' && isObj(spec)) {
      const inner = checkGraph(core, ws, wsKey, {
        where: `${field} (component ${id})`,
        jobs: spec.jobs,
        inputs: new Set(Object.keys(isObj(spec.inputs) ? spec.inputs : {})),
        outputs: new Set(Object.keys(isObj(spec.outputs) ? spec.outputs : {})),
        defaultCompute: node.computeId ?? g.defaultCompute,
        depth: g.depth + 1
      })
      if (inner) return inner
    } else {
      const compute = computeName(node.computeId ?? g.defaultCompute)
      if (!compute) {
        return bad(
          `${field} has no compute: set the node's computeId or the pipeline's settings.default_compute ` +
            '(a compute of the workspace, or azureml:serverless for serverless compute).'
        )
      }
      if (!isServerlessCompute(compute) && !core.state.computes.get(computeKey(wsKey, compute))) {
        return bad(`Compute '${compute}' (${field}) was not found in workspace '${ws.name}'.`)
      }
    }
    for (const b of bindingsIn(node)) {
      const at = `${field}.${b.field}`
      if (b.group === 'inputs' && !g.inputs.has(b.name)) {
        return bad(`${at} refers to \${{parent.inputs.${b.name}}}, but the pipeline has no input '${b.name}'.`)
      }
      if (b.group === 'outputs' && !g.outputs.has(b.name)) {
        return bad(`${at} refers to \${{parent.outputs.${b.name}}}, but the pipeline has no output '${b.name}'.`)
      }
      if (b.group === 'jobs') {
        if (!(b.name in jobs)) return bad(`${at} refers to step '${b.name}', which is not in ${g.where}.jobs.`)
        deps.get(step)!.add(b.name)
      }
    }
  }
  const sorted = topoOrder(deps)
  if ('cycle' in sorted) return bad(`The steps of ${g.where}.jobs form a cycle: ${sorted.cycle.join(' → ')}.`)
  return undefined
}

// ------------------------------------------------------------------------------------------------------- running

type StepState = 'waiting' | 'running' | 'completed' | 'failed' | 'canceled' | 'skipped'

interface Step {
  name: string
  node: Json
  deps: Set<string>
  state: StepState
  child?: Job
}

/** The settings a run of a graph needs, inherited by sub-pipelines. */
interface GraphSettings {
  defaultCompute: unknown
  continueOnStepFailure: boolean
  experimentName: string
}

function literal(value: unknown): Json {
  return { jobInputType: 'literal', value: typeof value === 'string' ? value : JSON.stringify(value) }
}

/** A REST job input (`job_input_type` of a node, `jobInputType` of a job) in the job's camelCase form. */
function restInput(v: Json): Json {
  const type = String(v.jobInputType ?? v.job_input_type ?? 'literal')
  const out: Json = { jobInputType: type }
  for (const k of ['value', 'uri', 'mode']) if (v[k] !== undefined) out[k] = v[k]
  return out
}

/**
 * One running graph: the top pipeline's, or a sub-pipeline's (its own child run). `owner` is the Job whose status the
 * graph drives; `inputs` are the owner's inputs in REST form.
 */
class GraphRun {
  private readonly steps = new Map<string, Step>()
  private failedNodes: string[] = []
  /** Steps this graph canceled because another failed: their Canceled is not a failure of their own. */
  private readonly stopped = new Set<string>()
  private log: (line: string) => void

  constructor(
    private readonly core: Core,
    private readonly resolver: JobResolver,
    private readonly owner: Job,
    private readonly root: Job,
    private readonly inputs: Json,
    jobs: Json,
    private readonly settings: GraphSettings,
    /** Where the node path of a failed step starts (`/` at the top, `/<sub>/` in a sub-pipeline). */
    private readonly path: string
  ) {
    for (const [name, node] of Object.entries(jobs)) {
      if (!isObj(node)) continue
      const deps = new Set(bindingsIn(node).flatMap(b => (b.group === 'jobs' ? [b.name] : [])))
      this.steps.set(name, { name, node, deps, state: 'waiting' })
    }
    this.log = executionLog(core, owner)
    owner.onCancel = () => this.cancel()
  }

  start(): void {
    const t = setTimeout(() => {
      this.owner.timers = this.owner.timers.filter(x => x !== t)
      if (this.owner.cancelRequested || JOB_TERMINAL.has(this.owner.status)) return
      this.core.jobs.setStatus(this.owner, 'Running')
      this.pump()
    }, this.core.config.delays.runQueuedMs + this.owner.stepMs)
    this.owner.timers.push(t)
  }

  /** Starts what can start, skips what never will, and ends the graph once nothing runs. */
  private pump(): void {
    if (JOB_TERMINAL.has(this.owner.status)) return
    const stopping = this.owner.cancelRequested || (this.failedNodes.length > 0 && !this.settings.continueOnStepFailure)
    const submitted: Step[] = []
    let changed = true
    while (changed && !stopping) {
      changed = false
      for (const s of this.steps.values()) {
        if (s.state !== 'waiting') continue
        const states = [...s.deps].map(d => this.steps.get(d)?.state)
        if (states.some(x => x === 'failed' || x === 'skipped' || x === 'canceled')) {
          s.state = 'skipped'
          changed = true
        } else if (states.every(x => x === 'completed')) {
          s.state = 'running'
          submitted.push(s)
        }
      }
    }
    if (submitted.length > 0) {
      for (const s of submitted) this.launch(s)
      this.log(
        `Submitting ${submitted.length} runs, first five are: ` +
          submitted
            .slice(0, 5)
            .map(s => `${s.name}:${s.child?.name ?? ''}`)
            .join(',')
      )
    }
    if ([...this.steps.values()].some(s => s.state === 'running')) return
    this.finish()
  }

  private finish(): void {
    if (this.owner.cancelRequested) {
      this.log('Execution of experiment canceled, update experiment status.')
      this.core.jobs.setStatus(this.owner, 'Canceled')
      return
    }
    if (this.failedNodes.length > 0) {
      this.log('Execution of experiment failed, update experiment status and cancel running nodes.')
      this.owner.error = {
        code: 'UserError',
        message:
          `Pipeline has failed child jobs. Failed nodes: ${this.failedNodes.join(', ')}. For more details and logs, ` +
          'please go to the job detail page and check the child jobs.'
      }
      this.core.jobs.setStatus(this.owner, 'Failed')
      return
    }
    this.log('Finishing experiment: no runs left and nothing to schedule.')
    this.core.jobs.setStatus(this.owner, 'Completed')
  }

  private cancel(): void {
    for (const s of this.steps.values()) {
      if (s.state === 'running' && s.child && !JOB_TERMINAL.has(s.child.status)) this.core.jobs.cancel(s.child)
    }
    this.pump()
  }

  /** Called when a step's child run has ended. */
  private ended(step: Step, child: Job): void {
    this.log(`Completing processing run id ${child.name}.`)
    step.state = child.status === 'Completed' ? 'completed' : child.status === 'Canceled' ? 'canceled' : 'failed'
    const canceledFromOutside = step.state === 'canceled' && !this.owner.cancelRequested && !this.stopped.has(step.name)
    if (step.state === 'failed' || canceledFromOutside) {
      this.failedNodes.push(`${this.path}${step.name}`)
      if (!this.settings.continueOnStepFailure) {
        // The rest of the pipeline stops: running steps are canceled (those finishing their upload end on their own).
        for (const s of this.steps.values()) {
          if (
            s.state === 'running' &&
            s.child &&
            !JOB_TERMINAL.has(s.child.status) &&
            s.child.status !== 'Finalizing'
          ) {
            this.stopped.add(s.name)
            this.core.jobs.cancel(s.child)
          }
        }
      }
    }
    this.pump()
  }

  /** The child run of a step: a Command job, or an orchestrated sub-pipeline with its own graph. */
  private launch(step: Step): void {
    const node = step.node
    const id = armIdOf(node.componentId) ?? ''
    const spec = componentOf(this.core, this.wsOf(), id)
    const runId = randomUUID()
    const displayName = typeof node.display_name === 'string' && node.display_name ? node.display_name : step.name
    const type = String((isObj(spec) && spec.type) || node.type || 'command').toLowerCase()
    const isPipeline = type === 'pipeline'
    const props: Json = {
      jobType: isPipeline ? 'Pipeline' : 'Command',
      displayName,
      experimentName: this.settings.experimentName,
      componentId: id,
      properties: {},
      tags: {}
    }
    const run = {
      displayName,
      runType: isPipeline ? 'azureml.PipelineRun' : 'azureml.StepRun',
      properties: {
        'azureml.nodeid': step.name,
        'azureml.pipelinerunid': this.root.name,
        'azureml.runsource': isPipeline ? 'azureml.PipelineRun' : 'azureml.StepRun'
      }
    }
    const inputs = isObj(spec) ? this.stepInputs(spec, node) : {}
    const outputs: Json = {}
    const bindings: Record<string, { job: string; output: string }> = {}
    if (isObj(spec) && isObj(spec.outputs)) {
      for (const [o, decl] of Object.entries(spec.outputs)) {
        outputs[o] = {
          jobOutputType: String((isObj(decl) && decl.type) || 'uri_folder'),
          mode: 'ReadWriteMount'
        }
      }
    }
    for (const [o, v] of Object.entries(isObj(node.outputs) ? node.outputs : {})) {
      const text = valueOf(v)
      const m = text ? WHOLE_BINDING.exec(text) : null
      if (m && m[1] === 'outputs') {
        bindings[m[2]] = { job: runId, output: o }
        const own = isObj(this.owner.properties.outputs) ? this.owner.properties.outputs[m[2]] : undefined
        if (isObj(own) && typeof own.uri === 'string' && own.uri && isObj(outputs[o])) {
          ;(outputs[o] as Json).uri = own.uri
        }
      } else if (isObj(v) && typeof v.uri === 'string' && isObj(outputs[o])) {
        ;(outputs[o] as Json).uri = v.uri
      }
    }
    this.owner.outputBindings = { ...(this.owner.outputBindings ?? {}), ...bindings }
    props.inputs = inputs
    props.outputs = outputs
    const common = {
      workspaceKey: this.owner.workspaceKey,
      workspaceId: this.owner.workspaceId,
      name: runId,
      parentJobName: this.owner.name,
      rootJobName: this.root.name,
      stepMs: this.owner.stepMs,
      run,
      onStatus: (j: Job) => {
        if (JOB_TERMINAL.has(j.status)) this.ended(step, j)
      }
    }
    if (isPipeline && isObj(spec)) {
      const child = this.core.jobs.create(
        { ...common, properties: props, orchestrated: true, logLayout: 'common-runtime' },
        this.resolver
      )
      step.child = child
      const withDefaults: Json = { ...inputs }
      new GraphRun(
        this.core,
        this.resolver,
        child,
        this.root,
        withDefaults,
        isObj(spec.jobs) ? spec.jobs : {},
        { ...this.settings, defaultCompute: node.computeId ?? this.settings.defaultCompute },
        `${this.path}${step.name}/`
      ).start()
      return
    }
    const compute = computeName(node.computeId ?? this.settings.defaultCompute)
    Object.assign(props, {
      command: isObj(spec) && typeof spec.command === 'string' ? spec.command : '',
      codeId: isObj(spec) ? armIdOf(spec.code) : undefined,
      environmentId: isObj(spec) ? armIdOf(spec.environment) : undefined,
      computeId: compute ? `${this.owner.workspaceId}/computes/${compute}` : undefined,
      environmentVariables: {
        ...(isObj(spec) && isObj(spec.environment_variables) ? spec.environment_variables : {}),
        ...(isObj(node.environment_variables) ? node.environment_variables : {})
      }
    })
    if (typeof props.codeId === 'string' && !props.codeId.startsWith('/subscriptions/')) delete props.codeId
    let failWith: Job['failWith']
    if (spec === 'registry') {
      failWith = {
        code: 'UserError',
        message: `The emulator holds no registry components; step '${step.name}' (${id}) cannot run.`
      }
    } else if (type === 'parallel') {
      failWith = {
        code: 'UserError',
        message: `The emulator does not run parallel nodes; step '${step.name}' was not run.`
      }
    } else if (!isObj(spec)) {
      failWith = { code: 'UserError', message: `The component ${id} of step '${step.name}' was not found.` }
    }
    step.child = this.core.jobs.create({ ...common, properties: props, failWith }, this.resolver)
  }

  private wsOf(): Workspace {
    return this.core.state.workspaces.get(this.owner.workspaceKey)!
  }

  /**
   * A step's inputs: the component's defaults, then the node's: a literal, `${{parent.inputs.x}}` (the pipeline's
   * input as it is: a literal's value or a data URI), `${{parent.jobs.<s>.outputs.<o>}}` (that step's output
   * `azureml://jobs/<child run>/outputs/<o>`), or a data input (`uri`, `mode`).
   */
  private stepInputs(spec: Json, node: Json): Json {
    const out: Json = {}
    for (const [k, decl] of Object.entries(isObj(spec.inputs) ? spec.inputs : {})) {
      if (isObj(decl) && decl.default !== undefined && decl.default !== null) out[k] = literal(decl.default)
    }
    for (const [k, v] of Object.entries(isObj(node.inputs) ? node.inputs : {})) {
      if (!isObj(v) && typeof v !== 'string') continue
      const rest = isObj(v) ? restInput(v) : literal(v)
      const text = rest.jobInputType === 'literal' && typeof rest.value === 'string' ? rest.value : undefined
      const m = text ? WHOLE_BINDING.exec(text) : null
      if (m && m[1] === 'inputs') {
        const given = this.inputs[m[2]]
        if (isObj(given)) out[k] = restInput(given)
        continue
      }
      if (m && m[1] === 'jobs' && m[3]) {
        const upstream = this.steps.get(m[2])
        const upSpec = upstream
          ? componentOf(this.core, this.wsOf(), armIdOf(upstream.node.componentId) ?? '')
          : undefined
        const decl = isObj(upSpec) && isObj(upSpec.outputs) ? upSpec.outputs[m[3]] : undefined
        out[k] = {
          jobInputType: String((isObj(decl) && decl.type) || 'uri_folder'),
          uri: `azureml://jobs/${upstream?.child?.name ?? m[2]}/outputs/${m[3]}`,
          mode: typeof rest.mode === 'string' ? rest.mode : 'ReadOnlyMount'
        }
        continue
      }
      if (text !== undefined) {
        // A literal with bindings inside it: each `${{parent.inputs.x}}` replaced by that input's value.
        out[k] = literal(
          text.replace(BINDING, (whole, group: string, name: string) => {
            const given = group === 'inputs' ? this.inputs[name] : undefined
            return isObj(given) && given.value !== undefined ? String(given.value) : whole
          })
        )
        continue
      }
      out[k] = rest
    }
    return out
  }
}

/** Appends timestamped lines to the job's `logs/azureml/executionlogs.txt` (listed in its run's logFiles). */
function executionLog(core: Core, job: Job): (line: string) => void {
  return orchestratorLog(core, job, EXECUTION_LOG)
}

/**
 * The log of a job the service orchestrates (a pipeline's `logs/azureml/executionlogs.txt`, a sweep's
 * `azureml-logs/hyperdrive.txt`): an append blob among the job's run artifacts, listed in its run's logFiles from the
 * start; each call appends `[YYYY-MM-DD HH:MM:SSZ] <line>`, in order.
 */
export function orchestratorLog(core: Core, job: Job, name: string): (line: string) => void {
  const artifacts = jobArtifacts(job.name)
  const blob = `${artifacts.prefix}${name}`
  let chain: Promise<unknown> = (async () => {
    const client = (await core.blobs.container(artifacts.container)).getAppendBlobClient(blob)
    await client.createIfNotExists({ blobHTTPHeaders: { blobContentType: 'text/plain; charset=utf-8' } })
    job.logContainer = artifacts.container
    if (!job.logs.some(l => l.name === name)) job.logs.push({ name, blob, listedFrom: 0 })
    return client
  })()
  const started = chain
  chain = chain.catch((error: unknown) => core.log(`job ${job.name}: ${name}: ${(error as Error).message}`))
  return (line: string) => {
    const stamp = new Date()
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, 'Z')
    const text = `[${stamp}] ${line}\n`
    chain = chain.then(async () => {
      try {
        const client = (await started) as import('@azure/storage-blob').AppendBlobClient
        await client.appendBlock(text, Buffer.byteLength(text))
      } catch (error) {
        core.log(`job ${job.name}: ${name}: ${(error as Error).message}`)
      }
    })
  }
}

/**
 * Starts a pipeline job created (orchestrated) by jobs.ts: its graph runs with the pipeline's inputs and settings;
 * the job's `onCancel` reaches the steps.
 */
export function startPipeline(core: Core, pipeline: Job, resolver: JobResolver): void {
  const p = pipeline.properties
  const settings = isObj(p.settings) ? p.settings : {}
  const cont = settings.continue_on_step_failure
  new GraphRun(
    core,
    resolver,
    pipeline,
    pipeline,
    isObj(p.inputs) ? p.inputs : {},
    isObj(p.jobs) ? p.jobs : {},
    {
      defaultCompute: settings.default_compute,
      continueOnStepFailure: cont === true || String(cont).toLowerCase() === 'true',
      experimentName: typeof p.experimentName === 'string' && p.experimentName ? p.experimentName : 'Default'
    },
    '/'
  ).start()
}
