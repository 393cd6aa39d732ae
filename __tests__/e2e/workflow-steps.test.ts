/**
 * The repository's workflows, run against the emulator without a runner: each job's `uses: ./` steps (and
 * `uses: ./<operation>`) are taken from the YAML, their `with:` expressions evaluated against the inputs, secrets,
 * vars, env and earlier step outputs a runner would have, and run in order through demo/runner.ts, post steps last
 * (in reverse) as the runner does. So the workflows users copy are proven to work, and the live walk on Azure
 * (live-integration.yml) is the very script the emulator passes.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import type { Emulator } from '../../emulator/index.js'
import { ROOT, runStep, type StepResult } from '../../demo/runner.js'
import { startFakeGitHub, type FakeGitHub } from '../fixtures/fake-github.js'
import { armGet } from './arm-read.js'
import { credsOf, emulatorForTests } from './helpers.js'

interface WorkflowStep {
  id?: string
  name?: string
  uses?: string
  if?: string
  with?: Record<string, string | number | boolean>
}
interface Job {
  if?: string
  env?: Record<string, string>
  steps?: WorkflowStep[]
  outputs?: Record<string, string>
  uses?: string
  with?: Record<string, string | number | boolean>
}
interface Workflow {
  on: { workflow_call?: { inputs?: Record<string, { default?: string | number | boolean }> } }
  jobs: Record<string, Job>
}

interface ActionInputs {
  inputs: Record<string, { required?: boolean; default?: string }>
}

type Value = string | number | boolean | undefined
interface ExprContext {
  inputs?: Record<string, Value>
  secrets?: Record<string, Value>
  vars?: Record<string, Value>
  env?: Record<string, Value>
  github?: Record<string, unknown>
  steps?: Record<string, { outputs: Record<string, string> }>
  failed?: boolean
}

const read = (file: string): Workflow => parse(readFileSync(join(ROOT, '.github/workflows', file), 'utf8')) as Workflow

// ------------------------------------------------------------------ a small evaluator of the expressions we use

function evaluate(expr: string, ctx: ExprContext): Value {
  const tokens = expr.match(/'(?:[^']|'')*'|&&|\|\||==|!=|[A-Za-z_][\w.-]*\(\)|[A-Za-z_][\w.-]*|\d+/g) ?? []
  if (tokens.join('').replace(/\s/g, '') !== expr.replace(/\s/g, '')) throw new Error(`unsupported expression: ${expr}`)
  let i = 0
  const atom = (): Value => {
    const t = tokens[i++]
    if (t.startsWith("'")) return t.slice(1, -1).replace(/''/g, "'")
    if (/^\d+$/.test(t)) return Number(t)
    if (t === 'true' || t === 'false') return t === 'true'
    if (t === 'always()') return true
    if (t === 'success()') return !ctx.failed
    if (t === 'failure()') return Boolean(ctx.failed)
    if (t.endsWith('()')) throw new Error(`unsupported function ${t}`)
    const value = t.split('.').reduce<unknown>((v, key) => (v as Record<string, unknown> | undefined)?.[key], ctx)
    if (value !== undefined && typeof value === 'object') throw new Error(`${t} is an object`)
    return value as Value
  }
  const compare = (): Value => {
    const left = atom()
    if (tokens[i] === '==' || tokens[i] === '!=') {
      const op = tokens[i++]
      const right = atom()
      return op === '==' ? String(left ?? '') === String(right ?? '') : String(left ?? '') !== String(right ?? '')
    }
    return left
  }
  const and = (): Value => {
    let value = compare()
    while (tokens[i] === '&&') {
      i++
      const right = compare()
      value = value ? right : value
    }
    return value
  }
  let value = and()
  while (tokens[i] === '||') {
    i++
    const right = and()
    value = value ? value : right
  }
  return value
}

function substitute(value: Value, ctx: ExprContext): string {
  return String(value ?? '').replace(/\$\{\{\s*([\s\S]*?)\s*\}\}/g, (_, expr: string) =>
    String(evaluate(expr, ctx) ?? '')
  )
}

function condition(text: string | undefined, ctx: ExprContext): boolean {
  if (text === undefined) return !ctx.failed
  const expr = text.replace(/^\s*\$\{\{([\s\S]*)\}\}\s*$/, '$1')
  const value = Boolean(evaluate(expr, ctx))
  return /\b(always|failure)\(\)/.test(expr) ? value : value && !ctx.failed
}

// ------------------------------------------------------------------------------------------------ running a job

interface JobRun {
  steps: { step: WorkflowStep; result?: StepResult; skipped: boolean }[]
  posts: StepResult[]
  outputs: Record<string, string>
}

async function runJob(job: Job, ctx: ExprContext, env: Record<string, string>): Promise<JobRun> {
  ctx.steps = {}
  ctx.env = {}
  for (const [k, v] of Object.entries(job.env ?? {})) ctx.env[k] = substitute(v, ctx)
  const run: JobRun = { steps: [], posts: [], outputs: {} }
  const withPost: { inputs: Record<string, string>; entry: string; result: StepResult & { stateFile: string } }[] = []
  for (const step of job.steps ?? []) {
    if (!step.uses?.startsWith('./') || !condition(step.if, ctx)) {
      run.steps.push({ step, skipped: Boolean(step.uses?.startsWith('./')) })
      continue
    }
    const folder = step.uses.replace(/^\.\/?/, '').replace(/\/$/, '')
    const inputs: Record<string, string> = {}
    // As the runner does: the action.yml defaults (expressions evaluated, `${{ github.token }}`), then `with:`.
    const declared = (parse(readFileSync(join(ROOT, folder, 'action.yml'), 'utf8')) as ActionInputs).inputs
    for (const [k, spec] of Object.entries(declared))
      if (spec.default !== undefined) inputs[k] = substitute(spec.default, ctx)
    for (const [k, v] of Object.entries(step.with ?? {})) inputs[k] = substitute(v, ctx)
    const entry = folder === '' ? 'dist/index.js' : `${folder}/index.mjs`
    const result = await runStep({ inputs, entry, env })
    run.steps.push({ step, result, skipped: false })
    if (step.id) ctx.steps[step.id] = { outputs: result.outputs }
    if (result.exitCode !== 0) ctx.failed = true
    const post = folder === '' ? 'dist/post/index.js' : `${folder}/post.mjs`
    if (existsSync(join(ROOT, post))) withPost.push({ inputs, entry: post, result })
  }
  for (const { inputs, entry, result } of withPost.reverse()) {
    run.posts.push(await runStep({ inputs, entry, env, stateFrom: result }))
  }
  for (const [k, v] of Object.entries(job.outputs ?? {})) run.outputs[k] = substitute(v, ctx)
  return run
}

function describeFailures(run: JobRun): string {
  return run.steps
    .filter(s => s.result && s.result.exitCode !== 0)
    .map(s => `${s.step.name ?? s.step.uses}: ${s.result?.commands.find(c => c.command === 'error')?.value}`)
    .join('\n')
}

// ---------------------------------------------------------------------------------------------------- the tests

let emu: Emulator
let gh: FakeGitHub
let scratch: string
beforeAll(async () => {
  ;[emu, gh] = await Promise.all([emulatorForTests(), startFakeGitHub()])
  scratch = mkdtempSync(join(tmpdir(), 'aml-workflows-'))
})
afterAll(async () => {
  await Promise.all([emu?.close(), gh?.close()])
  rmSync(scratch, { recursive: true, force: true })
})
beforeEach(() => {
  emu.reset()
  gh.comments.clear()
  gh.requests.length = 0
})

/** What a runner sets for a pull_request event of octo-org/octo-repo (the emulator's OIDC subject's repository). */
function runnerEnv(
  pr: number,
  headRepo = 'octo-org/octo-repo'
): { env: Record<string, string>; github: Record<string, unknown> } {
  const payload = { number: pr, pull_request: { number: pr, head: { repo: { full_name: headRepo } } } }
  const eventPath = join(scratch, `event-${pr}.json`)
  writeFileSync(eventPath, JSON.stringify(payload))
  return {
    env: {
      GITHUB_API_URL: gh.url,
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_REPOSITORY: 'octo-org/octo-repo',
      GITHUB_WORKFLOW: 'PR training',
      GITHUB_JOB: 'train',
      GITHUB_RUN_ID: '123',
      ACTIONS_ID_TOKEN_REQUEST_URL: emu.seed.oidcRequestUrl,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: emu.seed.oidcRequestToken
    },
    github: { repository: 'octo-org/octo-repo', run_id: '123', event: payload, token: 'ghs_workflowToken' }
  }
}

