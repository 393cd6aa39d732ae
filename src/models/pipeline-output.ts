/**
 * A pipeline job's output as a model's path: `azureml://jobs/<pipeline>/outputs/<name>[/paths/<p>]` names an output
 * of the pipeline job, but the files are in the output of the step bound to it, and registering the pipeline's URI
 * fails on Azure (`ModelAssetPathNotFoundInStorage`, Azure/azureml-examples#2050: "registering a model from a pipeline
 * output needs the child job that wrote it"). So the pipeline's output is resolved to the step's:
 *
 * 1. the step whose `outputs[<o>]` is bound to it: in the pipeline's `properties.jobs` (Jobs_Get, mfe.json 2024-04-01
 *    `PipelineJob.jobs`, the nodes as azure-ai-ml 1.4 writes them: `jobs[step].outputs[o] = {value:
 *    "${{parent.outputs.<name>}}", type: "literal"}`, `entities/_job/pipeline/_io/base.py` `_to_job_output`);
 * 2. that step's child run: ONE listing of the pipeline's children in run history (`listChildRuns`,
 *    `GET {api}/history/v1.0{WS}/runs/<pipeline>/children`), the child naming its step by `displayName` (the step's
 *    key, or the node's `display_name` mapped back through `jobs`: `stepNamesByDisplayName`);
 * 3. `azureml://jobs/<childRunId>/outputs/<o>[/paths/<p>]`, the child's own output.
 *
 * A sub-pipeline step (`type: pipeline`, or a child of runType `azureml.PipelineRun`) holds no files of its own: its
 * output is resolved one level down, in the same three moves, until a step that is not a pipeline. Its child run is
 * NOT read as a job: `GET {WS}/jobs/<childRunId>` answers 200 with `properties: null` for a pipeline's child (azure-ai-ml
 * 1.4 `operations/_job_operations.py` `get`, "Child jobs are no longer available through MFE"; `entities/_job/job.py`
 * `_is_pipeline_child_job`). Instead:
 * - its steps come from its component's spec: `GET {ARM}<the node's componentId>` (ComponentVersions_Get, mfe.json
 *   2024-04-01), whose `properties.componentSpec.jobs` are the nodes as the SDK writes a pipeline job's
 *   (`entities/_component/pipeline_component.py` `_build_rest_component_jobs`: each node's `_to_rest_object`), so the
 *   inner step bound to `${{parent.outputs.<sub output>}}` is found as in 1.;
 * - its steps' runs are ITS children in run history: one more listing (`listChildRuns` on the sub-pipeline's run id).
 * Reads per level: one component GET, one children listing. Nested steps are named `<sub>/<step>` in messages, as the
 * `childJobs` output names them (jobs/pipeline-follow.ts).
 *
 * Every problem is an `InputError` naming the input, raised before anything is written: an output the pipeline does
 * not have (listing its outputs and its steps with their outputs), an output no step is bound to (at any level), a
 * step with no child run, a step that did not complete, a sub-pipeline whose component is not in a workspace or is
 * gone.
 */
import * as core from '@actions/core'
import type { Context } from '../base/context.js'
import { InputError } from '../base/errors.js'
import type { CommonSettings, WorkspaceRef } from '../base/settings.js'
import { armAuth, armUrl, workspaceApi } from '../arm/endpoints.js'
import { parseJson } from '../http/client.js'
import type { JobBody } from '../jobs/job-rest.js'
import { listChildRuns, stepNamesByDisplayName, type ChildRun } from '../jobs/pipeline-follow.js'
import type { ModelPathReference } from './yaml/index.js'

export type JobOutputPath = Extract<ModelPathReference, { kind: 'job-output' }>

/** A pipeline node as Jobs_Get returns it (the fields read here). */
interface PipelineNode {
  type?: unknown
  componentId?: unknown
  outputs?: Record<string, unknown> | null
}

/** Sub-pipelines resolved through at most (a pipeline step of a pipeline step ...): more is a loop, not a pipeline. */
const MAX_DEPTH = 5
/** runHistory `Run.runType` of a pipeline's run, a sub-pipeline's too. */
const PIPELINE_RUN = 'azureml.PipelineRun'

/** The step an output of the pipeline is bound to. */
export interface BoundStep {
  step: string
  /** The step's output bound to the pipeline's. */
  output: string
  /** The node's `type` (`command`, `pipeline`, `parallel`, ...). */
  type: string
}

