/**
 * The **managed online deployment** YAML of `az ml online-deployment create -f blue.yml` → the body of
 * `PUT {WS}/onlineEndpoints/{endpoint}/deployments/{name}?api-version=2024-04-01` (mfe.json
 * `OnlineDeployments_CreateOrUpdate`, body `OnlineDeploymentTrackedResource`; an ARM long-running operation).
 *
 *   const read = readDeploymentYaml('deploy/blue.yml', core.getInput('set'), { baseDir: workspace })  // CliYamlError
 *   const body = await toDeploymentRestBody(read, resolver, { location: workspace.location })
 *   // PUT {WS}/onlineEndpoints/${read.yaml.endpoint_name}/deployments/${read.yaml.name}
 *
 * YAML fields (azure-ai-ml `_schema/_deployment/deployment.py` `DeploymentSchema`,
 * `_schema/_deployment/online/online_deployment.py` `ManagedOnlineDeploymentSchema`, `request_settings_schema.py`,
 * `liveness_probe.py`, `scale_settings_schema.py`, `_schema/_deployment/code_configuration_schema.py`,
 * `_schema/assets/model.py` `AnonymousModelSchema`): `$schema`, `name`, `endpoint_name`, `instance_type` (required,
 * as in the CLI's managed schema), `type` (`managed`; `kubernetes` is refused), `description`, `tags`, `properties`,
 * `model` (`azureml:name:version`, `azureml:name@latest`, an ARM id, a registry URI; or inline `{path, type, name,
 * version, description, tags, properties, stage}` with a local `path`, registered first), `code_configuration`
 * (`code`: a local folder, uploaded as for jobs, or `azureml:name:version` / an ARM id; `scoring_script`, relative to
 * the code folder and checked to exist in a local one), `environment` (a reference, or inline `image` / `conda_file`
 * as for jobs: src/cli-yaml/environment-yaml.ts), `instance_count`, `model_mount_path` (where a custom container sees
 * the model: `modelMountPath`, sent as written, as `ManagedOnlineDeployment._to_rest_object` does), `environment_variables`, `request_settings`
 * (`request_timeout_ms`, `max_concurrent_requests_per_instance`, `max_queue_wait_ms`), `liveness_probe` and
 * `readiness_probe` (`initial_delay`, `period`, `timeout` in seconds; `success_threshold`, `failure_threshold`),
 * `app_insights_enabled`, `scale_settings` (`type: default`; `target_utilization` is for Kubernetes only: refused as
 * the SDK's `_validate_scale_settings` does), `egress_public_network_access` (`enabled`, `disabled`). Unknown fields
 * are refused with a did-you-mean. Local paths are relative to the YAML file's folder and checked at read time.
 *
 * Body (mfe.json `OnlineDeploymentTrackedResource`, `ManagedOnlineDeployment` ← `OnlineDeployment` ←
 * `EndpointDeploymentPropertiesBase`, `CodeConfiguration`, `OnlineRequestSettings`, `ProbeSettings`,
 * `DefaultScaleSettings`, `EgressPublicNetworkAccessType`; common-types v3 `Sku`), following azure-ai-ml
 * `entities/_deployment/online_deployment.py` `ManagedOnlineDeployment._to_rest_object` and
 * `entities/_deployment/deployment_settings.py`:
 *   { location, sku: {name: "Default", capacity?: instance_count}, tags?,
 *     properties: {endpointComputeType: "Managed", description?, properties?, model?, modelMountPath?, codeConfiguration?: {codeId,
 *     scoringScript}, environmentId?, environmentVariables?, instanceType, appInsightsEnabled, scaleSettings?:
 *     {scaleType: "Default"}, requestSettings?: {requestTimeout, maxConcurrentRequestsPerInstance, maxQueueWait},
 *     livenessProbe?, readinessProbe?: {initialDelay, period, timeout, successThreshold, failureThreshold},
 *     egressPublicNetworkAccess?: "Enabled" | "Disabled"} }
 * - `instance_count` goes in `sku.capacity` (the SDK: `Sku(name="Default", capacity=instance_count)`; no count, no
 *   capacity). `appInsightsEnabled` is always sent (the SDK's default is False).
 * - durations as the SDK writes them (`to_iso_duration_format` / `_ms`, isodate): probes in seconds (`90` → `PT1M30S`),
 *   request settings in milliseconds (`1500` → `PT1.5S`); a zero duration is left out, as the SDK does (`if t else None`).
 * - `model`: the ARM id of the model version (no `azureml:` prefix: the SDK sends `model.id`), or the registry URI.
 */
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { ENVIRONMENT_SCHEMA, readEnvironment, type EnvironmentYaml } from '../../cli-yaml/environment-yaml.js'
import type { EnvironmentDefinition } from '../../cli-yaml/environment.js'
import { isoDuration, isoDurationMs } from '../../cli-yaml/duration.js'
import {
  byLocation,
  CliYamlError,
  loadCliYaml,
  numberTextAt,
  problemAt,
  type FieldPath,
  type YamlKind,
  type YamlProblem,
  type YamlSource,
  type ReadYamlOptions
} from '../../cli-yaml/load.js'
import {
  BadReference,
  localPathProblem,
  MODEL_TYPES,
  parseAssetReference,
  parseCodeReference,
  parseModelPath,
  resolveAsset,
  type AssetReference,
  type CodeReference,
  type EnvironmentReference,
  type LocalReference,
  type ModelType,
  type VersionSpec
} from '../../cli-yaml/references.js'
import {
  compileYamlSchema,
  normalizeEnumAt,
  schemaProblems,
  SCALAR_MAP_SCHEMA,
  type Scalar
} from '../../cli-yaml/schema.js'
import { applySetLines } from '../../cli-yaml/set.js'
import { textMap } from '../../cli-yaml/text.js'
import { ENDPOINT_NAME_SCHEMA, KUBERNETES_ONLINE_NOT_SUPPORTED } from './endpoint.js'

