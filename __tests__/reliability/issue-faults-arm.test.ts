/**
 * Issue 13, kinds 3, 4, 5, 6 and 8: each example of the issue and its siblings, run through the bundle
 * (dist/index.js under Node 24, the way the runner runs it) against the emulator's fault rules or, for service
 * behaviour the emulator does not have, a scripted stand-in Azure on 127.0.0.1.
 */
import { describe, expect, it } from '@jest/globals'
import { step, workspaceInputs } from '../e2e/helpers.js'
import { adminRuns, adminState, HELLO, withEmulator } from './support.js'
import { startStandIn, standInInputs, WS, type StandIn, type StandInRoute } from './arm-stand-in.js'

async function withStandIn<T>(routes: StandInRoute[], body: (standIn: StandIn) => Promise<T>): Promise<T> {
  const standIn = await startStandIn(routes)
  try {
    return await body(standIn)
  } finally {
    await standIn.close()
  }
}

const errorLine = (result: { commands: { command: string; value: string }[] }) =>
  result.commands.filter(c => c.command === 'error').map(c => c.value)

const COMPUTE = `${WS}/computes/cpu-cluster`
const RG = WS.replace(/\/providers\/.*$/, '')
const computeInputs = (standIn: StandIn, more: Record<string, string> = {}) => ({
  operation: 'create-compute',
  ...standInInputs(standIn),
  'compute-name': 'cpu-cluster',
  'vm-size': 'Standard_D1',
  'max-nodes': '2',
  location: 'centralus',
  'timeout-minutes': '1',
  ...more
})
const computeBody = (state: string, more: Record<string, unknown> = {}) => ({
  id: COMPUTE,
  name: 'cpu-cluster',
  location: 'centralus',
  properties: {
    computeType: 'AmlCompute',
    provisioningState: state,
    properties: { vmSize: 'STANDARD_D1', vmPriority: 'Dedicated', scaleSettings: { maxNodeCount: 2, minNodeCount: 0 } },
    ...more
  }
})

// ---------------------------------------------------------------------------------------------------------------------
describe('kind 3: a create after an unclear failure looks the resource up before creating again', () => {
  it.concurrent(
    'start-run: startrun processed, then the connection drops: the run is looked up and followed, one POST',
    async () => {
      await withEmulator(async emu => {
        emu.faults.add({ match: { operationId: 'Runs_StartRun' }, kind: 'reset-after-body', times: 1 })
        const result = await step({
          operation: 'start-run',
          ...workspaceInputs(emu),
          'experiment-name': 'lost-answer',
          'compute-target': emu.seed.computeName,
          'source-directory': HELLO,
          script: 'hello.py',
          'run-id': 'lost-answer-1'
        })
        expect(errorLine(result)).toEqual([])
        expect(result.exitCode).toBe(0)
        expect(result.outputs).toMatchObject({ runId: 'lost-answer-1', status: 'Completed' })
        const dataPlane = emu.requests.filter(r => r.server === 'api' && /startrun|\/runs\/lost-answer-1$/.test(r.path))
        const posts = dataPlane.filter(r => r.method === 'POST')
        expect(posts).toHaveLength(1)
        // The request right after the lost answer is the look-up, not a second POST.
        expect(dataPlane[1]).toMatchObject({ method: 'GET' })
        expect(result.stdout).toMatch(/looking it up by its id before creating it again/)
        expect((await adminRuns(emu)).filter(r => r.runId === 'lost-answer-1')).toHaveLength(1)
      })
    }
  )

  it.concurrent(
    'create-compute: the PUT is processed but never answered: one PUT, the compute is followed to Succeeded',
    async () => {
      await withEmulator(async emu => {
        emu.faults.add({ match: { method: 'PUT', path: '/computes/' }, kind: 'reset-after-body', times: 1 })
        const result = await step({
          operation: 'create-compute',
          ...workspaceInputs(emu),
          'compute-name': 'lost-put',
          'vm-size': 'Standard_D1',
          'max-nodes': '1'
        })
        expect(errorLine(result)).toEqual([])
        expect(result.exitCode).toBe(0)
        expect(result.outputs.provisioningState).toBe('Succeeded')
        expect(emu.requests.filter(r => r.method === 'PUT')).toHaveLength(1)
        expect((await adminState(emu)).computes.filter(c => c.name === 'lost-put')).toEqual([
          { name: 'lost-put', provisioningState: 'Succeeded' }
        ])
      })
    }
  )

  it.concurrent(
    'create-workspace: the PUT is processed but never answered: one PUT, the workspace is followed',
    async () => {
      await withEmulator(async emu => {
        emu.faults.add({ match: { method: 'PUT', path: '/workspaces/ws-lost$' }, kind: 'reset-after-body', times: 1 })
        const result = await step({
          operation: 'create-workspace',
          creds: workspaceInputs(emu).creds,
          'arm-endpoint': emu.url,
          'authority-host': emu.url,
          'resource-group': emu.seed.resourceGroup,
          'workspace-name': 'ws-lost',
          'storage-account': emu.seed.storageAccountId,
          'key-vault': emu.seed.keyVaultId,
          'application-insights': emu.seed.applicationInsightsId
        })
        expect(errorLine(result)).toEqual([])
        expect(result.exitCode).toBe(0)
        expect(result.outputs.provisioningState).toBe('Succeeded')
        expect(emu.requests.filter(r => r.method === 'PUT')).toHaveLength(1)
      })
    }
  )

  it.concurrent('start-run: a 500 before anything was done: looked up (not there), then started once', async () => {
    await withEmulator(async emu => {
      emu.faults.add({ match: { operationId: 'Runs_StartRun' }, kind: 'status', status: 500, times: 1 })
      const result = await step({
        operation: 'start-run',
        ...workspaceInputs(emu),
        'experiment-name': 'five-hundred',
        'compute-target': emu.seed.computeName,
        'source-directory': HELLO,
        script: 'hello.py',
        'run-id': 'five-hundred-1'
      })
      expect(result.exitCode).toBe(0)
      const calls = emu.requests
        .filter(r => r.server === 'api' && /startrun|\/runs\/five-hundred-1$/.test(r.path))
        .map(r => `${r.method} ${r.status}`)
      expect(calls.slice(0, 3)).toEqual(['POST 500', 'GET 404', 'POST 200'])
    })
  })
})

