/**
 * Inputs of `score`: an online endpoint by name (`endpoint-name`, `deployment-name`, the workspace inputs), or a
 * scoring URI (`scoring-uri`, `scoring-key` or an Entra token); `data` or `data-file`, `scoring-timeout-seconds`.
 * All validation happens here, before any request. The dispatch masks `scoring-key` before any other input is parsed.
 */
import type { InputScope } from '../action/common-inputs.js'
import type { Op, WorkspaceRef } from '../base/settings.js'
import { ONLINE_NAME } from '../online-endpoints/inputs.js'
import { assertSecureEndpoint } from '../auth/clouds.js'
import { InputError } from '../base/errors.js'
import { maskSecret } from '../auth/mask.js'
import { isSecretQueryName } from '../http/redact.js'
import {
  choice,
  optional,
  optionalSecret,
  parseJsonText,
  positiveNumber,
  readFileInput,
  resourceName
} from '../action/input-readers.js'

/**
 * The audience of an Entra token for a scoring endpoint (`scoring-auth: token`), unless `resource` says otherwise:
 * Microsoft's "Authenticate clients for online endpoints" gets the data-plane token with
 * `az account get-access-token --resource https://ml.azure.com`.
 */
export const SCORING_TOKEN_RESOURCE = 'https://ml.azure.com'
export const DEFAULT_SCORING_TIMEOUT_SECONDS = 60
/**
 * Attempts per scoring request, the first included: 429 (honouring its Retry-After), 503, 504 and connection errors are
 * retried within this budget. A 500 or 502 is usually the scoring script's own error, and is not repeated.
 */
export const SCORING_MAX_ATTEMPTS = 4
export const SCORING_RETRY_STATUSES = [429, 503, 504] as const

export const SCORING_AUTH_KINDS = ['key', 'token'] as const
export type ScoringAuthKind = (typeof SCORING_AUTH_KINDS)[number]

/** Where to score: a scoring URI with its auth, or an online endpoint by name (URI and auth read from Azure). */
export type ScoreTarget =
  | {
      kind: 'uri'
      /** The scoring URI as given (https, or http to a loopback host). */
      uri: string
      auth: { kind: 'key'; key: string } | { kind: 'token'; resource: string }
    }
  | {
      kind: 'endpoint'
      workspace: WorkspaceRef
      endpointName: string
      /** Sent as `azureml-model-deployment`: that deployment answers, whatever the traffic. */
      deploymentName?: string
      /** The audience of an Entra token for an endpoint whose authMode is AADToken. */
      aadResource: string
    }

export interface ScoreSettings {
  target: ScoreTarget
  /** The JSON body: `{"data": [...]}` for an array input, an object as it was given. */
  body: object
  /** Rows scored, when the body has a `data` array (for the summary: the count, never the data). */
  rows?: number
  /** Where the body came from: `data` or `data-file`. */
  source: 'data' | 'data-file'
  /** Per-attempt timeout in ms. */
  timeoutMs: number
}

/** `scoring-auth` as given (default key). */
export function readScoringAuthKind(): ScoringAuthKind {
  return choice<ScoringAuthKind>('scoring-auth', SCORING_AUTH_KINDS, 'key')
}

export interface ScoreInputs {
  kind: 'score'
  score: ScoreSettings
}

export type ScoreOperation = Op<ScoreInputs>

export function readScore(scope: InputScope): ScoreInputs {
  const scoringKey = optionalSecret('scoring-key', { singleLine: true })
  const endpointName = optional('endpoint-name')
  if (endpointName === undefined) {
    return { kind: 'score', score: readScoreSettings(scoringKey, scope.url('resource')) }
  }
  // By name: the scoring URI, the auth mode and the key or token come from the endpoint itself.
  for (const [name, given] of [
    ['scoring-uri', optional('scoring-uri')],
    ['scoring-key', scoringKey]
  ] as const) {
    if (given !== undefined) {
      throw new InputError(
        name,
        `give either endpoint-name or ${name}: with endpoint-name, Azure gives the URI and key.`
      )
    }
  }
  const target: ScoreTarget = {
    kind: 'endpoint',
    workspace: scope.workspace('score with endpoint-name'),
    endpointName: resourceName(
      'endpoint-name',
      endpointName,
      ONLINE_NAME,
      'an online endpoint name: 3-32 letters, digits or -, starting with a letter'
    ) as string,
    deploymentName: resourceName(
      'deployment-name',
      optional('deployment-name'),
      ONLINE_NAME,
      'a deployment name: 3-32 letters, digits or -, starting with a letter'
    ),
    aadResource: scope.url('resource') ?? SCORING_TOKEN_RESOURCE
  }
  return { kind: 'score', score: { target, ...readScoringPayload() } }
}

