/**
 * Sweep jobs in the emulator (resources/sweep-process.ts, jobs.ts) and MLflow's tracking routes (resources/mlflow.ts)
 * over real HTTP: a seeded random sweep samples the same values twice and substitutes them into the trial command,
 * concurrency is bounded, trials log metrics through MLflow's REST API (read back through `runs/get` and
 * `metrics/get-history`), the best trial is chosen for maximize and minimize, a Bandit policy cancels a bad trial,
 * cancel reaches the trials, and a sweep whose trials all fail fails. Bodies are written by hand in azure-ai-ml 1.4's
 * shape (`SweepJob._to_rest_object`).
 */
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import type { Emulator } from '../../emulator/index.js'
import { arm2, call, putEnvironment, startFast, token, uploadCode, waitFor, waitForJob, wsPath } from './helpers.js'

let emu: Emulator
let tok: string
beforeAll(async () => {
  emu = await startFast({ delays: { jobFinalizingMs: 20, jobCancelRequestedMs: 50, runQueuedMs: 20 } })
  tok = await token(emu)
})
afterAll(() => emu.close())
beforeEach(async () => {
  emu.reset()
  await putEnvironment(emu, tok)
})

type Json = Record<string, unknown>
let counter = 0
const jobName = (): string => `sweep-${Date.now().toString(36)}-${++counter}`

/** A trial script: logs `accuracy` per epoch through MLflow's REST API with urllib, as examples/jobs/train does. */
const TRAIN = [
  'import json, os, sys, time, urllib.request',
  'def log(key, value, step):',
  '    body = json.dumps({"run_id": os.environ["MLFLOW_RUN_ID"], "key": key, "value": value,',
  '                       "timestamp": int(time.time() * 1000), "step": step}).encode()',
  '    req = urllib.request.Request(os.environ["MLFLOW_TRACKING_URI"] + "/api/2.0/mlflow/runs/log-metric", data=body,',
  '        method="POST", headers={"Content-Type": "application/json",',
  '                                "Authorization": "Bearer " + os.environ["MLFLOW_TRACKING_TOKEN"]})',
  '    urllib.request.urlopen(req).read()',
  'acc, epochs, pause = float(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])',
  'for e in range(epochs):',
  '    log("accuracy", acc, e)',
  '    print(f"epoch {e} accuracy {acc}", flush=True)',
  '    time.sleep(pause)'
].join('\n')

async function sweepBody(over: Json = {}, trialOver: Json = {}): Promise<Json> {
  const code = await uploadCode(emu, tok, { 'train.py': TRAIN })
  return {
    properties: {
      jobType: 'Sweep',
      experimentName: 'sweeps',
      computeId: `${wsPath(emu)}/computes/${emu.seed.computeName}`,
      samplingAlgorithm: { samplingAlgorithmType: 'Grid' },
      searchSpace: { acc: ['choice', [[0.2, 0.9, 0.5]]] },
      objective: { goal: 'Maximize', primaryMetric: 'accuracy' },
      limits: { jobLimitsType: 'Sweep', maxTotalTrials: 3, maxConcurrentTrials: 3 },
      trial: {
        codeId: code.id,
        command: 'python3 train.py ${{search_space.acc}} 2 0.01',
        environmentId: `${wsPath(emu)}/environments/env-py/versions/1`,
        ...trialOver
      },
      ...over
    }
  }
}

async function submit(body: Json, name = jobName()): Promise<string> {
  const put = await arm2(emu, tok, `${wsPath(emu)}/jobs/${name}`, { method: 'PUT', body })
  expect(put.status).toBe(201)
  return name
}

function historyUrl(runId: string, tail = ''): string {
  return `${emu.apiUrl}/history/v1.0${wsPath(emu)}/runs/${runId}${tail}`
}

async function children(runId: string): Promise<Json[]> {
  const a = await call(historyUrl(runId, '/children'), { token: tok })
  expect(a.status).toBe(200)
  return a.json.value as Json[]
}

async function runLog(runId: string, log = 'user_logs/std_log.txt'): Promise<string> {
  const d = await call(historyUrl(runId, '/details'), { token: tok })
  return (await fetch(d.json.logFiles[log] as string)).text()
}

const hyper = (run: Json): Json => JSON.parse(String((run.properties as Json)._aml_system_hyperparameters)) as Json

