/**
 * Step inputs → one validated, typed `Operation`. All input validation lives here: an operation module never re-checks
 * an input. Secret inputs are masked before they are parsed, and every error names the input and the expected form.
 */
import { parseCredentials, type AzureCredentials } from '../auth/credentials.js'
import { assertSecureEndpoint, CLOUD_NAMES, resolveEndpoints, type CloudName } from '../auth/clouds.js'
import type { AuthConfig } from '../auth/tokens.js'
import { InputError } from './errors.js'
import {
  bool,
  choice,
  guid,
  optional,
  optionalSecret,
  parseJsonText,
  positiveNumber,
  readFileInput,
  required,
  resourceName
} from './input-readers.js'
import {
  maskScoringKey,
  readModelId,
  readScoreSettings,
  readScoringAuthKind,
  type ScoreSettings
} from '../scoring/inputs.js'
import {
  readCancelRun,
  readPollRun,
  readStartRun,
  type CancelRunInputs,
  type PollRunInputs,
  type StartRunInputs
} from '../runs/inputs.js'
import { readComputeOperation, type ComputeOperationFields } from '../computes/inputs.js'

/** The ARM api-version the guide uses for Machine Learning calls. */
export const DEFAULT_API_VERSION = '2019-11-01'
export const DEFAULT_TIMEOUT_MINUTES = 360

export interface Endpoints {
  armEndpoint: string
  authorityHost: string
  audience: string
  portalHost: string
}

export interface WorkspaceRef {
  subscriptionId: string
  resourceGroup: string
  workspaceName: string
}

/** What every operation shares. */
export interface CommonSettings {
  /** Undefined only for operations that need no Entra token (`score` with a key). */
  auth?: AuthConfig
  endpoints: Endpoints
  apiVersion: string
  dryRun: boolean
  wait: boolean
  timeoutMinutes: number
  /** Overrides the discovery document's `api` server (private links, the emulator). */
  apiEndpoint?: string
}

export type Operation = CommonSettings &
  (
    | { kind: 'get-token'; resource: string }
    | { kind: 'list-resource-groups'; subscriptionId: string }
    | { kind: 'list-workspaces'; subscriptionId: string; resourceGroup?: string }
    | { kind: 'get-workspace'; workspace: WorkspaceRef }
    | { kind: 'list-computes'; workspace: WorkspaceRef }
    | { kind: 'list-experiments'; workspace: WorkspaceRef }
    | { kind: 'list-models'; workspace: WorkspaceRef }
    | { kind: 'delete-model'; workspace: WorkspaceRef; modelId: string }
    | { kind: 'score'; score: ScoreSettings }
    | StartRunInputs
    | PollRunInputs
    | CancelRunInputs
    | ComputeOperationFields
    | {
        kind: 'request'
        method: RequestMethod
        service: 'arm' | 'api'
        /** A path relative to the service (placeholders expanded), or an absolute URL. */
        target: { path: string } | { url: string }
        workspace?: WorkspaceRef
        subscriptionId?: string
        body?: unknown
      }
  )

export type OperationKind = Operation['kind']
export type OperationOf<K extends OperationKind> = Extract<Operation, { kind: K }>

export const REQUEST_METHODS = ['GET', 'PUT', 'POST', 'PATCH', 'DELETE', 'HEAD'] as const
export type RequestMethod = (typeof REQUEST_METHODS)[number]

/** Every operation of the contract (CONTRACT.md). */
export const OPERATION_KINDS = [
  'get-token',
  'list-resource-groups',
  'list-workspaces',
  'get-workspace',
  'list-computes',
  'list-experiments',
  'list-models',
  'delete-model',
  'score',
  'request',
  'start-run',
  'poll-run',
  'cancel-run',
  'create-compute',
  'delete-compute',
  'create-workspace',
  'delete-workspace'
] as const satisfies readonly OperationKind[]

const RESOURCE_GROUP = /^[-\w.()]{1,89}[-\w()]$|^[-\w()]$/
const WORKSPACE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$/

export function parseInputs(): Operation {
  const kind = readOperationKind()
  // Secrets first: masked before any other input is parsed, so no later error can reveal them.
  const credsRaw = optionalSecret('creds')
  const clientSecret = optionalSecret('client-secret')
  const scoringKey = maskScoringKey()

  const creds = credsRaw === undefined ? undefined : parseCredentials(credsRaw)
  const endpoints = readEndpoints(creds)
  const common: CommonSettings = {
    auth: readAuth(creds, clientSecret, endpoints),
    endpoints,
    apiVersion: readApiVersion(),
    dryRun: bool('dry-run', false),
    wait: bool('wait', true),
    timeoutMinutes: positiveNumber('timeout-minutes', DEFAULT_TIMEOUT_MINUTES, 60 * 24 * 35),
    apiEndpoint: readUrl('api-endpoint')
  }
  // Every operation calls Azure with a token, except score with a key (no Entra credentials, no workspace).
  if (!common.auth && !(kind === 'score' && readScoringAuthKind() === 'key')) throw missingAuthError()
  const subscription = (): string => readSubscription(creds)

  switch (kind) {
    case 'get-token':
      return { ...common, kind, resource: readUrl('resource') ?? endpoints.armEndpoint }
    case 'list-resource-groups':
      return { ...common, kind, subscriptionId: subscription() }
    case 'list-workspaces':
      return { ...common, kind, subscriptionId: subscription(), resourceGroup: readResourceGroup() }
    case 'get-workspace':
    case 'list-computes':
    case 'list-experiments':
    case 'list-models':
      return { ...common, kind, workspace: readWorkspace(creds, kind) }
    case 'request':
      return { ...common, ...readRequest(creds, endpoints) }
    case 'delete-model':
      return { ...common, kind, workspace: readWorkspace(creds, kind), modelId: readModelId() }
    case 'score':
      return { ...common, kind, score: readScoreSettings(scoringKey, readUrl('resource')) }
    case 'start-run':
      return { ...common, ...readStartRun(readWorkspace(creds, kind)) }
    case 'poll-run':
      return { ...common, ...readPollRun(readWorkspace(creds, kind)) }
    case 'cancel-run':
      return { ...common, ...readCancelRun(readWorkspace(creds, kind)) }
    case 'create-compute':
    case 'delete-compute':
    case 'create-workspace':
    case 'delete-workspace':
      return { ...common, ...readComputeOperation(kind, () => readWorkspace(creds, kind)) }
  }
}

