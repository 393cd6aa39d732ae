/**
 * The one table the action's interface is generated from: every operation, input and output, and which operations
 * use which. `npm run generate` (scripts/generate-action.ts) writes from it the root `action.yml`, one
 * `<operation>/action.yml` per operation (with its entry files) and the README's Inputs/Outputs tables;
 * `__tests__/action-spec.test.ts` fails when any of them differs from what the generator makes, when the code reads an
 * input this table does not declare, or when the table declares an input nothing reads.
 */

export const OPERATIONS = {
  'get-token': 'Get an Entra access token (accessToken, masked; expiresOn).',
  'list-resource-groups': 'List the resource groups of a subscription.',
  'list-workspaces': 'List the Azure Machine Learning workspaces of a resource group, or of the whole subscription.',
  'get-workspace': 'Read a workspace and the regional API server its discovery document names.',
  'create-workspace': 'Create (or update) an Azure Machine Learning workspace and wait until it is provisioned.',
  'delete-workspace': 'Delete an Azure Machine Learning workspace and wait until it is gone.',
  'list-computes': 'List the computes of a workspace.',
  'create-compute': 'Create an AmlCompute cluster in a workspace and wait until it is provisioned.',
  'delete-compute': 'Delete (or detach) a compute of a workspace and wait until it is gone.',
  'list-experiments': 'List the experiments of a workspace.',
  'start-run': 'Zip a folder, start an experiment run with it and follow the run to its end.',
  'poll-run': 'Follow an existing experiment run to its end.',
  'cancel-run': 'Cancel an experiment run.',
  'submit-job': 'Submit an Azure ML job from a CLI v2 YAML (command), uploading its code, and follow it to its end.',
  'poll-job': 'Follow an existing Azure ML job to its end, streaming its log.',
  'cancel-job': 'Cancel an Azure ML job.',
  'register-model': "Register a model version from a model YAML, a local path, or a job's output.",
  'register-data':
    'Register a data asset version (uri_file, uri_folder, mltable) from a CLI v2 data YAML, uploading a local path.',
  'register-component':
    'Register a command component version from a CLI v2 component YAML (code uploaded, inline environment registered).',
  'register-environment':
    'Register an environment version from a CLI v2 environment YAML (image + conda file, or a Docker build context uploaded).',
  'create-endpoint': 'Create or update an online endpoint from a CLI v2 YAML and wait until it is provisioned.',
  'create-deployment':
    'Create or update a managed online deployment from a CLI v2 YAML (model and code uploaded as needed), optionally give it traffic.',
  'set-traffic': "Set an online endpoint's traffic between its deployments, e.g. blue=90,green=10.",
  'delete-deployment': 'Delete a deployment of an online endpoint and wait until it is gone.',
  'delete-endpoint': 'Delete an online endpoint (and its deployments) and wait until it is gone.',
  'list-models': 'List the registered models of a workspace.',
  'delete-model': 'Delete a registered model.',
  score: "Send data to a deployed model's scoring endpoint.",
  request: 'Send any Azure ML REST call, authenticated and retried.'
} as const

export type OperationName = keyof typeof OPERATIONS
export const OPERATION_NAMES = Object.keys(OPERATIONS) as OperationName[]

/** Operations whose step leaves state for the `post:` step (a run to cancel when the job ends). */
export const WITH_POST_STEP: readonly OperationName[] = ['start-run', 'poll-run', 'submit-job', 'poll-job']

export interface InputSpec {
  description: string
  default?: string
  /** The operations that read it; 'all' for every one. */
  operations: 'all' | readonly OperationName[]
  /** Operations that fail without it (declared `required: true` in their own action.yml). */
  requiredBy?: readonly OperationName[]
  /** A heading comment in the root action.yml before this input. */
  group?: string
}

export interface OutputSpec {
  description: string
  operations: readonly OperationName[]
}