/** The pipeline output's binding a node output carries: `${{parent.outputs.<name>}}`, spaces allowed inside. */
const PARENT_OUTPUT = /^\$\{\{\s*parent\.outputs\.([A-Za-z0-9_.-]+)\s*\}\}$/

function nodesOf(job: JobBody): Record<string, PipelineNode> {
  const jobs = job.properties?.jobs
  return jobs && typeof jobs === 'object' ? (jobs as Record<string, PipelineNode>) : {}
}

/** The pipeline output a node's output is bound to, if any (`{value: "${{parent.outputs.x}}"}`, or the bare string). */
function boundTo(spec: unknown): string | undefined {
  const value = typeof spec === 'string' ? spec : (spec as { value?: unknown } | null)?.value
  return typeof value === 'string' ? PARENT_OUTPUT.exec(value.trim())?.[1] : undefined
}

/** `prepare (outputs train, test), train (outputs model)`: the steps of a pipeline, for error messages. */
export function describeSteps(job: JobBody): string {
  const steps = Object.entries(nodesOf(job)).map(([step, node]) => {
    const outputs = Object.keys(node?.outputs ?? {})
    return `${step} (${outputs.length ? `outputs ${outputs.join(', ')}` : 'no outputs'})`
  })
  return steps.join(', ') || 'none'
}

/**
 * The step whose output is bound to the pipeline's output `name`, or undefined when none is. When several are (the
 * service refuses that; a guess kept safe), the first in `jobs` order.
 */
export function boundStep(job: JobBody, name: string): BoundStep | undefined {
  for (const [step, node] of Object.entries(nodesOf(job))) {
    for (const [output, spec] of Object.entries(node?.outputs ?? {})) {
      if (boundTo(spec) === name) return { step, output, type: typeof node.type === 'string' ? node.type : '' }
    }
  }
  return undefined
}

/**
 * The child run of `step` among a pipeline's children: the one whose `displayName` is the step's key (or its
 * `display_name`). When a step has several runs, a Completed one, the latest ended first. Undefined when none.
 */
export function childRunOf(job: JobBody, children: readonly ChildRun[], step: string): ChildRun | undefined {
  const byDisplay = stepNamesByDisplayName(job)
  const runs = children.filter(c => c.displayName && (byDisplay.get(c.displayName) ?? c.displayName) === step)
  const rank = (c: ChildRun): number => (c.status === 'Completed' ? 1 : 0)
  return [...runs].sort(
    (a, b) => rank(b) - rank(a) || String(b.endTimeUtc ?? '').localeCompare(String(a.endTimeUtc ?? ''))
  )[0]
}

/**
 * The spec of a sub-pipeline node's component as a pipeline body (`{properties: {jobs, outputs}}`, so `boundStep`,
 * `childRunOf` and `describeSteps` read it as a pipeline job's): `GET {ARM}<componentId>?api-version=<v2>`
 * (ComponentVersions_Get, mfe.json 2024-04-01; `componentSpec` is the component's dict, `jobs` the SDK's nodes).
 * Throws `InputError(input)` when the node names no workspace component (a registry's cannot be read with the
 * workspace's ARM id) or it is gone (404).
 */
async function subPipelineSpec(
  ctx: Context,
  settings: CommonSettings,
  node: PipelineNode | undefined,
  step: string,
  uri: string,
  input: string
): Promise<JobBody> {
  const id =
    typeof node?.componentId === 'string' ? node.componentId.replace(/^azureml:(?=\/subscriptions\/)/i, '') : ''
  const whose = `sub-pipeline step ${step}`
  if (
    !/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/[^/]+\/workspaces\/[^/]+\/components\/[^/]+\/versions\/[^/]+$/i.test(
      id
    )
  ) {
    throw new InputError(
      input,
      `${uri}: the output comes from ${whose}, whose component ${id || '(none)'} is not a workspace component ` +
        "version, so its steps cannot be read. Register the inner step's own output instead: " +
        "azureml://jobs/<that step's job, in the childJobs output>/outputs/<output>."
    )
  }
  const response = await ctx.http.send({
    method: 'GET',
    url: armUrl(settings, id, settings.v2ApiVersion),
    auth: armAuth(settings),
    acceptStatus: [404],
    readOnly: true
  })
  if (response.status === 404) {
    throw new InputError(
      input,
      `${uri}: the component ${id} of ${whose} no longer exists, so the step that wrote the output cannot be found. ` +
        "Register the inner step's own output instead: azureml://jobs/<that step's job, in the childJobs output>/" +
        'outputs/<output>.'
    )
  }
  const spec = parseJson<{ properties?: { componentSpec?: { jobs?: unknown; outputs?: unknown } | null } }>(response)
    ?.properties?.componentSpec
  return { properties: { jobs: spec?.jobs ?? {}, outputs: spec?.outputs ?? {} } } as JobBody
}