/** Whether `score` needs an Entra token: not with a scoring key (the default `scoring-auth: key`). */
export function scoreNeedsToken(): boolean {
  return optional('endpoint-name') !== undefined || readScoringAuthKind() !== 'key'
}

/** The body and the per-attempt timeout, the same for both targets. */
function readScoringPayload(): Omit<ScoreSettings, 'target'> {
  const { body, rows, source } = readScoringBody()
  const timeoutSeconds = positiveNumber('scoring-timeout-seconds', DEFAULT_SCORING_TIMEOUT_SECONDS, 3600)
  return { body, rows, source, timeoutMs: Math.round(timeoutSeconds * 1000) }
}

function readScoreSettings(scoringKey: string | undefined, resource: string | undefined): ScoreSettings {
  const uri = readScoringUri()
  const kind = readScoringAuthKind()
  let auth: Extract<ScoreTarget, { kind: 'uri' }>['auth']
  if (kind === 'key') {
    if (!scoringKey) {
      throw new InputError(
        'scoring-key',
        "required by score with scoring-auth: key: the endpoint's primary or secondary key (pass it from a secret), " +
          'or set scoring-auth: token to send an Entra token from the auth inputs.'
      )
    }
    auth = { kind: 'key', key: scoringKey }
  } else {
    if (scoringKey) {
      throw new InputError('scoring-key', 'give either scoring-key or scoring-auth: token, not both.')
    }
    auth = { kind: 'token', resource: resource ?? SCORING_TOKEN_RESOURCE }
  }
  return { target: { kind: 'uri', uri, auth }, ...readScoringPayload() }
}

function readScoringUri(): string {
  const value = optional('scoring-uri')
  if (value === undefined) {
    throw new InputError(
      'scoring-uri',
      "required by score: the online endpoint's name (endpoint-name, with the workspace inputs), or its scoring URI, " +
        'e.g. https://my-endpoint.centralus.inference.ml.azure.com/score (with scoring-key).'
    )
  }
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new InputError('scoring-uri', `expected an absolute https:// URL, got '${value}'.`)
  }
  if (url.username || url.password) {
    throw new InputError('scoring-uri', 'must not hold a user name or password; pass the key as scoring-key.')
  }
  // The key or token goes with every request: https, or plain http only to this machine.
  assertSecureEndpoint('scoring-uri', value)
  // A key in the query (`?code=`, `?subscription-key=`, a SAS `sig`): masked in every form before anything is printed.
  for (const [param, secret] of url.searchParams) if (secret && isSecretQueryName(param)) maskSecret(secret)
  return value
}

const DATA_FORM = 'a JSON array of rows (sent as {"data": [...]}) or a JSON object (sent as it is)'

function readScoringBody(): { body: object; rows?: number; source: 'data' | 'data-file' } {
  const inline = optional('data')
  const file = optional('data-file')
  if (inline !== undefined && file !== undefined)
    throw new InputError('data', 'give either data or data-file, not both.')
  if (inline === undefined && file === undefined) {
    throw new InputError('data', `required by score (or data-file): ${DATA_FORM}, e.g. [[1, 2, 3, 4]].`)
  }
  const source = inline !== undefined ? 'data' : 'data-file'
  const text = inline ?? readFileInput('data-file', file as string)
  const value = parseJsonText(source, text.replace(/^\uFEFF/, ''), DATA_FORM)
  if (Array.isArray(value)) {
    if (value.length === 0) throw new InputError(source, 'the array is empty: there is no row to score.')
    return { body: { data: value }, rows: value.length, source }
  }
  if (typeof value === 'object' && value !== null) {
    const data = (value as { data?: unknown }).data
    return { body: value, rows: Array.isArray(data) ? data.length : undefined, source }
  }
  throw new InputError(source, `expected ${DATA_FORM}, got a JSON ${value === null ? 'null' : typeof value}.`)
}
