/**
 * Inputs of the compute operations: list-computes, create-compute (AmlCompute from inputs, or a whole `definition`)
 * and delete-compute. Errors name the input and the expected form, before any request.
 */
import * as core from '@actions/core'
import type { InputScope } from '../action/common-inputs.js'
import { InputError } from '../base/errors.js'
import { choice, integer, optional, optionalSecret, required, resourceName } from '../action/input-readers.js'
import type { Op, WorkspaceRef } from '../base/settings.js'
import { isoDuration } from '../arm/duration.js'
import { isObject, readDefinition, readLocation, type JsonObject } from '../arm/resource-inputs.js'
import { rememberSecret } from '../http/redact.js'

export const VM_PRIORITIES = ['Dedicated', 'LowPriority'] as const
export type VmPriority = (typeof VM_PRIORITIES)[number]
export const UNDERLYING_RESOURCE_ACTIONS = ['Delete', 'Detach'] as const
export type UnderlyingResourceAction = (typeof UNDERLYING_RESOURCE_ACTIONS)[number]

/** Defaults, the same as action.yml's. */
export const COMPUTE_DEFAULTS = {
  vmSize: 'Standard_DS3_v2',
  vmPriority: 'Dedicated' as VmPriority,
  minNodes: 0,
  maxNodes: 1,
  idleSeconds: 1800
}
const MAX_NODES = 10_000
/** 30 days; Azure takes any duration, but a larger idle time is surely a typo. */
const MAX_IDLE_SECONDS = 30 * 86_400

export interface ListComputesInputs {
  kind: 'list-computes'
  workspace: WorkspaceRef
}

export interface CreateComputeInputs {
  kind: 'create-compute'
  workspace: WorkspaceRef
  computeName: string
  /** The `location` input; undefined: the definition's, else the workspace's (looked up when the step runs). */
  location?: string
  /** The PUT body (without `location` unless the definition has one): the AmlCompute built from inputs, or `definition`. */
  body: JsonObject
  fromDefinition: boolean
  /** Masked, and redacted from every request that carries them (the admin password). */
  secrets: string[]
}

export interface DeleteComputeInputs {
  kind: 'delete-compute'
  workspace: WorkspaceRef
  computeName: string
  underlyingResourceAction: UnderlyingResourceAction
}

export type ListComputesOperation = Op<ListComputesInputs>
export type CreateComputeOperation = Op<CreateComputeInputs>
export type DeleteComputeOperation = Op<DeleteComputeInputs>

export function readListComputes(scope: InputScope): ListComputesInputs {
  return { kind: 'list-computes', workspace: scope.workspace('list-computes') }
}

export function readCreateCompute(scope: InputScope): CreateComputeInputs {
  // Masked before anything else is read, so no later error or log line can show it.
  const password = optionalSecret('admin-password')
  return readCreateComputeFields(scope.workspace('create-compute'), password)
}

export function readDeleteCompute(scope: InputScope): DeleteComputeInputs {
  return {
    kind: 'delete-compute',
    workspace: scope.workspace('delete-compute'),
    computeName: readComputeName(COMPUTE_NAME, COMPUTE_NAME_FORM),
    underlyingResourceAction: choice('underlying-resource-action', UNDERLYING_RESOURCE_ACTIONS, 'Delete')
  }
}

/**
 * Compute names, for create and delete alike. Azure's rule for a compute cluster (Learn, "Create compute clusters",
 * the studio form's "Compute name"): 3 to 24 characters, letters, digits and `-`, starting with a letter, a `-`
 * followed later by a letter; Microsoft's own examples name clusters `gpu-v100-1GPU-cluster` (21 characters). The
 * older 2-16 rule (2019) refused such names, so the check is the union: 2 to 24, starting with a letter, not ending
 * with `-`; the service has the last word on the rest.
 */
const COMPUTE_NAME = /^[a-zA-Z][a-zA-Z0-9-]{0,22}[a-zA-Z0-9]$/
const COMPUTE_NAME_FORM =
  'a compute name: 2-24 letters, digits or -, starting with a letter and ending with a letter or digit (e.g. cpu-cluster)'
const VM_SIZE = /^[a-zA-Z][a-zA-Z0-9_-]{1,63}$/
const ADMIN_USERNAME = /^[a-zA-Z_][a-zA-Z0-9_.-]{0,63}$/

function readComputeName(pattern: RegExp, form: string): string {
  return resourceName(
    'compute-name',
    required('compute-name', 'by this operation: the compute name, e.g. cpu-cluster'),
    pattern,
    form
  ) as string
}

