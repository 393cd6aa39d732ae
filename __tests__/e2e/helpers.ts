/** Shared set-up for the end-to-end tests: the emulator, and the bundle run as the runner runs it. */
import { expect } from '@jest/globals'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import { runStep, type StepOptions } from '../../demo/runner.js'

/** The emulator with its default (short) delays and no log lines. */
export async function emulatorForTests(): Promise<Emulator> {
  return startEmulator({ quiet: true })
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

/** Every form a log could show a secret in, by name. */
export function namedSecretForms(secret: string): Record<string, string> {
  return {
    raw: secret,
    'JSON-escaped': JSON.stringify(secret).slice(1, -1),
    'URL-encoded': encodeURIComponent(secret),
    'form-encoded': new URLSearchParams({ s: secret }).toString().slice(2),
    base64: Buffer.from(secret).toString('base64'),
    base64url: Buffer.from(secret).toString('base64url'),
    hex: Buffer.from(secret).toString('hex')
  }
}

/** The distinct forms long enough to search for without false hits. */
export function secretForms(secret: string): string[] {
  return [...new Set(Object.values(namedSecretForms(secret)))].filter(f => f.length >= 6)
}

/** Nothing a log line, stderr, the summary or an output shows holds the secret in any form. */
export function expectNoSecret(
  result: { stdout: string; stderr: string; summary: string; outputs: Record<string, string> },
  secret: string
): void {
  const visible = [
    ...visibleLines(result.stdout),
    result.stderr,
    result.summary,
    ...Object.values(result.outputs)
  ].join('\n')
  for (const form of secretForms(secret)) expect(visible).not.toContain(form)
}

/** The step's one `::error::` line ('' when none). */
export function errorOf(result: { commands: { command: string; value: string }[] }): string {
  return result.commands.find(c => c.command === 'error')?.value ?? ''
}

/** The requests the emulator received, token requests left out. */
export function serviceRequests(emu: Emulator): Emulator['requests'] {
  return emu.requests.filter(r => !r.path.includes('/oauth2/'))
}
