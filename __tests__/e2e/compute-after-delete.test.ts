/**
 * Kind 9 of issue 18: create-compute while a deletion of the same name is still running. The bundle against the
 * emulator, which answers a PUT on a compute in Deleting with 409 Conflict "... is being deleted" (as Azure refuses
 * it). The step waits for the deletion (said in the log, bounded by timeout-minutes) and creates the compute, instead
 * of advising to delete it first. The compute is the seeded `gpu-v100-1GPU-cluster`, a name from Azure's examples.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import { errorOf, step, workspaceInputs } from './helpers.js'

const NAME = 'gpu-v100-1GPU-cluster'
let emu: Emulator
beforeAll(async () => {
  emu = await startEmulator({
    quiet: true,
    config: { delays: { computeDeleteMs: 4000, computeProvisionMs: 300 }, retryAfterSeconds: 0 }
  })
})
afterAll(async () => {
  await emu?.close()
})

const compute = (operation: string, more: Record<string, string> = {}) =>
  step({ operation, ...workspaceInputs(emu), 'compute-name': NAME, ...more })

async function state(): Promise<string | undefined> {
  const s = (await (await fetch(`${emu.url}/_emulator/state`)).json()) as {
    computes: { name: string; provisioningState: string }[]
  }
  return s.computes.find(c => c.name === NAME)?.provisioningState
}

describe('create-compute while the deletion of the same name is still running', () => {
  it('the seeded gpu-v100-1GPU-cluster exists, and list-computes names it', async () => {
    expect(await state()).toBe('Succeeded')
    const listed = await step({ operation: 'list-computes', ...workspaceInputs(emu) })
    expect(listed.exitCode).toBe(0)
    expect(listed.outputs.response).toContain(NAME)
  })

  it('a PUT answered 409 "is being deleted": waits for the deletion, says so, then creates it', async () => {
    const deleted = await compute('delete-compute', { wait: 'false' })
    expect(errorOf(deleted)).toBe('')
    expect(await state()).toBe('Deleting')
    // The GET before the PUT does not show the deletion (it answers 404, as a GET can while the cluster is torn down):
    // the PUT itself meets the deletion.
    emu.faults.add({
      match: { path: `/computes/${NAME}$`, method: 'GET' },
      kind: 'status',
      status: 404,
      times: 1
    })
    const from = emu.requests.length
    const result = await compute('create-compute', { 'vm-size': 'Standard_NC6s_v3', 'timeout-minutes': '2' })
    expect(errorOf(result)).toBe('')
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toMatch(
      /The PUT of the compute gpu-v100-1GPU-cluster was refused \(409\): .*is being deleted/
    )
    expect(result.stdout).toMatch(
      /The compute gpu-v100-1GPU-cluster is being deleted .*waiting until it is gone before creating it again \(at most (1 min \d+ s|2 min), the rest of timeout-minutes\)/
    )
    expect(result.stdout).not.toMatch(/Delete it first/)
    expect(result.outputs.provisioningState).toBe('Succeeded')
    const puts = emu.requests.slice(from).filter(r => r.method === 'PUT')
    expect(puts.map(r => r.status)).toEqual([409, 201])
    expect(await state()).toBe('Succeeded')
  })

  it('when timeout-minutes runs out first: fails naming the compute and the deletion still running', async () => {
    emu.config.delays.computeDeleteMs = 120_000
    expect(errorOf(await compute('delete-compute', { wait: 'false' }))).toBe('')
    emu.faults.add({ match: { path: `/computes/${NAME}$`, method: 'GET' }, kind: 'status', status: 404, times: 1 })
    const result = await compute('create-compute', { 'vm-size': 'Standard_NC6s_v3', 'timeout-minutes': '0.1' })
    expect(result.exitCode).toBe(1)
    expect(errorOf(result)).toMatch(/compute gpu-v100-1GPU-cluster was still being deleted, so it was not created/)
    expect(result.outputs.provisioningState).toBe('Deleting')
  })
})
