/**
 * ARM long-running operations (issue 13): the latest URL the service gave is polled (kind 4), a 404 while polling a
 * delete means deleted (kind 6), every error of a failed operation is listed, each cut to a readable length (kind 5),
 * and a create waits for a deletion of the same name, bounded by the deadline (kind 6).
 */
import { describe, expect, it, jest } from '@jest/globals'

const debugs: string[] = []
const infos: string[] = []
jest.unstable_mockModule('@actions/core', async () => ({
  ...(await import('../../__fixtures__/core.js')),
  debug: (message: string) => debugs.push(message),
  info: (message: string) => infos.push(message)
}))
const { waitForLro, LroFailedError } = await import('../../src/arm/lro.js')
const { waitUntilDeleted, DELETING_POLL_MS } = await import('../../src/arm/lifecycle.js')
const { TimeoutError } = await import('../../src/base/errors.js')
const { createOutputs } = await import('../../src/action/outputs.js')
const { FakeClock, FakeHttp, START } = await import('../../__fixtures__/fakes.js')

const RESOURCE = 'https://arm.test/subscriptions/s/rg/providers/x/computes/c?api-version=2019-11-01'
const OP1 = 'https://arm.test/operationResults/op1'
const OP2 = 'https://arm.test/operationResults/op2'
const ASYNC1 = 'https://arm.test/operationsStatus/a1'
const ASYNC2 = 'https://arm.test/operationsStatus/a2'

function json(status: number, body: unknown, headers: Record<string, string> = {}) {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }
}

function lro(
  http: InstanceType<typeof FakeHttp>,
  initial: { status: number; headers?: Record<string, string>; body?: unknown },
  kind: 'create' | 'delete' = 'create',
  minutes = 60
) {
  return waitForLro({
    http,
    clock: new FakeClock(),
    auth: { kind: 'token', resource: 'https://arm.test/' },
    initial: {
      status: initial.status,
      headers: initial.headers ?? {},
      body: initial.body === undefined ? '' : JSON.stringify(initial.body)
    },
    resourceUrl: RESOURCE,
    kind,
    deadline: START + minutes * 60_000,
    description: 'compute c'
  })
}

describe('a long-running operation that moves', () => {
  it('Location op1 answers 202 with Location op2: op2 is polled next, and its 200 ends the wait', async () => {
    const http = new FakeHttp().reply(
      { status: 202, headers: { location: OP2, 'retry-after': '1' }, body: '' },
      json(200, { name: 'c', properties: { provisioningState: 'Succeeded' } })
    )
    const result = await lro(http, { status: 202, headers: { location: OP1, 'retry-after': '1' } })
    expect(result.state).toBe('Succeeded')
    expect(http.requests.map(r => r.url)).toEqual([OP1, OP2])
  })

  it('a relative Location is resolved against the URL that gave it', async () => {
    const http = new FakeHttp().reply(
      { status: 202, headers: { location: '/operationResults/op2', 'retry-after': '1' }, body: '', url: OP1 },
      { status: 202, headers: { 'retry-after': '1' }, body: '' },
      json(200, { name: 'c', properties: { provisioningState: 'Succeeded' } })
    )
    await lro(http, { status: 202, headers: { location: OP1, 'retry-after': '1' } })
    // op2 keeps being polled when its own answer names no new URL.
    expect(http.requests.map(r => r.url)).toEqual([OP1, OP2, OP2])
  })

  it('Azure-AsyncOperation moves too: the newest status URL is polled', async () => {
    const http = new FakeHttp().reply(
      json(200, { status: 'InProgress' }, { 'azure-asyncoperation': ASYNC2, 'retry-after': '1' }),
      json(200, { status: 'Succeeded' }),
      json(200, { name: 'c', properties: { provisioningState: 'Succeeded' } })
    )
    await lro(http, { status: 201, headers: { 'azure-asyncoperation': ASYNC1, 'retry-after': '1' } })
    expect(http.requests.map(r => r.url)).toEqual([ASYNC1, ASYNC2, RESOURCE])
  })

  it('a delete whose Location moves: the last URL answers 204', async () => {
    const http = new FakeHttp().reply(
      { status: 202, headers: { location: OP2, 'retry-after': '1' }, body: '' },
      { status: 204, headers: {}, body: '' }
    )
    await expect(lro(http, { status: 202, headers: { location: OP1 } }, 'delete')).resolves.toMatchObject({
      state: 'Succeeded'
    })
    expect(http.requests.map(r => r.url)).toEqual([OP1, OP2])
  })
})