/** The repository variables of pr-training.yml and live-integration.yml, pointing at the emulator. */
function emulatorVars(): Record<string, string> {
  return {
    AZURE_TENANT_ID: emu.seed.tenantId,
    AZURE_CLIENT_ID: emu.seed.oidcClientId,
    AZURE_SUBSCRIPTION_ID: emu.seed.subscriptionId,
    AZURE_RESOURCE_GROUP: emu.seed.resourceGroup,
    AZURE_ML_WORKSPACE: emu.seed.workspaceName,
    AZURE_ML_COMPUTE: emu.seed.computeName
  }
}

/** train.yml's inputs: the declared defaults, then what the caller passes. */
function trainInputs(given: Record<string, Value>): Record<string, Value> {
  const declared = read('train.yml').on.workflow_call?.inputs ?? {}
  const inputs: Record<string, Value> = {}
  for (const [name, spec] of Object.entries(declared)) inputs[name] = spec.default
  return { ...inputs, ...given }
}

describe('the local actions the workflows use', () => {
  it.each([
    'train.yml',
    'pr-training.yml',
    'live-integration.yml',
    'ci.yml',
    'deploy.yml',
    'pipeline.yml',
    'mlops.yml'
  ])('%s gives only inputs its actions declare, and every required one', file => {
    for (const job of Object.values(read(file).jobs)) {
      for (const step of job.steps ?? []) {
        if (!step.uses?.startsWith('./')) continue
        const action = parse(readFileSync(join(ROOT, step.uses, 'action.yml'), 'utf8')) as ActionInputs
        const given = Object.keys(step.with ?? {})
        expect(given.filter(name => !(name in action.inputs))).toEqual([])
        const required = Object.entries(action.inputs).filter(([, spec]) => spec.required)
        expect(required.map(([name]) => name).filter(name => !given.includes(name))).toEqual([])
      }
    }
  })
})

