/**
 * createIdempotently (issue 13, kind 3): after an unclear failure of a create, the resource is looked up by the id the
 * action chose before the create is sent again; a clear refusal is retried without a look-up.
 */
import { describe, expect, it, jest } from '@jest/globals'

const infos: string[] = []
jest.unstable_mockModule('@actions/core', async () => ({
  ...(await import('../../__fixtures__/core.js')),
  info: (message: string) => infos.push(message)
}))
const { createIdempotently } = await import('../../src/arm/idempotent-create.js')
const { AzureRequestError, OperationFailedError, TimeoutError } = await import('../../src/base/errors.js')
const { HttpNetworkError } = await import('../../src/http/errors.js')
const { FakeClock, FakeHttp, START } = await import('../../__fixtures__/fakes.js')

const CREATE = 'https://api.test/execution/startrun?runId=run-1'
const RUN = 'https://api.test/history/runs/run-1'

class RecordingClock extends FakeClock {
  readonly waits: number[] = []
  override async sleep(ms: number): Promise<void> {
    this.waits.push(ms)
    await super.sleep(ms)
  }
}

function setup(minutes = 10) {
  const http = new FakeHttp()
  const clock = new RecordingClock()
  const lookups: number[] = []
  const create = () =>
    createIdempotently({
      http,
      clock,
      deadline: START + minutes * 60_000,
      what: 'run run-1',
      request: { method: 'POST', url: CREATE, auth: { kind: 'none' }, body: 'zip' },
      lookup: async () => {
        lookups.push(clock.now())
        const response = await http.send({ method: 'GET', url: RUN, auth: { kind: 'none' }, acceptStatus: [404] })
        return response.status === 404 ? undefined : response
      }
    })
  return { http, clock, lookups, create }
}

const reset = () => new HttpNetworkError(`POST ${CREATE} failed: ECONNRESET: socket hang up`, 'ECONNRESET')
const ok = (body: unknown) => ({ status: 200, headers: {}, body: JSON.stringify(body) })
const notFound = { status: 404, headers: {}, body: '{"error":{"code":"NotFound"}}' }

describe('a create whose answer is lost', () => {
  it('looks the run up by its id before sending startrun again, and follows the run it finds', async () => {
    const { http, create } = setup()
    http.reply(reset(), ok({ runId: 'run-1', status: 'Running' }))
    const outcome = await create()
    expect(outcome.kind).toBe('found')
    expect(JSON.parse(outcome.response.body)).toEqual({ runId: 'run-1', status: 'Running' })
    expect(http.requests.map(r => `${r.method} ${r.url}`)).toEqual([`POST ${CREATE}`, `GET ${RUN}`])
    // The create is one attempt at a time: the client's own retries would re-send it blindly.
    expect(http.requests[0].retry?.maxAttempts).toBe(1)
    expect(infos.some(line => /looking it up by its id/.test(line))).toBe(true)
  })

  it('a 503 that may have been processed: looked up (404), then created again after the backoff', async () => {
    const { http, clock, lookups, create } = setup()
    http.reply(
      { status: 503, headers: { 'retry-after': '4' }, body: '{"error":{"code":"ServiceUnavailable"}}' },
      notFound,
      ok({ runId: 'run-1' })
    )
    const outcome = await create()
    expect(outcome.kind).toBe('created')
    expect(http.requests.map(r => r.method)).toEqual(['POST', 'GET', 'POST'])
    expect(lookups).toEqual([START])
    expect(clock.waits).toHaveLength(1)
    expect(clock.waits[0]).toBeGreaterThanOrEqual(4_000)
  })

  it('"already exists" for its own id after a lost answer means the first attempt worked', async () => {
    const { http, create } = setup()
    http.reply(
      reset(),
      notFound, // not visible yet
      new AzureRequestError(
        'POST failed: 409 Conflict: RunAlreadyExists: run-1 already exists',
        409,
        'RunAlreadyExists'
      ),
      ok({ runId: 'run-1', status: 'Queued' })
    )
    const outcome = await create()
    expect(outcome.kind).toBe('found')
    expect(http.requests.map(r => r.method)).toEqual(['POST', 'GET', 'POST', 'GET'])
  })

  it('"already exists" on the first attempt is a refusal: the id was taken before this step', async () => {
    const { http, create } = setup()
    http.reply(new AzureRequestError('POST failed: 409 Conflict: run-1 already exists', 409, 'Conflict'))
    await expect(create()).rejects.toThrow(/409 Conflict/)
    expect(http.requests).toHaveLength(1)
  })

  it('429 and a refused connection were not processed: sent again without a look-up, after Retry-After', async () => {
    const { http, clock, create } = setup()
    const refused = new HttpNetworkError(`POST ${CREATE} failed: ECONNREFUSED`, 'ECONNREFUSED')
    http.reply({ status: 429, headers: { 'retry-after': '7' }, body: '' }, refused, ok({ runId: 'run-1' }))
    await expect(create()).resolves.toMatchObject({ kind: 'created' })
    expect(http.requests.map(r => r.method)).toEqual(['POST', 'POST', 'POST'])
    expect(clock.waits[0]).toBeGreaterThanOrEqual(7_000)
  })

  it('a look-up that fails too: fails naming the run, which may exist; nothing sent again', async () => {
    const { http, create } = setup()
    http.reply(reset(), new HttpNetworkError(`GET ${RUN} failed: ECONNRESET`, 'ECONNRESET'))
    const error = await create().catch(e => e)
    expect(error).toBeInstanceOf(OperationFailedError)
    expect(error.message).toMatch(/ECONNRESET.*Looking the run run-1 up afterwards failed too.*may exist/)
    expect(http.requests.map(r => r.method)).toEqual(['POST', 'GET'])
  })

  it('a 400 is a clear refusal: thrown at once, no look-up', async () => {
    const { http, create } = setup()
    http.reply(new AzureRequestError('POST failed: 400 Bad Request: BadDefinition', 400, 'BadDefinition'))
    await expect(create()).rejects.toThrow(/BadDefinition/)
    expect(http.requests).toHaveLength(1)
  })

  it('resets until the deadline: a TimeoutError naming the reset, one look-up per attempt, never two creates in a row', async () => {
    const { http, create } = setup(0.05)
    for (let i = 0; i < 8; i++) http.reply(reset(), notFound)
    const error = await create().catch(e => e)
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error.message).toMatch(/ECONNRESET/)
    const methods = http.requests.map(r => r.method).join(',')
    expect(methods).not.toMatch(/POST,POST/)
    expect(methods.startsWith('POST,GET,POST')).toBe(true)
  })
})
