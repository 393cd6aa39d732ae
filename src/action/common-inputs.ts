/**
 * The common inputs, read once: credentials (masked before they are parsed), cloud endpoints, auth, api-version,
 * `dry-run`, `wait`, `timeout-minutes`, and the workspace inputs that domain readers ask for through `InputScope`.
 * Every error names the input and the expected form (`InputError`), before any request is sent.
 */
import { parseCredentials, type AzureCredentials } from '../auth/credentials.js'
import { assertSecureEndpoint, CLOUD_NAMES, resolveEndpoints, type CloudName } from '../auth/clouds.js'
import type { AuthConfig } from '../base/auth-types.js'
import { InputError } from '../base/errors.js'
import {
  bool,
  choice,
  guid,
  optional,
  optionalSecret,
  positiveNumber,
  required,
  resourceName
} from './input-readers.js'
import {
  DEFAULT_API_VERSION,
  DEFAULT_TIMEOUT_MINUTES,
  DEFAULT_V2_API_VERSION,
  type CommonSettings,
  type Endpoints,
  type WorkspaceRef
} from '../base/settings.js'

/** What a domain's input reader may ask of the common inputs. */
export interface InputScope {
  common: CommonSettings
  endpoints: Endpoints
  /** `creds` parsed, when given. */
  creds?: AzureCredentials
  /** The workspace inputs, required (the error names the operation `kind`). */
  workspace(kind: string): WorkspaceRef
  /** `subscription-id`, else the one in `creds`; required. */
  subscription(): string
  /** `subscription-id`, else the one in `creds`, when given. */
  optionalSubscription(): string | undefined
  resourceGroup(): string | undefined
  /** An absolute http(s) URL input, when given. */
  url(name: string): string | undefined
}

const RESOURCE_GROUP = /^[-\w.()]{1,89}[-\w()]$|^[-\w()]$/
const WORKSPACE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$/

/** Reads the common inputs. `creds` and `client-secret` are masked before they are parsed. */
export function readCommonInputs(): InputScope {
  const credsRaw = optionalSecret('creds')
  const clientSecret = optionalSecret('client-secret')
  const creds = credsRaw === undefined ? undefined : parseCredentials(credsRaw)
  const endpoints = readEndpoints(creds)
  const apiVersion = readApiVersion()
  const common: CommonSettings = {
    auth: readAuth(creds, clientSecret, endpoints),
    endpoints,
    apiVersion: apiVersion ?? DEFAULT_API_VERSION,
    v2ApiVersion: apiVersion ?? DEFAULT_V2_API_VERSION,
    dryRun: bool('dry-run', false),
    wait: bool('wait', true),
    timeoutMinutes: positiveNumber('timeout-minutes', DEFAULT_TIMEOUT_MINUTES, 60 * 24 * 35),
    apiEndpoint: readUrl('api-endpoint')
  }
  const optionalSubscription = (): string | undefined =>
    guid('subscription-id', optional('subscription-id')) ?? creds?.subscriptionId
  const subscription = (): string => {
    const value = optionalSubscription()
    if (!value) {
      throw new InputError(
        'subscription-id',
        'required: the subscription id (a GUID), or a creds JSON with subscriptionId.'
      )
    }
    return value
  }
  const resourceGroup = (): string | undefined =>
    resourceName(
      'resource-group',
      optional('resource-group'),
      RESOURCE_GROUP,
      'a resource group name: 1-90 letters, digits, _ - . ( ), not ending in a period'
    )
  const workspace = (kind: string): WorkspaceRef => {
    const subscriptionId = subscription()
    const group = resourceGroup()
    if (!group) throw new InputError('resource-group', `required by ${kind}: the workspace's resource group.`)
    const workspaceName = resourceName(
      'workspace-name',
      required('workspace-name', `by ${kind}: the Azure Machine Learning workspace`),
      WORKSPACE_NAME,
      'a workspace name: 3-33 letters, digits, _ or -, starting with a letter or digit'
    ) as string
    return { subscriptionId, resourceGroup: group, workspaceName }
  }
  return { common, endpoints, creds, workspace, subscription, optionalSubscription, resourceGroup, url: readUrl }
}

function readEndpoints(creds: AzureCredentials | undefined): Endpoints {
  const cloud = choice<CloudName>('cloud', CLOUD_NAMES, 'AzureCloud')
  const armEndpoint = readUrl('arm-endpoint') ?? creds?.resourceManagerEndpointUrl
  const authorityHost = readUrl('authority-host') ?? creds?.activeDirectoryEndpointUrl
  const resolved = resolveEndpoints({ cloud, armEndpoint, authorityHost, audience: optional('audience') })
  // A token is only ever sent over https, or plain http to this machine (the emulator).
  assertSecureEndpoint('arm-endpoint', resolved.armEndpoint)
  assertSecureEndpoint('authority-host', resolved.authorityHost)
  return resolved
}

function readAuth(
  creds: AzureCredentials | undefined,
  clientSecret: string | undefined,
  endpoints: Endpoints
): AuthConfig | undefined {
  const tenantId = guid('tenant-id', optional('tenant-id'))
  const clientId = guid('client-id', optional('client-id'))
  if (creds) {
    if (tenantId || clientId || clientSecret) {
      throw new InputError('creds', 'give either creds or tenant-id/client-id/client-secret, not both.')
    }
    return {
      kind: 'secret',
      tenantId: creds.tenantId,
      clientId: creds.clientId,
      clientSecret: creds.clientSecret,
      authorityHost: endpoints.authorityHost
    }
  }
  if (!tenantId && !clientId && !clientSecret) return undefined
  if (!clientId) throw new InputError('client-id', 'required with tenant-id: the application (client) id, a GUID.')
  if (!tenantId) throw new InputError('tenant-id', 'required with client-id: the directory (tenant) id, a GUID.')
  if (clientSecret) {
    return { kind: 'secret', tenantId, clientId, clientSecret, authorityHost: endpoints.authorityHost }
  }
  return { kind: 'oidc', tenantId, clientId, audience: endpoints.audience, authorityHost: endpoints.authorityHost }
}

/** Raised where an operation needs a token and none of the auth inputs was given. */
export function missingAuthError(): InputError {
  return new InputError(
    'creds',
    'no credentials. Set creds (the AZURE_CREDENTIALS JSON), or tenant-id and client-id with client-secret, or ' +
      'tenant-id and client-id alone for OpenID Connect (the job needs permissions: id-token: write).'
  )
}

function readApiVersion(): string | undefined {
  const value = optional('api-version')
  if (value !== undefined && !/^\d{4}-\d{2}-\d{2}(-preview)?$/.test(value)) {
    throw new InputError('api-version', `expected a date such as 2019-11-01 (or 2024-04-01-preview), got '${value}'.`)
  }
  return value
}

function readUrl(name: string): string | undefined {
  const value = optional(name)
  if (value === undefined) return undefined
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new InputError(name, `expected an absolute URL such as https://management.azure.com/, got '${value}'.`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InputError(name, `expected an http(s) URL, got '${value}'.`)
  }
  return value
}
