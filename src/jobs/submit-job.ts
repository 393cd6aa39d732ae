/**
 * submit-job: a CLI v2 job YAML of any job type (`job-types.ts`: command, pipeline; read and validated by the input
 * reader) → references checked → code and local inputs uploaded, inline environments and a pipeline's anonymous
 * components registered (`resolver.ts`) → `PUT {WS}/jobs/{name}` (Jobs_CreateOrUpdate, mfe.json 2024-04-01) → with
 * `wait`, followed to its end (`follow-job.ts`). A job with a user identity is PUT with the `x-azureml-token` header
 * (`user-identity.ts`).
 *
 * A job name is used once in a workspace: a PUT on an existing one is not a new job (Azure updates its mutable fields, or
 * refuses "A job with this name already exists", Azure/azure-sdk-for-python PR #47389), so the name is looked up first
 * (`GET {WS}/jobs/{name}`, before any upload): when it exists the step fails, naming the job, its status and its studio
 * link, or with `if-job-exists: follow` follows that job as poll-job does, creating nothing.
 *
 * The job's name is chosen before the PUT, set as the `jobName` output and saved for the post step before the PUT is
 * sent: a retried PUT addresses the same job, and a step killed mid-request still has its job cancelled. A PUT that
 * fails unclearly is checked by a GET of that name before anything else (issue 13, kind 3).
 */
import * as core from '@actions/core'
import type { Context } from '../base/context.js'
import { OperationFailedError } from '../base/errors.js'
import { createIdempotently } from '../arm/idempotent-create.js'
import { abortable, watchSignals, WorkflowCancelledError } from '../follow/signals.js'
import { parseJson } from '../http/client.js'
import type { HttpResponse } from '../base/http-types.js'
import { armAuth } from '../arm/endpoints.js'
import { formatBytes } from '../runs/snapshot/limits.js'
import { cancelAfterSignal, followJob } from './follow-job.js'
import { followExistingJob } from './poll-job.js'
import type { SubmitJobOperation } from './inputs.js'
import { getJob, jobPortalUrl, jobUrl, readJobStatus, type JobBody, type JobRef } from './job-rest.js'
import { defaultExperimentName, provenanceTags } from './provenance.js'
import { createJobResolver } from './resolver.js'
import { saveJob } from './state.js'
import { toAnyJobRestBody } from './job-types.js'
import { userIdentityHeaders } from './user-identity.js'

