/**
 * create-compute and delete-compute: the bundle (dist/index.js) under Node 24 against the emulator, which validates
 * each request against the REST spec and runs the ARM long-running operations.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import { serviceRequests, step, visibleLines, workspaceInputs } from './helpers.js'

let emu: Emulator
const DELAYS = { computeProvisionMs: 1500, computeDeleteMs: 1500, workspaceProvisionMs: 400, workspaceDeleteMs: 400 }
beforeAll(async () => {
  // Provisioning outlasts the first poll (Retry-After 0 → the action's 1 s minimum), so progress is seen.
  emu = await startEmulator({ quiet: true, config: { delays: DELAYS, retryAfterSeconds: 0 } })
})
afterAll(async () => {
  await emu?.close()
})
beforeEach(() => {
  emu.reset()
  Object.assign(emu.config.delays, DELAYS)
})

const PASSWORD = 'N0de-Adm1n~P@ss word'
const computePath = (name: string) => `${emu.seed.workspaceResourceId}/computes/${name}`
const newCompute = (more: Record<string, string> = {}) => ({
  operation: 'create-compute',
  ...workspaceInputs(emu),
  'compute-name': 'cpu-cluster',
  'vm-size': 'Standard_D1',
  'max-nodes': '2',
  'idle-seconds-before-scale-down': '90',
  'admin-username': 'azureuser',
  'admin-password': PASSWORD,
  ...more
})

describe('create-compute', () => {
  it('PUTs the AmlCompute body (201), polls the Azure-AsyncOperation until Succeeded, and reports it', async () => {
    const result = await step(newCompute())
    expect(result.stderr).toBe('')
    expect(result.exitCode).toBe(0)
    expect(result.outputs.provisioningState).toBe('Succeeded')
    expect(result.outputs.resourceId).toBe(computePath('cpu-cluster'))
    const response = JSON.parse(result.outputs.response)
    expect(response.properties.provisioningState).toBe('Succeeded')
    expect(response.properties.properties.vmSize).toBe('STANDARD_D1')

    const put = serviceRequests(emu).find(r => r.method === 'PUT')
    expect(put).toMatchObject({
      path: computePath('cpu-cluster'),
      status: 201,
      operationId: 'MachineLearningCompute_CreateOrUpdate'
    })
    const body = JSON.parse(put!.body)
    // location defaults to the workspace's (a GET of the workspace comes first).
    expect(body.location).toBe(emu.seed.location)
    expect(body.properties).toEqual({
      computeType: 'AmlCompute',
      properties: {
        vmSize: 'Standard_D1',
        vmPriority: 'Dedicated',
        scaleSettings: { maxNodeCount: 2, minNodeCount: 0, nodeIdleTimeBeforeScaleDown: 'PT1M30S' },
        userAccountCredentials: { adminUserName: 'azureuser', adminUserPassword: PASSWORD }
      }
    })
    const paths = serviceRequests(emu).map(r => `${r.method} ${r.path}`)
    expect(paths[0]).toBe(`GET ${emu.seed.workspaceResourceId}`)
    expect(paths[1]).toBe(`GET ${computePath('cpu-cluster')}`)
    const polls = serviceRequests(emu).filter(r => r.path.includes('/operationsStatus/'))
    expect(polls.length).toBeGreaterThanOrEqual(2)
    expect(polls.every(r => r.method === 'GET' && r.status === 200)).toBe(true)
    expect(JSON.parse(polls[0].body || '{}')).toEqual({})

    // Progress while waiting, the password masked before anything, the summary.
    expect(result.stdout).toMatch(/Waiting for the compute cpu-cluster: InProgress \([\d.]+ s elapsed\)/)
    expect(result.stdout).toContain(`::add-mask::${PASSWORD}`)
    expect(visibleLines(result.stdout).join('\n')).not.toContain(PASSWORD)
    expect(result.summary).toContain('cpu-cluster')
    expect(result.summary).toContain('Succeeded')
    expect(result.summary).toContain('https://ml.azure.com/compute/cpu-cluster/details?wsid=')

    const get = await step({ operation: 'request', ...workspaceInputs(emu), path: '{WS}/computes/cpu-cluster' })
    expect(JSON.parse(get.outputs.response).properties.properties.userAccountCredentials).toEqual({
      adminUserName: 'azureuser'
    })
  })

  it('an existing compute with the same settings is success with no PUT', async () => {
    const result = await step({
      operation: 'create-compute',
      ...workspaceInputs(emu),
      'compute-name': emu.seed.computeName,
      'vm-size': 'standard_d1',
      'max-nodes': '1',
      'idle-seconds-before-scale-down': '1800'
    })
    expect(result.exitCode).toBe(0)
    expect(result.outputs.provisioningState).toBe('Succeeded')
    expect(result.outputs.resourceId).toBe(computePath(emu.seed.computeName))
    expect(result.stdout).toMatch(/already exists with the same settings/)
    expect(serviceRequests(emu).filter(r => r.method === 'PUT')).toHaveLength(0)
    expect(result.summary).toMatch(/already existed with the same settings/)
  })

  it('creating the same compute twice: the second run sends no PUT', async () => {
    expect((await step(newCompute())).exitCode).toBe(0)
    const before = serviceRequests(emu).filter(r => r.method === 'PUT').length
    const again = await step(newCompute())
    expect(again.exitCode).toBe(0)
    expect(serviceRequests(emu).filter(r => r.method === 'PUT')).toHaveLength(before)
    expect(before).toBe(1)
  })

  it('a compute that exists with other settings: the 409 names what differs', async () => {
    const result = await step({
      operation: 'create-compute',
      ...workspaceInputs(emu),
      'compute-name': emu.seed.computeName,
      'vm-size': 'Standard_NC6',
      'max-nodes': '4'
    })
    expect(result.exitCode).toBe(1)
    const error = result.commands.find(c => c.command === 'error')?.value ?? ''
    expect(error).toMatch(/The compute cpu-compute already exists with different settings: /)
    expect(error).toMatch(/vmSize is 'STANDARD_D1', requested 'Standard_NC6'/)
    expect(error).toMatch(/maxNodeCount is '1', requested '4'/)
    expect(error).toMatch(/409/)
    const put = serviceRequests(emu).find(r => r.method === 'PUT')
    expect(put?.status).toBe(409)
  })

  it('a provisioning that fails with QuotaExceeded fails the step with the code and message, naming what is left', async () => {
    emu.faults.add({ kind: 'provision-fail', match: { method: 'PUT', path: '/computes/' } })
    const result = await step(newCompute({ 'vm-size': 'Standard_NC6' }))
    expect(result.exitCode).toBe(1)
    const error = result.commands.find(c => c.command === 'error')?.value ?? ''
    expect(error).toMatch(/^Compute cpu-cluster ended Failed: QuotaExceeded: Operation could not be completed/)
    expect(error).toContain(
      `The compute cpu-cluster was left behind in state Failed: ${computePath('cpu-cluster')}. Delete it (operation: delete-compute)`
    )
    // Outputs known before the failure stay set.
    expect(result.outputs.resourceId).toBe(computePath('cpu-cluster'))
    expect(result.outputs.provisioningState).toBe('Failed')
    expect(result.summary).toContain('QuotaExceeded')
  })

  it('wait: false returns after the PUT with the current provisioningState', async () => {
    const result = await step(newCompute({ wait: 'false' }))
    expect(result.exitCode).toBe(0)
    expect(result.outputs.provisioningState).toBe('Creating')
    expect(result.outputs.resourceId).toBe(computePath('cpu-cluster'))
    expect(serviceRequests(emu).some(r => r.path.includes('/operationsStatus/'))).toBe(false)
  })

  it('dry-run prints the PUT as curl (password masked), sends no write and does not wait', async () => {
    const result = await step(newCompute({ 'dry-run': 'true' }))
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toMatch(/curl -X PUT/)
    expect(result.stdout).toMatch(/dry-run: the PUT was printed above, not sent/)
    expect(visibleLines(result.stdout).join('\n')).not.toContain(PASSWORD)
    expect(serviceRequests(emu).filter(r => r.method !== 'GET')).toHaveLength(0)
    expect(result.outputs.provisioningState).toBeUndefined()
  })

  it('times out saying the compute is still in progress, and names it', async () => {
    emu.config.delays.computeProvisionMs = 60_000
    const result = await step(newCompute({ 'timeout-minutes': '0.05' }))
    expect(result.exitCode).toBe(1)
    const error = result.commands.find(c => c.command === 'error')?.value ?? ''
    expect(error).toMatch(/Timed out waiting for compute cpu-cluster: it is still in progress/)
    expect(error).toContain(`was left half-made, still InProgress: ${computePath('cpu-cluster')}`)
    expect(result.durationMs).toBeLessThan(20_000)
  })

  it('bad inputs fail before any request, naming the input', async () => {
    for (const [inputs, pattern] of [
      [{ 'min-nodes': '3', 'max-nodes': '2' }, /Input 'min-nodes': must not be more than max-nodes \(2\), got 3/],
      [{ 'vm-priority': 'Spot' }, /Input 'vm-priority': expected one of Dedicated, LowPriority, got 'Spot'/],
      [{ 'compute-name': 'x' }, /Input 'compute-name'/],
      [{ 'admin-username': '' }, /Input 'admin-username': required with admin-password/]
    ] as const) {
      const result = await step(newCompute(inputs))
      expect(result.exitCode).toBe(1)
      expect(result.stdout).toMatch(pattern)
      expect(visibleLines(result.stdout).join('\n')).not.toContain(PASSWORD)
    }
    expect(emu.requests).toHaveLength(0)
  })
})

describe('delete-compute', () => {
  it('DELETEs with underlyingResourceAction=Delete and waits until it is gone', async () => {
    const result = await step({
      operation: 'delete-compute',
      ...workspaceInputs(emu),
      'compute-name': emu.seed.computeName
    })
    expect(result.exitCode).toBe(0)
    expect(result.outputs.provisioningState).toBe('Deleted')
    const del = serviceRequests(emu).find(r => r.method === 'DELETE')
    expect(del).toMatchObject({ path: computePath(emu.seed.computeName), status: 202 })
    expect(del?.query.underlyingResourceAction).toBe('Delete')
    expect(serviceRequests(emu).filter(r => r.path.includes('/operationsStatus/')).length).toBeGreaterThanOrEqual(1)
    expect(result.stdout).toMatch(/Waiting for the compute cpu-compute to be deleted: InProgress/)
    expect(result.summary).toContain('deleted')

    // The other seeded cluster (gpu-v100-1GPU-cluster) stays.
    const list = await step({ operation: 'list-computes', ...workspaceInputs(emu) })
    expect(list.outputs.count).toBe(String(emu.seed.clusters.length))
    const names = (JSON.parse(list.outputs.response) as { value: { name: string }[] }).value.map(c => c.name)
    expect(names).toEqual(['gpu-v100-1GPU-cluster'])
    const get = await step({
      operation: 'request',
      ...workspaceInputs(emu),
      path: `{WS}/computes/${emu.seed.computeName}`
    })
    expect(get.exitCode).toBe(1)
    expect(get.outputs.statusCode).toBe('404')
  })

  it('Detach sends underlyingResourceAction=Detach', async () => {
    const result = await step({
      operation: 'delete-compute',
      ...workspaceInputs(emu),
      'compute-name': emu.seed.computeName,
      'underlying-resource-action': 'detach'
    })
    expect(result.exitCode).toBe(0)
    expect(serviceRequests(emu).find(r => r.method === 'DELETE')?.query.underlyingResourceAction).toBe('Detach')
    expect(result.stdout).toMatch(/is detached/)
  })

  it('a compute that does not exist is already gone: success', async () => {
    const result = await step({ operation: 'delete-compute', ...workspaceInputs(emu), 'compute-name': 'no-such' })
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toMatch(/The compute no-such is already gone \(404\)/)
    expect(result.outputs.provisioningState).toBe('Deleted')
    expect(result.summary).toContain('already gone')
  })

  it('a bad underlying-resource-action fails before any request', async () => {
    const result = await step({
      operation: 'delete-compute',
      ...workspaceInputs(emu),
      'compute-name': emu.seed.computeName,
      'underlying-resource-action': 'Keep'
    })
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toMatch(/Input 'underlying-resource-action': expected one of Delete, Detach, got 'Keep'/)
    expect(emu.requests).toHaveLength(0)
  })
})
