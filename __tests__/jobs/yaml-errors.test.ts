/** Every kind of job YAML error names the input, the file, the line and the field, before anything is sent. */
import { describe, expect, it } from '@jest/globals'
import { InputError } from '../../src/base/errors.js'
import { JobYamlError, readJobYaml } from '../../src/jobs/yaml/index.js'
import { jobFolder } from './helpers.js'

/** The error `readJobYaml` throws for this YAML (and `set` lines). */
function errorOf(yaml: string, set: string[] = [], files: Record<string, string> = {}): JobYamlError {
  const dir = jobFolder(yaml, files)
  try {
    readJobYaml('job.yml', set, { baseDir: dir })
  } catch (e) {
    expect(e).toBeInstanceOf(InputError)
    expect(e).toBeInstanceOf(JobYamlError)
    return e as JobYamlError
  }
  throw new Error('expected readJobYaml to fail')
}

const OK = ['command: echo hello', 'environment: azureml:sklearn-env:1', 'compute: cpu-cluster', ''].join('\n')

describe('job YAML errors', () => {
  it('accepts a minimal job', () => {
    const dir = jobFolder(OK)
    expect(readJobYaml('job.yml', [], { baseDir: dir }).job.command).toBe('echo hello')
  })

  it('unknown field: file, line, field and a suggestion (and the missing command it hides)', () => {
    const e = errorOf(['type: command', 'comand: python train.py', 'environment: azureml:env:1', ''].join('\n'))
    expect(e.input).toBe('job')
    expect(e.message).toBe(
      "Input 'job': job.yml:1: command: missing required field 'command'\n" +
        "job.yml:2: comand: unknown field 'comand' (did you mean 'command'?)"
    )
  })

  it('unknown nested field names its full path and line', () => {
    const e = errorOf(`${OK}inputs:\n  lr:\n    typ: number\n    default: 0.1\n`)
    expect(e.message).toBe("Input 'job': job.yml:6: inputs.lr.typ: unknown field 'typ' (did you mean 'type'?)")
  })

  it('missing command', () => {
    const e = errorOf('environment: azureml:env:1\n')
    expect(e.message).toBe("Input 'job': job.yml:1: command: missing required field 'command'")
  })

  it('wrong type', () => {
    const e = errorOf(`${OK}resources:\n  instance_count: two\n`)
    expect(e.message).toBe(
      "Input 'job': job.yml:5: resources.instance_count: expected a whole number, got the string 'two'"
    )
  })

  it('bad enum value with a suggestion', () => {
    const e = errorOf(
      `${OK}inputs:\n  data:\n    type: uri_folder\n    path: azureml://datastores/ds/paths/x/\n    mode: ro_mnt\n`
    )
    expect(e.message).toContain("job.yml:8: inputs.data.mode: the string 'ro_mnt' is not one of ro_mount,")
    expect(e.message).toContain("(did you mean 'ro_mount'?)")
  })

  it('several problems are reported together, in line order', () => {
    const e = errorOf(
      [
        'command: echo',
        'environment: azureml:env:1',
        'limits:',
        '  timeout: 1h',
        'distribution:',
        '  type: pytorch',
        '  worker_count: 2',
        ''
      ].join('\n')
    )
    expect(e.problems.map(p => `${p.location.input === 'job' ? p.location.line : '?'} ${p.field}`)).toEqual([
      '4 limits.timeout',
      '7 distribution.worker_count'
    ])
    expect(e.message).toContain("job.yml:4: limits.timeout: expected a whole number, got the string '1h'")
    expect(e.message).toContain("job.yml:7: distribution.worker_count: unknown field 'worker_count'")
  })

  it('bad references: an asset without version, a compute ARM id of another kind, a registry of the wrong kind', () => {
    const e = errorOf(
      [
        'command: echo',
        'environment: azureml:sklearn-env',
        'compute: /subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/environments/e/versions/1',
        'code: azureml:my-code@newest',
        ''
      ].join('\n')
    )
    expect(e.message).toContain(
      "job.yml:2: environment: 'azureml:sklearn-env' needs a version: azureml:sklearn-env:<version> or azureml:sklearn-env@latest"
    )
    expect(e.message).toContain('job.yml:3: compute: ')
    expect(e.message).toContain('is not the ARM id of a workspace compute')
    expect(e.message).toContain("job.yml:4: code: 'azureml:my-code@newest': the only label is @latest")
  })

  it('a local code folder or input path that is not there', () => {
    const e = errorOf(`${OK}code: ./src\ninputs:\n  data:\n    type: uri_file\n    path: data/\n`, [], { 'data/': '' })
    expect(e.message).toMatch(/job\.yml:4: code: local folder '.*\/src' does not exist/)
    expect(e.message).toMatch(/job\.yml:8: inputs\.data\.path: '.*\/data' is a folder; a uri_file input needs a file/)
  })

  it('a bad set line names input set and the line', () => {
    const e = errorOf(OK, ['compute=azureml:gpu', 'inputs.lr', 'inputs..x=1'])
    expect(e.input).toBe('set')
    expect(e.message).toBe(
      "Input 'set': line 2 (inputs.lr): expected 'path=value' (e.g. inputs.learning_rate=0.01)\n" +
        "line 3 (inputs..x=1): 'inputs..x' is not a dotted field path (key '': letters, digits, '_', '-' and '$' only)"
    )
  })

  it('a set value that breaks the schema is blamed on its set line', () => {
    const e = errorOf(OK, ['', 'resources.instance_count=two'])
    expect(e.input).toBe('set')
    expect(e.message).toBe(
      "Input 'set': line 2 (resources.instance_count=two): resources.instance_count: expected a whole number, got the string 'two'"
    )
  })

  it('a set value that is a list lands whole, and is checked by the schema naming the set line', () => {
    const e = errorOf(OK, ['tags=[a, b]'])
    expect(e.message).toContain('line 1 (tags=[a, b]): tags: expected a mapping')
    const read = readJobYaml('job.yml', ['tags={team: ml, lr: 0.5}', 'environment_variables={"A": "1"}'], {
      baseDir: jobFolder(OK)
    }).job
    expect(read.tags).toEqual({ team: 'ml', lr: 0.5 })
    expect(read.environment_variables).toEqual({ A: '1' })
    expect(errorOf(OK, ['environment_variables={"A": "1", "B": [2]}']).message).toMatch(
      /line 1 \(environment_variables=.*\): environment_variables\.B: /
    )
  })

  it('a set value that is not YAML on one line names the line', () => {
    const e = errorOf(OK, ['', 'tags=[a, b'])
    expect(e.message).toContain("line 2 (tags=[a, b): the value '[a, b' is not YAML on one line")
  })

  it('${{inputs.nope}} names command and the line of the reference', () => {
    const e = errorOf(
      [
        'environment: azureml:env:1',
        'command: >-',
        '  python train.py',
        '  --lr ${{inputs.lr}}',
        '  --x ${{inputs.nope}}',
        '  --out ${{outputs.model}}',
        'inputs:',
        '  lr: 0.1',
        ''
      ].join('\n')
    )
    expect(e.message).toBe(
      "Input 'job': job.yml:5: command: '${{inputs.nope}}' names no input of the job (inputs: lr)\n" +
        "job.yml:6: command: '${{outputs.model}}' names no output of the job (the job has no outputs)"
    )
  })

  it('an optional input in [...] may be missing, as in azure-ai-ml', () => {
    const dir = jobFolder('environment: azureml:env:1\ncommand: python t.py [--seed ${{inputs.seed}}]\n')
    expect(() => readJobYaml('job.yml', [], { baseDir: dir })).not.toThrow()
  })

  it('type sweep: not supported yet, naming field type', () => {
    expect(errorOf('type: sweep\ntrial: ./t.yml\n').message).toBe(
      "Input 'job': job.yml:1: type: sweep jobs are not supported yet (only type: command)"
    )
  })

  it('YAML syntax errors name the line', () => {
    const e = errorOf('command: echo\nenvironment: [azureml:env:1\ncompute: x\n')
    expect(e.message).toMatch(/^Input 'job': job\.yml:[23]: YAML syntax error: /)
  })

  it('duplicate keys are errors', () => {
    expect(errorOf('command: a\ncommand: b\nenvironment: azureml:e:1\n').message).toMatch(
      /job\.yml:2: YAML syntax error: Map keys must be unique/
    )
  })

  it('a missing file names input job', () => {
    expect(() => readJobYaml('nope.yml', [], { baseDir: jobFolder(OK) })).toThrow(
      /^Input 'job': the job YAML file 'nope.yml' does not exist/
    )
  })

  it('literal inputs: value of the wrong type, asset fields on literals, bad input names', () => {
    const e = errorOf(
      `${OK}inputs:\n  epochs:\n    type: integer\n    default: 0.5\n  flag:\n    type: boolean\n    value: true\n    mode: download\n`
    )
    expect(e.message).toBe(
      "Input 'job': job.yml:7: inputs.epochs.default: expected a whole number for this integer input, got 0.5\n" +
        'job.yml:11: inputs.flag.mode: a boolean input is a literal value: it has no mode'
    )
    expect(errorOf(`${OK}inputs:\n  my-input: 1\n`).message).toBe(
      "Input 'job': job.yml:5: inputs.my-input: invalid name 'my-input': letters, digits and underscores, not starting with a digit (azure-ai-ml validate_key_contains_allowed_characters)"
    )
  })

  it('an asset input without path; output asset names (not in 2024-04-01)', () => {
    const e = errorOf(
      `${OK}inputs:\n  data:\n    type: uri_folder\noutputs:\n  model:\n    type: mlflow_model\n    name: my-model\n`
    )
    expect(e.message).toContain(
      "job.yml:5: inputs.data: missing required field 'path' (a uri_folder input needs a path)"
    )
    expect(e.message).toContain(
      'job.yml:10: outputs.model.name: registering an output as a named asset is not in the 2024-04-01 REST API'
    )
  })

  it('inline environment: image and build together, a conda file that is not there', () => {
    const e = errorOf(
      'command: echo\nenvironment:\n  image: python:3.11\n  conda_file: env.yml\n  build:\n    path: https://example.com/ctx\n'
    )
    expect(e.message).toContain("job.yml:4: environment.conda_file: conda file '")
    expect(e.message).toContain("job.yml:5: environment.build: give either 'image' or 'build', not both")
  })

  it('the document must be a mapping', () => {
    expect(errorOf('- command: echo\n').message).toBe(
      "Input 'job': job.yml:1: expected a mapping of job fields (type, command, environment, ...)"
    )
  })
})