// ---------------------------------------------------------------------------------------------------------------------
describe('kind 4: a long-running operation that moves is polled at the latest URL', () => {
  it.concurrent('create-compute: PUT 202 Location op1; op1 202 Location op2; op2 200 Succeeded', async () => {
    const routes = (url: () => string): StandInRoute[] => [
      {
        method: 'GET',
        path: /\/computes\/cpu-cluster$/,
        replies: [{ status: 404, body: { error: { code: 'NotFound' } } }]
      },
      {
        method: 'PUT',
        path: /\/computes\/cpu-cluster$/,
        replies: () => ({ status: 202, headers: { location: `${url()}/operationResults/op1`, 'retry-after': '0' } })
      },
      {
        method: 'GET',
        path: /\/operationResults\/op1$/,
        replies: () => ({ status: 202, headers: { location: `${url()}/operationResults/op2`, 'retry-after': '0' } })
      },
      { method: 'GET', path: /\/operationResults\/op2$/, replies: [{ status: 200, body: computeBody('Succeeded') }] }
    ]
    let base = ''
    await withStandIn(
      routes(() => base),
      async standIn => {
        base = standIn.url
        const result = await step(computeInputs(standIn))
        expect(errorLine(result)).toEqual([])
        expect(result.exitCode).toBe(0)
        expect(result.outputs.provisioningState).toBe('Succeeded')
        expect(standIn.calls().filter(c => c.includes('operationResults'))).toEqual([
          'GET /operationResults/op1',
          'GET /operationResults/op2'
        ])
      }
    )
  })

  it.concurrent('delete-workspace: DELETE 202 Location op1; op1 moves to op2; op2 204: Deleted', async () => {
    let base = ''
    const routes: StandInRoute[] = [
      {
        method: 'GET',
        path: /\/workspaces\/ws-demo$/,
        replies: [{ body: { id: WS, properties: { provisioningState: 'Succeeded' } } }]
      },
      {
        method: 'DELETE',
        path: /\/workspaces\/ws-demo$/,
        replies: () => ({ status: 202, headers: { location: `${base}/operationResults/d1`, 'retry-after': '0' } })
      },
      {
        method: 'GET',
        path: /\/operationResults\/d1$/,
        replies: () => ({ status: 202, headers: { location: `${base}/operationResults/d2`, 'retry-after': '0' } })
      },
      { method: 'GET', path: /\/operationResults\/d2$/, replies: [{ status: 204 }] }
    ]
    await withStandIn(routes, async standIn => {
      base = standIn.url
      const result = await step({ operation: 'delete-workspace', ...standInInputs(standIn), 'timeout-minutes': '1' })
      expect(errorLine(result)).toEqual([])
      expect(result.outputs.provisioningState).toBe('Deleted')
      expect(standIn.calls().filter(c => c.includes('operationResults'))).toEqual([
        'GET /operationResults/d1',
        'GET /operationResults/d2'
      ])
    })
  })
})

