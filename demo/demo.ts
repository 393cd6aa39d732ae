/**
 * `npm run demo`: starts the local Azure ML emulator (with Azurite for blobs) and runs the bundled action step by
 * step, as a workflow would: first the v2 walk ML engineers write today (a CLI v2 job YAML trained, its model
 * registered, a three-step pipeline run and its model registered, a hyperparameter sweep of the training script, deployed blue/green to an online endpoint, smoke-tested by name, traffic moved), then the walk of
 * Microsoft's "Create, run and delete Azure ML resources using REST" guide. Prints each step's log and outputs the way
 * the Actions log shows them; exits non-zero when a step fails.
 */
import { predict, startEmulator } from '../emulator/index.js'
import { formatOutputs, runStep, type StepResult } from './runner.js'

interface Step {
  name: string
  /** The step's `with:`; a function when it uses an earlier step's outputs (`outputs.<step id>`). */
  inputs: Record<string, string> | (() => Record<string, string>)
  /** Saves the outputs under this id for later steps. */
  id?: string
  check?: (result: StepResult) => string | undefined
}

/** Outputs of earlier steps, by step id (`${{ steps.<id>.outputs.<name> }}` in a workflow). */
const outputs: Record<string, Record<string, string>> = {}

const showDebug = process.argv.includes('--debug')
const emulator = await startEmulator({ quiet: true })
const seed = emulator.seed
console.log(`Local Azure ML emulator: ARM and Entra at ${emulator.url}, workspace API server at ${emulator.apiUrl}\n`)

const creds = JSON.stringify({
  clientId: seed.clientId,
  clientSecret: seed.clientSecret,
  tenantId: seed.tenantId,
  subscriptionId: seed.subscriptionId
})
// What a workflow puts in `with:` for every step: the credentials secret and the emulator's endpoints.
const connection = { creds, 'arm-endpoint': emulator.url, 'authority-host': emulator.url }
const workspace = { ...connection, 'resource-group': seed.resourceGroup, 'workspace-name': seed.workspaceName }

