import type { Context } from '../base/context.js'
import type { GetTokenOperation } from './inputs.js'

/** The guide's first step: an Entra access token for `resource` (masked; it can call Azure on the job's behalf). */
export async function getToken(op: GetTokenOperation, ctx: Context): Promise<void> {
  const token = await ctx.tokens.getToken(op.resource)
  ctx.outputs.setSecret('accessToken', token.token)
  const expiresOn = new Date(token.expiresOn).toISOString()
  ctx.outputs.set('expiresOn', expiresOn)
  ctx.report.facts.push(['Resource', op.resource], ['Expires', expiresOn])
}
