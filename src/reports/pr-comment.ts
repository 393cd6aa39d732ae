/**
 * `comment-on-pr`: the result of a run (status, duration, the metrics it logged, the portal link) as ONE comment on
 * the pull request that triggered the workflow. The comment carries a hidden marker
 * (`<!-- azureml-rest-action:{experiment}:{workflow}:{job} -->`), so a rerun finds it and updates it in place.
 *
 * Through `@actions/github`'s Octokit, which honours GITHUB_API_URL (GitHub Enterprise Server, the tests' fake API).
 * Commenting never fails the step: a 403 (the job lacks `pull-requests: write`) is a warning naming the permission to
 * add, any other problem a warning; a workflow not triggered by a pull request gets a notice and no request at all.
 */
import * as core from '@actions/core'
import { readFileSync } from 'node:fs'
import type { Context } from '../base/context.js'
import { armAuth, dataPlaneUrl } from '../arm/endpoints.js'
import { parseJson } from '../http/client.js'
import type { CommonSettings } from '../base/settings.js'
import { formatDuration } from '../http/retry.js'
import {
  runDuration,
  runErrorMessage,
  runPortalUrl,
  type RunBody,
  type RunResult,
  type RunTarget
} from '../runs/follow.js'

export interface PrCommentSettings {
  /** The token that posts the comment (`github-token`, default the workflow's token), masked. */
  token: string
}

export interface RunReport {
  runId: string
  experimentName: string
  status: string
  run: RunBody
  portalUrl: string
  /** Metric name → its last logged value; undefined when the service has no metrics to give. */
  metrics?: Record<string, string | number | boolean>
  /** A pipeline's steps, one row each: step, its job name, status, duration (text); absent for other jobs. */
  steps?: string[][]
}

export const PR_EVENTS = ['pull_request', 'pull_request_target']
const MAX_METRICS = 30
/** A comment lists at most this many steps of a pipeline (a comment is limited to 65,536 characters). */
const MAX_STEPS = 50
const MAX_ERROR_CHARS = 1000

/**
 * The `onEnd` of followRun for start-run and poll-run: with `comment-on-pr`, the run's metrics are read and the comment
 * posted once the run has ended (Failed and Canceled too); without it, nothing.
 */
export function commentWhenEnded(
  ctx: Context,
  settings: CommonSettings & { prComment?: PrCommentSettings },
  target: RunTarget
): ((result: RunResult) => Promise<void>) | undefined {
  const pr = settings.prComment
  if (!pr) return undefined
  return async result => {
    const metrics = await runMetrics(ctx, settings, target)
    await commentOnPr(ctx, pr, {
      runId: target.runId,
      experimentName: target.experimentName,
      status: result.status,
      run: result.run,
      portalUrl: runPortalUrl(settings, target.workspace, target.runId),
      metrics
    })
  }
}

/** The pull request that triggered the workflow, from GITHUB_EVENT_NAME and the event payload. */
export function pullRequestNumber(env: NodeJS.ProcessEnv = process.env): number | undefined {
  if (!PR_EVENTS.includes(env.GITHUB_EVENT_NAME ?? '') || !env.GITHUB_EVENT_PATH) return undefined
  try {
    const payload = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) as { pull_request?: { number?: unknown } }
    const n = payload.pull_request?.number
    return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : undefined
  } catch {
    return undefined
  }
}

export function commentMarker(experimentName: string, env: NodeJS.ProcessEnv = process.env): string {
  const part = (text: string | undefined): string => (text ?? '').replace(/[<>\r\n]/g, '')
  return `<!-- azureml-rest-action:${part(experimentName)}:${part(env.GITHUB_WORKFLOW)}:${part(env.GITHUB_JOB)} -->`
}