describe('pr-training.yml → train.yml', () => {
  it('on a pull request: the run starts, is followed to Completed, and is commented once on the pull request', async () => {
    const caller = read('pr-training.yml').jobs.train
    const { env, github } = runnerEnv(7)
    const callerCtx: ExprContext = { github, vars: emulatorVars() }
    expect(condition(caller.if, callerCtx)).toBe(true)
    expect(caller.uses).toBe('./.github/workflows/train.yml')
    const given: Record<string, Value> = {}
    for (const [k, v] of Object.entries(caller.with ?? {})) given[k] = substitute(v, callerCtx)
    // The caller passes no secret: OIDC through the emulator's issuer. The emulator is the ARM and Entra endpoint.
    const inputs = trainInputs({ ...given, 'arm-endpoint': emu.url, 'authority-host': emu.url })

    const run = await runJob(read('train.yml').jobs.train, { inputs, secrets: {}, github }, env)
    expect(describeFailures(run)).toBe('')
    expect(run.steps.filter(s => s.result).map(s => s.result?.exitCode)).toEqual([0, 0])
    expect(run.outputs['run-id']).toMatch(/^pr-7_\d+$/)
    expect(run.outputs.status).toBe('Completed')
    expect(run.outputs['portal-url']).toContain(run.outputs['run-id'])
    // The post steps (poll-run's, then start-run's with wait: false) find the run ended: nothing is cancelled.
    expect(run.posts.map(p => p.exitCode)).toEqual([0, 0])
    expect(run.posts.map(p => /nothing to (clean up|cancel)/.test(p.stdout))).toEqual([true, true])
    expect(emu.requests.filter(r => /\/cancel$/.test(r.path))).toEqual([])
    const comments = gh.comments.get(7) ?? []
    expect(comments).toHaveLength(1)
    expect(comments[0].body).toContain('Completed')
    expect(comments[0].body).toContain(run.outputs['run-id'])
  })

  it('from a fork: the job is skipped', () => {
    const caller = read('pr-training.yml').jobs.train
    expect(condition(caller.if, { github: runnerEnv(8, 'someone/fork').github, vars: emulatorVars() })).toBe(false)
    expect(condition(caller.if, { github: runnerEnv(8).github, vars: {} })).toBe(false)
  })

  it('train.yml with the AZURE_CREDENTIALS secret instead of OIDC', async () => {
    const { env, github } = runnerEnv(9)
    const inputs = trainInputs({
      'resource-group': emu.seed.resourceGroup,
      'workspace-name': emu.seed.workspaceName,
      'experiment-name': 'secret-auth',
      'source-directory': 'examples/hello',
      script: 'hello.py',
      'compute-target': emu.seed.computeName,
      'comment-on-pr': false,
      'arm-endpoint': emu.url,
      'authority-host': emu.url
    })
    const run = await runJob(
      read('train.yml').jobs.train,
      { inputs, secrets: { AZURE_CREDENTIALS: credsOf(emu) }, github },
      env
    )
    expect(describeFailures(run)).toBe('')
    expect(run.outputs.status).toBe('Completed')
    expect(gh.requests).toEqual([])
  })
})

