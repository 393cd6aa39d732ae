/**
 * Inputs of `get-token` (a token for the caller's own calls) and `request` (any REST call, authenticated and retried).
 * Errors name the input and the expected form, before any request.
 */
import type { InputScope } from '../action/common-inputs.js'
import { InputError } from '../base/errors.js'
import { choice, optional, parseJsonText, readFileInput } from '../action/input-readers.js'
import type { Endpoints, Op, WorkspaceRef } from '../base/settings.js'

export const REQUEST_METHODS = ['GET', 'PUT', 'POST', 'PATCH', 'DELETE', 'HEAD'] as const
export type RequestMethod = (typeof REQUEST_METHODS)[number]

export interface GetTokenInputs {
  kind: 'get-token'
  /** The resource (audience) of the token; default: the cloud's ARM endpoint. */
  resource: string
}

export interface RequestInputs {
  kind: 'request'
  method: RequestMethod
  service: 'arm' | 'api'
  /** A path relative to the service (placeholders expanded), or an absolute URL. */
  target: { path: string } | { url: string }
  workspace?: WorkspaceRef
  subscriptionId?: string
  body?: unknown
}

export type GetTokenOperation = Op<GetTokenInputs>
export type RequestOperation = Op<RequestInputs>

export function readGetToken(scope: InputScope): GetTokenInputs {
  return { kind: 'get-token', resource: scope.url('resource') ?? scope.endpoints.armEndpoint }
}

export function readRequest(scope: InputScope): RequestInputs {
  const endpoints: Endpoints = scope.endpoints
  const method = choice<RequestMethod>('method', REQUEST_METHODS, 'GET')
  const service = choice('service', ['arm', 'api'] as const, 'arm')
  const path = optional('path')
  const url = scope.url('url')
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
  const workspace = needsWorkspace ? scope.workspace('request with service api or a {WS} placeholder') : undefined
  const subscriptionId = workspace?.subscriptionId ?? scope.optionalSubscription()
  if (path?.includes('{subscriptionId}') && !subscriptionId) scope.subscription()

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
