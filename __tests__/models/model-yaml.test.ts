/**
 * Model YAML → the exact PUT {WS}/models/{name}/versions/{version} (body written by hand from mfe.json 2024-04-01
 * ModelVersionResource / ModelVersion), checked against the spec with ajv; every kind of error naming file, line and
 * field.
 */
import { describe, expect, it } from '@jest/globals'
import { join } from 'node:path'
import { jobOutputLocation } from '../../src/models/register-model.js'
import { parseModelPath, readModelYaml, toModelRestBody, type ModelResolver } from '../../src/models/yaml/index.js'
import { yamlErrorOf, yamlFolder } from '../cli-yaml/helpers.js'
import { findSpec, SPEC_CANDIDATES, specResourceValidator } from '../cli-yaml/spec-schema.js'

const specPath = findSpec()
const withSpec = specPath ? it : it.skip
if (!specPath) console.warn(`SKIPPED spec validation: mfe.json 2024-04-01 not found at ${SPEC_CANDIDATES.join(' or ')}`)

function specErrors(body: unknown): unknown[] {
  const validate = specResourceValidator(specPath as string, 'ModelVersionResource')
  return validate(body) ? [] : (validate.errors ?? [])
}

const UPLOADED = 'azureml://datastores/workspaceblobstore/paths/LocalUpload/9f86d081884c7d65/model/'

/** A resolver that records its calls. */
function fakeResolver(): ModelResolver & { calls: string[] } {
  const calls: string[] = []
  return {
    calls,
    async uploadModel(localPath: string) {
      calls.push(`uploadModel ${localPath}`)
      return UPLOADED
    },
    async nextVersion(name: string) {
      calls.push(`nextVersion ${name}`)
      return '3'
    }
  }
}

const JOB_OUTPUT_MODEL = [
  '$schema: https://azuremlschemas.azureedge.net/latest/model.schema.json',
  'name: credit-model',
  'path: azureml://jobs/train-20240101-1/outputs/model',
  'type: mlflow_model',
  'description: Trained by the nightly workflow',
  'tags:',
  '  auc: 0.910',
  '  git: abc123',
  'properties:',
  '  framework: sklearn',
  'stage: Development',
  ''
].join('\n')

describe('model YAML → REST request', () => {
  it("maps a model from a job's output exactly; a missing version is the container's next", async () => {
    const dir = yamlFolder({ 'model.yml': JOB_OUTPUT_MODEL })
    const read = readModelYaml('model.yml', [], { baseDir: dir })
    expect(read.references.path).toEqual({
      kind: 'job-output',
      uri: 'azureml://jobs/train-20240101-1/outputs/model',
      job: 'train-20240101-1',
      output: 'model',
      path: ''
    })
    const resolver = fakeResolver()
    const request = await toModelRestBody(read, resolver)
    expect(request).toEqual({
      name: 'credit-model',
      version: '3',
      body: {
        properties: {
          modelUri: 'azureml://jobs/train-20240101-1/outputs/model',
          modelType: 'mlflow_model',
          isAnonymous: false,
          description: 'Trained by the nightly workflow',
          tags: { auc: '0.91', git: 'abc123' },
          properties: { framework: 'sklearn' },
          stage: 'Development'
        }
      }
    })
    expect(resolver.calls).toEqual(['nextVersion credit-model'])
    if (specPath) expect(specErrors(request.body)).toEqual([])
  })

  withSpec('the spec check is strict: an unknown field or a wrong type is refused', () => {
    expect(specErrors({ properties: { modelUri: 'x', modelPath: 'y' } })).not.toEqual([])
    expect(specErrors({ properties: { modelUri: 'x', isAnonymous: 'false' } })).not.toEqual([])
  })

  it('a local folder is uploaded; a version as written; custom_model by default', async () => {
    const dir = yamlFolder({ 'models/model.yml': 'name: m1\nversion: 7\npath: ../out/model\n', 'out/model/w.bin': 'x' })
    const resolver = fakeResolver()
    const request = await toModelRestBody(readModelYaml('models/model.yml', [], { baseDir: dir }), resolver)
    expect(request).toEqual({
      name: 'm1',
      version: '7',
      body: { properties: { modelUri: UPLOADED, modelType: 'custom_model', isAnonymous: false } }
    })
    expect(resolver.calls).toEqual([`uploadModel ${join(dir, 'out', 'model')}`])
  })

  it('a short datastore path becomes the long form given the workspace, as the SDK sends it; set lines apply', async () => {
    const dir = yamlFolder({
      'model.yml': 'name: m1\npath: azureml://datastores/workspaceblobstore/paths/models/m1/\n'
    })
    const read = readModelYaml('model.yml', ['version=2024.1', 'type=Triton_Model'], { baseDir: dir })
    const request = await toModelRestBody(read, fakeResolver(), {
      workspace: { subscriptionId: 'sub', resourceGroup: 'rg', workspaceName: 'ws' }
    })
    expect(request).toEqual({
      name: 'm1',
      version: '2024.1',
      body: {
        properties: {
          modelUri:
            'azureml://subscriptions/sub/resourcegroups/rg/workspaces/ws/datastores/workspaceblobstore/paths/models/m1/',
          modelType: 'triton_model',
          isAnonymous: false
        }
      }
    })
    const https = readModelYaml('model.yml', ['path=https://example.blob.core.windows.net/c/model.onnx'], {
      baseDir: dir
    })
    expect((await toModelRestBody(https, fakeResolver())).body.properties.modelUri).toBe(
      'https://example.blob.core.windows.net/c/model.onnx'
    )
  })
})

