/**
 * Parallel submits of the same code (a workflow matrix, Azure/azure-sdk-for-python#30155), the bundle against the
 * emulator: both legs' content-hash look-ups are answered before either registers (a gathering delay fault, so the
 * race is certain rather than a matter of timing), both upload, the slower leg's code version PUT gets Azure's 409,
 * and that leg reuses the version the other registered: both jobs run with the same codeId, one code version exists.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import type { Emulator } from '../../emulator/index.js'
import { armGet } from './arm-read.js'
import { emulatorForTests, step, workspaceInputs } from './helpers.js'

const TRAIN = 'examples/jobs/train/job.yml'

let emu: Emulator
beforeAll(async () => {
  emu = await emulatorForTests()
})
afterAll(async () => {
  await emu?.close()
})
beforeEach(() => emu.reset())

const submit = (leg: string) =>
  step({
    operation: 'submit-job',
    ...workspaceInputs(emu),
    job: TRAIN,
    set: `compute=azureml:${emu.seed.computeName}\ntags.leg=${leg}`
  })

const codeVersionPuts = () =>
  emu.requests.filter(r => r.method === 'PUT' && r.operationId === 'CodeVersions_CreateOrUpdate')

describe('two submit-job steps of the same code at once', () => {
  it('both succeed with the same code version: the 409 of the slower registration means reuse', async () => {
    emu.faults.add({ kind: 'delay', match: { operationId: 'CodeVersions_List' }, gather: 2, delayMs: 60_000, times: 2 })
    const [a, b] = await Promise.all([submit('a'), submit('b')])
    for (const leg of [a, b]) {
      expect(leg.stderr).toBe('')
      expect(leg.exitCode).toBe(0)
      expect(leg.outputs.status).toBe('Completed')
    }
    // Both looked the hash up before either registered, both uploaded, one PUT was refused, and that leg looked the
    // hash up again (the third look-up), finding the other's version.
    const lookups = emu.requests.filter(r => r.operationId === 'CodeVersions_List')
    expect(lookups).toHaveLength(3)
    const refusedAt = codeVersionPuts().find(r => r.status === 409)?.time ?? 0
    expect(lookups[2].time).toBeGreaterThanOrEqual(refusedAt)
    expect(emu.requests.filter(r => r.operationId === 'CodeVersions_CreateOrGetStartPendingUpload')).toHaveLength(2)
    expect(
      codeVersionPuts()
        .map(r => r.status)
        .sort()
    ).toEqual([201, 409])
    const refused = [a, b].find(leg => leg.stdout.includes('registered by another submit at the same time'))
    expect(refused?.stdout).toContain('Asset paths cannot be updated.')
    // One code version, and both jobs carry it.
    const containers = (await armGet(emu, '/codes')).body.value as { name: string }[]
    expect(containers).toHaveLength(1)
    const versions = (await armGet(emu, `/codes/${containers[0].name}/versions`)).body.value as unknown[]
    expect(versions).toHaveLength(1)
    const jobBodies = emu.requests
      .filter(r => r.method === 'PUT' && r.operationId === 'Jobs_CreateOrUpdate')
      .map(r => (JSON.parse(r.body) as { properties: { codeId: string } }).properties.codeId)
    expect(jobBodies).toHaveLength(2)
    expect(jobBodies[0]).toBe(jobBodies[1])
    expect(jobBodies[0]).toMatch(/\/codes\/[0-9a-f-]{36}\/versions\/1$/)
    expect(jobBodies[0]).toContain(`/codes/${containers[0].name}/versions/1`)
  })
})
