/**
 * A job's metrics end to end: the bundle (dist/index.js) submits examples/jobs/train/job.yml to the emulator, whose
 * job gets MLFLOW_TRACKING_URI, MLFLOW_RUN_ID and MLFLOW_TRACKING_TOKEN as Azure's runtime sets them; the example
 * script logs `mse` per epoch through MLflow's REST API, read back here through the workspace's MLflow routes
 * (`runs/get`, `metrics/get-history`), as a sweep's objective and a user's `mlflow` client read them.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { Emulator } from '../../emulator/index.js'
import { emulatorForTests, step, visibleLines, workspaceInputs } from './helpers.js'

let emu: Emulator
beforeAll(async () => {
  emu = await emulatorForTests()
})
afterAll(async () => {
  await emu?.close()
})

async function token(): Promise<string> {
  const answer = await fetch(`${emu.url}/${emu.seed.tenantId}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: emu.seed.clientId,
      client_secret: emu.seed.clientSecret,
      resource: `${emu.url}/`
    })
  })
  return ((await answer.json()) as { access_token: string }).access_token
}

describe('job metrics through MLflow', () => {
  it('the example training job logs mse per epoch; runs/get and metrics/get-history read it back', async () => {
    const result = await step({
      operation: 'submit-job',
      ...workspaceInputs(emu),
      job: 'examples/jobs/train/job.yml',
      set: `compute=azureml:${emu.seed.computeName}\ninputs.epochs=20`
    })
    expect(result.exitCode).toBe(0)
    expect(result.outputs.status).toBe('Completed')
    const name = result.outputs.jobName
    const printed = visibleLines(result.stdout).find(l => l.startsWith('model: w='))
    expect(printed).toBeDefined()
    const ws = await fetch(
      `${emu.url}/subscriptions/${emu.seed.subscriptionId}/resourceGroups/${emu.seed.resourceGroup}/providers/` +
        `Microsoft.MachineLearningServices/workspaces/${emu.seed.workspaceName}?api-version=2024-04-01`,
      { headers: { authorization: `Bearer ${await token()}` } }
    )
    // Azure's azureml:// form; its https:// form is the tracking server, here the emulator's data-plane server.
    const trackingUri = ((await ws.json()) as { properties: { mlFlowTrackingUri: string } }).properties
      .mlFlowTrackingUri
    expect(trackingUri).toMatch(/^azureml:\/\/[^/]+\.api\.azureml\.ms\/mlflow\/v1\.0\/subscriptions\//)
    const base = `${emu.apiUrl}${trackingUri.slice(trackingUri.indexOf('/mlflow/'))}/api/2.0/mlflow`
    const auth = { headers: { authorization: `Bearer ${await token()}` } }
    const run = (await (await fetch(`${base}/runs/get?run_id=${name}`, auth)).json()) as {
      run: { info: { status: string }; data: { metrics: { key: string; value: number; step: number }[] } }
    }
    expect(run.run.info.status).toBe('FINISHED')
    const last = run.run.data.metrics.find(m => m.key === 'mse')
    expect(last?.step).toBe(20)
    expect(printed).toContain(`mse=${last!.value.toFixed(4)}`)
    const history = (await (await fetch(`${base}/metrics/get-history?run_id=${name}&metric_key=mse`, auth)).json()) as {
      metrics: { step: number; value: number }[]
    }
    expect(history.metrics.map(m => m.step)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
    // Gradient descent: the error falls.
    expect(history.metrics[19].value).toBeLessThan(history.metrics[0].value)
  })
})
