/**
 * A realistic training job → the exact REST body of PUT {WS}/jobs/{name} (written by hand from mfe.json 2024-04-01),
 * and that body checked against the spec's JobBase (CommandJob) with ajv.
 */
import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { readJobYaml, toJobRestBody } from '../../src/jobs/yaml/index.js'
import { isoDuration } from '../../src/arm/duration.js'
import { scalarText } from '../../src/jobs/yaml/to-rest.js'
import { FakeResolver, FIXTURES, jobFolder, WS } from './helpers.js'
import { findSpec, SPEC_CANDIDATES, specValidator } from '../cli-yaml/spec-schema.js'
import { yamlErrorOf } from '../cli-yaml/helpers.js'

const TRAIN = join(FIXTURES, 'train')
const OPTIONS = {
  jobName: 'train-20240101-1',
  defaultExperimentName: 'my-repo',
  extraTags: {
    'github.run': 'https://github.com/o/my-repo/actions/runs/42',
    'github.repository': 'o/my-repo',
    'github.sha': '0123456789abcdef0123456789abcdef01234567',
    team: 'ci'
  }
}
/** The anonymous environment version: md5 formula of azure-ai-ml, computed with Python for this image and conda file. */
const ENV_VERSION = 'df6813e4219811a864ac6cb7804edcab'
const UPLOADED_DATA = 'azureml://datastores/workspaceblobstore/paths/LocalUpload/0123abcd/data/'

/** Written by hand from the YAML and mfe.json (CommandJob, LiteralJobInput, UriFolderJobInput, ...). */
const EXPECTED = {
  properties: {
    jobType: 'Command',
    command:
      'python train.py --data ${{inputs.data}} --lr ${{inputs.lr}} --epochs ${{inputs.epochs}} --model ${{outputs.model}}',
    codeId: `${WS}/codes/7c1f3a2e-0000-4000-8000-000000000001/versions/1`,
    environmentId: `${WS}/environments/CliV2AnonymousEnvironment/versions/${ENV_VERSION}`,
    computeId: `${WS}/computes/gpu-cluster`,
    displayName: 'Train the classifier',
    experimentName: 'classifier',
    description: 'Trains a classifier on the CSV data.',
    tags: {
      team: 'ci',
      epochs: '10',
      'github.run': 'https://github.com/o/my-repo/actions/runs/42',
      'github.repository': 'o/my-repo',
      'github.sha': '0123456789abcdef0123456789abcdef01234567'
    },
    environmentVariables: { SEED: '7', MODE: 'train' },
    inputs: {
      data: { jobInputType: 'uri_folder', uri: UPLOADED_DATA, mode: 'ReadOnlyMount' },
      lr: { jobInputType: 'literal', value: '0.01' },
      epochs: { jobInputType: 'literal', value: '10' },
      verbose: { jobInputType: 'literal', value: 'True' }
    },
    outputs: { model: { jobOutputType: 'uri_folder', mode: 'ReadWriteMount' } },
    resources: { instanceCount: 2, instanceType: 'Standard_NC6s_v3', shmSize: '16g' },
    distribution: { distributionType: 'PyTorch', processCountPerInstance: 4 },
    limits: { jobLimitsType: 'Command', timeout: 'PT1H30M30S' },
    identity: { identityType: 'UserIdentity' },
    queueSettings: { jobTier: 'Standard' }
  }
}

const specPath = findSpec()
const withSpec = specPath ? it : it.skip
if (!specPath) {
  console.warn(`SKIPPED spec validation: mfe.json 2024-04-01 not found at ${SPEC_CANDIDATES.join(' or ')}`)
}