const ENDPOINT_OPS_FOR_WORKSPACE: readonly OperationName[] = [
  'register-model',
  'register-data',
  'register-component',
  'register-environment',
  'create-endpoint',
  'create-deployment',
  'set-traffic',
  'delete-deployment',
  'delete-endpoint'
]
const WORKSPACE_OPS: readonly OperationName[] = [
  'get-workspace',
  'create-workspace',
  'delete-workspace',
  'list-computes',
  'create-compute',
  'delete-compute',
  'list-experiments',
  'start-run',
  'poll-run',
  'cancel-run',
  'submit-job',
  'poll-job',
  'cancel-job',
  'list-models',
  'delete-model',
  ...ENDPOINT_OPS_FOR_WORKSPACE
]
const DATA_PLANE_OPS: readonly OperationName[] = [
  'get-workspace',
  'list-experiments',
  'start-run',
  'poll-run',
  'cancel-run',
  'submit-job',
  'poll-job',
  'list-models',
  'delete-model',
  'request'
]
const LIST_OPS: readonly OperationName[] = [
  'list-resource-groups',
  'list-workspaces',
  'list-computes',
  'list-experiments',
  'list-models'
]
const RUN_OPS: readonly OperationName[] = ['start-run', 'poll-run', 'cancel-run']
const JOB_OPS: readonly OperationName[] = ['submit-job', 'poll-job', 'cancel-job']
const YAML_OPS: readonly OperationName[] = [
  'submit-job',
  'create-endpoint',
  'create-deployment',
  'register-model',
  'register-data',
  'register-component',
  'register-environment'
]
const FOLLOWING_OPS: readonly OperationName[] = ['start-run', 'poll-run', 'submit-job', 'poll-job']
const WAITING_OPS: readonly OperationName[] = [
  'create-endpoint',
  'create-deployment',
  'set-traffic',
  'delete-deployment',
  'delete-endpoint',
  'start-run',
  'submit-job',
  'cancel-job',
  'create-compute',
  'delete-compute',
  'create-workspace',
  'delete-workspace'
]
const ALL_BUT = (...ops: OperationName[]): OperationName[] => OPERATION_NAMES.filter(o => !ops.includes(o))