describe('sweep jobs', () => {
  it('samples the same values twice with a seed, substitutes them into each trial command', async () => {
    const over = {
      samplingAlgorithm: { samplingAlgorithmType: 'Random', seed: 42, rule: 'Random' },
      searchSpace: {
        lr: ['loguniform', [-6, -1]],
        units: ['randint', [64]],
        drop: ['quniform', [0, 1, 0.1]],
        opt: ['choice', [['adam', 'sgd']]],
        w: ['normal', [0, 1]]
      },
      limits: { jobLimitsType: 'Sweep', maxTotalTrials: 3, maxConcurrentTrials: 3 }
    }
    const trial = {
      command: 'echo "lr=${{search_space.lr}} units=${{search_space.units}} opt=${{search_space.opt}}"'
    }
    const values: Json[][] = []
    for (let round = 0; round < 2; round++) {
      const name = await submit(await sweepBody(over, trial))
      const { job } = await waitForJob(emu, tok, name)
      expect(job.json.properties.status).toBe('Completed')
      const runs = await children(name)
      expect(runs.map(r => r.runId)).toEqual([`${name}_0`, `${name}_1`, `${name}_2`])
      expect(runs.every(r => r.parentRunId === name && r.status === 'Completed')).toBe(true)
      values.push(runs.map(hyper))
      for (const r of runs) {
        const v = hyper(r)
        expect(v.lr as number).toBeGreaterThanOrEqual(Math.exp(-6))
        expect(v.lr as number).toBeLessThanOrEqual(Math.exp(-1))
        expect(Number.isInteger(v.units) && (v.units as number) >= 0 && (v.units as number) < 64).toBe(true)
        expect(['adam', 'sgd']).toContain(v.opt)
        expect(await runLog(String(r.runId))).toContain(
          `lr=${String(v.lr)} units=${String(v.units)} opt=${String(v.opt)}`
        )
      }
    }
    expect(values[0]).toEqual(values[1])
    // Three different trials, not one value repeated.
    expect(new Set(values[0].map(v => v.lr)).size).toBe(3)
  })

  it('runs at most maxConcurrentTrials at once, up to maxTotalTrials, with hyperdrive.txt lines per trial', async () => {
    const name = await submit(
      await sweepBody(
        {
          samplingAlgorithm: { samplingAlgorithmType: 'Random', seed: 1 },
          searchSpace: { acc: ['uniform', [0, 1]] },
          limits: { jobLimitsType: 'Sweep', maxTotalTrials: 5, maxConcurrentTrials: 2 }
        },
        { command: 'python3 train.py ${{search_space.acc}} 1 0.3' }
      )
    )
    const { job } = await waitForJob(emu, tok, name, undefined, 30_000)
    expect(job.json.properties.status).toBe('Completed')
    const runs = await children(name)
    expect(runs).toHaveLength(5)
    const spans = runs.map(r => [Date.parse(String(r.startTimeUtc)), Date.parse(String(r.endTimeUtc))])
    const most = Math.max(...spans.map(([s]) => spans.filter(([a, b]) => a <= s && s < b).length))
    expect(most).toBe(2)
    const log = await runLog(name, 'azureml-logs/hyperdrive.txt')
    for (const r of runs) {
      expect(log).toContain(`Trial ${String(r.runId)} started`)
      expect(log).toContain(`Trial ${String(r.runId)} ended: Completed, accuracy=`)
    }
  })

  it('reads the metrics back through MLflow routes and picks the best trial for maximize and minimize', async () => {
    const ws = await arm2(emu, tok, wsPath(emu))
    expect(ws.json.properties.mlFlowTrackingUri).toBe(
      `azureml://${ws.json.location as string}.api.azureml.ms/mlflow/v1.0${wsPath(emu)}`
    )
    for (const [goal, best, score] of [
      ['Maximize', 1, '0.9'],
      ['Minimize', 0, '0.2']
    ] as const) {
      const name = await submit(await sweepBody({ objective: { goal, primaryMetric: 'accuracy' } }))
      const { job } = await waitForJob(emu, tok, name)
      expect(job.json.properties.status).toBe('Completed')
      expect(job.json.properties.properties.best_child_run_id).toBe(`${name}_${best}`)
      expect(job.json.properties.properties.score).toBe(score)
      const base = `${emu.apiUrl}/mlflow/v1.0${wsPath(emu)}/api/2.0/mlflow`
      const run = await call(`${base}/runs/get?run_id=${name}_${best}`, { token: tok })
      expect(run.status).toBe(200)
      expect(run.json.run.info.status).toBe('FINISHED')
      expect(run.json.run.data.metrics).toEqual([
        expect.objectContaining({ key: 'accuracy', value: Number(score), step: 1 })
      ])
      const hist = await call(`${base}/metrics/get-history?run_id=${name}_${best}&metric_key=accuracy`, { token: tok })
      expect(hist.json.metrics.map((m: Json) => m.step)).toEqual([0, 1])
    }
  })

  it('log-batch records metrics and params; an unknown run is RESOURCE_DOES_NOT_EXIST', async () => {
    const name = await submit(await sweepBody({}, { command: 'python3 train.py ${{search_space.acc}} 1 2' }))
    await waitFor(async () => {
      const runs = await children(name)
      return runs.length === 3 ? runs : undefined
    })
    const base = `${emu.apiUrl}/mlflow/v1.0${wsPath(emu)}/api/2.0/mlflow`
    const batch = await call(`${base}/runs/log-batch`, {
      method: 'POST',
      token: tok,
      body: {
        run_id: `${name}_0`,
        metrics: [{ key: 'loss', value: 0.5, timestamp: 1, step: 3 }],
        params: [{ key: 'lr', value: '0.1' }]
      }
    })
    expect(batch.status).toBe(200)
    const run = await call(`${base}/runs/get?run_id=${name}_0`, { token: tok })
    expect(run.json.run.data.params).toEqual([{ key: 'lr', value: '0.1' }])
    expect(run.json.run.data.metrics).toContainEqual({ key: 'loss', value: 0.5, timestamp: 1, step: 3 })
    const missing = await call(`${base}/runs/get?run_id=nope`, { token: tok })
    expect(missing.status).toBe(404)
    expect(missing.json.error_code).toBe('RESOURCE_DOES_NOT_EXIST')
    await arm2(emu, tok, `${wsPath(emu)}/jobs/${name}/cancel`, { method: 'POST' })
    await waitForJob(emu, tok, name)
  })

  it('a Bandit policy cancels the trial that falls outside the slack; the sweep still completes', async () => {
    const code = await uploadCode(emu, tok, { 'train.py': TRAIN })
    const name = await submit(
      await sweepBody(
        {
          searchSpace: { acc: ['choice', [[0.9, 0.1]]] },
          limits: { jobLimitsType: 'Sweep', maxTotalTrials: 2, maxConcurrentTrials: 1 },
          earlyTermination: { policyType: 'Bandit', slackFactor: 0.2, evaluationInterval: 1, delayEvaluation: 0 }
        },
        // The good trial runs 2 short epochs; the bad one would run 30 long ones if nothing stopped it.
        {
          codeId: code.id,
          command:
            'python3 train.py ${{search_space.acc}} $([ ${{search_space.acc}} = 0.9 ] && echo "2 0.01" || echo "30 1")'
        }
      )
    )
    const { job } = await waitForJob(emu, tok, name, undefined, 15_000)
    expect(job.json.properties.status).toBe('Completed')
    const runs = await children(name)
    expect(runs.map(r => r.status)).toEqual(['Completed', 'Canceled'])
    expect(job.json.properties.properties.best_child_run_id).toBe(`${name}_0`)
    expect(await runLog(name, 'azureml-logs/hyperdrive.txt')).toContain(
      `Trial ${name}_1 canceled by the Bandit early termination policy at interval 1 (accuracy=0.1)`
    )
  })

  it('cancel reaches the running trials and ends the sweep Canceled', async () => {
    const name = await submit(await sweepBody({}, { command: 'python3 train.py ${{search_space.acc}} 30 1' }))
    await waitFor(async () => {
      const runs = await children(name)
      return runs.length === 3 && runs.every(r => r.status === 'Running') ? runs : undefined
    })
    const cancel = await arm2(emu, tok, `${wsPath(emu)}/jobs/${name}/cancel`, { method: 'POST' })
    expect(cancel.status).toBe(202)
    const { job } = await waitForJob(emu, tok, name, undefined, 10_000)
    expect(job.json.properties.status).toBe('Canceled')
    expect((await children(name)).map(r => r.status)).toEqual(['Canceled', 'Canceled', 'Canceled'])
  })

  it('fails when every trial fails, naming the first failed trial', async () => {
    const name = await submit(await sweepBody({}, { command: 'echo broken ${{search_space.acc}} >&2; exit 3' }))
    const { job } = await waitForJob(emu, tok, name)
    expect(job.json.properties.status).toBe('Failed')
    const details = await call(historyUrl(name, '/details'), { token: tok })
    expect(details.json.error.error.message).toContain(`The first failed trial ${name}_0`)
    expect(details.json.error.error.message).toContain('exited with status code 3')
  })

  it("sweeps the example training script, which logs mse per epoch through MLflow's REST API", async () => {
    const code = await uploadCode(emu, tok, {
      'train.py': readFileSync('examples/jobs/train/src/train.py', 'utf8'),
      'part-0.csv': readFileSync('examples/jobs/train/data/part-0.csv', 'utf8')
    })
    const name = await submit(
      await sweepBody(
        {
          searchSpace: { lr: ['choice', [[0.001, 0.05]]] },
          objective: { goal: 'Minimize', primaryMetric: 'mse' },
          limits: { jobLimitsType: 'Sweep', maxTotalTrials: 2, maxConcurrentTrials: 2 }
        },
        {
          codeId: code.id,
          command: 'python3 train.py --data . --epochs 5 --learning_rate ${{search_space.lr}} --model ./outputs'
        }
      )
    )
    const { job } = await waitForJob(emu, tok, name)
    expect(job.json.properties.status).toBe('Completed')
    // The larger learning rate gets further in 5 epochs.
    expect(job.json.properties.properties.best_child_run_id).toBe(`${name}_1`)
    const base = `${emu.apiUrl}/mlflow/v1.0${wsPath(emu)}/api/2.0/mlflow`
    const hist = await call(`${base}/metrics/get-history?run_id=${name}_1&metric_key=mse`, { token: tok })
    expect(hist.json.metrics.map((m: Json) => m.step)).toEqual([1, 2, 3, 4, 5])
    expect(String(hist.json.metrics[4].value)).toBe(job.json.properties.properties.score)
  })

  it("accepts azure-ai-ml 1.4's body for the corpus's hello-sweep.yml and runs its trials with inputs.A", async () => {
    // Printed by the SDK (load_job + _to_rest_object) with placeholder ids, replaced here by this workspace's.
    const sdk = readFileSync('__tests__/emulator/fixtures/hello-sweep.sdk.json', 'utf8')
    const script = [
      'import argparse, json, os, time, urllib.request',
      'p = argparse.ArgumentParser()',
      'p.add_argument("--A", type=float); p.add_argument("--B"); p.add_argument("--C", type=float)',
      'a = p.parse_args()',
      'print(f"A={a.A} B={a.B} C={a.C}")',
      'body = json.dumps({"run_id": os.environ["MLFLOW_RUN_ID"], "metrics": [{"key": "random_metric",',
      '    "value": a.C, "timestamp": int(time.time() * 1000), "step": 0}], "params": [{"key": "B", "value": a.B}]})',
      'urllib.request.urlopen(urllib.request.Request(os.environ["MLFLOW_TRACKING_URI"] + "/api/2.0/mlflow/runs/log-batch",',
      '    data=body.encode(), method="POST", headers={"Content-Type": "application/json",',
      '    "Authorization": "Bearer " + os.environ["MLFLOW_TRACKING_TOKEN"]})).read()'
    ].join('\n')
    const code = await uploadCode(emu, tok, { 'hello-sweep.py': script })
    const ws = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws'
    const body = JSON.parse(
      sdk
        .replaceAll(`${ws}/codes/c/versions/1`, code.id)
        .replaceAll(`${ws}/computes/cpu-cluster`, `${wsPath(emu)}/computes/${emu.seed.computeName}`)
        .replaceAll(ws, wsPath(emu))
    ) as Json
    const name = await submit(body)
    const { job } = await waitForJob(emu, tok, name)
    expect(job.json.properties.status).toBe('Completed')
    const runs = await children(name)
    expect(runs).toHaveLength(4)
    const scores = runs.map(r => hyper(r).C as number)
    expect(job.json.properties.properties.best_child_run_id).toBe(`${name}_${scores.indexOf(Math.min(...scores))}`)
    for (const r of runs) {
      expect(await runLog(String(r.runId))).toContain(`A=0.5 B=${String(hyper(r).B)} C=`)
    }
  })

  it('refuses a grid over a non-choice parameter and a command naming an unknown search-space value', async () => {
    const grid = await arm2(emu, tok, `${wsPath(emu)}/jobs/${jobName()}`, {
      method: 'PUT',
      body: await sweepBody({ searchSpace: { acc: ['uniform', [0, 1]] } })
    })
    expect(grid.status).toBe(400)
    expect(grid.json.error.message).toContain('grid sampling takes choice parameters only')
    const unknown = await arm2(emu, tok, `${wsPath(emu)}/jobs/${jobName()}`, {
      method: 'PUT',
      body: await sweepBody({}, { command: 'echo ${{search_space.nope}}' })
    })
    expect(unknown.status).toBe(400)
    expect(unknown.json.error.message).toContain("properties.searchSpace has no 'nope'")
  })
})