/**
 * The step input that names the file, for messages (`Input 'deployment': ...`). The operation's inputs.ts reads and
 * declares it (scripts/action-spec.ts); this module only names it.
 */
export const DEPLOYMENT_INPUT = 'deployment'

const DEPLOYMENT_YAML: YamlKind = {
  input: DEPLOYMENT_INPUT,
  kind: 'online deployment',
  fieldsHint: 'name, endpoint_name, model, instance_type, ...'
}

/** An inline model of a deployment, as written. */
export interface InlineModelYaml {
  path: string
  type?: ModelType
  name?: string
  version?: string | number
  description?: string
  tags?: Record<string, Scalar | null>
  properties?: Record<string, Scalar | null>
  stage?: string
}

export interface ProbeYaml {
  initial_delay?: number
  period?: number
  timeout?: number
  success_threshold?: number
  failure_threshold?: number
}

/** `data_collector` as the newest azure-ai-ml reads it (`_schema/_deployment/online/data_collector_schema.py`). */
export interface DataCollectorYaml {
  collections: Record<string, { enabled: string; data?: string; client_id?: string }>
  rolling_rate?: 'minute' | 'hour' | 'day'
  sampling_rate?: number
  request_logging?: { capture_headers?: string[] }
}

/** A managed online deployment YAML, validated, as written (snake_case), after the `set` lines. */
export interface ManagedOnlineDeploymentYaml {
  $schema?: string
  name: string
  endpoint_name: string
  type?: 'managed'
  description?: string
  tags?: Record<string, Scalar | null>
  properties?: Record<string, Scalar | null>
  model?: string | InlineModelYaml
  code_configuration?: { code: string; scoring_script: string }
  environment?: string | EnvironmentYaml
  environment_variables?: Record<string, Scalar | null>
  instance_type: string
  instance_count?: number
  model_mount_path?: string
  data_collector?: DataCollectorYaml
  request_settings?: {
    request_timeout_ms?: number
    max_concurrent_requests_per_instance?: number
    max_queue_wait_ms?: number
  }
  liveness_probe?: ProbeYaml
  readiness_probe?: ProbeYaml
  app_insights_enabled?: boolean
  scale_settings?: { type: 'default' | 'target_utilization' }
  egress_public_network_access?: 'enabled' | 'disabled'
}

