/**
 * Managed online deployment YAML → the exact body of PUT {WS}/onlineEndpoints/{e}/deployments/{d} (written by hand
 * from mfe.json 2024-04-01 OnlineDeploymentTrackedResource / ManagedOnlineDeployment), checked against the spec with
 * ajv; references resolved through a recording fake resolver; every kind of error naming file, line and field.
 */
import { describe, expect, it } from '@jest/globals'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { EnvironmentDefinition } from '../../src/cli-yaml/environment.js'
import {
  readDeploymentYaml,
  toDeploymentRestBody,
  type DeploymentResolver,
  type InlineModelSpec,
  type ModelType
} from '../../src/online-endpoints/yaml/index.js'
import { KUBERNETES_ONLINE_NOT_SUPPORTED } from '../../src/online-endpoints/yaml/endpoint.js'
import { WS, yamlErrorOf, yamlFolder } from '../cli-yaml/helpers.js'
import { findSpec, SPEC_CANDIDATES, specResourceValidator, specValidator } from '../cli-yaml/spec-schema.js'

const CLI = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures', 'cli')
const specPath = findSpec()
const withSpec = specPath ? it : it.skip
if (!specPath) console.warn(`SKIPPED spec validation: mfe.json 2024-04-01 not found at ${SPEC_CANDIDATES.join(' or ')}`)

function specErrors(body: unknown): unknown[] {
  const validate = specResourceValidator(specPath as string, 'OnlineDeploymentTrackedResource')
  return validate(body) ? [] : (validate.errors ?? [])
}

const MODEL_ID = `${WS}/models/6b7a5c0e3d2f1a09b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5/versions/1`
const CODE_ID = `${WS}/codes/7c1f3a2e-0000-4000-8000-000000000001/versions/1`

/** A resolver that records its calls and answers with ids under WS. */
class FakeDeploymentResolver implements DeploymentResolver {
  readonly calls: string[] = []
  readonly environments: EnvironmentDefinition[] = []
  readonly models: { path: string; type: ModelType; spec: InlineModelSpec }[] = []
  async modelVersionId(name: string, version: string): Promise<string> {
    this.calls.push(`modelVersionId ${name} ${version}`)
    return `${WS}/models/${name}/versions/${version === 'latest' ? '5' : version}`
  }
  async registerModel(localPath: string, type: ModelType, spec: InlineModelSpec): Promise<string> {
    this.calls.push(`registerModel ${localPath} ${type}`)
    this.models.push({ path: localPath, type, spec })
    return spec.name ? `${WS}/models/${spec.name}/versions/${spec.version ?? '1'}` : MODEL_ID
  }
  async codeId(name: string, version: string): Promise<string> {
    this.calls.push(`codeId ${name} ${version}`)
    return `${WS}/codes/${name}/versions/${version === 'latest' ? '2' : version}`
  }
  async uploadCode(localFolder: string): Promise<string> {
    this.calls.push(`uploadCode ${localFolder}`)
    return CODE_ID
  }
  async environmentId(name: string, version: string): Promise<string> {
    this.calls.push(`environmentId ${name} ${version}`)
    return `${WS}/environments/${name}/versions/${version === 'latest' ? '7' : version}`
  }
  async registerEnvironment(definition: EnvironmentDefinition): Promise<string> {
    this.calls.push(`registerEnvironment ${definition.name} ${definition.version}`)
    this.environments.push(definition)
    return `${WS}/environments/${definition.name}/versions/${definition.version}`
  }
}

/** md5 formula of azure-ai-ml for this image and conda file, computed with Python (hashlib, str.join). */
const ENV_VERSION = 'c0120ec4f4b0c2a53f91ad6047b4743d'
/** The conda file as PyYAML's yaml.dump(sort_keys=True) writes it (checked with PyYAML). */
const CONDA = [
  'channels:',
  '- conda-forge',
  'dependencies:',
  '- python=3.10',
  '- numpy=1.23.5',
  '- pip',
  '- scikit-learn=1.2.2',
  '- pip:',
  '  - azureml-defaults',
  '  - inference-schema[numpy-support]==1.5.0',
  'name: model-env',
  ''
].join('\n')

