/**
 * What every component YAML type (command: component.ts, parallel: parallel-component.ts) shares: the fields of
 * azure-ai-ml 1.4 `_schema/component/component.py` `ComponentSchema` (name, version, display_name, description, tags,
 * is_deterministic, inputs, outputs), the checks of the input ports, reading a `code` reference, resolving the code
 * and environment references through a `ComponentResolver`, and the `ComponentVersion` body around a `componentSpec`
 * (`Component._to_rest_object`, mfe.json 2024-04-01 `ComponentVersion`).
 *
 * Every reader takes `at`, the field path of the component inside its YamlSource (`[]` for a component file,
 * `['jobs', 'score']` for a pipeline's inline node), so that problems name the right line and field.
 */
import { numberTextAt, problemAt, type FieldPath, type YamlProblem, type YamlSource } from '../../cli-yaml/load.js'
import type { EnvironmentDefinition } from '../../cli-yaml/environment.js'
import {
  BadReference,
  localPathProblem,
  parseCodeReference,
  resolveAsset,
  type CodeReference,
  type EnvironmentReference,
  type VersionSpec
} from '../../cli-yaml/references.js'
import { ASSET_VERSION_SCHEMA, SCALAR_MAP_SCHEMA, type Scalar } from '../../cli-yaml/schema.js'
import { scalarText, textMap, type NumberText } from '../../cli-yaml/text.js'

/**
 * Port types of a component's inputs and outputs: azure-ai-ml 1.4 `_schema/component/input_output.py`
 * `SUPPORTED_PORT_TYPES`, which also takes the legacy `path` (`constants/_common.py` `LegacyAssetTypes.PATH`, sent as
 * is; the responsible-ai examples use it).
 */
export const COMPONENT_ASSET_TYPES = [
  'path',
  'uri_file',
  'uri_folder',
  'mltable',
  'custom_model',
  'mlflow_model',
  'triton_model'
] as const
export const COMPONENT_LITERAL_TYPES = ['integer', 'number', 'string', 'boolean'] as const

export interface ComponentInputYaml {
  type: string
  default?: Scalar
  optional?: boolean
  description?: string
  min?: number
  max?: number
  enum?: Scalar[]
}

/** The fields every component type has (azure-ai-ml `ComponentSchema`), as written (snake_case). */
export interface ComponentHeadYaml {
  $schema?: string
  name: string
  version?: string | number
  display_name?: string
  description?: string
  tags?: Record<string, Scalar | null>
  is_deterministic?: boolean
  inputs?: Record<string, ComponentInputYaml>
  outputs?: Record<string, { type: string; description?: string } | null>
}

const NAME_HINT = 'letters, digits and underscores, not starting with a digit'
const PORT_NAME = { pattern: '^[a-zA-Z_][a-zA-Z0-9_]*$', hint: NAME_HINT }

/** JSON Schema (draft-07) properties of `ComponentHeadYaml`; each type adds its own and its `type` const. */
export const COMPONENT_HEAD_PROPERTIES = {
  $schema: { type: 'string' },
  name: {
    type: 'string',
    pattern: '^[a-zA-Z_][a-zA-Z0-9_.-]{0,254}$',
    hint: 'a component name: letters, digits, _, - and ., starting with a letter or _ (azure-ai-ml ComponentNameStr)'
  },
  version: ASSET_VERSION_SCHEMA,
  display_name: { type: 'string' },
  description: { type: 'string' },
  tags: SCALAR_MAP_SCHEMA,
  is_deterministic: { type: 'boolean' },
  inputs: {
    type: 'object',
    propertyNames: PORT_NAME,
    additionalProperties: {
      type: 'object',
      required: ['type'],
      properties: {
        type: { enum: [...COMPONENT_ASSET_TYPES, ...COMPONENT_LITERAL_TYPES] },
        default: { type: ['string', 'number', 'boolean'] },
        optional: { type: 'boolean' },
        description: { type: 'string' },
        min: { type: 'number' },
        max: { type: 'number' },
        enum: { type: 'array', minItems: 1, items: { type: ['string', 'number', 'boolean'] } },
        mode: { type: 'string' }
      },
      additionalProperties: false
    }
  },
  outputs: {
    type: 'object',
    propertyNames: PORT_NAME,
    additionalProperties: {
      type: 'object',
      required: ['type'],
      properties: {
        type: { enum: [...COMPONENT_ASSET_TYPES] },
        description: { type: 'string' },
        mode: { type: 'string' }
      },
      additionalProperties: false
    }
  }
} as const

