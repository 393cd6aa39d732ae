/**
 * The pure half of `create-endpoint` and `create-deployment`: read a CLI v2 online endpoint or managed online
 * deployment YAML (with the `set` lines applied), find every problem before any request, and build the ARM bodies.
 * See endpoint.ts and deployment.ts for the fields and the Azure facts behind them.
 */
export {
  readEndpointYaml,
  toEndpointRestBody,
  ONLINE_ENDPOINT_SCHEMA,
  type EndpointYaml,
  type EndpointReferences,
  type EndpointRestOptions,
  type EndpointIdentity,
  type OnlineEndpointBody,
  type OnlineEndpointProperties,
  type OnlineEndpointYaml
} from './endpoint.js'
export {
  readDeploymentYaml,
  toDeploymentRestBody,
  buildDeploymentBody,
  resolveDeploymentReferences,
  MANAGED_ONLINE_DEPLOYMENT_SCHEMA,
  type DeploymentYaml,
  type DeploymentReferences,
  type DeploymentModelReference,
  type DeploymentResolver,
  type DeploymentRestOptions,
  type InlineModelSpec,
  type ManagedOnlineDeploymentProperties,
  type ManagedOnlineDeploymentYaml,
  type OnlineDeploymentBody,
  type ProbeSettings,
  type ResolvedDeploymentReferences
} from './deployment.js'
export { CliYamlError } from '../../cli-yaml/load.js'
export type { EnvironmentDefinition } from '../../cli-yaml/environment.js'
export type { ModelType } from '../../cli-yaml/references.js'
