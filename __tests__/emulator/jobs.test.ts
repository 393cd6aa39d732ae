/**
 * v2 jobs end to end through the REST API (resources/jobs.ts, job-process.ts): code uploaded the `az ml` way to
 * Azurite, an environment, a Command job that really runs (inputs from the default datastore, an output uploaded back),
 * its log read with a Range request, failures, cancel with its Location, the faults, the api-versions.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { loadSpecs, type Emulator } from '../../emulator/index.js'
import {
  arm2,
  call,
  commandJob,
  datastoreSasUrl as containerSasUrl,
  JOB_STATUS_ORDER,
  jobDetailsUrl,
  putEnvironment,
  startFast,
  token,
  uploadCode,
  waitFor,
  waitForJob,
  wsPath
} from './helpers.js'

let emu: Emulator
let tok: string
beforeAll(async () => {
  emu = await startFast()
  tok = await token(emu)
})
afterAll(() => emu.close())
beforeEach(async () => {
  emu.reset()
  await putEnvironment(emu, tok)
})

const MFE = 'mfe-2024-04-01'
let jobCounter = 0
const jobName = (): string => `job-${Date.now().toString(36)}-${++jobCounter}`

/** The default datastore's container URL with its SAS, as the action builds it from Datastores_Get + listSecrets. */
async function datastoreSasUrl(): Promise<string> {
  const list = await arm2(emu, tok, `${wsPath(emu)}/datastores?isDefault=true`)
  const p = list.json.value[0].properties
  const secrets = await arm2(emu, tok, `${wsPath(emu)}/datastores/${list.json.value[0].name}/listSecrets`, {
    method: 'POST'
  })
  return containerSasUrl(p, secrets.json)
}