/** Written by hand from blue.yml and mfe.json (OnlineDeploymentTrackedResource, ManagedOnlineDeployment, ...). */
const EXPECTED_BLUE = {
  location: 'westeurope',
  sku: { name: 'Default', capacity: 2 },
  tags: { color: 'blue' },
  properties: {
    endpointComputeType: 'Managed',
    model: MODEL_ID,
    codeConfiguration: { codeId: CODE_ID, scoringScript: 'score.py' },
    environmentId: `${WS}/environments/CliV2AnonymousEnvironment/versions/${ENV_VERSION}`,
    instanceType: 'Standard_DS3_v2',
    environmentVariables: { WORKERS: '2', LOG_LEVEL: 'debug' },
    appInsightsEnabled: true,
    scaleSettings: { scaleType: 'Default' },
    requestSettings: { requestTimeout: 'PT1M30.5S', maxConcurrentRequestsPerInstance: 4, maxQueueWait: 'PT0.5S' },
    livenessProbe: {
      initialDelay: 'PT30S',
      period: 'PT10S',
      timeout: 'PT2S',
      successThreshold: 1,
      failureThreshold: 30
    },
    readinessProbe: { initialDelay: 'PT1M30S', failureThreshold: 3 },
    egressPublicNetworkAccess: 'Disabled'
  }
}

