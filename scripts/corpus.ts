/**
 * `npm run corpus [-- <folder>] [--json out.json] [--concurrency 4]`: the bundle's dry-run over every YAML of
 * Microsoft's examples (Azure/azureml-examples `cli/`, kept as data in `../shared/corpus/azureml-examples/cli/`).
 *
 * Each YAML's kind is read from its content (`corpus-kinds.ts`); the kinds the action takes (jobs, online endpoints
 * and deployments, models, components) run through `dist/index.js` (build it first: `npm run package`) with
 * `dry-run: true` against one local emulator, a few steps at once. Dry-run still sends the reads that check references, and the computes,
 * assets and endpoints the examples name do not exist in a fresh emulator: a refusal that says so is answered by
 * registering that reference in the emulator (ARM PUTs, as a user would have done before) and running the file again,
 * so only refusals of the YAML itself are counted. Prints, per kind, the count, the accepted and each refusal (file and
 * the step's `::error::` line), marks refusals a later issue removes as expected for now, and the run time.
 *
 * A pipeline input left without a path is filled with `--set inputs.<name>.path=<datastore folder>`, as the examples'
 * scripts fill it. Then each remaining refusal is judged: one whose only problems are local files that do not exist is
 * "not ours" (the corpus holds only `cli/`, without what the examples' scripts download or write), and so is a template
 * the examples' scripts fill first (`{{NAME}}`, `<NAME>`: templateRefusal) or a name the CLI refuses too; a refused job YAML
 * goes to azure-ai-ml 1.4 (`corpus-sdk-judge.py`), and is "not ours" when the CLI refuses it too (with the SDK's
 * message), else marked "azure-ai-ml takes it: to fix" (a YAML the CLI takes and the action refuses is a bug).
 */
import { spawnSync } from 'node:child_process'
import { readFileSync, readdirSync, statSync, writeFileSync, existsSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { parseAllDocuments } from 'yaml'
import { startEmulator, type Emulator } from '../emulator/index.js'
import { ROOT, runStep } from '../demo/runner.js'
import {
  detectKind,
  expectedForNow,
  missingLocalFiles,
  missingReference,
  placeholderSets,
  reasonGroup,
  operationFor,
  templateRefusal,
  type CorpusKind,
  type Missing
} from './corpus-kinds.js'

interface Refusal {
  file: string
  reason: string
  /** The reason without its particulars, to count refusals of one cause together. */
  group: string
  expected?: string
  /**
   * Why the refusal is not the action's to fix: the CLI (azure-ai-ml) refuses the file too, or the file names local
   * files the corpus lacks.
   */
  notOurs?: string
  /** azure-ai-ml's verdict on a job YAML the action refused (when python3 with azure-ai-ml is on the machine). */
  sdk?: { takes: boolean; message: string }
  /** The --set lines the last run had (placeholder names filled). */
  sets?: string[]
}

interface KindFigures {
  total: number
  accepted: number
  noOperation: number
  refused: Refusal[]
}

const DEFAULT_FOLDER = resolve(ROOT, '../shared/corpus/azureml-examples/cli')

/**
 * azure-ai-ml's verdict on each refused job YAML (`scripts/corpus-sdk-judge.py`: `load_job` with the same `--set`
 * lines, then `_validate()`, the checks `az ml job create` makes before sending), through Debian's python3-azure with
 * the test fixtures' stand-in `pydash` (../shared/V2.md). Empty when that python or SDK is not on the machine.
 */
function sdkVerdicts(
  folder: string,
  refusals: Refusal[]
): { verdicts: Map<string, { takes: boolean; message: string }>; note?: string } {
  const verdicts = new Map<string, { takes: boolean; message: string }>()
  if (!refusals.length) return { verdicts }
  const python = '/usr/bin/python3'
  const run = spawnSync(python, [join(ROOT, 'scripts/corpus-sdk-judge.py')], {
    input: JSON.stringify(refusals.map(r => ({ path: join(folder, r.file), sets: r.sets ?? [] }))),
    env: { ...process.env, PYTHONPATH: join(ROOT, '__tests__/emulator/fixtures/azure-ai-ml') },
    encoding: 'utf8',
    timeout: 600_000,
    maxBuffer: 64 * 1024 * 1024
  })
  if (run.status !== 0) {
    const why = run.error?.message ?? run.stderr.trim().split('\n').pop() ?? `exit ${run.status}`
    return { verdicts, note: `azure-ai-ml not consulted (${python}: ${why})` }
  }
  const answer = JSON.parse(run.stdout) as Record<string, { takes: boolean; message: string }>
  for (const r of refusals) {
    const verdict = answer[join(folder, r.file)]
    if (verdict) verdicts.set(r.file, verdict)
  }
  return { verdicts }
}

/** A file's text, or '' when it cannot be read. */
function readTextOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return ''
  }
}

