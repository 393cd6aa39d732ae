import * as core from '@actions/core'
import { rememberSecret, secretForms, secretLines } from '../http/redact.js'

/**
 * Registers `value` and its encoded forms with the runner's log masking; returns the forms (for `HttpRequest.secrets`).
 * The runner masks base64, JSON- and URI-escaped forms of a secret itself, but not form encoding (`~` → `%7E`,
 * space → `+`), which is exactly how a token request body carries a client secret.
 */
export function maskSecret(value: string): string[] {
  const forms = [value, ...secretLines(value)].flatMap(secretForms)
  rememberSecret(value)
  for (const form of forms) core.setSecret(form)
  return forms
}