const seconds = { type: 'integer', minimum: 0, hint: 'whole seconds' }
const probe = {
  type: 'object',
  properties: {
    initial_delay: seconds,
    period: seconds,
    timeout: seconds,
    success_threshold: { type: 'integer', minimum: 1 },
    failure_threshold: { type: 'integer', minimum: 1 }
  },
  additionalProperties: false
}
const inlineModel = {
  type: 'object',
  required: ['path'],
  properties: {
    path: { type: 'string', minLength: 1 },
    type: { enum: [...MODEL_TYPES] },
    name: {
      type: 'string',
      pattern: '^[a-zA-Z0-9][a-zA-Z0-9\\-_]{0,254}$',
      hint: 'a model name: letters, digits, - and _, starting with a letter or digit (mfe.json models {name})'
    },
    version: { type: ['string', 'number'] },
    description: { type: 'string' },
    tags: SCALAR_MAP_SCHEMA,
    properties: SCALAR_MAP_SCHEMA,
    stage: { type: 'string' }
  },
  additionalProperties: false
}

/** The managed online deployment schema (draft-07). */
export const MANAGED_ONLINE_DEPLOYMENT_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  required: ['name', 'endpoint_name', 'instance_type'],
  properties: {
    $schema: { type: 'string' },
    name: ENDPOINT_NAME_SCHEMA,
    endpoint_name: ENDPOINT_NAME_SCHEMA,
    type: { const: 'managed' },
    description: { type: 'string' },
    tags: SCALAR_MAP_SCHEMA,
    properties: SCALAR_MAP_SCHEMA,
    model: { if: { type: 'string' }, then: { type: 'string', minLength: 1 }, else: inlineModel },
    code_configuration: {
      type: 'object',
      required: ['code', 'scoring_script'],
      properties: { code: { type: 'string', minLength: 1 }, scoring_script: { type: 'string', minLength: 1 } },
      additionalProperties: false
    },
    environment: ENVIRONMENT_SCHEMA,
    environment_variables: SCALAR_MAP_SCHEMA,
    instance_type: { type: 'string', minLength: 1 },
    instance_count: { type: 'integer', minimum: 1 },
    model_mount_path: { type: 'string', minLength: 1 },
    data_collector: {
      type: 'object',
      required: ['collections'],
      properties: {
        collections: {
          type: 'object',
          additionalProperties: {
            type: 'object',
            required: ['enabled'],
            properties: {
              // A StringTransformedEnum there: the text 'true' or 'false' in any case; a YAML boolean is refused.
              enabled: {
                type: 'string',
                pattern: '^([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])$',
                hint: "'true' or 'false', quoted"
              },
              data: {
                type: 'string',
                minLength: 1,
                hint: 'a data asset reference (azureml:<name>:<version> or an ARM id)'
              },
              client_id: { type: 'string' }
            },
            additionalProperties: false
          }
        },
        rolling_rate: { enum: ['minute', 'hour', 'day'] },
        sampling_rate: { type: 'number', minimum: 0, maximum: 1 },
        request_logging: {
          type: 'object',
          properties: { capture_headers: { type: 'array', items: { type: 'string' } } },
          additionalProperties: false
        }
      },
      additionalProperties: false
    },
    request_settings: {
      type: 'object',
      properties: {
        request_timeout_ms: { type: 'integer', minimum: 1, hint: 'whole milliseconds' },
        max_concurrent_requests_per_instance: { type: 'integer', minimum: 1 },
        max_queue_wait_ms: { type: 'integer', minimum: 0, hint: 'whole milliseconds' }
      },
      additionalProperties: false
    },
    liveness_probe: probe,
    readiness_probe: probe,
    app_insights_enabled: { type: 'boolean' },
    scale_settings: {
      type: 'object',
      required: ['type'],
      properties: { type: { enum: ['default', 'target_utilization'] } },
      additionalProperties: false
    },
    egress_public_network_access: { enum: ['enabled', 'disabled'] }
  },
  additionalProperties: false
} as const

const validateDeployment = compileYamlSchema(MANAGED_ONLINE_DEPLOYMENT_SCHEMA)

/** What an inline model registers as (the resolver's `registerModel`). */
export interface InlineModelSpec {
  /** Absent: an anonymous model (azure-ai-ml: name = sha256 of the content hash, version 1, isAnonymous). */
  name?: string
  /** Absent with a name: the container's next version. */
  version?: string
  description?: string
  tags?: Record<string, string>
  properties?: Record<string, string>
  stage?: string
}

