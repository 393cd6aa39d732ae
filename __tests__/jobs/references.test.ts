/** Reference parsing as `az ml` reads references, and the resolver walk with a fake resolver. */
import { describe, expect, it } from '@jest/globals'
import { join } from 'node:path'
import {
  BadReference,
  parseAssetReference,
  parseCodeReference,
  parseComputeReference,
  parseInputPath,
  resolveReferences
} from '../../src/jobs/yaml/references.js'
import { FakeResolver, WS } from './helpers.js'

const ARM_ENV = `${WS}/environments/e/versions/1`

describe('references', () => {
  it('assets: name:version, name@latest, ARM ids (with or without azureml:), registry URIs', () => {
    expect(parseAssetReference('azureml:sklearn-env:1.2', 'environments')).toEqual({
      kind: 'named',
      name: 'sklearn-env',
      version: '1.2'
    })
    expect(parseAssetReference('azureml:sklearn-env@latest', 'environments')).toEqual({
      kind: 'named',
      name: 'sklearn-env',
      version: 'latest'
    })
    expect(parseAssetReference(ARM_ENV, 'environments')).toEqual({ kind: 'arm', id: ARM_ENV })
    expect(parseAssetReference(`azureml:${ARM_ENV}`, 'environments')).toEqual({ kind: 'arm', id: ARM_ENV })
    // Curated environments (names with dots, Microsoft's examples) are sent as written, any label, as azure-ai-ml
    // 1.4 _operation_orchestrator.py does for the AzureML- prefix; a data or model of that name is not curated.
    expect(parseAssetReference('azureml:AzureML-sklearn-1.0-ubuntu20.04-py38-cpu@latest', 'environments')).toEqual({
      kind: 'registry',
      uri: 'azureml:AzureML-sklearn-1.0-ubuntu20.04-py38-cpu@latest'
    })
    expect(parseAssetReference('azureml:AzureML-acpt-pytorch-2.8-cuda12.6:1', 'environments')).toEqual({
      kind: 'registry',
      uri: 'azureml:AzureML-acpt-pytorch-2.8-cuda12.6:1'
    })
    expect(parseAssetReference('azureml:AzureML-AutoML@prod', 'environments')).toEqual({
      kind: 'registry',
      uri: 'azureml:AzureML-AutoML@prod'
    })
    expect(parseAssetReference('azureml:AzureML-AutoML', 'environments')).toEqual({
      kind: 'registry',
      uri: 'azureml:AzureML-AutoML'
    })
    expect(() => parseAssetReference('azureml:AzureML-AutoML@prod', 'data')).toThrow(/the only label is @latest/)
    expect(() => parseAssetReference('azureml:azureml-automl@prod', 'environments')).toThrow(
      /the only label is @latest/
    )
    expect(
      parseAssetReference(
        'azureml://registries/azureml/environments/acpt-pytorch-2.8-cuda12.6/labels/latest',
        'environments'
      )
    ).toEqual({
      kind: 'registry',
      uri: 'azureml://registries/azureml/environments/acpt-pytorch-2.8-cuda12.6/labels/latest'
    })
    const registry = 'azureml://registries/azureml/environments/sklearn-1.5/versions/3'
    expect(parseAssetReference(registry, 'environments')).toEqual({ kind: 'registry', uri: registry })
  })

  it('assets: refused forms say what is expected', () => {
    expect(() => parseAssetReference('azureml:env', 'environments')).toThrow(
      /needs a version: azureml:env:<version> or azureml:env@latest/
    )
    expect(() => parseAssetReference('env:1', 'environments')).toThrow(
      /is not a reference: use azureml:<name>:<version>/
    )
    expect(() => parseAssetReference(ARM_ENV, 'codes')).toThrow(/is the ARM id of environments, not of codes/)
    expect(() => parseAssetReference('azureml:env@v2', 'environments')).toThrow(/the only label is @latest/)
    expect(() => parseAssetReference('azureml://registries/azureml/models/m/versions/1', 'environments')).toThrow(
      BadReference
    )
  })

  it('compute: azureml:name, a bare name, an ARM id; not local, not another resource', () => {
    expect(parseComputeReference('azureml:gpu-cluster')).toEqual({ kind: 'named', name: 'gpu-cluster' })
    expect(parseComputeReference('cpu-cluster')).toEqual({ kind: 'named', name: 'cpu-cluster' })
    expect(parseComputeReference(`${WS}/computes/c1`)).toEqual({ kind: 'arm', id: `${WS}/computes/c1` })
    expect(parseComputeReference(`azureml:${WS}/computes/c1`)).toEqual({ kind: 'arm', id: `${WS}/computes/c1` })
    expect(() => parseComputeReference('local')).toThrow(/not supported/)
    expect(() => parseComputeReference(ARM_ENV)).toThrow(/not the ARM id of a workspace compute/)
    expect(() => parseComputeReference('azureml:gpu:1')).toThrow(/not a compute name/)
  })

  it('code: local folders relative to the YAML, or assets', () => {
    expect(parseCodeReference('./src', '/w/jobs')).toEqual({ kind: 'local', path: '/w/jobs/src', written: './src' })
    expect(parseCodeReference('/abs/src', '/w/jobs')).toEqual({ kind: 'local', path: '/abs/src', written: '/abs/src' })
    expect(parseCodeReference('azureml:code:2', '/w')).toEqual({ kind: 'named', name: 'code', version: '2' })
    expect(() => parseCodeReference('https://example.com/code.zip', '/w')).toThrow(
      /remote code URLs are not supported yet/
    )
  })

  it('input paths: datastores, job outputs, URLs, assets (data or model by type), local paths', () => {
    expect(parseInputPath('azureml://datastores/ws_blob/paths/data/x/', 'uri_folder', '/w')).toEqual({
      kind: 'datastore',
      uri: 'azureml://datastores/ws_blob/paths/data/x/',
      datastore: 'ws_blob',
      path: 'data/x/'
    })
    expect(parseInputPath('azureml://jobs/j1/outputs/model', 'mlflow_model', '/w')).toEqual({
      kind: 'job-output',
      uri: 'azureml://jobs/j1/outputs/model',
      job: 'j1',
      output: 'model'
    })
    expect(parseInputPath('https://a.blob.core.windows.net/c/f.csv', 'uri_file', '/w')).toEqual({
      kind: 'url',
      uri: 'https://a.blob.core.windows.net/c/f.csv'
    })
    expect(parseInputPath('wasbs://c@a.blob.core.windows.net/p', 'uri_folder', '/w')).toEqual({
      kind: 'url',
      uri: 'wasbs://c@a.blob.core.windows.net/p'
    })
    expect(parseInputPath('azureml:iris:3', 'uri_file', '/w')).toEqual({ kind: 'named', name: 'iris', version: '3' })
    expect(parseInputPath(`${WS}/models/m/versions/1`, 'custom_model', '/w')).toEqual({
      kind: 'arm',
      id: `${WS}/models/m/versions/1`
    })
    expect(() => parseInputPath(`${WS}/models/m/versions/1`, 'uri_folder', '/w')).toThrow(/not of data/)
    expect(parseInputPath('../data', 'uri_folder', '/w/jobs')).toEqual({
      kind: 'local',
      path: '/w/data',
      written: '../data'
    })
  })

  it('resolveReferences calls the resolver once per reference, in order, and passes URIs through', async () => {
    const resolver = new FakeResolver()
    const resolved = await resolveReferences(
      {
        code: { kind: 'local', path: '/w/src', written: './src' },
        environment: { kind: 'named', name: 'env', version: 'latest' },
        compute: { kind: 'named', name: 'gpu' },
        inputs: {
          a: { type: 'uri_folder', ref: { kind: 'local', path: join('/w', 'data'), written: 'data' } },
          b: { type: 'triton_model', ref: { kind: 'named', name: 'm', version: '1' } },
          c: { type: 'uri_file', ref: { kind: 'url', uri: 'https://x/y.csv' } },
          d: { type: 'uri_folder', ref: { kind: 'arm', id: `${WS}/data/d/versions/2` } }
        }
      },
      resolver
    )
    expect(resolver.calls).toEqual([
      'uploadCode /w/src',
      'environmentId env latest',
      'computeId gpu',
      'uploadInput /w/data',
      'modelId m 1'
    ])
    expect(resolved).toEqual({
      codeId: `${WS}/codes/7c1f3a2e-0000-4000-8000-000000000001/versions/1`,
      environmentId: `${WS}/environments/env/versions/7`,
      computeId: `${WS}/computes/gpu`,
      inputUris: {
        a: 'azureml://datastores/workspaceblobstore/paths/LocalUpload/0123abcd/data/',
        b: `azureml:${WS}/models/m/versions/1`,
        c: 'https://x/y.csv',
        d: `${WS}/data/d/versions/2`
      }
    })
  })

  it('a resolver failure stops the walk (no later upload)', async () => {
    const resolver = new FakeResolver()
    resolver.environmentId = async () => {
      throw new Error('environment sklearn-env not found')
    }
    await expect(
      resolveReferences(
        {
          environment: { kind: 'named', name: 'sklearn-env', version: '1' },
          inputs: { a: { type: 'uri_folder', ref: { kind: 'local', path: '/w/data', written: 'data' } } }
        },
        resolver
      )
    ).rejects.toThrow('not found')
    expect(resolver.calls).toEqual([])
  })
})