function readOperationKind(): OperationKind {
  const value = required('operation', `(one of ${OPERATION_KINDS.join(', ')})`)
  const kind = OPERATION_KINDS.find(k => k === value.toLowerCase())
  if (kind) return kind
  throw new InputError('operation', `unknown operation '${value}'. Expected one of ${OPERATION_KINDS.join(', ')}.`)
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

function readApiVersion(): string {
  const value = optional('api-version') ?? DEFAULT_API_VERSION
  if (!/^\d{4}-\d{2}-\d{2}(-preview)?$/.test(value)) {
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

function readSubscription(creds: AzureCredentials | undefined): string {
  const value = guid('subscription-id', optional('subscription-id')) ?? creds?.subscriptionId
  if (!value) {
    throw new InputError(
      'subscription-id',
      'required: the subscription id (a GUID), or a creds JSON with subscriptionId.'
    )
  }
  return value
}

function readResourceGroup(): string | undefined {
  return resourceName(
    'resource-group',
    optional('resource-group'),
    RESOURCE_GROUP,
    'a resource group name: 1-90 letters, digits, _ - . ( ), not ending in a period'
  )
}

function readWorkspace(creds: AzureCredentials | undefined, kind: string): WorkspaceRef {
  const subscriptionId = readSubscription(creds)
  const resourceGroup = readResourceGroup()
  if (!resourceGroup) throw new InputError('resource-group', `required by ${kind}: the workspace's resource group.`)
  const workspaceName = resourceName(
    'workspace-name',
    required('workspace-name', `by ${kind}: the Azure Machine Learning workspace`),
    WORKSPACE_NAME,
    'a workspace name: 3-33 letters, digits, _ or -, starting with a letter or digit'
  ) as string
  return { subscriptionId, resourceGroup, workspaceName }
}

function readRequest(
  creds: AzureCredentials | undefined,
  endpoints: Endpoints
): Omit<OperationOf<'request'>, keyof CommonSettings> {
  const method = choice<RequestMethod>('method', REQUEST_METHODS, 'GET')
  const service = choice('service', ['arm', 'api'] as const, 'arm')
  const path = optional('path')
  const url = readUrl('url')
  if (path && url) throw new InputError('path', 'give either path or url, not both.')
  if (!path && !url) {
    throw new InputError(
      'path',
      'required by request: a path relative to the service (e.g. /subscriptions/{subscriptionId}/resourcegroups), or url.'
    )
  }
  if (path && !path.startsWith('/') && !path.startsWith('{WS}')) {
    throw new InputError('path', `expected a path starting with / or {WS}, got '${path}'.`)
  }
  if (url && service === 'arm' && new URL(url).host !== new URL(endpoints.armEndpoint).host) {
    throw new InputError(
      'url',
      `the host ${new URL(url).host} is not the ARM endpoint (${new URL(endpoints.armEndpoint).host}), the only host ` +
        'the token is sent to with service arm. For the workspace API server set service: api and the workspace inputs.'
    )
  }

  const needsWorkspace = service === 'api' || /\{(WS|resourceGroup|workspaceName)\}/.test(path ?? '')
  const workspace = needsWorkspace ? readWorkspace(creds, 'request with service api or a {WS} placeholder') : undefined
  const subscriptionId =
    workspace?.subscriptionId ?? guid('subscription-id', optional('subscription-id')) ?? creds?.subscriptionId
  if (path?.includes('{subscriptionId}') && !subscriptionId) readSubscription(creds)

  return {
    kind: 'request',
    method,
    service,
    target: path ? { path } : { url: url as string },
    workspace,
    subscriptionId,
    body: readBody(method)
  }
}

function readBody(method: RequestMethod): unknown {
  const inline = optional('body')
  const file = optional('body-file')
  if (inline !== undefined && file !== undefined)
    throw new InputError('body', 'give either body or body-file, not both.')
  if (inline === undefined && file === undefined) return undefined
  if (method === 'GET' || method === 'HEAD') {
    throw new InputError(inline !== undefined ? 'body' : 'body-file', `a ${method} request takes no body.`)
  }
  const name = inline !== undefined ? 'body' : 'body-file'
  const text = inline ?? readFileInput('body-file', file as string)
  return parseJsonText(name, text, 'a JSON document')
}