describe('a 404 while polling a delete', () => {
  it('Location answers 404: the resource is read, answers 404 too: deleted', async () => {
    const http = new FakeHttp().reply(json(404, { error: { code: 'NotFound' } }), json(404, { error: {} }))
    await expect(lro(http, { status: 202, headers: { location: OP1 } }, 'delete')).resolves.toMatchObject({
      state: 'Succeeded'
    })
    expect(http.requests.map(r => r.url)).toEqual([OP1, RESOURCE])
    expect(http.requests.every(r => r.acceptStatus?.includes(404))).toBe(true)
  })

  it('Azure-AsyncOperation answers 404 while the resource is still Deleting: the resource is polled until gone', async () => {
    const http = new FakeHttp().reply(
      json(404, { error: { code: 'NotFound' } }),
      json(200, { properties: { provisioningState: 'Deleting' } }),
      json(404, { error: {} })
    )
    await expect(
      lro(http, { status: 202, headers: { 'azure-asyncoperation': ASYNC1 } }, 'delete')
    ).resolves.toMatchObject({ state: 'Succeeded' })
    expect(http.requests.map(r => r.url)).toEqual([ASYNC1, RESOURCE, RESOURCE])
  })
})

describe('every error, readable', () => {
  const long = `The property vmSize is invalid: ${'x'.repeat(3000)}`
  const failed = {
    properties: {
      provisioningState: 'Failed',
      provisioningErrors: [
        {
          error: {
            code: 'InvalidPropertyValue',
            message: long,
            details: [{ code: 'VmSizeNotSupported', message: 'STANDARD_Q9 is not offered in centralus' }]
          }
        },
        { error: { code: 'QuotaExceeded', message: 'exceeds the standardDv2Family cores quota' } }
      ]
    }
  }

  it('a compute Failed with two provisioningErrors: both codes and messages, details too, each cut', async () => {
    const http = new FakeHttp().reply(json(200, failed))
    const error = await lro(http, { status: 201, body: { properties: { provisioningState: 'Creating' } } }).catch(
      e => e
    )
    expect(error).toBeInstanceOf(LroFailedError)
    expect(error.errors.map((e: { code?: string }) => e.code)).toEqual(['InvalidPropertyValue', 'QuotaExceeded'])
    expect(error.message).toMatch(/^Compute c ended Failed: 2 errors: \(1\) InvalidPropertyValue: The property vmSize/)
    expect(error.message).toContain('more characters]')
    expect(error.message).toContain('[details: VmSizeNotSupported: STANDARD_Q9 is not offered in centralus]')
    expect(error.message).toContain('(2) QuotaExceeded: exceeds the standardDv2Family cores quota')
    expect(error.message.length).toBeLessThan(1000)
    expect(error.message).not.toMatch(/\n/)
    // The whole answer is in the debug log.
    expect(debugs.some(line => line.includes(long))).toBe(true)
  })

  it('an Azure-AsyncOperation Failed: error.code, error.message and every detail', async () => {
    const http = new FakeHttp().reply(
      json(200, {
        status: 'Failed',
        error: {
          code: 'DeploymentFailed',
          message: 'At least one resource deployment operation failed.',
          details: [
            { code: 'Conflict', message: 'The storage account is in another region.' },
            { code: 'BadRequest', message: 'The key vault has purge protection off.' }
          ]
        }
      })
    )
    const error = await lro(http, { status: 201, headers: { 'azure-asyncoperation': ASYNC1 } }).catch(e => e)
    expect(error.message).toBe(
      'Compute c ended Failed: DeploymentFailed: At least one resource deployment operation failed. [details: ' +
        'Conflict: The storage account is in another region.; BadRequest: The key vault has purge protection off.]'
    )
  })
})

describe('a create while the resource of that name is being deleted', () => {
  const context = (minutes: number) => {
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
    return { ctx, http, clock, outputs }
  }
  const deleting = json(200, { properties: { provisioningState: 'Deleting' } })
  const resource = { auth: { kind: 'none' } as const, url: RESOURCE, what: 'compute c', resourceId: '/computes/c' }

  it('waits, saying so, until the resource answers 404', async () => {
    const { ctx, http, clock } = context(10)
    http.reply(deleting, deleting, json(404, {}))
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    await waitUntilDeleted(ctx as any, { ...resource, current: deleting })
    expect(http.requests).toHaveLength(3)
    expect(clock.now() - START).toBe(3 * DELETING_POLL_MS)
    expect(infos.some(line => /compute c is being deleted .* waiting until it is gone/.test(line))).toBe(true)
  })

  it('at the deadline: a TimeoutError saying it was not created; provisioningState Deleting', async () => {
    const { ctx, http, outputs } = context(0.2)
    for (let i = 0; i < 5; i++) http.reply(deleting)
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const error = await waitUntilDeleted(ctx as any, { ...resource, current: deleting }).catch(e => e)
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error.message).toMatch(/still being deleted, so it was not created/)
    expect(outputs.values.provisioningState).toBe('Deleting')
    expect(outputs.values.resourceId).toBe('/computes/c')
  })
})
