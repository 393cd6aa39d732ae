/**
 * Inputs of the online endpoint operations: create-endpoint and create-deployment (CLI v2 YAML, read and validated
 * here with their `set` lines before any request), set-traffic, delete-endpoint and delete-deployment. Errors name the
 * input, and for the YAML the file, line and field.
 */
import * as core from '@actions/core'
import type { InputScope } from '../action/common-inputs.js'
import { InputError } from '../base/errors.js'
import { optional, required, resourceName } from '../action/input-readers.js'
import type { Op, WorkspaceRef } from '../base/settings.js'
import { parseTraffic, type Traffic } from './traffic.js'
import { readDeploymentYaml, readEndpointYaml, type DeploymentYaml, type EndpointYaml } from './yaml/index.js'

/** Online endpoint and deployment names (azure-ai-ml's schema: 3-32 characters, a letter first). */
export const ONLINE_NAME = /^[a-zA-Z][a-zA-Z0-9-]{2,31}$/
const ONLINE_NAME_FORM = '3-32 letters, digits or -, starting with a letter'

export interface CreateEndpointInputs {
  kind: 'create-endpoint'
  workspace: WorkspaceRef
  yaml: EndpointYaml
}

export interface CreateDeploymentInputs {
  kind: 'create-deployment'
  workspace: WorkspaceRef
  yaml: DeploymentYaml
  /** The traffic once it is up: a share for this deployment (`20`), or every share (`blue=80,green=20`). */
  traffic?: { share: number } | { all: Traffic }
}

export interface SetTrafficInputs {
  kind: 'set-traffic'
  workspace: WorkspaceRef
  endpointName: string
  traffic: Traffic
}

export interface DeleteEndpointInputs {
  kind: 'delete-endpoint'
  workspace: WorkspaceRef
  endpointName: string
}

export interface DeleteDeploymentInputs {
  kind: 'delete-deployment'
  workspace: WorkspaceRef
  endpointName: string
  deploymentName: string
}

export type CreateEndpointOperation = Op<CreateEndpointInputs>
export type CreateDeploymentOperation = Op<CreateDeploymentInputs>
export type SetTrafficOperation = Op<SetTrafficInputs>
export type DeleteEndpointOperation = Op<DeleteEndpointInputs>
export type DeleteDeploymentOperation = Op<DeleteDeploymentInputs>

const baseDir = (): string => process.env.GITHUB_WORKSPACE || process.cwd()

export function readCreateEndpoint(scope: InputScope): CreateEndpointInputs {
  const workspace = scope.workspace('create-endpoint')
  const file = required(
    'endpoint',
    'by create-endpoint: the path of an online endpoint YAML, e.g. endpoints/endpoint.yml'
  )
  return {
    kind: 'create-endpoint',
    workspace,
    yaml: readEndpointYaml(file, core.getMultilineInput('set'), { baseDir: baseDir() })
  }
}

export function readCreateDeployment(scope: InputScope): CreateDeploymentInputs {
  const workspace = scope.workspace('create-deployment')
  const file = required(
    'deployment',
    'by create-deployment: the path of a managed online deployment YAML, e.g. endpoints/green.yml'
  )
  const yaml = readDeploymentYaml(file, core.getMultilineInput('set'), { baseDir: baseDir() })
  const text = optional('traffic')
  let traffic: CreateDeploymentInputs['traffic']
  if (text !== undefined) {
    if (/^\d{1,3}$/.test(text)) {
      const share = Number(text)
      if (share > 100) throw new InputError('traffic', `a share is a percent, 0-100; got ${share}.`)
      traffic = { share }
    } else {
      traffic = { all: parseTraffic('traffic', text) }
      if (!(yaml.yaml.name in traffic.all)) {
        throw new InputError(
          'traffic',
          `names no share for the deployment being created (${yaml.yaml.name}); give e.g. ${yaml.yaml.name}=10, or ` +
            'a single number for its share.'
        )
      }
    }
  }
  return { kind: 'create-deployment', workspace, yaml, traffic }
}

export function readSetTraffic(scope: InputScope): SetTrafficInputs {
  const workspace = scope.workspace('set-traffic')
  const endpointName = readEndpointName('set-traffic')
  const traffic = parseTraffic('traffic', required('traffic', 'by set-traffic: the shares, e.g. blue=90,green=10'))
  return { kind: 'set-traffic', workspace, endpointName, traffic }
}

export function readDeleteEndpoint(scope: InputScope): DeleteEndpointInputs {
  return {
    kind: 'delete-endpoint',
    workspace: scope.workspace('delete-endpoint'),
    endpointName: readEndpointName('delete-endpoint')
  }
}

export function readDeleteDeployment(scope: InputScope): DeleteDeploymentInputs {
  return {
    kind: 'delete-deployment',
    workspace: scope.workspace('delete-deployment'),
    endpointName: readEndpointName('delete-deployment'),
    deploymentName: readDeploymentName(true) as string
  }
}

/** `endpoint-name`, required by `kind`. */
export function readEndpointName(kind: string): string {
  return resourceName(
    'endpoint-name',
    required('endpoint-name', `by ${kind}: the online endpoint's name`),
    ONLINE_NAME,
    `an online endpoint name: ${ONLINE_NAME_FORM}`
  ) as string
}

/** `deployment-name`. */
export function readDeploymentName(isRequired: boolean): string | undefined {
  const value = isRequired
    ? required('deployment-name', 'here: the deployment of the endpoint, e.g. blue')
    : optional('deployment-name')
  return resourceName('deployment-name', value, ONLINE_NAME, `a deployment name: ${ONLINE_NAME_FORM}`)
}
