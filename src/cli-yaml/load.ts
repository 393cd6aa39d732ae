/**
 * Reading a CLI v2 YAML file (a job, an online endpoint or deployment, a model) with the `yaml` package, keeping the
 * parsed Document and a LineCounter so that every later error (schema, references, bindings, local paths) can name the
 * file, the line and the field.
 *
 * Shapes:
 * - `YamlSource`: the step input that named the file (`input`: `job`, `endpoint`, `deployment`, `model`), the file name
 *   as the user gave it (`file`, used in messages), its absolute path and folder (`dir`: paths inside the YAML are
 *   relative to it, as in `az ml`), what kind of YAML it is (`kind`, for messages), the text, the `Document`, and the
 *   `set` overrides applied to it (see set.ts) so that a value that came from a `set` line is blamed on that line.
 * - `Location`: where a value came from: `{input: <the file's input>, file, line}` (1-based line) or
 *   `{input: 'set', line, text}` (1-based index among the `set` lines).
 * - `CliYamlError` (an `InputError`): one or more problems, each `file:line: field.path: what is expected`; its
 *   `input` is the input of the first problem (the file's, or `set`).
 *
 * YAML version: the `yaml` package's default, YAML 1.2 core schema (so `yes`/`on` are strings, as in JSON Schema
 * terms). PyYAML, which `az ml` uses, reads YAML 1.1 (`yes` is a boolean there): a documented difference.
 */
