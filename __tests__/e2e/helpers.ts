/** Shared set-up for the end-to-end tests: the emulator, and the bundle run as the runner runs it. */
import { startEmulator, type Emulator } from '../../emulator/index.js'
import { runStep, type StepOptions } from '../../demo/runner.js'

export async function emulatorForTests(): Promise<Emulator> {
  return startEmulator({ quiet: true, config: fastConfig() })
}

/** Near-zero provisioning and run-state delays: the tests check behaviour, not waiting. */
function fastConfig(): Record<string, unknown> {
  return {}
}

export function credsOf(emu: Emulator, override: Partial<Record<string, string>> = {}): string {
  return JSON.stringify({
    clientId: emu.seed.clientId,
    clientSecret: emu.seed.clientSecret,
    tenantId: emu.seed.tenantId,
    subscriptionId: emu.seed.subscriptionId,
    ...override
  })
}

export function connection(emu: Emulator): Record<string, string> {
  return { creds: credsOf(emu), 'arm-endpoint': emu.url, 'authority-host': emu.url }
}

export function workspaceInputs(emu: Emulator): Record<string, string> {
  return { ...connection(emu), 'resource-group': emu.seed.resourceGroup, 'workspace-name': emu.seed.workspaceName }
}

export function step(inputs: StepOptions['inputs'], more: Omit<StepOptions, 'inputs'> = {}) {
  return runStep({ inputs, ...more })
}

/** The lines of a step's stdout that the runner would print (add-mask commands are consumed, not shown). */
export function visibleLines(stdout: string): string[] {
  return stdout.split('\n').filter(line => !line.startsWith('::add-mask::'))
}

/** Every form a log could show a secret in. */
export function secretForms(secret: string): string[] {
  const forms = new Set([
    secret,
    encodeURIComponent(secret),
    new URLSearchParams({ s: secret }).toString().slice(2),
    JSON.stringify(secret).slice(1, -1),
    Buffer.from(secret).toString('base64'),
    Buffer.from(secret).toString('base64url'),
    Buffer.from(secret).toString('hex')
  ])
  return [...forms].filter(f => f.length >= 6)
}