describe('managed online deployment YAML → REST body', () => {
  it('maps blue (local model folder, local code, inline image + conda environment) exactly', async () => {
    const read = readDeploymentYaml('endpoints/blue.yml', [], { baseDir: CLI })
    const resolver = new FakeDeploymentResolver()
    const body = await toDeploymentRestBody(read, resolver, { location: 'westeurope' })
    expect(body).toEqual(EXPECTED_BLUE)
    expect(resolver.calls).toEqual([
      `registerModel ${join(CLI, 'model-1', 'model')} custom_model`,
      `uploadCode ${join(CLI, 'model-1', 'onlinescoring')}`,
      `registerEnvironment CliV2AnonymousEnvironment ${ENV_VERSION}`
    ])
    expect(resolver.models[0].spec).toEqual({})
    expect(resolver.environments[0].body).toEqual({
      properties: {
        image: 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest',
        condaFile: CONDA,
        isAnonymous: true
      }
    })
  })

  withSpec(
    'the blue body is valid against mfe.json OnlineDeploymentTrackedResource (ManagedOnlineDeployment)',
    async () => {
      const read = readDeploymentYaml('endpoints/blue.yml', [], { baseDir: CLI })
      const resolver = new FakeDeploymentResolver()
      const body = await toDeploymentRestBody(read, resolver, { location: 'westeurope' })
      expect(specErrors(body)).toEqual([])
      const env = specValidator(specPath as string, 'EnvironmentVersion')
      expect(env(resolver.environments[0].body) ? [] : env.errors).toEqual([])
    }
  )

  withSpec('the spec check is strict: instance_count in properties, or a sku without name, is refused', () => {
    const p = EXPECTED_BLUE.properties
    expect(specErrors({ ...EXPECTED_BLUE, properties: { ...p, instanceCount: 2 } })).not.toEqual([])
    expect(specErrors({ ...EXPECTED_BLUE, sku: { capacity: 2 } })).not.toEqual([])
    expect(specErrors({ ...EXPECTED_BLUE, properties: { ...p, endpointComputeType: 'Serverless' } })).not.toEqual([])
    expect(
      specErrors({ ...EXPECTED_BLUE, properties: { ...p, requestSettings: { requestTimeout: '90s' } } })
    ).not.toEqual([])
  })

  it('references by name: model, code and environment; @latest; registry model; set overrides', async () => {
    const dir = yamlFolder({
      'd.yml': [
        'name: green',
        'endpoint_name: credit-endpoint',
        'model: azureml:credit-model@latest',
        'code_configuration:',
        '  code: azureml:score-code:3',
        '  scoring_script: src/score.py',
        'environment: azureml:sklearn-env:12',
        'instance_type: Standard_DS2_v2',
        ''
      ].join('\n')
    })
    const resolver = new FakeDeploymentResolver()
    const read = readDeploymentYaml('d.yml', ['instance_count=3', 'environment_variables.MODE=green'], { baseDir: dir })
    const body = await toDeploymentRestBody(read, resolver, { location: 'eastus' })
    const expected = {
      location: 'eastus',
      sku: { name: 'Default', capacity: 3 },
      properties: {
        endpointComputeType: 'Managed',
        model: `${WS}/models/credit-model/versions/5`,
        codeConfiguration: { codeId: `${WS}/codes/score-code/versions/3`, scoringScript: 'src/score.py' },
        environmentId: `${WS}/environments/sklearn-env/versions/12`,
        instanceType: 'Standard_DS2_v2',
        environmentVariables: { MODE: 'green' },
        appInsightsEnabled: false
      }
    }
    expect(body).toEqual(expected)
    if (specPath) expect(specErrors(body)).toEqual([])
    expect(resolver.calls).toEqual([
      'modelVersionId credit-model latest',
      'codeId score-code 3',
      'environmentId sklearn-env 12'
    ])
    const registry = readDeploymentYaml(
      'd.yml',
      [
        'model=azureml://registries/azureml/models/distilbert/versions/4',
        'code_configuration.code=./src',
        'code_configuration.scoring_script=score.py',
        'environment=azureml:e@latest'
      ],
      { baseDir: yamlFolder({ 'd.yml': 'name: green\nendpoint_name: ep1\ninstance_type: x\n', 'src/score.py': '' }) }
    )
    expect(registry.references.model).toEqual({
      kind: 'registry',
      uri: 'azureml://registries/azureml/models/distilbert/versions/4'
    })
  })

  it('model_mount_path → modelMountPath as written (azure-ai-ml ManagedOnlineDeployment._to_rest_object)', async () => {
    const dir = yamlFolder({
      'd.yml': [
        'name: triton',
        'endpoint_name: credit-endpoint',
        'model: azureml:credit-model:5',
        'model_mount_path: /models',
        'environment: azureml:triton-env:1',
        'instance_type: Standard_NC6s_v3',
        ''
      ].join('\n')
    })
    const body = await toDeploymentRestBody(
      readDeploymentYaml('d.yml', [], { baseDir: dir }),
      new FakeDeploymentResolver(),
      {
        location: 'eastus'
      }
    )
    expect(body.properties.modelMountPath).toBe('/models')
    if (specPath) expect(specErrors(body)).toEqual([])
  })

  it('data_collector → dataCollector as the newest azure-ai-ml sends it; a YAML boolean for enabled is refused', async () => {
    const dir = yamlFolder({
      'd.yml': [
        'name: main',
        'endpoint_name: credit-endpoint',
        'model: azureml:credit-model:5',
        'environment: azureml:env:1',
        'instance_type: Standard_F2s_v2',
        'data_collector:',
        '  sampling_rate: 0.5',
        '  rolling_rate: Hour',
        '  request_logging:',
        '    capture_headers: [x-request-id]',
        '  collections:',
        '    model_inputs:',
        "      enabled: 'True'",
        '      data: azureml:inputs-data:1',
        '    model_outputs:',
        '      enabled: "false"',
        ''
      ].join('\n')
    })
    const body = await toDeploymentRestBody(
      readDeploymentYaml('d.yml', [], { baseDir: dir }),
      new FakeDeploymentResolver(),
      {
        location: 'eastus'
      }
    )
    expect(body.properties.dataCollector).toEqual({
      collections: {
        model_inputs: { dataCollectionMode: 'enabled', samplingRate: 0.5, dataId: 'azureml:inputs-data:1' },
        model_outputs: { dataCollectionMode: 'disabled', samplingRate: 0.5 }
      },
      rollingRate: 'hour',
      requestLogging: { captureHeaders: ['x-request-id'] }
    })
    expect(
      errorOf(
        'name: main\nendpoint_name: e1\ninstance_type: x\ndata_collector:\n  collections:\n    model_inputs:\n      enabled: true\n'
      ).message
    ).toMatch(/blue\.yml:7: data_collector\.collections\.model_inputs\.enabled: /)
  })

  it('model: ./model (a local path as a string) is refused, naming the inline form that works', () => {
    expect(errorOf(`${OK}model: ./model\n`).message).toContain(
      "blue.yml:4: model: './model' is not a reference: use azureml:<name>:<version>, azureml:<name>@latest or an ARM " +
        'id; a local model is written inline: model: {path: ./model}'
    )
    // A malformed reference gets no such hint: it was meant as a reference.
    expect(errorOf(`${OK}model: azureml:m\n`).message).not.toContain('inline')
  })

  it("data_collector errors say how to fix a YAML boolean and echo an enum value as written ('Hourly')", () => {
    const message = errorOf(
      `${OK}data_collector:\n  collections:\n    model_outputs:\n      enabled: true\n  rolling_rate: Hourly\n`
    ).message
    expect(message).toContain(
      'blue.yml:7: data_collector.collections.model_outputs.enabled: expected a string, got the boolean true ' +
        "(write it in quotes, 'true', to make it a string)"
    )
    expect(message).toContain(
      "blue.yml:8: data_collector.rolling_rate: the string 'Hourly' is not one of minute, hour, day (did you mean 'hour'?)"
    )
  })

  it('an inline named model version, mlflow type; no count gives a sku without capacity', async () => {
    const dir = yamlFolder({
      'd.yml': [
        'name: mlflow-dep',
        'endpoint_name: credit-endpoint',
        'model:',
        '  path: model',
        '  type: MLflow_Model',
        '  name: credit-model',
        '  version: 3',
        '  tags:',
        '    stage: 2',
        'instance_type: Standard_DS2_v2',
        ''
      ].join('\n'),
      'model/MLmodel': 'flavors: {}\n'
    })
    const resolver = new FakeDeploymentResolver()
    const body = await toDeploymentRestBody(readDeploymentYaml('d.yml', [], { baseDir: dir }), resolver, {
      location: 'eastus'
    })
    expect(resolver.models).toEqual([
      {
        path: join(dir, 'model'),
        type: 'mlflow_model',
        spec: { name: 'credit-model', version: '3', tags: { stage: '2' } }
      }
    ])
    expect(body).toEqual({
      location: 'eastus',
      sku: { name: 'Default' },
      properties: {
        endpointComputeType: 'Managed',
        model: `${WS}/models/credit-model/versions/3`,
        instanceType: 'Standard_DS2_v2',
        appInsightsEnabled: false
      }
    })
  })
})

