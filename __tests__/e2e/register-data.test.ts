/**
 * Issue 20, register-data, end to end: the bundle (`az ml data create -f`) against the emulator, whose data versions
 * answer as Azure's (mfe.json 2024-04-01 DataVersions_*, bodies checked by the spec, immutable versions, containers'
 * nextVersion) with Azurite behind the default datastore. A local uri_folder, a uri_file, an mltable folder and a
 * cloud path are registered; the same definition again is reused; a changed one is refused naming the YAML field;
 * a version left out is the container's next; a command job reading `azureml:<name>:<version>` of the registered
 * folder sees its files.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Emulator } from '../../emulator/index.js'
import { emulatorForTests, errorOf, expectNoSecret, serviceRequests, step, workspaceInputs } from './helpers.js'

let emu: Emulator
let scratch: string

function write(files: Record<string, string>): void {
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(scratch, name, '..'), { recursive: true })
    writeFileSync(join(scratch, name), content)
  }
}

beforeAll(async () => {
  emu = await emulatorForTests()
  scratch = mkdtempSync(join(tmpdir(), 'aml-data-e2e-'))
  write({
    'train/a.csv': 'x,y\n1,3\n',
    'train/b.csv': 'x,y\n2,5\n',
    'one.csv': 'id\n42\n',
    'table/MLTable': 'paths:\n  - file: ./part.csv\ntransformations:\n  - read_delimited:\n      delimiter: ","\n',
    'table/part.csv': 'a\n1\n',
    'folder.yml': [
      '$schema: https://azuremlschemas.azureedge.net/latest/data.schema.json',
      'name: train-folder',
      'version: 1',
      'description: Training CSVs.',
      'type: uri_folder',
      'path: ./train/',
      'tags: {owner: ci}'
    ].join('\n'),
    'file.yml': 'name: one-file\ntype: uri_file\npath: one.csv\n',
    'mltable.yml': 'name: titanic-table\nversion: "1"\ntype: mltable\npath: ./table\n',
    'cloud.yml': 'name: cloud-folder\nversion: 1\npath: azureml://datastores/workspaceblobstore/paths/example-data/\n',
    'job.yml': [
      'type: command',
      'command: ls ${{inputs.d}} && cat ${{inputs.d}}/a.csv',
      'inputs:',
      '  d:',
      '    type: uri_folder',
      '    path: azureml:train-folder:1',
      'environment:',
      '  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest'
    ].join('\n')
  })
})
afterAll(async () => {
  await emu?.close()
  rmSync(scratch, { recursive: true, force: true })
})

const register = (file: string, more: Record<string, string> = {}, options: Parameters<typeof step>[1] = {}) =>
  step({ operation: 'register-data', ...workspaceInputs(emu), data: join(scratch, file), ...more }, options)

async function clearLog(): Promise<void> {
  await fetch(`${emu.url}/_emulator/requests`, { method: 'DELETE' })
}
const puts = () =>
  serviceRequests(emu).filter(r => r.method === 'PUT' && r.operationId === 'DataVersions_CreateOrUpdate')

describe('register-data through the bundle', () => {
  it('a local uri_folder: uploaded to LocalUpload/<hash>/train, registered as version 1 with its outputs', async () => {
    await clearLog()
    const result = await register('folder.yml')
    expect(errorOf(result)).toBe('')
    expect(result.exitCode).toBe(0)
    expect(result.outputs.dataName).toBe('train-folder')
    expect(result.outputs.dataVersion).toBe('1')
    expect(result.outputs.dataId).toMatch(/\/workspaces\/[^/]+\/data\/train-folder\/versions\/1$/)
    const [put] = puts()
    expect(put.status).toBe(201)
    const body = JSON.parse(put.body).properties
    expect(body).toMatchObject({ dataType: 'uri_folder', description: 'Training CSVs.', tags: { owner: 'ci' } })
    expect(body.dataUri).toMatch(/^azureml:\/\/datastores\/workspaceblobstore\/paths\/LocalUpload\/[0-9a-f]+\/train$/)
    expect(JSON.parse(result.outputs.response).properties.dataUri).toBe(body.dataUri)
  })

  it('the same YAML again: nothing uploaded again, the version reused (200)', async () => {
    await clearLog()
    const result = await register('folder.yml')
    expect(errorOf(result)).toBe('')
    expect(result.stdout).toContain('already in datastore workspaceblobstore')
    expect(result.stdout).toContain('train-folder:1 already registered with the same uri_folder and path; reused')
    expect(puts().map(p => p.status)).toEqual([200])
  })

  it('changed content under the same version: refused naming the YAML path field, nothing uploaded or PUT', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aml-data-changed-'))
    try {
      mkdirSync(join(dir, 'train'))
      writeFileSync(join(dir, 'train', 'a.csv'), 'x,y\n9,9\n')
      writeFileSync(join(dir, 'folder.yml'), 'name: train-folder\nversion: 1\npath: ./train\n')
      await clearLog()
      const result = await step({ operation: 'register-data', ...workspaceInputs(emu), data: join(dir, 'folder.yml') })
      expect(result.exitCode).toBe(1)
      expect(errorOf(result)).toMatch(
        /Input 'data': .*folder\.yml:3: path: data asset train-folder version 1 is registered with path azureml:\/\/.*LocalUpload\/.*which was not uploaded\)\. Data versions cannot change: give a new version/
      )
      expect(puts()).toEqual([])
      // The content's hash names its URI before any blob is written: no orphaned LocalUpload/<hash>/ is left.
      expect(result.stdout).not.toMatch(/Uploading|Uploaded/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("a uri_file without version: the container's next version each time, as az ml data create", async () => {
    const first = await register('file.yml')
    expect(errorOf(first)).toBe('')
    expect(first.outputs.dataVersion).toBe('1')
    expect(first.stdout).toMatch(/Uploaded .*one\.csv: 1 file, /)
    await clearLog()
    const second = await register('file.yml')
    expect(errorOf(second)).toBe('')
    expect(second.outputs.dataVersion).toBe('2')
    const body = JSON.parse(puts()[0].body).properties
    expect(body.dataType).toBe('uri_file')
    expect(body.dataUri).toMatch(/\/paths\/LocalUpload\/[0-9a-f]+\/one\.csv$/)
  })

  it("an mltable folder: uploaded, its MLTable's paths sent as referencedUris", async () => {
    await clearLog()
    const result = await register('mltable.yml')
    expect(errorOf(result)).toBe('')
    const body = JSON.parse(puts()[0].body).properties
    expect(body).toMatchObject({ dataType: 'mltable', referencedUris: ['./part.csv'] })
    expect(body.dataUri).toMatch(/\/paths\/LocalUpload\/[0-9a-f]+\/table$/)
  })

  it('a cloud path: sent as written, nothing uploaded; again: reused', async () => {
    await clearLog()
    const result = await register('cloud.yml')
    expect(errorOf(result)).toBe('')
    expect(serviceRequests(emu).filter(r => /listSecrets/.test(r.path))).toEqual([])
    expect(JSON.parse(puts()[0].body).properties.dataUri).toBe(
      'azureml://datastores/workspaceblobstore/paths/example-data/'
    )
    const again = await register('cloud.yml')
    expect(errorOf(again)).toBe('')
    expect(again.stdout).toContain('reused')
  })

  it('properties in the YAML: a warning naming the line, and not sent (as az ml data create drops them)', async () => {
    await clearLog()
    const result = await register('cloud.yml', { set: 'version=2\nproperties.stage=raw' })
    expect(errorOf(result)).toBe('')
    const warnings = result.commands.filter(c => c.command === 'warning').map(c => c.value)
    expect(warnings).toEqual([expect.stringMatching(/properties: not sent\. az ml data create drops/)])
    expect(JSON.parse(puts()[0].body).properties.properties).toEqual({})
    expect(result.outputs.dataVersion).toBe('2')
  })

  it('a cloud path changed under the same version: refused before any PUT, naming path', async () => {
    await clearLog()
    const result = await register('cloud.yml', {
      set: 'path=azureml://datastores/workspaceblobstore/paths/other-data/'
    })
    expect(result.exitCode).toBe(1)
    expect(errorOf(result)).toMatch(
      /Input 'set': line 1 \(path=.*\): path: data asset cloud-folder version 1 is registered/
    )
    expect(puts()).toEqual([])
  })

  it('a cloud path with a SAS: masked from the moment the YAML is read; logs, summary and outputs without it', async () => {
    const sig = 'SECRETSIGxyz%3D'
    write({
      'd-cloud.yml':
        'name: crit-cloud\ntype: uri_file\nversion: 1\n' +
        `path: "https://example.blob.core.windows.net/c/data.csv?sv=2020-01-01&sig=${sig}"\n`
    })
    await clearLog()
    const result = await register('d-cloud.yml', {}, { env: { RUNNER_DEBUG: '1' } })
    expect(errorOf(result)).toBe('')
    expect(JSON.parse(puts()[0].body).properties.dataUri).toContain(`sig=${sig}`)
    const masks = result.stdout.split('\n').filter(l => l.startsWith('::add-mask::'))
    // The runner's command encoding writes % as %25.
    expect(masks).toContain(`::add-mask::${sig.replace(/%/g, '%25')}`)
    expectNoSecret(result, sig)
    expectNoSecret(result, decodeURIComponent(sig))
    expect(result.summary).toContain('https://example.blob.core.windows.net/c/data.csv?sv=***&amp;sig=***')
    // Again with another query under the same version: refused, the registered SAS not echoed.
    const again = await register('d-cloud.yml', {
      set: `path=https://example.blob.core.windows.net/c/other.csv?sig=${sig}X`
    })
    expect(errorOf(again)).toMatch(/path: data asset crit-cloud version 1 is registered with path https:.*sig=\*\*\*/)
    expectNoSecret(again, sig)
  })

  it('datastore: azureml:<name> is the datastore <name>, as azure-ai-ml strips the prefix', async () => {
    write({ 'ds2.yml': 'name: crit-ds2\npath: ./train\ndatastore: azureml:workspaceblobstore\n' })
    await clearLog()
    const result = await register('ds2.yml')
    expect(errorOf(result)).toBe('')
    expect(JSON.parse(puts()[0].body).properties.dataUri).toMatch(
      /^azureml:\/\/datastores\/workspaceblobstore\/paths\//
    )
  })

  it('an unknown datastore: refused naming file, line and field, listing the datastores there; nothing uploaded', async () => {
    write({ 'ds3.yml': 'name: crit-ds3\npath: ./train\ndatastore: workspaceblobstor\n' })
    await clearLog()
    const result = await register('ds3.yml')
    expect(result.exitCode).toBe(1)
    expect(errorOf(result)).toMatch(
      /^Input 'data': .*ds3\.yml:3: datastore: the datastore 'workspaceblobstor' does not exist in workspace \S+ \(datastores there: [^)]*workspaceblobstore[^)]*\): did you mean 'workspaceblobstore'\?/
    )
    expect(errorOf(result)).not.toMatch(/404|HTTP|GET /)
    expect(puts()).toEqual([])
  })

  it('an MLTable whose paths point outside its folder: a warning naming the YAML line and the paths', async () => {
    write({
      'tbl2/MLTable': 'paths:\n  - file: ../one.csv\n',
      't2.yml': 'name: crit-t2\ntype: mltable\npath: ./tbl2\n'
    })
    await clearLog()
    const result = await register('t2.yml')
    expect(errorOf(result)).toBe('')
    const warnings = result.commands.filter(c => c.command === 'warning').map(c => c.value)
    expect(warnings).toEqual([
      expect.stringMatching(
        /t2\.yml:3: path: the MLTable's paths '\.\.\/one\.csv' point outside \.\/tbl2, .*not resolve/
      )
    ])
  })

  it("a set line for type that the YAML's folder does not fit: the set line is named, nothing sent", async () => {
    await clearLog()
    const result = await register('folder.yml', { set: 'type=uri_file' })
    expect(result.exitCode).toBe(1)
    expect(errorOf(result)).toMatch(/^Input 'set': line 1 \(type=uri_file\): type: type uri_file needs a file/)
    expect(serviceRequests(emu)).toEqual([])
  })

  it('a command job reading azureml:train-folder:1 sees the registered files', async () => {
    const job = await step({
      operation: 'submit-job',
      ...workspaceInputs(emu),
      job: join(scratch, 'job.yml'),
      set: `compute=azureml:${emu.seed.computeName}`
    })
    expect(errorOf(job)).toBe('')
    expect(job.outputs.status).toBe('Completed')
    expect(job.stdout).toMatch(/a\.csv/)
    expect(job.stdout).toMatch(/b\.csv/)
    expect(job.stdout).toContain('1,3')
  })

  it('no data input: refused before any request, saying what to give', async () => {
    await clearLog()
    const result = await step({ operation: 'register-data', ...workspaceInputs(emu) })
    expect(result.exitCode).toBe(1)
    expect(errorOf(result)).toMatch(/Input 'data': required by register-data: the data YAML/)
    expect(serviceRequests(emu).filter(r => r.method !== 'GET' || r.path.includes('/data/'))).toEqual([])
  })
})
