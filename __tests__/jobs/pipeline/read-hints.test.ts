/**
 * A new user's pipeline mistakes, found before anything is sent and named where they are written: a pipeline input
 * whose literal does not fit the component input bound to it (`${{parent.inputs.epochs}}` to an integer), a `set` line
 * naming a step the pipeline does not have, and misspelt fields, each with a "did you mean" and reported once.
 */
import { describe, expect, it } from '@jest/globals'
import { readAnyJobYaml } from '../../../src/jobs/job-types.js'
import { jobFolder } from '../helpers.js'

const COMPONENT = [
  'name: train',
  'type: command',
  'inputs:',
  '  epochs:',
  '    type: integer',
  '  rate:',
  '    type: number',
  '  note:',
  '    type: string',
  'environment: azureml:env:1',
  'command: python train.py',
  ''
].join('\n')

function errorOf(yaml: string[], set: string[] = [], files: Record<string, string> = {}): string {
  const dir = jobFolder(yaml.join('\n') + '\n', { 'train.yml': COMPONENT, ...files })
  try {
    readAnyJobYaml('job.yml', set, { baseDir: dir })
  } catch (e) {
    return (e as Error).message.replace(/^Input '\w+': /, '')
  }
  return ''
}

const BOUND = [
  'type: pipeline',
  'inputs:',
  '  epochs: 200',
  '  rate:',
  '    type: number',
  '    value: 0.1',
  '  note: fifty',
  'jobs:',
  '  train:',
  '    component: ./train.yml',
  '    inputs:',
  '      epochs: ${{parent.inputs.epochs}}',
  '      rate: ${{parent.inputs.rate}}',
  '      note: ${{parent.inputs.note}}',
  '  inline:',
  '    component:',
  '      command: echo',
  '      environment: azureml:env:1',
  '      inputs:',
  '        flag:',
  '          type: boolean',
  '    inputs:',
  '      flag: ${{parent.inputs.note}}'
]

describe('a pipeline input bound to a typed component input', () => {
  it('a literal that fits is taken (a string input takes anything)', () => {
    expect(errorOf(BOUND.slice(0, 14), ['settings.default_compute=azureml:cpu'])).toBe('')
  })

  it('a set line that does not fit is refused at the set line, naming the step and its input', () => {
    expect(errorOf(BOUND.slice(0, 14), ['inputs.epochs=fifty'])).toBe(
      "line 1 (inputs.epochs=fifty): inputs.epochs: step train binds it to its input 'epochs', declared integer: " +
        'expected a whole number, got "fifty"'
    )
  })

  it("the file's literal, a value: mapping, and an inline component's input: at the pipeline input's line", () => {
    const message = errorOf(BOUND, ['inputs.rate.value=fast'])
    expect(message).toContain(
      "line 1 (inputs.rate.value=fast): inputs.rate.value: step train binds it to its input 'rate', declared number"
    )
    expect(message).toContain(
      "job.yml:7: inputs.note: step inline binds it to its input 'flag', declared boolean: expected true or false, " +
        'got "fifty"'
    )
    expect(message).not.toContain('inputs.epochs')
  })

  it('a sub-pipeline component file: its default checked at its own line', () => {
    const sub = [
      'type: pipeline',
      'inputs:',
      '  epochs:',
      '    type: integer',
      '    default: many',
      'jobs:',
      '  train:',
      '    component: ./train.yml',
      '    inputs:',
      '      epochs: ${{parent.inputs.epochs}}'
    ].join('\n')
    const message = errorOf(
      ['type: pipeline', 'jobs:', '  nested:', '    type: pipeline', '    component: ./sub.yml'],
      [],
      {
        'sub.yml': sub
      }
    )
    expect(message).toContain("sub.yml:5: inputs.epochs.default: step train binds it to its input 'epochs'")
  })
})

const TWO_STEPS = [
  'type: pipeline',
  'jobs:',
  '  prepare:',
  '    command: echo',
  '    environment: azureml:env:1',
  '  train:',
  '    component: ./train.yml',
  '    inputs:',
  '      epochs: 5'
]

describe('a set line naming a step the pipeline does not have', () => {
  it('names the set line, lists the steps and suggests the close one; nothing about a missing command', () => {
    expect(errorOf(TWO_STEPS, ['', 'jobs.trian.inputs.epochs=50'])).toBe(
      "line 2 (jobs.trian.inputs.epochs=50): jobs.trian.inputs.epochs: the pipeline has no step 'trian' (did you " +
        "mean 'train'?) (steps: prepare, train); a set line changes a step of the file, it does not add one"
    )
  })

  it('a set line on an existing step still applies', () => {
    expect(errorOf(TWO_STEPS, ['jobs.train.inputs.epochs=50', 'settings.default_compute=azureml:cpu'])).toBe('')
  })
})

describe('misspelt fields of a pipeline', () => {
  it('a top-level field and a node field: did you mean, and no second error for the field the typo meant', () => {
    const message = errorOf([
      'type: pipeline',
      'setings:',
      '  default_compute: azureml:cpu',
      'jobs:',
      '  prepare:',
      '    comand: echo',
      '    environment: azureml:env:1',
      '  train:',
      '    command: echo',
      '    enviroment: azureml:env:1'
    ])
    expect(message.split('\n')).toEqual([
      "job.yml:2: setings: unknown field (did you mean 'settings'?)",
      "job.yml:6: jobs.prepare.comand: unknown field of a command node (did you mean 'command'?)",
      "job.yml:10: jobs.train.enviroment: unknown field of a command node (did you mean 'environment'?)"
    ])
  })

  it('a field far from any keeps the list; a missing command with no typo is still named', () => {
    const message = errorOf(['type: pipeline', 'colour: red', 'jobs:', '  a:', '    environment: azureml:env:1'])
    expect(message).toContain('job.yml:2: colour: unknown field (a pipeline job has $schema, type,')
    expect(message).toContain("job.yml:4: jobs.a: an inline command step needs 'command' (or name a 'component')")
  })

  it("an inline component's misspelt field: did you mean, and no 'missing' for it", () => {
    const message = errorOf([
      'type: pipeline',
      'jobs:',
      '  a:',
      '    component:',
      '      comand: echo',
      '      environment: azureml:env:1'
    ])
    expect(message.split('\n')).toEqual([
      "job.yml:5: jobs.a.component.comand: unknown field of a command component (did you mean 'command'?)"
    ])
  })
})
