/**
 * Step outputs, written the moment they are known (a failure later in the step keeps them). `response` holds the JSON
 * body; it is always also written whole to `responseFile` under RUNNER_TEMP, and left empty when it is too large for
 * an output (GitHub limits a job's outputs to 1 MB in all).
 */
import * as core from '@actions/core'
import { randomUUID } from 'node:crypto'
import { writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { maskStepSecrets, rememberSecret } from '../http/redact.js'
import type { Outputs } from '../base/context.js'

export const RESPONSE_OUTPUT_LIMIT = 256 * 1024

export function createOutputs(): Outputs {
  const values: Record<string, string> = {}
  /** Service answers can echo a secret back (an error quoting the request): outputs never carry one. */
  const set = (name: string, value: string | number | boolean): void => write(name, maskStepSecrets(String(value)))
  const write = (name: string, value: string): void => {
    values[name] = value
    core.setOutput(name, value)
  }
  return {
    values,
    set,
    setSecret(name, value) {
      core.setSecret(value)
      write(name, value)
      rememberSecret(value)
    },
    setResponse(body, options) {
      const whole = options?.text ? String(body ?? '') : body === undefined ? '' : JSON.stringify(body)
      const text = maskStepSecrets(whole)
      const file = join(process.env.RUNNER_TEMP || tmpdir(), 'azureml-rest', `response-${randomUUID()}.json`)
      mkdirSync(join(file, '..'), { recursive: true })
      writeFileSync(file, text)
      set('responseFile', file)
      if (Buffer.byteLength(text) <= RESPONSE_OUTPUT_LIMIT) {
        set('response', text)
      } else {
        set('response', '')
        core.notice(
          `The response is ${Buffer.byteLength(text)} bytes, more than an output can hold well: read it from the ` +
            `responseFile output (${file}).`
        )
      }
      if (options?.count) set('count', listItems(body).length)
    }
  }
}

/** The items of an Azure list answer: `{"value": [...]}` or a bare array. */
export function listItems(body: unknown): unknown[] {
  if (Array.isArray(body)) return body
  const value = (body as { value?: unknown } | undefined)?.value
  return Array.isArray(value) ? value : []
}

/**
 * On a refusal from Azure (an AzureRequestError with a body), sets `response` to the service's whole answer: JSON
 * when it parses, else the text. The step's error line lists each error cut to a readable length; this keeps them
 * whole. Does nothing for other errors.
 */
export function setErrorResponse(outputs: Outputs, error: unknown): void {
  const body = (error as { body?: unknown } | undefined)?.body
  if (!(error instanceof Error) || error.name !== 'AzureRequestError' || typeof body !== 'string' || body === '') return
  try {
    outputs.setResponse(JSON.parse(body))
  } catch {
    outputs.setResponse(body, { text: true })
  }
}