/** Checks the schema cannot say: min/max/enum only on literal inputs, min not above max. */
export function inputPortProblems(
  inputs: Record<string, ComponentInputYaml> | undefined,
  source: YamlSource,
  at: FieldPath
): YamlProblem[] {
  const problems: YamlProblem[] = []
  for (const [name, input] of Object.entries(inputs ?? {})) {
    const literal = (COMPONENT_LITERAL_TYPES as readonly string[]).includes(input.type)
    if (!literal && (input.min !== undefined || input.max !== undefined || input.enum !== undefined)) {
      problems.push(
        problemAt(source, [...at, 'inputs', name, 'type'], `min, max and enum need a literal type, not ${input.type}`)
      )
    }
    if (input.min !== undefined && input.max !== undefined && input.min > input.max) {
      problems.push(problemAt(source, [...at, 'inputs', name, 'min'], `min ${input.min} is above max ${input.max}`))
    }
  }
  return problems
}

/**
 * A (schema-valid) `code` value at `path`: a reference, or a local folder or single file that must exist (azure-ai-ml
 * 1.4 uploads a file as a code asset of that one file: `_utils/_asset_utils.py` `get_object_hash`, as
 * `assets/files.ts` `listCodeFiles` does; the responsible-ai examples write `code: ./train.py`); problems pushed.
 */
export function readCodeReference(
  value: string | undefined,
  source: YamlSource,
  path: FieldPath,
  problems: YamlProblem[]
): CodeReference | undefined {
  if (value === undefined) return undefined
  try {
    const code = parseCodeReference(value, source.dir)
    if (code.kind === 'local') {
      const problem = localPathProblem(code.path, 'any', source.kind)
      if (problem) problems.push(problemAt(source, path, problem))
    }
    return code
  } catch (e) {
    if (!(e instanceof BadReference)) throw e
    problems.push(problemAt(source, path, e.message))
    return undefined
  }
}

export interface ComponentReferences {
  code?: CodeReference
  environment: EnvironmentReference
  /** A local code folder's `additional_includes`, absolute (command components). */
  additionalIncludes?: string[]
}

/** What the network layer provides for a component's references (src/components/register-component.ts). */
export interface ComponentResolver {
  /** Upload a local code folder (with any additional includes, absolute) as an anonymous code asset; its ARM id. */
  uploadCode(folder: string, additionalIncludes?: readonly string[]): Promise<string>
  codeId(name: string, version: VersionSpec): Promise<string>
  environmentId(name: string, version: VersionSpec): Promise<string>
  /** Register an inline environment; its ARM id. */
  registerEnvironment(definition: EnvironmentDefinition): Promise<string>
  /** The container's next version (`GET {WS}/components/{name}` → `nextVersion`; "1" when none). */
  nextVersion(name: string): Promise<string>
}

/** `azureml:` + an ARM id, as the SDK writes a resolved asset in `componentSpec`; registry URIs as they are. */
export function specRef(id: string): string {
  return id.startsWith('azureml:') ? id : `azureml:${id}`
}

/**
 * The references resolved through `resolver`, code first, then environment (the order the SDK's orchestrators use),
 * as `componentSpec` writes them: `azureml:<ARM id>`, a registry environment URI as written.
 */