describe('command job YAML → REST body', () => {
  it('maps the training job exactly, resolving code, environment, compute and the local input', async () => {
    const read = readJobYaml('job.yml', [], { baseDir: TRAIN })
    const resolver = new FakeResolver()
    const body = await toJobRestBody(read, resolver, OPTIONS)
    expect(body).toEqual(EXPECTED)
    expect(resolver.calls).toEqual([
      `uploadCode ${join(TRAIN, 'src')}`,
      `registerEnvironment CliV2AnonymousEnvironment ${ENV_VERSION}`,
      'computeId gpu-cluster',
      `uploadInput ${join(TRAIN, 'data')}`
    ])
    // The anonymous environment's PUT body (mfe.json EnvironmentVersion); condaFile is PyYAML's re-dump of conda.yml.
    expect(resolver.environments).toEqual([
      {
        name: 'CliV2AnonymousEnvironment',
        version: ENV_VERSION,
        body: {
          properties: {
            image: 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest',
            condaFile: readFileSync(join(TRAIN, 'conda.pyyaml.txt'), 'utf8'),
            isAnonymous: true
          }
        }
      }
    ])
  })

  it('environment and code by reference, set lines, defaults for experiment and display name', async () => {
    const read = readJobYaml(
      'job.yml',
      [
        'environment=azureml:sklearn-env@latest',
        'code=azureml:my-code:3',
        'compute=/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/computes/cpu',
        'inputs.lr=1e-5',
        'environment_variables.SEED=42',
        'limits.timeout=90061',
        'identity.type=aml_token'
      ],
      { baseDir: TRAIN }
    )
    // Without experiment_name and display_name in the YAML: the caller's default and the job name.
    const job = { ...read, job: { ...read.job, experiment_name: undefined, display_name: undefined } }
    const resolver = new FakeResolver()
    const body = await toJobRestBody(job, resolver, { jobName: 'job-2', defaultExperimentName: 'my-repo' })
    expect(resolver.calls).toEqual([
      'codeId my-code 3',
      'environmentId sklearn-env latest',
      `uploadInput ${join(TRAIN, 'data')}`
    ])
    expect(body.properties.environmentId).toBe(`${WS}/environments/sklearn-env/versions/7`)
    expect(body.properties.codeId).toBe(`${WS}/codes/my-code/versions/3`)
    expect(body.properties.computeId).toBe(
      '/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/computes/cpu'
    )
    expect(body.properties.inputs?.lr).toEqual({ jobInputType: 'literal', value: '1e-5' })
    expect(body.properties.environmentVariables).toEqual({ SEED: '42', MODE: 'train' })
    expect(body.properties.limits).toEqual({ jobLimitsType: 'Command', timeout: 'P1DT1H1M1S' })
    expect(body.properties.identity).toEqual({ identityType: 'AMLToken' })
    expect(body.properties.experimentName).toBe('my-repo')
    expect(body.properties.displayName).toBe('job-2')
    expect(body.properties.tags).toEqual({ team: 'ml', epochs: '10' })
  })

  it('input experiment-name wins over the YAML', async () => {
    const read = readJobYaml('job.yml', [], { baseDir: TRAIN })
    const body = await toJobRestBody(read, new FakeResolver(), { ...OPTIONS, experimentName: 'from-input' })
    expect(body.properties.experimentName).toBe('from-input')
  })

  it('other inputs, outputs, distributions, identities, services', async () => {
    const dir = jobFolder(
      [
        'command: python t.py ${{inputs.model}} ${{inputs.table}} ${{outputs.out}}',
        'environment: azureml://registries/azureml/environments/sklearn-1.5/labels/latest',
        'inputs:',
        '  model:',
        '    type: mlflow_model',
        '    path: azureml:my-model:2',
        '    mode: download',
        '  table:',
        '    type: mltable',
        '    path: azureml://jobs/prev-job/outputs/table',
        '    mode: eval_mount',
        '  ds:',
        '    type: uri_file',
        '    path: https://example.com/data.csv',
        '    mode: direct',
        '  named:',
        '    type: uri_folder',
        '    path: azureml:my-data@latest',
        '  n:',
        '    type: number',
        '    value: 2.50',
        '  s:',
        '    type: string',
        '    default: hello',
        'outputs:',
        '  out:',
        '    type: custom_model',
        '    mode: upload',
        '    path: azureml://datastores/workspaceblobstore/paths/out/',
        '  other:',
        'distribution:',
        '  type: tensorflow',
        '  worker_count: 2',
        '  parameter_server_count: 1',
        'identity:',
        '  type: managed',
        '  client_id: 11111111-2222-3333-4444-555555555555',
        'services:',
        '  my_ssh:',
        '    type: ssh',
        '    nodes: all',
        '  tb:',
        '    type: tensor_board',
        '    port: 6006',
        'queue_settings:',
        '  job_tier: spot',
        'resources:',
        '  instance_count: 1',
        '  properties:',
        '    foo: {bar: 1}',
        ''
      ].join('\n')
    )
    const read = readJobYaml('job.yml', [], { baseDir: dir })
    const resolver = new FakeResolver()
    const body = await toJobRestBody(read, resolver, { jobName: 'j', defaultExperimentName: 'e' })
    expect(resolver.calls).toEqual(['modelId my-model 2', 'dataId my-data latest'])
    const p = body.properties
    expect(p.environmentId).toBe('azureml://registries/azureml/environments/sklearn-1.5/labels/latest')
    expect(p.inputs).toEqual({
      model: { jobInputType: 'mlflow_model', uri: `azureml:${WS}/models/my-model/versions/2`, mode: 'Download' },
      table: { jobInputType: 'mltable', uri: 'azureml://jobs/prev-job/outputs/table', mode: 'EvalMount' },
      ds: { jobInputType: 'uri_file', uri: 'https://example.com/data.csv', mode: 'Direct' },
      named: { jobInputType: 'uri_folder', uri: `azureml:${WS}/data/my-data/versions/4` },
      n: { jobInputType: 'literal', value: '2.5' },
      s: { jobInputType: 'literal', value: 'hello' }
    })
    expect(p.outputs).toEqual({
      out: { jobOutputType: 'custom_model', mode: 'Upload', uri: 'azureml://datastores/workspaceblobstore/paths/out/' },
      other: { jobOutputType: 'uri_folder' }
    })
    expect(p.distribution).toEqual({ distributionType: 'TensorFlow', workerCount: 2, parameterServerCount: 1 })
    expect(p.identity).toEqual({ identityType: 'Managed', clientId: '11111111-2222-3333-4444-555555555555' })
    expect(p.services).toEqual({
      my_ssh: { jobServiceType: 'SSH', nodes: { nodesValueType: 'All' } },
      tb: { jobServiceType: 'TensorBoard', port: 6006 }
    })
    expect(p.queueSettings).toEqual({ jobTier: 'Spot' })
    expect(p.resources).toEqual({ instanceCount: 1, properties: { foo: { bar: 1 } } })
    expect(p.displayName).toBe('j')
    expect(p.experimentName).toBe('e')
    expect(p.tags).toBeUndefined()
    if (specPath) expect(specErrors(body)).toEqual([])
  })

  withSpec('the training job body is valid against mfe.json 2024-04-01 JobBase (CommandJob)', async () => {
    const read = readJobYaml('job.yml', [], { baseDir: TRAIN })
    const resolver = new FakeResolver()
    const body = await toJobRestBody(read, resolver, OPTIONS)
    expect(specErrors(body)).toEqual([])
    const env = specValidator(specPath as string, 'EnvironmentVersion')
    expect(env(resolver.environments[0].body) ? [] : env.errors).toEqual([])
  })

  withSpec('the spec validator is strict: it rejects a field CommandJob does not have and a bad duration', () => {
    const bad = {
      properties: { ...EXPECTED.properties, dockerArgs: '--x', limits: { jobLimitsType: 'Command', timeout: '5430' } }
    }
    const messages = specErrors(bad).join('\n')
    expect(messages).toContain('additionalProperty')
    expect(messages).toContain('duration')
  })
})