describe('jobs', () => {
  it('runs a Command job: code from Azurite, literal and folder inputs, an output, the log, Completed', async () => {
    const specs = await loadSpecs()
    const code = await uploadCode(emu, tok, {
      'train.py': [
        'import os, sys',
        'lr, data, out = sys.argv[1], sys.argv[2], sys.argv[3]',
        'rows = open(os.path.join(data, "rows.csv")).read().split()',
        'print(f"lr={lr} rows={len(rows)} seed={os.environ[\'SEED\']}")',
        'open(os.path.join(out, "model.txt"), "w").write(f"model lr={lr}")',
        'print("warning: done", file=sys.stderr)'
      ].join('\n'),
      'lib/util.py': 'X = 1\n'
    })
    const { ContainerClient } = await import('@azure/storage-blob')
    const store = new ContainerClient(await datastoreSasUrl())
    await store.getBlockBlobClient('data/in/rows.csv').upload('1\n2\n3\n', 6)

    const name = jobName()
    const put = await arm2(emu, tok, `${wsPath(emu)}/jobs/${name}`, {
      method: 'PUT',
      body: commandJob(emu, 'python3 train.py ${{inputs.lr}} ${{inputs.data}} ${{outputs.model}} && ls lib', {
        codeId: code.id,
        environmentVariables: { SEED: '7' },
        inputs: {
          lr: { jobInputType: 'literal', value: '0.01' },
          data: {
            jobInputType: 'uri_folder',
            uri: 'azureml://datastores/workspaceblobstore/paths/data/in/',
            mode: 'ReadOnlyMount'
          }
        },
        outputs: { model: { jobOutputType: 'uri_folder', mode: 'ReadWriteMount' } },
        tags: { origin: 'test' }
      })
    })
    expect(put.status).toBe(201)
    expect(specs.validateResponse('Jobs_CreateOrUpdate', 201, put.json, MFE)).toEqual([])
    expect(put.json.properties.status).toBe('NotStarted')
    expect(put.json.properties.services.Studio.endpoint).toMatch(/^https:\/\/ml\.azure\.com\/runs\/job-/)

    const { job, seen } = await waitForJob(emu, tok, name)
    expect(job.json.properties.status).toBe('Completed')
    expect(specs.validateResponse('Jobs_Get', 200, job.json, MFE)).toEqual([])
    // Every status seen is on the normal path, in order.
    const order = [...JOB_STATUS_ORDER, 'Completed']
    expect(seen.map(s => order.indexOf(s))).toEqual([...seen.map(s => order.indexOf(s))].sort((a, b) => a - b))
    expect(seen).not.toContain(-1)
    expect(job.json.properties.outputs.model.uri).toBe(
      `azureml://datastores/workspaceblobstore/paths/azureml/${name}/outputs/model/`
    )

    // The output was uploaded to the default datastore.
    const model = await store.getBlobClient(`azureml/${name}/outputs/model/model.txt`).downloadToBuffer()
    expect(model.toString()).toBe('model lr=0.01')

    // Run history: details with the log's SAS URL, read whole and with a Range.
    const details = await call(jobDetailsUrl(emu, name), { token: tok })
    expect(details.status).toBe(200)
    expect(details.json).toMatchObject({ runId: name, status: 'Completed' })
    expect(details.json.startTimeUtc).toBeDefined()
    expect(details.json.endTimeUtc).toBeDefined()
    const validateDetails = specs.definition('runHistory-2019-09-30', 'RunDetails')
    expect(validateDetails(details.json)).toBe(true)
    const logUrl = details.json.logFiles['user_logs/std_log.txt'] as string
    expect(logUrl).toMatch(/\/ExperimentRun\/dcid\.job-[^/]+\/user_logs\/std_log\.txt\?.*sig=/)
    const whole = await fetch(logUrl)
    const text = await whole.text()
    expect(text).toContain('lr=0.01 rows=3 seed=7')
    expect(text).toContain('warning: done')
    expect(text).toContain('util.py')
    const from = text.indexOf('warning')
    const tail = await fetch(logUrl, { headers: { Range: `bytes=${from}-` } })
    expect(tail.status).toBe(206)
    expect(await tail.text()).toBe(text.slice(from))
    // The SAS is read-only.
    expect((await fetch(logUrl, { method: 'PUT', body: 'x', headers: { 'x-ms-blob-type': 'BlockBlob' } })).status).toBe(
      403
    )

    const run = await call(`${emu.apiUrl}/history/v1.0${wsPath(emu)}/runs/${name}`, { token: tok })
    expect(run.json).toMatchObject({ runId: name, status: 'Completed', runType: 'azureml.CommandJob' })
    expect(specs.definition('runHistory-2019-09-30', 'Run')(run.json)).toBe(true)

    const list = await arm2(emu, tok, `${wsPath(emu)}/jobs`)
    expect(list.json.value.map((j: { name: string }) => j.name)).toContain(name)
    expect(specs.validateResponse('Jobs_List', 200, list.json, MFE)).toEqual([])
  })

  it('a data asset input is read in each form a client sends it: azureml:<name>:<version>, @latest, its ARM id, azureml:<ARM id>', async () => {
    const { ContainerClient } = await import('@azure/storage-blob')
    const store = new ContainerClient(await datastoreSasUrl())
    await store.getBlockBlobClient('data/asset/rows.csv').upload('1\n2\n', 4)
    const data = await arm2(emu, tok, `${wsPath(emu)}/data/rows/versions/3`, {
      method: 'PUT',
      body: {
        properties: { dataType: 'uri_folder', dataUri: 'azureml://datastores/workspaceblobstore/paths/data/asset/' }
      }
    })
    expect(data.status).toBe(201)
    // azure-ai-ml sends `azureml:` + the ARM id for an input naming a data version (its _resolve_job_inputs).
    const forms = ['azureml:rows:3', 'azureml:rows@latest', data.json.id, `azureml:${data.json.id}`, 'azureml:rows:4']
    const ended: string[] = []
    for (const uri of forms) {
      const name = jobName()
      const put = await arm2(emu, tok, `${wsPath(emu)}/jobs/${name}`, {
        method: 'PUT',
        body: commandJob(emu, 'cat ${{inputs.data}}/rows.csv', {
          inputs: { data: { jobInputType: 'uri_folder', uri, mode: 'ReadOnlyMount' } }
        })
      })
      expect(put.status).toBe(201)
      const { job } = await waitForJob(emu, tok, name)
      const details = await call(jobDetailsUrl(emu, name), { token: tok })
      ended.push(`${job.json.properties.status as string} ${details.json.error?.error?.message ?? ''}`.trim())
    }
    expect(ended.slice(0, 4)).toEqual(['Completed', 'Completed', 'Completed', 'Completed'])
    expect(ended[4]).toMatch(/^Failed .*'azureml:rows:4' was not found/)
  })

  it('writes the log as the command runs, so a reader follows it with Range requests', async () => {
    const name = jobName()
    await arm2(emu, tok, `${wsPath(emu)}/jobs/${name}`, {
      method: 'PUT',
      body: commandJob(emu, 'echo first line; sleep 1.5; echo second line')
    })
    await waitForJob(emu, tok, name, ['Running'])
    const url = await waitFor(async () => {
      const d = await call(jobDetailsUrl(emu, name), { token: tok })
      return d.json.logFiles?.['user_logs/std_log.txt'] as string | undefined
    })
    const first = await waitFor(async () => {
      const r = await fetch(url)
      const t = await r.text()
      return t.includes('first line') ? t : undefined
    }, 5000)
    // Still running: the first line arrived before the command ended.
    expect((await arm2(emu, tok, `${wsPath(emu)}/jobs/${name}`)).json.properties.status).toBe('Running')
    expect(first).not.toContain('second line')
    const rest = await waitFor(async () => {
      const r = await fetch(url, { headers: { Range: `bytes=${Buffer.byteLength(first)}-` } })
      if (r.status !== 206) return undefined
      const t = await r.text()
      return t.includes('second line') ? t : undefined
    }, 8000)
    expect(rest).toBe('second line\n')
    expect((await waitForJob(emu, tok, name)).job.json.properties.status).toBe('Completed')
  })

  it('a failing command ends Failed with UserError naming the exit code and the last stderr line', async () => {
    const name = jobName()
    await arm2(emu, tok, `${wsPath(emu)}/jobs/${name}`, {
      method: 'PUT',
      body: commandJob(emu, 'echo working; echo "ValueError: bad learning rate" >&2; exit 3')
    })
    const { job } = await waitForJob(emu, tok, name)
    expect(job.json.properties.status).toBe('Failed')
    const details = await call(jobDetailsUrl(emu, name), { token: tok })
    expect(details.json.status).toBe('Failed')
    expect(details.json.error.error.code).toBe('UserError')
    expect(details.json.error.error.message).toContain('status code 3')
    expect(details.json.error.error.message).toContain('ValueError: bad learning rate')
  })

  it('cancels a running job: 202 + Location, polled to 200; Canceled; a second cancel is 400 (terminal)', async () => {
    const specs = await loadSpecs()
    const name = jobName()
    await arm2(emu, tok, `${wsPath(emu)}/jobs/${name}`, { method: 'PUT', body: commandJob(emu, 'sleep 30') })
    await waitForJob(emu, tok, name, ['Running'])
    const cancel = await arm2(emu, tok, `${wsPath(emu)}/jobs/${name}/cancel`, { method: 'POST' })
    expect(cancel.status).toBe(202)
    const location = cancel.headers.get('location')!
    expect(location).toMatch(/\/operationResults\//)
    expect(cancel.headers.get('retry-after')).toBeDefined()
    const done = await waitFor(async () => {
      const a = await call(location, { token: tok })
      return a.status === 200 ? a : undefined
    })
    expect(done.status).toBe(200)
    const { job } = await waitForJob(emu, tok, name)
    expect(job.json.properties.status).toBe('Canceled')
    expect(specs.validateResponse('Jobs_Get', 200, job.json, MFE)).toEqual([])
    const again = await arm2(emu, tok, `${wsPath(emu)}/jobs/${name}/cancel`, { method: 'POST' })
    expect(again.status).toBe(400)
    expect(again.json.error.message).toContain('terminal state')
    expect((await arm2(emu, tok, `${wsPath(emu)}/jobs/nope/cancel`, { method: 'POST' })).status).toBe(404)
  })

  it('Finalizing refuses a cancel (400); CancelRequested lasts, a second cancel is 202 again', async () => {
    const { jobFinalizingMs, jobCancelRequestedMs } = emu.config.delays
    emu.config.delays.jobFinalizingMs = 3_000
    emu.config.delays.jobCancelRequestedMs = 3_000
    try {
      const finishing = jobName()
      await arm2(emu, tok, `${wsPath(emu)}/jobs/${finishing}`, { method: 'PUT', body: commandJob(emu, 'echo hi') })
      await waitForJob(emu, tok, finishing, ['Finalizing'])
      const refused = await arm2(emu, tok, `${wsPath(emu)}/jobs/${finishing}/cancel`, { method: 'POST' })
      expect(refused.status).toBe(400)
      expect(refused.json.error.code).toBe('UserError')
      expect(refused.json.error.message).toMatch(/Finalizing .*cannot be canceled now/)
      expect((await waitForJob(emu, tok, finishing)).job.json.properties.status).toBe('Completed')

      const running = jobName()
      await arm2(emu, tok, `${wsPath(emu)}/jobs/${running}`, { method: 'PUT', body: commandJob(emu, 'sleep 30') })
      await waitForJob(emu, tok, running, ['Running'])
      const first = await arm2(emu, tok, `${wsPath(emu)}/jobs/${running}/cancel`, { method: 'POST' })
      expect(first.status).toBe(202)
      const { seen } = await waitForJob(emu, tok, running, ['CancelRequested'])
      expect(seen).toContain('CancelRequested')
      // The process has exited by now; the job is held in CancelRequested by jobCancelRequestedMs.
      await new Promise(resolve => setTimeout(resolve, 500))
      expect((await arm2(emu, tok, `${wsPath(emu)}/jobs/${running}`)).json.properties.status).toBe('CancelRequested')
      const second = await arm2(emu, tok, `${wsPath(emu)}/jobs/${running}/cancel`, { method: 'POST' })
      expect(second.status).toBe(202)
      expect(second.headers.get('location')).toBe(first.headers.get('location'))
      expect((await waitForJob(emu, tok, running)).job.json.properties.status).toBe('Canceled')
    } finally {
      Object.assign(emu.config.delays, { jobFinalizingMs, jobCancelRequestedMs })
    }
  })

  it('every job carries Azure’s default output (PUT and GET), valid against the spec; it reads as the artifacts', async () => {
    const specs = await loadSpecs()
    const name = jobName()
    const put = await arm2(emu, tok, `${wsPath(emu)}/jobs/${name}`, { method: 'PUT', body: commandJob(emu, 'true') })
    const expected = {
      jobOutputType: 'uri_folder',
      mode: 'ReadWriteMount',
      uri: `azureml://datastores/workspaceartifactstore/ExperimentRun/dcid.${name}`
    }
    expect(put.json.properties.outputs.default).toMatchObject(expected)
    expect(specs.validateResponse('Jobs_CreateOrUpdate', 201, put.json, MFE)).toEqual([])
    const { job } = await waitForJob(emu, tok, name)
    expect(job.json.properties.outputs).toEqual({ default: expect.objectContaining(expected) })
    expect(specs.validateResponse('Jobs_Get', 200, job.json, MFE)).toEqual([])
  })

  it('jobLogLayout legacy: the system log is listed first, the driver log later with the command’s output', async () => {
    emu.config.jobLogLayout = 'legacy'
    try {
      const name = jobName()
      await arm2(emu, tok, `${wsPath(emu)}/jobs/${name}`, {
        method: 'PUT',
        body: commandJob(emu, 'echo from-the-user; sleep 2')
      })
      await waitForJob(emu, tok, name, ['Running'])
      const early = await waitFor(async () => {
        const d = await call(jobDetailsUrl(emu, name), { token: tok })
        return Object.keys(d.json.logFiles ?? {}).length > 0 ? d : undefined
      })
      expect(Object.keys(early.json.logFiles)).toEqual(['azureml-logs/55_azureml-execution-tvmps_x.txt'])
      const later = await waitFor(async () => {
        const d = await call(jobDetailsUrl(emu, name), { token: tok })
        return d.json.logFiles?.['azureml-logs/70_driver_log.txt'] ? d : undefined
      })
      expect(Object.keys(later.json.logFiles).sort()).toEqual([
        'azureml-logs/55_azureml-execution-tvmps_x.txt',
        'azureml-logs/70_driver_log.txt'
      ])
      await waitForJob(emu, tok, name)
      const done = await call(jobDetailsUrl(emu, name), { token: tok })
      const driver = await fetch(done.json.logFiles['azureml-logs/70_driver_log.txt'])
      expect(await driver.text()).toBe('from-the-user\n')
      const system = await fetch(done.json.logFiles['azureml-logs/55_azureml-execution-tvmps_x.txt'])
      expect(await system.text()).toMatch(/Starting the job[^]*exited with code 0/)
    } finally {
      emu.config.jobLogLayout = 'common-runtime'
    }
  })

  it('a second PUT of a job name updates only its mutable fields (200), else 400 "already exists", as Azure', async () => {
    const specs = await loadSpecs()
    const name = jobName()
    const url = `${wsPath(emu)}/jobs/${name}`
    const first = await arm2(emu, tok, url, { method: 'PUT', body: commandJob(emu, 'true') })
    expect(first.status).toBe(201)
    // The same job again with new tags and description: not a new job, the existing one updated and answered.
    const same = commandJob(emu, 'true') as { properties: Record<string, unknown> }
    same.properties.tags = { rerun: '2' }
    same.properties.description = 'again'
    const update = await arm2(emu, tok, url, { method: 'PUT', body: same })
    expect(update.status).toBe(200)
    expect(update.json.properties).toMatchObject({ tags: { rerun: '2' }, description: 'again' })
    expect(specs.validateResponse('Jobs_CreateOrUpdate', 200, update.json, MFE)).toEqual([])
    // Another command: refused, naming the immutable field.
    const second = await arm2(emu, tok, url, { method: 'PUT', body: commandJob(emu, 'echo changed') })
    expect(second.status).toBe(400)
    expect(second.json.error).toMatchObject({
      code: 'UserError',
      innerError: { code: 'Immutable', innerError: { code: 'JobPropertyImmutable' } }
    })
    expect(second.json.error.message).toMatch(
      /^A job with this name already exists\. .*the existing job's Command cannot be changed\. Only description, tags/
    )

    const binding = await arm2(emu, tok, `${wsPath(emu)}/jobs/${jobName()}`, {
      method: 'PUT',
      body: commandJob(emu, 'echo ${{inputs.missing}}')
    })
    expect(binding.status).toBe(400)
    expect(binding.json.error.message).toContain('inputs.missing')

    const env = await arm2(emu, tok, `${wsPath(emu)}/jobs/${jobName()}`, {
      method: 'PUT',
      body: commandJob(emu, 'true', { environmentId: `${wsPath(emu)}/environments/nope/versions/1` })
    })
    expect(env.status).toBe(400)
    expect(env.json.error.message).toContain("Environment 'nope'")

    const compute = await arm2(emu, tok, `${wsPath(emu)}/jobs/${jobName()}`, {
      method: 'PUT',
      body: commandJob(emu, 'true', { computeId: `${wsPath(emu)}/computes/gpu-nope` })
    })
    expect(compute.status).toBe(400)
    expect(compute.json.error.message).toContain("Compute 'gpu-nope'")

    const spec = await arm2(emu, tok, `${wsPath(emu)}/jobs/${jobName()}`, {
      method: 'PUT',
      body: commandJob(emu, 'true', { inputs: { x: { value: '1' } } })
    })
    expect(spec.status).toBe(400)
    expect(spec.json.error.code).toBe('SpecViolation')
    expect(spec.json.error.message).toContain('properties.inputs.x.jobInputType is required')
  })

  it('faults: run-stuck (NotResponding), job-fail, job-slow', async () => {
    emu.faults.add({ kind: 'run-stuck', runStatus: 'NotResponding', match: { operationId: 'Jobs_CreateOrUpdate' } })
    const stuck = jobName()
    await arm2(emu, tok, `${wsPath(emu)}/jobs/${stuck}`, { method: 'PUT', body: commandJob(emu, 'echo hi') })
    expect((await waitForJob(emu, tok, stuck, ['NotResponding'])).job.json.properties.status).toBe('NotResponding')
    // Cancel still works from there.
    expect((await arm2(emu, tok, `${wsPath(emu)}/jobs/${stuck}/cancel`, { method: 'POST' })).status).toBe(202)
    expect((await waitForJob(emu, tok, stuck)).job.json.properties.status).toBe('Canceled')

    emu.faults.add({ kind: 'job-fail', match: { operationId: 'Jobs_CreateOrUpdate' } })
    const failed = jobName()
    await arm2(emu, tok, `${wsPath(emu)}/jobs/${failed}`, { method: 'PUT', body: commandJob(emu, 'echo never') })
    expect((await waitForJob(emu, tok, failed)).job.json.properties.status).toBe('Failed')
    const details = await call(jobDetailsUrl(emu, failed), { token: tok })
    expect(details.json.error.error.code).toBe('ServiceError')

    emu.faults.add({ kind: 'job-slow', delayMs: 300, match: { operationId: 'Jobs_CreateOrUpdate' } })
    const slow = jobName()
    const started = Date.now()
    await arm2(emu, tok, `${wsPath(emu)}/jobs/${slow}`, { method: 'PUT', body: commandJob(emu, 'true') })
    expect((await waitForJob(emu, tok, slow)).job.json.properties.status).toBe('Completed')
    // NotStarted → Queued → Preparing → Running, then Finalizing → Completed: four waits of at least 300 ms (Preparing does its own work).
    expect(Date.now() - started).toBeGreaterThanOrEqual(1200)
  })

  it('answers every api-version Azure serves for jobs (2022-05-01 on, previews); older ones are refused; computes and workspaces at all', async () => {
    const name = jobName()
    const put = await arm2(emu, tok, `${wsPath(emu)}/jobs/${name}`, {
      method: 'PUT',
      body: commandJob(emu, 'true'),
      version: '2022-10-01'
    })
    expect(put.status).toBe(201)
    expect((await arm2(emu, tok, `${wsPath(emu)}/jobs/${name}`, { version: '2025-04-01-preview' })).status).toBe(200)
    for (const version of ['2022-05-01', '2023-02-01-preview', '2024-01-01-preview', '2026-09-01'])
      expect((await arm2(emu, tok, `${wsPath(emu)}/jobs/${name}`, { version })).status).toBe(200)
    // Before the v2 surface (and a version Azure never served): refused, listing the versions that work.
    for (const version of ['2021-07-01', '2023-05-05']) {
      const old = await arm2(emu, tok, `${wsPath(emu)}/jobs/${name}`, { version })
      expect(old.status).toBe(400)
      expect(old.json.error.code).toBe('NoRegisteredProviderFound')
      expect(old.json.error.message).toContain('2022-02-01-preview, 2022-05-01,')
    }

    const specs = await loadSpecs()
    const compute = await arm2(emu, tok, `${wsPath(emu)}/computes/${emu.seed.computeName}`, { version: '2023-10-01' })
    expect(compute.status).toBe(200)
    expect(specs.validateResponse('Compute_Get', 200, compute.json, 'mls-2024-04-01')).toEqual([])
    const computes = await arm2(emu, tok, `${wsPath(emu)}/computes`, { version: '2024-10-01' })
    expect(specs.validateResponse('Compute_List', 200, computes.json, 'mls-2024-04-01')).toEqual([])
    // Workspaces and computes at every version Azure serves, old and new (the SDK reads them at 2022-10-01-preview).
    for (const version of [
      '2020-06-01',
      '2022-01-01-preview',
      '2022-10-01',
      '2022-10-01-preview',
      '2023-04-01',
      '2024-10-01'
    ])
      expect((await arm2(emu, tok, wsPath(emu), { version })).status).toBe(200)
    expect(
      (await arm2(emu, tok, `${wsPath(emu)}/computes/${emu.seed.computeName}`, { version: '2021-04-01' })).status
    ).toBe(200)
    await waitForJob(emu, tok, name)
  })
})

describe('Azurite', () => {
  it('is not started by an emulator that serves only v1 requests', async () => {
    const other = await startFast()
    try {
      const t = await token(other)
      expect((await call(`${other.url}${wsPath(other)}?api-version=2019-11-01`, { token: t })).status).toBe(200)
      expect(other.azuriteStarted()).toBe(false)
      expect((await arm2(other, t, `${wsPath(other)}/jobs`)).status).toBe(200)
      expect(other.azuriteStarted()).toBe(false)
    } finally {
      await other.close()
    }
  })
})