export async function resolveComponentReferences(
  references: ComponentReferences,
  resolver: ComponentResolver
): Promise<{ code?: string; environment: string }> {
  const { code, environment } = references
  let codeId: string | undefined
  if (code) {
    codeId =
      code.kind === 'local'
        ? await resolver.uploadCode(code.path, references.additionalIncludes)
        : await resolveAsset(code, (n, v) => resolver.codeId(n, v))
  }
  const environmentId =
    environment.kind === 'inline'
      ? await resolver.registerEnvironment(environment.definition)
      : await resolveAsset(environment, (n, v) => resolver.environmentId(n, v))
  return {
    code: codeId === undefined ? undefined : specRef(codeId),
    environment: environment.kind === 'registry' ? environment.uri : specRef(environmentId)
  }
}

/** Input ports as `componentSpec` writes them: `default`, `min`, `max` as text (Python's `str()`). */
export function portsSpec(
  inputs: Record<string, ComponentInputYaml>,
  numberText: NumberText,
  at: FieldPath = []
): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {}
  for (const [name, input] of Object.entries(inputs)) {
    const port: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(input)) {
      port[key] =
        key === 'default' || key === 'min' || key === 'max'
          ? scalarText(value as Scalar, numberText([...at, 'inputs', name, key]))
          : value
    }
    out[name] = port
  }
  return out
}

/** The number texts as written under the component at `at` (paths relative to the component). */
export function numberTextUnder(source: YamlSource, at: FieldPath): NumberText {
  return path => numberTextAt(source, [...at, ...path])
}

/**
 * The version to register: the YAML's as written (`1.10` stays `1.10`), else `resolver.nextVersion(name)`.
 */
export async function componentVersion(
  y: ComponentHeadYaml,
  numberText: NumberText,
  resolver: ComponentResolver
): Promise<string> {
  return y.version === undefined ? await resolver.nextVersion(y.name) : (numberText(['version']) ?? String(y.version))
}

/**
 * The head of a `componentSpec` (key order as the SDK dumps it; the service compares it as JSON): `$schema`,
 * `_source`, name, version, display_name, description, tags (text), `type`, `is_deterministic` (default true),
 * inputs (defaults as text), outputs.
 */
export function headSpec(
  y: ComponentHeadYaml,
  type: string,
  version: string,
  numberText: NumberText,
  source = 'YAML.COMPONENT'
): Record<string, unknown> {
  const spec: Record<string, unknown> = {}
  if (y.$schema !== undefined) spec.$schema = y.$schema
  spec._source = source
  spec.name = y.name
  spec.version = version
  if (y.display_name !== undefined) spec.display_name = y.display_name
  if (y.description !== undefined) spec.description = y.description
  if (y.tags !== undefined) spec.tags = textMap(y.tags, 'tags', numberText) ?? {}
  spec.type = type
  spec.is_deterministic = y.is_deterministic ?? true
  if (y.inputs) spec.inputs = portsSpec(y.inputs, numberText)
  if (y.outputs) spec.outputs = y.outputs
  return spec
}

/** mfe.json `ComponentVersion` (with `AssetBase`, `ResourceBase`), the fields sent. */
export interface ComponentVersionProperties {
  componentSpec: Record<string, unknown>
  description?: string
  tags: Record<string, string>
  properties: Record<string, string>
  isAnonymous: boolean
  isArchived: false
}

/** The PUT to send: `PUT {WS}/components/{name}/versions/{version}` with `body`. */
export interface ComponentRestRequest {
  name: string
  version: string
  body: { properties: ComponentVersionProperties }
}

/** The PUT around a finished `componentSpec` (description and tags repeated outside it, as the SDK does). */
export function componentRequest(
  y: ComponentHeadYaml,
  version: string,
  spec: Record<string, unknown>,
  numberText: NumberText,
  isAnonymous = false
): ComponentRestRequest {
  const properties: ComponentVersionProperties = {
    componentSpec: spec,
    tags: textMap(y.tags, 'tags', numberText) ?? {},
    properties: {},
    isAnonymous,
    isArchived: false
  }
  if (y.description !== undefined) properties.description = y.description
  return { name: y.name, version, body: { properties } }
}