export async function submitJob(op: SubmitJobOperation, ctx: Context): Promise<void> {
  const job: JobRef = { workspace: op.workspace, name: op.jobName }
  const yaml = op.yaml
  core.info(`Job ${yaml.file}: ${yaml.job.type ?? 'command'} job ${op.jobName}.`)
  for (const warning of yaml.warnings ?? []) core.warning(warning)
  const watch = watchSignals()
  let created = false
  try {
    // A re-run with the same name must not report the old job as this run's: looked up before anything is sent.
    const existing = await abortable(existingJob(ctx, op, job), watch.signal)
    if (existing) {
      if (op.ifJobExists === 'follow') {
        core.info(
          `Job ${op.jobName} already exists (${existing.properties?.status ?? 'status unknown'}); ` +
            'if-job-exists: follow: following it, nothing is uploaded or created.'
        )
        ctx.outputs.set('jobName', op.jobName)
        ctx.outputs.set('portalUrl', jobPortalUrl(op, job, existing))
        await followExistingJob(ctx, job, {
          settings: op,
          cancelOnTimeout: op.cancelOnTimeout,
          prComment: op.prComment,
          signal: watch.signal
        })
        return
      }
      throw jobExistsError(op, job, existing)
    }

    // Every reference looked up first: a missing compute or asset fails before anything is uploaded.
    const cache = new Map<string, Promise<string>>()
    const options = {
      jobName: op.jobName,
      experimentName: op.experimentName,
      defaultExperimentName: defaultExperimentName(),
      extraTags: provenanceTags()
    }
    const checked = await abortable(
      core.group('Check references', () =>
        toAnyJobRestBody(yaml, createJobResolver(ctx, op, op.workspace, yaml, { checkOnly: true, cache }), options)
      ),
      watch.signal
    )
    // A user-identity job's token for the Azure ML resource: a principal that cannot get one fails before any upload.
    await abortable(userIdentityHeaders(ctx, op, checked, op.yaml.source), watch.signal)
    const resolver = createJobResolver(ctx, op, op.workspace, yaml, { checkOnly: false, cache, signal: watch.signal })
    const body = await abortable(
      core.group('Upload code and data', () => toAnyJobRestBody(yaml, resolver, options)),
      watch.signal
    )
    if (resolver.uploads.components) {
      ctx.report.facts.push(['Components', `${resolver.uploads.components} anonymous component versions registered`])
    }
    const code = resolver.uploads.code
    if (code) {
      ctx.report.facts.push([
        'Code',
        `${code.files} files, ${formatBytes(code.bytes)}${code.reused ? ' (already uploaded: reused)' : ' (uploaded)'}`
      ])
    }

    // The name is ours before the PUT: if the step dies mid-request, the post step can still cancel the job.
    ctx.outputs.set('jobName', op.jobName)
    ctx.outputs.set('portalUrl', jobPortalUrl(op, job))
    if (!op.dryRun) saveJob({ name: op.jobName, workspace: op.workspace }, 'creating')
    core.info(`Creating job ${op.jobName} in experiment ${body.properties.experimentName}.`)
    let response
    try {
      response = await abortable(putJob(ctx, op, job, body), watch.signal)
    } catch (error) {
      if (error instanceof WorkflowCancelledError) throw await cancelAfterSignal(ctx, job, { settings: op }, error)
      throw error
    }
    if (response.dryRun) {
      core.info(`dry-run: job ${op.jobName} was not created.`)
      return
    }
    created = true
    saveJob({ name: op.jobName, workspace: op.workspace }, 'in-flight')
    const createdBody = parseJson<JobBody>(response) ?? {}
    const portalUrl = jobPortalUrl(op, job, createdBody)
    ctx.outputs.set('portalUrl', portalUrl)
    ctx.outputs.set('status', createdBody.properties?.status ?? 'NotStarted')
    ctx.outputs.setResponse(createdBody)
    core.info(`Job ${op.jobName} created: ${portalUrl}`)
    ctx.report.facts.push(['Job', op.jobName], ['Experiment', String(body.properties.experimentName)])
    ctx.report.links.push({ text: `Job ${op.jobName} in Azure ML studio`, href: portalUrl })

    if (op.wait) {
      await followJob(ctx, job, {
        settings: op,
        cancelOnTimeout: op.cancelOnTimeout,
        signal: watch.signal,
        prComment: op.prComment
      })
      return
    }
    if (op.prComment) {
      core.notice('comment-on-pr: the job has not ended (wait: false); comment from a later poll-job step instead.')
    }
    core.info(
      `Not waiting (wait: false). Follow the job with poll-job (job-name: ${op.jobName}); if it is still running ` +
        'when the workflow job ends, the post step cancels it.'
    )
  } catch (error) {
    if (error instanceof WorkflowCancelledError && !created) {
      throw new Error(`The workflow was cancelled (${error.signalName}) before job ${op.jobName} was created.`)
    }
    throw error
  } finally {
    watch.dispose()
  }
}

/**
 * PUTs the job, never making two (`arm/idempotent-create.ts`): after an unclear failure (no answer, a reset, a 5xx) the
 * job is looked up by its name before the PUT is sent again, and an "already exists" answer then means the first
 * attempt worked (the service refuses a second PUT of a job name with a 400 saying so).
 */
async function putJob(
  ctx: Context,
  op: SubmitJobOperation,
  job: JobRef,
  body: { properties?: object }
): Promise<HttpResponse> {
  // From the token cache (fetched at the reference check), or refreshed if the uploads outlasted it.
  const { headers, secrets } = await userIdentityHeaders(ctx, op, body, op.yaml.source)
  const outcome = await createIdempotently({
    http: ctx.http,
    clock: ctx.clock,
    deadline: ctx.deadline,
    what: `job ${job.name}`,
    request: { method: 'PUT', url: jobUrl(op, job), body, auth: armAuth(op), headers, secrets },
    lookup: async () => {
      const found = await getJob(ctx.http, op, job)
      return found.status === 404 ? undefined : found
    }
  })
  if (outcome.kind === 'found') core.info(`Job ${job.name} exists: the first attempt created it.`)
  return outcome.response
}

/** The job of that name if it exists (GET 200), else undefined (404, or dry-run). */
async function existingJob(ctx: Context, op: SubmitJobOperation, job: JobRef): Promise<JobBody | undefined> {
  return (await readJobStatus(ctx.http, op, job))?.body
}

/** The job name is taken: what the job is, and the three ways on. Nothing was sent but the look-up. */
function jobExistsError(op: SubmitJobOperation, job: JobRef, existing: JobBody): OperationFailedError {
  const status = existing.properties?.status ?? 'status unknown'
  const from = op.jobNameSource ? ` (its name comes from ${op.jobNameSource})` : ''
  return new OperationFailedError(
    `Job ${job.name} already exists in workspace ${op.workspace.workspaceName}${from}: status ${status}, ` +
      `${jobPortalUrl(op, job, existing)}. A job name is used once: submitting again would not run a new job, so ` +
      'nothing was uploaded or created. To run a new job, leave the name out (job-name empty and no name: in the ' +
      'YAML: a new unique one is chosen) or give another one; to follow the existing job instead, set input ' +
      'if-job-exists: follow (or use operation poll-job).'
  )
}
