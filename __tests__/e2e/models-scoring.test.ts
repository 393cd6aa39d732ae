/**
 * Models and scoring, end to end: the bundle (dist/index.js) under Node 24 against the emulator. delete-model follows
 * the guide's DELETE (a missing model is "already gone"); score POSTs to the scoring URI with the key (or an Entra
 * token), and the emulator's endpoint really computes y = 2·x0 + 3·x1 + (x2+…+xn) − 1, so the answers are checked.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { predict, type Emulator } from '../../emulator/index.js'
import { connection, emulatorForTests, errorOf, expectNoSecret, step, workspaceInputs } from './helpers.js'

let emu: Emulator
beforeAll(async () => {
  emu = await emulatorForTests()
})
afterAll(async () => {
  await emu?.close()
})
beforeEach(() => emu.reset())

const scoreRequests = () => emu.requests.filter(r => r.operationId === 'Emulator_Score')

function scoreInputs(more: Record<string, string> = {}): Record<string, string> {
  return { operation: 'score', 'scoring-uri': emu.seed.scoringUri, 'scoring-key': emu.seed.scoringKey, ...more }
}

const ROWS = [
  [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  [0.5, -1, 0, 2, 0, 0, 0, 0, 0, 0]
]

describe('delete-model', () => {
  it('deletes a listed model (DELETE modelmanagement/v1.0{WS}/models/{id}); it is then gone from the list', async () => {
    const before = await step({ operation: 'list-models', ...workspaceInputs(emu) })
    expect(before.exitCode).toBe(0)
    const ids = (JSON.parse(before.outputs.response).value as { id: string }[]).map(m => m.id)
    expect(ids).toContain(emu.seed.modelId)

    emu.reset()
    const result = await step({ operation: 'delete-model', ...workspaceInputs(emu), 'model-id': emu.seed.modelId })
    expect(result.stderr).toBe('')
    expect(result.exitCode).toBe(0)
    expect(result.outputs.statusCode).toBe('200')
    const [request] = emu.requests.filter(r => r.method === 'DELETE')
    expect(request.server).toBe('api')
    expect(request.path).toBe(
      `/modelmanagement/v1.0/subscriptions/${emu.seed.subscriptionId}/resourceGroups/${emu.seed.resourceGroup}` +
        `/providers/Microsoft.MachineLearningServices/workspaces/${emu.seed.workspaceName}/models/` +
        encodeURIComponent(emu.seed.modelId)
    )
    expect(request.query['api-version']).toBe('2019-11-01')
    expect(request.status).toBe(200)
    expect(result.stdout).toContain(`Deleted model ${emu.seed.modelId}`)
    expect(result.summary).toContain(emu.seed.modelId)
    expect(result.summary).toContain('deleted (200)')

    const after = await step({ operation: 'list-models', ...workspaceInputs(emu) })
    const left = (JSON.parse(after.outputs.response).value as { id: string }[]).map(m => m.id)
    expect(left).not.toContain(emu.seed.modelId)
    expect(left.length).toBe(ids.length - 1)
  })

  it('succeeds on a model that is not there, saying it is already gone', async () => {
    const result = await step({ operation: 'delete-model', ...workspaceInputs(emu), 'model-id': 'no-such-model:7' })
    expect(result.exitCode).toBe(0)
    expect(result.outputs.statusCode).toBe('404')
    expect(result.stdout).toContain('Model no-such-model:7 is already gone')
    expect(result.summary).toContain('already gone (404)')
    expect(emu.requests.filter(r => r.method === 'DELETE')).toHaveLength(1)
  })

  it('refuses a malformed model-id before any request', async () => {
    const result = await step({ operation: 'delete-model', ...workspaceInputs(emu), 'model-id': 'model/../x' })
    expect(result.exitCode).toBe(1)
    expect(errorOf(result)).toMatch(/^Input 'model-id': expected a model id such as/)
    expect(emu.requests).toHaveLength(0)
  })
})

describe('score', () => {
  it('POSTs {"data": [...]} with the key and returns the real predictions; the key is never shown', async () => {
    const result = await step(scoreInputs({ data: JSON.stringify(ROWS) }), { env: { ACTIONS_STEP_DEBUG: 'true' } })
    expect(result.stderr).toBe('')
    expect(result.exitCode).toBe(0)
    expect(result.outputs.statusCode).toBe('200')
    expect(JSON.parse(result.outputs.response)).toEqual(ROWS.map(predict))
    expect(JSON.parse(result.outputs.response)).toEqual([59, -1])

    // Only the scoring endpoint was called: no token, no ARM, no workspace needed with a key.
    expect(emu.requests).toHaveLength(1)
    const [request] = scoreRequests()
    expect(request.method).toBe('POST')
    expect(request.path).toBe(new URL(emu.seed.scoringUri).pathname)
    expect(request.headers['content-type']).toMatch(/^application\/json/)
    expect(JSON.parse(request.body)).toEqual({ data: ROWS })

    expect(result.stdout).toContain('::add-mask::' + emu.seed.scoringKey)
    expectNoSecret(result, emu.seed.scoringKey)
    expect(result.summary).toContain('2 rows from data')
    expect(result.summary).not.toContain('0.5')
  })

  it('sends a JSON object as it is', async () => {
    const body = { data: [[1, 1]], method: 'predict', note: 'kept' }
    const result = await step(scoreInputs({ data: JSON.stringify(body) }))
    expect(result.exitCode).toBe(0)
    expect(JSON.parse(scoreRequests()[0].body)).toEqual(body)
    expect(JSON.parse(result.outputs.response)).toEqual([4])
  })

  it('reads the input from data-file', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'score-')), 'rows.json')
    writeFileSync(file, JSON.stringify([[3, 0, 1, 1]]))
    const result = await step(scoreInputs({ 'data-file': file }))
    expect(result.exitCode).toBe(0)
    expect(JSON.parse(result.outputs.response)).toEqual([predict([3, 0, 1, 1])])
    expect(JSON.parse(scoreRequests()[0].body)).toEqual({ data: [[3, 0, 1, 1]] })
    expect(result.summary).toContain('1 row from data-file')
  })

  it('fails on a wrong key (401) with the status and the service message, never showing the key', async () => {
    const wrongKey = 'wrongKeyZ9y8X7w6V5u4T3s2R1q0'
    const result = await step(scoreInputs({ 'scoring-key': wrongKey, data: '[[1, 2]]' }), {
      env: { ACTIONS_STEP_DEBUG: 'true' }
    })
    expect(result.exitCode).toBe(1)
    const error = errorOf(result)
    expect(error).toContain('401')
    expect(error).toContain('the scoring key is wrong')
    expect(result.outputs.statusCode).toBe('401')
    expect(scoreRequests()).toHaveLength(1)
    expectNoSecret(result, wrongKey)
    expect(result.stdout).toContain('::add-mask::' + wrongKey)
  })

  it('retries a 503 and succeeds when the endpoint recovers', async () => {
    emu.faults.add({ match: { operationId: 'Emulator_Score' }, kind: 'status', status: 503, times: 2 })
    const result = await step(scoreInputs({ data: '[[1, 2]]' }))
    expect(result.exitCode).toBe(0)
    expect(JSON.parse(result.outputs.response)).toEqual([predict([1, 2])])
    expect(scoreRequests().map(r => r.status)).toEqual([503, 503, 200])
  })

  it('gives up after its retry budget when the endpoint stays unavailable', async () => {
    emu.faults.add({ match: { operationId: 'Emulator_Score' }, kind: 'status', status: 504, times: -1 })
    const result = await step(scoreInputs({ data: '[[1, 2]]' }))
    expect(result.exitCode).toBe(1)
    expect(errorOf(result)).toContain('504')
    expect(result.outputs.statusCode).toBe('504')
    expect(scoreRequests()).toHaveLength(4)
  })

  it('does not retry a 400, and says what the service said', async () => {
    const result = await step(scoreInputs({ data: '[[1, "x"]]' }))
    expect(result.exitCode).toBe(1)
    expect(errorOf(result)).toContain('400')
    expect(errorOf(result)).toContain('data[0][1] is not a number')
    expect(scoreRequests()).toHaveLength(1)
    expect(result.outputs.statusCode).toBe('400')
    expect(JSON.parse(result.outputs.response)).toHaveProperty('error')
  })

  it('returns an answer that is not JSON as text', async () => {
    emu.faults.add({
      match: { operationId: 'Emulator_Score' },
      kind: 'status',
      status: 200,
      headers: { 'Content-Type': 'text/plain; charset=utf-8' },
      body: 'prediction: 42 (not json)'
    })
    const result = await step(scoreInputs({ data: '[[1, 2]]' }))
    expect(result.exitCode).toBe(0)
    expect(result.outputs.response).toBe('prediction: 42 (not json)')
    expect(result.outputs.statusCode).toBe('200')
    expect(result.summary).toContain('bytes of text (not JSON)')
  })

  it('dry-run prints the scoring request as curl with the key masked, and sends nothing', async () => {
    const result = await step(scoreInputs({ data: '[[1, 2]]', 'dry-run': 'true' }))
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toContain(`curl -X POST '${emu.seed.scoringUri}'`)
    expect(result.stdout).toContain("-H 'Authorization: Bearer ***'")
    expect(emu.requests).toHaveLength(0)
    expect(result.outputs.statusCode).toBeUndefined()
    expectNoSecret(result, emu.seed.scoringKey)
  })

  it('scoring-auth: token sends an Entra token for https://ml.azure.com instead of a key', async () => {
    const result = await step({
      operation: 'score',
      ...connection(emu),
      'scoring-auth': 'token',
      'scoring-uri': emu.seed.scoringUri,
      data: '[[2, 2, 2]]'
    })
    expect(result.stderr).toBe('')
    expect(result.exitCode).toBe(0)
    expect(JSON.parse(result.outputs.response)).toEqual([predict([2, 2, 2])])
    const tokenRequest = emu.requests.find(r => r.path.endsWith('/oauth2/token'))
    expect(tokenRequest?.body).toContain(`resource=${encodeURIComponent('https://ml.azure.com')}`)
    expect(scoreRequests()).toHaveLength(1)
    expect(result.summary).toContain('Entra token for https://ml.azure.com')
  })

  it('scoring-auth: token without credentials fails before any request', async () => {
    const result = await step({
      operation: 'score',
      'scoring-auth': 'token',
      'scoring-uri': emu.seed.scoringUri,
      data: '[[1]]'
    })
    expect(result.exitCode).toBe(1)
    expect(errorOf(result)).toMatch(/^Input 'creds': no credentials/)
    expect(emu.requests).toHaveLength(0)
  })
})

describe('score: bad inputs fail before any request', () => {
  it.each([
    ['malformed data', { data: '[[1, 2], [3, "secret-ish-text"' }, /^Input 'data': not valid JSON/],
    ['data that is neither an array nor an object', { data: '42' }, /^Input 'data': expected a JSON array/],
    ['an empty array', { data: '[]' }, /^Input 'data': the array is empty/],
    ['both data and data-file', { data: '[[1]]', 'data-file': 'x.json' }, /^Input 'data': give either/],
    ['neither data nor data-file', {}, /^Input 'data': required by score/],
    ['a missing data-file', { 'data-file': '/nonexistent/rows.json' }, /^Input 'data-file': cannot read file/],
    ['a missing scoring-uri', { data: '[[1]]', 'scoring-uri': '' }, /^Input 'scoring-uri': required by score/],
    [
      'a relative scoring-uri',
      { data: '[[1]]', 'scoring-uri': '/score' },
      /^Input 'scoring-uri': expected an absolute/
    ],
    [
      'a plain http scoring-uri to another host',
      { data: '[[1]]', 'scoring-uri': 'http://example.com/score' },
      /^Input 'scoring-uri': plain http to 'example.com' would send credentials unencrypted/
    ],
    ['a missing scoring-key', { data: '[[1]]', 'scoring-key': '' }, /^Input 'scoring-key': required by score/],
    ['an unknown scoring-auth', { data: '[[1]]', 'scoring-auth': 'basic' }, /^Input 'scoring-auth': expected one of/],
    [
      'a bad scoring-timeout-seconds',
      { data: '[[1]]', 'scoring-timeout-seconds': '0' },
      /^Input 'scoring-timeout-seconds': expected a number/
    ]
  ])('%s', async (_name, inputs, message) => {
    const result = await step(scoreInputs(inputs as Record<string, string>))
    expect(result.exitCode).toBe(1)
    const error = errorOf(result)
    expect(error).toMatch(message)
    expect(error).not.toContain('secret-ish-text')
    expect(result.stdout).not.toMatch(/^\s+at /m) // no stack trace
    expect(emu.requests).toHaveLength(0)
  })
})