// ---------------------------------------------------------------------------------------------------------------------
describe('kind 5: every error, readable', () => {
  const long = `The value 'STANDARD_Q9' of vmSize is invalid. ${'Allowed sizes are listed in the documentation. '.repeat(65)}`

  it.concurrent(
    'create-compute Failed with two provisioningErrors: both codes, messages and details, each cut; whole body in response',
    async () => {
      let base = ''
      const failed = computeBody('Failed', {
        provisioningErrors: [
          {
            error: {
              code: 'InvalidPropertyValue',
              message: long,
              details: [{ code: 'VmSizeNotSupported', message: 'STANDARD_Q9 is not offered in centralus.' }]
            }
          },
          {
            error: {
              code: 'QuotaExceeded',
              message: 'Operation results in exceeding approved standardDv2Family Cores quota.'
            }
          }
        ]
      })
      const routes: StandInRoute[] = [
        {
          method: 'GET',
          path: /\/computes\/cpu-cluster$/,
          replies: [{ status: 404, body: { error: { code: 'NotFound' } } }, { body: failed }]
        },
        {
          method: 'PUT',
          path: /\/computes\/cpu-cluster$/,
          replies: () => ({
            status: 201,
            headers: { 'azure-asyncoperation': `${base}/operationsStatus/s1`, 'retry-after': '0' },
            body: computeBody('Creating')
          })
        },
        {
          method: 'GET',
          path: /\/operationsStatus\/s1$/,
          // The operation's status carries the first error only, as the service's does.
          replies: [{ body: { status: 'Failed', error: { code: 'InvalidPropertyValue', message: long } } }]
        }
      ]
      await withStandIn(routes, async standIn => {
        base = standIn.url
        const result = await step(computeInputs(standIn))
        expect(result.exitCode).toBe(1)
        const [line] = errorLine(result)
        expect(errorLine(result)).toHaveLength(1)
        expect(line).toContain('InvalidPropertyValue: The value')
        expect(line).toContain('more characters]')
        expect(line).toContain('QuotaExceeded: Operation results in exceeding approved standardDv2Family Cores quota.')
        expect(line).toContain('VmSizeNotSupported: STANDARD_Q9 is not offered in centralus.')
        expect(line.length).toBeLessThan(1500)
        expect(result.outputs.provisioningState).toBe('Failed')
        expect(result.outputs.resourceId).toBe(COMPUTE)
        expect(JSON.parse(result.outputs.response).properties.provisioningErrors[0].error.message).toBe(long)
      })
    }
  )

  it.concurrent(
    'create-workspace refused 400 with four details: every detail listed; the whole body in response',
    async () => {
      const details = ['StorageAccount', 'KeyVault', 'AppInsights', 'ContainerRegistry'].map(what => ({
        code: 'LinkedInvalidPropertyId',
        message: `Property id '${what}' at path 'properties.${what}' is invalid. ${'Expect fully qualified resource Id. '.repeat(20)}`
      }))
      const routes: StandInRoute[] = [
        {
          method: 'GET',
          path: /\/workspaces\/ws-new$/,
          replies: [{ status: 404, body: { error: { code: 'NotFound' } } }]
        },
        {
          method: 'PUT',
          path: /\/workspaces\/ws-new$/,
          replies: [
            { status: 400, body: { error: { code: 'ValidationError', message: 'The request is invalid.', details } } }
          ]
        }
      ]
      await withStandIn(routes, async standIn => {
        const result = await step({
          operation: 'create-workspace',
          ...standInInputs(standIn),
          'workspace-name': 'ws-new',
          location: 'centralus',
          'storage-account': `${RG}/providers/Microsoft.Storage/storageAccounts/st1`,
          'key-vault': `${RG}/providers/Microsoft.KeyVault/vaults/kv1`,
          'application-insights': `${RG}/providers/Microsoft.Insights/components/ai1`
        })
        expect(result.exitCode).toBe(1)
        const [line] = errorLine(result)
        for (const what of ['StorageAccount', 'KeyVault', 'AppInsights', 'ContainerRegistry']) {
          expect(line).toContain(`Property id '${what}'`)
        }
        expect(line.length).toBeLessThan(3000)
        expect(JSON.parse(result.outputs.response).error.details).toEqual(details)
      })
    }
  )
})