export type DeploymentModelReference = AssetReference | (LocalReference & { type: ModelType; spec: InlineModelSpec })

/** Every reference of a deployment, parsed (and local paths checked) before anything is sent. */
export interface DeploymentReferences {
  model?: DeploymentModelReference
  code?: CodeReference
  environment?: EnvironmentReference
}

/**
 * What the network layer provides for a deployment: each call returns the ARM id the body carries. One object may
 * implement both this and the jobs' `ReferenceResolver`, but note `modelVersionId` is the plain ARM id (a job input
 * carries `azureml:<ARM id>`).
 */
export interface DeploymentResolver {
  /** `{WS}/models/{name}/versions/{v}`; `'latest'` resolved to the newest version; fails if it does not exist. */
  modelVersionId(name: string, version: VersionSpec): Promise<string>
  /**
   * Upload a local model file or folder and register it (`PUT {WS}/models/{name}/versions/{v}`, `modelType` = `type`);
   * its ARM id. With no `spec.name`, an anonymous model as azure-ai-ml registers one.
   */
  registerModel(localPath: string, type: ModelType, spec: InlineModelSpec): Promise<string>
  /** `{WS}/codes/{name}/versions/{v}`. */
  codeId(name: string, version: VersionSpec): Promise<string>
  /** Upload a local code folder as an anonymous code version (content hash, reuse); its ARM id. */
  uploadCode(localFolder: string): Promise<string>
  /** `{WS}/environments/{name}/versions/{v}`; `'latest'` resolved; fails if it does not exist. */
  environmentId(name: string, version: VersionSpec): Promise<string>
  /** Register (PUT, idempotent) an environment version from an inline definition; its ARM id. */
  registerEnvironment(definition: EnvironmentDefinition): Promise<string>
}

