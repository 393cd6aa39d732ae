/**
 * The `creds` input: the AZURE_CREDENTIALS JSON that `az ad sp create-for-rbac --sdk-auth` prints and Azure/login reads.
 * The whole text is a secret (the caller has masked it); the client secret inside is masked again on its own the
 * moment it is parsed, since logs may show it outside the JSON. No error here ever quotes the input.
 */
import { InputError } from '../base/errors.js'
import { insecureEndpointReason } from './clouds.js'
import { GUID_FORM, isGuid } from './guid.js'
import { maskSecret } from './mask.js'

export interface AzureCredentials {
  clientId: string
  clientSecret: string
  tenantId: string
  subscriptionId: string
  /** ARM endpoint for Azure Stack and other non-public clouds (also present, as the public one, in `--sdk-auth` output). */
  resourceManagerEndpointUrl?: string
  /** Authority host for the same. */
  activeDirectoryEndpointUrl?: string
}

const INPUT = 'creds'
const EXPECTED =
  'Expected the AZURE_CREDENTIALS form {"clientId": ..., "clientSecret": ..., "tenantId": ..., "subscriptionId": ...}'

/** Parses and validates `raw`; throws `InputError('creds', ...)` naming the field at fault, never quoting a value. */
export function parseCredentials(raw: string): AzureCredentials {
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch {
    // JSON.parse's message quotes the text around the error, i.e. part of the secret: word it ourselves.
    throw new InputError(INPUT, `not valid JSON. ${EXPECTED}`)
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InputError(INPUT, `not a JSON object. ${EXPECTED}`)
  }
  const fields = parsed as Record<string, unknown>

  // Mask first, before any check below can fail and before anything else reads the value.
  if (typeof fields.clientSecret === 'string' && fields.clientSecret !== '') maskSecret(fields.clientSecret)
  // The plain `create-for-rbac` output (without --sdk-auth) carries the secret as `password`: mask that too.
  if (typeof fields.password === 'string' && fields.password !== '') maskSecret(fields.password)

  if (!('clientId' in fields) && 'appId' in fields) {
    throw new InputError(
      INPUT,
      'this looks like the output of az ad sp create-for-rbac without --sdk-auth (appId, password, tenant). ' +
        `Rename appId → clientId, password → clientSecret, tenant → tenantId and add subscriptionId. ${EXPECTED}`
    )
  }

  const clientSecret = requiredString(fields, 'clientSecret')
  const creds: AzureCredentials = {
    clientId: guidField(fields, 'clientId'),
    clientSecret,
    tenantId: guidField(fields, 'tenantId'),
    subscriptionId: guidField(fields, 'subscriptionId')
  }
  const arm = urlField(fields, 'resourceManagerEndpointUrl')
  const authority = urlField(fields, 'activeDirectoryEndpointUrl')
  if (arm !== undefined) creds.resourceManagerEndpointUrl = arm
  if (authority !== undefined) creds.activeDirectoryEndpointUrl = authority
  return creds
}

function requiredString(fields: Record<string, unknown>, name: string): string {
  const value = fields[name]
  if (value === undefined || value === null || value === '') {
    throw new InputError(INPUT, `missing "${name}". ${EXPECTED}`)
  }
  if (typeof value !== 'string') throw new InputError(INPUT, `"${name}" must be a string. ${EXPECTED}`)
  return value
}

function guidField(fields: Record<string, unknown>, name: string): string {
  const value = requiredString(fields, name).trim()
  // Not echoed: a secret pasted into the wrong field would otherwise be printed (if the runner missed it).
  if (!isGuid(value)) throw new InputError(INPUT, `"${name}" is not a GUID (expected ${GUID_FORM}).`)
  return value
}

function urlField(fields: Record<string, unknown>, name: string): string | undefined {
  const value = fields[name]
  if (value === undefined || value === null || value === '') return undefined
  if (typeof value !== 'string') throw new InputError(INPUT, `"${name}" must be a string URL.`)
  const reason = insecureEndpointReason(value.trim())
  if (reason !== undefined) throw new InputError(INPUT, `"${name}": ${reason}`)
  return value.trim()
}