describe('live-integration.yml', () => {
  it('is skipped without the Azure variables', () => {
    expect(condition(read('live-integration.yml').jobs.walk.if, { vars: {} })).toBe(false)
  })

  it("runs the guide's whole walk against the emulator and cleans up", async () => {
    const job = read('live-integration.yml').jobs.walk
    const vars = {
      ...emulatorVars(),
      AZURE_ML_MODEL_ID: emu.seed.modelId,
      AZURE_ML_SCORING_URI: emu.seed.scoringUri
    }
    expect(condition(job.if, { vars })).toBe(true)
    // Real Azure needs no endpoints; the emulator does: every step gets them the way the caller's env would.
    job.steps = job.steps?.map(step =>
      step.uses === './' && step.with?.operation !== 'score'
        ? { ...step, with: { ...step.with, 'arm-endpoint': emu.url, 'authority-host': emu.url } }
        : step
    )
    const { env } = runnerEnv(10)
    const run = await runJob(
      job,
      {
        vars,
        secrets: { AZURE_ML_SCORING_KEY: emu.seed.scoringKey },
        github: { run_id: '4242', repository: 'octo-org/octo-repo' }
      },
      env
    )
    expect(describeFailures(run)).toBe('')
    const ran = run.steps.filter(s => s.result).map(s => String(s.step.with?.operation))
    // The demo's guide walk, in the demo's order (demo/demo.ts, after its v2 walk), then the clean-up.
    const guide = readFileSync(join(ROOT, 'demo/demo.ts'), 'utf8').split('const guideSteps')[1]
    const demo = [...guide.matchAll(/operation: '([a-z-]+)'/g)].map(m => m[1])
    expect(ran.filter(op => op !== 'cancel-run')).toEqual(demo)
    expect(ran.at(-2)).toBe('cancel-run')
    const deleted = run.steps.find(s => s.step.with?.operation === 'delete-compute')?.result
    expect(deleted?.outputs.provisioningState).toBe('Deleted')
    expect(run.steps.find(s => s.step.with?.operation === 'start-run')?.result?.outputs.status).toBe('Completed')
  })
})

