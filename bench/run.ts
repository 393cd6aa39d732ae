/**
 * `npm run bench`: the action's performance against its targets (issue 9; the v2 rows, bench/v2.ts: issue 14), each
 * figure measured side by side with its reference in the same run, as the median of several runs. Runs the built bundle
 * (`dist/`) under Node 24 and the emulator (with Azurite for the v2 uploads); the snapshot and polling code, and the
 * `@azure/storage-blob` reference upload, run as small bundles built here with esbuild into a temporary folder.
 *
 *   npm run bench                      # 5 runs, the 50 MB and 250 MB trees
 *   npm run bench -- --quick           # 3 runs, the 50 MB tree only
 *   npm run bench -- --runs 9 --out bench/results/other.json
 *
 * Writes bench/results/latest.json (bench/results/quick.json with --quick) and prints the table as Markdown.
 */
import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { format, resolveConfig } from 'prettier'
import { startEmulator, type Emulator } from '../emulator/index.js'
import {
  actionStep,
  benchResult,
  fmtMB,
  fmtMs,
  hasGnuTime,
  log,
  MB,
  median,
  timed,
  type Row,
  type Timed
} from './measure.js'
import { v2EndToEnd, v2Upload, type V2Bench } from './v2.js'
import { ENTRY_SCRIPT, generateTree, TREES, type TreeInfo } from './tree.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const NODE24 = join(ROOT, 'node_modules', 'node', 'bin', 'node')
const DIST = join(ROOT, 'dist', 'index.js')
const DIST_POST = join(ROOT, 'dist', 'post', 'index.js')

// ---- targets (issue 9) ----
const COLD_START_OVER_BARE_MS = 150
const SNAPSHOT_TIME_RATIO = 1.0
const PEAK_RSS_BYTES = 150 * MB
const E2E_OVERHEAD_MS = 1_500
const POLL_MAX_REQUESTS = 1_000
const POLL_NOTICE_MS = 30_000
/** Reads per hour following a 20-step pipeline, over the same pipeline with 1 step (issue 19: must not grow). */
const PIPELINE_READS_RATIO = 1.1

interface Options {
  runs: number
  quick: boolean
  out: string
}

function parseArgs(argv: string[]): Options {
  const quick = argv.includes('--quick')
  let runs = quick ? 3 : 5
  let out = join(ROOT, 'bench', 'results', quick ? 'quick.json' : 'latest.json')
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--runs') runs = Number(argv[++i])
    else if (argv[i].startsWith('--runs=')) runs = Number(argv[i].slice('--runs='.length))
    else if (argv[i] === '--out') out = resolve(argv[++i])
    else if (argv[i] !== '--quick') throw new Error(`unknown argument ${argv[i]} (use --runs N, --quick, --out FILE)`)
  }
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs takes a positive whole number')
  return { runs, quick, out }
}

const rows: Row[] = []
const raw: Record<string, unknown> = {}

function buildEntries(dir: string): { snapshot: string; poll: string; blobUpload: string; pipeline: string } {
  // The built code, not tsx: bundled like dist/ (one ESM file, dependencies inlined), with `require` for the CJS
  // dependencies that archiver pulls in.
  execFileSync(
    join(ROOT, 'node_modules', '.bin', 'esbuild'),
    [
      join(ROOT, 'bench', 'snapshot-entry.ts'),
      join(ROOT, 'bench', 'poll-entry.ts'),
      join(ROOT, 'bench', 'blob-upload-entry.ts'),
      join(ROOT, 'bench', 'pipeline-entry.ts'),
      '--bundle',
      '--platform=node',
      '--format=esm',
      '--target=node24',
      '--log-level=warning',
      `--outdir=${dir}`,
      '--out-extension:.js=.mjs',
      "--banner:js=import { createRequire as __benchRequire } from 'node:module'; const require = __benchRequire(import.meta.url);"
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] }
  )
  return {
    snapshot: join(dir, 'snapshot-entry.mjs'),
    poll: join(dir, 'poll-entry.mjs'),
    blobUpload: join(dir, 'blob-upload-entry.mjs'),
    pipeline: join(dir, 'pipeline-entry.mjs')
  }
}

