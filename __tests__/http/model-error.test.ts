/** Issue 13 kind 9: a scoring endpoint's 424 names the model's own status and reason from its headers. */
import { describe, expect, it } from '@jest/globals'
import { formatFailure, modelErrorOf } from '../../src/http/azure-error.js'

const SCORE = 'https://ep.centralus.inference.ml.azure.com/score'

describe('a failing model', () => {
  it('424 with ms-azureml-model-error-statuscode 500 and reason model_error', () => {
    const line = formatFailure({
      method: 'POST',
      url: SCORE,
      status: 424,
      headers: {
        'ms-azureml-model-error-statuscode': '500',
        'ms-azureml-model-error-reason': 'model_error',
        'x-request-id': 'r1'
      },
      body: '{"message": "An unexpected error occurred in scoring script."}'
    })
    expect(line).toBe(
      `POST ${SCORE} failed: 424 Failed Dependency: the model answered 500 (model_error): ` +
        'An unexpected error occurred in scoring script.'
    )
  })

  it('one header alone, and text that could break the line, stay one readable line', () => {
    expect(modelErrorOf({ 'ms-azureml-model-error-statuscode': '503' })).toBe('the model answered 503')
    expect(modelErrorOf({ 'ms-azureml-model-error-reason': 'timeout\r\n::error::x' })).toBe(
      'the model failed (timeout ::error::x)'
    )
    expect(modelErrorOf({ 'x-ms-request-id': 'r' })).toBeUndefined()
  })

  it('an answer without the headers reads as before', () => {
    expect(formatFailure({ method: 'POST', url: SCORE, status: 424, headers: {}, body: '' })).toBe(
      `POST ${SCORE} failed: 424 Failed Dependency`
    )
  })
})
