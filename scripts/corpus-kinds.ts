/**
 * What a CLI v2 YAML is, read from its content, and which of the action's operations takes it: the pure half of the
 * corpus check (`scripts/corpus.ts`, `npm run corpus`).
 *
 * The kind comes from the `$schema` URL's file name (azureml-examples write
 * `https://azuremlschemas.azureedge.net/latest/<name>.schema.json`) and, without one, from `type:` and the keys present
 * (fine-tuning jobs, conda files and connections carry no `$schema` in the examples). The job and component types are
 * azure-ai-ml's (`azure/ai/ml/constants/_common.py` `JobType`/`NodeType`, `_component.py` `NodeType`).
 */

/** The kinds the check counts, one per YAML. */
export type CorpusKind =
  | 'command-job'
  | 'pipeline-job'
  | 'sweep-job'
  | 'automl-job'
  | 'spark-job'
  | 'finetuning-job'
  | 'component'
  | 'online-endpoint'
  | 'online-deployment'
  | 'batch-endpoint'
  | 'batch-deployment'
  | 'model'
  | 'environment'
  | 'data'
  | 'compute'
  | 'other'

/** The action's input that takes each operation's YAML. */
export interface CorpusOperation {
  operation:
    | 'submit-job'
    | 'create-endpoint'
    | 'create-deployment'
    | 'register-model'
    | 'register-component'
    | 'register-data'
    | 'register-environment'
  input: 'job' | 'endpoint' | 'deployment' | 'model' | 'component' | 'data' | 'environment'
}

/** The operation that takes a kind's YAML; undefined when the action has none yet. */
export function operationFor(kind: CorpusKind): CorpusOperation | undefined {
  if (kind.endsWith('-job')) return { operation: 'submit-job', input: 'job' }
  if (kind === 'online-endpoint') return { operation: 'create-endpoint', input: 'endpoint' }
  if (kind === 'online-deployment') return { operation: 'create-deployment', input: 'deployment' }
  if (kind === 'model') return { operation: 'register-model', input: 'model' }
  if (kind === 'component') return { operation: 'register-component', input: 'component' }
  if (kind === 'data') return { operation: 'register-data', input: 'data' }
  if (kind === 'environment') return { operation: 'register-environment', input: 'environment' }
  return undefined
}

/** `$schema` file names (lower case, without `.schema.json` / `.json`) → kind. */
const BY_SCHEMA: [RegExp, CorpusKind][] = [
  [/^commandjob$/, 'command-job'],
  [/^pipelinejob$/, 'pipeline-job'],
  [/^sweepjob$/, 'sweep-job'],
  [/^automljob$/, 'automl-job'],
  [/^sparkjob$/, 'spark-job'],
  [/^(finetuning|distillation)job$/, 'finetuning-job'],
  [/component$/, 'component'],
  [/^(managed|kubernetes)onlineendpoint$/, 'online-endpoint'],
  [/^(managed|kubernetes)onlinedeployment$/, 'online-deployment'],
  [/^batchendpoint$/, 'batch-endpoint'],
  [/batchdeployment$/, 'batch-deployment'],
  [/^model$/, 'model'],
  [/^environment$/, 'environment'],
  [/^data$/, 'data'],
  [/^(amlcompute|computeinstance|vmcompute|kubernetescompute)$/, 'compute']
]

/** Job `type:` values → kind (azure-ai-ml `JobType`). */
const BY_JOB_TYPE: Record<string, CorpusKind> = {
  command: 'command-job',
  pipeline: 'pipeline-job',
  sweep: 'sweep-job',
  automl: 'automl-job',
  spark: 'spark-job',
  finetuning: 'finetuning-job',
  distillation: 'finetuning-job'
}

/**
 * The kind of a parsed YAML document (`doc`: what `yaml.parse` gave; anything that is not a mapping is `other`).
 * `$schema` wins; without it, a `type:` naming a job type, else keys that only a job has (`command` with
 * `environment`), else `other` (conda files, connections, settings files).
 */
