/**
 * The x-azureml-token of a user-identity job (jobs/user-identity.ts): asked for only when the job's identity is
 * UserIdentity, for the cloud's Azure ML resource, refused with a message naming the YAML line and what to fix.
 */
import { describe, expect, it, jest } from '@jest/globals'
import * as core from '../../__fixtures__/core.js'
import { parseCliYaml } from '../../src/cli-yaml/load.js'
import { getCloud } from '../../src/auth/clouds.js'
import { AuthenticationError } from '../../src/base/errors.js'
import type { Context } from '../../src/base/context.js'
import type { CommonSettings } from '../../src/base/settings.js'

jest.unstable_mockModule('@actions/core', () => core)
const { usesUserIdentity, userIdentityHeaders } = await import('../../src/jobs/user-identity.js')

const source = parseCliYaml('type: command\ncommand: echo\nidentity:\n  type: user_identity\n', 'job.yml', {
  input: 'job',
  kind: 'job',
  fieldsHint: 'type, command'
})

function settingsFor(cloud: string): CommonSettings {
  const { armEndpoint, authorityHost, audience, portalHost, amlResource } = getCloud(cloud)
  return {
    endpoints: { armEndpoint, authorityHost, audience, portalHost, amlResource },
    apiVersion: '2019-11-01',
    v2ApiVersion: '2024-04-01',
    dryRun: false,
    wait: true,
    timeoutMinutes: 10
  }
}

/** A JWT-shaped token with this `aud` (unsigned: only the claims are read). */
function jwt(aud: string): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url')
  return `${part({ alg: 'none' })}.${part({ aud, exp: 2_000_000_000 })}.sig`
}

function contextWith(getToken: (resource: string) => Promise<{ token: string; expiresOn: number }>) {
  const calls: string[] = []
  const ctx = {
    tokens: {
      getToken: async (resource: string) => {
        calls.push(resource)
        return getToken(resource)
      }
    }
  } as unknown as Context
  return { ctx, calls }
}

const userJob = { properties: { jobType: 'Command', identity: { identityType: 'UserIdentity' } } }

describe('usesUserIdentity', () => {
  it.each([
    [userJob, true],
    [{ properties: { jobType: 'Pipeline', identity: { identityType: 'UserIdentity' } } }, true],
    [{ properties: { jobType: 'Command', identity: { identityType: 'AMLToken' } } }, false],
    [{ properties: { jobType: 'Command', identity: { identityType: 'Managed', clientId: 'x' } } }, false],
    [{ properties: { jobType: 'Command' } }, false],
    [{ properties: { identity: 'UserIdentity' } }, false],
    [{}, false]
  ])('%j → %s', (body, expected) => {
    expect(usesUserIdentity(body)).toBe(expected)
  })
})

describe('userIdentityHeaders', () => {
  it('asks for no token for a job without a user identity', async () => {
    const { ctx, calls } = contextWith(async () => ({ token: jwt('https://ml.azure.com'), expiresOn: 0 }))
    const out = await userIdentityHeaders(
      ctx,
      settingsFor('AzureCloud'),
      { properties: { jobType: 'Command' } },
      source
    )
    expect(out).toEqual({ headers: {}, secrets: [] })
    expect(calls).toEqual([])
  })

  it.each([
    ['AzureCloud', 'https://ml.azure.com'],
    ['AzureUSGovernment', 'https://ml.azure.us'],
    ['AzureChinaCloud', 'https://ml.azure.cn']
  ])('in %s sends a token for %s as x-azureml-token', async (cloud, resource) => {
    const token = jwt(resource)
    const { ctx, calls } = contextWith(async () => ({ token, expiresOn: 0 }))
    const out = await userIdentityHeaders(ctx, settingsFor(cloud), userJob, source)
    expect(calls).toEqual([resource])
    expect(out).toEqual({ headers: { 'x-azureml-token': token }, secrets: [token] })
  })

  it('fails naming the YAML line and what the principal needs when no token can be had', async () => {
    const { ctx } = contextWith(async () => {
      throw new AuthenticationError('Entra ID did not issue a token (HTTP 400, AADSTS500011): not found.')
    })
    const error = await userIdentityHeaders(ctx, settingsFor('AzureCloud'), userJob, source).then(
      () => new Error('no error'),
      (e: unknown) => e as Error
    )
    expect(error).toBeInstanceOf(AuthenticationError)
    expect(error.message).toContain('AADSTS500011')
    expect(error.message).toContain('job.yml:4: identity.type: user_identity')
    expect(error.message).toContain('service principal or federated identity')
    expect(error.message).toContain('can get a token for https://ml.azure.com (scope https://ml.azure.com/.default)')
  })

  it('refuses a token for another audience, as azure-ai-ml does', async () => {
    const { ctx } = contextWith(async () => ({ token: jwt('https://management.azure.com/'), expiresOn: 0 }))
    const error = await userIdentityHeaders(ctx, settingsFor('AzureCloud'), userJob, source).then(
      () => new Error('no error'),
      (e: unknown) => e as Error
    )
    expect(error).toBeInstanceOf(AuthenticationError)
    expect(error.message).toContain("audience 'https://management.azure.com/'")
  })

  it('accepts the audience with a trailing slash (a v1 token for https://ml.azure.com/)', async () => {
    const token = jwt('https://ml.azure.com/')
    const { ctx } = contextWith(async () => ({ token, expiresOn: 0 }))
    const out = await userIdentityHeaders(ctx, settingsFor('AzureCloud'), userJob, source)
    expect(out.headers['x-azureml-token']).toBe(token)
  })
})
