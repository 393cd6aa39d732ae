/**
 * Bad input, across every operation (v2 jobs, models and online endpoints included: missing and malformed inputs, YAML
 * errors naming file:line:field, traffic that does not add up, bad names): the step fails before any request is sent
 * (the emulator's request log stays empty), exit code 1, exactly one `::error::` line naming the input
 * (`Input '<name>'`) and the expected form, no stack trace, and no secret echoed. The read operations' cases came from
 * __tests__/e2e/bad-inputs.test.ts (all kept).
 */
import { afterAll, describe, expect, it } from '@jest/globals'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type { Emulator } from '../../emulator/index.js'
import { connection, credsOf, step, visibleLines, workspaceInputs } from '../e2e/helpers.js'
import { HELLO, withEmulator, writeFigures } from './support.js'

type Inputs = Record<string, string | undefined>
const SECRET_JSON = '{"clientId": "x", "clientSecret": "hunter2-very-secret'
const PASSWORD = 'hunter2-Adm1n~P@ss word'
const SCORING_KEY = 'hunter2-scoring-key-0123456789'

const scratch = mkdtempSync(join(tmpdir(), 'aml-bad-inputs-'))
const A_FILE = join(scratch, 'not-a-folder.txt')
writeFileSync(A_FILE, 'x')
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

/** The YAML files of the v2 operations' cases (and what they point at), in the scratch folder. */
const ENV = 'environment:\n  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest\n'
const DEPLOYMENT = [
  'name: green',
  'endpoint_name: rel-endpoint',
  'model: azureml:linear-model:1',
  'code_configuration:',
  '  code: ./score',
  '  scoring_script: score.py',
  'environment:',
  '  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest',
  'instance_type: Standard_DS3_v2',
  'instance_count: 1'
].join('\n')
const YAML_FILES: Record<string, string> = {
  'score/score.py': 'def init():\n    pass\n\ndef run(raw):\n    return raw\n',
  'model/model.json': '{"weights": [2, 3], "bias": -1}',
  'job-ok.yml': `type: command\ncommand: echo hi\n${ENV}compute: azureml:cpu-compute\n`,
  'job-unknown-field.yml': `type: command\ncomand: echo hi\n${ENV}compute: azureml:cpu-compute\n`,
  'job-not-yaml.yml': 'type: command\ncommand: [echo, hi\n',
  'job-no-command.yml': `type: command\n${ENV}compute: azureml:cpu-compute\n`,
  'job-no-code-folder.yml': `type: command\ncommand: echo hi\ncode: ./no-such-src\n${ENV}compute: azureml:cpu-compute\n`,
  'job-bad-input.yml': `type: command\ncommand: echo hi\n${ENV}inputs:\n  data:\n    type: uri_folder\n    path: ./no-such-data\n`,
  'endpoint-unknown-field.yml': 'name: rel-endpoint\nauth_mod: key\n',
  'endpoint-auth-mode.yml': 'name: rel-endpoint\nauth_mode: password\n',
  'endpoint-bad-name.yml': 'name: 1-endpoint\nauth_mode: key\n',
  'endpoint-no-name.yml': 'auth_mode: key\n',
  'endpoint-traffic.yml': 'name: rel-endpoint\ntraffic:\n  blue: 60\n  green: 20\n',
  'deployment-ok.yml': `${DEPLOYMENT}\n`,
  'deployment-unknown-field.yml': `${DEPLOYMENT}\ninstance_typ: Standard_DS3_v2\n`,
  'deployment-no-endpoint.yml': `${DEPLOYMENT.replace('endpoint_name: rel-endpoint\n', '')}\n`,
  'deployment-instances.yml': `${DEPLOYMENT.replace('instance_count: 1', 'instance_count: 0')}\n`,
  'deployment-no-code-folder.yml': `${DEPLOYMENT.replace('code: ./score', 'code: ./no-such-score')}\n`,
  'model-unknown-field.yml': 'name: linear-model\npath: ./model\ntyp: custom_model\n',
  'model-no-path.yml': 'name: linear-model\ntype: custom_model\n',
  'model-bad-type.yml': 'name: linear-model\npath: ./model\ntype: onnx_model\n',
  'component-pipeline.yml': 'name: p\ntype: pipeline\njobs: {}\n',
  'component-unknown-field.yml': `name: c\ntype: command\ncomand: echo hi\n${ENV}`,
  'component-bad-input.yml': `name: c\ncommand: echo hi\n${ENV}inputs:\n  n:\n    type: float\n`,
  'component-no-code-folder.yml': `name: c\ncommand: echo hi\ncode: ./no-such-src\n${ENV}`,
  'data-unknown-field.yml': 'name: d\npath: ./model\ntyp: uri_folder\n',
  'data-file-is-folder.yml': 'name: d\ntype: uri_file\npath: ./model\n',
  'data-mltable-no-file.yml': 'name: d\ntype: mltable\npath: ./model\n',
  'environment-no-source.yml': 'name: e\ndescription: neither image nor build\n',
  'environment-no-context.yml': 'name: e\nbuild:\n  path: ./no-such-context\n'
}
for (const [rel, text] of Object.entries(YAML_FILES)) {
  mkdirSync(dirname(join(scratch, rel)), { recursive: true })
  writeFileSync(join(scratch, rel), text)
}
const yamlFile = (name: string): string => join(scratch, name)