/** The key of a missing reference, as the seeding remembers it. */
function referenceKey(missing: Missing): string {
  return `${missing.kind}/${missing.name}/${'version' in missing ? missing.version : ''}`
}

/**
 * Classifies refusals that are not the action's to fix (see `Refusal.notOurs`): local files the corpus lacks, a
 * reference the emulator would not let the check register (`seedRefusals`, by `referenceKey`), and job YAMLs
 * azure-ai-ml refuses too. Returns a note when azure-ai-ml could not be consulted.
 */
function classify(
  folder: string,
  figures: Map<CorpusKind, KindFigures>,
  seedRefusals: Map<string, string>
): string | undefined {
  const jobs: Refusal[] = []
  for (const [kind, f] of figures) {
    for (const r of f.refused) {
      if (r.expected) continue
      const missing = missingReference(r.reason)
      const refusedSeed = missing && seedRefusals.get(referenceKey(missing))
      if (missing && refusedSeed) {
        r.notOurs =
          `names ${missing.kind} '${missing.name}', which the emulator refuses to create as Azure does, so no ` +
          `workspace can hold it (${refusedSeed})`
        continue
      }
      const template = templateRefusal(readTextOrEmpty(join(folder, r.file)), r.reason)
      if (template) {
        r.notOurs = template
        continue
      }
      const lacking = missingLocalFiles(r.reason)
      // Checked again here: the corpus holds only cli/ of azureml-examples, without what its scripts download.
      if (lacking?.every(p => !existsSync(p))) {
        const shown = lacking.map(p => relative(resolve(folder, '..'), p))
        r.notOurs = `refers to ${shown.length > 1 ? 'files' : 'a file'} the corpus lacks: ${shown.join(', ')}`
      } else if (kind.endsWith('-job')) jobs.push(r)
    }
  }
  const { verdicts, note } = sdkVerdicts(folder, jobs)
  for (const r of jobs) {
    const verdict = verdicts.get(r.file)
    if (!verdict) continue
    r.sdk = verdict
    if (!verdict.takes) r.notOurs = `the CLI refuses it too (azure-ai-ml 1.4: ${verdict.message})`
  }
  return note
}

function parseArgs(argv: string[]): { folder: string; json?: string; concurrency: number } {
  let folder = DEFAULT_FOLDER
  let json: string | undefined
  let concurrency = 4
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--json') json = argv[++i]
    else if (argv[i] === '--concurrency') concurrency = Math.max(1, Number(argv[++i]) || 4)
    else folder = resolve(argv[i])
  }
  return { folder, json, concurrency }
}

function yamlFiles(folder: string): string[] {
  const found: string[] = []
  for (const name of readdirSync(folder).sort()) {
    const path = join(folder, name)
    if (statSync(path).isDirectory()) found.push(...yamlFiles(path))
    else if (/\.ya?ml$/i.test(name)) found.push(path)
  }
  return found
}

/** The first document of a YAML file (undefined when it does not parse). */
function firstDocument(path: string): unknown {
  try {
    return parseAllDocuments(readFileSync(path, 'utf8'), { logLevel: 'error' })[0]?.toJS() as unknown
  } catch {
    return undefined
  }
}

/** Registers a missing reference in the emulator's workspace through ARM, as a user would have beforehand. */
async function seed(emu: Emulator, token: string, missing: Missing): Promise<void> {
  const s = emu.seed
  const ws =
    `${emu.url}/subscriptions/${s.subscriptionId}/resourceGroups/${s.resourceGroup}` +
    `/providers/Microsoft.MachineLearningServices/workspaces/${s.workspaceName}`
  const store = 'azureml://datastores/workspaceblobstore/paths/corpus-seed/'
  let path: string
  let body: unknown
  switch (missing.kind) {
    case 'computes':
      path = `/computes/${missing.name}`
      body = {
        location: s.location,
        properties: {
          computeType: 'AmlCompute',
          properties: { vmSize: 'STANDARD_DS3_V2', scaleSettings: { minNodeCount: 0, maxNodeCount: 4 } }
        }
      }
      break
    case 'onlineEndpoints':
      path = `/onlineEndpoints/${missing.name}`
      body = { location: s.location, identity: { type: 'SystemAssigned' }, properties: { authMode: 'Key' } }
      break
    case 'data':
      path = `/data/${missing.name}/versions/${missing.version}`
      body = { properties: { dataType: 'uri_folder', dataUri: store } }
      break
    case 'models':
      path = `/models/${missing.name}/versions/${missing.version}`
      body = { properties: { modelType: 'custom_model', modelUri: store } }
      break
    case 'components':
      // A command component any input fits (the examples' registered components are not in the corpus as files).
      path = `/components/${missing.name}/versions/${missing.version}`
      body = {
        properties: {
          componentSpec: {
            name: missing.name,
            version: missing.version,
            type: 'command',
            command: 'echo',
            environment: 'azureml://registries/azureml/environments/sklearn-1.5/labels/latest'
          }
        }
      }
      break
    case 'environments':
      path = `/environments/${missing.name}/versions/${missing.version}`
      body = { properties: { image: 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04' } }
      break
  }
  const response = await fetch(`${ws}${path}?api-version=2024-04-01`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body)
  })
  if (response.status >= 300) {
    throw new Error(
      `Seeding ${missing.kind} ${missing.name} was refused (${response.status}): ${await response.text()}`
    )
  }
}

