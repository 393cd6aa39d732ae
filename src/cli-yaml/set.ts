/**
 * `set` lines (input `set`): one `path=value` a line, applied to the parsed YAML (a job, an endpoint, a deployment, a
 * model) before validation, like `az ml job create --set inputs.learning_rate=0.01 --set compute=azureml:gpu-cluster`
 * or `az ml online-deployment create --set instance_count=2` (the CLI applies each override to the loaded dict by its
 * dotted path, replacing what was there and creating missing mappings).
 *
 * - `path`: dot-separated keys (`environment_variables.SEED`, `resources.instance_count`); a key may hold letters,
 *   digits, `_`, `-` and `$` (`$schema`).
 * - `value`: read as YAML (`0.01` a number, `true` a boolean, `azureml:gpu` a string, `'007'` the string 007); an
 *   empty value is an empty string. A flow list or mapping (`[rbf, linear]`, `["a", 1]`, `{min: 1, max: 5}`) is set as
 *   a whole, replacing what was there (`--set search_space.kernel.values=[rbf, linear]`); JSON is YAML, so the JSON
 *   forms azure-cli's `--set` parses (`shell_safe_json_parse`) read the same. A block collection (more lines) cannot be
 *   written on one line; YAML syntax errors are refused naming the line.
 * - Blank lines and lines starting with `#` are skipped. Line numbers in messages count every line of the input.
 *
 * Each applied line is recorded in `source.overrides`, so a later error about that value names input `set` and the line.
 */
import { isCollection, isMap, isNode, isScalar, parseDocument, visit, type Node } from 'yaml'
import { CliYamlError, type YamlProblem, type YamlSource } from './load.js'

const KEY = /^[A-Za-z0-9_$][A-Za-z0-9_$-]*$/

function isFlowCollection(node: unknown): boolean {
  return isCollection(node) && node.flow === true
}

/** Split the `set` input into lines (a string with newlines, or lines already split). */
export function setLinesOf(input: string | readonly string[]): string[] {
  return typeof input === 'string' ? input.split(/\r?\n/) : [...input]
}

/** Apply every `set` line to `source.doc` (in place); all bad lines are reported at once. */
export function applySetLines(source: YamlSource, input: string | readonly string[]): void {
  const problems: YamlProblem[] = []
  setLinesOf(input).forEach((raw, index) => {
    const text = raw.trim()
    if (!text || text.startsWith('#')) return
    const line = index + 1
    const bad = (detail: string): void => {
      problems.push({ location: { input: 'set', line, text }, field: '', detail })
    }
    const eq = text.indexOf('=')
    if (eq <= 0) return bad("expected 'path=value' (e.g. inputs.learning_rate=0.01)")
    const pathText = text.slice(0, eq).trim()
    const valueText = text.slice(eq + 1).trim()
    const path = pathText.split('.')
    const badKey = path.find(k => !KEY.test(k))
    if (badKey !== undefined) {
      return bad(`'${pathText}' is not a dotted field path (key '${badKey}': letters, digits, '_', '-' and '$' only)`)
    }
    const parsed = parseDocument(valueText, { uniqueKeys: true })
    const contents = parsed.contents
    if (parsed.errors.length || (contents !== null && !isScalar(contents) && !isFlowCollection(contents))) {
      return bad(
        `the value '${valueText}' is not YAML on one line (a string, number, boolean, or a list or mapping in ` +
          `brackets: [a, b], {k: v})${parsed.errors.length ? `: ${parsed.errors[0].message.split('\n')[0]}` : ''}`
      )
    }
    const node = (contents ?? parsed.createNode('')) as Node
    // Its offsets are in the set line, not in the file: cleared on the value and everything inside it.
    visit(node, (_key, n) => {
      if (isNode(n)) n.range = undefined
    })
    node.range = undefined
    // Every parent on the path must be a mapping (or missing: created, as the CLI does).
    let parent: unknown = source.doc.contents
    let created: string[] | undefined
    for (let i = 0; i < path.length - 1; i++) {
      const next = isMap(parent) ? parent.get(path[i], true) : undefined
      if (next === undefined || next === null) {
        created = path.slice(0, i + 1)
        break
      }
      if (isScalar(next) && next.value === null) {
        source.doc.setIn(path.slice(0, i + 1), source.doc.createNode({})) // `inputs:` with nothing under it
        break
      }
      if (!isMap(next)) {
        return bad(
          `'${path.slice(0, i + 1).join('.')}' is not a mapping in ${source.file}, so '${pathText}' cannot be set`
        )
      }
      parent = next
    }
    source.doc.setIn(path, node)
    source.overrides.push(created ? { path, line, text, created } : { path, line, text })
  })
  if (problems.length) throw new CliYamlError(source.input, problems)
}