const ws = (e: Emulator, operation: string, more: Inputs = {}): Inputs => ({
  operation,
  ...workspaceInputs(e),
  ...more
})
const compute = (e: Emulator, more: Inputs = {}): Inputs =>
  ws(e, 'create-compute', {
    'compute-name': 'cpu-cluster',
    'admin-username': 'azureuser',
    'admin-password': PASSWORD,
    ...more
  })
const workspace = (e: Emulator, more: Inputs = {}): Inputs =>
  ws(e, 'create-workspace', {
    'workspace-name': 'ws-new',
    location: e.seed.location,
    'storage-account': e.seed.storageAccountId,
    'key-vault': e.seed.keyVaultId,
    'application-insights': e.seed.applicationInsightsId,
    ...more
  })
const startRun = (e: Emulator, more: Inputs = {}): Inputs =>
  ws(e, 'start-run', {
    'experiment-name': 'exp',
    'compute-target': e.seed.computeName,
    'source-directory': HELLO,
    script: 'hello.py',
    ...more
  })
const run = (e: Emulator, operation: string, more: Inputs = {}): Inputs =>
  ws(e, operation, { 'experiment-name': e.seed.experimentName, 'run-id': e.seed.runId, ...more })
const score = (e: Emulator, more: Inputs = {}): Inputs => ({
  operation: 'score',
  'scoring-uri': e.seed.scoringUri,
  'scoring-key': SCORING_KEY,
  data: '[[1, 2, 3]]',
  ...more
})
const submitJob = (e: Emulator, more: Inputs = {}): Inputs =>
  ws(e, 'submit-job', { job: yamlFile('job-ok.yml'), set: `compute=azureml:${e.seed.computeName}`, ...more })
const registerModel = (e: Emulator, more: Inputs = {}): Inputs =>
  ws(e, 'register-model', { 'model-name': 'linear-model', 'model-path': join(scratch, 'model'), ...more })
const createEndpoint = (e: Emulator, file: string, more: Inputs = {}): Inputs =>
  ws(e, 'create-endpoint', { endpoint: yamlFile(file), ...more })
const createDeployment = (e: Emulator, more: Inputs = {}): Inputs =>
  ws(e, 'create-deployment', { deployment: yamlFile('deployment-ok.yml'), ...more })
const setTraffic = (e: Emulator, more: Inputs = {}): Inputs =>
  ws(e, 'set-traffic', { 'endpoint-name': 'rel-endpoint', traffic: 'blue=90,green=10', ...more })
const scoreByName = (e: Emulator, more: Inputs = {}): Inputs =>
  ws(e, 'score', { 'endpoint-name': 'rel-endpoint', data: '[[1, 2]]', ...more })