export const INPUTS: Record<string, InputSpec> = {
  // Root action.yml only (the per-operation folders fix it).
  operation: { description: '', operations: 'all' },

  creds: {
    group: 'Authentication: creds, or tenant-id + client-id (+ client-secret; without one, OpenID Connect).',
    description:
      'Service principal as the AZURE_CREDENTIALS JSON: {"clientId", "clientSecret", "tenantId", "subscriptionId"} ' +
      '(optional resourceManagerEndpointUrl, activeDirectoryEndpointUrl). Pass it from a secret. Masked.',
    operations: 'all'
  },
  'tenant-id': {
    description:
      'Directory (tenant) id, a GUID. With client-id and no secret, the action signs in with OpenID Connect.',
    operations: 'all'
  },
  'client-id': {
    description: 'Application (client) id of the service principal or managed identity, a GUID.',
    operations: 'all'
  },
  'client-secret': {
    description:
      'Client secret of the service principal. Leave empty for OpenID Connect (needs permissions: id-token: write). Masked.',
    operations: 'all'
  },
  audience: {
    description:
      "Audience of the GitHub ID token for OpenID Connect. Default: the cloud's (api://AzureADTokenExchange on AzureCloud).",
    operations: 'all'
  },
  cloud: {
    description:
      'AzureCloud, AzureUSGovernment or AzureChinaCloud: picks the ARM endpoint, the authority host and the OIDC audience.',
    default: 'AzureCloud',
    operations: 'all'
  },
  'arm-endpoint': {
    description:
      "Explicit Azure Resource Manager endpoint (Azure Stack, private links, the local emulator). Default: the cloud's. " +
      'Tokens go over plain http only to a loopback host.',
    operations: 'all'
  },
  'authority-host': {
    description: "Explicit Entra ID authority host, e.g. https://login.microsoftonline.com/. Default: the cloud's.",
    operations: 'all'
  },
  resource: {
    description:
      "get-token: the resource (audience) of the token. Default: the cloud's ARM endpoint. score with scoring-auth " +
      'token: the audience of the Entra token sent to the endpoint. Default: https://ml.azure.com.',
    operations: ['get-token', 'score']
  },

  'subscription-id': {
    group: 'The workspace',
    description: 'Subscription id, a GUID. Default: subscriptionId from creds.',
    operations: ALL_BUT('get-token')
  },
  'resource-group': {
    description: 'Resource group of the workspace (list-workspaces: leave empty to list the whole subscription).',
    operations: [...WORKSPACE_OPS, 'list-workspaces', 'request', 'score'],
    requiredBy: WORKSPACE_OPS
  },
  'workspace-name': {
    description: 'Azure Machine Learning workspace name.',
    operations: [...WORKSPACE_OPS, 'request', 'score'],
    requiredBy: WORKSPACE_OPS
  },
  'api-version': {
    description:
      "ARM api-version for Machine Learning calls. Default: 2019-11-01 (the guide's) for the v1 operations, 2024-04-01 " +
      'for the v2 ones (submit-job, poll-job, cancel-job).',
    operations: ALL_BUT('get-token', 'list-resource-groups')
  },
  'api-endpoint': {
    description:
      "The workspace's regional API server (e.g. https://centralus.api.azureml.ms). Default: the api server named by " +
      "the workspace's discovery document.",
    operations: DATA_PLANE_OPS
  },

  wait: {
    group: 'Behaviour',
    description:
      'Wait until long operations (provisioning, runs, jobs) end. true or false. With false, a run or job still ' +
      "running when the workflow job ends is cancelled by this action's post step (unlike az ml job create without " +
      '--stream): follow it with poll-job in a later step of the same workflow job.',
    default: 'true',
    operations: WAITING_OPS
  },
  'timeout-minutes': {
    description:
      'Fail the step when the operation has not ended after this many minutes, saying what is still running.',
    default: '360',
    operations: 'all'
  },
  'dry-run': {
    description:
      'Print every request as a curl command with secrets masked; send read requests only, never a write. true or false.',
    default: 'false',
    operations: 'all'
  },

  method: {
    group: 'request',
    description: 'The HTTP method (GET, PUT, POST, PATCH, DELETE, HEAD).',
    default: 'GET',
    operations: ['request']
  },
  service: {
    description:
      "What path is relative to: arm (the ARM endpoint, api-version added) or api (the workspace's API server).",
    default: 'arm',
    operations: ['request']
  },
  path: {
    description:
      'The path, e.g. /subscriptions/{subscriptionId}/resourcegroups. Placeholders: {subscriptionId}, ' +
      '{resourceGroup}, {workspaceName}, {WS} (the workspace id).',
    operations: ['request']
  },
  url: {
    description:
      'An absolute URL instead of path, on the ARM endpoint (service arm) or the workspace API server (service api).',
    operations: ['request']
  },
  body: { description: 'The JSON body.', operations: ['request'] },
  'body-file': { description: 'A file holding the JSON body.', operations: ['request'] },

  location: {
    group: 'Workspaces and computes',
    description:
      "The Azure region. Default: the resource group's (create-workspace), the workspace's (create-compute).",
    operations: ['create-workspace', 'create-compute']
  },
  'storage-account': {
    description: 'The storage account, an ARM id or a name in the same resource group.',
    operations: ['create-workspace']
  },
  'key-vault': {
    description: 'The key vault, an ARM id or a name in the same resource group.',
    operations: ['create-workspace']
  },
  'application-insights': {
    description: 'The Application Insights component, an ARM id or a name in the same resource group.',
    operations: ['create-workspace']
  },
  'container-registry': {
    description:
      'The container registry (optional; its admin user must be enabled), an ARM id or a name in the same resource group.',
    operations: ['create-workspace']
  },
  'friendly-name': { description: 'The display name of the workspace.', operations: ['create-workspace'] },
  description: { description: 'The description of the workspace.', operations: ['create-workspace'] },
  definition: {
    description:
      'The whole PUT body, inline JSON or the path of a JSON file, instead of the single inputs (location, when ' +
      'given, still overrides its location).',
    operations: ['create-workspace', 'create-compute']
  },
  'compute-name': {
    description:
      'The compute name (2-24 letters, digits or -, starting with a letter, e.g. cpu-cluster or gpu-v100-1GPU-cluster).',
    operations: ['create-compute', 'delete-compute'],
    requiredBy: ['create-compute', 'delete-compute']
  },
  'vm-size': { description: 'The VM size.', default: 'Standard_DS3_v2', operations: ['create-compute'] },
  'vm-priority': { description: 'Dedicated or LowPriority.', default: 'Dedicated', operations: ['create-compute'] },
  'min-nodes': {
    description: 'The minimum node count (at most max-nodes).',
    default: '0',
    operations: ['create-compute']
  },
  'max-nodes': { description: 'The maximum node count.', default: '1', operations: ['create-compute'] },
  'idle-seconds-before-scale-down': {
    description: 'Idle seconds before nodes scale down, sent as an ISO 8601 duration (1800 → PT30M).',
    default: '1800',
    operations: ['create-compute']
  },
  'admin-username': {
    description: 'The nodes admin user name (required with admin-password).',
    operations: ['create-compute']
  },
  'admin-password': { description: 'The nodes admin password. Masked.', operations: ['create-compute'] },
  'underlying-resource-action': {
    description: 'Delete (remove the compute) or Detach (keep the underlying resource).',
    default: 'Delete',
    operations: ['delete-compute']
  },

  'experiment-name': {
    group: 'Runs',
    description:
      "The experiment. submit-job: overrides the YAML's experiment_name (default there: the repository's name, as az ml).",
    operations: [...RUN_OPS, 'submit-job'],
    requiredBy: RUN_OPS
  },
  'source-directory': {
    description: 'The folder zipped as the run snapshot (.amlignore, else .gitignore, applies).',
    default: '.',
    operations: ['start-run']
  },
  script: { description: 'The entry script, relative to source-directory.', operations: ['start-run'] },
  arguments: { description: 'The script arguments, one a line.', operations: ['start-run'] },
  'compute-target': { description: 'The compute to run on.', operations: ['start-run'] },
  'run-definition': {
    description:
      "The run definition (the guide's runDefinition.json), a file or inline JSON; script, arguments and " +
      'compute-target override it.',
    operations: ['start-run']
  },
  'run-id': {
    description: 'start-run: the run id to use (default {experiment}_{epoch ms}); poll-run, cancel-run: the run.',
    operations: RUN_OPS,
    requiredBy: ['poll-run', 'cancel-run']
  },
  'cancel-on-timeout': {
    description: 'Cancel the run or job when timeout-minutes passes. true or false.',
    default: 'false',
    operations: FOLLOWING_OPS
  },
  'comment-on-pr': {
    description:
      "Post the run's result (status, duration, metrics, portal link) as one comment on the pull request that " +
      'triggered the workflow, updated in place on a rerun. Needs permissions: pull-requests: write. true or false.',
    default: 'false',
    operations: FOLLOWING_OPS
  },
  'github-token': {
    description: 'The token that posts the pull request comment (comment-on-pr). Masked.',
    default: '${{ github.token }}',
    operations: FOLLOWING_OPS
  },

  job: {
    group: 'Jobs (v2)',
    description:
      'The CLI v2 job YAML (type command or pipeline), relative to the workspace: what you pass to az ml job create ' +
      '-f. Paths in it are relative to the YAML file; local code, input paths and component files are uploaded.',
    operations: ['submit-job'],
    requiredBy: ['submit-job']
  },
  set: {
    description:
      'Overrides of the YAML (job, endpoint, deployment, model, data, environment or component), one path=value a line, like az ml ... --set: ' +
      'inputs.learning_rate=0.01, compute=azureml:gpu-cluster, environment_variables.SEED=7, instance_count=2.',
    operations: YAML_OPS
  },
  'job-name': {
    description:
      "submit-job: the job's name (default: the YAML's name, else a new unique one); poll-job, cancel-job: the job.",
    operations: JOB_OPS,
    requiredBy: ['poll-job', 'cancel-job']
  },
  'if-job-exists': {
    description:
      'What to do when a job of the chosen name already exists (a workflow re-run): fail (before any upload, naming ' +
      'the job, its status and link) or follow (follow that job to its end as poll-job does; nothing is created).',
    default: 'fail',
    operations: ['submit-job']
  },

  endpoint: {
    group: 'Online endpoints and models (v2)',
    description:
      'create-endpoint: the online endpoint YAML (name, auth_mode, description, tags, traffic), relative to the workspace.',
    operations: ['create-endpoint'],
    requiredBy: ['create-endpoint']
  },
  deployment: {
    description:
      'create-deployment: the managed online deployment YAML (name, endpoint_name, model, code_configuration, ' +
      'environment, instance_type, instance_count, ...), relative to the workspace; local model and code are uploaded.',
    operations: ['create-deployment'],
    requiredBy: ['create-deployment']
  },
  traffic: {
    description:
      'set-traffic: every share, blue=90,green=10 (adding up to 100, or all 0). create-deployment: the new ' +
      "deployment's share once it is up (a number, e.g. 100 for all traffic; the others keep their proportions), or every share.",
    operations: ['create-deployment', 'set-traffic'],
    requiredBy: ['set-traffic']
  },
  'endpoint-name': {
    description: 'The online endpoint. score: score it by name (its URI and key are read from Azure).',
    operations: ['score', 'set-traffic', 'delete-endpoint', 'delete-deployment'],
    requiredBy: ['set-traffic', 'delete-endpoint', 'delete-deployment']
  },
  'deployment-name': {
    description:
      'The deployment. score: send the request to this deployment (header azureml-model-deployment), whatever the traffic.',
    operations: ['score', 'delete-deployment'],
    requiredBy: ['delete-deployment']
  },
  model: {
    description:
      'register-model: the model YAML (name, version, path, type, description, tags), relative to the workspace.',
    operations: ['register-model']
  },
  component: {
    description:
      'register-component: the command, parallel or pipeline component YAML (name, version, inputs, outputs, ' +
      'code, environment, command, task or jobs), relative to the workspace.',
    operations: ['register-component'],
    requiredBy: ['register-component']
  },
  environment: {
    description:
      'register-environment: the environment YAML (name, version, image, conda_file, build, os_type, description, ' +
      'tags), relative to the GitHub workspace (the repository checkout).',
    operations: ['register-environment'],
    requiredBy: ['register-environment']
  },
  'model-name': {
    description: 'register-model without a YAML: the model name (the version is the next one).',
    operations: ['register-model']
  },
  'model-path': {
    description:
      "register-model without a YAML: a local file or folder (uploaded), a job's output azureml://jobs/<job>/outputs/<output> " +
      "(a pipeline's output is registered from the step that wrote it), or azureml://datastores/<ds>/paths/<path>.",
    operations: ['register-model']
  },
  'model-type': {
    description: 'register-model without a YAML: custom_model, mlflow_model or triton_model.',
    default: 'custom_model',
    operations: ['register-model']
  },

  'model-id': {
    group: 'Models and scoring',
    description: 'The model id, e.g. sklearn_regression_model.pkl:1.',
    operations: ['delete-model'],
    requiredBy: ['delete-model']
  },
  'scoring-uri': {
    description:
      "The deployed model's scoring URI (instead of endpoint-name): https, or plain http only to a loopback host.",
    operations: ['score']
  },
  'scoring-key': { description: "The endpoint's key. Masked.", operations: ['score'] },
  'scoring-auth': {
    description:
      'key (send scoring-key; needs no Azure credentials and no workspace) or token (an Entra token from the auth ' +
      'inputs, for resource).',
    default: 'key',
    operations: ['score']
  },
  data: {
    description:
      'score: JSON input; an array is sent as {"data": [...]}, an object as it is. register-data: the data YAML ' +
      '(name, version, path, type, description, tags, datastore), relative to the GitHub workspace (the repository ' +
      'checkout), as for az ml data ' +
      'create -f; a local path in it is uploaded.',
    operations: ['score', 'register-data'],
    requiredBy: ['register-data']
  },
  'data-file': { description: 'A file holding the JSON input (instead of data).', operations: ['score'] },
  'scoring-timeout-seconds': {
    description:
      'The timeout of each scoring attempt, in seconds. 503, 504 and connection errors are retried, 4 attempts in all.',
    default: '60',
    operations: ['score']
  }
}

