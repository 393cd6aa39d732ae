/**
 * comment-on-pr end to end: the bundle runs start-run/poll-run against the emulator and comments on a local fake of
 * the GitHub REST API (GITHUB_API_URL), with the pull_request event a runner would hand it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Emulator } from '../../emulator/index.js'
import { ROOT } from '../../demo/runner.js'
import { startFakeGitHub, type FakeGitHub } from '../fixtures/fake-github.js'
import { emulatorForTests, step, visibleLines, workspaceInputs } from './helpers.js'

const HELLO = resolve(ROOT, 'examples/hello')
const FAIL = resolve(ROOT, '__tests__/e2e/fixtures/runs/fail')
const PR = 42
const TOKEN = 'ghs_fakeGitHubToken0123456789abcdef'

let emu: Emulator
let gh: FakeGitHub
let scratch: string
let eventPath: string
beforeAll(async () => {
  ;[emu, gh] = await Promise.all([emulatorForTests(), startFakeGitHub()])
  scratch = mkdtempSync(join(tmpdir(), 'aml-pr-comment-'))
  eventPath = join(scratch, 'event.json')
  writeFileSync(eventPath, JSON.stringify({ action: 'synchronize', number: PR, pull_request: { number: PR } }))
})
afterAll(async () => {
  await Promise.all([emu?.close(), gh?.close()])
  rmSync(scratch, { recursive: true, force: true })
})
beforeEach(() => {
  emu.reset()
  gh.comments.clear()
  gh.requests.length = 0
  gh.mode = 'ok'
})

function githubEnv(event = 'pull_request'): Record<string, string> {
  return {
    GITHUB_API_URL: gh.url,
    GITHUB_SERVER_URL: 'https://github.example',
    GITHUB_EVENT_NAME: event,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_REPOSITORY: 'octo-org/octo-repo',
    GITHUB_WORKFLOW: 'PR training',
    GITHUB_JOB: 'train',
    GITHUB_RUN_ID: '987654321'
  }
}

function startRun(extra: Record<string, string> = {}): Record<string, string> {
  return {
    operation: 'start-run',
    ...workspaceInputs(emu),
    'experiment-name': 'pr-training',
    'compute-target': emu.seed.computeName,
    'source-directory': HELLO,
    script: 'hello.py',
    'comment-on-pr': 'true',
    'github-token': TOKEN,
    ...extra
  }
}

const commands = (result: { commands: { command: string; value: string }[] }, name: string) =>
  result.commands.filter(c => c.command === name).map(c => c.value)

describe('comment-on-pr', () => {
  it('the first run creates one comment; a rerun updates it in place (exactly one comment)', async () => {
    const first = await step(startRun(), { env: githubEnv() })
    expect(first.stderr).toBe('')
    expect(first.exitCode).toBe(0)
    const comments = gh.comments.get(PR) ?? []
    expect(comments).toHaveLength(1)
    const { id: commentId, body } = comments[0]
    expect(body).toContain('<!-- azureml-rest-action:pr-training:PR training:train -->')
    expect(body).toContain('Completed')
    expect(body).toContain(first.outputs.runId)
    expect(body).toContain(`[Open the run in Azure ML studio](${first.outputs.portalUrl})`)
    expect(body).toContain('https://github.example/octo-org/octo-repo/actions/runs/987654321')
    expect(body).toMatch(/\| Duration \| \d/)
    // The emulator has no metrics API (501): the comment simply has no metrics section.
    expect(body).not.toContain('Metrics')
    expect(gh.requests.every(r => r.authorization === `token ${TOKEN}`)).toBe(true)
    expect(first.summary).toContain('Pull request comment')
    expect(visibleLines(first.stdout).join('\n')).not.toContain(TOKEN)
    expect(first.commands).toContainEqual({ command: 'add-mask', value: TOKEN })

    // A comment of someone else stays as it is.
    gh.comments.get(PR)?.unshift({ id: 1, body: 'LGTM', html_url: 'x', user: { login: 'octocat' } })
    const second = await step(
      { ...startRun({ operation: 'poll-run', 'run-id': first.outputs.runId }), 'source-directory': undefined },
      { env: { ...githubEnv(), GITHUB_RUN_ID: '987654322' } }
    )
    expect(second.exitCode).toBe(0)
    const after = gh.comments.get(PR) ?? []
    expect(after.map(c => c.id)).toEqual([1, commentId])
    expect(after[0].body).toBe('LGTM')
    expect(after[1].body).toContain('/actions/runs/987654322')
    expect(after[1].body).toContain('<!-- azureml-rest-action:pr-training:PR training:train -->')
    expect(gh.requests.filter(r => r.method === 'POST')).toHaveLength(1)
    expect(gh.requests.filter(r => r.method === 'PATCH')).toHaveLength(1)
    expect(commands(second, 'warning')).toEqual([])
  })

  it('a failed run is commented too, and the step still fails for the run', async () => {
    const result = await step(startRun({ 'source-directory': FAIL, script: 'train.py' }), { env: githubEnv() })
    expect(result.exitCode).toBe(1)
    const [comment] = gh.comments.get(PR) ?? []
    expect(comment.body).toContain('Failed')
    expect(comment.body).toContain('the learning rate must be positive')
    expect(commands(result, 'error').join('\n')).toContain('ended Failed')
  })

  it("a pipeline's comment lists its steps, the failed one with its own error first", async () => {
    const result = await step(
      {
        operation: 'submit-job',
        ...workspaceInputs(emu),
        job: 'examples/pipelines/pipeline.yml',
        set: `settings.default_compute=azureml:${emu.seed.computeName}\ninputs.max_mse=0.0001`,
        'comment-on-pr': 'true',
        'github-token': TOKEN
      },
      { env: githubEnv() }
    )
    expect(result.exitCode).toBe(1)
    const [comment] = gh.comments.get(PR) ?? []
    expect(comment.body).toContain('| step | job | status | duration |')
    expect(comment.body).toMatch(/\| prepare \| `[\w-]+` \| ✅ Completed \| [^|]+ \|/)
    expect(comment.body).toMatch(/\| train \| `[\w-]+` \| ✅ Completed \|/)
    expect(comment.body).toMatch(/\| evaluate \| `[\w-]+` \| ❌ Failed \|/)
    expect(comment.body).toMatch(/\| Error \| step evaluate \(job [\w-]+\) failed/)
  }, 120_000)

  it('a 403 (no pull-requests: write) is a warning naming the permission; the step succeeds', async () => {
    gh.mode = 'forbidden'
    const result = await step(startRun(), { env: githubEnv() })
    expect(result.exitCode).toBe(0)
    expect(result.outputs.status).toBe('Completed')
    const warnings = commands(result, 'warning').join('\n')
    expect(warnings).toContain('pull-requests: write')
    expect(warnings).toContain('403')
    expect(commands(result, 'error')).toEqual([])
  })

  it('off a pull request: a notice, and not one call to GitHub', async () => {
    const result = await step(startRun(), { env: githubEnv('push') })
    expect(result.exitCode).toBe(0)
    expect(commands(result, 'notice').join('\n')).toContain('not a pull request')
    expect(gh.requests).toEqual([])
  })

  it('without comment-on-pr nothing is posted, even on a pull request', async () => {
    const result = await step(startRun({ 'comment-on-pr': 'false' }), { env: githubEnv() })
    expect(result.exitCode).toBe(0)
    expect(gh.requests).toEqual([])
  })

  it('comment-on-pr without a token fails before any request, naming github-token', async () => {
    const result = await step(startRun({ 'github-token': '' }), { env: githubEnv() })
    expect(result.exitCode).toBe(1)
    expect(commands(result, 'error').join('\n')).toContain('github-token')
    expect(emu.requests).toEqual([])
  })
})