/** The error for a deployment YAML text (and `set` lines), with other files beside it. */
function errorOf(yaml: string, set: string[] = [], files: Record<string, string> = {}) {
  const dir = yamlFolder({ 'blue.yml': yaml, ...files })
  return yamlErrorOf(() => readDeploymentYaml('blue.yml', set, { baseDir: dir }))
}

const OK = 'name: blue\nendpoint_name: my-endpoint\ninstance_type: Standard_DS3_v2\n'

describe('managed online deployment YAML errors name the input, file, line and field', () => {
  it('accepts a minimal deployment', () => {
    const dir = yamlFolder({ 'blue.yml': OK })
    expect(readDeploymentYaml('blue.yml', [], { baseDir: dir }).yaml.name).toBe('blue')
  })

  it('missing required fields, unknown fields with suggestions (top level and nested)', () => {
    const e = errorOf(
      [
        'name: blue',
        'instance_typ: Standard_DS3_v2',
        'request_settings:',
        '  request_timeout: 5000',
        'liveness_probe:',
        '  inital_delay: 10',
        ''
      ].join('\n')
    )
    expect(e.input).toBe('deployment')
    expect(e.message).toBe(
      "Input 'deployment': blue.yml:1: endpoint_name: missing required field 'endpoint_name'\n" +
        "blue.yml:1: instance_type: missing required field 'instance_type'\n" +
        "blue.yml:2: instance_typ: unknown field 'instance_typ' (did you mean 'instance_type'?)\n" +
        "blue.yml:4: request_settings.request_timeout: unknown field 'request_timeout' (did you mean 'request_timeout_ms'?)\n" +
        "blue.yml:6: liveness_probe.inital_delay: unknown field 'inital_delay' (did you mean 'initial_delay'?)"
    )
  })

  it('wrong types and bounds', () => {
    const e = errorOf(
      `${OK}instance_count: 0\napp_insights_enabled: yes please\nrequest_settings:\n  max_queue_wait_ms: 0.5\nreadiness_probe:\n  period: -1\n`
    )
    expect(e.message).toBe(
      "Input 'deployment': blue.yml:4: instance_count: the number 0 must be >= 1\n" +
        "blue.yml:5: app_insights_enabled: expected true or false, got the string 'yes please'\n" +
        'blue.yml:7: request_settings.max_queue_wait_ms: expected a whole number, got the number 0.5\n' +
        'blue.yml:9: readiness_probe.period: the number -1 must be >= 0 (whole seconds)'
    )
  })

  it('a local model, code folder, scoring script or conda file that is not there', () => {
    const e = errorOf(
      `${OK}model:\n  path: ./model\ncode_configuration:\n  code: ./src\n  scoring_script: score.py\nenvironment:\n  image: python:3.11\n  conda_file: env/conda.yml\n`
    )
    expect(e.message).toMatch(
      /^Input 'deployment': blue\.yml:5: model\.path: local path '.*\/model' does not exist \(paths are relative to the online deployment YAML's folder\)$/m
    )
    expect(e.message).toMatch(/^blue\.yml:7: code_configuration\.code: local path '.*\/src' does not exist/m)
    expect(e.message).toMatch(
      /^blue\.yml:11: environment\.conda_file: conda file '.*\/env\/conda\.yml' does not exist/m
    )
    const script = errorOf(
      `${OK}code_configuration:\n  code: src\n  scoring_script: score.py\nenvironment: azureml:e:1\n`,
      [],
      {
        'src/other.py': ''
      }
    )
    expect(script.message).toMatch(
      /^Input 'deployment': blue\.yml:6: code_configuration\.scoring_script: 'score\.py' is not a file in the code folder '.*\/src'/
    )
  })

  it('bad references: a model without version, a code URL, an environment ARM id of another kind', () => {
    const e = errorOf(
      `${OK}model: azureml:credit-model\ncode_configuration:\n  code: https://example.com/code.zip\n  scoring_script: s.py\nenvironment: azureml:${WS}/models/m/versions/1\n`
    )
    expect(e.message).toBe(
      "Input 'deployment': blue.yml:4: model: 'azureml:credit-model' needs a version: azureml:credit-model:<version> or azureml:credit-model@latest\n" +
        "blue.yml:6: code_configuration.code: 'https://example.com/code.zip': remote code URLs are not supported yet; use a local folder or azureml:<name>:<version>\n" +
        `blue.yml:8: environment: 'azureml:${WS}/models/m/versions/1' is the ARM id of models, not of environments`
    )
  })

  it('an inline model: a remote path, a version without name, an mlflow model file', () => {
    expect(errorOf(`${OK}model:\n  path: azureml://jobs/train-1/outputs/model\n`).message).toBe(
      "Input 'deployment': blue.yml:5: model.path: an inline model needs a local path; register 'azureml://jobs/train-1/outputs/model' first (register-model) and give model: azureml:<name>:<version>"
    )
    expect(errorOf(`${OK}model:\n  path: m.pkl\n  version: 2\n`, [], { 'm.pkl': 'x' }).message).toBe(
      "Input 'deployment': blue.yml:6: model.version: a 'version' needs a 'name'"
    )
    expect(errorOf(`${OK}model:\n  path: m.pkl\n  type: mlflow_model\n`, [], { 'm.pkl': 'x' }).message).toMatch(
      /^Input 'deployment': blue\.yml:5: model\.path: '.*\/m\.pkl' is a file; a folder is needed here \(an mlflow_model is a folder\)$/
    )
  })

  it('code without environment; target_utilization scaling; a kubernetes deployment', () => {
    expect(
      errorOf(`${OK}code_configuration:\n  code: src\n  scoring_script: s.py\n`, [], { 'src/s.py': '' }).message
    ).toBe(
      "Input 'deployment': blue.yml:4: code_configuration: a scoring script runs in an environment: give 'environment' too"
    )
    expect(errorOf(`${OK}scale_settings:\n  type: target_utilization\n`).message).toBe(
      "Input 'deployment': blue.yml:5: scale_settings.type: a managed online deployment scales by instance_count only: type default (target_utilization is for Kubernetes deployments)"
    )
    expect(errorOf(`type: kubernetes\n${OK}`).message).toBe(
      `Input 'deployment': blue.yml:1: type: ${KUBERNETES_ONLINE_NOT_SUPPORTED}`
    )
  })

  it('a set value is blamed on its set line; bad set lines name input set', () => {
    const e = errorOf(OK, ['instance_count=many'])
    expect(e.input).toBe('set')
    expect(e.message).toBe(
      "Input 'set': line 1 (instance_count=many): instance_count: expected a whole number, got the string 'many'"
    )
    expect(errorOf(OK, ['instance_count']).message).toBe(
      "Input 'set': line 1 (instance_count): expected 'path=value' (e.g. inputs.learning_rate=0.01)"
    )
  })

  it('YAML syntax errors and a missing file', () => {
    expect(errorOf('name: blue\nname: green\n').message).toMatch(
      /blue\.yml:2: YAML syntax error: Map keys must be unique/
    )
    expect(() => readDeploymentYaml('nope.yml', [], { baseDir: yamlFolder({}) })).toThrow(
      /^Input 'deployment': the online deployment YAML file 'nope.yml' does not exist/
    )
  })
})