// ---- cold start ----
async function coldStart(samples: number, scratch: string): Promise<void> {
  log(`cold start: ${samples} pairs`)
  const env = { PATH: process.env.PATH, INPUT_OPERATION: 'not-an-operation' }
  const bare: number[] = []
  const action: number[] = []
  for (let i = 0; i < samples + 1; i++) {
    const a = await timed(NODE24, ['-e', '0'], { scratch, env })
    const b = await timed(NODE24, [DIST], { scratch, env })
    if (b.exitCode !== 1 || !b.stdout.includes("::error::Input 'operation'")) {
      throw new Error(`the bundle did not fail input validation as expected:\n${b.stdout}\n${b.stderr}`)
    }
    if (i === 0) continue // warm-up: the binaries into the page cache
    bare.push(a.ms)
    action.push(b.ms)
  }
  const over = median(action) - median(bare)
  raw.coldStart = { bareMs: bare, actionMs: action }
  rows.push({
    section: 'Cold start',
    figure: 'dist/index.js failing input validation vs `node -e 0`',
    action: fmtMs(median(action)),
    reference: fmtMs(median(bare)),
    target: `≤ ${COLD_START_OVER_BARE_MS} ms over bare Node`,
    measured: `+${Math.round(over)} ms`,
    pass: over <= COLD_START_OVER_BARE_MS
  })
  const main = statSync(DIST).size
  const post = statSync(DIST_POST).size
  raw.bundleBytes = { main, post }
  rows.push({
    section: 'Cold start',
    figure: 'Bundle size (dist/index.js, dist/post/index.js)',
    action: `${fmtMB(main)}, ${fmtMB(post)}`,
    reference: '',
    target: '',
    measured: `${main.toLocaleString('en')} B, ${post.toLocaleString('en')} B`,
    pass: null
  })
}

// ---- snapshot ----
interface SnapshotFigures {
  action: Timed[]
  zip: Timed[]
  actionZipBytes: number
  infoZipBytes: number
}

