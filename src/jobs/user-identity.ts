/**
 * A job that runs with the submitter's identity (YAML `identity: {type: user_identity}`, REST `properties.identity
 * .identityType: UserIdentity`, command or pipeline job) is submitted with an extra header, `x-azureml-token`: an Entra
 * token of the submitter for the cloud's Azure ML resource (`https://ml.azure.com` in AzureCloud; `auth/clouds.ts`
 * `amlResource`), which the service hands on to the job. azure-ai-ml 1.4 `operations/_job_operations.py`
 * `create_or_update` (only when `properties.identity` is a `UserIdentity`) and `_set_headers_with_user_aml_token`
 * (scope `<resource>/.default`; refused when the token's `aud` is not the resource).
 */
import * as core from '@actions/core'
import { readJwtClaims } from '../auth/jwt.js'
import { formatProblem, problemAt, type YamlSource } from '../cli-yaml/load.js'
import type { Context } from '../base/context.js'
import { AuthenticationError } from '../base/errors.js'
import type { CommonSettings } from '../base/settings.js'

export const AML_TOKEN_HEADER = 'x-azureml-token'

/** Whether a job's REST body (`{properties: {identity?: {identityType}}}`) asks for the user's identity. */
export function usesUserIdentity(body: { properties?: object }): boolean {
  const identity = (body.properties as { identity?: unknown } | undefined)?.identity
  return (
    typeof identity === 'object' &&
    identity !== null &&
    (identity as { identityType?: unknown }).identityType === 'UserIdentity'
  )
}

/**
 * The headers (and the secret, for the request's redaction) a job PUT needs: `{x-azureml-token}` for a user-identity
 * job, nothing for any other. The token comes from the step's token provider, which masks it in the runner's log the
 * moment it arrives; it is never printed. Throws `AuthenticationError` (before anything is sent) when no token for the
 * Azure ML resource can be had, or the one had is for another audience, saying what the identity needs.
 */
export async function userIdentityHeaders(
  ctx: Context,
  settings: CommonSettings,
  body: { properties?: object },
  /** The job YAML, for messages naming the file, line and field that asked for the user identity. */
  source: YamlSource
): Promise<{ headers: Record<string, string>; secrets: string[] }> {
  if (!usesUserIdentity(body)) return { headers: {}, secrets: [] }
  const resource = settings.endpoints.amlResource
  const fix = formatProblem(
    problemAt(
      source,
      ['identity', 'type'],
      `user_identity: such a job is submitted with a token of the signed-in identity for the Azure ML resource ` +
        `(${resource}), which the job then runs as. Make sure the service principal or federated identity of this ` +
        `step can get a token for ${resource} (scope ${resource}/.default), or remove identity: ` +
        `{type: user_identity} from the job YAML to run it as the compute's identity.`
    )
  )
  let token: string
  try {
    token = (await ctx.tokens.getToken(resource)).token
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error)
    throw new AuthenticationError(`Could not get a token for ${resource}: ${why} ${fix}`)
  }
  // As azure-ai-ml does: a token for another audience would be refused by the service, or worse, not carry the user.
  const aud = readJwtClaims(token)?.aud
  if (typeof aud === 'string' && aud.replace(/\/+$/, '') !== resource.replace(/\/+$/, '')) {
    throw new AuthenticationError(`The token issued for ${resource} is for audience '${aud}' instead. ${fix}`)
  }
  core.debug(`Job with a user identity: sending an ${AML_TOKEN_HEADER} header (a token for ${resource}).`)
  return { headers: { [AML_TOKEN_HEADER]: token }, secrets: [token] }
}
