/** Reads of the emulator's ARM resources as a test sees them (a token from its Entra, then a GET), for assertions. */
import type { Emulator } from '../../emulator/index.js'

/** `{WS}` of the seeded workspace. */
export function seededWorkspace(emu: Emulator): string {
  return (
    `/subscriptions/${emu.seed.subscriptionId}/resourceGroups/${emu.seed.resourceGroup}` +
    `/providers/Microsoft.MachineLearningServices/workspaces/${emu.seed.workspaceName}`
  )
}

/** GET `{WS}{path}` at the v2 api-version: the status and the parsed body. */
export async function armGet(emu: Emulator, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const token = (await (
    await fetch(`${emu.url}/${emu.seed.tenantId}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: emu.seed.clientId,
        client_secret: emu.seed.clientSecret,
        resource: `${emu.url}/`
      })
    })
  ).json()) as { access_token: string }
  const sep = path.includes('?') ? '&' : '?'
  const response = await fetch(`${emu.url}${seededWorkspace(emu)}${path}${sep}api-version=2024-04-01`, {
    headers: { authorization: `Bearer ${token.access_token}` }
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}
