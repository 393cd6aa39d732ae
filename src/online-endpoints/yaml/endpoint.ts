/**
 * The **online endpoint** YAML of `az ml online-endpoint create -f endpoint.yml` → the body of
 * `PUT {WS}/onlineEndpoints/{name}?api-version=2024-04-01` (mfe.json `OnlineEndpoints_CreateOrUpdate`, body
 * `OnlineEndpointTrackedResource`; an ARM long-running operation).
 *
 *   const read = readEndpointYaml('deploy/endpoint.yml', core.getInput('set'), { baseDir: workspace })  // CliYamlError
 *   const body = toEndpointRestBody(read, { location: workspace.location })
 *   // PUT {WS}/onlineEndpoints/${read.yaml.name}
 *
 * YAML fields (azure-ai-ml `_schema/_endpoint/endpoint.py` `EndpointSchema`, `_schema/_endpoint/online/online_endpoint.py`
 * `ManagedOnlineEndpointSchema`, `_schema/identity.py` `IdentitySchema`): `$schema`, `name` (required), `auth_mode`
 * (`key`, `aml_token`, `aad_token`; also `Key`, `AMLToken`, as the CLI's `StringTransformedEnum` with `camel_to_snake`), `description`, `tags`,
 * `properties`, `traffic` (deployment → whole percent), `identity` (`type`: `system_assigned`, `user_assigned`,
 * `none`; `user_assigned_identities`: at most one `{resource_id, client_id, object_id}`), `public_network_access`
 * (`enabled`, `disabled`), `kind`. Unknown fields are refused with a did-you-mean; `mirror_traffic` is not supported;
 * `compute` (a Kubernetes online endpoint, as azure-ai-ml `OnlineEndpoint._load` decides) is refused with one message,
 * `KUBERNETES_ONLINE_NOT_SUPPORTED`, that says what to do.
 *
 * Body (mfe.json `OnlineEndpointTrackedResource`, `OnlineEndpoint`, `EndpointPropertiesBase`, `EndpointAuthMode`,
 * `PublicNetworkAccessType`; common-types v3 `TrackedResource`, `ManagedServiceIdentity`), following azure-ai-ml
 * `entities/_endpoint/online_endpoint.py` `_to_rest_online_endpoint` and `entities/_credentials.py`
 * `IdentityConfiguration._to_online_endpoint_rest_object`:
 *   { location, kind?, tags?, identity: {type: "SystemAssigned" | "UserAssigned" | "None",
 *     userAssignedIdentities?: {<resource id>: {}}},
 *     properties: {authMode: "Key" | "AMLToken" | "AADToken", description?, properties?, traffic?,
 *     publicNetworkAccess?: "Enabled" | "Disabled"} }
 * - `identity` absent → `{type: "SystemAssigned"}`, as the SDK sends; `auth_mode` absent → `Key` (the SDK's default).
 * - `traffic`: whole percents, each 0..100, adding up to 100 or 0 (checked here; azure-ai-ml only checks <= 100, the
 *   service needs 100 once any deployment has traffic). Sent only when the YAML has it: the SDK sends `traffic: {}`
 *   when absent, which on an existing endpoint would take every deployment's traffic away.
 * - `kind`: the CLI's schema treats it as output only; sent when given (mfe.json `OnlineEndpointTrackedResource.kind`).
 * - `location`: the caller's (the workspace's location), as the SDK passes the workspace's.
 */
import {
  byLocation,
  CliYamlError,
  loadCliYaml,
  numberTextAt,
  problemAt,
  type YamlKind,
  type YamlProblem,
  type YamlSource,
  type ReadYamlOptions
} from '../../cli-yaml/load.js'
import {
  compileYamlSchema,
  normalizeEnumAt,
  schemaProblems,
  SCALAR_MAP_SCHEMA,
  type Scalar
} from '../../cli-yaml/schema.js'
import { applySetLines } from '../../cli-yaml/set.js'
import { textMap } from '../../cli-yaml/text.js'

/**
 * The step input that names the file, for messages (`Input 'endpoint': ...`). The operation's inputs.ts reads and
 * declares it (scripts/action-spec.ts); this module only names it.
 */
export const ENDPOINT_INPUT = 'endpoint'

const ENDPOINT_YAML: YamlKind = {
  input: ENDPOINT_INPUT,
  kind: 'online endpoint',
  fieldsHint: 'name, auth_mode, traffic, ...'
}

export const AUTH_MODES = ['key', 'aml_token', 'aad_token'] as const
export const IDENTITY_TYPES = ['system_assigned', 'user_assigned', 'none'] as const