async function armToken(emu: Emulator): Promise<string> {
  const s = emu.seed
  const response = await fetch(`${emu.url}/${s.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: s.clientId,
      client_secret: s.clientSecret,
      scope: 'https://management.azure.com/.default'
    })
  })
  const body = (await response.json()) as { access_token?: string }
  if (!body.access_token) throw new Error(`The emulator gave no token (${response.status}).`)
  return body.access_token
}

/** Runs `work` on every item, at most `limit` at once. */
async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++])
  })
  await Promise.all(lanes)
}

async function main(): Promise<void> {
  const { folder, json, concurrency } = parseArgs(process.argv.slice(2))
  if (!existsSync(folder)) {
    console.error(
      `The corpus folder ${folder} does not exist. Pass the azureml-examples cli/ folder as the first argument ` +
        '(default ../shared/corpus/azureml-examples/cli beside the project).'
    )
    process.exit(2)
  }
  if (!existsSync(join(ROOT, 'dist/index.js'))) {
    console.error('dist/index.js is missing: build the bundle first (npm run package).')
    process.exit(2)
  }
  const started = Date.now()
  const files = yamlFiles(folder).map(path => ({
    path,
    file: relative(folder, path),
    kind: detectKind(firstDocument(path))
  }))
  const figures = new Map<CorpusKind, KindFigures>()
  const figuresOf = (kind: CorpusKind): KindFigures => {
    let f = figures.get(kind)
    if (!f) figures.set(kind, (f = { total: 0, accepted: 0, noOperation: 0, refused: [] }))
    return f
  }
  for (const { kind } of files) figuresOf(kind).total++

  const emu = await startEmulator({
    quiet: true,
    config: { delays: { computeProvisionMs: 0, endpointProvisionMs: 0 } }
  })
  const seeded = new Map<string, Promise<boolean>>()
  const missingOf = new Map<string, Missing>()
  const seedFailures: string[] = []
  /** Seeds the emulator refused, by reference key (a name Azure would refuse too, e.g. a compute name too long). */
  const seedRefusals = new Map<string, string>()
  const filled = new Set<string>()
  try {
    const token = await armToken(emu)
    const inputs = {
      creds: JSON.stringify({
        clientId: emu.seed.clientId,
        clientSecret: emu.seed.clientSecret,
        tenantId: emu.seed.tenantId,
        subscriptionId: emu.seed.subscriptionId
      }),
      'arm-endpoint': emu.url,
      'authority-host': emu.url,
      'resource-group': emu.seed.resourceGroup,
      'workspace-name': emu.seed.workspaceName,
      'dry-run': 'true'
    }
    const runnable = files.filter(f => operationFor(f.kind))
    for (const f of files) if (!operationFor(f.kind)) figuresOf(f.kind).noOperation++
    let done = 0
    await pool(runnable, concurrency, async ({ path, file, kind }) => {
      const op = operationFor(kind)!
      // A refusal naming a missing reference registers it and runs the file again (a file may name several).
      const sets: string[] = []
      for (let attempt = 0; attempt < 8; attempt++) {
        const result = await runStep({
          inputs: {
            ...inputs,
            operation: op.operation,
            [op.input]: relative(folder, path),
            set: sets.length ? sets.join('\n') : undefined
          },
          env: { GITHUB_WORKSPACE: folder },
          timeoutMs: 120_000
        })
        const error = (result.commands.find(c => c.command === 'error')?.value ?? '')
          .replace(/%0A/g, ' ')
          .replace(/\s+/g, ' ')
          .trim()
        if (result.exitCode !== 0) {
          const fill = placeholderSets(kind, error).filter(line => !sets.includes(line))
          if (fill.length && attempt < 7) {
            sets.push(...fill)
            filled.add(file)
            continue
          }
          const missing = missingReference(error)
          if (missing) {
            const key = referenceKey(missing)
            let seeding = seeded.get(key)
            if (!seeding) {
              seeding = seed(emu, token, missing).then(
                () => true,
                (e: Error) => (
                  seedFailures.push(`${file}: ${e.message}`),
                  seedRefusals.set(key, /"message":"([^"]+)"/.exec(e.message)?.[1] ?? e.message),
                  false
                )
              )
              seeded.set(key, seeding)
              missingOf.set(key, missing)
            }
            // Seeded here or by another lane: run the file again (unless the seed was refused).
            if ((await seeding) && attempt < 7) continue
          }
        }
        const figures = figuresOf(kind)
        if (result.exitCode === 0) figures.accepted++
        else {
          const reason = error || `exit ${result.exitCode}: ${result.stderr.trim().split('\n').pop() ?? ''}`
          figures.refused.push({
            file,
            reason,
            group: reasonGroup(reason),
            expected: expectedForNow(kind, reason),
            ...(sets.length ? { sets } : {})
          })
        }
        break
      }
      done++
      if (done % 25 === 0) process.stderr.write(`${done}/${runnable.length} files run\n`)
    })
  } finally {
    await emu.close()
  }
  const sdkNote = classify(folder, figures, seedRefusals)

  const seconds = (Date.now() - started) / 1000
  const kinds = [...figures.entries()].sort((a, b) => b[1].total - a[1].total)
  const lines: string[] = [`Corpus: ${folder}`, `${files.length} YAML files`, '']
  for (const [kind, f] of kinds) {
    if (f.noOperation === f.total) {
      lines.push(`${kind}: ${f.total}, no operation yet`)
      continue
    }
    const expected = f.refused.filter(r => r.expected).length
    const notOurs = f.refused.filter(r => r.notOurs).length
    const findings = f.refused.length - expected - notOurs
    const parts = [
      expected ? `${expected} expected for now` : '',
      notOurs
        ? `${notOurs} not ours to fix: the corpus lacks their files, Azure cannot create a name, or the CLI refuses them too`
        : '',
      expected || notOurs ? `${findings} to fix` : ''
    ].filter(Boolean)
    lines.push(
      `${kind}: ${f.total}, accepted ${f.accepted}, refused ${f.refused.length}` +
        (parts.length ? ` (${parts.join('; ')})` : '')
    )
    const mark = (r: Refusal): string =>
      r.expected ? '[expected for now] ' : r.notOurs ? '[not ours] ' : r.sdk?.takes ? '[azure-ai-ml takes it] ' : ''
    const groups = new Map<string, number>()
    for (const r of f.refused) {
      const group = `${mark(r)}${r.notOurs && !r.expected ? r.notOurs.replace(/ \(.*|: .*/, '').replace(/'[^']*'/g, "'…'") : reasonGroup(r.reason)}`
      groups.set(group, (groups.get(group) ?? 0) + 1)
    }
    for (const [group, n] of [...groups].sort((a, b) => b[1] - a[1])) lines.push(`  ${n} × ${group}`)
    for (const r of f.refused.sort((a, b) => a.file.localeCompare(b.file))) {
      const why = r.expected
        ? `[expected for now: ${r.expected}] `
        : r.notOurs
          ? `[not ours: ${r.notOurs}] `
          : r.sdk?.takes
            ? '[azure-ai-ml 1.4 takes it: to fix] '
            : ''
      lines.push(`  ${r.file}: ${why}${r.reason}`)
    }
  }
  const byKind: Record<string, number> = {}
  for (const m of missingOf.values()) byKind[m.kind] = (byKind[m.kind] ?? 0) + 1
  lines.push(
    '',
    `References seeded in the emulator: ${missingOf.size}` +
      (missingOf.size
        ? ` (${Object.entries(byKind)
            .map(([k, n]) => `${k} ${n}`)
            .join(', ')})`
        : ''),
    `Files run with placeholders filled by --set (endpoint_name, name, a pipeline input's path), as the examples' ` +
      `scripts do: ${filled.size}`,
    ...(sdkNote ? [sdkNote] : []),
    ...seedFailures.map(f => `  seeding failed: ${f}`),
    `Run time: ${seconds.toFixed(1)} s (${concurrency} steps at once)`
  )
  console.log(lines.join('\n'))
  if (json) {
    const out = {
      folder,
      files: files.length,
      seconds,
      concurrency,
      seeded: [...missingOf.values()],
      placeholdersFilled: [...filled],
      kinds: Object.fromEntries(kinds.map(([kind, f]) => [kind, f]))
    }
    writeFileSync(json, `${JSON.stringify(out, null, 2)}\n`)
  }
}

await main()