/** [title, inputs, the input named, more of the message] */
const cases: [string, (emu: Emulator) => Inputs, string, RegExp?][] = [
  // ---- common inputs and the read operations (from __tests__/e2e/bad-inputs.test.ts)
  ['no operation', e => ({ ...connection(e) }), 'operation'],
  ['an unknown operation', e => ({ operation: 'list-everything', ...connection(e) }), 'operation', /one of get-token/],
  [
    'creds that are not JSON',
    e => ({ operation: 'get-token', ...connection(e), creds: SECRET_JSON }),
    'creds',
    /not valid JSON/
  ],
  [
    'creds without clientSecret',
    e => ({ operation: 'get-token', ...connection(e), creds: credsOf(e, { clientSecret: undefined }) }),
    'creds',
    /clientSecret/
  ],
  [
    'creds with a malformed tenantId',
    e => ({ operation: 'get-token', ...connection(e), creds: credsOf(e, { tenantId: 'contoso' }) }),
    'creds',
    /tenantId/
  ],
  [
    'a malformed tenant-id',
    e => ({
      operation: 'get-token',
      'tenant-id': 'contoso.onmicrosoft',
      'client-id': e.seed.clientId,
      'arm-endpoint': e.url
    }),
    'tenant-id',
    /GUID/
  ],
  [
    'a malformed client-id',
    e => ({ operation: 'get-token', 'tenant-id': e.seed.tenantId, 'client-id': 'my-app', 'arm-endpoint': e.url }),
    'client-id',
    /GUID/
  ],
  [
    'a malformed subscription-id',
    e => ({ operation: 'list-resource-groups', ...connection(e), 'subscription-id': '1234' }),
    'subscription-id',
    /GUID/
  ],
  [
    'client-id without tenant-id',
    e => ({ operation: 'get-token', 'client-id': e.seed.clientId, 'arm-endpoint': e.url }),
    'tenant-id'
  ],
  [
    'creds and client-id together',
    e => ({ operation: 'get-token', ...connection(e), 'client-id': e.seed.clientId }),
    'creds',
    /not both/
  ],
  [
    'no credentials at all',
    e => ({ operation: 'list-resource-groups', 'subscription-id': e.seed.subscriptionId, 'arm-endpoint': e.url }),
    'creds',
    /id-token: write/
  ],
  ['an unknown cloud', e => ({ operation: 'get-token', ...connection(e), cloud: 'AzureMars' }), 'cloud', /AzureCloud/],
  [
    'an arm-endpoint that is not a URL',
    e => ({ operation: 'get-token', ...connection(e), 'arm-endpoint': 'management' }),
    'arm-endpoint',
    /URL/
  ],
  [
    'a plain-http arm-endpoint off this machine',
    e => ({ operation: 'get-token', ...connection(e), 'arm-endpoint': 'http://management.example.com/' }),
    'arm-endpoint',
    /https/
  ],
  [
    'an ftp authority-host',
    e => ({ operation: 'get-token', ...connection(e), 'authority-host': 'ftp://login.example.com/' }),
    'authority-host'
  ],
  [
    'dry-run that is not a boolean',
    e => ({ operation: 'get-token', ...connection(e), 'dry-run': 'maybe' }),
    'dry-run',
    /true or false/
  ],
  [
    'wait that is not a boolean',
    e => ({ operation: 'get-token', ...connection(e), wait: 'yes' }),
    'wait',
    /true or false/
  ],
  [
    'timeout-minutes that is not a number',
    e => ({ operation: 'get-token', ...connection(e), 'timeout-minutes': 'ten' }),
    'timeout-minutes',
    /number/
  ],
  [
    'timeout-minutes of 0',
    e => ({ operation: 'get-token', ...connection(e), 'timeout-minutes': '0' }),
    'timeout-minutes'
  ],
  [
    'a malformed api-version',
    e => ({ operation: 'list-computes', ...workspaceInputs(e), 'api-version': 'latest' }),
    'api-version',
    /2019-11-01/
  ],
  [
    'get-workspace without resource-group',
    e => ({ operation: 'get-workspace', ...workspaceInputs(e), 'resource-group': undefined }),
    'resource-group'
  ],
  [
    'get-workspace without workspace-name',
    e => ({ operation: 'get-workspace', ...workspaceInputs(e), 'workspace-name': undefined }),
    'workspace-name'
  ],
  [
    'a workspace-name too short',
    e => ({ operation: 'list-models', ...workspaceInputs(e), 'workspace-name': 'w' }),
    'workspace-name',
    /3-33/
  ],
  [
    'a resource-group with a slash',
    e => ({ operation: 'list-computes', ...workspaceInputs(e), 'resource-group': 'rg/x' }),
    'resource-group'
  ],
  ['request without path or url', e => ({ operation: 'request', ...connection(e) }), 'path'],
  [
    'request with a relative path',
    e => ({ operation: 'request', ...connection(e), path: 'subscriptions' }),
    'path',
    /starting with \//
  ],
  [
    'request with an unknown method',
    e => ({ operation: 'request', ...connection(e), path: '/subscriptions', method: 'FETCH' }),
    'method',
    /GET/
  ],
  [
    'request with a body that is not JSON',
    e => ({ operation: 'request', ...connection(e), path: '/x', method: 'PUT', body: '{"a": ' }),
    'body',
    /JSON/
  ],
  [
    'request with a body on a GET',
    e => ({ operation: 'request', ...connection(e), path: '/x', body: '{}' }),
    'body',
    /no body/
  ],
  [
    'request with a missing body-file',
    e => ({ operation: 'request', ...connection(e), path: '/x', method: 'PUT', 'body-file': '/no/such/file.json' }),
    'body-file',
    /ENOENT/
  ],
  [
    'request with a url on another host',
    e => ({ operation: 'request', ...connection(e), url: 'https://example.com/subscriptions' }),
    'url',
    /ARM endpoint/
  ],
  [
    'list-resource-groups without a subscription',
    e => ({
      operation: 'list-resource-groups',
      'tenant-id': e.seed.tenantId,
      'client-id': e.seed.clientId,
      'client-secret': 'x',
      'arm-endpoint': e.url,
      'authority-host': e.url
    }),
    'subscription-id'
  ],
  // ---- list-workspaces, get-workspace, list-experiments
  [
    'list-workspaces with a resource-group too long',
    e => ({ operation: 'list-workspaces', ...connection(e), 'resource-group': 'g'.repeat(91) }),
    'resource-group'
  ],
  [
    'list-experiments with a workspace-name holding a space',
    e => ws(e, 'list-experiments', { 'workspace-name': 'my ws' }),
    'workspace-name'
  ],
  [
    'get-token with a resource that is not a URL',
    e => ({ operation: 'get-token', ...connection(e), resource: 'management' }),
    'resource'
  ],
  // ---- create-compute, delete-compute
  ['create-compute without compute-name', e => compute(e, { 'compute-name': undefined }), 'compute-name', /required/],
  ['create-compute with a one-letter compute-name', e => compute(e, { 'compute-name': 'x' }), 'compute-name', /2-24/],
  [
    'create-compute with a compute-name ending in -',
    e => compute(e, { 'compute-name': 'cluster-' }),
    'compute-name',
    /ending with a letter or digit/
  ],
  [
    'create-compute with max-nodes < min-nodes',
    e => compute(e, { 'min-nodes': '3', 'max-nodes': '2' }),
    'min-nodes',
    /not be more than max-nodes \(2\), got 3/
  ],
  ['create-compute with max-nodes 0', e => compute(e, { 'max-nodes': '0' }), 'max-nodes', /whole number from 1/],
  ['create-compute with min-nodes -1', e => compute(e, { 'min-nodes': '-1' }), 'min-nodes', /whole number from 0/],
  ['create-compute with max-nodes 1.5', e => compute(e, { 'max-nodes': '1.5' }), 'max-nodes', /whole number/],
  [
    'create-compute with vm-priority Spot',
    e => compute(e, { 'vm-priority': 'Spot' }),
    'vm-priority',
    /one of Dedicated, LowPriority, got 'Spot'/
  ],
  [
    'create-compute with idle seconds not a number',
    e => compute(e, { 'idle-seconds-before-scale-down': 'PT30M' }),
    'idle-seconds-before-scale-down',
    /whole number/
  ],
  [
    'create-compute with a vm-size holding a slash',
    e => compute(e, { 'vm-size': 'Standard/D1' }),
    'vm-size',
    /Standard_DS3_v2/
  ],
  ['create-compute with a location holding a comma', e => compute(e, { location: 'central,us' }), 'location'],
  [
    'create-compute with admin-password but no admin-username',
    e => compute(e, { 'admin-username': undefined }),
    'admin-username',
    /required with admin-password/
  ],
  [
    'create-compute with an admin-username starting with a digit',
    e => compute(e, { 'admin-username': '1admin' }),
    'admin-username'
  ],
  [
    'create-compute with a definition that is not JSON',
    e => compute(e, { 'admin-username': undefined, 'admin-password': undefined, definition: '{"properties": ' }),
    'definition',
    /not valid JSON/
  ],
  [
    'create-compute with a definition lacking computeType',
    e => compute(e, { 'admin-username': undefined, 'admin-password': undefined, definition: '{"properties": {}}' }),
    'definition',
    /computeType/
  ],
  [
    'create-compute with a definition and admin-password together',
    e => compute(e, { definition: '{"properties": {"computeType": "AmlCompute"}}' }),
    'definition',
    /either definition or admin-username/
  ],
  [
    'delete-compute with underlying-resource-action Keep',
    e => ws(e, 'delete-compute', { 'compute-name': 'cpu-compute', 'underlying-resource-action': 'Keep' }),
    'underlying-resource-action',
    /one of Delete, Detach, got 'Keep'/
  ],
  ['delete-compute without compute-name', e => ws(e, 'delete-compute'), 'compute-name', /required/],
  // ---- create-workspace, delete-workspace
  [
    'create-workspace with a key vault id in storage-account',
    e => workspace(e, { 'storage-account': e.seed.keyVaultId }),
    'storage-account',
    /Microsoft.Storage\/storageAccounts/
  ],
  ['create-workspace without key-vault', e => workspace(e, { 'key-vault': undefined }), 'key-vault', /required/],
  [
    'create-workspace with a malformed ARM id',
    e => workspace(e, { 'application-insights': '/subscriptions/x/providers' }),
    'application-insights',
    /ARM id/
  ],
  [
    'create-workspace with a container-registry name holding _',
    e => workspace(e, { 'container-registry': 'bad_name!' }),
    'container-registry'
  ],
  [
    'create-workspace with a definition that is an array',
    e => workspace(e, { definition: '[1, 2]' }),
    'definition',
    /JSON object/
  ],
  [
    'create-workspace with a definition without properties',
    e => workspace(e, { definition: '{"location": "centralus"}' }),
    'definition',
    /with properties/
  ],
  [
    'delete-workspace with a workspace-name of 34 characters',
    e => ws(e, 'delete-workspace', { 'workspace-name': 'w'.repeat(34) }),
    'workspace-name',
    /3-33/
  ],
  // ---- start-run, poll-run, cancel-run
  [
    'start-run with an experiment-name holding a slash',
    e => startRun(e, { 'experiment-name': 'team/exp' }),
    'experiment-name',
    /letters, digits, _ or -/
  ],
  ['start-run without experiment-name', e => startRun(e, { 'experiment-name': undefined }), 'experiment-name'],
  [
    'start-run with a run-id starting with -',
    e => startRun(e, { 'run-id': '-run' }),
    'run-id',
    /starting with a letter or digit/
  ],
  ['start-run with a run-id holding a dot', e => startRun(e, { 'run-id': 'run.1' }), 'run-id'],
  [
    'start-run with a missing source-directory',
    e => startRun(e, { 'source-directory': join(scratch, 'no-such-folder') }),
    'source-directory',
    /does not exist/
  ],
  [
    'start-run with a file as source-directory',
    e => startRun(e, { 'source-directory': A_FILE }),
    'source-directory',
    /is a file/
  ],
  [
    'start-run with a script missing from the snapshot',
    e => startRun(e, { script: 'train.py' }),
    'script',
    /train\.py/
  ],
  ['start-run without any script', e => startRun(e, { script: undefined }), 'script', /required by start-run/],
  [
    'start-run with run-definition bad JSON',
    e => startRun(e, { 'run-definition': '{"Configuration": {' }),
    'run-definition',
    /not valid JSON/
  ],
  [
    'start-run with run-definition without Configuration',
    e => startRun(e, { 'run-definition': '{"Script": "hello.py"}' }),
    'run-definition',
    /no Configuration/
  ],
  [
    'start-run with run-definition Arguments not an array',
    e => startRun(e, { 'run-definition': '{"Configuration": {"Script": "hello.py", "Arguments": "--lr 0.1"}}' }),
    'run-definition',
    /Arguments must be an array/
  ],
  [
    'start-run with a run-definition file that does not exist',
    e => startRun(e, { 'run-definition': join(scratch, 'no-definition.json') }),
    'run-definition',
    /cannot read file/
  ],
  [
    'start-run with a compute-target holding a space',
    e => startRun(e, { 'compute-target': 'cpu cluster' }),
    'compute-target'
  ],
  ['start-run with cancel-on-timeout maybe', e => startRun(e, { 'cancel-on-timeout': 'maybe' }), 'cancel-on-timeout'],
  ['poll-run without run-id', e => run(e, 'poll-run', { 'run-id': undefined }), 'run-id', /required/],
  ['poll-run with a run-id holding a slash', e => run(e, 'poll-run', { 'run-id': 'a/b' }), 'run-id'],
  [
    'cancel-run without experiment-name',
    e => run(e, 'cancel-run', { 'experiment-name': undefined }),
    'experiment-name'
  ],
  [
    'cancel-run with a run-id of 257 characters',
    e => run(e, 'cancel-run', { 'run-id': 'r'.repeat(257) }),
    'run-id',
    /1-256/
  ],
  // ---- delete-model, score
  ['delete-model without model-id', e => ws(e, 'delete-model'), 'model-id', /required/],
  [
    'delete-model with a model-id without version',
    e => ws(e, 'delete-model', { 'model-id': 'sklearn_regression_model.pkl' }),
    'model-id',
    /name:version/
  ],
  ['delete-model with a version that is not a number', e => ws(e, 'delete-model', { 'model-id': 'm:v1' }), 'model-id'],
  [
    'score with a scoring-uri over http to a remote host',
    e => score(e, { 'scoring-uri': 'http://example.com/score' }),
    'scoring-uri',
    /plain http/
  ],
  [
    'score with a scoring-uri holding a password',
    e => score(e, { 'scoring-uri': 'https://user:hunter2@example.com/score' }),
    'scoring-uri',
    /user name or password/
  ],
  ['score with data that is not JSON', e => score(e, { data: '[[1, 2' }), 'data', /not valid JSON/],
  ['score with data a JSON string', e => score(e, { data: '"rows"' }), 'data', /got a JSON string/],
  [
    'score with scoring-key and scoring-auth token',
    e => ({ ...score(e, { 'scoring-auth': 'token' }), ...connection(e) }),
    'scoring-key',
    /not both/
  ],
  [
    'score with scoring-timeout-seconds over an hour',
    e => score(e, { 'scoring-timeout-seconds': '7200' }),
    'scoring-timeout-seconds'
  ],
  // ---- submit-job, poll-job, cancel-job (v2 jobs)
  ['submit-job without job', e => submitJob(e, { job: undefined }), 'job', /required by submit-job/],
  [
    'submit-job with if-job-exists neither fail nor follow',
    e => submitJob(e, { 'if-job-exists': 'overwrite' }),
    'if-job-exists',
    /expected one of fail, follow, got 'overwrite'/
  ],
  ['submit-job with a job file that does not exist', e => submitJob(e, { job: yamlFile('nope.yml') }), 'job'],
  [
    'submit-job with an unknown field in the YAML',
    e => submitJob(e, { job: yamlFile('job-unknown-field.yml') }),
    'job',
    /job-unknown-field\.yml:2: comand: unknown field 'comand' \(did you mean 'command'\?\)/
  ],
  [
    'submit-job with a YAML that does not parse',
    e => submitJob(e, { job: yamlFile('job-not-yaml.yml') }),
    'job',
    /job-not-yaml\.yml:\d+/
  ],
  [
    'submit-job with no command',
    e => submitJob(e, { job: yamlFile('job-no-command.yml') }),
    'job',
    /job-no-command\.yml(:\d+)?: .*command/
  ],
  [
    'submit-job with a code folder that is not there',
    e => submitJob(e, { job: yamlFile('job-no-code-folder.yml') }),
    'job',
    /job-no-code-folder\.yml:3: code: local folder .*no-such-src' does not exist/
  ],
  [
    'submit-job with a local input that is not there',
    e => submitJob(e, { job: yamlFile('job-bad-input.yml') }),
    'job',
    /job-bad-input\.yml:\d+: inputs\.data\.path: .*no-such-data/
  ],
  [
    'submit-job with a set line without =',
    e => submitJob(e, { set: 'compute' }),
    'set',
    /line 1 \(compute\): expected 'path=value'/
  ],
  [
    'submit-job with a set line naming an unknown field',
    e => submitJob(e, { set: 'comput=azureml:cpu-compute' }),
    'set',
    /unknown field 'comput' \(did you mean 'compute'\?\)/
  ],
  [
    'submit-job with a job-name holding a space',
    e => submitJob(e, { 'job-name': 'my job' }),
    'job-name',
    /letters, digits, _ or -/
  ],
  [
    'submit-job with an experiment-name holding a slash',
    e => submitJob(e, { 'experiment-name': 'team/exp' }),
    'experiment-name'
  ],
  ['submit-job with cancel-on-timeout maybe', e => submitJob(e, { 'cancel-on-timeout': 'maybe' }), 'cancel-on-timeout'],
  ['submit-job with comment-on-pr yes', e => submitJob(e, { 'comment-on-pr': 'yes' }), 'comment-on-pr'],
  ['poll-job without job-name', e => ws(e, 'poll-job'), 'job-name', /required/],
  ['poll-job with a job-name holding a slash', e => ws(e, 'poll-job', { 'job-name': 'a/b' }), 'job-name'],
  ['cancel-job without job-name', e => ws(e, 'cancel-job'), 'job-name', /required/],
  [
    'cancel-job with a job-name of 256 characters',
    e => ws(e, 'cancel-job', { 'job-name': 'j'.repeat(256) }),
    'job-name',
    /1-255/
  ],
  [
    'cancel-job without workspace-name',
    e => ws(e, 'cancel-job', { 'job-name': 'j1', 'workspace-name': undefined }),
    'workspace-name'
  ],
  // ---- register-model
  [
    'register-model with neither model nor model-name',
    e => registerModel(e, { 'model-name': undefined, 'model-path': undefined }),
    'model-name',
    /required by register-model/
  ],
  [
    'register-model with model and model-name together',
    e => registerModel(e, { model: yamlFile('model-no-path.yml') }),
    'model',
    /not both/
  ],
  [
    'register-model with a model-name holding a space',
    e => registerModel(e, { 'model-name': 'linear model' }),
    'model-name'
  ],
  [
    'register-model with model-name but no model-path',
    e => registerModel(e, { 'model-path': undefined }),
    'model-path',
    /required with model-name/
  ],
  [
    'register-model with a local model-path that is not there',
    e => registerModel(e, { 'model-path': join(scratch, 'no-such-model') }),
    'model-path',
    /does not exist/
  ],
  [
    'register-model with a job output path missing its output',
    e => registerModel(e, { 'model-path': 'azureml://jobs/job_1/outputs' }),
    'model-path'
  ],
  [
    'register-model with an unknown model-type',
    e => registerModel(e, { 'model-type': 'onnx_model' }),
    'model-type',
    /custom_model/
  ],
  [
    'register-model with an unknown field in the model YAML',
    e => ws(e, 'register-model', { model: yamlFile('model-unknown-field.yml') }),
    'model',
    /model-unknown-field\.yml:3: typ: unknown field/
  ],
  [
    'register-model with a model YAML without path',
    e => ws(e, 'register-model', { model: yamlFile('model-no-path.yml') }),
    'model',
    /model-no-path\.yml.*path/
  ],
  [
    'register-model with a model YAML of an unknown type',
    e => ws(e, 'register-model', { model: yamlFile('model-bad-type.yml') }),
    'model',
    /model-bad-type\.yml:3: type/
  ],
  // ---- register-data
  ['register-data without data', e => ws(e, 'register-data'), 'data', /required by register-data/],
  [
    'register-data with an unknown field in the data YAML',
    e => ws(e, 'register-data', { data: yamlFile('data-unknown-field.yml') }),
    'data',
    /data-unknown-field\.yml:3: typ: unknown field/
  ],
  [
    'register-data with a uri_file that is a folder',
    e => ws(e, 'register-data', { data: yamlFile('data-file-is-folder.yml') }),
    'data',
    /data-file-is-folder\.yml:3: path: .*is a folder; a file is needed here/
  ],
  [
    'register-data with an mltable folder without an MLTable file',
    e => ws(e, 'register-data', { data: yamlFile('data-mltable-no-file.yml') }),
    'data',
    /data-mltable-no-file\.yml:3: path: .*holds no MLTable file/
  ],
  // ---- register-component
  [
    'register-component without component',
    e => ws(e, 'register-component'),
    'component',
    /required by register-component/
  ],
  [
    'register-component with a pipeline component without steps',
    e => ws(e, 'register-component', { component: yamlFile('component-pipeline.yml') }),
    'component',
    /component-pipeline\.yml:3: jobs: a pipeline needs at least one step/
  ],
  [
    'register-component with an unknown field',
    e => ws(e, 'register-component', { component: yamlFile('component-unknown-field.yml') }),
    'component',
    /component-unknown-field\.yml:3: comand/
  ],
  [
    'register-component with an unknown input type',
    e => ws(e, 'register-component', { component: yamlFile('component-bad-input.yml') }),
    'component',
    /component-bad-input\.yml:7: inputs\.n\.type/
  ],
  [
    'register-component with a code folder that is not there',
    e => ws(e, 'register-component', { component: yamlFile('component-no-code-folder.yml') }),
    'component',
    /component-no-code-folder\.yml:3: code/
  ],
  // ---- register-environment
  [
    'register-environment without environment',
    e => ws(e, 'register-environment'),
    'environment',
    /required by register-environment/
  ],
  [
    'register-environment with neither image nor build',
    e => ws(e, 'register-environment', { environment: yamlFile('environment-no-source.yml') }),
    'environment',
    /environment-no-source\.yml:1: .*needs 'image'/
  ],
  [
    'register-environment with a build context folder that is not there',
    e => ws(e, 'register-environment', { environment: yamlFile('environment-no-context.yml') }),
    'environment',
    /environment-no-context\.yml:3: build\.path/
  ],
  // ---- create-endpoint
  ['create-endpoint without endpoint', e => ws(e, 'create-endpoint'), 'endpoint', /required by create-endpoint/],
  [
    'create-endpoint with an endpoint file that does not exist',
    e => createEndpoint(e, 'no-such-endpoint.yml'),
    'endpoint'
  ],
  [
    'create-endpoint with an unknown field in the YAML',
    e => createEndpoint(e, 'endpoint-unknown-field.yml'),
    'endpoint',
    /endpoint-unknown-field\.yml:2: auth_mod: unknown field 'auth_mod' \(did you mean 'auth_mode'\?\)/
  ],
  [
    'create-endpoint with an auth_mode that does not exist',
    e => createEndpoint(e, 'endpoint-auth-mode.yml'),
    'endpoint',
    /endpoint-auth-mode\.yml:2: auth_mode/
  ],
  [
    'create-endpoint with a name starting with a digit',
    e => createEndpoint(e, 'endpoint-bad-name.yml'),
    'endpoint',
    /endpoint-bad-name\.yml:1: name/
  ],
  ['create-endpoint with no name', e => createEndpoint(e, 'endpoint-no-name.yml'), 'endpoint', /name/],
  [
    'create-endpoint with YAML traffic adding up to 80',
    e => createEndpoint(e, 'endpoint-traffic.yml'),
    'endpoint',
    /endpoint-traffic\.yml:\d+: traffic: .*80/
  ],
  [
    'create-endpoint with a set line making the name invalid',
    e => createEndpoint(e, 'endpoint-auth-mode.yml', { set: 'auth_mode=key\nname=ep_1' }),
    'set',
    /line 2 \(name=ep_1\): name: the string 'ep_1' is not a name/
  ],
  // ---- create-deployment
  [
    'create-deployment without deployment',
    e => createDeployment(e, { deployment: undefined }),
    'deployment',
    /required by create-deployment/
  ],
  [
    'create-deployment with an unknown field in the YAML',
    e => createDeployment(e, { deployment: yamlFile('deployment-unknown-field.yml') }),
    'deployment',
    /deployment-unknown-field\.yml:11: instance_typ: unknown field 'instance_typ' \(did you mean 'instance_type'\?\)/
  ],
  [
    'create-deployment with no endpoint_name',
    e => createDeployment(e, { deployment: yamlFile('deployment-no-endpoint.yml') }),
    'deployment',
    /endpoint_name/
  ],
  [
    'create-deployment with instance_count 0',
    e => createDeployment(e, { deployment: yamlFile('deployment-instances.yml') }),
    'deployment',
    /deployment-instances\.yml:10: instance_count/
  ],
  [
    'create-deployment with a code folder that is not there',
    e => createDeployment(e, { deployment: yamlFile('deployment-no-code-folder.yml') }),
    'deployment',
    /deployment-no-code-folder\.yml:5: code_configuration\.code: .*no-such-score/
  ],
  [
    'create-deployment with a set line making the name invalid',
    e => createDeployment(e, { set: 'name=-green' }),
    'set',
    /line 1 \(name=-green\): name/
  ],
  ['create-deployment with traffic 150', e => createDeployment(e, { traffic: '150' }), 'traffic', /0-100; got 150/],
  [
    'create-deployment with traffic shares adding up to 70',
    e => createDeployment(e, { traffic: 'blue=50,green=20' }),
    'traffic',
    /add up to 70/
  ],
  [
    'create-deployment with traffic that gives the new deployment no share',
    e => createDeployment(e, { traffic: 'blue=100' }),
    'traffic',
    /no share for the deployment being created \(green\)/
  ],
  ['create-deployment with traffic ten', e => createDeployment(e, { traffic: 'ten' }), 'traffic', /deployment=percent/],
  // ---- set-traffic
  [
    'set-traffic without endpoint-name',
    e => setTraffic(e, { 'endpoint-name': undefined }),
    'endpoint-name',
    /required by set-traffic/
  ],
  ['set-traffic without traffic', e => setTraffic(e, { traffic: undefined }), 'traffic', /required by set-traffic/],
  [
    'set-traffic with shares adding up to 70',
    e => setTraffic(e, { traffic: 'blue=50,green=20' }),
    'traffic',
    /add up to 70/
  ],
  ['set-traffic with a share of 150', e => setTraffic(e, { traffic: 'blue=150' }), 'traffic', /at most 100/],
  [
    'set-traffic with a deployment given twice',
    e => setTraffic(e, { traffic: 'blue=50,blue=50' }),
    'traffic',
    /given twice/
  ],
  [
    'set-traffic with a deployment name too short',
    e => setTraffic(e, { traffic: 'b=100' }),
    'traffic',
    /not a deployment name/
  ],
  ['set-traffic with a share that is not a number', e => setTraffic(e, { traffic: 'blue=all' }), 'traffic'],
  [
    'set-traffic with an endpoint-name holding _',
    e => setTraffic(e, { 'endpoint-name': 'rel_endpoint' }),
    'endpoint-name',
    /3-32 letters, digits or -/
  ],
  // ---- delete-deployment, delete-endpoint
  [
    'delete-deployment without deployment-name',
    e => ws(e, 'delete-deployment', { 'endpoint-name': 'rel-endpoint' }),
    'deployment-name',
    /required/
  ],
  [
    'delete-deployment without endpoint-name',
    e => ws(e, 'delete-deployment', { 'deployment-name': 'blue' }),
    'endpoint-name',
    /required by delete-deployment/
  ],
  [
    'delete-deployment with a deployment-name starting with -',
    e => ws(e, 'delete-deployment', { 'endpoint-name': 'rel-endpoint', 'deployment-name': '-blue' }),
    'deployment-name'
  ],
  [
    'delete-endpoint without endpoint-name',
    e => ws(e, 'delete-endpoint'),
    'endpoint-name',
    /required by delete-endpoint/
  ],
  [
    'delete-endpoint with an endpoint-name of 33 characters',
    e => ws(e, 'delete-endpoint', { 'endpoint-name': `e${'x'.repeat(32)}` }),
    'endpoint-name'
  ],
  [
    'delete-endpoint without resource-group',
    e => ws(e, 'delete-endpoint', { 'endpoint-name': 'rel-endpoint', 'resource-group': undefined }),
    'resource-group'
  ],
  // ---- score by endpoint-name
  [
    'score with endpoint-name and scoring-uri together',
    e => scoreByName(e, { 'scoring-uri': e.seed.scoringUri }),
    'scoring-uri',
    /either endpoint-name or scoring-uri/
  ],
  [
    'score with endpoint-name and scoring-key together',
    e => scoreByName(e, { 'scoring-key': SCORING_KEY }),
    'scoring-key',
    /either endpoint-name or scoring-key/
  ],
  [
    'score with an endpoint-name holding a dot',
    e => scoreByName(e, { 'endpoint-name': 'rel.endpoint' }),
    'endpoint-name'
  ],
  [
    'score with a deployment-name holding a space',
    e => scoreByName(e, { 'deployment-name': 'blue green' }),
    'deployment-name'
  ],
  [
    'score with endpoint-name but no workspace-name',
    e => scoreByName(e, { 'workspace-name': undefined }),
    'workspace-name'
  ],
  ['score with endpoint-name and no data', e => scoreByName(e, { data: undefined }), 'data', /required by score/]
]

