/**
 * create-compute while a deletion of the same name is still running (kind 9 of issue 18): a PUT answered 409 "... is
 * being deleted" waits for the deletion (GET until 404, bounded by timeout-minutes, said in the log) and sends the PUT
 * again, instead of advising to delete it first. Driven with an injected clock: no real waits.
 */
import { describe, expect, it, jest } from '@jest/globals'

const infos: string[] = []
jest.unstable_mockModule('@actions/core', async () => ({
  ...(await import('../../__fixtures__/core.js')),
  info: (message: string) => infos.push(message)
}))
const { createCompute, isBeingDeletedConflict } = await import('../../src/computes/create-compute.js')
const { AzureRequestError, TimeoutError } = await import('../../src/base/errors.js')
const { DELETING_POLL_MS } = await import('../../src/arm/lifecycle.js')
const { createOutputs } = await import('../../src/action/outputs.js')
const { FakeClock, FakeHttp, START } = await import('../../__fixtures__/fakes.js')

const NAME = 'gpu-v100-1GPU-cluster'
const BEING_DELETED = `Compute '${NAME}' is being deleted; retry once the deletion has finished.`

function json(status: number, body: unknown) {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }
}
const conflict = () => new AzureRequestError(`PUT ... -> 409 Conflict: Conflict: ${BEING_DELETED}`, 409, 'Conflict')
const deleting = () => json(200, { name: NAME, properties: { provisioningState: 'Deleting' } })
const gone = () => json(404, { error: { code: 'ResourceNotFound', message: 'not found' } })
const created = () => json(201, { id: `/computes/${NAME}`, name: NAME, properties: { provisioningState: 'Creating' } })

function setUp(minutes: number) {
  infos.length = 0
  const clock = new FakeClock()
  const http = new FakeHttp()
  const outputs = createOutputs()
  const ctx = {
    http,
    clock,
    outputs,
    tokens: { getToken: () => Promise.reject(new Error('no tokens')) },
    report: { title: 't', facts: [], links: [] },
    deadline: START + minutes * 60_000
  }
  const op = {
    kind: 'create-compute',
    workspace: { subscriptionId: 's', resourceGroup: 'rg', workspaceName: 'ws' },
    computeName: NAME,
    location: 'centralus',
    body: { properties: { computeType: 'AmlCompute', properties: { vmSize: 'Standard_NC6s_v3' } } },
    fromDefinition: false,
    secrets: [],
    endpoints: { armEndpoint: 'https://arm.test/', authorityHost: '', audience: '', portalHost: 'https://ml.test' },
    apiVersion: '2024-04-01',
    v2ApiVersion: '2024-04-01',
    dryRun: false,
    wait: false,
    timeoutMinutes: minutes
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const run = () => createCompute(op as any, ctx as any)
  return { http, clock, outputs, run }
}

describe('create-compute after a 409 "being deleted"', () => {
  it('waits until the compute answers 404, saying how long it may wait, then sends the PUT again', async () => {
    const { http, clock, outputs, run } = setUp(30)
    // GET (not there yet as far as it shows), PUT 409, GET Deleting, GET Deleting, GET 404, PUT 201.
    http.reply(gone(), conflict(), deleting(), deleting(), gone(), created())
    await run()
    expect(http.requests.map(r => r.method)).toEqual(['GET', 'PUT', 'GET', 'GET', 'GET', 'PUT'])
    expect(clock.now() - START).toBe(2 * DELETING_POLL_MS)
    expect(infos.join('\n')).toMatch(/was refused \(409\): .*is being deleted/)
    expect(infos.join('\n')).toMatch(
      new RegExp(`compute ${NAME} is being deleted .*waiting until it is gone .*at most 30 min`)
    )
    expect(outputs.values.provisioningState).toBe('Creating')
    expect(outputs.values.resourceId).toBe(`/computes/${NAME}`)
  })

  it('while the GET already answers 404 but the PUT is still refused: tries again every poll interval', async () => {
    const { http, clock, run } = setUp(30)
    http.reply(gone(), conflict(), gone(), conflict(), gone(), created())
    await run()
    expect(http.requests.map(r => r.method)).toEqual(['GET', 'PUT', 'GET', 'PUT', 'GET', 'PUT'])
    expect(clock.now() - START).toBe(2 * DELETING_POLL_MS)
    expect(infos.join('\n')).toMatch(/no longer listed; waiting up to 30 min \(the rest of timeout-minutes\)/)
  })

  it('when timeout-minutes runs out first: a TimeoutError naming the compute and the deletion still running', async () => {
    const { http, outputs, run } = setUp(0.25)
    http.reply(gone(), conflict())
    for (let i = 0; i < 10; i++) http.reply(deleting())
    const error = await run().catch(e => e)
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error.message).toMatch(new RegExp(`compute ${NAME} was still being deleted, so it was not created`))
    expect(outputs.values.provisioningState).toBe('Deleting')
    expect(http.requests.filter(r => r.method === 'PUT')).toHaveLength(1)
  })

  it('another 409 (different settings) still fails at once, advising what to do', async () => {
    const { http, run } = setUp(30)
    http.reply(gone(), new AzureRequestError('409 Conflict: it already exists with different settings', 409))
    const error = await run().catch(e => e)
    expect(error).toBeInstanceOf(AzureRequestError)
    expect(error.message).toMatch(/Delete it first/)
    expect(http.requests).toHaveLength(2)
  })
})

describe('isBeingDeletedConflict', () => {
  it('knows the wordings of a deletion in progress, only on 409', () => {
    expect(isBeingDeletedConflict(new AzureRequestError(BEING_DELETED, 409))).toBe(true)
    expect(isBeingDeletedConflict(new AzureRequestError('Compute c deletion is still in progress.', 409))).toBe(true)
    expect(isBeingDeletedConflict(new AzureRequestError(BEING_DELETED, 400))).toBe(false)
    expect(isBeingDeletedConflict(new AzureRequestError('already exists with different settings', 409))).toBe(false)
  })
})