function specErrors(body: unknown): string[] {
  const validate = specValidator(specPath as string, 'JobBase')
  if (validate(body)) return []
  return (validate.errors ?? [])
    .filter(e => e.keyword !== 'if')
    .map(e => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`)
}

describe('value conversions', () => {
  it('timeout seconds → ISO 8601 as isodate writes a timedelta', () => {
    expect(isoDuration(5430)).toBe('PT1H30M30S')
    expect(isoDuration(30)).toBe('PT30S')
    expect(isoDuration(60)).toBe('PT1M')
    expect(isoDuration(3600)).toBe('PT1H')
    expect(isoDuration(86400)).toBe('P1D')
    expect(isoDuration(172800)).toBe('P2D')
    expect(isoDuration(90061)).toBe('P1DT1H1M1S')
    expect(() => isoDuration(1.5)).toThrow(RangeError)
  })

  it('scalars as REST text: Python booleans, numbers as Python prints what PyYAML reads', () => {
    expect(scalarText(true)).toBe('True')
    expect(scalarText(false)).toBe('False')
    expect(scalarText(0.01, '0.010')).toBe('0.01')
    expect(scalarText(0.00015, '1.5e-4')).toBe('0.00015')
    expect(scalarText(7)).toBe('7')
    expect(scalarText('x')).toBe('x')
  })
})

describe('services (interactive jobs)', () => {
  const SERVICES = join(FIXTURES, 'services')
  async function servicesOf(file: string): Promise<unknown> {
    const read = readJobYaml(file, [], { baseDir: SERVICES })
    const body = await toJobRestBody(read, new FakeResolver(), { jobName: 'j', defaultExperimentName: 'e' })
    return body.properties.services
  }

  it('job_service_type (azure-ai-ml 1.4): the body the SDK sends (services-1.4.sdk.json), endpoint not sent', async () => {
    const sdk = JSON.parse(readFileSync(join(SERVICES, 'services-1.4.sdk.json'), 'utf8')) as unknown
    expect(await servicesOf('services-1.4.yml')).toEqual(sdk)
  })

  it('type, log_dir, ssh_public_keys (newest azure-ai-ml, job_service.py): properties merged, custom type dropped', async () => {
    expect(await servicesOf('interactive.yml')).toEqual({
      my_vscode: { jobServiceType: 'VSCode' },
      my_jupyter_lab: { jobServiceType: 'JupyterLab' },
      my_tensorboard: { jobServiceType: 'TensorBoard', properties: { logDir: 'outputs/tblogs' } },
      my_ssh: {
        jobServiceType: 'SSH',
        nodes: { nodesValueType: 'All' },
        properties: { sshPublicKeys: 'ssh-rsa AAAAB3NzaC1yc2E test@example' }
      },
      // The generic JobServiceSchema pops `type`: no jobServiceType for a type the SDK does not name.
      my_custom: { port: 8080, nodes: { nodesValueType: 'All' }, properties: { image: 'my-image', workers: '2' } }
    })
  })

  it('log_dir only on tensor_board, ssh_public_keys only on ssh: the error points at a type that looks like the owner (did-you-mean), else at the field', () => {
    const dir = jobFolder(
      [
        'command: echo',
        'environment: azureml:env:1',
        'services:',
        '  a:',
        '    type: vs_code',
        '    log_dir: logs',
        '  b:',
        '    type: tensor_board',
        '    ssh_public_keys: k',
        '  c:',
        '    type: TensorBoard',
        '    log_dir: outputs/tblogs',
        '  d:',
        '    log_dir: logs',
        ''
      ].join('\n')
    )
    const message = yamlErrorOf(() => readJobYaml('job.yml', [], { baseDir: dir })).message
    expect(message).toContain(
      "job.yml:6: services.a.log_dir: log_dir is a field of type tensor_board only, not of type 'vs_code'\n"
    )
    expect(message).toContain(
      "job.yml:9: services.b.ssh_public_keys: ssh_public_keys is a field of type ssh only, not of type 'tensor_board'\n"
    )
    expect(message).toContain(
      "job.yml:11: services.c.type: log_dir is a field of type tensor_board only, not of type 'TensorBoard' " +
        '(did you mean type: tensor_board?)'
    )
    expect(message).toContain(
      'job.yml:14: services.d.log_dir: log_dir is a field of type tensor_board only: add type: tensor_board'
    )
  })
})
