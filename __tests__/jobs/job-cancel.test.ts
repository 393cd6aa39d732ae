/**
 * What a cancel of a v2 job amounts to (job-cancel.ts): the decision from the cancel's HTTP answer and the job's
 * status, the words said about it, and the best-effort cancel against a scripted service (what it records for the post
 * step, the job read again after a refusal).
 */
import { testSettings } from '../../__fixtures__/fakes.js'
import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import * as core from '../../__fixtures__/core.js'
import type { CommonSettings } from '../../src/base/settings.js'
import type { HttpClient, HttpRequest, HttpResponse } from '../../src/base/http-types.js'

jest.unstable_mockModule('@actions/core', () => core)
const { cancelOutcome, describeCancel, bestEffortJobCancel } = await import('../../src/jobs/job-cancel.js')
const { isJobTerminal } = await import('../../src/jobs/job-rest.js')

const settings: CommonSettings = testSettings()
const job = {
  workspace: { subscriptionId: '00000000-0000-0000-0000-000000000001', resourceGroup: 'rg', workspaceName: 'ws' },
  name: 'job_1'
}
const STUDIO = 'https://ml.azure.com/runs/job_1?wsid=x'

/** The cancel answers `cancelStatus` (with `error`), the job GET answers `jobStatus`. */
class FakeService implements HttpClient {
  readonly requests: HttpRequest[] = []
  constructor(
    private readonly cancelStatus: number,
    private readonly jobStatus: string,
    private readonly error?: { code: string; message: string }
  ) {}
  async send(request: HttpRequest): Promise<HttpResponse> {
    this.requests.push(request)
    if (request.url.includes('/cancel')) {
      return { status: this.cancelStatus, headers: {}, body: this.error ? JSON.stringify({ error: this.error }) : '' }
    }
    const body = { name: 'job_1', properties: { status: this.jobStatus, services: { Studio: { endpoint: STUDIO } } } }
    return { status: 200, headers: {}, body: JSON.stringify(body) }
  }
  gets(): number {
    return this.requests.filter(r => r.method === 'GET').length
  }
}

beforeEach(() => core.resetCoreFixture())

describe('cancelOutcome', () => {
  it.each([
    [202, 'Running', 'requested', 'CancelRequested'],
    [200, undefined, 'requested', 'CancelRequested'],
    [202, 'CancelRequested', 'under-way', 'CancelRequested'],
    [400, 'CancelRequested', 'under-way', 'CancelRequested'],
    [400, 'Finalizing', 'finalizing', 'Finalizing'],
    [409, 'finalizing', 'finalizing', 'finalizing'],
    [202, 'Finalizing', 'finalizing', 'Finalizing'],
    [400, 'Completed', 'ended', 'Completed'],
    [400, 'Canceled', 'ended', 'Canceled'],
    [409, 'Running', 'refused', 'Running'],
    [400, undefined, 'refused', 'Unknown']
  ])('cancel %s with the job %s: %s (status %s)', (http, status, kind, reported) => {
    const outcome = cancelOutcome(http, status)
    expect(outcome.kind).toBe(kind)
    expect((outcome as { status: string }).status).toBe(reported)
  })

  it('404 is not-found whatever the status', () => {
    expect(cancelOutcome(404, 'Running')).toEqual({ kind: 'not-found' })
  })

  it('Finalizing and CancelRequested are in progress, not terminal', () => {
    for (const s of ['Finalizing', 'CancelRequested', 'NotStarted', 'Running', 'Unknown', 'SomethingNew'])
      expect(isJobTerminal(s)).toBe(false)
    for (const s of ['Completed', 'Failed', 'Canceled', 'Cancelled', 'NotResponding', 'Paused'])
      expect(isJobTerminal(s)).toBe(true)
  })
})

describe('describeCancel', () => {
  it('says a Finalizing job cannot be cancelled now and ends on its own, with its link; never that it was cancelled', () => {
    const text = describeCancel({ kind: 'finalizing', status: 'Finalizing' }, 'job_1', STUDIO)
    expect(text).toMatch(/job_1 is Finalizing .*cannot be cancelled now and will end on its own/)
    expect(text).toContain(STUDIO)
    expect(text).not.toMatch(/was cancelled/)
  })

  it('says a cancel is already under way for CancelRequested', () => {
    const text = describeCancel({ kind: 'under-way', status: 'CancelRequested' }, 'job_1', STUDIO)
    expect(text).toMatch(/already under way/)
    expect(text).toContain(STUDIO)
  })

  it('names the service’s refusal, one line', () => {
    const text = describeCancel(
      { kind: 'refused', status: 'Running', httpStatus: 409, message: 'no\n::error::x' },
      'job_1',
      STUDIO
    )
    expect(text).toMatch(/refused to cancel job job_1 \(409: no ::error::x\); it is Running/)
    expect(text).not.toContain('\n')
  })
})

describe('bestEffortJobCancel', () => {
  it('a refusal: reads the job; Finalizing leaves the outcome for the post step to look again', async () => {
    const service = new FakeService(400, 'Finalizing', { code: 'UserError', message: 'cannot be canceled' })
    const result = await bestEffortJobCancel(service, settings, job, { status: 'Running' })
    expect(result?.outcome.kind).toBe('finalizing')
    expect(result?.portalUrl).toBe(STUDIO)
    expect(service.gets()).toBe(1)
    expect(core.state.jobOutcome).toBeUndefined()
    expect(core.info.mock.calls.map(c => String(c[0])).join('\n')).toMatch(
      /cannot be cancelled now and will end on its own/
    )
  })

  it('a cancel taken: no read, recorded as cancelled', async () => {
    const service = new FakeService(202, 'Running')
    const result = await bestEffortJobCancel(service, settings, job, { status: 'Running' })
    expect(result?.outcome.kind).toBe('requested')
    expect(service.gets()).toBe(0)
    expect(core.state.jobOutcome).toBe('cancelled')
  })

  it('a job that had ended: recorded as finished', async () => {
    const result = await bestEffortJobCancel(new FakeService(400, 'Completed'), settings, job)
    expect(result?.outcome).toEqual({ kind: 'ended', status: 'Completed' })
    expect(core.state.jobOutcome).toBe('finished')
  })

  it('a failed request: a warning and undefined, never a throw', async () => {
    const broken: HttpClient = {
      send: async () => {
        throw new Error('ECONNRESET')
      }
    }
    await expect(bestEffortJobCancel(broken, settings, job)).resolves.toBeUndefined()
    expect(core.warning).toHaveBeenCalled()
  })
})
