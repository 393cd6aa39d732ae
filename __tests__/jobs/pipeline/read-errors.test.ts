/**
 * A pipeline job YAML's problems, each found before anything is sent and named `file:line: field`: bindings to steps,
 * inputs and outputs that do not exist, cycles, missing component files, literals of the wrong type, unknown fields,
 * node types that come later; and `set` lines reaching into nodes.
 */
import { describe, expect, it } from '@jest/globals'
import { readAnyJobYaml } from '../../../src/jobs/job-types.js'
import type { PipelineJobYaml } from '../../../src/jobs/pipeline/index.js'
import { jobFolder } from '../helpers.js'

const COMPONENT = `name: train
type: command
inputs:
  epochs:
    type: integer
  data:
    type: uri_folder
outputs:
  model:
    type: uri_folder
environment: azureml:env:1
command: python train.py
`

function read(yaml: string, set: string[] = [], files: Record<string, string> = {}): PipelineJobYaml {
  const dir = jobFolder(yaml, { 'train.yml': COMPONENT, ...files })
  return readAnyJobYaml('job.yml', set, { baseDir: dir }) as PipelineJobYaml
}

function errorOf(yaml: string, set: string[] = [], files: Record<string, string> = {}): string {
  try {
    read(yaml, set, files)
  } catch (e) {
    return (e as Error).message
  }
  throw new Error('no error')
}

const STEP = (name: string, extra = ''): string =>
  `  ${name}:\n    command: echo\n    environment: azureml:env:1\n${extra}`