import { readFileSync, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { Document, isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml'
import { InputError } from '../base/errors.js'

/** A field path: mapping keys and sequence indexes from the document root. */
export type FieldPath = readonly (string | number)[]

/** How every CLI YAML reader finds its file (jobs, components, models, online endpoints and deployments). */
export interface ReadYamlOptions {
  /** Folder a relative YAML path is read from (the workflow workspace); default the current directory. */
  baseDir?: string
}

/** A line of the YAML file, named by the input that names the file (`job`, `endpoint`, ...). */
export interface FileLocation {
  input: string
  file: string
  line: number
}
/** A `set` line (1-based among the lines of input `set`). */
export interface SetLocation {
  input: 'set'
  line: number
  text: string
}
export type Location = FileLocation | SetLocation

export function isSetLocation(location: Location): location is SetLocation {
  return 'text' in location
}

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

/** `file.yml:12: field.path: detail`, or `line 2 (a.b=c): detail` for a `set` line. */
export function formatProblem(p: YamlProblem): string {
  const where = whereOf(p.location)
  return p.field ? `${where}: ${p.field}: ${p.detail}` : `${where}: ${p.detail}`
}

/** `file.yml:12` or `line 2 (a.b=c)`. */
function whereOf(l: Location): string {
  return isSetLocation(l) ? `line ${l.line} (${l.text})` : `${l.file}:${l.line}`
}

/**
 * One or more problems in a CLI v2 YAML file (or in a `set` line), each naming the file, the line and the field.
 * `yamlInput` is the input that names the file (`job`, `endpoint`, `deployment`, `model`); the InputError's `input` is
 * that of the first problem (so a bad `set` line names input `set`).
 */
export class CliYamlError extends InputError {
  readonly problems: YamlProblem[]
  readonly yamlInput: string
  constructor(yamlInput: string, problems: YamlProblem[]) {
    super(problems[0]?.location.input ?? yamlInput, problems.map(formatProblem).join('\n'))
    this.name = 'CliYamlError'
    this.yamlInput = yamlInput
    this.problems = problems
  }
}

/** A `set` line applied to the document: its dotted path and where it was written. */
export interface SetOverride {
  path: string[]
  line: number
  text: string
  /**
   * The first mapping on `path` that the file did not have and this line created (`['jobs', 'trian']` for
   * `jobs.trian.inputs.epochs=50` when there is no step `trian`), so a reader can say the line names nothing there.
   */
  created?: string[]
}

export interface YamlSource {
  /** The input that named the file (`job`, `endpoint`, `deployment`, `model`): named by every file problem. */
  input: string
  /** What the file holds, for messages: `job`, `online endpoint`, `online deployment`, `model`. */
  kind: string
  /** The file as the user named it (the input's value): used in every message. */
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

/** How a YAML file is read: the input naming it, what it holds, the fields a valid one starts with (for messages). */
export interface YamlKind {
  /** The step input that names the file: `job`, `endpoint`, `deployment`, `model`. */
  input: string
  /** `job`, `online endpoint`, `online deployment`, `model`. */
  kind: string
  /** A few of its fields, for "expected a mapping of ... fields (…)": `type, command, environment, ...`. */
  fieldsHint: string
}

/** Parse YAML text (already read) into a YamlSource; syntax errors become a CliYamlError with their lines. */
export function parseCliYaml(text: string, file: string, what: YamlKind, absolutePath = resolve(file)): YamlSource {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true })
  const problems: YamlProblem[] = doc.errors.map(e => ({
    location: { input: what.input, file, line: e.linePos?.[0].line ?? lineCounter.linePos(e.pos[0]).line },
    field: '',
    detail: `YAML syntax error: ${e.message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '')}`
  }))
  if (problems.length) throw new CliYamlError(what.input, problems)
  if (!isMap(doc.contents)) {
    throw new CliYamlError(what.input, [
      {
        location: { input: what.input, file, line: 1 },
        field: '',
        detail: `expected a mapping of ${what.kind} fields (${what.fieldsHint})`
      }
    ])
  }
  return {
    input: what.input,
    kind: what.kind,
    file,
    path: absolutePath,
    dir: dirname(absolutePath),
    text,
    doc,
    lineCounter,
    overrides: []
  }
}

/**
 * Read a YAML file. `file` is the path as given (the input's value); `baseDir` resolves it when relative (the
 * workflow's workspace, default the current directory). A missing file is an `InputError` naming the input.
 */
export function loadCliYaml(file: string, what: YamlKind, baseDir = process.cwd()): YamlSource {
  const absolutePath = resolve(baseDir, file)
  let text: string
  try {
    if (!statSync(absolutePath).isFile()) throw new Error('not a file')
    text = readFileSync(absolutePath, 'utf8')
  } catch {
    throw new InputError(
      what.input,
      `the ${what.kind} YAML file '${file}' does not exist or is not a file (looked at ${absolutePath})`
    )
  }
  return parseCliYaml(text, file, what, absolutePath)
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
  return { input: source.input, file: source.file, line }
}

/** Order problems for a message: `set` lines first (in order), then the file's lines. */
export function byLocation(a: YamlProblem, b: YamlProblem): number {
  const key = (p: YamlProblem): number => (isSetLocation(p.location) ? -1e9 : 0) + p.location.line
  return key(a) - key(b)
}

/** A problem at `path`, located. */
export function problemAt(source: YamlSource, path: FieldPath, detail: string): YamlProblem {
  return { location: locate(source, path), field: fieldName(path), detail }
}

/**
 * Where the value at `path` was written, for an error found later over the network (a compute that does not exist):
 * the input that holds it (the file's, or `set`) and `file.yml:12: settings.default_compute` (or
 * `line 2 (compute=x): compute`), the shape of `ReferenceSource` (src/assets/workspace-assets.ts).
 */
export function fieldAt(source: YamlSource, path: FieldPath): { input: string; field: string } {
  const location = locate(source, path)
  return { input: location.input, field: `${whereOf(location)}: ${fieldName(path)}` }
}

/** The line of a character offset of the file (1-based). */
export function lineOfOffset(source: YamlSource, offset: number): number {
  return source.lineCounter.linePos(offset).line
}

/**
 * The text of a number as written (`0.010`, `1e-5`) at `path`, from the file or from a `set` line, or undefined when
 * the value there is not a number scalar. Used for literal inputs, tags, environment variables and versions, which REST
 * takes as strings.
 */
export function numberTextAt(source: YamlSource, path: FieldPath): string | undefined {
  const node = nodeAt(source, path)
  if (isScalar(node) && typeof node.value === 'number' && typeof node.source === 'string') return node.source
  return undefined
}
