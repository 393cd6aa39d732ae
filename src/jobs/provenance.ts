/**
 * Tags that lead from a job in studio back to the workflow run that started it, added over the YAML's own tags:
 * the run's URL, the repository, the commit and, on a pull request, its number. From the runner's default
 * environment variables (GitHub docs, "Variables": GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_RUN_ID,
 * GITHUB_RUN_ATTEMPT, GITHUB_SHA, GITHUB_WORKFLOW); empty outside a workflow.
 */
import { pullRequestNumber } from '../reports/pr-comment.js'

export function provenanceTags(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const tags: Record<string, string> = {}
  const server = env.GITHUB_SERVER_URL || 'https://github.com'
  if (env.GITHUB_REPOSITORY) {
    tags['github.repository'] = env.GITHUB_REPOSITORY
    if (env.GITHUB_RUN_ID) {
      const attempt = env.GITHUB_RUN_ATTEMPT ? `/attempts/${env.GITHUB_RUN_ATTEMPT}` : ''
      tags['github.run_url'] = `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}${attempt}`
    }
  }
  if (env.GITHUB_SHA) tags['github.sha'] = env.GITHUB_SHA
  if (env.GITHUB_WORKFLOW) tags['github.workflow'] = env.GITHUB_WORKFLOW
  const pr = pullRequestNumber(env)
  if (pr !== undefined) tags['github.pull_request'] = String(pr)
  return tags
}

/** The experiment the CLI would use when none is named: the current folder's name, in a workflow the repository's. */
export function defaultExperimentName(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  const name = env.GITHUB_REPOSITORY?.split('/')[1] ?? cwd.split(/[\\/]/).filter(Boolean).pop() ?? 'Default'
  const safe = name.replace(/[^\w-]/g, '_').replace(/^[^a-zA-Z0-9]+/, '')
  return safe.slice(0, 250) || 'Default'
}