/** A managed online deployment YAML read and validated: ready for `toDeploymentRestBody`. */
export interface DeploymentYaml {
  yaml: ManagedOnlineDeploymentYaml
  /** The file as named in input `deployment`; its absolute path and folder. */
  file: string
  path: string
  dir: string
  references: DeploymentReferences
  /** The parsed document, for locating later errors (`problemAt(read.source, path, ...)`). */
  source: YamlSource
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function readInlineModel(
  m: InlineModelYaml,
  source: YamlSource,
  problems: YamlProblem[]
): DeploymentModelReference | undefined {
  const at = (f: string): FieldPath => ['model', f]
  let ref
  try {
    ref = parseModelPath(m.path, source.dir)
  } catch (e) {
    if (!(e instanceof BadReference)) throw e
    problems.push(problemAt(source, at('path'), e.message))
    return undefined
  }
  if (ref.kind !== 'local') {
    problems.push(
      problemAt(
        source,
        at('path'),
        `an inline model needs a local path; register '${ref.uri}' first (register-model) and give model: azureml:<name>:<version>`
      )
    )
    return undefined
  }
  const type = m.type ?? 'custom_model'
  const problem = localPathProblem(ref.path, type === 'mlflow_model' ? 'folder' : 'any', source.kind)
  if (problem) {
    problems.push(
      problemAt(
        source,
        at('path'),
        type === 'mlflow_model' && existsSync(ref.path) ? `${problem} (an mlflow_model is a folder)` : problem
      )
    )
    return undefined
  }
  if (m.version !== undefined && m.name === undefined) {
    problems.push(problemAt(source, at('version'), "a 'version' needs a 'name'"))
    return undefined
  }
  const numberText = (path: FieldPath): string | undefined => numberTextAt(source, path)
  const spec: InlineModelSpec = {}
  if (m.name !== undefined) spec.name = m.name
  if (m.version !== undefined) spec.version = numberText(at('version')) ?? String(m.version)
  if (m.description !== undefined) spec.description = m.description
  const tags = textMap(m.tags, ['model', 'tags'], numberText)
  if (tags) spec.tags = tags
  const props = textMap(m.properties, ['model', 'properties'], numberText)
  if (props) spec.properties = props
  if (m.stage !== undefined) spec.stage = m.stage
  return { ...ref, type, spec }
}

/** Checks beyond the schema: references, local paths, the scoring script, fields a managed deployment cannot have. */
function checkDeployment(
  d: ManagedOnlineDeploymentYaml,
  source: YamlSource
): { references: DeploymentReferences; problems: YamlProblem[] } {
  const problems: YamlProblem[] = []
  const refs: DeploymentReferences = {}
  const guard = (path: FieldPath, parse: () => void): void => {
    try {
      parse()
    } catch (e) {
      if (!(e instanceof BadReference)) throw e
      problems.push(problemAt(source, path, e.message))
    }
  }
  if (typeof d.model === 'string') {
    const model = d.model
    guard(['model'], () => {
      try {
        refs.model = parseAssetReference(model, 'models')
      } catch (e) {
        // `model: ./model`: a local model is only read from the inline form (azure-ai-ml's ModelSchema, `path:`).
        const text = model.trim()
        if (e instanceof BadReference && !text.startsWith('azureml:') && !text.startsWith('/subscriptions/'))
          throw new BadReference(`${e.message}; a local model is written inline: model: {path: ${text}}`)
        throw e
      }
    })
  } else if (isObject(d.model)) {
    const model = readInlineModel(d.model, source, problems)
    if (model) refs.model = model
  }
  if (d.code_configuration) {
    const { code, scoring_script: script } = d.code_configuration
    guard(['code_configuration', 'code'], () => {
      const ref = parseCodeReference(code, source.dir)
      if (ref.kind === 'local') {
        const problem = localPathProblem(ref.path, 'folder', source.kind)
        if (problem) {
          problems.push(problemAt(source, ['code_configuration', 'code'], problem))
          return
        }
        const scriptPath = join(ref.path, script)
        if (!existsSync(scriptPath) || statSync(scriptPath).isDirectory())
          problems.push(
            problemAt(
              source,
              ['code_configuration', 'scoring_script'],
              `'${script}' is not a file in the code folder '${ref.path}' (the scoring script is relative to code)`
            )
          )
      }
      refs.code = ref
    })
    if (d.environment === undefined)
      problems.push(
        problemAt(source, ['code_configuration'], "a scoring script runs in an environment: give 'environment' too")
      )
  }
  if (d.environment !== undefined) {
    const env = readEnvironment(d.environment, source, ['environment'], problems, 'named')
    if (env) refs.environment = env
  }
  if (d.scale_settings?.type === 'target_utilization')
    problems.push(
      problemAt(
        source,
        ['scale_settings', 'type'],
        'a managed online deployment scales by instance_count only: type default (target_utilization is for Kubernetes deployments)'
      )
    )
  return { references: refs, problems }
}

/**
 * Read, `set`, validate and check a managed online deployment YAML. `file` is input `deployment` (relative to
 * `options.baseDir`), `setLines` input `set`. Throws a `CliYamlError` (an InputError naming `deployment` or `set`)
 * listing every problem with its file, line and field, or an `InputError('deployment')` when the file is missing.
 */
export function readDeploymentYaml(
  file: string,
  setLines: string | readonly string[] = [],
  options: ReadYamlOptions = {}
): DeploymentYaml {
  const source = loadCliYaml(file, DEPLOYMENT_YAML, options.baseDir)
  applySetLines(source, setLines)
  const data: unknown = source.doc.toJS()
  // azure-ai-ml: `type` is read with camel_to_snake (`Managed`), the other enums lower-cased.
  normalizeEnumAt(data, ['type'], 'camelToSnake')
  normalizeEnumAt(data, ['scale_settings', 'type'], 'camelToSnake')
  normalizeEnumAt(data, ['egress_public_network_access'])
  normalizeEnumAt(data, ['model', 'type'])
  normalizeEnumAt(data, ['data_collector', 'rolling_rate'])
  const type = (data as { type?: unknown }).type
  if (type === 'kubernetes')
    throw new CliYamlError(source.input, [problemAt(source, ['type'], KUBERNETES_ONLINE_NOT_SUPPORTED)])
  const schema = schemaProblems(validateDeployment, data, source)
  if (schema.length) throw new CliYamlError(source.input, schema)
  const yaml = data as ManagedOnlineDeploymentYaml
  const { references, problems } = checkDeployment(yaml, source)
  if (problems.length) throw new CliYamlError(source.input, problems.sort(byLocation))
  return { yaml, file: source.file, path: source.path, dir: source.dir, references, source }
}

/** mfe.json `ProbeSettings`. */
export interface ProbeSettings {
  initialDelay?: string
  period?: string
  timeout?: string
  successThreshold?: number
  failureThreshold?: number
}

/** mfe.json `ManagedOnlineDeployment` (with `OnlineDeployment`, `EndpointDeploymentPropertiesBase`), the fields sent. */
export interface ManagedOnlineDeploymentProperties {
  endpointComputeType: 'Managed'
  description?: string
  properties?: Record<string, string>
  model?: string
  modelMountPath?: string
  dataCollector?: {
    collections: Record<
      string,
      { dataCollectionMode: 'enabled' | 'disabled'; samplingRate?: number; dataId?: string; clientId?: string }
    >
    rollingRate?: string
    requestLogging?: { captureHeaders?: string[] }
  }
  codeConfiguration?: { codeId: string; scoringScript: string }
  environmentId?: string
  environmentVariables?: Record<string, string>
  instanceType: string
  appInsightsEnabled: boolean
  scaleSettings?: { scaleType: 'Default' }
  requestSettings?: { requestTimeout?: string; maxConcurrentRequestsPerInstance?: number; maxQueueWait?: string }
  livenessProbe?: ProbeSettings
  readinessProbe?: ProbeSettings
  egressPublicNetworkAccess?: 'Enabled' | 'Disabled'
}

/** mfe.json `OnlineDeploymentTrackedResource`: the body of `PUT {WS}/onlineEndpoints/{e}/deployments/{d}`. */
export interface OnlineDeploymentBody {
  location: string
  sku: { name: 'Default'; capacity?: number }
  tags?: Record<string, string>
  properties: ManagedOnlineDeploymentProperties
}

export interface DeploymentRestOptions {
  /** The workspace's location (ARM requires one on a tracked resource; the SDK passes the endpoint's workspace's). */
  location: string
}

/** The ids the deployment body carries, once every reference is resolved. */
export interface ResolvedDeploymentReferences {
  model?: string
  codeId?: string
  environmentId?: string
}

/**
 * Resolve a deployment's references through `resolver`, one at a time in a fixed order (model, code, environment),
 * so a failure stops before later uploads.
 */
export async function resolveDeploymentReferences(
  refs: DeploymentReferences,
  resolver: DeploymentResolver
): Promise<ResolvedDeploymentReferences> {
  const out: ResolvedDeploymentReferences = {}
  const m = refs.model
  if (m)
    out.model =
      m.kind === 'local'
        ? await resolver.registerModel(m.path, m.type, m.spec)
        : await resolveAsset(m, (n, v) => resolver.modelVersionId(n, v))
  const c = refs.code
  if (c)
    out.codeId =
      c.kind === 'local' ? await resolver.uploadCode(c.path) : await resolveAsset(c, (n, v) => resolver.codeId(n, v))
  const e = refs.environment
  if (e)
    out.environmentId =
      e.kind === 'inline'
        ? await resolver.registerEnvironment(e.definition)
        : await resolveAsset(e, (n, v) => resolver.environmentId(n, v))
  return out
}

function probeRest(p: ProbeYaml | undefined): ProbeSettings | undefined {
  if (!p) return undefined
  const out: ProbeSettings = {}
  if (p.initial_delay) out.initialDelay = isoDuration(p.initial_delay)
  if (p.period) out.period = isoDuration(p.period)
  if (p.timeout) out.timeout = isoDuration(p.timeout)
  if (p.success_threshold !== undefined) out.successThreshold = p.success_threshold
  if (p.failure_threshold !== undefined) out.failureThreshold = p.failure_threshold
  return out
}

const ACCESS = { enabled: 'Enabled', disabled: 'Disabled' } as const

/**
 * `data_collector` → mfe.json `DataCollector` as the newest azure-ai-ml sends it (`entities/_deployment/data_collector.py`
 * and `deployment_collection.py` `_to_rest_object`; azure-ai-ml 1.4 has an older shape): each collection's `enabled`
 * → `dataCollectionMode` `enabled`/`disabled` (lower case, as the SDK writes it), the root `sampling_rate` copied onto
 * every collection, `data` → `dataId` and `client_id` → `clientId` as written, `rolling_rate` as written,
 * `request_logging.capture_headers` → `requestLogging.captureHeaders`.
 */
export function dataCollectorRest(
  dc: DataCollectorYaml
): NonNullable<ManagedOnlineDeploymentProperties['dataCollector']> {
  const collections: NonNullable<ManagedOnlineDeploymentProperties['dataCollector']>['collections'] = {}
  for (const [name, c] of Object.entries(dc.collections)) {
    const rest: (typeof collections)[string] = {
      dataCollectionMode: c.enabled.toLowerCase() === 'true' ? 'enabled' : 'disabled'
    }
    if (dc.sampling_rate !== undefined) rest.samplingRate = dc.sampling_rate
    if (c.data !== undefined) rest.dataId = c.data
    if (c.client_id !== undefined) rest.clientId = c.client_id
    collections[name] = rest
  }
  const out: NonNullable<ManagedOnlineDeploymentProperties['dataCollector']> = { collections }
  if (dc.rolling_rate !== undefined) out.rollingRate = dc.rolling_rate
  if (dc.request_logging) {
    out.requestLogging = {}
    if (dc.request_logging.capture_headers) out.requestLogging.captureHeaders = dc.request_logging.capture_headers
  }
  return out
}

/** Build the body from a validated deployment and its resolved references (pure). */
export function buildDeploymentBody(
  read: DeploymentYaml,
  resolved: ResolvedDeploymentReferences,
  options: DeploymentRestOptions
): OnlineDeploymentBody {
  const d = read.yaml
  const numberText = (path: FieldPath): string | undefined => numberTextAt(read.source, path)
  const p: ManagedOnlineDeploymentProperties = {
    endpointComputeType: 'Managed',
    instanceType: d.instance_type,
    appInsightsEnabled: d.app_insights_enabled ?? false
  }
  if (d.description !== undefined) p.description = d.description
  const props = textMap(d.properties, 'properties', numberText)
  if (props) p.properties = props
  if (resolved.model !== undefined) p.model = resolved.model
  if (d.model_mount_path !== undefined) p.modelMountPath = d.model_mount_path
  if (d.data_collector) p.dataCollector = dataCollectorRest(d.data_collector)
  if (d.code_configuration && resolved.codeId !== undefined)
    p.codeConfiguration = { codeId: resolved.codeId, scoringScript: d.code_configuration.scoring_script }
  if (resolved.environmentId !== undefined) p.environmentId = resolved.environmentId
  const env = textMap(d.environment_variables, 'environment_variables', numberText)
  if (env) p.environmentVariables = env
  if (d.scale_settings) p.scaleSettings = { scaleType: 'Default' }
  if (d.request_settings) {
    const r = d.request_settings
    p.requestSettings = {}
    if (r.request_timeout_ms) p.requestSettings.requestTimeout = isoDurationMs(r.request_timeout_ms)
    if (r.max_concurrent_requests_per_instance !== undefined)
      p.requestSettings.maxConcurrentRequestsPerInstance = r.max_concurrent_requests_per_instance
    if (r.max_queue_wait_ms) p.requestSettings.maxQueueWait = isoDurationMs(r.max_queue_wait_ms)
  }
  const liveness = probeRest(d.liveness_probe)
  if (liveness) p.livenessProbe = liveness
  const readiness = probeRest(d.readiness_probe)
  if (readiness) p.readinessProbe = readiness
  if (d.egress_public_network_access) p.egressPublicNetworkAccess = ACCESS[d.egress_public_network_access]
  const body: OnlineDeploymentBody = { location: options.location, sku: { name: 'Default' }, properties: p }
  if (d.instance_count !== undefined) body.sku.capacity = d.instance_count
  const tags = textMap(d.tags, 'tags', numberText)
  if (tags) body.tags = tags
  return body
}

/** Resolve the deployment's references through `resolver` (registrations, uploads, lookups) and build the body. */
export async function toDeploymentRestBody(
  read: DeploymentYaml,
  resolver: DeploymentResolver,
  options: DeploymentRestOptions
): Promise<OnlineDeploymentBody> {
  const resolved = await resolveDeploymentReferences(read.references, resolver)
  return buildDeploymentBody(read, resolved, options)
}