/** The comment's Markdown. Plain facts only: no request or response bodies, so no secret can reach it. */
export function commentBody(report: RunReport, env: NodeJS.ProcessEnv = process.env): string {
  const icon = report.status === 'Completed' ? '✅' : report.status === 'Canceled' ? '⚪' : '❌'
  const rows: [string, string][] = [
    ['Status', `${icon} ${report.status}`],
    ['Run', `\`${report.runId}\``],
    ['Experiment', `\`${report.experimentName}\``]
  ]
  const duration = runDuration(report.run)
  if (duration !== undefined) rows.push(['Duration', formatDuration(duration)])
  const error = runErrorMessage(report.run)
  if (error && report.status !== 'Completed') rows.push(['Error', cell(truncate(error, MAX_ERROR_CHARS))])
  const server = env.GITHUB_SERVER_URL || 'https://github.com'
  if (env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID) {
    rows.push([
      'Workflow run',
      `[${env.GITHUB_WORKFLOW ?? 'run'} #${env.GITHUB_RUN_ID}](${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID})`
    ])
  }
  const lines = [
    `### ${icon} Azure ML run ${report.status.toLowerCase()}: ${cell(report.experimentName)}`,
    '',
    '| | |',
    '| --- | --- |',
    ...rows.map(([k, v]) => `| ${k} | ${v} |`),
    ''
  ]
  if (report.steps && report.steps.length > 0) {
    const icons: Record<string, string> = { completed: '✅', failed: '❌', canceled: '⚪' }
    lines.push('**Steps**', '', '| step | job | status | duration |', '| --- | --- | --- | --- |')
    for (const [step, job, status, duration] of report.steps.slice(0, MAX_STEPS)) {
      const icon = icons[status.toLowerCase()] ?? '⏳'
      lines.push(`| ${cell(step)} | ${job ? `\`${cell(job)}\`` : ''} | ${icon} ${cell(status)} | ${cell(duration)} |`)
    }
    if (report.steps.length > MAX_STEPS) lines.push('', `… and ${report.steps.length - MAX_STEPS} more steps.`)
    lines.push('')
  }
  const metrics = Object.entries(report.metrics ?? {})
  if (metrics.length > 0) {
    lines.push('**Metrics** (last value logged)', '', '| metric | value |', '| --- | --- |')
    for (const [name, value] of metrics.slice(0, MAX_METRICS))
      lines.push(`| ${cell(name)} | ${cell(formatValue(value))} |`)
    if (metrics.length > MAX_METRICS) lines.push('', `… and ${metrics.length - MAX_METRICS} more in Azure ML studio.`)
    lines.push('')
  }
  lines.push(`[Open the run in Azure ML studio](${report.portalUrl})`, '', commentMarker(report.experimentName, env))
  return lines.join('\n')
}

/**
 * Posts or updates the comment. Never throws: every problem is a warning (or, off a pull request, a notice), and the
 * job summary says what happened.
 */
export async function commentOnPr(
  ctx: Pick<Context, 'report'>,
  settings: PrCommentSettings,
  report: RunReport,
  env: NodeJS.ProcessEnv = process.env
): Promise<void> {
  const number = pullRequestNumber(env)
  if (number === undefined) {
    core.notice(
      `comment-on-pr: this workflow was triggered by ${env.GITHUB_EVENT_NAME || 'an unknown event'}, not a pull ` +
        'request: no comment posted.'
    )
    return
  }
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? '').split('/')
  if (!owner || !repo) {
    core.warning('comment-on-pr: GITHUB_REPOSITORY is not set (owner/repo): no comment posted.')
    return
  }
  // Loaded here, not with the bundle: Octokit is most of @actions/github's weight, and only this comment needs it.
  const { getOctokit } = await import('@actions/github')
  const octokit = getOctokit(settings.token, { baseUrl: env.GITHUB_API_URL || 'https://api.github.com' })
  const marker = commentMarker(report.experimentName, env)
  const body = commentBody(report, env)
  try {
    const comments = await octokit.paginate(octokit.rest.issues.listComments, {
      owner,
      repo,
      issue_number: number,
      per_page: 100
    })
    const mine = comments.find(c => typeof c.body === 'string' && c.body.includes(marker))
    let url: string
    if (mine) {
      url = (await octokit.rest.issues.updateComment({ owner, repo, comment_id: mine.id, body })).data.html_url
      core.info(`Updated the run's comment on pull request #${number}: ${url}`)
    } else {
      url = (await octokit.rest.issues.createComment({ owner, repo, issue_number: number, body })).data.html_url
      core.info(`Commented the run's result on pull request #${number}: ${url}`)
    }
    ctx.report.facts.push(['Pull request comment', `${mine ? 'updated' : 'posted'} on #${number}`])
    if (url) ctx.report.links.push({ text: `The comment on pull request #${number}`, href: url })
  } catch (error) {
    const status = (error as { status?: number }).status
    const message = (error as Error).message
    if (status === 403) {
      core.warning(
        `comment-on-pr: GitHub refused to comment on pull request #${number} (403: ${message}). Give the job ` +
          '`permissions: pull-requests: write` (and pass a token that has it as github-token). Pull requests from ' +
          'forks get a read-only token: comment from a workflow_run workflow instead.'
      )
    } else {
      core.warning(
        `comment-on-pr: could not comment on pull request #${number}: ${status ? `${status} ` : ''}${message}`
      )
    }
    ctx.report.facts.push(['Pull request comment', `not posted (${status ?? 'error'})`])
  }
}

/**
 * The metrics the run logged, newest value per name: POST `history/v1.0{WS}/experiments/{exp}/metrics:query` with a
 * RunId filter. Best effort: a service (or emulator) without the call, or any error, means no metrics section.
 */
export async function runMetrics(
  ctx: Pick<Context, 'http'>,
  settings: CommonSettings,
  target: RunTarget
): Promise<Record<string, string | number | boolean> | undefined> {
  try {
    const url = dataPlaneUrl(
      target.api,
      'history',
      target.workspace,
      `/experiments/${encodeURIComponent(target.experimentName)}/metrics:query`
    )
    const response = await ctx.http.send({
      method: 'POST',
      url,
      auth: armAuth(settings),
      body: { filter: `RunId eq '${target.runId}'` },
      idempotent: true,
      readOnly: true,
      acceptStatus: [400, 404, 405, 501]
    })
    if (response.dryRun || response.status >= 300) {
      core.debug(`No run metrics: metrics:query answered ${response.status}.`)
      return undefined
    }
    const list = parseJson<{ value?: { name?: string; runId?: string; cells?: Record<string, unknown>[] }[] }>(response)
    const metrics: Record<string, string | number | boolean> = {}
    for (const metric of list?.value ?? []) {
      if (!metric.name || (metric.runId && metric.runId !== target.runId)) continue
      const last = metric.cells?.[metric.cells.length - 1]
      const value = last ? (last[metric.name] ?? Object.values(last)[0]) : undefined
      if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean')
        metrics[metric.name] = value
    }
    return Object.keys(metrics).length > 0 ? metrics : undefined
  } catch (error) {
    core.debug(`No run metrics: ${(error as Error).message}`)
    return undefined
  }
}

function formatValue(value: string | number | boolean): string {
  if (typeof value !== 'number' || Number.isInteger(value)) return String(value)
  return String(Number(value.toPrecision(6)))
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text
}

/** A Markdown table cell: one line, pipes escaped, no HTML. */
function cell(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}
