import { describe, expect, it } from '@jest/globals'
import { parse } from 'yaml'
import {
  CORPUS_DATA_URI,
  detectKind,
  expectedForNow,
  missingLocalFiles,
  missingReference,
  operationFor,
  placeholderSets,
  reasonGroup,
  templateRefusal
} from '../../scripts/corpus-kinds.js'

const SCHEMA = 'https://azuremlschemas.azureedge.net/latest'

describe('detectKind', () => {
  it.each([
    ['commandJob', 'command-job'],
    ['pipelineJob', 'pipeline-job'],
    ['sweepJob', 'sweep-job'],
    ['autoMLJob', 'automl-job'],
    ['sparkJob', 'spark-job'],
    ['commandComponent', 'component'],
    ['pipelineComponent', 'component'],
    ['sparkComponent', 'component'],
    ['managedOnlineEndpoint', 'online-endpoint'],
    ['kubernetesOnlineEndpoint', 'online-endpoint'],
    ['managedOnlineDeployment', 'online-deployment'],
    ['kubernetesOnlineDeployment', 'online-deployment'],
    ['batchEndpoint', 'batch-endpoint'],
    ['modelBatchDeployment', 'batch-deployment'],
    ['pipelineComponentBatchDeployment', 'batch-deployment'],
    ['model', 'model'],
    ['environment', 'environment'],
    ['data', 'data'],
    ['amlCompute', 'compute'],
    ['workspace', 'other'],
    ['schedule', 'other']
  ])('reads %s.schema.json as %s', (schema, kind) => {
    expect(detectKind({ $schema: `${SCHEMA}/${schema}.schema.json` })).toBe(kind)
  })

  it('reads the other spelling of the schema URL (…/CommandComponent.json)', () => {
    expect(detectKind({ $schema: 'https://azuremlschemas.azureedge.net/latest/CommandComponent.json' })).toBe(
      'component'
    )
  })

  it('reads the job type when there is no $schema', () => {
    expect(detectKind(parse('type: finetuning\nmodel: azureml://registries/x/models/y/versions/1'))).toBe(
      'finetuning-job'
    )
    expect(detectKind(parse('type: pipeline\njobs: {}'))).toBe('pipeline-job')
    expect(
      detectKind(parse('type: command\ncommand: echo hi\ncompute: azureml:c\nenvironment: azureml:e@latest'))
    ).toBe('command-job')
    expect(detectKind(parse('command: echo hi\nenvironment: azureml:e@latest'))).toBe('command-job')
  })

  it('takes a schema-less `type: command` with a version and no compute for a component', () => {
    expect(detectKind(parse('type: command\nname: train\nversion: 1\ncommand: python train.py'))).toBe('component')
  })

  it('counts conda files, connections and non-mappings as other', () => {
    expect(detectKind(parse('name: env\nchannels: [conda-forge]\ndependencies: [python=3.10]'))).toBe('other')
    expect(detectKind(parse('type: git\nurl: https://example.invalid/repo'))).toBe('other')
    expect(detectKind(['a'])).toBe('other')
    expect(detectKind(undefined)).toBe('other')
  })
})

describe('operationFor', () => {
  it('maps the kinds the action takes to their operation and input, and none to the others', () => {
    expect(operationFor('pipeline-job')).toEqual({ operation: 'submit-job', input: 'job' })
    expect(operationFor('online-deployment')).toEqual({ operation: 'create-deployment', input: 'deployment' })
    expect(operationFor('online-endpoint')).toEqual({ operation: 'create-endpoint', input: 'endpoint' })
    expect(operationFor('model')).toEqual({ operation: 'register-model', input: 'model' })
    expect(operationFor('component')).toEqual({ operation: 'register-component', input: 'component' })
    expect(operationFor('data')).toEqual({ operation: 'register-data', input: 'data' })
    expect(operationFor('batch-deployment')).toBeUndefined()
  })
})

describe('expectedForNow', () => {
  it('marks Spark and AutoML component refusals for the job-types issue, not a parallel or command one', () => {
    expect(expectedForNow('component', 'c.yml:3: type: Spark components are not supported (only ...)')).toMatch(
      /^spark components come with the job-types issue/
    )
    expect(expectedForNow('component', "c.yml:3: type: unknown component type 'automl' (...)")).toMatch(/^automl/)
    expect(expectedForNow('component', "c.yml:9: task.type: 'run_funcion' is not one of ...")).toBeUndefined()
    expect(expectedForNow('component', 'c.yml:3: jobs: a pipeline needs at least one step')).toBeUndefined()
  })

  it('marks job types and pipeline node types a later issue brings, but not other refusals', () => {
    expect(expectedForNow('automl-job', 'type: AutoML jobs are not supported')).toMatch(/job-types/)
    expect(
      expectedForNow(
        'pipeline-job',
        'jobs.train_step.type: AutoML nodes come with issue 21 (job types); not supported yet'
      )
    ).toMatch(/^AutoML nodes come with issue 21/)
    // Parallel nodes are submitted now: a refusal of one is a finding.
    expect(
      expectedForNow('pipeline-job', "jobs.x.task.environment: missing required field 'environment'")
    ).toBeUndefined()
    expect(expectedForNow('pipeline-job', "jobs.x.inputs.a: '${{parent.inputs.b}}' names no input")).toBeUndefined()
    expect(expectedForNow('command-job', "services.x.log_dir: unknown field 'log_dir'")).toBeUndefined()
    // Standalone sweeps are submitted now (issue 21): a refusal of one is a finding.
    expect(expectedForNow('sweep-job', 'search_space.c.type: grid sampling takes only choice')).toBeUndefined()
  })
})