/** An online endpoint YAML, validated, as written (snake_case), after the `set` lines. */
export interface OnlineEndpointYaml {
  $schema?: string
  name: string
  auth_mode?: (typeof AUTH_MODES)[number]
  description?: string
  tags?: Record<string, Scalar | null>
  properties?: Record<string, Scalar | null>
  traffic?: Record<string, number>
  identity?: {
    type: (typeof IDENTITY_TYPES)[number]
    user_assigned_identities?: { resource_id: string; client_id?: string; object_id?: string }[]
  }
  public_network_access?: 'enabled' | 'disabled'
  kind?: string
}

/** An endpoint or deployment name (azure-ai-ml `_endpoint_helpers.py` `validate_endpoint_or_deployment_name`). */
export const ENDPOINT_NAME_SCHEMA = {
  type: 'string',
  pattern: '^[a-zA-Z][a-zA-Z0-9-]{1,30}[a-zA-Z0-9]$',
  hint: 'a name of 3 to 32 letters, digits and -, starting with a letter and ending with a letter or digit (azure-ai-ml validate_endpoint_or_deployment_name)'
}

/** The online endpoint schema (draft-07). */
export const ONLINE_ENDPOINT_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  required: ['name'],
  properties: {
    $schema: { type: 'string' },
    name: ENDPOINT_NAME_SCHEMA,
    auth_mode: { enum: [...AUTH_MODES] },
    description: { type: 'string' },
    tags: SCALAR_MAP_SCHEMA,
    properties: SCALAR_MAP_SCHEMA,
    traffic: {
      type: 'object',
      propertyNames: ENDPOINT_NAME_SCHEMA,
      additionalProperties: { type: 'integer', minimum: 0, maximum: 100, hint: 'a whole percent' }
    },
    identity: {
      type: 'object',
      required: ['type'],
      properties: {
        type: { enum: [...IDENTITY_TYPES] },
        user_assigned_identities: {
          type: 'array',
          maxItems: 1,
          items: {
            type: 'object',
            required: ['resource_id'],
            properties: {
              resource_id: { type: 'string', minLength: 1 },
              client_id: { type: 'string' },
              object_id: { type: 'string' }
            },
            additionalProperties: false
          }
        }
      },
      additionalProperties: false
    },
    public_network_access: { enum: ['enabled', 'disabled'] },
    kind: { type: 'string', minLength: 1 }
  },
  additionalProperties: false
} as const

const validateEndpoint = compileYamlSchema(ONLINE_ENDPOINT_SCHEMA)

/** What an endpoint YAML refers to: the deployments its traffic names (to check against the endpoint's own). */
export interface EndpointReferences {
  deployments: string[]
}

/** An online endpoint YAML read and validated: ready for `toEndpointRestBody`. */
export interface EndpointYaml {
  yaml: OnlineEndpointYaml
  /** The file as named in input `endpoint`; its absolute path and folder. */
  file: string
  path: string
  dir: string
  references: EndpointReferences
  /** The parsed document, for locating later errors (`problemAt(read.source, path, ...)`). */
  source: YamlSource
}

function checkEndpoint(e: OnlineEndpointYaml, source: YamlSource): YamlProblem[] {
  const problems: YamlProblem[] = []
  if (e.traffic) {
    const total = Object.values(e.traffic).reduce((a, b) => a + b, 0)
    if (total !== 0 && total !== 100)
      problems.push(problemAt(source, ['traffic'], `the shares add up to ${total}: they must add up to 100 (or 0)`))
  }
  const id = e.identity
  if (id?.type === 'user_assigned' && !id.user_assigned_identities?.length)
    problems.push(
      problemAt(source, ['identity'], "a user_assigned identity needs 'user_assigned_identities' (its resource_id)")
    )
  if (id && id.type !== 'user_assigned' && id.user_assigned_identities?.length)
    problems.push(
      problemAt(
        source,
        ['identity', 'user_assigned_identities'],
        `an identity of type ${id.type} has no user-assigned identities: use type user_assigned`
      )
    )
  return problems
}

/**
 * The one refusal of a Kubernetes online endpoint (`compute:`) or deployment (`type: kubernetes`): this action creates
 * managed online endpoints only (Kubernetes ones need an attached Kubernetes compute and the azureml extension).
 */
export const KUBERNETES_ONLINE_NOT_SUPPORTED =
  'Kubernetes online endpoints and deployments are not supported: this action creates managed online endpoints. ' +
  'For a managed one, leave out compute (endpoint) and use type: managed with an instance_type (deployment); ' +
  'for a Kubernetes compute, run az ml online-endpoint create and az ml online-deployment create instead'