async function snapshot(tree: TreeInfo, label: string, runs: number, entry: string, scratch: string, keep?: string) {
  log(`snapshot (${label}): ${runs} runs of each, after one warm-up`)
  const outAction = join(scratch, 'action.zip')
  const outZip = join(scratch, 'infozip.zip')
  const figures: SnapshotFigures = { action: [], zip: [], actionZipBytes: 0, infoZipBytes: 0 }
  const runAction = async (): Promise<Timed> => {
    rmSync(outAction, { force: true })
    const run = await timed(NODE24, [entry, tree.dir, outAction], { scratch, rss: true })
    const result = benchResult<{ files: number; bytes: number }>(run)
    if (result.files !== tree.files) throw new Error(`the snapshot has ${result.files} files, not ${tree.files}`)
    figures.actionZipBytes = statSync(outAction).size
    return run
  }
  const runZip = async (): Promise<Timed> => {
    rmSync(outZip, { force: true }) // zip adds to an existing archive
    const run = await timed('zip', ['-r', '-q', outZip, '.'], { scratch, rss: true, cwd: tree.dir })
    if (run.exitCode !== 0) throw new Error(`zip failed: ${run.stderr}`)
    figures.infoZipBytes = statSync(outZip).size
    return run
  }
  await runAction()
  await runZip()
  for (let i = 0; i < runs; i++) {
    // Alternating which goes first, so neither always finds the disk and CPU in the state the other left.
    if (i % 2 === 0) {
      figures.action.push(await runAction())
      figures.zip.push(await runZip())
    } else {
      figures.zip.push(await runZip())
      figures.action.push(await runAction())
    }
  }
  if (keep) copyFileSync(outAction, keep)
  rmSync(outAction, { force: true })
  rmSync(outZip, { force: true })

  const actionMs = median(figures.action.map(r => r.ms))
  const zipMs = median(figures.zip.map(r => r.ms))
  const ratio = actionMs / zipMs
  const rss = figures.action.map(r => r.maxRss ?? NaN)
  const peak = Math.max(...rss)
  raw[`snapshot ${label}`] = {
    tree,
    actionMs: figures.action.map(r => r.ms),
    infoZipMs: figures.zip.map(r => r.ms),
    actionMaxRss: rss,
    infoZipMaxRss: figures.zip.map(r => r.maxRss),
    actionZipBytes: figures.actionZipBytes,
    infoZipBytes: figures.infoZipBytes
  }
  rows.push({
    section: 'Snapshot',
    figure: `Zip ${label} (wall time)`,
    action: fmtMs(actionMs),
    reference: `${fmtMs(zipMs)} (zip -r -q)`,
    target: `≤ ${SNAPSHOT_TIME_RATIO.toFixed(1)}× Info-ZIP`,
    measured: `${ratio.toFixed(2)}×`,
    pass: ratio <= SNAPSHOT_TIME_RATIO
  })
  rows.push({
    section: 'Snapshot',
    figure: `Zip ${label} (peak RSS, worst of ${runs})`,
    action: fmtMB(peak),
    reference: `${fmtMB(Math.max(...figures.zip.map(r => r.maxRss ?? NaN)))} (zip -r -q)`,
    target: `≤ ${fmtMB(PEAK_RSS_BYTES)}`,
    measured: fmtMB(peak),
    pass: peak <= PEAK_RSS_BYTES
  })
  rows.push({
    section: 'Snapshot',
    figure: `Zip ${label} (zip size)`,
    action: fmtMB(figures.actionZipBytes),
    reference: `${fmtMB(figures.infoZipBytes)} (zip -r -q)`,
    target: '',
    measured: `${(figures.actionZipBytes / figures.infoZipBytes).toFixed(2)}×`,
    pass: null
  })
}

// ---- upload and end to end, against the emulator ----
function connection(emu: Emulator): Record<string, string> {
  return {
    creds: JSON.stringify({
      clientId: emu.seed.clientId,
      clientSecret: emu.seed.clientSecret,
      tenantId: emu.seed.tenantId,
      subscriptionId: emu.seed.subscriptionId
    }),
    'arm-endpoint': emu.url,
    'authority-host': emu.url,
    'resource-group': emu.seed.resourceGroup,
    'workspace-name': emu.seed.workspaceName
  }
}