const SCORING_ROWS = [
  [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  [10, 9, 8, 7, 6, 5, 4, 3, 2, 1]
]

/** The compute the demo creates (after step 5b) and deletes (the last step). */
const DEMO_COMPUTE = 'cpu-cluster'

/** The v2 walk: examples/jobs/train/job.yml, then examples/endpoints/. */
const ENDPOINT = 'linear-endpoint'
const SCORE_ROWS = '[[1, 2], [3, 4]]'
const v2Steps: Step[] = [
  {
    name: 'v2-1. Submit the training job examples/jobs/train/job.yml (code and data uploaded), its log streamed',
    id: 'train',
    inputs: {
      operation: 'submit-job',
      ...workspace,
      job: 'examples/jobs/train/job.yml',
      set: `compute=azureml:${seed.computeName}`
    },
    check: r =>
      r.outputs.status !== 'Completed'
        ? `status ${r.outputs.status}`
        : r.stdout.includes('model: w=')
          ? undefined
          : "the job's log did not show the model"
  },
  {
    name: 'v2-2. Submit it again: the same folder, so nothing is uploaded',
    inputs: {
      operation: 'submit-job',
      ...workspace,
      job: 'examples/jobs/train/job.yml',
      set: `compute=azureml:${seed.computeName}`
    },
    check: r => (r.stdout.includes('nothing to upload') ? undefined : 'the code was uploaded again')
  },
  {
    name: "v2-3. Register the model from the job's output (azureml://jobs/<job>/outputs/model)",
    id: 'register',
    inputs: () => ({
      operation: 'register-model',
      ...workspace,
      'model-name': 'linear-model',
      'model-path': `azureml://jobs/${outputs.train.jobName}/outputs/model`
    })
  },
  {
    name: "v2-3a. Register the environment examples/mlops/environment.yml (image + conda file; the MLOps templates' flow)",
    id: 'environment',
    inputs: { operation: 'register-environment', ...workspace, environment: 'examples/mlops/environment.yml' }
  },
  {
    name: 'v2-3a2. Register the data examples/mlops/data.yml (a local folder, uploaded to the default datastore)',
    id: 'data',
    inputs: { operation: 'register-data', ...workspace, data: 'examples/mlops/data.yml' }
  },
  {
    name: 'v2-3b. Submit the pipeline examples/mlops/pipeline.yml (prepare → train → evaluate) on that data and environment',
    id: 'pipeline',
    inputs: () => ({
      operation: 'submit-job',
      ...workspace,
      job: 'examples/mlops/pipeline.yml',
      set: [
        `settings.default_compute=azureml:${seed.computeName}`,
        `inputs.raw_data.path=${outputs.data.dataId}`,
        ...['prepare', 'train', 'evaluate'].map(s => `jobs.${s}.environment=${outputs.environment.environmentId}`)
      ].join('\n')
    }),
    check: r => {
      if (r.outputs.status !== 'Completed') return `status ${r.outputs.status}`
      const steps = Object.keys(JSON.parse(r.outputs.childJobs ?? '{}') as Record<string, unknown>)
      return steps.length === 3 ? undefined : `childJobs names ${steps.length} steps, not 3`
    }
  },
  {
    name: "v2-3c. Register the model from the pipeline's output (the train step's job wrote it)",
    inputs: () => ({
      operation: 'register-model',
      ...workspace,
      'model-name': 'pipeline-linear-model',
      'model-path': `azureml://jobs/${outputs.pipeline.jobName}/outputs/trained_model`
    })
  },
  {
    name: 'v2-3d. Sweep the training script (examples/jobs/sweep.yml): 4 trials, 2 at once, the best by its mse',
    inputs: {
      operation: 'submit-job',
      ...workspace,
      job: 'examples/jobs/sweep.yml',
      set: `compute=azureml:${seed.computeName}`
    },
    check: r =>
      r.outputs.status !== 'Completed'
        ? `status ${r.outputs.status}`
        : r.outputs.bestChildRunId && r.outputs.bestMetric
          ? undefined
          : 'no bestChildRunId / bestMetric'
  },
  {
    name: `v2-4. Create the online endpoint ${ENDPOINT} (examples/endpoints/endpoint.yml)`,
    inputs: { operation: 'create-endpoint', ...workspace, endpoint: 'examples/endpoints/endpoint.yml' },
    check: r => (r.outputs.provisioningState === 'Succeeded' ? undefined : `state ${r.outputs.provisioningState}`)
  },
  {
    name: 'v2-5. Deploy the model as blue with all the traffic',
    inputs: () => ({
      operation: 'create-deployment',
      ...workspace,
      deployment: 'examples/endpoints/blue.yml',
      set: `model=azureml:linear-model:${outputs.register.modelVersion}`,
      traffic: '100'
    })
  },
  {
    name: 'v2-6. Deploy it as green, with no traffic yet',
    inputs: () => ({
      operation: 'create-deployment',
      ...workspace,
      deployment: 'examples/endpoints/green.yml',
      set: `model=azureml:linear-model:${outputs.register.modelVersion}`
    })
  },
  {
    name: `v2-7. Smoke-test green by name: ${SCORE_ROWS} (header azureml-model-deployment: green)`,
    inputs: {
      operation: 'score',
      ...workspace,
      'endpoint-name': ENDPOINT,
      'deployment-name': 'green',
      data: SCORE_ROWS
    },
    check: r => {
      console.log(`    Answer: ${r.outputs.response}  (the trained w·x + b for each row)`)
      const answer = JSON.parse(r.outputs.response ?? '[]') as number[]
      return answer.length === 2 && Math.abs(answer[0] - 7) < 0.5 ? undefined : 'unexpected predictions'
    }
  },
  {
    name: 'v2-8. Move all traffic to green',
    inputs: { operation: 'set-traffic', ...workspace, 'endpoint-name': ENDPOINT, traffic: 'green=100' }
  },
  {
    name: 'v2-9. Delete blue',
    inputs: { operation: 'delete-deployment', ...workspace, 'endpoint-name': ENDPOINT, 'deployment-name': 'blue' }
  },
  {
    name: `v2-10. Clean up: delete the endpoint ${ENDPOINT}`,
    inputs: { operation: 'delete-endpoint', ...workspace, 'endpoint-name': ENDPOINT },
    check: r => (r.outputs.provisioningState === 'Deleted' ? undefined : `state ${r.outputs.provisioningState}`)
  }
]

const guideSteps: Step[] = [
  { name: '1. Get a token for the service principal', inputs: { operation: 'get-token', ...connection } },
  { name: '2. List the resource groups', inputs: { operation: 'list-resource-groups', ...connection } },
  {
    name: '3. List the workspaces of the resource group',
    inputs: { operation: 'list-workspaces', ...connection, 'resource-group': seed.resourceGroup }
  },
  {
    name: "3b. Get the workspace and its discovery document's API server",
    inputs: { operation: 'get-workspace', ...workspace },
    check: r => (r.outputs.apiEndpoint === emulator.apiUrl ? undefined : `apiEndpoint is ${r.outputs.apiEndpoint}`)
  },
  { name: '4. List the experiments (history/v1.0)', inputs: { operation: 'list-experiments', ...workspace } },
  { name: '4b. List the models (modelmanagement/v1.0)', inputs: { operation: 'list-models', ...workspace } },
  { name: '5. List the computes', inputs: { operation: 'list-computes', ...workspace } },
  {
    name: '5b. Any other call: GET the compute with the request operation',
    inputs: { operation: 'request', ...workspace, path: `{WS}/computes/${seed.computeName}` }
  },
  // Compute lifecycle (the guide's step 5): PUT, 201, then the ARM long-running operation until Succeeded.
  {
    name: `5c. Create the compute ${DEMO_COMPUTE} (PUT {WS}/computes/${DEMO_COMPUTE}, polled until Succeeded)`,
    inputs: {
      operation: 'create-compute',
      ...workspace,
      'compute-name': DEMO_COMPUTE,
      'vm-size': 'Standard_D1',
      'max-nodes': '1',
      'idle-seconds-before-scale-down': '1800'
    },
    check: r => (r.outputs.provisioningState === 'Succeeded' ? undefined : `state ${r.outputs.provisioningState}`)
  },
  // The guide's step 6: zip examples/hello, POST startrun (multipart), follow the run to Completed with its log.
  {
    name: `6. Start a run of examples/hello/hello.py on ${DEMO_COMPUTE} and wait for it, its driver log streamed`,
    inputs: {
      operation: 'start-run',
      ...workspace,
      'experiment-name': seed.experimentName,
      'source-directory': 'examples/hello',
      script: 'hello.py',
      arguments: '234',
      'compute-target': DEMO_COMPUTE,
      wait: 'true'
    },
    check: r =>
      r.outputs.status !== 'Completed'
        ? `status ${r.outputs.status}`
        : r.stdout.includes('Hello, REST!')
          ? undefined
          : 'the driver log did not show Hello, REST!'
  },
  // Models and scoring (the guide's steps 7 and 8).
  {
    name: '7. List the registered models',
    inputs: { operation: 'list-models', ...workspace },
    check: r => (Number(r.outputs.count) > 0 ? undefined : 'no model is registered')
  },
  {
    name: `7b. Delete model ${seed.modelId} (DELETE modelmanagement/v1.0{WS}/models/{id})`,
    inputs: { operation: 'delete-model', ...workspace, 'model-id': seed.modelId },
    check: r => (r.outputs.statusCode === '200' ? undefined : `statusCode is ${r.outputs.statusCode}`)
  },
  {
    name: '8. Score the deployed model with its key: {"data": [[1..10], [10..1]]}',
    inputs: {
      operation: 'score',
      'scoring-uri': seed.scoringUri,
      'scoring-key': seed.scoringKey,
      data: JSON.stringify(SCORING_ROWS)
    },
    check: r => {
      console.log(`    Answer: ${r.outputs.response}  (y = 2·x0 + 3·x1 + x2 + … + xn − 1 for each row)`)
      return r.outputs.response === JSON.stringify(SCORING_ROWS.map(predict)) ? undefined : 'unexpected predictions'
    }
  },
  // Last: delete what the demo created.
  {
    name: `9. Clean up: delete the compute ${DEMO_COMPUTE} (DELETE ?underlyingResourceAction=Delete, polled until gone)`,
    inputs: { operation: 'delete-compute', ...workspace, 'compute-name': DEMO_COMPUTE },
    check: r => (r.outputs.provisioningState === 'Deleted' ? undefined : `state ${r.outputs.provisioningState}`)
  }
]

const walks = process.argv.includes('--guide-only') ? [guideSteps] : [v2Steps, guideSteps]
const steps = walks.flat()
let failed = 0
try {
  for (const step of steps) {
    if (step === v2Steps[0])
      console.log('\n\x1b[1m═══ Azure ML v2: a CLI v2 job YAML, a model, an online endpoint ═══\x1b[0m')
    if (step === guideSteps[0])
      console.log('\n\x1b[1m═══ The guide: create, run and delete Azure ML resources using REST ═══\x1b[0m')
    const inputs = typeof step.inputs === 'function' ? step.inputs() : step.inputs
    console.log(`\n\x1b[1m▶ ${step.name}\x1b[0m  (operation: ${inputs.operation})`)
    const result = await runStep({ inputs })
    if (step.id) outputs[step.id] = result.outputs
    process.stdout.write(renderLog(result.stdout))
    if (Object.keys(result.outputs).length > 0) console.log(`Outputs:\n${formatOutputs(result)}`)
    const problem = result.exitCode !== 0 ? `exit code ${result.exitCode}` : step.check?.(result)
    if (problem) {
      failed++
      console.log(`\x1b[31m✗ ${step.name}: ${problem}\x1b[0m`)
      break
    }
    console.log(`\x1b[32m✓ done in ${result.durationMs} ms\x1b[0m`)
  }
} finally {
  await emulator.close()
}
console.log(failed ? '\nThe demo failed.' : `\nAll ${steps.length} steps succeeded.`)
process.exit(failed ? 1 : 0)

/**
 * Workflow commands rendered as the Actions log shows them: debug lines only with `npm run demo -- --debug` (as with
 * ACTIONS_STEP_DEBUG), add-mask commands consumed.
 */
function renderLog(stdout: string): string {
  return (
    stdout
      .split('\n')
      .filter(line => line !== '' && !line.startsWith('::add-mask::') && (showDebug || !line.startsWith('::debug::')))
      // ::stop-commands::TOKEN ... ::TOKEN:: (around a run's log) are consumed by the runner, not shown.
      .filter(line => !/^::stop-commands::/.test(line) && !/^::[0-9a-f-]{36}::$/.test(line))
      .map(line =>
        line
          .replace(/^::group::(.*)$/, '  ▸ $1')
          .replace(/^::endgroup::$/, '')
          .replace(
            /^::(error|warning|notice)[^:]*::(.*)$/,
            (_m, level: string, text: string) => `  ${level.toUpperCase()}: ${text}`
          )
          .replace(/^::debug::(.*)$/, '  [debug] $1')
      )
      .filter(line => line !== '')
      .map(line => (line.startsWith('  ') ? line : `    ${line}`))
      .join('\n')
      .concat('\n')
  )
}
