/**
 * The v2 rows of `npm run bench` (issue 14, "Speed and memory"): `submit-job` uploading a code folder to the emulator's
 * Azurite next to Azure's `@azure/storage-blob` uploading the same files (bench/blob-upload-entry.ts), the second
 * submit of the same folder, the step's peak RSS, and the time `submit-job` (wait: true) adds before and after a short
 * job. Called by bench/run.ts with its emulator; every figure is timed from the emulator's own request log.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Emulator, RecordedRequest } from '../emulator/index.js'
import { actionStep, benchResult, fmtMB, fmtMs, log, median, timed, type Row, type Step } from './measure.js'
import type { TreeInfo } from './tree.js'
import { AZURITE_ACCOUNT_KEY, AZURITE_ACCOUNT_NAME } from '../emulator/azurite.js'

// ---- targets (issue 14) ----
const UPLOAD_TIME_RATIO = 1.0
const PEAK_RSS_BYTES = 150_000_000

export interface V2Bench {
  emu: Emulator
  /** Node 24 and the bundle. */
  node: string
  dist: string
  root: string
  scratch: string
  /** The action's connection inputs (creds, endpoints, workspace). */
  connection: Record<string, string>
  armToken: () => Promise<string>
  rows: Row[]
  raw: Record<string, unknown>
}

const isPendingUpload = (r: RecordedRequest): boolean => r.method === 'POST' && /\/startPendingUpload$/i.test(r.path)
const isCodeVersionPut = (r: RecordedRequest): boolean =>
  r.method === 'PUT' && /\/codes\/[^/]+\/versions\/[^/]+$/.test(r.path)
const isJobPut = (r: RecordedRequest): boolean => r.method === 'PUT' && /\/jobs\/[^/]+$/.test(r.path)

function workspacePath(emu: Emulator): string {
  return (
    `/subscriptions/${emu.seed.subscriptionId}/resourceGroups/${emu.seed.resourceGroup}` +
    `/providers/Microsoft.MachineLearningServices/workspaces/${emu.seed.workspaceName}`
  )
}

/** Upload slot answered → code version PUT received, by the emulator's clock: the upload itself, for both sides. */
function uploadWindow(requests: RecordedRequest[]): { ms: number; apiVersion: string } {
  const slot = requests.find(isPendingUpload)
  const put = requests.find(isCodeVersionPut)
  if (!slot || !put || slot.status !== 200 || put.status >= 300) {
    throw new Error(`no upload slot and code version PUT in the emulator's log (${slot?.status}, ${put?.status})`)
  }
  return { ms: put.time - (slot.time + (slot.durationMs ?? 0)), apiVersion: slot.query['api-version'] ?? '' }
}

/** The action's own figure, from its log line "Uploaded code of …: N files, X in Y s". */
function loggedUploadMs(stdout: string): number {
  const m = /Uploaded code of .*: [\d,]+ files, .* in ([\d.]+) s/.exec(stdout)
  return m ? Number(m[1]) * 1000 : NaN
}

/**
 * Deletes the workspace's blob container (Azurite keeps blobs in memory; the next upload slot creates it again), so
 * every run finds Azurite in the same state. Deleting the 2,000 blobs one by one would take Azurite 10-25 s.
 */