async function armToken(emu: Emulator): Promise<string> {
  const response = await fetch(`${emu.url}/${emu.seed.tenantId}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: emu.seed.clientId,
      client_secret: emu.seed.clientSecret,
      resource: 'https://management.azure.com/'
    })
  })
  if (!response.ok) throw new Error(`token request failed: ${response.status} ${await response.text()}`)
  return ((await response.json()) as { access_token: string }).access_token
}

function lastStartRun(emu: Emulator): {
  durationMs: number
  bytes: number
  status: number
  query: Record<string, string>
} {
  const rec = [...emu.requests].reverse().find(r => r.method === 'POST' && /\/startrun$/.test(r.path))
  if (!rec) throw new Error('no startrun request reached the emulator')
  return {
    durationMs: rec.durationMs ?? NaN,
    bytes: Number(rec.headers['content-length'] ?? NaN),
    status: rec.status,
    query: rec.query
  }
}

async function upload(emu: Emulator, tree: TreeInfo, label: string, zipPath: string, runs: number, scratch: string) {
  log(`upload (${label}): ${runs} runs of start-run (wait: false) and of curl`)
  const experiment = 'bench-upload'
  const inputs = {
    operation: 'start-run',
    ...connection(emu),
    'experiment-name': experiment,
    'compute-target': emu.seed.computeName,
    'source-directory': tree.dir,
    script: ENTRY_SCRIPT,
    wait: 'false'
  }
  const definition = join(scratch, 'runDefinition.json')
  writeFileSync(
    definition,
    JSON.stringify({
      Configuration: { Script: ENTRY_SCRIPT, Arguments: [], Target: emu.seed.computeName, Framework: 'Python' }
    })
  )
  const ws =
    `/subscriptions/${emu.seed.subscriptionId}/resourceGroups/${emu.seed.resourceGroup}` +
    `/providers/Microsoft.MachineLearningServices/workspaces/${emu.seed.workspaceName}`
  const action: { ms: number; maxRss?: number; uploadMs: number; bytes: number }[] = []
  const curl: { ms: number; maxRss?: number; uploadMs: number; bytes: number }[] = []
  let query: Record<string, string> = {}

  const runAction = async (i: number): Promise<void> => {
    const step = await actionStep(NODE24, DIST, { ...inputs, 'run-id': `bench_action_${i}` }, { scratch, rss: true })
    if (step.exitCode !== 0) throw new Error(`start-run failed:\n${step.stdout.slice(-3000)}\n${step.stderr}`)
    const rec = lastStartRun(emu)
    if (rec.status !== 200) throw new Error(`startrun answered ${rec.status}`)
    query = rec.query
    action.push({ ms: step.ms, maxRss: step.maxRss, uploadMs: rec.durationMs, bytes: rec.bytes })
    emu.reset()
  }
  const runCurl = async (i: number): Promise<void> => {
    const url = new URL(`${emu.apiUrl}/execution/v1.0${ws}/experiments/${experiment}/startrun`)
    for (const [k, v] of Object.entries({ ...query, runId: `bench_curl_${i}` })) url.searchParams.set(k, v)
    const run = await timed(
      'curl',
      [
        '-sS',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        '-H',
        'Expect:',
        '-H',
        `Authorization: Bearer ${await armToken(emu)}`,
        '-F',
        `runDefinitionFile=@${definition};filename=runDefinition.json;type=application/json`,
        '-F',
        `projectZipFile=@${zipPath};filename=project.zip;type=application/zip`,
        url.toString()
      ],
      { scratch, rss: true }
    )
    if (run.stdout !== '200') throw new Error(`curl's startrun answered ${run.stdout}: ${run.stderr}`)
    const rec = lastStartRun(emu)
    curl.push({ ms: run.ms, maxRss: run.maxRss, uploadMs: rec.durationMs, bytes: rec.bytes })
    emu.reset()
  }
  // The action first (curl copies its query: api-version and the like), then alternating.
  for (let i = 0; i < runs; i++) {
    if (i % 2 === 0) {
      await runAction(i)
      await runCurl(i)
    } else {
      await runCurl(i)
      await runAction(i)
    }
  }
  const throughput = (r: { uploadMs: number; bytes: number }): number => r.bytes / MB / (r.uploadMs / 1000)
  const actionMBs = median(action.map(throughput))
  const curlMBs = median(curl.map(throughput))
  const peak = Math.max(...action.map(r => r.maxRss ?? NaN))
  const zipBytes = statSync(zipPath).size
  raw[`upload ${label}`] = { zipBytes, action, curl }
  rows.push({
    section: 'Upload',
    figure: `start-run, ${fmtMB(zipBytes)} zip of the ${label} tree: startrun request (upload + emulator unpacking)`,
    action: `${actionMBs.toFixed(0)} MB/s (${fmtMs(median(action.map(r => r.uploadMs)))})`,
    reference: `${curlMBs.toFixed(0)} MB/s (${fmtMs(median(curl.map(r => r.uploadMs)))}, curl -F)`,
    target: '',
    measured: `${(actionMBs / curlMBs).toFixed(2)}× curl`,
    pass: null
  })
  rows.push({
    section: 'Upload',
    figure: `start-run (wait: false) whole step: walk, zip, upload (wall time)`,
    action: fmtMs(median(action.map(r => r.ms))),
    reference: '',
    target: '',
    measured: fmtMs(median(action.map(r => r.ms))),
    pass: null
  })
  rows.push({
    section: 'Upload',
    figure: `start-run (wait: false) peak RSS of the action, worst of ${runs}`,
    action: fmtMB(peak),
    reference: `${fmtMB(Math.max(...curl.map(r => r.maxRss ?? NaN)))} (curl); zip ${fmtMB(zipBytes)}`,
    target: `≤ ${fmtMB(PEAK_RSS_BYTES)} (streamed)`,
    measured: `${fmtMB(peak)}, ${((peak / zipBytes) * 100).toFixed(0)}% of the zip`,
    pass: peak <= PEAK_RSS_BYTES
  })
}