const WITH_RESPONSE: readonly OperationName[] = [
  ...LIST_OPS,
  'get-workspace',
  'create-workspace',
  'create-compute',
  'start-run',
  'poll-run',
  'submit-job',
  'poll-job',
  'cancel-job',
  'register-model',
  'register-data',
  'register-component',
  'register-environment',
  'create-endpoint',
  'create-deployment',
  'set-traffic',
  'score',
  'request'
]

export const OUTPUTS: Record<string, OutputSpec> = {
  accessToken: { description: 'The access token (masked).', operations: ['get-token'] },
  expiresOn: { description: 'When the token expires, ISO 8601.', operations: ['get-token'] },
  response: {
    description: 'The JSON body of the answer (empty when larger than 256 KiB: read responseFile).',
    operations: WITH_RESPONSE
  },
  responseFile: { description: 'A file under RUNNER_TEMP holding the whole response.', operations: WITH_RESPONSE },
  count: { description: 'The number of items listed.', operations: LIST_OPS },
  resourceId: {
    description: 'The ARM id of the workspace, compute, online endpoint or deployment.',
    operations: [
      'get-workspace',
      'create-workspace',
      'delete-workspace',
      'create-compute',
      'delete-compute',
      'create-endpoint',
      'delete-endpoint',
      'delete-deployment'
    ]
  },
  apiEndpoint: {
    description: "The workspace's regional API server (the discovery document's api).",
    operations: ['get-workspace']
  },
  provisioningState: {
    description:
      'The provisioning state: Succeeded at the end of a create (Creating with wait false), Deleted once a delete is done.',
    operations: [
      'create-workspace',
      'delete-workspace',
      'create-compute',
      'delete-compute',
      'create-endpoint',
      'create-deployment',
      'set-traffic',
      'delete-deployment',
      'delete-endpoint'
    ]
  },
  endpointName: {
    description: 'The online endpoint.',
    operations: ['create-endpoint', 'create-deployment', 'set-traffic', 'delete-endpoint', 'delete-deployment']
  },
  scoringUri: { description: "The online endpoint's scoring URI.", operations: ['create-endpoint'] },
  deploymentName: { description: 'The deployment.', operations: ['create-deployment', 'delete-deployment'] },
  modelName: { description: 'The registered model.', operations: ['register-model'] },
  modelVersion: {
    description: 'The registered version (the next one when none was given).',
    operations: ['register-model']
  },
  modelId: { description: "The model version's ARM id, for a deployment's model:.", operations: ['register-model'] },
  dataName: { description: 'The registered data asset.', operations: ['register-data'] },
  dataVersion: {
    description: "The data asset's version (the YAML's, else the next one).",
    operations: ['register-data']
  },
  dataId: {
    description:
      "The data version's ARM id, /subscriptions/.../workspaces/<ws>/data/<name>/versions/<version>: usable as a " +
      "job input's path as it is (or as azureml:<that id>), like azureml:<name>:<version>.",
    operations: ['register-data']
  },
  componentName: { description: 'The registered component.', operations: ['register-component'] },
  componentVersion: {
    description: "The component's version (the YAML's, else the next one).",
    operations: ['register-component']
  },
  componentId: {
    description: "The component version's ARM id, for a pipeline step's component:.",
    operations: ['register-component']
  },
  environmentName: { description: 'The registered environment.', operations: ['register-environment'] },
  environmentVersion: {
    description: "The environment's version (the YAML's, else the next one).",
    operations: ['register-environment']
  },
  environmentId: {
    description: "The environment version's ARM id, for a job's or deployment's environment:.",
    operations: ['register-environment']
  },
  runId: { description: 'The run id, set as soon as the run exists.', operations: RUN_OPS },
  jobName: { description: "The job's name, set before the job is created.", operations: JOB_OPS },
  status: {
    description:
      'The run or job status (Completed, Failed, Canceled, ...), the last one seen also when the step fails.',
    operations: [...RUN_OPS, ...JOB_OPS]
  },
  portalUrl: { description: "The run's or job's page in Azure ML studio.", operations: FOLLOWING_OPS },
  childJobs: {
    description:
      'A pipeline job\'s steps (JSON): step name → {"jobName", "status", "startTimeUtc", "endTimeUtc"} (times once ' +
      'known), in the order the steps were first seen; set at each change of a step while the pipeline is followed. ' +
      'A sub-pipeline\'s steps appear under "<sub>/<step>" keys after the sub-pipeline\'s own.',
    operations: ['submit-job', 'poll-job']
  },
  bestChildRunId: {
    description:
      "A sweep job's best trial (its job name), from the sweep's best_child_run_id, when the service reports it.",
    operations: ['submit-job', 'poll-job']
  },
  bestMetric: {
    description: "The best trial's primary metric value (text), when the service reports it beside bestChildRunId.",
    operations: ['submit-job', 'poll-job']
  },
  statusCode: { description: 'The HTTP status of the answer.', operations: ['request', 'score', 'delete-model'] }
}

export function inputsOf(operation: OperationName): [string, InputSpec][] {
  return Object.entries(INPUTS).filter(
    ([name, spec]) => name !== 'operation' && (spec.operations === 'all' || spec.operations.includes(operation))
  )
}

export function outputsOf(operation: OperationName): [string, OutputSpec][] {
  return Object.entries(OUTPUTS).filter(([, spec]) => spec.operations.includes(operation))
}
