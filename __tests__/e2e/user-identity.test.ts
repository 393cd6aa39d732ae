/**
 * A job with `identity: {type: user_identity}` through the bundle against the emulator: the job PUT carries an
 * `x-azureml-token` header (a token for the Azure ML resource, as azure-ai-ml 1.4 sends it), which never shows in
 * the log, also with debug logging; the emulator refuses such a job without one; other jobs send no such header.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import type { Emulator } from '../../emulator/index.js'
import { readJwtClaims } from '../../src/auth/jwt.js'
import { emulatorForTests, errorOf, expectNoSecret, step, workspaceInputs } from './helpers.js'

const USER_IDENTITY = '__tests__/e2e/fixtures/jobs/user-identity/job.yml'
const HELLO = 'examples/jobs/hello.yml'
const AML = 'https://ml.azure.com'

let emu: Emulator
beforeAll(async () => {
  emu = await emulatorForTests()
})
afterAll(async () => {
  await emu?.close()
})
beforeEach(() => emu.reset())

function jobInputs(job: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    operation: 'submit-job',
    ...workspaceInputs(emu),
    job,
    set: `compute=azureml:${emu.seed.computeName}`,
    ...extra
  }
}

const jobPuts = () => emu.requests.filter(r => r.method === 'PUT' && /\/jobs\/[^/]+$/.test(r.path))
/** Token requests for the Azure ML resource (v1: `resource=` in the form body). */
const amlTokenRequests = () =>
  emu.requests.filter(r => r.path.includes('/oauth2/') && new URLSearchParams(r.body).get('resource') === AML)

async function armToken(): Promise<string> {
  const response = await fetch(`${emu.url}/${emu.seed.tenantId}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: emu.seed.clientId,
      client_secret: emu.seed.clientSecret,
      resource: `${emu.url}/`
    })
  })
  return ((await response.json()) as { access_token: string }).access_token
}

describe('submit-job with a user identity', () => {
  it('sends x-azureml-token (a token for https://ml.azure.com) on the job PUT, masked, never logged with debug on', async () => {
    const result = await step(jobInputs(USER_IDENTITY), { env: { RUNNER_DEBUG: '1' } })
    expect(errorOf(result)).toBe('')
    expect(result.exitCode).toBe(0)
    expect(result.outputs.status).toBe('Completed')
    expect(jobPuts()).toHaveLength(1)
    const put = jobPuts()[0]
    expect(JSON.parse(put.body).properties.identity).toEqual({ identityType: 'UserIdentity' })
    const token = put.headers['x-azureml-token']
    expect(token).toBeDefined()
    expect(readJwtClaims(token)?.aud).toBe(AML)
    expect(amlTokenRequests()).toHaveLength(1)
    // Masked as it arrived (before any request used it), and in no form in the log, summary or outputs.
    expect(result.stdout).toContain(`::add-mask::${token}`)
    expectNoSecret(result, token)
    // Debug logging was on, and shows the header only redacted.
    expect(result.stdout).toContain('::debug::')
    expect(result.stdout).toMatch(/"x-azureml-token":"\*\*\*"/)
  })

  it('sends the header again on the PUT retried after a connection reset', async () => {
    emu.faults.add({ match: { operationId: 'Jobs_CreateOrUpdate' }, kind: 'reset', times: 1 })
    const result = await step(jobInputs(USER_IDENTITY, { wait: 'false' }), { env: { RUNNER_DEBUG: '1' } })
    expect(errorOf(result)).toBe('')
    expect(result.exitCode).toBe(0)
    const puts = jobPuts()
    expect(puts).toHaveLength(2)
    const tokens = puts.map(p => p.headers['x-azureml-token'])
    for (const token of tokens) {
      expect(readJwtClaims(token ?? '')?.aud).toBe(AML)
      expectNoSecret(result, token as string)
    }
  })

  it('fails before any upload or PUT when no token for https://ml.azure.com can be had, saying what to fix', async () => {
    // Entra's answer for a resource the principal cannot get a token for (AADSTS500011), on the second token request:
    // the first is ARM's (checked below: the refused request is the Azure ML one).
    emu.faults.add({
      match: { path: '/oauth2/' },
      kind: 'status',
      status: 400,
      after: 1,
      times: 1,
      body: {
        error: 'invalid_resource',
        error_description:
          'AADSTS500011: The resource principal named https://ml.azure.com was not found in the tenant named ' +
          `${emu.seed.tenantId}. Trace ID: x Correlation ID: y Timestamp: 2026-01-01 00:00:00Z`,
        error_codes: [500011]
      }
    })
    const result = await step(jobInputs(USER_IDENTITY), { env: { RUNNER_DEBUG: '1' } })
    expect(result.exitCode).not.toBe(0)
    const refused = emu.requests.filter(r => r.path.includes('/oauth2/') && r.status === 400)
    expect(refused.map(r => new URLSearchParams(r.body).get('resource'))).toEqual([AML])
    const error = errorOf(result)
    expect(error).toContain('AADSTS500011')
    expect(error).toContain(`can get a token for ${AML}`)
    expect(error).toMatch(/service principal or federated identity/)
    expect(jobPuts()).toHaveLength(0)
    // Nothing uploaded or registered: the inline environment is not created either.
    expect(emu.requests.filter(r => r.method === 'PUT')).toHaveLength(0)
  })

  it('a job without a user identity sends no x-azureml-token and asks for no such token', async () => {
    const result = await step(jobInputs(HELLO, { wait: 'false' }))
    expect(errorOf(result)).toBe('')
    expect(result.exitCode).toBe(0)
    expect(jobPuts()).toHaveLength(1)
    expect(jobPuts()[0].headers['x-azureml-token']).toBeUndefined()
    expect(amlTokenRequests()).toHaveLength(0)
  })
})

describe('the emulator, as Azure', () => {
  const ws = () =>
    `/subscriptions/${emu.seed.subscriptionId}/resourceGroups/${emu.seed.resourceGroup}` +
    `/providers/Microsoft.MachineLearningServices/workspaces/${emu.seed.workspaceName}`
  const body = {
    properties: {
      jobType: 'Command',
      command: 'echo hi',
      environmentId: 'azureml://registries/azureml/environments/sklearn-1.5/versions/1',
      computeId: 'cpu-cluster',
      identity: { identityType: 'UserIdentity' }
    }
  }
  const put = async (name: string, headers: Record<string, string>) =>
    fetch(`${emu.url}${ws()}/jobs/${name}?api-version=2024-04-01`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await armToken()}`, ...headers },
      body: JSON.stringify({ ...body, properties: { ...body.properties, computeId: emu.seed.computeName } })
    })

  it('refuses a user-identity job without x-azureml-token, or with a token for another audience; accepts a valid one', async () => {
    const missing = await put('ui_missing', {})
    expect(missing.status).toBe(400)
    expect(await missing.text()).toContain('x-azureml-token')
    const wrong = await put('ui_wrong', { 'x-azureml-token': await armToken() })
    expect(wrong.status).toBe(400)
    expect(await wrong.text()).toContain('audience')
    const forged = await put('ui_forged', { 'x-azureml-token': 'not-a-token' })
    expect(forged.status).toBe(400)
    const response = await fetch(`${emu.url}/${emu.seed.tenantId}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: emu.seed.clientId,
        client_secret: emu.seed.clientSecret,
        resource: AML
      })
    })
    const aml = ((await response.json()) as { access_token: string }).access_token
    const ok = await put('ui_ok', { 'x-azureml-token': aml })
    expect(ok.status).toBe(201)
  })
})