async function endToEnd(emu: Emulator, runs: number, scratch: string): Promise<void> {
  log(`end to end: ${runs} runs of start-run (wait: true) for a 2 s run`)
  const source = join(scratch, 'sleep2')
  mkdirSync(source, { recursive: true })
  writeFileSync(join(source, 'sleep.py'), "import time\ntime.sleep(2)\nprint('slept 2 s')\n")
  const samples: { wallMs: number; runMs: number; overheadMs: number; history: unknown }[] = []
  for (let i = 0; i < runs; i++) {
    const runId = `bench_e2e_${i}`
    const step = await actionStep(
      NODE24,
      DIST,
      {
        operation: 'start-run',
        ...connection(emu),
        'experiment-name': 'bench-e2e',
        'compute-target': emu.seed.computeName,
        'source-directory': source,
        script: 'sleep.py',
        'run-id': runId,
        wait: 'true'
      },
      { scratch }
    )
    if (step.exitCode !== 0 || step.outputs.status !== 'Completed') {
      throw new Error(`start-run with wait failed:\n${step.stdout.slice(-3000)}\n${step.stderr}`)
    }
    const run = JSON.parse(step.outputs.response) as { startTimeUtc: string; endTimeUtc: string }
    const runMs = Date.parse(run.endTimeUtc) - Date.parse(run.startTimeUtc)
    const admin = (await (await fetch(`${emu.url}/_emulator/runs/${runId}`)).json()) as { history: unknown }
    samples.push({ wallMs: step.ms, runMs, overheadMs: step.ms - runMs, history: admin.history })
    emu.reset()
  }
  raw.endToEnd = { delays: emu.config.delays, samples }
  const overhead = median(samples.map(s => s.overheadMs))
  rows.push({
    section: 'End to end',
    figure: 'start-run (wait: true), a run of `sleep 2`: step time minus the run’s own (startTimeUtc → endTimeUtc)',
    action: fmtMs(median(samples.map(s => s.wallMs))),
    reference: `${fmtMs(median(samples.map(s => s.runMs)))} (the run)`,
    target: `≤ ${fmtMs(E2E_OVERHEAD_MS)} over the run`,
    measured: `+${fmtMs(overhead)}`,
    pass: overhead <= E2E_OVERHEAD_MS
  })
}

// ---- polling ----
async function polling(entry: string, scratch: string): Promise<void> {
  const simulations = 100
  log(`polling: ${simulations} simulated 6-hour runs on a fake clock`)
  const result = benchResult<{ statusReads: number[]; allReads: number[]; noticeDelays: number[] }>(
    await timed(NODE24, [entry, String(simulations)], { scratch })
  )
  raw.polling = result
  const reads = Math.max(...result.statusReads)
  const notice = Math.max(...result.noticeDelays)
  rows.push({
    section: 'Polling',
    figure: `Run-status reads for a 6-hour run (worst of ${simulations} simulations)`,
    action: `${reads} (median ${median(result.statusReads)})`,
    reference: '12,000 reads/hour/subscription (ARM)',
    target: `≤ ${POLL_MAX_REQUESTS.toLocaleString('en')}`,
    measured: String(reads),
    pass: reads <= POLL_MAX_REQUESTS
  })
  rows.push({
    section: 'Polling',
    figure: 'All requests of the wait, driver-log reads included (SAS URL to storage, not ARM)',
    action: `${Math.max(...result.allReads)} (median ${median(result.allReads)})`,
    reference: '',
    target: '',
    measured: String(Math.max(...result.allReads)),
    pass: null
  })
  rows.push({
    section: 'Polling',
    figure: `Delay between the run’s end and the action seeing it (worst of ${simulations})`,
    action: `${fmtMs(notice)} (median ${fmtMs(median(result.noticeDelays))})`,
    reference: '',
    target: `≤ ${fmtMs(POLL_NOTICE_MS)}`,
    measured: fmtMs(notice),
    pass: notice <= POLL_NOTICE_MS
  })
}

