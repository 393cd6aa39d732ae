/**
 * Reading a CLI v2 job YAML file with the `yaml` package, keeping the parsed Document and a LineCounter so that every
 * later error (schema, references, `${{inputs.x}}` bindings) can name the file, the line and the field.
 *
 * Shapes:
 * - `YamlSource`: the file name as the user gave it (`file`, used in messages), its absolute path and folder (`dir`:
 *   paths inside the YAML are relative to it, as in `az ml`), the text, the `Document`, and the `set` overrides applied
 *   to it (see set.ts) so that a value that came from a `set` line is blamed on that line, not on the file.
 * - `Location`: where a value came from: `{input: 'job', file, line}` (1-based line) or `{input: 'set', line, text}`
 *   (1-based index among the `set` lines).
 * - `JobYamlError` (an `InputError`): one or more problems, each `file:line: field.path: what is expected`.
 *
 * YAML version: the `yaml` package's default, YAML 1.2 core schema (so `yes`/`on` are strings, as in JSON Schema
 * terms). PyYAML, which `az ml` uses, reads YAML 1.1 (`yes` is a boolean there): a documented difference.
 */
import { readFileSync, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { Document, isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml'
import { InputError } from '../../action/errors.js'

/** A field path: mapping keys and sequence indexes from the document root. */
export type FieldPath = readonly (string | number)[]

export type Location = { input: 'job'; file: string; line: number } | { input: 'set'; line: number; text: string }

export interface YamlProblem {
  location: Location
  /** Dot form: `inputs.lr.type`, `services.ssh.nodes`, sequence items as `[0]`. Empty for the whole document. */
  field: string
  detail: string
}

/** `inputs.lr.type`; `tags`; `a[0].b`. */
export function fieldName(path: FieldPath): string {
  let out = ''
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`
    else out += out ? `.${part}` : part
  }
  return out
}

function formatProblem(p: YamlProblem): string {
  const where =
    p.location.input === 'job'
      ? `${p.location.file}:${p.location.line}`
      : `line ${p.location.line} (${p.location.text})`
  return p.field ? `${where}: ${p.field}: ${p.detail}` : `${where}: ${p.detail}`
}

/** One or more problems in the job YAML (or in a `set` line), each naming the file, the line and the field. */
export class JobYamlError extends InputError {
  readonly problems: YamlProblem[]
  constructor(problems: YamlProblem[]) {
    const first = problems[0]
    super(first.location.input, problems.map(formatProblem).join('\n'))
    this.name = 'JobYamlError'
    this.problems = problems
  }
}

/** A `set` line applied to the document: its dotted path and where it was written. */
export interface SetOverride {
  path: string[]
  line: number
  text: string
}

export interface YamlSource {
  /** The file as the user named it (input `job`): used in every message. */
  file: string
  /** Absolute path of the file. */
  path: string
  /** Absolute folder of the file: local paths in the YAML are relative to it. */
  dir: string
  text: string
  doc: Document.Parsed
  lineCounter: LineCounter
  /** `set` lines applied so far (set.ts), in order. */
  overrides: SetOverride[]
}

/** Parse YAML text (already read) into a YamlSource; syntax errors become a JobYamlError with their lines. */
export function parseJobYaml(text: string, file: string, absolutePath = resolve(file)): YamlSource {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true })
  const problems: YamlProblem[] = doc.errors.map(e => ({
    location: { input: 'job', file, line: e.linePos?.[0].line ?? lineCounter.linePos(e.pos[0]).line },
    field: '',
    detail: `YAML syntax error: ${e.message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '')}`
  }))
  if (problems.length) throw new JobYamlError(problems)
  if (!isMap(doc.contents)) {
    throw new JobYamlError([
      {
        location: { input: 'job', file, line: 1 },
        field: '',
        detail: 'expected a mapping of job fields (type, command, environment, ...)'
      }
    ])
  }
  return { file, path: absolutePath, dir: dirname(absolutePath), text, doc, lineCounter, overrides: [] }
}

/**
 * Read a job YAML file. `file` is the path as given (input `job`); `baseDir` resolves it when relative (the workflow's
 * workspace, default the current directory).
 */
export function loadJobYaml(file: string, baseDir = process.cwd()): YamlSource {
  const absolutePath = resolve(baseDir, file)
  let text: string
  try {
    if (!statSync(absolutePath).isFile()) throw new Error('not a file')
    text = readFileSync(absolutePath, 'utf8')
  } catch {
    throw new InputError(
      'job',
      `the job YAML file '${file}' does not exist or is not a file (looked at ${absolutePath})`
    )
  }
  return parseJobYaml(text, file, absolutePath)
}

function keyOf(node: unknown): unknown {
  return isScalar(node) ? node.value : node
}

/** The node at `path`, or undefined. */
export function nodeAt(source: YamlSource, path: FieldPath): Node | undefined {
  let node: unknown = source.doc.contents
  for (const part of path) {
    if (isMap(node)) {
      const pair = node.items.find(p => String(keyOf(p.key)) === String(part))
      if (!pair) return undefined
      node = pair.value
    } else if (isSeq(node) && typeof part === 'number') {
      node = node.items[part]
    } else return undefined
  }
  return (node ?? undefined) as Node | undefined
}

/** The `set` line that provided the value at `path` (the last one whose path is a prefix of it), if any. */
function overrideFor(source: YamlSource, path: FieldPath): SetOverride | undefined {
  const parts = path.map(String)
  for (let i = source.overrides.length - 1; i >= 0; i--) {
    const o = source.overrides[i]
    if (o.path.length <= parts.length && o.path.every((p, j) => p === parts[j])) return o
  }
  return undefined
}

/**
 * Where the value at `path` comes from: the `set` line that wrote it, else the line of its key in the file (for a
 * missing field, the line of its nearest existing parent; line 1 for the document).
 */
export function locate(source: YamlSource, path: FieldPath): Location {
  const o = overrideFor(source, path)
  if (o) return { input: 'set', line: o.line, text: o.text }
  let line = 1
  let node: unknown = source.doc.contents
  const lineAt = (range: readonly number[] | null | undefined): number | undefined =>
    range ? source.lineCounter.linePos(range[0]).line : undefined
  for (const part of path) {
    if (isMap(node)) {
      const pair = node.items.find(p => String(keyOf(p.key)) === String(part))
      if (!pair) break
      line = lineAt((pair.key as Node | null)?.range) ?? line
      node = pair.value
    } else if (isSeq(node) && typeof part === 'number' && node.items[part]) {
      node = node.items[part]
      line = lineAt((node as Node).range) ?? line
    } else break
  }
  return { input: 'job', file: source.file, line }
}

/** Order problems for a message: `set` lines first (in order), then the file's lines. */
export function byLocation(a: YamlProblem, b: YamlProblem): number {
  const key = (p: YamlProblem): number => (p.location.input === 'set' ? -1e9 : 0) + p.location.line
  return key(a) - key(b)
}

/** A problem at `path`, located. */
export function problemAt(source: YamlSource, path: FieldPath, detail: string): YamlProblem {
  return { location: locate(source, path), field: fieldName(path), detail }
}

/** The line of a character offset of the file (1-based). */
export function lineOfOffset(source: YamlSource, offset: number): number {
  return source.lineCounter.linePos(offset).line
}

/**
 * The text of a number as written (`0.010`, `1e-5`) at `path`, from the file or from a `set` line, or undefined when
 * the value there is not a number scalar. Used for literal inputs, tags and environment variables, which REST takes as
 * strings.
 */
export function numberTextAt(source: YamlSource, path: FieldPath): string | undefined {
  const node = nodeAt(source, path)
  if (isScalar(node) && typeof node.value === 'number' && typeof node.source === 'string') return node.source
  return undefined
}
