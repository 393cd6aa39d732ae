/**
 * create-workspace and delete-workspace: the bundle (dist/index.js) under Node 24 against the emulator, whose workspace
 * PUT and DELETE answer 202 + Location + Retry-After like ARM.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import { connection, errorOf, serviceRequests, step, workspaceInputs } from './helpers.js'

let emu: Emulator
const DELAYS = { workspaceProvisionMs: 1500, workspaceDeleteMs: 1500, computeProvisionMs: 400, computeDeleteMs: 400 }
beforeAll(async () => {
  emu = await startEmulator({ quiet: true, config: { delays: DELAYS, retryAfterSeconds: 0 } })
})
afterAll(async () => {
  await emu?.close()
})
beforeEach(() => {
  emu.reset()
  Object.assign(emu.config.delays, DELAYS)
  emu.config.retryAfterSeconds = 0
})

const wsPath = (name: string, rg = emu.seed.resourceGroup) =>
  `/subscriptions/${emu.seed.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.MachineLearningServices/workspaces/${name}`

function newWorkspace(more: Record<string, string> = {}) {
  return {
    operation: 'create-workspace',
    ...connection(emu),
    'resource-group': emu.seed.resourceGroup,
    'workspace-name': 'ws-new',
    'friendly-name': 'New workspace',
    description: 'made by the e2e tests',
    // Names in the same resource group, and one full id.
    'storage-account': 'wsdemostorage01',
    'key-vault': 'wsdemo-kv01',
    'application-insights': 'wsdemo-ai01',
    'container-registry': emu.seed.containerRegistryId,
    ...more
  }
}

describe('create-workspace', () => {
  it('PUTs the workspace (202 + Location), polls the Location until Succeeded, and reports it', async () => {
    const result = await step(newWorkspace())
    expect(result.stderr).toBe('')
    expect(result.exitCode).toBe(0)
    expect(result.outputs.provisioningState).toBe('Succeeded')
    expect(result.outputs.resourceId).toBe(wsPath('ws-new'))
    expect(JSON.parse(result.outputs.response)).toMatchObject({
      name: 'ws-new',
      location: 'centralus',
      properties: { provisioningState: 'Succeeded', friendlyName: 'New workspace' }
    })

    const put = serviceRequests(emu).find(r => r.method === 'PUT')
    expect(put).toMatchObject({ path: wsPath('ws-new'), status: 202, operationId: 'Workspaces_CreateOrUpdate' })
    expect(JSON.parse(put!.body)).toEqual({
      // No location input: the resource group's.
      location: 'centralus',
      properties: {
        friendlyName: 'New workspace',
        description: 'made by the e2e tests',
        storageAccount: emu.seed.storageAccountId,
        keyVault: emu.seed.keyVaultId,
        applicationInsights: emu.seed.applicationInsightsId,
        containerRegistry: emu.seed.containerRegistryId
      },
      identity: { type: 'SystemAssigned' }
    })
    const polls = serviceRequests(emu).filter(r => r.path.includes('/operationResults/'))
    expect(polls.map(p => p.status)).toEqual([...polls.slice(0, -1).map(() => 202), 200])
    expect(polls.length).toBeGreaterThanOrEqual(2)
    expect(result.stdout).toMatch(/Waiting for the workspace ws-new: InProgress \([\d.]+ s elapsed\)/)
    expect(result.summary).toContain('ws-new')
    expect(result.summary).toContain('Succeeded')
    expect(result.summary).toContain('https://ml.azure.com/?wsid=')

    const get = await step({ operation: 'get-workspace', ...workspaceInputs(emu), 'workspace-name': 'ws-new' })
    expect(get.exitCode).toBe(0)
  })

  it("honours the PUT's Retry-After before the first poll", async () => {
    emu.config.retryAfterSeconds = 2
    const result = await step(newWorkspace({ location: 'centralus' }))
    expect(result.exitCode).toBe(0)
    const put = serviceRequests(emu).find(r => r.method === 'PUT')!
    const firstPoll = serviceRequests(emu).find(r => r.path.includes('/operationResults/'))!
    expect(firstPoll.time - put.time).toBeGreaterThanOrEqual(2000)
    // An explicit location: no resource-group GET.
    expect(serviceRequests(emu).some(r => r.path.endsWith(`/resourceGroups/${emu.seed.resourceGroup}`))).toBe(false)
  })

  it('takes the whole body from definition', async () => {
    const definition = {
      location: 'centralus',
      properties: {
        storageAccount: emu.seed.storageAccountId,
        keyVault: emu.seed.keyVaultId,
        applicationInsights: emu.seed.applicationInsightsId
      },
      identity: { type: 'systemAssigned' }
    }
    const result = await step({
      operation: 'create-workspace',
      ...connection(emu),
      'resource-group': emu.seed.resourceGroup,
      'workspace-name': 'ws-defined',
      definition: JSON.stringify(definition)
    })
    expect(result.exitCode).toBe(0)
    expect(JSON.parse(serviceRequests(emu).find(r => r.method === 'PUT')!.body)).toEqual(definition)
  })

  it('a missing dependent resource: one line naming it, with a hint; nothing created', async () => {
    const result = await step(newWorkspace({ 'storage-account': 'nosuchstorage' }))
    expect(result.exitCode).toBe(1)
    const error = errorOf(result)
    expect(error).toMatch(
      /^A dependent resource is missing: the storage account nosuchstorage \(input storage-account\)\./
    )
    expect(error).toMatch(/400 Bad Request: ValidationError: The storage account 'nosuchstorage'/)
    expect(error).toMatch(/Hint: create it first, or set storage-account to the ARM id/)
    expect(error).not.toMatch(/\n/)
    expect(result.outputs.resourceId).toBeUndefined()
  })

  it('a container registry without admin user: explained, with the command that enables it', async () => {
    const result = await step(newWorkspace({ 'container-registry': emu.seed.containerRegistryNoAdminId }))
    expect(result.exitCode).toBe(1)
    const error = errorOf(result)
    expect(error).toMatch(/^The container registry wsdemonoadmin01 does not have its admin user enabled/)
    expect(error).toMatch(/Hint: enable it \(az acr update --name wsdemonoadmin01 --admin-enabled true\)/)
  })

  it('a name taken by a workspace in another resource group: explained', async () => {
    const result = await step(
      newWorkspace({
        'resource-group': emu.seed.otherResourceGroup,
        'workspace-name': emu.seed.workspaceName,
        'storage-account': emu.seed.storageAccountId,
        'key-vault': emu.seed.keyVaultId,
        'application-insights': emu.seed.applicationInsightsId
      })
    )
    expect(result.exitCode).toBe(1)
    expect(errorOf(result)).toMatch(/^The workspace name ws-demo is taken\. .*409 Conflict.*Hint: choose another/)
  })

  it('a resource group that does not exist: explained, with the command that creates it', async () => {
    const result = await step(
      newWorkspace({ 'resource-group': 'rg-missing', 'storage-account': emu.seed.storageAccountId })
    )
    expect(result.exitCode).toBe(1)
    expect(errorOf(result)).toMatch(
      /^The resource group rg-missing does not exist\. .*ResourceGroupNotFound.*Hint: create it first \(az group create --name rg-missing/
    )
  })

  it('a provisioning that fails: the error from the Location, and the workspace left behind named', async () => {
    emu.faults.add({ kind: 'provision-fail', match: { method: 'PUT', path: '/workspaces/ws-new$' } })
    const result = await step(newWorkspace())
    expect(result.exitCode).toBe(1)
    const error = errorOf(result)
    expect(error).toMatch(/^Workspace ws-new failed: .*QuotaExceeded/)
    expect(error).toContain(`The workspace ws-new was left behind in state Failed: ${wsPath('ws-new')}`)
    expect(error).toContain('operation: delete-workspace')
    expect(result.outputs.resourceId).toBe(wsPath('ws-new'))
    expect(result.outputs.provisioningState).toBe('Failed')
  })

  it('times out saying the workspace is still in progress, and names it', async () => {
    emu.config.delays.workspaceProvisionMs = 60_000
    const result = await step(newWorkspace({ 'timeout-minutes': '0.05' }))
    expect(result.exitCode).toBe(1)
    const error = errorOf(result)
    expect(error).toMatch(/Timed out waiting for workspace ws-new: it is still in progress/)
    expect(error).toContain(`was left half-made, still InProgress: ${wsPath('ws-new')}`)
    expect(result.durationMs).toBeLessThan(20_000)
  })

  it('dry-run: the PUT printed, not sent', async () => {
    const result = await step(newWorkspace({ 'dry-run': 'true' }))
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toMatch(/curl -X PUT/)
    expect(serviceRequests(emu).filter(r => r.method !== 'GET')).toHaveLength(0)
  })

  it('bad dependent inputs fail before any request, naming the input', async () => {
    for (const [inputs, pattern] of [
      [
        { 'storage-account': emu.seed.keyVaultId },
        /Input 'storage-account': expected the id of a Microsoft.Storage\/storageAccounts resource/
      ],
      [{ 'key-vault': '' }, /Input 'key-vault': required by create-workspace/],
      [{ 'container-registry': 'bad_name!' }, /Input 'container-registry': expected the ARM id of a container registry/]
    ] as const) {
      const result = await step(newWorkspace(inputs))
      expect(result.exitCode).toBe(1)
      expect(result.stdout).toMatch(pattern)
    }
    expect(emu.requests).toHaveLength(0)
  })
})

describe('delete-workspace', () => {
  it('DELETEs (202 + Location), polls until gone; then GET is 404', async () => {
    const result = await step({ operation: 'delete-workspace', ...workspaceInputs(emu) })
    expect(result.exitCode).toBe(0)
    expect(result.outputs.provisioningState).toBe('Deleted')
    const del = serviceRequests(emu).find(r => r.method === 'DELETE')
    expect(del).toMatchObject({ path: wsPath(emu.seed.workspaceName), status: 202 })
    const polls = serviceRequests(emu).filter(r => r.path.includes('/operationResults/'))
    expect(polls.at(-1)?.status).toBe(204)
    expect(result.stdout).toMatch(/Waiting for the workspace ws-demo to be deleted: InProgress/)
    expect(result.summary).toContain('deleted')

    const get = await step({ operation: 'get-workspace', ...workspaceInputs(emu) })
    expect(get.exitCode).toBe(1)
    expect(errorOf(get)).toMatch(/404/)
  })

  it('a workspace that does not exist is already gone: success, no DELETE sent', async () => {
    const result = await step({ operation: 'delete-workspace', ...workspaceInputs(emu), 'workspace-name': 'ws-gone' })
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toMatch(/The workspace ws-gone is already gone \(404 ResourceNotFound\)/)
    expect(result.outputs.provisioningState).toBe('Deleted')
    expect(serviceRequests(emu).some(r => r.method === 'DELETE')).toBe(false)
  })
})