// ---- following a pipeline (issue 19) ----
interface PipelineFigures {
  hours: number
  budgetReads: number
  allReads: number
  armReads: number
  historyReads: number
}

async function pipelineFollowing(entry: string, scratch: string): Promise<void> {
  const simulations = 20
  log(`pipeline following: ${simulations} simulated 2-hour pipelines of 20 steps and of 1 step on a fake clock`)
  const result = benchResult<{ twenty: PipelineFigures[]; one: PipelineFigures[]; delays: number[] }>(
    await timed(NODE24, [entry, String(simulations)], { scratch })
  )
  raw.pipelineFollowing = result
  const perHour = (figures: PipelineFigures[], key: keyof PipelineFigures): number =>
    Math.round(Math.max(...figures.map(f => f[key])))
  const twenty = perHour(result.twenty, 'budgetReads')
  const one = perHour(result.one, 'budgetReads')
  const ratio = twenty / one
  rows.push({
    section: 'Pipeline',
    figure:
      `ARM + run-history reads per hour following a 20-step pipeline for 2 hours (worst of ${simulations}), ` +
      'vs the same pipeline with 1 step',
    action: `${twenty}/h (ARM ${perHour(result.twenty, 'armReads')}/h, run history ${perHour(result.twenty, 'historyReads')}/h)`,
    reference: `${one}/h (1 step)`,
    target: `≤ ${PIPELINE_READS_RATIO}× the 1-step pipeline`,
    measured: `${ratio.toFixed(2)}×`,
    pass: ratio <= PIPELINE_READS_RATIO
  })
  rows.push({
    section: 'Pipeline',
    figure: 'All requests per hour of that wait, step and pipeline log reads included (SAS URLs to storage)',
    action: `${perHour(result.twenty, 'allReads')}/h`,
    reference: `${perHour(result.one, 'allReads')}/h (1 step)`,
    target: '',
    measured: `${(perHour(result.twenty, 'allReads') / perHour(result.one, 'allReads')).toFixed(2)}×`,
    pass: null
  })
  const worst = Math.max(...result.delays)
  rows.push({
    section: 'Pipeline',
    figure: `Delay between a step’s end and the log line reporting it (worst of ${result.delays.length} step ends)`,
    action: `${fmtMs(worst)} (median ${fmtMs(median(result.delays))})`,
    reference: '',
    target: `≤ ${fmtMs(POLL_NOTICE_MS)}`,
    measured: fmtMs(worst),
    pass: worst <= POLL_NOTICE_MS
  })
}

function markdown(): string {
  const lines = [
    '| Figure | Action | Reference | Target | Result |',
    '| ------ | ------ | --------- | ------ | ------ |',
    ...rows.map(r => {
      const result = r.pass === null ? r.measured : `${r.pass ? '**pass**' : '**FAIL**'} (${r.measured})`
      return `| ${r.section}: ${r.figure} | ${r.action} | ${r.reference || '—'} | ${r.target || '—'} | ${result} |`
    })
  ]
  return lines.join('\n')
}

