import { describe, expect, it } from '@jest/globals'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { commentBody, commentMarker, pullRequestNumber } from '../../src/reports/pr-comment.js'

const env = { GITHUB_WORKFLOW: 'CI', GITHUB_JOB: 'train', GITHUB_REPOSITORY: 'o/r', GITHUB_RUN_ID: '7' }

describe('the pull request comment', () => {
  it('shows status, duration, error, metrics and the link, with the marker last', () => {
    const body = commentBody(
      {
        runId: 'exp_1',
        experimentName: 'exp',
        status: 'Failed',
        run: {
          startTimeUtc: '2026-01-01T00:00:00Z',
          endTimeUtc: '2026-01-01T00:01:05Z',
          error: { error: { code: 'UserError', message: 'bad | input\n<script>' } }
        },
        portalUrl: 'https://ml.azure.com/runs/exp_1',
        metrics: { accuracy: 0.912345678, loss: 3, 'a|b': 'x' }
      },
      env
    )
    expect(body).toContain('| Status | ❌ Failed |')
    expect(body).toContain('| Duration | 1 min 5 s |')
    expect(body).toContain('UserError: bad \\| input &lt;script&gt;')
    expect(body).toContain('| accuracy | 0.912346 |')
    expect(body).toContain('| loss | 3 |')
    expect(body).toContain('| a\\|b | x |')
    expect(body).toContain('[Open the run in Azure ML studio](https://ml.azure.com/runs/exp_1)')
    expect(body.trimEnd().endsWith('<!-- azureml-rest-action:exp:CI:train -->')).toBe(true)
  })

  it('has no metrics section when the run logged none', () => {
    const body = commentBody({ runId: 'r', experimentName: 'e', status: 'Completed', run: {}, portalUrl: 'u' }, env)
    expect(body).not.toContain('Metrics')
    expect(body).toContain('✅ Completed')
  })

  it("lists a pipeline's steps, each with its job, status and duration; none for other jobs", () => {
    const body = commentBody(
      {
        runId: 'pl_1',
        experimentName: 'e',
        status: 'Failed',
        run: {},
        portalUrl: 'u',
        steps: [
          ['prepare', 'job-a', 'Completed', '3 s'],
          ['train|x', 'job-b', 'Failed', '1 min'],
          ['evaluate', '', 'NotStarted', '']
        ]
      },
      env
    )
    expect(body).toContain('| step | job | status | duration |')
    expect(body).toContain('| prepare | `job-a` | ✅ Completed | 3 s |')
    expect(body).toContain('| train\\|x | `job-b` | ❌ Failed | 1 min |')
    expect(body).toContain('| evaluate |  | ⏳ NotStarted |  |')
    expect(body.indexOf('**Steps**')).toBeLessThan(body.indexOf('[Open the run'))
    const many = commentBody(
      {
        runId: 'pl_2',
        experimentName: 'e',
        status: 'Completed',
        run: {},
        portalUrl: 'u',
        steps: Array.from({ length: 60 }, (_, i) => [`s${i}`, `j${i}`, 'Completed', '1 s'])
      },
      env
    )
    expect(many).toContain('… and 10 more steps.')
    expect(many).not.toContain('| s50 |')
    const plain = commentBody({ runId: 'r', experimentName: 'e', status: 'Completed', run: {}, portalUrl: 'u' }, env)
    expect(plain).not.toContain('**Steps**')
  })

  it('a marker cannot close the HTML comment early', () => {
    expect(commentMarker('e', { GITHUB_WORKFLOW: 'a --> b', GITHUB_JOB: 'j' })).toBe(
      '<!-- azureml-rest-action:e:a -- b:j -->'
    )
  })

  it('finds the pull request number only on pull_request events', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pr-event-'))
    const path = join(dir, 'event.json')
    writeFileSync(path, JSON.stringify({ pull_request: { number: 12 } }))
    expect(pullRequestNumber({ GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: path })).toBe(12)
    expect(pullRequestNumber({ GITHUB_EVENT_NAME: 'pull_request_target', GITHUB_EVENT_PATH: path })).toBe(12)
    expect(pullRequestNumber({ GITHUB_EVENT_NAME: 'push', GITHUB_EVENT_PATH: path })).toBeUndefined()
    expect(
      pullRequestNumber({ GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: join(dir, 'none') })
    ).toBeUndefined()
  })
})