const OPERATIONS = new Set(
  'get-token list-resource-groups list-workspaces get-workspace create-workspace delete-workspace list-computes create-compute delete-compute list-experiments start-run poll-run cancel-run list-models delete-model score request submit-job poll-job cancel-job register-model register-data create-endpoint create-deployment set-traffic delete-deployment delete-endpoint'.split(
    ' '
  )
)
const operationsCovered = new Set<string>()

afterAll(() => {
  writeFigures('bad-inputs', {
    summary: { tried: cases.length, operations: operationsCovered.size },
    operations: [...operationsCovered].sort(),
    cases: cases.map(([title, , input]) => ({ case: title, input }))
  })
})

describe(`bad input fails before any request (${cases.length} cases)`, () => {
  // Objects, not tuples: jest hands a `done` callback to a test whose row is shorter than its parameter list.
  const rows = cases.map(([title, inputsOf, inputName, detail]) => ({ title, inputsOf, inputName, detail }))
  it.concurrent.each(rows)('$title → names $inputName', async ({ inputsOf, inputName, detail }) => {
    await withEmulator(async emu => {
      const inputs = inputsOf(emu)
      if (inputs.operation && OPERATIONS.has(inputs.operation)) operationsCovered.add(inputs.operation)
      const result = await step(inputs)
      expect(result.exitCode).toBe(1)
      const errors = result.commands.filter(c => c.command === 'error')
      expect(errors).toHaveLength(1)
      expect(errors[0].value).toContain(`Input '${inputName}'`)
      if (detail) expect(errors[0].value).toMatch(detail)
      expect(result.stdout + result.stderr).not.toMatch(/\n\s+at /) // no stack trace
      const shown = [...visibleLines(result.stdout), result.stderr, result.summary].join('\n')
      expect(shown).not.toContain('hunter2')
      expect(emu.requests).toHaveLength(0)
    })
  })
})