function machine(): Record<string, unknown> {
  const cpus = os.cpus()
  return {
    nproc: os.availableParallelism(),
    cpu: cpus[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: execFileSync(NODE24, ['--version'], { encoding: 'utf8' }).trim(),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    infoZip: execFileSync('zip', ['-v'], { encoding: 'utf8' }).split('\n')[1]?.trim() ?? 'unknown',
    curl: execFileSync('curl', ['--version'], { encoding: 'utf8' }).split(' ').slice(0, 2).join(' ')
  }
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2))
  for (const file of [NODE24, DIST, DIST_POST]) {
    if (!existsSync(file)) throw new Error(`${file} is missing (npm ci; npm run package)`)
  }
  if (!hasGnuTime) log('warning: /usr/bin/time is missing: peak RSS figures are not measured')
  const started = Date.now()
  const scratch = mkdtempSync(join(os.tmpdir(), 'azureml-bench-'))
  const cleanup = (): void => rmSync(scratch, { recursive: true, force: true })
  const onSignal = (): void => {
    cleanup()
    process.exit(130)
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  let emu: Emulator | undefined
  try {
    log(
      `azureml-rest-action bench: ${options.runs} runs per figure${options.quick ? ' (quick)' : ''}; scratch ${scratch}`
    )
    const entries = buildEntries(join(scratch, 'build'))

    await coldStart(options.runs * 4, scratch)

    log('generating the trees')
    const trees: { label: string; tree: TreeInfo }[] = [
      { label: '50 MB', tree: generateTree(join(scratch, 'tree-50'), TREES.small) }
    ]
    if (!options.quick) trees.push({ label: '250 MB', tree: generateTree(join(scratch, 'tree-250'), TREES.large) })
    const uploadTree = trees[trees.length - 1]
    const uploadZip = join(scratch, 'upload.zip')
    for (const { label, tree } of trees) {
      await snapshot(
        tree,
        label,
        options.runs,
        entries.snapshot,
        scratch,
        tree === uploadTree.tree ? uploadZip : undefined
      )
    }

    emu = await startEmulator({
      quiet: true,
      stateDir: join(scratch, 'emulator'),
      config: { delays: { runQueuedMs: 20, runPreparingMs: 20, runStartMs: 20, runFinalizingMs: 20 } }
    })
    await upload(emu, uploadTree.tree, uploadTree.label, uploadZip, options.runs, scratch)
    await endToEnd(emu, options.runs, scratch)
    const v2: V2Bench = {
      emu,
      node: NODE24,
      dist: DIST,
      root: ROOT,
      scratch,
      connection: connection(emu),
      armToken: () => armToken(emu!),
      rows,
      raw
    }
    for (const { label, tree } of trees) await v2Upload(v2, tree, label, options.runs, entries.blobUpload)
    await v2EndToEnd(v2, options.runs)
    await emu.close()
    emu = undefined

    await polling(entries.poll, scratch)
    await pipelineFollowing(entries.pipeline, scratch)

    const table = markdown()
    const result = {
      date: new Date().toISOString(),
      runs: options.runs,
      quick: options.quick,
      durationSeconds: Math.round((Date.now() - started) / 1000),
      machine: machine(),
      method:
        'Each figure next to its reference in the same run; wall times are medians of `runs` (cold start: 4 × runs ' +
        'pairs), after one unmeasured warm-up; action and reference alternate; peak RSS is the worst run (GNU time %M).',
      rows,
      table,
      raw
    }
    mkdirSync(dirname(options.out), { recursive: true })
    // Formatted as the repository's prettier config wants, so a committed result passes format:check.
    const prettierConfig = (await resolveConfig(options.out)) ?? {}
    writeFileSync(options.out, await format(JSON.stringify(result), { ...prettierConfig, filepath: options.out }))
    console.log(table)
    const failed = rows.filter(r => r.pass === false)
    console.log(
      `\n${rows.filter(r => r.pass).length} pass, ${failed.length} fail; ${result.durationSeconds} s; machine ` +
        `${JSON.stringify(result.machine)}\nwritten to ${options.out}`
    )
  } finally {
    if (emu) await emu.close()
    cleanup()
  }
}

await main()
