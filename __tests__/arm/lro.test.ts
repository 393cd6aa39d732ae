import { describe, expect, it, jest } from '@jest/globals'

const warnings: string[] = []
jest.unstable_mockModule('@actions/core', async () => ({
  ...(await import('../../__fixtures__/core.js')),
  warning: (message: string) => warnings.push(message)
}))
const { waitForLro, DEFAULT_ARM_POLL_MS, MIN_POLL_MS } = await import('../../src/arm/lro.js')
const { AzureRequestError, OperationFailedError, TimeoutError } = await import('../../src/base/errors.js')
const { FakeClock, FakeHttp, START } = await import('../../__fixtures__/fakes.js')

const RESOURCE = 'https://arm.test/subscriptions/s/rg/providers/x/computes/c?api-version=2019-11-01'
const ASYNC = 'https://arm.test/operations/op1'
const LOCATION = 'https://arm.test/operationResults/op1'

function json(status: number, body: unknown, headers: Record<string, string> = {}) {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }
}

/** Records each sleep so tests see the waits chosen. */
class RecordingClock extends FakeClock {
  readonly waits: number[] = []
  override async sleep(ms: number): Promise<void> {
    this.waits.push(ms)
    await super.sleep(ms)
  }
}

function setup(
  initial: { status: number; headers?: Record<string, string>; body?: unknown },
  kind: 'create' | 'delete' = 'create',
  minutes = 60
) {
  const http = new FakeHttp()
  const clock = new RecordingClock()
  const progress: string[] = []
  const run = () =>
    waitForLro({
      http,
      clock,
      auth: { kind: 'token', resource: 'https://arm.test/' },
      initial: {
        status: initial.status,
        headers: initial.headers ?? {},
        body: initial.body === undefined ? '' : JSON.stringify(initial.body)
      },
      resourceUrl: RESOURCE,
      kind,
      deadline: START + minutes * 60_000,
      description: 'compute c',
      onProgress: s => progress.push(s)
    })
  return { http, clock, progress, run }
}

describe('Azure-AsyncOperation', () => {
  it('polls until Succeeded, honouring Retry-After, then GETs the resource', async () => {
    const { http, clock, progress, run } = setup({
      status: 201,
      headers: { 'azure-asyncoperation': ASYNC, 'retry-after': '5' },
      body: { properties: { provisioningState: 'Creating' } }
    })
    http.reply(
      json(200, { status: 'InProgress' }, { 'retry-after': '7' }),
      json(200, { status: 'InProgress' }),
      json(200, { status: 'Succeeded' }),
      json(200, { name: 'c', properties: { provisioningState: 'Succeeded' } })
    )
    const result = await run()
    expect(result.state).toBe('Succeeded')
    expect(result.body).toEqual({ name: 'c', properties: { provisioningState: 'Succeeded' } })
    expect(http.requests.map(r => r.url)).toEqual([ASYNC, ASYNC, ASYNC, RESOURCE])
    expect(clock.waits).toEqual([5_000, 7_000, DEFAULT_ARM_POLL_MS])
    expect(progress).toEqual(['InProgress', 'InProgress'])
  })

  it('prefers Azure-AsyncOperation over Location', async () => {
    const { http, run } = setup(
      { status: 202, headers: { 'azure-asyncoperation': ASYNC, location: LOCATION, 'retry-after': '1' } },
      'delete'
    )
    http.reply(json(200, { status: 'Succeeded' }))
    await expect(run()).resolves.toMatchObject({ state: 'Succeeded' })
    expect(http.requests.map(r => r.url)).toEqual([ASYNC])
  })

  it.each([
    ['Failed', 'ended Failed'],
    ['failed', 'ended Failed'],
    ['Canceled', 'ended Canceled'],
    ['CANCELLED', 'ended Canceled']
  ])('a %s status fails with error.code and error.message', async (status, phrase) => {
    const { http, run } = setup({ status: 201, headers: { 'azure-asyncoperation': ASYNC, 'retry-after': '1' } })
    http.reply(json(200, { status, error: { code: 'QuotaExceeded', message: 'Operation results in exceeding quota' } }))
    const error = await run().catch(e => e)
    expect(error).toBeInstanceOf(OperationFailedError)
    expect(error.message).toBe(`Compute c ${phrase}: QuotaExceeded: Operation results in exceeding quota`)
  })

  it('a status matched case-insensitively: SUCCEEDED', async () => {
    const { http, run } = setup({ status: 201, headers: { 'azure-asyncoperation': ASYNC, 'retry-after': '1' } })
    http.reply(json(200, { status: 'SUCCEEDED' }), json(200, { name: 'c' }))
    await expect(run()).resolves.toMatchObject({ state: 'Succeeded', body: { name: 'c' } })
  })

  it('a failed status read (a 503 after the client retries) is read again, not a failed operation', async () => {
    warnings.length = 0
    const { http, run } = setup({ status: 201, headers: { 'azure-asyncoperation': ASYNC, 'retry-after': '1' } })
    http.reply(
      new AzureRequestError('GET failed: 503', 503),
      new Error('socket hang up'),
      json(200, { status: 'Succeeded' }),
      json(200, { name: 'c' })
    )
    await expect(run()).resolves.toMatchObject({ state: 'Succeeded' })
    expect(warnings).toHaveLength(2)
    expect(warnings[0]).toMatch(/Reading the state of compute c failed; trying again/)
  })
})

