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
 * 3. `azureml://jobs/<childRunId>/outputs/<o>[/paths/<p>]`, the child's own output. A sub-pipeline step (`type:
 *    pipeline`) is itself a pipeline job: its output is resolved the same way one level down (the caller GETs the
 *    child job and calls this again).
 *
 * Every problem is an `InputError` naming the input, raised before anything is written: an output the pipeline does
 * not have (listing its outputs and its steps with their outputs), an output no step is bound to, a step with no
 * child run, a step that did not complete.
 */
import * as core from '@actions/core'
import type { Context } from '../base/context.js'
import { InputError } from '../base/errors.js'
import type { CommonSettings, WorkspaceRef } from '../base/settings.js'
import { workspaceApi } from '../arm/endpoints.js'
import type { JobBody } from '../jobs/job-rest.js'
import { listChildRuns, stepNamesByDisplayName, type ChildRun } from '../jobs/pipeline-follow.js'
import type { ModelPathReference } from './yaml/index.js'

export type JobOutputPath = Extract<ModelPathReference, { kind: 'job-output' }>

/** A pipeline node as Jobs_Get returns it (the fields read here). */
interface PipelineNode {
  type?: unknown
  outputs?: Record<string, unknown> | null
}

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
 * Resolves `path` (an output of the pipeline job `job`, which has Completed) to the output of the step bound to it:
 * returns the step, its child run and the child's output path (see the module comment). Reads: one children listing
 * (and the workspace's API server, once). Throws `InputError(input)` for each problem listed there.
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
  const bound = boundStep(job, path.output)
  if (!bound) {
    throw new InputError(
      input,
      `${path.uri}: no step of pipeline job ${pipeline} writes its output ${path.output} (no step output is bound ` +
        `to \${{parent.outputs.${path.output}}}), so it holds no files (${listing}).`
    )
  }
  const api = await workspaceApi(ctx, settings, ws)
  const children = (await listChildRuns(ctx.http, settings, api, { workspace: ws, name: pipeline })) ?? []
  const child = childRunOf(job, children, bound.step)
  if (!child?.runId) {
    throw new InputError(
      input,
      `${path.uri}: step ${bound.step} of pipeline job ${pipeline} has no job in run history (its children: ` +
        `${children.map(c => c.displayName ?? c.runId).join(', ') || 'none'}), so its output ${bound.output} ` +
        'cannot be found.'
    )
  }
  if (child.status !== 'Completed') {
    throw new InputError(
      input,
      `${path.uri}: step ${bound.step} (job ${child.runId}) of pipeline job ${pipeline} is ${child.status ?? 'Unknown'}, ` +
        `not Completed, so its output ${bound.output} is not a finished model.`
    )
  }
  const uri = `azureml://jobs/${child.runId}/outputs/${bound.output}${path.path ? `/paths/${path.path}` : ''}`
  core.info(`${path.uri} is the output ${bound.output} of step ${bound.step} (job ${child.runId}): registering ${uri}.`)
  return {
    bound,
    child: { ...child, runId: child.runId },
    path: { kind: 'job-output', uri, job: child.runId, output: bound.output, path: path.path }
  }
}