function readCreateComputeFields(workspace: WorkspaceRef, password: string | undefined): CreateComputeInputs {
  const computeName = readComputeName(COMPUTE_NAME, COMPUTE_NAME_FORM)
  const location = readLocation()
  const definition = readDefinition('a compute body such as {"properties": {"computeType": "AmlCompute", ...}}')
  if (definition) {
    const properties = definition.properties as JsonObject | undefined
    if (!isObject(properties) || typeof properties.computeType !== 'string') {
      throw new InputError(
        'definition',
        'expected a compute body with properties.computeType, e.g. {"properties": {"computeType": "AmlCompute", ' +
          '"properties": {"vmSize": "Standard_D1", "scaleSettings": {"maxNodeCount": 1}}}}.'
      )
    }
    if (password !== undefined || optional('admin-username') !== undefined) {
      throw new InputError(
        'definition',
        'give either definition or admin-username/admin-password: with a definition, put the credentials in its ' +
          'properties.properties.userAccountCredentials.'
      )
    }
    const secrets = definitionSecrets(definition)
    return { kind: 'create-compute', workspace, computeName, location, body: definition, fromDefinition: true, secrets }
  }

  const vmSize = resourceName(
    'vm-size',
    optional('vm-size') ?? COMPUTE_DEFAULTS.vmSize,
    VM_SIZE,
    'a VM size such as Standard_DS3_v2'
  ) as string
  const vmPriority = choice<VmPriority>('vm-priority', VM_PRIORITIES, COMPUTE_DEFAULTS.vmPriority)
  const minNodes = integer('min-nodes', COMPUTE_DEFAULTS.minNodes, 0, MAX_NODES)
  const maxNodes = integer('max-nodes', COMPUTE_DEFAULTS.maxNodes, 1, MAX_NODES)
  if (minNodes > maxNodes) {
    throw new InputError('min-nodes', `must not be more than max-nodes (${maxNodes}), got ${minNodes}.`)
  }
  const idleSeconds = integer('idle-seconds-before-scale-down', COMPUTE_DEFAULTS.idleSeconds, 0, MAX_IDLE_SECONDS)
  const adminUserName = resourceName(
    'admin-username',
    optional('admin-username'),
    ADMIN_USERNAME,
    'a user name: letters, digits, _ . or -, starting with a letter or _'
  )
  if (password !== undefined && adminUserName === undefined) {
    throw new InputError('admin-username', 'required with admin-password: the name of the nodes admin user.')
  }
  const body = amlComputeBody({ vmSize, vmPriority, minNodes, maxNodes, idleSeconds, adminUserName, password })
  return {
    kind: 'create-compute',
    workspace,
    computeName,
    location,
    body,
    fromDefinition: false,
    secrets: password === undefined ? [] : [password]
  }
}

export interface AmlComputeSettings {
  vmSize: string
  vmPriority: VmPriority
  minNodes: number
  maxNodes: number
  idleSeconds: number
  adminUserName?: string
  password?: string
  description?: string
}

/**
 * The guide's AmlCompute body. The guide puts `userAccountCredentials` next to `properties`, where ARM ignores it; the
 * REST spec (and the service) read it inside `properties.properties`, which is where it goes here.
 */
export function amlComputeBody(s: AmlComputeSettings): JsonObject {
  const credentials =
    s.adminUserName === undefined
      ? undefined
      : { adminUserName: s.adminUserName, ...(s.password === undefined ? {} : { adminUserPassword: s.password }) }
  return {
    properties: {
      computeType: 'AmlCompute',
      ...(s.description ? { description: s.description } : {}),
      properties: {
        vmSize: s.vmSize,
        vmPriority: s.vmPriority,
        scaleSettings: {
          maxNodeCount: s.maxNodes,
          minNodeCount: s.minNodes,
          nodeIdleTimeBeforeScaleDown: isoDuration(s.idleSeconds)
        },
        ...(credentials ? { userAccountCredentials: credentials } : {})
      }
    }
  }
}

/** Passwords inside a compute definition: masked now, and redacted from the request's logs and dry-run output. */
function definitionSecrets(definition: JsonObject): string[] {
  const credentials = [
    definition.userAccountCredentials,
    ((definition.properties as JsonObject | undefined)?.properties as JsonObject | undefined)?.userAccountCredentials
  ]
  const secrets: string[] = []
  for (const c of credentials) {
    const password = isObject(c) ? c.adminUserPassword : undefined
    if (typeof password === 'string' && password !== '') {
      core.setSecret(password)
      rememberSecret(password)
      secrets.push(password)
    }
  }
  return secrets
}