/**
 * Read, `set`, validate and check an online endpoint YAML. `file` is input `endpoint` (relative to
 * `options.baseDir`), `setLines` input `set`. Throws a `CliYamlError` (an InputError naming `endpoint` or `set`)
 * listing every problem with its file, line and field, or an `InputError('endpoint')` when the file is missing.
 */
export function readEndpointYaml(
  file: string,
  setLines: string | readonly string[] = [],
  options: ReadYamlOptions = {}
): EndpointYaml {
  const source = loadCliYaml(file, ENDPOINT_YAML, options.baseDir)
  applySetLines(source, setLines)
  const data: unknown = source.doc.toJS()
  // azure-ai-ml: auth_mode and identity.type are read with camel_to_snake, public_network_access lower-cased.
  normalizeEnumAt(data, ['auth_mode'], 'camelToSnake')
  normalizeEnumAt(data, ['identity', 'type'], 'camelToSnake')
  normalizeEnumAt(data, ['public_network_access'])
  // azure-ai-ml `OnlineEndpoint._load`: an endpoint with `compute` is a KubernetesOnlineEndpoint.
  if ((data as { compute?: unknown } | null)?.compute !== undefined)
    throw new CliYamlError(source.input, [problemAt(source, ['compute'], KUBERNETES_ONLINE_NOT_SUPPORTED)])
  let problems = schemaProblems(validateEndpoint, data, source)
  const yaml = data as OnlineEndpointYaml
  if (!problems.length) problems = checkEndpoint(yaml, source)
  if (problems.length) throw new CliYamlError(source.input, problems.sort(byLocation))
  return {
    yaml,
    file: source.file,
    path: source.path,
    dir: source.dir,
    references: { deployments: Object.keys(yaml.traffic ?? {}) },
    source
  }
}

/** mfe.json `ManagedServiceIdentity` (common-types v3), the fields sent. */
export interface EndpointIdentity {
  type: 'None' | 'SystemAssigned' | 'UserAssigned'
  userAssignedIdentities?: Record<string, Record<string, never>>
}

/** mfe.json `OnlineEndpoint` (with `EndpointPropertiesBase`), the fields sent. */
export interface OnlineEndpointProperties {
  authMode: 'Key' | 'AMLToken' | 'AADToken'
  description?: string
  properties?: Record<string, string>
  traffic?: Record<string, number>
  publicNetworkAccess?: 'Enabled' | 'Disabled'
}

/** mfe.json `OnlineEndpointTrackedResource`: the body of `PUT {WS}/onlineEndpoints/{name}`. */
export interface OnlineEndpointBody {
  location: string
  kind?: string
  identity: EndpointIdentity
  tags?: Record<string, string>
  properties: OnlineEndpointProperties
}

export interface EndpointRestOptions {
  /** The workspace's location (ARM requires one on a tracked resource; the SDK passes the workspace's). */
  location: string
}

const AUTH_MODE = { key: 'Key', aml_token: 'AMLToken', aad_token: 'AADToken' } as const
const IDENTITY_TYPE = { system_assigned: 'SystemAssigned', user_assigned: 'UserAssigned', none: 'None' } as const
const ACCESS = { enabled: 'Enabled', disabled: 'Disabled' } as const

/**
 * Build the body of `PUT {WS}/onlineEndpoints/{read.yaml.name}` (pure: an endpoint refers to nothing that needs
 * resolving, so unlike the deployment and model builders this needs no resolver and returns the body itself).
 */
export function toEndpointRestBody(read: EndpointYaml, options: EndpointRestOptions): OnlineEndpointBody {
  const e = read.yaml
  const numberText = (path: readonly (string | number)[]): string | undefined => numberTextAt(read.source, path)
  const properties: OnlineEndpointProperties = { authMode: AUTH_MODE[e.auth_mode ?? 'key'] }
  if (e.description !== undefined) properties.description = e.description
  const props = textMap(e.properties, 'properties', numberText)
  if (props) properties.properties = props
  if (e.traffic) properties.traffic = { ...e.traffic }
  if (e.public_network_access) properties.publicNetworkAccess = ACCESS[e.public_network_access]
  const identity: EndpointIdentity = { type: IDENTITY_TYPE[e.identity?.type ?? 'system_assigned'] }
  if (e.identity?.user_assigned_identities?.length) {
    identity.userAssignedIdentities = Object.fromEntries(
      e.identity.user_assigned_identities.map(u => [u.resource_id, {} as Record<string, never>])
    )
  }
  const body: OnlineEndpointBody = { location: options.location, identity, properties }
  if (e.kind !== undefined) body.kind = e.kind
  const tags = textMap(e.tags, 'tags', numberText)
  if (tags) body.tags = tags
  return body
}
