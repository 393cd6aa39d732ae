/**
 * The action's interface cannot drift: action.yml, the per-operation folders and the README tables are exactly what
 * `npm run generate` makes from scripts/action-spec.ts, the table declares every input the code reads, and the code
 * reads every input the table declares.
 */
import { describe, expect, it } from '@jest/globals'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { parse } from 'yaml'
import { INPUTS, OPERATION_NAMES, OUTPUTS, WITH_POST_STEP, inputsOf } from '../scripts/action-spec.js'
import { renderAll, ROOT } from '../scripts/generate-action.js'
import { OPERATION_KINDS } from '../src/action/dispatch.js'

interface ActionYml {
  inputs: Record<string, { required?: boolean; default?: string }>
  outputs?: Record<string, unknown>
  runs: { using: string; main: string; post?: string; 'post-if'?: string }
}

const generated = await renderAll()

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap(name => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : []
  })
}

/** Input names the code reads: through the readers of input-readers.ts, @actions/core, or a table's `input: '…'`. */
function inputsReadByCode(): Map<string, string[]> {
  const reader =
    /\b(?:optional|required|bool|integer|positiveNumber|choice|optionalSecret|readUrl|url|getInput|getMultilineInput|getBooleanInput)(?:<[^>()]*>)?\(\s*'([a-z][a-z0-9-]*)'|\binput: '([a-z][a-z0-9-]*)'/g
  const found = new Map<string, string[]>()
  for (const file of sourceFiles(join(ROOT, 'src'))) {
    for (const m of readFileSync(file, 'utf8').matchAll(reader)) {
      const name = m[1] ?? m[2]
      found.set(name, [...(found.get(name) ?? []), relative(ROOT, file)])
    }
  }
  return found
}

describe('generated files', () => {
  it.each([...generated.keys()])('%s is what npm run generate makes (run it and commit the result)', path => {
    const onDisk = existsSync(join(ROOT, path)) ? readFileSync(join(ROOT, path), 'utf8') : '(missing)'
    expect(onDisk).toBe(generated.get(path))
  })

  it('there is one folder with an action.yml per operation, and no other', () => {
    const folders = readdirSync(ROOT).filter(name => existsSync(join(ROOT, name, 'action.yml')))
    expect(folders.sort()).toEqual([...OPERATION_NAMES].sort())
  })
})

describe('the table', () => {
  it('lists exactly the operations the code runs', () => {
    expect([...OPERATION_NAMES].sort()).toEqual([...OPERATION_KINDS].sort())
  })

  it('declares every input the code reads', () => {
    const undeclared = [...inputsReadByCode()].filter(([name]) => !(name in INPUTS)).map(([n, f]) => `${n} (${f})`)
    expect(undeclared).toEqual([])
  })

  it('declares no input that the code does not read', () => {
    const read = inputsReadByCode()
    expect(Object.keys(INPUTS).filter(name => !read.has(name))).toEqual([])
  })

  it('every output is set by at least one operation, and each input belongs to one', () => {
    for (const spec of Object.values(OUTPUTS)) expect(spec.operations.length).toBeGreaterThan(0)
    for (const spec of Object.values(INPUTS)) expect(spec.operations === 'all' || spec.operations.length > 0).toBe(true)
  })
})

describe('action.yml files', () => {
  const root = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as ActionYml & { branding: unknown }

  it('the root declares every input and output, runs the bundle on node24 with an always() post step', () => {
    expect(Object.keys(root.inputs).sort()).toEqual(Object.keys(INPUTS).sort())
    expect(Object.keys(root.outputs ?? {}).sort()).toEqual(Object.keys(OUTPUTS).sort())
    expect(root.inputs.operation.required).toBe(true)
    expect(root.inputs['github-token'].default).toBe('${{ github.token }}')
    expect(root.runs).toEqual({
      using: 'node24',
      main: 'dist/index.js',
      post: 'dist/post/index.js',
      'post-if': 'always()'
    })
    expect(root.branding).toEqual({ icon: 'cpu', color: 'blue' })
  })

  it.each(OPERATION_NAMES)('%s/ declares only its inputs, no operation input, and runs the bundle', op => {
    const action = parse(readFileSync(join(ROOT, op, 'action.yml'), 'utf8')) as ActionYml
    expect(action.inputs.operation).toBeUndefined()
    expect(Object.keys(action.inputs).sort()).toEqual(
      inputsOf(op)
        .map(([n]) => n)
        .sort()
    )
    expect(action.runs.using).toBe('node24')
    const entry = readFileSync(join(ROOT, op, action.runs.main), 'utf8')
    expect(entry).toContain(`process.env.INPUT_OPERATION = '${op}'`)
    expect(entry).toContain("import('../dist/index.js')")
    if (WITH_POST_STEP.includes(op)) {
      expect(action.runs['post-if']).toBe('always()')
      expect(readFileSync(join(ROOT, op, action.runs.post as string), 'utf8')).toContain(
        "import('../dist/post/index.js')"
      )
    } else {
      expect(action.runs.post).toBeUndefined()
    }
  })
})

describe('descriptions that name operations', () => {
  it("`set` names the YAML kind of every operation that takes it (register-x / create-x / submit-job's job)", () => {
    const text = INPUTS.set.description
    const ops = INPUTS.set.operations
    expect(ops).not.toBe('all')
    for (const op of ops === 'all' ? [] : ops) {
      const kind = op === 'submit-job' ? 'job' : op.replace(/^(register|create)-/, '')
      expect(`${op}: ${text}`).toMatch(new RegExp(`\\b${kind}\\b`))
    }
  })
})