export function detectKind(doc: unknown): CorpusKind {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return 'other'
  const record = doc as Record<string, unknown>
  const schema = typeof record.$schema === 'string' ? record.$schema : ''
  if (schema) {
    const file = (schema.split('/').pop() ?? '').toLowerCase().replace(/\.schema\.json$|\.json$/, '')
    for (const [pattern, kind] of BY_SCHEMA) if (pattern.test(file)) return kind
  }
  const type = typeof record.type === 'string' ? record.type.toLowerCase() : undefined
  if (type && BY_JOB_TYPE[type]) {
    // A component YAML also says `type: command`; its `inputs` carry types and it has no `compute`/`experiment_name`.
    if (!schema && type === 'command' && 'version' in record && !('compute' in record)) return 'component'
    return BY_JOB_TYPE[type]
  }
  if (!type && typeof record.command === 'string' && 'environment' in record) return 'command-job'
  return 'other'
}

/**
 * Whether a refusal is one that a later issue removes (AutoML, Spark and fine-tuning jobs, and such nodes inside
 * pipelines, and Spark and AutoML components: the job-types issue), by the kind or by the error text. Standalone sweep
 * jobs are taken (issue 21): a refused one is a finding.
 */
export function expectedForNow(kind: CorpusKind, error: string): string | undefined {
  if (kind === 'automl-job' || kind === 'spark-job' || kind === 'finetuning-job') {
    return `${kind.replace('-job', '')} jobs come with the job-types issue`
  }
  if (kind === 'pipeline-job') {
    // src/jobs/pipeline/read.ts: AutoML, Spark and sweep nodes come with issue 21. Any other pipeline refusal (a
    // parallel node's too) is a finding.
    const later = /\b(AutoML|Spark|sweep) nodes come with issue 21/i.exec(error)
    if (later) return `${later[1]} nodes come with issue 21 (job types)`
    return undefined
  }
  if (kind === 'component') {
    const type = /\btype: (?:unknown component type ')?(spark|automl)\b/i.exec(error)
    if (type) return `${type[1].toLowerCase()} components come with the job-types issue`
  }
  return undefined
}

/** A reference a refusal says is missing, and how to register it. */
export type Missing =
  | { kind: 'computes'; name: string }
  | { kind: 'data' | 'models' | 'environments' | 'components'; name: string; version: string }
  | { kind: 'onlineEndpoints'; name: string }

/** What a refusal says is missing (the texts of src/assets/workspace-assets.ts and create-deployment.ts). */
export function missingReference(error: string): Missing | undefined {
  const compute = /the compute '([^']+)' does not exist/.exec(error)
  if (compute) return { kind: 'computes', name: compute[1] }
  const asset =
    /the (data asset|model|environment|component) '([^']+)' (?:version (\S+) does not exist|has no version)/.exec(error)
  if (asset) {
    const kind =
      asset[1] === 'data asset'
        ? 'data'
        : asset[1] === 'model'
          ? 'models'
          : asset[1] === 'component'
            ? 'components'
            : 'environments'
    return { kind, name: asset[2], version: asset[3] ?? '1' }
  }
  const endpoint = /online endpoint (\S+) does not exist/.exec(error)
  if (endpoint) return { kind: 'onlineEndpoints', name: endpoint[1] }
  return undefined
}

/**
 * A refusal's reason with its particulars taken out (input name, file:line, field path, quoted values, local paths),
 * so refusals of one cause count together: `unknown field '…'`, `local path '…' does not exist`.
 */