// ---------------------------------------------------------------------------------------------------------------------
describe('kind 6: deletes and creates around a deletion', () => {
  it.concurrent('delete-compute: DELETE 202 Location; polling it answers 404, the compute too: Deleted', async () => {
    let base = ''
    const routes: StandInRoute[] = [
      {
        method: 'DELETE',
        path: /\/computes\/cpu-cluster$/,
        replies: () => ({ status: 202, headers: { location: `${base}/operationResults/del1`, 'retry-after': '0' } })
      },
      {
        method: 'GET',
        path: /\/operationResults\/del1$/,
        replies: [{ status: 404, body: { error: { code: 'NotFound' } } }]
      },
      {
        method: 'GET',
        path: /\/computes\/cpu-cluster$/,
        replies: [{ status: 404, body: { error: { code: 'NotFound' } } }]
      }
    ]
    await withStandIn(routes, async standIn => {
      base = standIn.url
      const result = await step({
        operation: 'delete-compute',
        ...standInInputs(standIn),
        'compute-name': 'cpu-cluster',
        'timeout-minutes': '1'
      })
      expect(errorLine(result)).toEqual([])
      expect(result.exitCode).toBe(0)
      expect(result.outputs.provisioningState).toBe('Deleted')
      expect(result.outputs.resourceId).toBe(COMPUTE)
    })
  })

  it.concurrent(
    'delete-workspace: the Azure-AsyncOperation answers 404 while the workspace is still Deleting: waits until gone',
    async () => {
      let base = ''
      const routes: StandInRoute[] = [
        {
          method: 'GET',
          path: /\/workspaces\/ws-demo$/,
          replies: [
            { body: { id: WS, properties: { provisioningState: 'Succeeded' } } },
            { body: { id: WS, properties: { provisioningState: 'Deleting' } } },
            { status: 404, body: { error: { code: 'NotFound' } } }
          ]
        },
        {
          method: 'DELETE',
          path: /\/workspaces\/ws-demo$/,
          replies: () => ({
            status: 202,
            headers: { 'azure-asyncoperation': `${base}/operationsStatus/w1`, 'retry-after': '0' }
          })
        },
        {
          method: 'GET',
          path: /\/operationsStatus\/w1$/,
          replies: [{ status: 404, body: { error: { code: 'NotFound' } } }]
        }
      ]
      await withStandIn(routes, async standIn => {
        base = standIn.url
        const result = await step({ operation: 'delete-workspace', ...standInInputs(standIn), 'timeout-minutes': '1' })
        expect(errorLine(result)).toEqual([])
        expect(result.outputs.provisioningState).toBe('Deleted')
        expect(standIn.calls().filter(c => c.startsWith('GET') && c.endsWith('ws-demo'))).toHaveLength(3)
      })
    }
  )

  it.concurrent(
    'create-compute while the compute of that name is Deleting: waits, says so, then creates it',
    async () => {
      await withEmulator(
        async emu => {
          const inputs = {
            ...workspaceInputs(emu),
            'compute-name': emu.seed.computeName,
            'vm-size': 'Standard_D1',
            'max-nodes': '1'
          }
          // Long enough that the next step, started on a busy machine, still finds it Deleting.
          const deleting = await step({ operation: 'delete-compute', ...inputs, wait: 'false' })
          expect(deleting.exitCode).toBe(0)
          const result = await step({ operation: 'create-compute', ...inputs, 'timeout-minutes': '1' })
          expect(errorLine(result)).toEqual([])
          expect(result.exitCode).toBe(0)
          expect(result.stdout).toMatch(
            /is being deleted .*; waiting until it is gone before creating it again \(at most/
          )
          expect(result.stdout).toMatch(/gone; creating it now/)
          expect(result.outputs.provisioningState).toBe('Succeeded')
          const puts = emu.requests.filter(r => r.method === 'PUT')
          expect(puts).toHaveLength(1)
        },
        { delays: { computeDeleteMs: 8000 } }
      )
    }
  )

  it.concurrent(
    'create-workspace while the workspace of that name is Deleting: waits until it is gone, then creates it',
    async () => {
      await withEmulator(
        async emu => {
          const base = {
            creds: workspaceInputs(emu).creds,
            'arm-endpoint': emu.url,
            'authority-host': emu.url,
            'resource-group': emu.seed.resourceGroup,
            'workspace-name': 'ws-again',
            'storage-account': emu.seed.storageAccountId,
            'key-vault': emu.seed.keyVaultId,
            'application-insights': emu.seed.applicationInsightsId
          }
          expect((await step({ operation: 'create-workspace', ...base })).exitCode).toBe(0)
          expect((await step({ operation: 'delete-workspace', ...base, wait: 'false' })).exitCode).toBe(0)
          const result = await step({ operation: 'create-workspace', ...base, 'timeout-minutes': '1' })
          expect(errorLine(result)).toEqual([])
          expect(result.stdout).toMatch(/workspace ws-again is being deleted .*waiting until it is gone/)
          expect(result.outputs.provisioningState).toBe('Succeeded')
        },
        { delays: { workspaceDeleteMs: 8000 } }
      )
    }
  )

  it.concurrent(
    'create-compute while Deleting past timeout-minutes: fails at the deadline, saying it was not created',
    async () => {
      const routes: StandInRoute[] = [
        { method: 'GET', path: /\/computes\/cpu-cluster$/, replies: [{ body: computeBody('Deleting') }] }
      ]
      await withStandIn(routes, async standIn => {
        const result = await step(computeInputs(standIn, { 'timeout-minutes': '0.2' }))
        expect(result.exitCode).toBe(1)
        expect(errorLine(result)[0]).toMatch(/still being deleted, so it was not created/)
        expect(result.stdout).toMatch(/waiting until it is gone/)
        expect(result.outputs.provisioningState).toBe('Deleting')
        expect(standIn.calls().filter(c => c.startsWith('PUT'))).toEqual([])
      })
    }
  )
})

// ---------------------------------------------------------------------------------------------------------------------
describe('kind 8: cancelling what has already ended', () => {
  const cancelRoutes = (status: string): StandInRoute[] => [
    {
      method: 'POST',
      path: /\/runId\/done-run\/cancel$/,
      replies: [
        {
          status: 400,
          body: {
            error: {
              code: 'UserError',
              message: `Run done-run is in a terminal state (${status}) and cannot be canceled.`
            }
          }
        }
      ]
    },
    { method: 'GET', path: /\/runs\/done-run$/, replies: [{ body: { runId: 'done-run', status } }] }
  ]
  it.concurrent.each(['Completed', 'Failed', 'Canceled'])(
    'cancel-run on a %s run, answered 400 "terminal state": success, status is the run\'s own',
    async status => {
      await withStandIn(cancelRoutes(status), async standIn => {
        const result = await step({
          operation: 'cancel-run',
          ...standInInputs(standIn),
          'api-endpoint': standIn.url,
          'experiment-name': 'exp',
          'run-id': 'done-run'
        })
        expect(errorLine(result)).toEqual([])
        expect(result.exitCode).toBe(0)
        expect(result.outputs).toMatchObject({ runId: 'done-run', status })
        expect(result.stdout).toMatch(/had already ended/)
      })
    }
  )

  it.concurrent('a cancel refused for another reason still fails', async () => {
    const routes: StandInRoute[] = [
      {
        method: 'POST',
        path: /\/runId\/done-run\/cancel$/,
        replies: [{ status: 400, body: { error: { code: 'UserError', message: 'The run id is malformed.' } } }]
      }
    ]
    await withStandIn(routes, async standIn => {
      const result = await step({
        operation: 'cancel-run',
        ...standInInputs(standIn),
        'api-endpoint': standIn.url,
        'experiment-name': 'exp',
        'run-id': 'done-run'
      })
      expect(result.exitCode).toBe(1)
      expect(errorLine(result)[0]).toMatch(/400 Bad Request: UserError: The run id is malformed/)
    })
  })
})