describe('deploy.yml: train, register, deploy green, smoke test, traffic, delete blue', () => {
  /** Every `uses: ./` step of the job, pointed at the emulator the way a caller's env would point it at Azure. */
  function deployJob(): Job {
    const job = read('deploy.yml').jobs.deploy
    job.steps = job.steps?.map(step =>
      step.uses === './'
        ? { ...step, with: { ...step.with, 'arm-endpoint': emu.url, 'authority-host': emu.url } }
        : step
    )
    return job
  }

  /** An endpoint with a blue deployment taking all the traffic, as an earlier run of the workflow leaves it. */
  async function blueInService(): Promise<void> {
    const ws = {
      creds: credsOf(emu),
      'arm-endpoint': emu.url,
      'authority-host': emu.url,
      'resource-group': emu.seed.resourceGroup,
      'workspace-name': emu.seed.workspaceName
    }
    const model = join(scratch, 'blue-model')
    mkdirSync(model, { recursive: true })
    writeFileSync(join(model, 'model.json'), JSON.stringify({ weights: [1, 1], bias: 0 }))
    const steps: Record<string, string>[] = [
      { operation: 'register-model', 'model-name': 'linear-model', 'model-path': model },
      { operation: 'create-endpoint', endpoint: 'examples/endpoints/endpoint.yml' },
      { operation: 'create-deployment', deployment: 'examples/endpoints/blue.yml', traffic: '100' }
    ]
    for (const inputs of steps) {
      const result = await runStep({ inputs: { ...ws, ...inputs } })
      expect(result.commands.find(c => c.command === 'error')?.value ?? '').toBe('')
    }
  }

  it('on a push to main: green takes all the traffic and blue is deleted', async () => {
    await blueInService()
    const job = deployJob()
    const ctx: ExprContext = {
      vars: emulatorVars(),
      github: { event_name: 'push', repository: 'octo-org/octo-repo', ref: 'refs/heads/main' }
    }
    expect(condition(job.if, ctx)).toBe(true)
    const { env } = runnerEnv(11)
    const run = await runJob(job, ctx, { ...env, GITHUB_EVENT_NAME: 'push' })
    expect(describeFailures(run)).toBe('')
    const ran = run.steps.filter(s => s.result).map(s => String(s.step.with?.operation))
    expect(ran).toEqual([
      'submit-job',
      'register-model',
      'create-endpoint',
      'create-deployment',
      'score',
      'set-traffic',
      'delete-deployment'
    ])
    const result = (op: string) => run.steps.find(s => s.step.with?.operation === op)?.result
    expect(result('submit-job')?.outputs.status).toBe('Completed')
    expect(result('register-model')?.outputs.modelVersion).toBe('2')
    // The smoke test reached green (the trained model), not blue (w = 1, 1), although blue had all the traffic.
    const answer = JSON.parse(result('score')?.outputs.response ?? '[]') as number[]
    expect(answer).toHaveLength(2)
    expect(Math.abs(answer[0] - 7)).toBeLessThan(0.5)
    expect(result('delete-deployment')?.outputs.provisioningState).toBe('Deleted')
  })

  it('on a pull request: the same up to the smoke test, the training commented on the pull request', async () => {
    await blueInService()
    const job = deployJob()
    const { env, github } = runnerEnv(12)
    const ctx: ExprContext = { vars: emulatorVars(), github: { ...github, event_name: 'pull_request' } }
    expect(condition(job.if, ctx)).toBe(true)
    const run = await runJob(job, ctx, env)
    expect(describeFailures(run)).toBe('')
    const ran = run.steps.filter(s => s.result).map(s => String(s.step.with?.operation))
    expect(ran).toEqual(['submit-job', 'register-model', 'create-endpoint', 'create-deployment', 'score'])
    expect(run.steps.filter(s => s.skipped).map(s => s.step.with?.operation)).toEqual([
      'set-traffic',
      'delete-deployment'
    ])
    const comments = gh.comments.get(12) ?? []
    expect(comments).toHaveLength(1)
    expect(comments[0].body).toContain('Completed')
  })

  it('from a fork, or without the Azure variables: the job is skipped', () => {
    const job = read('deploy.yml').jobs.deploy
    const fork = runnerEnv(13, 'someone/fork').github
    expect(condition(job.if, { vars: emulatorVars(), github: { ...fork, event_name: 'pull_request' } })).toBe(false)
    expect(condition(job.if, { vars: {}, github: { event_name: 'push' } })).toBe(false)
  })
})

