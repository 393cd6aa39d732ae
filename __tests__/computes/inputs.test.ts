/** Inputs of create-compute, delete-compute, create-workspace and delete-workspace: parsed through parseInputs(). */
import { afterAll, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as core from '../../__fixtures__/core.js'

jest.unstable_mockModule('@actions/core', () => core)
const { parseInputs } = await import('../../src/action/dispatch.js')
const { isoDuration, parseIsoDuration } = await import('../../src/arm/duration.js')
const { dependentId, WORKSPACE_DEPENDENTS } = await import('../../src/workspaces/inputs.js')
const { computeDifferences } = await import('../../src/computes/create-compute.js')
const { explainWorkspaceFailure } = await import('../../src/workspaces/create-workspace.js')
const { InputError } = await import('../../src/base/errors.js')

const SUB = '5c7e2a14-3b9d-4f6e-a1c8-9d2e4b6f8a01'
const CREDS = JSON.stringify({
  clientId: '8d3f1a2b-6c4e-4b7a-9e5d-2f1c3b4a5d6e',
  clientSecret: 'not-a-real-secret',
  tenantId: '6f1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d',
  subscriptionId: SUB
})
const WS = { subscriptionId: SUB, resourceGroup: 'rg-ml', workspaceName: 'ws-demo' }
const dir = mkdtempSync(join(tmpdir(), 'inputs-compute-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

beforeEach(() => core.resetCoreFixture())

function parse(operation: string, inputs: Record<string, string>) {
  core.setInputs({ operation, creds: CREDS, 'resource-group': 'rg-ml', 'workspace-name': 'ws-demo', ...inputs })
  return parseInputs()
}

/** The InputError thrown, checked to name the input. */
function failure(operation: string, inputs: Record<string, string>, input: string): string {
  try {
    parse(operation, inputs)
  } catch (error) {
    expect(error).toBeInstanceOf(InputError)
    expect((error as InstanceType<typeof InputError>).input).toBe(input)
    return (error as Error).message
  }
  throw new Error('expected an InputError')
}

describe('isoDuration', () => {
  it.each([
    [1800, 'PT30M'],
    [90, 'PT1M30S'],
    [0, 'PT0S'],
    [59, 'PT59S'],
    [120, 'PT2M'],
    [3600, 'PT1H'],
    [3661, 'PT1H1M1S'],
    [86_400, 'P1D'],
    [90_000, 'P1DT1H'],
    [86_401, 'P1DT1S']
  ])('%i s → %s, and back', (seconds, text) => {
    expect(isoDuration(seconds)).toBe(text)
    expect(parseIsoDuration(text)).toBe(seconds)
  })

  it('refuses what is not whole seconds', () => {
    expect(() => isoDuration(1.5)).toThrow(RangeError)
    expect(() => isoDuration(-1)).toThrow(RangeError)
  })

  it('parses other spellings and rejects non-durations', () => {
    expect(parseIsoDuration('PT1800S')).toBe(1800)
    expect(parseIsoDuration('pt2m')).toBe(120)
    expect(parseIsoDuration('PT0.5S')).toBe(0.5)
    for (const bad of ['P', 'PT', '30M', 'PT-1S', '1800', '']) expect(parseIsoDuration(bad)).toBeUndefined()
  })
})

describe('create-compute', () => {
  it('builds the AmlCompute body with the defaults of action.yml', () => {
    const op = parse('create-compute', { 'compute-name': 'cpu-cluster' })
    expect(op).toMatchObject({
      kind: 'create-compute',
      workspace: WS,
      computeName: 'cpu-cluster',
      location: undefined,
      fromDefinition: false,
      secrets: []
    })
    if (op.kind !== 'create-compute') throw new Error(op.kind)
    expect(op.body).toEqual({
      properties: {
        computeType: 'AmlCompute',
        properties: {
          vmSize: 'Standard_DS3_v2',
          vmPriority: 'Dedicated',
          scaleSettings: { maxNodeCount: 1, minNodeCount: 0, nodeIdleTimeBeforeScaleDown: 'PT30M' }
        }
      }
    })
  })

  it('takes every input: priority case-insensitively, idle seconds as ISO 8601, credentials inside properties', () => {
    const op = parse('create-compute', {
      'compute-name': 'gpu-1',
      location: 'westeurope',
      'vm-size': 'Standard_NC6',
      'vm-priority': 'lowpriority',
      'min-nodes': '1',
      'max-nodes': '4',
      'idle-seconds-before-scale-down': '90',
      'admin-username': 'azureuser',
      'admin-password': ' P@ss w0rd '
    })
    if (op.kind !== 'create-compute') throw new Error(op.kind)
    expect(op.location).toBe('westeurope')
    expect(op.secrets).toEqual(['P@ss w0rd'])
    expect(op.body).toEqual({
      properties: {
        computeType: 'AmlCompute',
        properties: {
          vmSize: 'Standard_NC6',
          vmPriority: 'LowPriority',
          scaleSettings: { maxNodeCount: 4, minNodeCount: 1, nodeIdleTimeBeforeScaleDown: 'PT1M30S' },
          userAccountCredentials: { adminUserName: 'azureuser', adminUserPassword: 'P@ss w0rd' }
        }
      }
    })
    expect(core.setSecret).toHaveBeenCalledWith('P@ss w0rd')
  })

  it('masks the password before an error in another input can stop the parse', () => {
    failure(
      'create-compute',
      { 'compute-name': 'cpu-cluster', 'admin-password': 'Secret-1', 'vm-priority': 'x' },
      'vm-priority'
    )
    expect(core.setSecret).toHaveBeenCalledWith('Secret-1')
  })

  it('min-nodes above max-nodes fails naming min-nodes and both values', () => {
    const message = failure('create-compute', { 'compute-name': 'c1', 'min-nodes': '3', 'max-nodes': '2' }, 'min-nodes')
    expect(message).toBe("Input 'min-nodes': must not be more than max-nodes (2), got 3.")
    // Equal is fine.
    expect(parse('create-compute', { 'compute-name': 'c1', 'min-nodes': '2', 'max-nodes': '2' }).kind).toBe(
      'create-compute'
    )
  })

  it.each([
    ['vm-priority', 'Spot', /expected one of Dedicated, LowPriority, got 'Spot'/],
    ['min-nodes', '-1', /whole number from 0 to 10000/],
    ['max-nodes', '0', /whole number from 1 to 10000/],
    ['max-nodes', '1.5', /whole number/],
    ['idle-seconds-before-scale-down', '30m', /whole number from 0 to 2592000, got '30m'/],
    ['idle-seconds-before-scale-down', '-5', /whole number/],
    ['vm-size', 'Standard D1', /a VM size such as Standard_DS3_v2/],
    ['location', 'central/us', /an Azure region name/],
    ['admin-username', 'bad user', /a user name/],
    ['compute-name', 'a-much-too-long-compute-name', /2-24 letters/],
    ['compute-name', '1cpu', /starting with a letter/],
    ['compute-name', 'cpu-', /ending with a letter or digit/]
  ])('a bad %s (%s) fails naming it', (input, value, pattern) => {
    expect(failure('create-compute', { 'compute-name': 'cpu-cluster', [input]: value }, input)).toMatch(pattern)
  })

  it.each(['cpu-cluster', 'gpu-v100-1GPU-cluster', 'a1', 'Standard-NC24ads-A100-v4'])(
    'takes the compute names Azure takes (%s)',
    name => {
      expect(parse('create-compute', { 'compute-name': name })).toMatchObject({ computeName: name })
      expect(parse('delete-compute', { 'compute-name': name })).toMatchObject({ computeName: name })
    }
  )

  it('compute-name is required', () => {
    expect(failure('create-compute', {}, 'compute-name')).toMatch(/required/)
  })

  it('admin-password needs admin-username', () => {
    expect(failure('create-compute', { 'compute-name': 'c1', 'admin-password': 'x1' }, 'admin-username')).toMatch(
      /required with admin-password/
    )
  })

  it('definition: inline JSON or a file, the whole body; its password masked', () => {
    const definition = {
      location: 'centralus',
      properties: {
        computeType: 'AmlCompute',
        properties: {
          vmSize: 'Standard_D1',
          scaleSettings: { maxNodeCount: 1 },
          userAccountCredentials: { adminUserName: 'u', adminUserPassword: 'Def-Secret-9' }
        }
      }
    }
    const inline = parse('create-compute', { 'compute-name': 'c1', definition: JSON.stringify(definition) })
    expect(inline).toMatchObject({ body: definition, fromDefinition: true, secrets: ['Def-Secret-9'] })
    expect(core.setSecret).toHaveBeenCalledWith('Def-Secret-9')
    const file = join(dir, 'compute.json')
    writeFileSync(file, JSON.stringify(definition))
    expect(parse('create-compute', { 'compute-name': 'c1', definition: file })).toMatchObject({ body: definition })
  })

  it.each([
    ['{"properties": ', /not valid JSON/],
    ['{"location": "centralus"}', /properties.computeType/],
    ['/no/such/file.json', /cannot read file '\/no\/such\/file.json' \(ENOENT\)/]
  ])('a bad definition (%s) fails naming definition', (value, pattern) => {
    expect(failure('create-compute', { 'compute-name': 'c1', definition: value }, 'definition')).toMatch(pattern)
  })

  it('definition with admin-username or admin-password is refused', () => {
    const definition = JSON.stringify({ properties: { computeType: 'AmlCompute' } })
    expect(
      failure('create-compute', { 'compute-name': 'c1', definition, 'admin-username': 'u' }, 'definition')
    ).toMatch(/either definition or admin-username/)
  })
})

describe('delete-compute', () => {
  it('underlying-resource-action: Delete by default, Detach case-insensitively', () => {
    expect(parse('delete-compute', { 'compute-name': 'cpu-cluster' })).toMatchObject({
      kind: 'delete-compute',
      computeName: 'cpu-cluster',
      underlyingResourceAction: 'Delete'
    })
    expect(
      parse('delete-compute', { 'compute-name': 'cpu-cluster', 'underlying-resource-action': 'DETACH' })
    ).toMatchObject({ underlyingResourceAction: 'Detach' })
    expect(
      failure(
        'delete-compute',
        { 'compute-name': 'c1', 'underlying-resource-action': 'Remove' },
        'underlying-resource-action'
      )
    ).toMatch(/expected one of Delete, Detach/)
  })

  it('accepts compute instance names (up to 24 characters)', () => {
    expect(parse('delete-compute', { 'compute-name': 'my-compute-instance-0001' })).toMatchObject({
      computeName: 'my-compute-instance-0001'
    })
  })
})

describe('create-workspace', () => {
  const ids = {
    'storage-account': `/subscriptions/${SUB}/resourceGroups/rg-x/providers/Microsoft.Storage/storageAccounts/st1x`,
    'key-vault': `/subscriptions/${SUB}/resourceGroups/rg-x/providers/Microsoft.KeyVault/vaults/kv-1`,
    'application-insights': `/subscriptions/${SUB}/resourceGroups/rg-x/providers/Microsoft.Insights/components/ai-1`
  }

  it('turns names into ids of the right type in the same resource group; keeps ids as given', () => {
    const op = parse('create-workspace', {
      'storage-account': 'mystorage01',
      'key-vault': 'my-kv',
      'application-insights': 'my-ai',
      'container-registry': 'myacr01',
      'friendly-name': 'My workspace',
      description: 'for tests'
    })
    const rg = `/subscriptions/${SUB}/resourceGroups/rg-ml/providers`
    expect(op).toMatchObject({
      kind: 'create-workspace',
      workspace: WS,
      location: undefined,
      fromDefinition: false,
      body: {
        properties: {
          friendlyName: 'My workspace',
          description: 'for tests',
          storageAccount: `${rg}/Microsoft.Storage/storageAccounts/mystorage01`,
          keyVault: `${rg}/Microsoft.KeyVault/vaults/my-kv`,
          applicationInsights: `${rg}/Microsoft.Insights/components/my-ai`,
          containerRegistry: `${rg}/Microsoft.ContainerRegistry/registries/myacr01`
        },
        identity: { type: 'SystemAssigned' }
      }
    })
    const withIds = parse('create-workspace', { ...ids, location: 'eastus' })
    expect(withIds).toMatchObject({
      location: 'eastus',
      body: { properties: { storageAccount: ids['storage-account'], keyVault: ids['key-vault'] } }
    })
    if (withIds.kind !== 'create-workspace') throw new Error(withIds.kind)
    expect(withIds.body.properties).not.toHaveProperty('containerRegistry')
  })

  it('an id of another resource type fails naming the input', () => {
    expect(failure('create-workspace', { ...ids, 'key-vault': ids['storage-account'] }, 'key-vault')).toMatch(
      /expected the id of a Microsoft.KeyVault\/vaults resource, got the id of a Microsoft.Storage\/storageAccounts/
    )
  })

  it.each([
    ['storage-account', 'My_Storage', /3-24 lower-case letters and digits/],
    ['key-vault', '1kv', /starting with a letter/],
    ['container-registry', 'acr', /5-50 letters and digits/],
    ['storage-account', '/subscriptions/x/storage', /expected the ARM id of a storage account/]
  ])('a bad %s (%s) fails naming it', (input, value, pattern) => {
    expect(failure('create-workspace', { ...ids, [input]: value }, input)).toMatch(pattern)
  })

  it.each(['storage-account', 'key-vault', 'application-insights'])('%s is required without definition', input => {
    expect(failure('create-workspace', { ...ids, [input]: '' }, input)).toMatch(/required by create-workspace/)
  })

  it('definition replaces the single inputs', () => {
    const definition = { location: 'centralus', properties: { storageAccount: ids['storage-account'] } }
    expect(parse('create-workspace', { definition: JSON.stringify(definition) })).toMatchObject({
      body: definition,
      fromDefinition: true
    })
    expect(failure('create-workspace', { definition: '[1]' }, 'definition')).toMatch(/expected a JSON object/)
  })

  it('dependentId works for each dependent type', () => {
    for (const d of WORKSPACE_DEPENDENTS) {
      expect(dependentId(d, 'abcde1', WS)).toBe(`/subscriptions/${SUB}/resourceGroups/rg-ml/providers/${d.type}/abcde1`)
    }
  })
})

describe('delete-workspace', () => {
  it('needs only the workspace', () => {
    expect(parse('delete-workspace', {})).toMatchObject({ kind: 'delete-workspace', workspace: WS })
    expect(failure('delete-workspace', { 'workspace-name': '' }, 'workspace-name')).toMatch(/required/)
  })
})

describe('computeDifferences', () => {
  const existing = {
    location: 'centralus',
    properties: {
      computeType: 'AmlCompute',
      properties: {
        vmSize: 'STANDARD_D1',
        vmPriority: 'Dedicated',
        scaleSettings: { maxNodeCount: 1, minNodeCount: 0, nodeIdleTimeBeforeScaleDown: 'PT1800S' }
      }
    }
  }
  it('the same settings in other spellings are no difference', () => {
    const requested = {
      location: 'Central US',
      properties: {
        computeType: 'amlcompute',
        properties: {
          vmSize: 'Standard_D1',
          vmPriority: 'dedicated',
          scaleSettings: { maxNodeCount: 1, minNodeCount: 0, nodeIdleTimeBeforeScaleDown: 'PT30M' }
        }
      }
    }
    expect(computeDifferences(requested, existing)).toEqual([])
  })

  it('names each difference with the current and the requested value', () => {
    const requested = {
      location: 'centralus',
      properties: {
        computeType: 'AmlCompute',
        properties: {
          vmSize: 'Standard_NC6',
          vmPriority: 'LowPriority',
          scaleSettings: { maxNodeCount: 4, minNodeCount: 0, nodeIdleTimeBeforeScaleDown: 'PT2M' }
        }
      }
    }
    expect(computeDifferences(requested, existing)).toEqual([
      "vmSize is 'STANDARD_D1', requested 'Standard_NC6'",
      "vmPriority is 'Dedicated', requested 'LowPriority'",
      "maxNodeCount is '1', requested '4'",
      "nodeIdleTimeBeforeScaleDown is 'PT1800S', requested 'PT2M'"
    ])
  })
})

describe('explainWorkspaceFailure', () => {
  const body = {
    properties: {
      storageAccount: `/subscriptions/${SUB}/resourceGroups/rg-ml/providers/Microsoft.Storage/storageAccounts/st1`,
      containerRegistry: `/subscriptions/${SUB}/resourceGroups/rg-ml/providers/Microsoft.ContainerRegistry/registries/acr1`
    }
  }
  const op = { workspace: WS }
  it('Azure-worded failures get their hint', () => {
    expect(
      explainWorkspaceFailure(
        "PUT … failed: 404 Not Found: ResourceNotFound: Resource 'st1' could not be found",
        op,
        body
      )
    ).toMatch(/^A dependent resource is missing: the storage account st1 \(input storage-account\)\..*Hint: create it/)
    expect(
      explainWorkspaceFailure('failed: 400: BadRequest: Container registry acr1 admin user is not enabled', op, body)
    ).toMatch(/^The container registry acr1 does not have its admin user enabled.*az acr update --name acr1/)
    expect(explainWorkspaceFailure('failed: 409 Conflict: AlreadyExists: the name ws-demo', op, body)).toMatch(
      /^The workspace name ws-demo is taken\./
    )
  })
  it('anything else is the message as it is', () => {
    expect(explainWorkspaceFailure('failed: 500: boom', op, body)).toBe('failed: 500: boom')
  })
})
