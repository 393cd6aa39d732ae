/**
 * Inputs of the workspace operations: list-resource-groups, list-workspaces, get-workspace, create-workspace (from
 * inputs, or a whole `definition`) and delete-workspace. Errors name the input and the expected form.
 */
import type { InputScope } from '../action/common-inputs.js'
import { InputError } from '../base/errors.js'
import { optional, required } from '../action/input-readers.js'
import type { Op, WorkspaceRef } from '../base/settings.js'
import { isObject, readDefinition, readLocation, type JsonObject } from '../arm/resource-inputs.js'

export interface ListResourceGroupsInputs {
  kind: 'list-resource-groups'
  subscriptionId: string
}

export interface ListWorkspacesInputs {
  kind: 'list-workspaces'
  subscriptionId: string
  /** Undefined: every workspace of the subscription. */
  resourceGroup?: string
}

export interface GetWorkspaceInputs {
  kind: 'get-workspace'
  workspace: WorkspaceRef
}

export interface CreateWorkspaceInputs {
  kind: 'create-workspace'
  workspace: WorkspaceRef
  /** The `location` input; undefined: the definition's, else the resource group's. */
  location?: string
  /** The PUT body (without `location` unless the definition has one). */
  body: JsonObject
  fromDefinition: boolean
}

export interface DeleteWorkspaceInputs {
  kind: 'delete-workspace'
  workspace: WorkspaceRef
}

export type ListResourceGroupsOperation = Op<ListResourceGroupsInputs>
export type ListWorkspacesOperation = Op<ListWorkspacesInputs>
export type GetWorkspaceOperation = Op<GetWorkspaceInputs>
export type CreateWorkspaceOperation = Op<CreateWorkspaceInputs>
export type DeleteWorkspaceOperation = Op<DeleteWorkspaceInputs>

export function readListResourceGroups(scope: InputScope): ListResourceGroupsInputs {
  return { kind: 'list-resource-groups', subscriptionId: scope.subscription() }
}

export function readListWorkspaces(scope: InputScope): ListWorkspacesInputs {
  return { kind: 'list-workspaces', subscriptionId: scope.subscription(), resourceGroup: scope.resourceGroup() }
}

export function readGetWorkspace(scope: InputScope): GetWorkspaceInputs {
  return { kind: 'get-workspace', workspace: scope.workspace('get-workspace') }
}

export function readDeleteWorkspace(scope: InputScope): DeleteWorkspaceInputs {
  return { kind: 'delete-workspace', workspace: scope.workspace('delete-workspace') }
}

export function readCreateWorkspace(scope: InputScope): CreateWorkspaceInputs {
  return readCreateWorkspaceFields(scope.workspace('create-workspace'))
}

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

function readCreateWorkspaceFields(workspace: WorkspaceRef): CreateWorkspaceInputs {
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
