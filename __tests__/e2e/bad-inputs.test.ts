/**
 * Bad input fails the step before any request is sent, with one line naming the input and the expected form, no
 * stack trace, and no secret echoed. The emulator's request log proves nothing was sent.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { Emulator } from '../../emulator/index.js'
import { connection, credsOf, emulatorForTests, step, visibleLines, workspaceInputs } from './helpers.js'

let emu: Emulator
beforeAll(async () => {
  emu = await emulatorForTests()
})
afterAll(async () => {
  await emu?.close()
})

type Inputs = Record<string, string | undefined>
const SECRET_JSON = '{"clientId": "x", "clientSecret": "hunter2-very-secret'

const cases: [string, (emu: Emulator) => Inputs, string, RegExp?][] = [
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
  ]
]

describe('bad input fails before any request', () => {
  // Objects, not tuples: jest hands a `done` callback to a test whose row is shorter than its parameter list.
  const rows = cases.map(([title, inputsOf, inputName, detail]) => ({ title, inputsOf, inputName, detail }))
  it.each(rows)('$title → names $inputName', async ({ inputsOf, inputName, detail }) => {
    emu.reset()
    const result = await step(inputsOf(emu))
    expect(result.exitCode).toBe(1)
    const errors = result.commands.filter(c => c.command === 'error')
    expect(errors).toHaveLength(1)
    expect(errors[0].value).toContain(`Input '${inputName}'`)
    if (detail) expect(errors[0].value).toMatch(detail)
    expect(result.stdout + result.stderr).not.toMatch(/\n\s+at /) // no stack trace
    expect(visibleLines(result.stdout).join('\n')).not.toContain('hunter2')
    expect(emu.requests).toHaveLength(0)
  })
})