export function reasonGroup(reason: string): string {
  // Several problems come on one line, each starting with `file:line:`; the first one names the group.
  const first = reason.replace(/^Input '[^']+': /, '').split(/ (?=\S+\.ya?ml(?::\d+)?: )/)[0]
  const text = first
    .replace(/^\S+\.ya?ml(?::\d+)?: (?:[\w.[\]$-]+: )?/, '')
    // Quoted values are particulars, except the name of an unknown field (which field the action lacks is the point).
    .replace(/(unknown field )?'[^']*'/g, (quoted, unknown?: string) => (unknown ? quoted : "'…'"))
    .replace(/\(.*$/, '')
    .trim()
  return text.length > 90 ? `${text.slice(0, 90)}…` : text
}

/** The datastore folder a pipeline input left for `--set` is filled with. */
export const CORPUS_DATA_URI = 'azureml://datastores/workspaceblobstore/paths/corpus-seed/'

/**
 * The problems of a refusal, one per `file:line: field: text` (several come on one line, as `reasonGroup` splits them).
 */
export function problemsOf(reason: string): string[] {
  return reason
    .replace(/^Input '[^']+': /, '')
    .split(/ (?=\S+\.ya?ml(?::\d+)?: )/)
    .map(p => p.trim())
    .filter(Boolean)
}

/**
 * The local paths a refusal says do not exist, when that is all it says (every problem is `local path '…' does not
 * exist`, `local folder '…' does not exist` or `component file '…' does not exist`); undefined when any problem is of
 * another kind. The corpus holds only `cli/` of azureml-examples, without the files its scripts download or write.
 */
export function missingLocalFiles(reason: string): string[] | undefined {
  const paths: string[] = []
  for (const problem of problemsOf(reason)) {
    const m = /(?:local path|local folder|component file) '([^']+)' does not exist/.exec(problem)
    // A placeholder the example's script substitutes (`<CODE_DIR>`, `{{DIR}}`) is no file any copy of the repo has.
    if (!m || /<[^>]*>|\{\{/.test(m[1])) return undefined
    paths.push(m[1])
  }
  return paths.length ? paths : undefined
}

/**
 * `--set` lines that fill the names an example leaves to its shell script (`az ml online-deployment create
 * --endpoint-name $ENDPOINT_NAME`, `envsubst` of `<ENDPOINT_NAME>` / `{{ENDPOINT_NAME}}`): a missing `endpoint_name`
 * or `name`, or one that is such a placeholder; and a pipeline's input left without a path (`--set
 * inputs.<name>.path=...`). Empty when the refusal names none, so real name refusals still count.
 */
export function placeholderSets(kind: CorpusKind, error: string): string[] {
  const sets = new Set<string>()
  if (kind === 'pipeline-job') {
    // A pipeline input left without a path is filled by the example's script (`az ml job create -f pipeline-job.yml
    // --set inputs.input_data.path=...`, endpoints/batch/deploy-pipelines/*/deploy-and-run.sh); a datastore folder.
    for (const m of error.matchAll(/: inputs\.(\w+): missing required field 'path'/g))
      sets.add(`inputs.${m[1]}.path=${CORPUS_DATA_URI}`)
  }
  const pattern =
    /\b(endpoint_name|name): (?:missing required field '\w+'|the string '(?:<[^']*>|\{\{[^']*\}\})' is not a name)/g
  for (const m of error.matchAll(pattern)) {
    const value = m[1] === 'endpoint_name' || kind === 'online-endpoint' ? 'corpus-endpoint' : 'corpus-deployment'
    sets.add(`${m[1]}=${value}`)
  }
  return [...sets]
}

/**
 * A refusal of a file that is a template rather than a YAML the CLI is given (the examples' scripts fill `{{NAME}}`
 * and `<NAME>` placeholders with sed or write a `.rendered.yml` first), or of a name azure-ai-ml's
 * `validate_endpoint_or_deployment_name` refuses too (`regular_deployment`): why it is not ours, else undefined.
 * `text` is the file's content (empty when it cannot be read).
 */
export function templateRefusal(text: string, reason: string): string | undefined {
  if (/validate_endpoint_or_deployment_name/.test(reason))
    return 'the CLI refuses the name too (azure-ai-ml validate_endpoint_or_deployment_name)'
  const placeholder = /'(?:[^']*\/)?(<[A-Z][A-Z0-9_]*>)'/.exec(reason)?.[1] ?? /(<[A-Z][A-Z0-9_]*>)/.exec(reason)?.[1]
  if (placeholder) return `a template: ${placeholder} is filled in by the example's script`
  // A `{{NAME}}` or `{insert ...}` anywhere: the file is not what the CLI is given (a YAML syntax error, or a value
  // read as a mapping, which azure-ai-ml refuses too).
  const braces = /\{\{\s*[A-Za-z_][A-Za-z0-9_]*\s*\}\}/.exec(text)?.[0] ?? /\{insert [^}\n]*\}/i.exec(text)?.[0]
  return braces ? `a template: ${braces} is filled in by the example's script first` : undefined
}
