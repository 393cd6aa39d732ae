/**
 * A client secret with awkward characters never reaches the log in any form a log could show it, also with
 * ACTIONS_STEP_DEBUG=true and when the token endpoint answers with an error that echoes the request.
 * Lines starting with ::add-mask:: are consumed by the runner, never shown; everything else is checked raw.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { Emulator } from '../../emulator/index.js'
import { connection, emulatorForTests, expectNoSecret, step, workspaceInputs } from './helpers.js'

let emu: Emulator
beforeAll(async () => {
  emu = await emulatorForTests()
})
afterAll(async () => {
  await emu?.close()
})

function commandEscaped(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
}

describe('the client secret never reaches the log', () => {
  it('has the awkward characters the test needs', () => {
    for (const c of ['~', '+', '/', '=', '%', '"', ' ']) expect(emu.seed.clientSecret).toContain(c)
  })

  it.each(['get-token', 'list-resource-groups', 'list-computes', 'list-experiments', 'list-models'])(
    '%s with ACTIONS_STEP_DEBUG=true',
    async operation => {
      emu.reset()
      const result = await step(
        { operation, ...workspaceInputs(emu) },
        { env: { ACTIONS_STEP_DEBUG: 'true', RUNNER_DEBUG: '1' } }
      )
      expect(result.exitCode).toBe(0)
      expect(result.stdout).toContain('::debug::') // debug logging really was on
      // Workflow command values escape % and line breaks; the runner unescapes them before masking.
      expect(result.stdout).toContain(`::add-mask::${commandEscaped(emu.seed.clientSecret)}`)
      expectNoSecret(result, emu.seed.clientSecret)
    }
  )

  it('when the token endpoint answers with an error that echoes the request body', async () => {
    emu.reset()
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: emu.seed.clientId,
      client_secret: emu.seed.clientSecret
    }).toString()
    emu.faults.add({
      match: { method: 'POST', path: '/oauth2/token$' },
      kind: 'status',
      status: 400,
      body: {
        error: 'invalid_request',
        error_description: `AADSTS900144: The request body must contain the following parameter: 'resource'. Received: ${form} raw: ${emu.seed.clientSecret}`,
        error_codes: [900144]
      },
      times: 1
    })
    const result = await step({ operation: 'get-token', ...connection(emu) }, { env: { ACTIONS_STEP_DEBUG: 'true' } })
    expect(result.exitCode).toBe(1)
    expect(result.commands.find(c => c.command === 'error')?.value).toMatch(/AADSTS900144/)
    expectNoSecret(result, emu.seed.clientSecret)
  })
})