describe('pipeline job YAML problems', () => {
  it('names a binding to a step, a step output or a pipeline input that does not exist, at its line', () => {
    const message = errorOf(
      [
        'type: pipeline',
        'inputs:',
        '  rate: 0.1',
        'jobs:',
        '  train:',
        '    component: ./train.yml',
        '    inputs:',
        '      epochs: ${{parent.inputs.epochs}}',
        '      data: ${{parent.jobs.prep.outputs.data}}',
        '  score:',
        '    command: echo ${{inputs.m}}',
        '    environment: azureml:env:1',
        '    inputs:',
        '      m: ${{parent.jobs.train.outputs.weights}}',
        ''
      ].join('\n')
    )
    expect(message).toContain(
      "job.yml:8: jobs.train.inputs.epochs: '${{parent.inputs.epochs}}' names no input of the pipeline (inputs: rate)"
    )
    expect(message).toContain(
      "job.yml:9: jobs.train.inputs.data: '${{parent.jobs.prep.outputs.data}}' names no step of the pipeline (steps: train, score)"
    )
    expect(message).toContain(
      "job.yml:14: jobs.score.inputs.m: '${{parent.jobs.train.outputs.weights}}' names no output of step train (outputs: model)"
    )
  })

  it('names a cycle between steps', () => {
    const message = errorOf(
      'type: pipeline\njobs:\n' +
        STEP('a', '    inputs:\n      x: ${{parent.jobs.b.outputs.o}}\n    outputs:\n      o:\n') +
        STEP('b', '    inputs:\n      y: ${{parent.jobs.a.outputs.o}}\n    outputs:\n      o:\n')
    )
    expect(message).toContain('job.yml:3: jobs.a: the steps bind to each other in a cycle: a → b → a')
  })

  it('names a missing component file and a literal of the wrong type', () => {
    const message = errorOf(
      'type: pipeline\njobs:\n  a:\n    component: ./nope.yml\n  b:\n    component: ./train.yml\n    inputs:\n      epochs: many\n      seed: 1\n'
    )
    expect(message).toMatch(/job\.yml:4: jobs\.a\.component: component file '.*nope\.yml' does not exist/)
    expect(message).toContain(
      'job.yml:8: jobs.b.inputs.epochs: the component declares this input as integer: expected a whole number, got "many"'
    )
  })

  it('takes what azure-ai-ml 1.4 takes: text that reads as the type, an undeclared input (dropped), any setting', () => {
    const ok = read(
      'type: pipeline\nsettings:\n  default_datestore: azureml:workspaceblobstore\njobs:\n  b:\n' +
        '    component: ./train.yml\n    inputs:\n      epochs: " 12 "\n      seed: 1\ncompute: azureml:c\n'
    )
    expect(ok.graph.nodes[0].yaml.inputs).toEqual({ epochs: ' 12 ' })
    // Dropped as the CLI drops it, but said: a misspelt input would otherwise vanish without a word.
    expect(ok.warnings).toEqual([
      expect.stringMatching(/^job\.yml:9: jobs\.b\.inputs\.seed: the component has no input 'seed' \(.*\): left out/)
    ])
    const flag =
      'name: f\ntype: command\ninputs:\n  on:\n    type: boolean\nenvironment: azureml:env:1\ncommand: echo\n'
    const job = (value: string): string =>
      `type: pipeline\njobs:\n  f:\n    component: ./flag.yml\n    inputs:\n      on: ${value}\ncompute: azureml:c\n`
    expect(read(job('"False"'), [], { 'flag.yml': flag }).graph.nodes[0].yaml.inputs).toEqual({ on: 'False' })
    expect(errorOf(job('"maybe"'), [], { 'flag.yml': flag })).toContain(
      'jobs.f.inputs.on: the component declares this input as boolean: expected true or false, got "maybe"'
    )
  })

  it('takes a single file as code, in a component file and in an inline step, as azure-ai-ml 1.4 does', () => {
    const component = 'name: t\ntype: command\ncode: ./train.py\nenvironment: azureml:env:1\ncommand: python train.py\n'
    const yaml =
      'type: pipeline\njobs:\n  a:\n    component: ./t.yml\n  b:\n    component:\n      code: ./train.py\n' +
      '      environment: azureml:env:1\n      command: python train.py\ncompute: azureml:c\n'
    const ok = read(yaml, [], { 't.yml': component, 'train.py': 'print(1)\n' })
    expect(ok.graph.nodes.map(n => n.name)).toEqual(['a', 'b'])
    expect(errorOf(yaml, [], { 't.yml': component })).toMatch(/t\.yml:3: code: local path '.*train\.py' does not exist/)
  })

  it('takes a registry component without a version, and refuses one that is not a registry component URI', () => {
    const job = (ref: string): string => `type: pipeline\njobs:\n  m:\n    component: ${ref}\ncompute: azureml:c\n`
    const node = read(job('azureml://registries/azureml/components/compute_metrics')).graph.nodes[0]
    expect(node.component).toEqual({ kind: 'id', id: 'azureml://registries/azureml/components/compute_metrics' })
    expect(errorOf(job('azureml://registries/azureml/compute_metrics'))).toContain(
      "jobs.m.component: 'azureml://registries/azureml/compute_metrics' is not a registry component"
    )
  })

  it('names unknown fields, of the pipeline and its nodes', () => {
    const message = errorOf(
      'type: pipeline\ncolour: red\nsettings:\n  default_compte: x\njobs:\n' +
        STEP('a', '    retries: 2\n') +
        '  b:\n    component: ./train.yml\n    command: echo\n'
    )
    expect(message).toContain('job.yml:2: colour: unknown field')
    expect(message).toContain('job.yml:9: jobs.a.retries: unknown field of a command node')
    expect(message).toContain('job.yml:12: jobs.b.command: unknown field of a command node (set it in the component')
  })

  it('refuses AutoML, Spark and sweep nodes as coming with issue 21; a parallel node needs a task or a component', () => {
    const message = errorOf(
      'type: pipeline\njobs:\n  a:\n    type: automl\n  b:\n    type: spark\n  c:\n    type: sweep\n  d:\n    type: parallel\n'
    )
    expect(message).toContain('job.yml:4: jobs.a.type: AutoML nodes come with issue 21')
    expect(message).toContain('job.yml:6: jobs.b.type: Spark nodes come with issue 21')
    expect(message).toContain('job.yml:8: jobs.c.type: sweep nodes come with issue 21')
    expect(message).toContain("job.yml:9: jobs.d: an inline parallel node needs 'task' (or name a 'component')")
  })

  it('checks a parallel node: its task and fields at their lines, its component file of the right type', () => {
    const parallel = [
      'name: score',
      'type: parallel',
      'inputs:',
      '  table:',
      '    type: mltable',
      'outputs:',
      '  scores:',
      '    type: uri_file',
      'input_data: ${{inputs.table}}',
      'task:',
      '  type: run_function',
      '  entry_script: score.py',
      '  environment: azureml:env:1',
      ''
    ].join('\n')
    const message = errorOf(
      [
        'type: pipeline',
        'jobs:',
        '  inline:',
        '    type: parallel',
        '    mini_batch_size: lots',
        '    logging_level: LOUD',
        '    task:',
        '      type: run_function',
        '      entry_script: score.py',
        '  from_file:',
        '    type: parallel',
        '    component: ./score.yml',
        '    error_threshold: many',
        '    task:',
        '      type: run_function',
        '    inputs:',
        '      tabel: ${{parent.jobs.inline.outputs.x}}',
        '  wrong_type:',
        '    component: ./score.yml',
        '  command_as_parallel:',
        '    type: parallel',
        '    component: ./train.yml',
        ''
      ].join('\n'),
      [],
      { 'score.yml': parallel }
    )
    expect(message).toContain('job.yml:5: jobs.inline.mini_batch_size:')
    expect(message).toContain('job.yml:6: jobs.inline.logging_level:')
    expect(message).toContain("job.yml:7: jobs.inline.task.environment: missing required field 'environment'")
    expect(message).toContain('job.yml:13: jobs.from_file.error_threshold:')
    expect(message).toContain(
      'job.yml:14: jobs.from_file.task: unknown field of a parallel node (set it in the component'
    )
    expect(message).not.toContain('tabel') // dropped with a warning, as the CLI drops it (see above)
    expect(message.match(/jobs\.from_file\.task/g)).toHaveLength(1)
    expect(message).toContain(
      'score.yml:2: type: the node at jobs.wrong_type is a command node (type: command) but this is a parallel component'
    )
    expect(message).toContain(
      'train.yml:2: type: the node at jobs.command_as_parallel is a parallel node (type: parallel) but this is a command component'
    )
  })

  it('checks a component written inline under component: like a component file', () => {
    const message = errorOf(
      'type: pipeline\njobs:\n  a:\n    component:\n      command: echo\n      environment: azureml:env:1\n      colour: red\n      inputs:\n        n:\n          type: integer\n    inputs:\n      n: lots\n'
    )
    expect(message).toContain('job.yml:7: jobs.a.component.colour: unknown field of a command component')
    expect(message).toContain('job.yml:12: jobs.a.inputs.n: the component declares this input as integer')
  })

  it('names a problem inside a sub-pipeline component file with that file', () => {
    const message = errorOf('type: pipeline\njobs:\n  sub:\n    type: pipeline\n    component: ./sub.yml\n', [], {
      'sub.yml':
        'type: pipeline\njobs:\n  x:\n    command: echo\n    environment: azureml:env:1\n    inputs:\n      a: ${{parent.inputs.nope}}\n'
    })
    expect(message).toContain("sub.yml:7: jobs.x.inputs.a: '${{parent.inputs.nope}}' names no input of the pipeline")
  })

  it('applies set lines reaching into nodes, and blames a bad value on its set line', () => {
    const yaml =
      'type: pipeline\njobs:\n  train:\n    component: ./train.yml\n    inputs:\n      epochs: 1\ncompute: azureml:c\n'
    const ok = read(yaml, ['jobs.train.inputs.epochs=3'])
    expect(ok.graph.nodes[0].yaml.inputs).toEqual({ epochs: 3 })
    expect(errorOf(yaml, ['jobs.train.inputs.epochs=lots'])).toContain(
      "Input 'set': line 1 (jobs.train.inputs.epochs=lots): jobs.train.inputs.epochs: the component declares this input as integer"
    )
  })
})
