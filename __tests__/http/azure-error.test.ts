import { describe, expect, it } from '@jest/globals'
import { AzureRequestError } from '../../src/base/errors.js'
import {
  formatFailure,
  isExpiredTokenChallenge,
  parseServiceError,
  toAzureRequestError
} from '../../src/http/azure-error.js'

describe('parseServiceError', () => {
  it('reads the ARM shape with details', () => {
    const body = JSON.stringify({
      error: {
        code: 'InvalidTemplate',
        message: 'Deployment failed.',
        details: [{ code: 'BadSku', message: 'Sku X is not available.' }]
      }
    })
    expect(parseServiceError(body)).toEqual({
      code: 'InvalidTemplate',
      message: 'Deployment failed. (details: BadSku: Sku X is not available.)'
    })
  })
  it('reads the ML data-plane shape with nested inner codes', () => {
    const body = JSON.stringify({
      error: { code: 'UserError', message: 'Run not found', innerError: { code: 'NotFoundError' } },
      correlation: { operation: 'x' }
    })
    expect(parseServiceError(body)).toEqual({ code: 'UserError/NotFoundError', message: 'Run not found' })
  })
  it('reads the flat data-plane shape', () => {
    expect(parseServiceError('{"code":"ModelNotFound","message":"No model abc"}')).toEqual({
      code: 'ModelNotFound',
      message: 'No model abc'
    })
  })
  it('reads the Entra shape on one line', () => {
    const body = JSON.stringify({
      error: 'invalid_client',
      error_description: 'AADSTS7000215: Invalid client secret provided.\r\nTrace ID: t\r\nCorrelation ID: c'
    })
    expect(parseServiceError(body)).toEqual({
      code: 'invalid_client',
      message: 'AADSTS7000215: Invalid client secret provided. Trace ID: t Correlation ID: c'
    })
  })
  it('truncates long plain text and flattens it', () => {
    const { message } = parseServiceError(`upstream\n::error::boom ${'x'.repeat(1000)}`)
    expect(message?.startsWith('upstream ::error::boom xxx')).toBe(true)
    expect(message).toContain('more characters]')
    expect(message!.length).toBeLessThan(540)
  })
  it('summarizes an HTML page by its title', () => {
    expect(parseServiceError('<html><head><title>502 Bad Gateway</title></head><body>...</body></html>')).toEqual({
      message: '502 Bad Gateway'
    })
  })
  it('returns nothing for an empty body', () => {
    expect(parseServiceError('')).toEqual({})
  })
})

describe('formatFailure / toAzureRequestError', () => {
  it('builds the one-line message with code, message and request id, and redacts the URL', () => {
    const error = toAzureRequestError({
      method: 'PUT',
      url: 'https://management.azure.com/x?api-version=2019-11-01&sig=secret',
      status: 409,
      statusText: 'Conflict',
      headers: { 'x-ms-request-id': 'req-42' },
      body: '{"error":{"code":"Conflict","message":"Busy"}}'
    })
    expect(error).toBeInstanceOf(AzureRequestError)
    expect(error.message).toBe(
      'PUT https://management.azure.com/x?api-version=2019-11-01&sig=*** failed: 409 Conflict: Conflict: Busy (x-ms-request-id: req-42)'
    )
    expect(error).toMatchObject({ status: 409, code: 'Conflict', requestId: 'req-42' })
  })
  it('uses the standard reason phrase and omits what is missing', () => {
    expect(formatFailure({ method: 'GET', url: 'https://h/', status: 503, headers: {}, body: '' })).toBe(
      'GET https://h/ failed: 503 Service Unavailable'
    )
  })
  it('masks the request secrets echoed by the service', () => {
    const message = formatFailure({
      method: 'POST',
      url: 'https://h/',
      status: 400,
      headers: {},
      body: 'bad value: p a~ss',
      secrets: ['p a~ss']
    })
    expect(message).toBe('POST https://h/ failed: 400 Bad Request: bad value: ***')
  })
})

describe('isExpiredTokenChallenge', () => {
  it('recognizes ARM ExpiredAuthenticationToken in the body or the challenge', () => {
    const body = '{"error":{"code":"ExpiredAuthenticationToken","message":"The access token expiry UTC time..."}}'
    expect(isExpiredTokenChallenge(401, {}, body)).toBe(true)
    expect(
      isExpiredTokenChallenge(
        401,
        { 'www-authenticate': 'Bearer error="invalid_token", error_description="ExpiredAuthenticationToken"' },
        ''
      )
    ).toBe(true)
  })
  it('recognizes InvalidAuthenticationToken only when it says expired', () => {
    expect(
      isExpiredTokenChallenge(
        401,
        {},
        '{"error":{"code":"InvalidAuthenticationToken","message":"The token is expired"}}'
      )
    ).toBe(true)
    expect(
      isExpiredTokenChallenge(401, {}, '{"error":{"code":"InvalidAuthenticationToken","message":"Bad audience"}}')
    ).toBe(false)
  })
  it('ignores other statuses and plain 401s', () => {
    expect(isExpiredTokenChallenge(403, {}, '{"error":{"code":"ExpiredAuthenticationToken"}}')).toBe(false)
    expect(isExpiredTokenChallenge(401, {}, '{"error":{"code":"AuthorizationFailed"}}')).toBe(false)
  })
})