function errorOf(yaml: string, set: string[] = [], files: Record<string, string> = {}) {
  const dir = yamlFolder({ 'model.yml': yaml, ...files })
  return yamlErrorOf(() => readModelYaml('model.yml', set, { baseDir: dir }))
}

describe('model YAML errors name the input, file, line and field', () => {
  it('missing name and path, unknown field with a suggestion, a bad type', () => {
    const e = errorOf('descripton: x\ntype: onnx_model\n')
    expect(e.input).toBe('model')
    expect(e.message).toBe(
      "Input 'model': model.yml:1: name: missing required field 'name'\n" +
        "model.yml:1: path: missing required field 'path'\n" +
        "model.yml:1: descripton: unknown field 'descripton' (did you mean 'description'?)\n" +
        "model.yml:2: type: the string 'onnx_model' is not one of custom_model, mlflow_model, triton_model"
    )
  })

  it('a bad name; a version that is not a scalar', () => {
    expect(errorOf('name: my model\npath: m.pkl\nversion: [1]\n', [], { 'm.pkl': '' }).message).toBe(
      "Input 'model': model.yml:1: name: the string 'my model' is not a model name: letters, digits, - and _, starting with a letter or digit, at most 255 characters (mfe.json models {name})\n" +
        'model.yml:3: version: expected a string or a number, got a list'
    )
  })

  it('a decimal version is sent as written (1.10, not 1.1)', async () => {
    const dir = yamlFolder({ 'model.yml': 'name: m\npath: https://x.blob.core.windows.net/c/m\nversion: 1.10\n' })
    expect((await toModelRestBody(readModelYaml('model.yml', [], { baseDir: dir }), fakeResolver())).version).toBe(
      '1.10'
    )
  })

  it('a local path that is not there; an mlflow model that is a file', () => {
    expect(errorOf('name: m\npath: ./nope\n').message).toMatch(
      /^Input 'model': model\.yml:2: path: local path '.*\/nope' does not exist \(paths are relative to the model YAML's folder\)$/
    )
    expect(errorOf('name: m\ntype: mlflow_model\npath: m.pkl\n', [], { 'm.pkl': '' }).message).toMatch(
      /^Input 'model': model\.yml:3: path: '.*\/m\.pkl' is a file; a folder is needed here \(an mlflow_model is a folder\)$/
    )
  })

  it('an mlflow_model folder without MLmodel at its top is refused, saying so; with it, it reads', () => {
    expect(errorOf('name: m\ntype: mlflow_model\npath: ./m\n', [], { 'm/model.pkl': '' }).message).toMatch(
      /^Input 'model': model\.yml:3: path: '.*\/m' has no MLmodel file at its top, so it is not an MLflow model .*register it as custom_model/
    )
    const dir = yamlFolder({ 'model.yml': 'name: m\ntype: mlflow_model\npath: ./m\n', 'm/MLmodel': 'flavors: {}\n' })
    expect(readModelYaml('model.yml', [], { baseDir: dir }).references.path.kind).toBe('local')
    // custom_model needs no MLmodel.
    const custom = yamlFolder({ 'model.yml': 'name: m\npath: ./m\n', 'm/model.pkl': '' })
    expect(readModelYaml('model.yml', [], { baseDir: custom }).references.path.kind).toBe('local')
  })

  it("the default artifacts output and MLflow's runs:/ are job outputs, with the path inside", () => {
    expect(parseModelPath('azureml://jobs/j1/outputs/artifacts/paths/outputs/model/', '/')).toEqual({
      kind: 'job-output',
      uri: 'azureml://jobs/j1/outputs/artifacts/paths/outputs/model/',
      job: 'j1',
      output: 'artifacts',
      path: 'outputs/model'
    })
    expect(parseModelPath('runs:/j1/model', '/')).toEqual({
      kind: 'job-output',
      uri: 'runs:/j1/model',
      job: 'j1',
      output: 'artifacts',
      path: 'model'
    })
    expect(() => parseModelPath('runs:/j1', '/')).toThrow(/runs:\/<job>\/<path in the job's artifacts>/)
  })

  it('jobOutputLocation: artifacts in workspaceartifactstore (or the job’s default output uri); a named output’s uri', () => {
    const ref = (uri: string) => parseModelPath(uri, '/') as Parameters<typeof jobOutputLocation>[0]
    expect(jobOutputLocation(ref('runs:/j1/outputs/model'), {})).toEqual({
      datastore: 'workspaceartifactstore',
      folder: 'ExperimentRun/dcid.j1/outputs/model'
    })
    expect(
      jobOutputLocation(ref('azureml://jobs/j1/outputs/artifacts/paths/model'), {
        default: { uri: 'azureml://datastores/workspaceartifactstore/ExperimentRun/dcid.j1' }
      })
    ).toEqual({ datastore: 'workspaceartifactstore', folder: 'ExperimentRun/dcid.j1/model' })
    expect(
      jobOutputLocation(ref('azureml://jobs/j1/outputs/out'), {
        out: { uri: 'azureml://datastores/workspaceblobstore/paths/azureml/j1/outputs/out/' }
      })
    ).toEqual({ datastore: 'workspaceblobstore', folder: 'azureml/j1/outputs/out' })
    expect(jobOutputLocation(ref('azureml://jobs/j1/outputs/out'), { out: {} })).toBeUndefined()
  })

  it('an asset reference or another azureml:// URI is not a model path', () => {
    expect(errorOf('name: m\npath: azureml:other-model:1\n').message).toBe(
      "Input 'model': model.yml:2: path: 'azureml:other-model:1' is an asset reference, not a path: a model's path is a local path, azureml://jobs/<job>/outputs/<output>, azureml://datastores/<ds>/paths/<path> or a storage URL"
    )
    expect(errorOf('name: m\npath: azureml://runs/r1/model\n').message).toContain(
      "model.yml:2: path: 'azureml://runs/r1/model' is not a model path"
    )
  })

  it('a set value is blamed on its set line; a missing file names input model', () => {
    const e = errorOf('name: m\npath: https://x.blob.core.windows.net/c/m\n', ['version=a/b'])
    expect(e.input).toBe('set')
    expect(e.message).toBe(
      "Input 'set': line 1 (version=a/b): version: the string 'a/b' is not a version without /, ?, #, : or @"
    )
    expect(() => readModelYaml('nope.yml', [], { baseDir: yamlFolder({}) })).toThrow(
      /^Input 'model': the model YAML file 'nope.yml' does not exist/
    )
  })
})