/**
 * Resolves `path` (an output of the pipeline job `job`, which has Completed) to the output of the step bound to it,
 * through sub-pipelines down to a step that is not one: returns that step (`step` named `<sub>/<step>` when nested,
 * `type` its node's), its child run and the child's output path (see the module comment). Reads: the workspace's API
 * server (once), one children listing per level, one component GET per sub-pipeline. Throws `InputError(input)` for
 * each problem listed there.
 */
export async function resolvePipelineOutput(
  ctx: Context,
  settings: CommonSettings,
  ws: WorkspaceRef,
  path: JobOutputPath,
  job: JobBody,
  input: string
): Promise<{ bound: BoundStep; child: ChildRun & { runId: string }; path: JobOutputPath }> {
  const pipeline = path.job
  const outputs = (job.properties as { outputs?: Record<string, unknown> | null } | undefined)?.outputs ?? {}
  const listing =
    `its outputs: ${Object.keys(outputs).join(', ') || 'none'}; its steps: ${describeSteps(job)}. A step's own ` +
    `output is azureml://jobs/<the step's job, in the childJobs output>/outputs/<output>`
  if (!(path.output in outputs)) {
    throw new InputError(input, `${path.uri}: pipeline job ${pipeline} has no output ${path.output} (${listing}).`)
  }
  let bound = boundStep(job, path.output)
  if (!bound) {
    throw new InputError(
      input,
      `${path.uri}: no step of pipeline job ${pipeline} writes its output ${path.output} (no step output is bound ` +
        `to \${{parent.outputs.${path.output}}}), so it holds no files (${listing}).`
    )
  }
  const api = await workspaceApi(ctx, settings, ws)
  // One level: the graph (the pipeline's, then a sub-pipeline's component spec), its run, and where names start.
  let level = { body: job, runId: pipeline, prefix: '' }
  for (let depth = 0; ; depth++) {
    const step = `${level.prefix}${bound.step}`
    const children = (await listChildRuns(ctx.http, settings, api, { workspace: ws, name: level.runId })) ?? []
    const child = childRunOf(level.body, children, bound.step)
    if (!child?.runId) {
      throw new InputError(
        input,
        `${path.uri}: step ${step} of pipeline job ${pipeline} has no job in run history (its children: ` +
          `${children.map(c => c.displayName ?? c.runId).join(', ') || 'none'}), so its output ${bound.output} ` +
          'cannot be found.'
      )
    }
    if (child.status !== 'Completed') {
      throw new InputError(
        input,
        `${path.uri}: step ${step} (job ${child.runId}) of pipeline job ${pipeline} is ${child.status ?? 'Unknown'}, ` +
          `not Completed, so its output ${bound.output} is not a finished model.`
      )
    }
    if (bound.type.toLowerCase() !== 'pipeline' && child.runType !== PIPELINE_RUN) {
      const uri = `azureml://jobs/${child.runId}/outputs/${bound.output}${path.path ? `/paths/${path.path}` : ''}`
      core.info(`${path.uri} is the output ${bound.output} of step ${step} (job ${child.runId}): registering ${uri}.`)
      return {
        bound: { ...bound, step },
        child: { ...child, runId: child.runId },
        path: { kind: 'job-output', uri, job: child.runId, output: bound.output, path: path.path }
      }
    }
    if (depth >= MAX_DEPTH) {
      throw new InputError(input, `${path.uri}: more than ${MAX_DEPTH} nested sub-pipelines to resolve.`)
    }
    const sub = await subPipelineSpec(ctx, settings, nodesOf(level.body)[bound.step], step, path.uri, input)
    const inner = boundStep(sub, bound.output)
    if (!inner) {
      throw new InputError(
        input,
        `${path.uri}: no step of sub-pipeline ${step} (job ${child.runId}) writes its output ${bound.output} (no ` +
          `step output is bound to \${{parent.outputs.${bound.output}}}; its steps: ${describeSteps(sub)}).`
      )
    }
    core.info(
      `${path.uri}: step ${step} is a sub-pipeline (job ${child.runId}); its output ${bound.output} is written by its ` +
        `step ${inner.step} (output ${inner.output}).`
    )
    bound = inner
    level = { body: sub, runId: child.runId, prefix: `${step}/` }
  }
}