async function deleteUploads(bench: V2Bench): Promise<void> {
  const { ContainerClient, StorageSharedKeyCredential } = await import('@azure/storage-blob')
  const ws = `${bench.emu.url}${workspacePath(bench.emu)}`
  const response = await fetch(`${ws}/codes/bench-cleanup/versions/1/startPendingUpload?api-version=2024-04-01`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await bench.armToken()}`, 'content-type': 'application/json' },
    body: JSON.stringify({ pendingUploadType: 'TemporaryBlobReference' })
  })
  if (!response.ok) throw new Error(`cleanup slot: ${response.status} ${await response.text()}`)
  const { blobReferenceForConsumption } = (await response.json()) as {
    blobReferenceForConsumption: { credential: { sasUri: string } }
  }
  const sas = new URL(blobReferenceForConsumption.credential.sasUri)
  await new ContainerClient(
    `${sas.origin}${sas.pathname}`,
    new StorageSharedKeyCredential(AZURITE_ACCOUNT_NAME, AZURITE_ACCOUNT_KEY)
  ).deleteIfExists()
}

/** Jobs of the upload runs stay Queued: the emulator would otherwise download the folder while the next run is timed. */
function holdJobs(emu: Emulator): void {
  emu.faults.add({ kind: 'run-stuck', runStatus: 'Queued', match: { method: 'PUT', path: '/jobs/[^/]+$' }, times: -1 })
}

function jobYaml(path: string, lines: string[]): string {
  writeFileSync(path, `${lines.join('\n')}\n`)
  return path
}

interface UploadSample {
  /** Whole process, spawn to exit. */
  ms: number
  /** Upload slot answered → code version PUT received (emulator log). */
  uploadMs: number
  /** The action's log line, or the reference's own timer. */
  ownMs: number
  maxRss?: number
}

export async function v2Upload(
  bench: V2Bench,
  tree: TreeInfo,
  label: string,
  runs: number,
  referenceEntry: string
): Promise<void> {
  const { emu, scratch } = bench
  log(`v2 code upload (${label}): ${runs} runs of submit-job (wait: false) and of @azure/storage-blob, then a resubmit`)
  const yaml = jobYaml(join(scratch, `upload-job-${label.replace(/\W+/g, '')}.yml`), [
    'type: command',
    `command: python3 ${'main.py'}`,
    `code: ${JSON.stringify(tree.dir)}`,
    'environment:',
    '  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest',
    `compute: azureml:${emu.seed.computeName}`
  ])
  const inputs = { operation: 'submit-job', ...bench.connection, job: yaml, wait: 'false' }
  const action: UploadSample[] = []
  const reference: UploadSample[] = []
  let apiVersion = '2024-04-01'
  const fresh = async (): Promise<void> => {
    await deleteUploads(bench)
    emu.reset()
    holdJobs(emu)
  }
  const submit = async (jobName: string): Promise<Step> => {
    const step = await actionStep(bench.node, bench.dist, { ...inputs, 'job-name': jobName }, { scratch, rss: true })
    if (step.exitCode !== 0) throw new Error(`submit-job failed:\n${step.stdout.slice(-3000)}\n${step.stderr}`)
    return step
  }
  const runAction = async (i: number, keep = true): Promise<void> => {
    await fresh()
    const step = await submit(`bench_v2_upload_${i}`)
    const window = uploadWindow(emu.requests)
    apiVersion = window.apiVersion
    if (keep) action.push({ ms: step.ms, uploadMs: window.ms, ownMs: loggedUploadMs(step.stdout), maxRss: step.maxRss })
  }
  const runReference = async (i: number, keep = true): Promise<void> => {
    await fresh()
    const run = await timed(
      bench.node,
      [
        referenceEntry,
        tree.dir,
        `${emu.url}${workspacePath(emu)}`,
        apiVersion,
        `bench-reference-${i}`,
        await bench.armToken()
      ],
      { scratch, rss: true }
    )
    const result = benchResult<{ files: number; uploadMs: number }>(run)
    if (result.files !== tree.files) throw new Error(`the reference uploaded ${result.files} files, not ${tree.files}`)
    const window = uploadWindow(emu.requests)
    if (keep) reference.push({ ms: run.ms, uploadMs: window.ms, ownMs: result.uploadMs, maxRss: run.maxRss })
  }
  // One unmeasured warm-up of each (the action first: the reference copies its api-version), then alternating.
  await runAction(-1, false)
  await runReference(-1, false)
  for (let i = 0; i < runs; i++) {
    if (i % 2 === 0) {
      await runAction(i)
      await runReference(i)
    } else {
      await runReference(i)
      await runAction(i)
    }
  }

  // The same folder twice without a reset: the second submit finds the code by its hash and uploads nothing.
  await fresh()
  await submit('bench_v2_first')
  const firstSlots = emu.requests.filter(isPendingUpload).length
  const before = emu.requests.length
  const second = await submit('bench_v2_second')
  const secondRequests = emu.requests.slice(before)
  const secondSlots = secondRequests.filter(isPendingUpload).length
  const secondPuts = secondRequests.filter(isCodeVersionPut).length
  const reusedLine = /already in the workspace/.test(second.stdout)
  await deleteUploads(bench)
  emu.reset()

  const actionMs = median(action.map(r => r.uploadMs))
  const referenceMs = median(reference.map(r => r.uploadMs))
  const ratio = actionMs / referenceMs
  const mbs = (ms: number): string => `${(tree.bytes / 1e6 / (ms / 1000)).toFixed(0)} MB/s`
  const peak = Math.max(...action.map(r => r.maxRss ?? NaN))
  bench.raw[`v2 upload ${label}`] = {
    tree,
    action,
    reference,
    resubmit: {
      firstStartPendingUploads: firstSlots,
      secondStartPendingUploads: secondSlots,
      secondCodeVersionPuts: secondPuts,
      secondMs: second.ms,
      secondMaxRss: second.maxRss,
      reusedLine
    }
  }
  bench.rows.push({
    section: 'v2 upload',
    figure: `submit-job, code of the ${label} tree (${tree.files} files) to Azurite: upload slot answered → code version PUT received`,
    action: `${fmtMs(actionMs)} (${mbs(actionMs)})`,
    reference: `${fmtMs(referenceMs)} (${mbs(referenceMs)}, @azure/storage-blob uploadFile, 16 files at once)`,
    target: `≤ ${UPLOAD_TIME_RATIO.toFixed(1)}× @azure/storage-blob`,
    measured: `${ratio.toFixed(2)}×`,
    pass: ratio <= UPLOAD_TIME_RATIO
  })
  bench.rows.push({
    section: 'v2 upload',
    figure: `submit-job (wait: false), ${label} tree, whole step: read YAML, list, hash, upload, register, PUT the job`,
    action: fmtMs(median(action.map(r => r.ms))),
    reference: `${fmtMs(median(reference.map(r => r.ms)))} (the reference script: list, upload slot, upload, PUT)`,
    target: '',
    measured: fmtMs(median(action.map(r => r.ms))),
    pass: null
  })
  bench.rows.push({
    section: 'v2 upload',
    figure: `submit-job (wait: false), ${label} tree: peak RSS of the step, worst of ${runs}`,
    action: fmtMB(peak),
    reference: `${fmtMB(Math.max(...reference.map(r => r.maxRss ?? NaN)))} (@azure/storage-blob script)`,
    target: `≤ ${fmtMB(PEAK_RSS_BYTES)}`,
    measured: fmtMB(peak),
    pass: peak <= PEAK_RSS_BYTES
  })
  bench.rows.push({
    section: 'v2 upload',
    figure: `Second submit-job of the same ${label} folder: startPendingUpload requests (first submit: ${firstSlots})`,
    action: `${secondSlots} (${fmtMs(second.ms)}, peak RSS ${fmtMB(second.maxRss ?? NaN)})`,
    reference: '',
    target: '0: no blob sent',
    measured: `${secondSlots} upload slots, ${secondPuts} code version PUTs`,
    pass: firstSlots === 1 && secondSlots === 0 && secondPuts === 0
  })
}

/** Step start → job PUT received, and job end (endTimeUtc) → step end, for examples/jobs/hello.yml with wait: true. */
export async function v2EndToEnd(bench: V2Bench, runs: number): Promise<void> {
  const { emu, scratch } = bench
  log(`v2 end to end: ${runs} runs of submit-job (wait: true) of examples/jobs/hello.yml`)
  const samples: {
    stepMs: number
    toPutMs: number
    jobMs: number
    afterEndMs: number
    timeline?: { at: number; request: string }[]
  }[] = []
  for (let i = -1; i < runs; i++) {
    emu.reset()
    const jobName = `bench_v2_hello_${i + 1}`
    const step = await actionStep(
      bench.node,
      bench.dist,
      {
        operation: 'submit-job',
        ...bench.connection,
        job: join(bench.root, 'examples', 'jobs', 'hello.yml'),
        set: `compute=azureml:${emu.seed.computeName}`,
        'job-name': jobName,
        wait: 'true'
      },
      { scratch }
    )
    if (step.exitCode !== 0 || step.outputs.status !== 'Completed') {
      throw new Error(`submit-job with wait failed:\n${step.stdout.slice(-3000)}\n${step.stderr}`)
    }
    const put = emu.requests.find(isJobPut)
    if (!put) throw new Error('no job PUT reached the emulator')
    const details = await fetch(`${emu.apiUrl}/history/v1.0${workspacePath(emu)}/runs/${jobName}/details`, {
      headers: { authorization: `Bearer ${await bench.armToken()}` }
    })
    if (!details.ok) throw new Error(`run details: ${details.status} ${await details.text()}`)
    const run = (await details.json()) as { startTimeUtc?: string; endTimeUtc?: string }
    if (!run.endTimeUtc) throw new Error(`job ${jobName} has no endTimeUtc`)
    const end = Date.parse(run.endTimeUtc)
    if (i < 0) continue // warm-up
    samples.push({
      stepMs: step.ms,
      toPutMs: put.time - step.startedAt,
      jobMs: end - put.time,
      afterEndMs: step.endedAt - end,
      timeline:
        i === 0
          ? emu.requests.map(r => ({ at: r.time - step.startedAt, request: `${r.method} ${r.operationId ?? r.path}` }))
          : undefined
    })
  }
  emu.reset()
  bench.raw.v2EndToEnd = { delays: emu.config.delays, samples }
  const toPut = median(samples.map(s => s.toPutMs))
  const afterEnd = median(samples.map(s => s.afterEndMs))
  bench.rows.push({
    section: 'v2 end to end',
    figure: 'submit-job (wait: true), examples/jobs/hello.yml: step start → job PUT received',
    action: fmtMs(toPut),
    reference: `${fmtMs(median(samples.map(s => s.stepMs)))} (whole step)`,
    target: '',
    measured: fmtMs(toPut),
    pass: null
  })
  bench.rows.push({
    section: 'v2 end to end',
    figure: 'submit-job (wait: true), examples/jobs/hello.yml: job end (endTimeUtc) → step end',
    action: fmtMs(afterEnd),
    reference: `${fmtMs(median(samples.map(s => s.jobMs)))} (job PUT → endTimeUtc)`,
    target: '',
    measured: fmtMs(afterEnd),
    pass: null
  })
}