describe('Location', () => {
  it('202 while running, 200 when done; the resource is read when the answer is not it', async () => {
    const { http, clock, run } = setup({ status: 202, headers: { location: LOCATION, 'retry-after': '10' } })
    http.reply(json(202, '', { 'retry-after': '3' }), { status: 200, headers: {}, body: '' }, json(200, { name: 'ws' }))
    await expect(run()).resolves.toEqual({ state: 'Succeeded', body: { name: 'ws' } })
    expect(http.requests.map(r => r.url)).toEqual([LOCATION, LOCATION, RESOURCE])
    expect(clock.waits).toEqual([10_000, 3_000])
  })

  it('204 ends a delete', async () => {
    const { http, run } = setup({ status: 202, headers: { location: LOCATION, 'retry-after': '1' } }, 'delete')
    http.reply({ status: 204, headers: {}, body: '' })
    await expect(run()).resolves.toMatchObject({ state: 'Succeeded' })
    expect(http.requests).toHaveLength(1)
  })

  it('a 4xx from the Location poll is the operation failing', async () => {
    const { http, run } = setup({ status: 202, headers: { location: LOCATION, 'retry-after': '1' } })
    http.reply(
      new AzureRequestError(
        'GET failed: 409 Conflict: StorageAccountNotFound: the storage account does not exist',
        409,
        'StorageAccountNotFound'
      )
    )
    const error = await run().catch(e => e)
    expect(error).toBeInstanceOf(OperationFailedError)
    expect(error.message).toMatch(/^Compute c failed: .*StorageAccountNotFound/)
  })
})

describe('provisioningState fallback', () => {
  it('polls the resource until a terminal provisioningState', async () => {
    const { http, clock, run } = setup({ status: 201, body: { properties: { provisioningState: 'Creating' } } })
    http.reply(
      json(200, { properties: { provisioningState: 'Creating' } }),
      json(200, { name: 'c', properties: { provisioningState: 'Succeeded' } })
    )
    await expect(run()).resolves.toEqual({
      state: 'Succeeded',
      body: { name: 'c', properties: { provisioningState: 'Succeeded' } }
    })
    expect(http.requests.map(r => r.url)).toEqual([RESOURCE, RESOURCE])
    expect(clock.waits).toEqual([DEFAULT_ARM_POLL_MS, DEFAULT_ARM_POLL_MS])
  })

  it('a resource Failed carries properties.error', async () => {
    const { http, run } = setup({ status: 201, body: { properties: { provisioningState: 'Creating' } } })
    http.reply(
      json(200, { properties: { provisioningState: 'Failed', error: { code: 'BadVm', message: 'no such size' } } })
    )
    await expect(run()).rejects.toThrow('Compute c ended Failed: BadVm: no such size')
  })

  it('an AmlCompute Failed carries properties.provisioningErrors', async () => {
    const { http, run } = setup({ status: 201, body: { properties: { provisioningState: 'Creating' } } })
    http.reply(
      json(200, {
        properties: {
          provisioningState: 'Failed',
          provisioningErrors: [{ error: { code: 'QuotaExceeded', message: 'exceeds the cores quota' } }]
        }
      })
    )
    await expect(run()).rejects.toThrow('Compute c ended Failed: QuotaExceeded: exceeds the cores quota')
  })

  it('a delete ends when the resource answers 404', async () => {
    const { http, run } = setup({ status: 202 }, 'delete')
    http.reply(json(200, { properties: { provisioningState: 'Deleting' } }), json(404, { error: { code: 'NotFound' } }))
    await expect(run()).resolves.toMatchObject({ state: 'Succeeded' })
    expect(http.requests[1].acceptStatus).toContain(404)
  })

  it('an answer that is already terminal needs no request', async () => {
    const { http, run } = setup({ status: 200, body: { name: 'c', properties: { provisioningState: 'Succeeded' } } })
    await expect(run()).resolves.toEqual({
      state: 'Succeeded',
      body: { name: 'c', properties: { provisioningState: 'Succeeded' } }
    })
    expect(http.requests).toHaveLength(0)
  })

  it('a delete answered 204 is done', async () => {
    const { http, run } = setup({ status: 204 }, 'delete')
    await expect(run()).resolves.toMatchObject({ state: 'Succeeded' })
    expect(http.requests).toHaveLength(0)
  })
})

describe('waiting', () => {
  it('never polls faster than MIN_POLL_MS, even with Retry-After: 0', async () => {
    const { http, clock, run } = setup({ status: 201, headers: { 'azure-asyncoperation': ASYNC, 'retry-after': '0' } })
    http.reply(json(200, { status: 'Succeeded' }), json(200, {}))
    await run()
    expect(clock.waits).toEqual([MIN_POLL_MS])
  })

  it('fails at the deadline saying what is still in progress, without sleeping past it', async () => {
    const { http, clock, run } = setup(
      { status: 201, headers: { 'azure-asyncoperation': ASYNC, 'retry-after': '60' } },
      'create',
      2.5
    )
    http.reply(
      json(200, { status: 'InProgress' }, { 'retry-after': '60' }),
      json(200, { status: 'InProgress' }, { 'retry-after': '60' })
    )
    const error = await run().catch(e => e)
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error.message).toMatch(/Timed out waiting for compute c: it is still in progress/)
    expect(clock.now()).toBeLessThanOrEqual(START + 2.5 * 60_000)
    expect(clock.waits).toEqual([60_000, 60_000])
  })
})
