/**
 * Inputs of the compute and workspace lifecycle operations (create-compute, delete-compute, create-workspace,
 * delete-workspace), validated into the fields of their `Operation`. Wired into `parseInputs()` by inputs.ts.
 */
import * as core from '@actions/core'
import { InputError } from '../action/errors.js'
import { rememberSecret } from '../http/redact.js'
import {
  choice,
  integer,
  optional,
  optionalSecret,
  parseJsonText,
  readFileInput,
  required,
  resourceName
} from '../action/input-readers.js'
import type { WorkspaceRef } from '../action/inputs.js'

export const COMPUTE_KINDS = ['create-compute', 'delete-compute', 'create-workspace', 'delete-workspace'] as const
export type ComputeKind = (typeof COMPUTE_KINDS)[number]

export type JsonObject = Record<string, unknown>

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

export type ComputeOperationFields =
  | {
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
  | {
      kind: 'delete-compute'
      workspace: WorkspaceRef
      computeName: string
      underlyingResourceAction: UnderlyingResourceAction
    }
  | {
      kind: 'create-workspace'
      workspace: WorkspaceRef
      /** The `location` input; undefined: the definition's, else the resource group's. */
      location?: string
      /** The PUT body (without `location` unless the definition has one). */
      body: JsonObject
      fromDefinition: boolean
    }
  | { kind: 'delete-workspace'; workspace: WorkspaceRef }

/** AmlCompute cluster names (what the service accepts on create). */
const CREATE_COMPUTE_NAME = /^[a-zA-Z][a-zA-Z0-9-]{0,14}[a-zA-Z0-9]$/
/** Any compute of the workspace, clusters and instances (3-24), for delete. */
const COMPUTE_NAME = /^[a-zA-Z][a-zA-Z0-9-]{0,22}[a-zA-Z0-9]$/
const VM_SIZE = /^[a-zA-Z][a-zA-Z0-9_-]{1,63}$/
const LOCATION = /^[a-zA-Z][a-zA-Z0-9 ]{1,49}$/
const ADMIN_USERNAME = /^[a-zA-Z_][a-zA-Z0-9_.-]{0,63}$/

/**
 * Reads the inputs of one of the lifecycle operations. `readWorkspace` reads the workspace inputs (inputs.ts owns
 * them); it is called after the admin password is masked.
 */
export function readComputeOperation(kind: ComputeKind, readWorkspace: () => WorkspaceRef): ComputeOperationFields {
  switch (kind) {
    case 'create-compute': {
      // Masked before anything else is read, so no later error or log line can show it.
      const password = optionalSecret('admin-password')
      const workspace = readWorkspace()
      return readCreateCompute(workspace, password)
    }
    case 'delete-compute':
      return {
        kind,
        workspace: readWorkspace(),
        computeName: readComputeName(COMPUTE_NAME, 'a compute name: 2-24 letters, digits or -, starting with a letter'),
        underlyingResourceAction: choice('underlying-resource-action', UNDERLYING_RESOURCE_ACTIONS, 'Delete')
      }
    case 'create-workspace':
      return readCreateWorkspace(readWorkspace())
    case 'delete-workspace':
      return { kind, workspace: readWorkspace() }
  }
}

function readComputeName(pattern: RegExp, form: string): string {
  return resourceName(
    'compute-name',
    required('compute-name', 'by this operation: the compute name, e.g. cpu-cluster'),
    pattern,
    form
  ) as string
}

function readLocation(): string | undefined {
  return resourceName(
    'location',
    optional('location'),
    LOCATION,
    'an Azure region name such as centralus or westeurope'
  )
}

function readCreateCompute(workspace: WorkspaceRef, password: string | undefined): ComputeOperationFields {
  const computeName = readComputeName(
    CREATE_COMPUTE_NAME,
    'a compute cluster name: 2-16 letters, digits or -, starting with a letter and ending with a letter or digit'
  )
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

/** Whole seconds as an ISO 8601 duration: 1800 → PT30M, 90 → PT1M30S, 0 → PT0S, 90000 → P1DT1H. */
export function isoDuration(totalSeconds: number): string {
  if (!Number.isInteger(totalSeconds) || totalSeconds < 0) {
    throw new RangeError(`isoDuration: expected whole seconds >= 0, got ${totalSeconds}`)
  }
  const days = Math.floor(totalSeconds / 86_400)
  const hours = Math.floor((totalSeconds % 86_400) / 3600)
  const minutes = Math.floor((totalSeconds % 3600) / 60)
  const seconds = totalSeconds % 60
  const time = `${hours ? `${hours}H` : ''}${minutes ? `${minutes}M` : ''}${seconds ? `${seconds}S` : ''}`
  if (days === 0) return `PT${time || '0S'}`
  return `P${days}D${time ? `T${time}` : ''}`
}

/** An ISO 8601 duration (days and time parts) in seconds; undefined when it is not one. `PT30M` → 1800. */
export function parseIsoDuration(text: string): number | undefined {
  const m = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(
    text.trim()
  )
  if (!m || text.trim().toUpperCase() === 'P' || /T$/i.test(text.trim())) return undefined
  const [, d, h, min, s] = m.map(v => (v === undefined ? 0 : Number(v)))
  return d * 86_400 + h * 3600 + min * 60 + s
}

/** `definition`: inline JSON (starting with `{` or `[`) or the path of a JSON file; a JSON object either way. */
function readDefinition(expected: string): JsonObject | undefined {
  const value = optional('definition')
  if (value === undefined) return undefined
  const text = /^[[{]/.test(value) ? value : readFileInput('definition', value)
  const parsed = parseJsonText('definition', text, expected)
  if (!isObject(parsed)) throw new InputError('definition', `expected a JSON object: ${expected}.`)
  return parsed
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

// ------------------------------------------------------------------------------------------------------ workspaces

/** The dependent resources of a workspace: input, body field, ARM type, and the names Azure accepts. */
export const WORKSPACE_DEPENDENTS = [
  {
    input: 'storage-account',
    field: 'storageAccount',
    type: 'Microsoft.Storage/storageAccounts',
    what: 'storage account',
    required: true,
    name: /^[a-z0-9]{3,24}$/,
    form: '3-24 lower-case letters and digits'
  },
  {
    input: 'key-vault',
    field: 'keyVault',
    type: 'Microsoft.KeyVault/vaults',
    what: 'key vault',
    required: true,
    name: /^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/,
    form: '3-24 letters, digits and -, starting with a letter'
  },
  {
    input: 'application-insights',
    field: 'applicationInsights',
    type: 'Microsoft.Insights/components',
    what: 'Application Insights component',
    required: true,
    name: /^[^%&\\?/<>*#:\s]{1,260}$/,
    form: 'up to 260 characters, none of % & \\ ? / < > * # : or spaces'
  },
  {
    input: 'container-registry',
    field: 'containerRegistry',
    type: 'Microsoft.ContainerRegistry/registries',
    what: 'container registry',
    required: false,
    name: /^[a-zA-Z0-9]{5,50}$/,
    form: '5-50 letters and digits'
  }
] as const
export type WorkspaceDependent = (typeof WORKSPACE_DEPENDENTS)[number]

const ARM_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/([^/]+\/[^/]+)\/([^/]+)$/i

/**
 * A dependent resource as an ARM id: an id is checked (well-formed, the right resource type) and kept as given; a
 * name becomes the id of that resource in the workspace's resource group.
 */
export function dependentId(dependent: WorkspaceDependent, value: string, ws: WorkspaceRef): string {
  if (value.startsWith('/')) {
    const m = ARM_ID.exec(value)
    if (!m) {
      throw new InputError(
        dependent.input,
        `expected the ARM id of a ${dependent.what} (/subscriptions/{id}/resourceGroups/{group}/providers/` +
          `${dependent.type}/{name}) or its name in resource group ${ws.resourceGroup}, got '${value}'.`
      )
    }
    if (m[3].toLowerCase() !== dependent.type.toLowerCase()) {
      throw new InputError(
        dependent.input,
        `expected the id of a ${dependent.type} resource, got the id of a ${m[3]}: '${value}'.`
      )
    }
    return value
  }
  if (!dependent.name.test(value)) {
    throw new InputError(
      dependent.input,
      `expected the ARM id of a ${dependent.what}, or its name in resource group ${ws.resourceGroup} ` +
        `(${dependent.form}), got '${value}'.`
    )
  }
  return `/subscriptions/${ws.subscriptionId}/resourceGroups/${ws.resourceGroup}/providers/${dependent.type}/` + value
}

function readCreateWorkspace(workspace: WorkspaceRef): ComputeOperationFields {
  const location = readLocation()
  const definition = readDefinition('a workspace body such as {"location": ..., "properties": {"storageAccount": ...}}')
  if (definition) {
    if (!isObject(definition.properties)) {
      throw new InputError(
        'definition',
        'expected a workspace body with properties, e.g. {"location": "centralus", "properties": {"storageAccount": ' +
          '"/subscriptions/…", "keyVault": "…", "applicationInsights": "…"}, "identity": {"type": "SystemAssigned"}}.'
      )
    }
    return { kind: 'create-workspace', workspace, location, body: definition, fromDefinition: true }
  }
  const properties: JsonObject = {}
  const friendlyName = optional('friendly-name')
  if (friendlyName !== undefined) properties.friendlyName = friendlyName
  const description = optional('description')
  if (description !== undefined) properties.description = description
  for (const dependent of WORKSPACE_DEPENDENTS) {
    const value = dependent.required
      ? required(
          dependent.input,
          `by create-workspace (unless definition is given): the ${dependent.what}, an ARM id or a name in resource ` +
            `group ${workspace.resourceGroup}`
        )
      : optional(dependent.input)
    if (value !== undefined) properties[dependent.field] = dependentId(dependent, value, workspace)
  }
  return {
    kind: 'create-workspace',
    workspace,
    location,
    body: { properties, identity: { type: 'SystemAssigned' } },
    fromDefinition: false
  }
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