describe("mlops.yml: the MLOps templates' flow (environment, data, pipeline, model, endpoint, deployment, traffic)", () => {
  /** Every `uses: ./` step of the job, pointed at the emulator the way a caller's env would point it at Azure. */
  function mlopsJob(): Job {
    const job = read('mlops.yml').jobs.mlops
    job.steps = job.steps?.map(step =>
      step.uses === './'
        ? { ...step, with: { ...step.with, 'arm-endpoint': emu.url, 'authority-host': emu.url } }
        : step
    )
    return job
  }

  /** The JSON bodies of the PUTs the emulator received whose path matches. */
  const putBodies = (path: RegExp): Record<string, Record<string, unknown>>[] =>
    emu.requests
      .filter(r => r.method === 'PUT' && path.test(r.path))
      .map(r => JSON.parse(r.body) as Record<string, Record<string, unknown>>)

  it('each step passes what it made to the next: the pipeline runs on the versions just registered, its model is served with all the traffic', async () => {
    const job = mlopsJob()
    const ctx: ExprContext = {
      vars: emulatorVars(),
      github: { event_name: 'workflow_dispatch', repository: 'octo-org/octo-repo', ref: 'refs/heads/main' }
    }
    expect(condition(job.if, ctx)).toBe(true)
    const { env } = runnerEnv(14)
    const run = await runJob(job, ctx, { ...env, GITHUB_EVENT_NAME: 'workflow_dispatch' })
    expect(describeFailures(run)).toBe('')
    const ran = run.steps.filter(s => s.result).map(s => String(s.step.with?.operation))
    expect(ran).toEqual([
      'register-environment',
      'register-data',
      'submit-job',
      'register-model',
      'create-endpoint',
      'create-deployment',
      'score',
      'set-traffic'
    ])
    const outputs = (id: string) => run.steps.find(s => s.step.id === id)?.result?.outputs ?? {}
    const environmentId = outputs('environment').environmentId
    const dataId = outputs('data').dataId
    expect(environmentId).toMatch(/\/environments\/linear-train-env\/versions\/1$/)
    expect(dataId).toMatch(/\/data\/houses\/versions\/1$/)
    expect(outputs('train').status).toBe('Completed')

    // The pipeline read the data version just registered, and each of its steps ran in the environment just
    // registered (not @latest's lookup, not an inline image).
    const pipeline = putBodies(new RegExp(`/jobs/${outputs('train').jobName}$`))
    expect(pipeline).toHaveLength(1)
    const inputs = pipeline[0].properties.inputs as Record<string, { uri?: string }>
    expect(inputs.raw_data.uri?.replace(/^azureml:/, '')).toBe(dataId)
    const components = putBodies(/\/components\/azureml_anonymous\/versions\/[^/]+$/)
    expect(components).toHaveLength(3)
    for (const c of components) {
      const spec = c.properties.componentSpec as { environment?: string }
      expect(spec.environment?.replace(/^azureml:/, '')).toBe(environmentId)
    }

    // The model of the pipeline's output, deployed by the version register-model gave, takes all the traffic.
    expect(outputs('model').modelVersion).toBe('1')
    const deployment = putBodies(/\/onlineEndpoints\/houses-mlops-endpoint\/deployments\/blue$/)
    expect(deployment).toHaveLength(1)
    expect(String(deployment[0].properties.model)).toMatch(/\/models\/houses-linear-model\/versions\/1$/)
    // The data is y ≈ 2·x0 + 3·x1 − 1: the smoke test's answers are those of the model trained on it.
    const answer = JSON.parse(outputs('smoke').response ?? '[]') as number[]
    expect(answer).toHaveLength(2)
    expect(Math.abs(answer[0] - 7)).toBeLessThan(0.5)
    expect(Math.abs(answer[1] - 17)).toBeLessThan(0.5)
    const endpoint = await armGet(emu, '/onlineEndpoints/houses-mlops-endpoint')
    expect((endpoint.body.properties as { traffic?: unknown }).traffic).toEqual({ blue: 100 })
  }, 240_000)

  it('run again (the next push): the next versions of the environment and data (the folder not uploaded again), the pipeline on those, the new model served', async () => {
    const ctx = (): ExprContext => ({
      vars: emulatorVars(),
      github: { event_name: 'push', repository: 'octo-org/octo-repo', ref: 'refs/heads/main' }
    })
    const { env } = runnerEnv(15)
    const runs: JobRun[] = []
    for (let i = 0; i < 2; i++) {
      const run = await runJob(mlopsJob(), ctx(), { ...env, GITHUB_EVENT_NAME: 'push' })
      expect(describeFailures(run)).toBe('')
      runs.push(run)
    }
    const result = (run: JobRun, id: string) => run.steps.find(s => s.step.id === id)?.result
    // No version in the YAMLs: as az ml environment/data create, each run registers the next one.
    expect(runs.map(r => result(r, 'environment')?.outputs.environmentVersion)).toEqual(['1', '2'])
    expect(runs.map(r => result(r, 'data')?.outputs.dataVersion)).toEqual(['1', '2'])
    expect(runs.map(r => result(r, 'model')?.outputs.modelVersion)).toEqual(['1', '2'])
    // The folder's content is in the datastore already: the second data version points at the same blobs.
    expect(result(runs[1], 'data')?.stdout).toMatch(/the same content is already in datastore \S+; nothing to upload/)
    const dataUri = (r: JobRun) =>
      (JSON.parse(result(r, 'data')?.outputs.response ?? '{}') as { properties?: { dataUri?: string } }).properties
        ?.dataUri
    expect(dataUri(runs[1])).toBe(dataUri(runs[0]))
    // The second pipeline ran on the second versions.
    const second = putBodies(new RegExp(`/jobs/${result(runs[1], 'train')?.outputs.jobName}$`))[0]
    const inputs = second.properties.inputs as Record<string, { uri?: string }>
    expect(inputs.raw_data.uri?.replace(/^azureml:/, '')).toBe(result(runs[1], 'data')?.outputs.dataId)
    // The deployment now serves version 2, with all the traffic still.
    const deployment = await armGet(emu, '/onlineEndpoints/houses-mlops-endpoint/deployments/blue')
    expect(String((deployment.body.properties as { model?: string }).model)).toMatch(
      /\/models\/houses-linear-model\/versions\/2$/
    )
    const endpoint = await armGet(emu, '/onlineEndpoints/houses-mlops-endpoint')
    expect((endpoint.body.properties as { traffic?: unknown }).traffic).toEqual({ blue: 100 })
  }, 300_000)

  it('without the Azure variables: the job is skipped', () => {
    expect(condition(read('mlops.yml').jobs.mlops.if, { vars: {}, github: { event_name: 'push' } })).toBe(false)
    expect(condition(read('mlops.yml').jobs.mlops.if, { vars: emulatorVars(), github: { event_name: 'push' } })).toBe(
      true
    )
  })
})