describe('missingReference', () => {
  it('reads the missing compute, asset version or endpoint from the refusal', () => {
    expect(
      missingReference("Input 'job': a.yml:3: compute: the compute 'cpu-cluster' does not exist in workspace ws")
    ).toEqual({ kind: 'computes', name: 'cpu-cluster' })
    expect(missingReference("inputs.x: the data asset 'iris' version 2 does not exist in workspace ws")).toEqual({
      kind: 'data',
      name: 'iris',
      version: '2'
    })
    expect(missingReference("environment: the environment 'my-env' has no version in workspace ws.")).toEqual({
      kind: 'environments',
      name: 'my-env',
      version: '1'
    })
    expect(missingReference('d.yml: endpoint_name: online endpoint my-ep does not exist in workspace ws')).toEqual({
      kind: 'onlineEndpoints',
      name: 'my-ep'
    })
    expect(missingReference("unknown field 'log_dir'")).toBeUndefined()
  })
})

describe('reasonGroup', () => {
  it('takes out the input, the file:line and field, and quoted values', () => {
    expect(
      reasonGroup("Input 'job': a/b.yml:13: services.t.log_dir: unknown field 'log_dir' (known fields here: type)")
    ).toBe("unknown field 'log_dir'")
    expect(reasonGroup("Input 'job': c.yml:14: inputs.m.path: local path '/tmp/x' does not exist (relative)")).toBe(
      "local path '…' does not exist"
    )
  })

  it('names a refusal by its first problem when one line holds several', () => {
    expect(
      reasonGroup(
        "Input 'job': j.yml:8: environment: '< x >' is not a reference: use azureml:<name> j.yml:18: compute: bad"
      )
    ).toBe("'…' is not a reference: use azureml:<name>")
    expect(reasonGroup("Input 'job': j.yaml: compute: the compute 'c' does not exist (create it)")).toBe(
      "the compute '…' does not exist"
    )
  })
})

describe('placeholderSets', () => {
  it('fills a missing or placeholder endpoint_name and name, and leaves real name refusals alone', () => {
    expect(
      placeholderSets('online-deployment', "d.yml:1: endpoint_name: missing required field 'endpoint_name'")
    ).toEqual(['endpoint_name=corpus-endpoint'])
    expect(
      placeholderSets(
        'online-deployment',
        "d.yml:1: name: missing required field 'name' d.yml:1: endpoint_name: missing required field 'endpoint_name'"
      )
    ).toEqual(['name=corpus-deployment', 'endpoint_name=corpus-endpoint'])
    expect(
      placeholderSets('online-endpoint', "e.yml:2: name: the string '{{ENDPOINT_NAME}}' is not a name of 3")
    ).toEqual(['name=corpus-endpoint'])
    expect(
      placeholderSets('online-deployment', "d.yml:2: name: the string 'regular_deployment' is not a name")
    ).toEqual([])
  })
})

describe('placeholderSets for a pipeline', () => {
  it("fills a pipeline input left without a path, as the examples' scripts do with --set, and nothing else", () => {
    const reason =
      "Input 'job': p.yml:8: inputs.training_data: missing required field 'path' (a mltable input needs a path) " +
      "p.yml:11: inputs.validation_data: missing required field 'path' (a mltable input needs a path)"
    expect(placeholderSets('pipeline-job', reason)).toEqual([
      `inputs.training_data.path=${CORPUS_DATA_URI}`,
      `inputs.validation_data.path=${CORPUS_DATA_URI}`
    ])
    expect(placeholderSets('command-job', reason)).toEqual([])
    expect(placeholderSets('pipeline-job', "p.yml:3: jobs.a.inputs.x: missing required field 'path'")).toEqual([])
  })
})

describe('missingLocalFiles', () => {
  it('names the local files a refusal says do not exist, when that is all it says', () => {
    const path = (p: string, line: number): string =>
      `p.yml:${line}: inputs.${line}.path: local path '/c/${p}' does not exist (paths are relative to the job YAML's folder)`
    expect(missingLocalFiles(`Input 'job': ${path('a.jsonl', 20)} ${path('b.jsonl', 23)}`)).toEqual([
      '/c/a.jsonl',
      '/c/b.jsonl'
    ])
    expect(
      missingLocalFiles(`Input 'job': ${path('a.jsonl', 20)} p.yml:30: settings.x: expected true or false`)
    ).toBeUndefined()
    expect(
      missingLocalFiles("Input 'job': p.yml:4: jobs.a.component: component file '/c/n.yml' does not exist")
    ).toEqual(['/c/n.yml'])
    expect(missingLocalFiles("Input 'job': p.yml:2: colour: unknown field")).toBeUndefined()
    expect(
      missingLocalFiles("Input 'deployment': d.yml:9: code: local path '/c/<CODE_DIR>' does not exist")
    ).toBeUndefined()
  })
})

describe('templateRefusal', () => {
  it('marks {{NAME}}, {insert ...} and <NAME> placeholders and names azure-ai-ml refuses as not ours', () => {
    expect(templateRefusal('endpoint_name: {{ENDPOINT_NAME}}\n', 'expected a string')).toBe(
      "a template: {{ENDPOINT_NAME}} is filled in by the example's script first"
    )
    expect(templateRefusal('  source_flow_id: {insert random GUID}\n', 'got a mapping')).toBe(
      "a template: {insert random GUID} is filled in by the example's script first"
    )
    expect(templateRefusal('', "'<CODE_DIR>' does not exist")).toBe(
      "a template: <CODE_DIR> is filled in by the example's script"
    )
    expect(templateRefusal('', 'refused (azure-ai-ml validate_endpoint_or_deployment_name)')).toMatch(/name too/)
  })

  it('leaves a real refusal of a plain YAML alone', () => {
    expect(templateRefusal('name: blue\nmodel: {path: ./m}\n', "unknown field 'modle'")).toBeUndefined()
  })
})
