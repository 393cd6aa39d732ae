/**
 * The emulator's public shapes (re-exported by index.ts) and the internal request/reply types every handler shares.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'

/** The fixed identities and names the emulator is seeded with. URL-derived fields are filled in at start. */
export interface Seed {
  tenantId: string
  subscriptionId: string
  /** Service principal that authenticates with a client secret. */
  clientId: string
  /** Fake, but shaped to exercise masking: contains `~ + / = % "` and a space. */
  clientSecret: string
  /** App registration with a federated credential (issuer = the emulator's OIDC issuer) and no secret. */
  oidcClientId: string
  /** The `sub` the emulator's OIDC issuer puts in ID tokens, and the subject of the federated credential. */
  oidcSubject: string
  /** The issuer of the emulator's GitHub-style ID tokens (`{url}/oidc`). */
  oidcIssuer: string
  /** Set as ACTIONS_ID_TOKEN_REQUEST_URL: `@actions/core` appends `&audience=...`. */
  oidcRequestUrl: string
  /** Set as ACTIONS_ID_TOKEN_REQUEST_TOKEN. */
  oidcRequestToken: string
  resourceGroup: string
  /** A second, empty resource group (e.g. to try a workspace name that is taken in another group). */
  otherResourceGroup: string
  workspaceName: string
  location: string
  /** ARM ids of the seeded workspace's dependent resources (also usable for a new workspace). */
  storageAccountId: string
  keyVaultId: string
  applicationInsightsId: string
  containerRegistryId: string
  /** A registry that exists but has no admin user: a workspace PUT naming it is refused, as Azure ML does. */
  containerRegistryNoAdminId: string
  experimentName: string
  /** The seeded completed run of `experimentName`. */
  runId: string
  /** The seeded AmlCompute (Succeeded). */
  computeName: string
  /**
   * More AmlCompute clusters (Succeeded), named as Azure's examples name them (azureml-examples: `cpu-cluster`,
   * `gpu-v100-1GPU-cluster`); `[]` seeds none.
   */
  clusters: { name: string; vmSize: string; maxNodeCount: number }[]
  /** A registered model, `name:version`. */
  modelId: string
  /** The scoring endpoint on the data-plane server. */
  scoringUri: string
  scoringKey: string
  /** ARM id of the seeded workspace. */
  workspaceResourceId: string
}

/** The seed values a config may override (the URL-derived ones are always computed). */
export type SeedOverrides = Partial<Omit<Seed, 'oidcIssuer' | 'oidcRequestUrl' | 'scoringUri' | 'workspaceResourceId'>>

export interface EmulatorDelays {
  /** Workspace PUT: Creating → Succeeded. */
  workspaceProvisionMs: number
  workspaceDeleteMs: number
  /** Compute PUT: Creating → Succeeded (or Failed with a provision-fail fault). */
  computeProvisionMs: number
  computeDeleteMs: number
  /** Run: NotStarted → Queued. */
  runQueuedMs: number
  /** Run: Queued → Preparing. */
  runPreparingMs: number
  /** Run: Preparing → Running (the script starts). */
  runStartMs: number
  /** Run: script exited → Finalizing for this long → Completed/Failed; 0 skips Finalizing. */
  runFinalizingMs: number
  /**
   * v2 job: command exited → Finalizing (Azure uploads the outputs then) for at least this long → Completed/Failed.
   * A cancel in Finalizing is refused.
   */
  jobFinalizingMs: number
  /** v2 job: a cancel → CancelRequested for at least this long (and until the command has exited) → Canceled. */
  jobCancelRequestedMs: number
  /**
   * v2 job with `jobLogLayout: legacy`: how long after the system log `azureml-logs/55_azureml-execution-*.txt`
   * the user's `azureml-logs/70_driver_log.txt` appears in `logFiles`.
   */
  jobDriverLogAfterMs: number
  /** Online endpoint PUT/PATCH: Creating (Updating) → Succeeded. */
  endpointProvisionMs: number
  /** Online endpoint DELETE: Deleting → gone. */
  endpointDeleteMs: number
  /** Online deployment PUT: the least Creating lasts (it also lasts until the scoring script's `init()` returns). */
  deploymentProvisionMs: number
  /** Online deployment DELETE: Deleting → gone. */
  deploymentDeleteMs: number
}

export interface EmulatorConfig {
  seed: SeedOverrides
  /** Lifetime of issued Entra tokens, honestly advertised in `expires_in`. */
  tokenLifetimeSeconds: number
  /** Lifetime of the OIDC issuer's ID tokens (GitHub's are about 5 minutes). */
  idTokenLifetimeSeconds: number
  delays: EmulatorDelays
  /** `Retry-After` sent with 202/201 long-running-operation answers and while polling. */
  retryAfterSeconds: number
  /** Every new run stops advancing once it reaches this status (e.g. `Queued`, `Running`, `NotResponding`). */
  runStuckIn?: string
  /**
   * The log files of a v2 job (read when the job is created): `common-runtime` (Azure's current runtime, the default:
   * the command's output in `user_logs/std_log.txt`) or `legacy` (the older runtime: a system log
   * `azureml-logs/55_azureml-execution-tvmps_x.txt` first, the command's output in `azureml-logs/70_driver_log.txt`
   * appearing `delays.jobDriverLogAfterMs` later).
   */
  jobLogLayout: 'common-runtime' | 'legacy'
  /** The interpreter runs are executed with. */
  python: string
  /**
   * ARM api-versions accepted: Machine Learning's split in two families, `machineLearningServices` (answered with the
   * 2019-11-01 shapes) and `v2` (the 2024-04-01 shapes; the only ones the v2 routes take), and Microsoft.Resources'.
   * The workspace and compute routes take both Machine Learning families (arm/api-version.ts).
   */
  apiVersions: { machineLearningServices: string[]; v2: string[]; resources: string[] }
  /** Accept an emulator-issued Entra token on the scoring endpoint instead of the key. */
  scoringAcceptsTokens: boolean
  /** Lifetime of the AML tokens of online endpoints (`POST .../onlineEndpoints/{name}/token`). */
  endpointTokenLifetimeSeconds: number
  /** Status of a DELETE of a model that does not exist (the spec says 204; Azure ML has answered 404). */
  deleteMissingModelStatus: 404 | 204
  /** Check a workspace PUT's dependent resource ids against the seeded resources. */
  checkDependentResources: boolean
  /**
   * How the built-in datastores (`workspaceblobstore`, `workspaceartifactstore`) give access, as Azure's three kinds:
   * `AccountKey` (Azure's default: listSecrets hands out the storage account key), `Sas` (a container SAS token), or
   * `None` (an identity-based workspace: no secrets to list).
   */
  defaultDatastoreCredentials: 'AccountKey' | 'Sas' | 'None'
  /** Faults active from the start (a config file's `faults`). */
  faults: FaultRule[]
}

export type FaultKind =
  | 'status'
  | 'reset'
  | 'reset-after-body'
  | 'delay'
  | 'token-lifetime'
  | 'run-stuck'
  | 'provision-fail'
  | 'job-fail'
  | 'job-slow'
  | 'deployment-fail'
  | 'deployment-slow'

export interface FaultMatch {
  method?: string
  /** A regular expression tested against the request path (no query). */
  path?: string
  operationId?: string
  /** `arm` (ARM, Entra, OIDC) or `api` (data plane, discovery, logs, scoring). */
  server?: 'arm' | 'api'
}

/**
 * A fault. Per-request kinds (`status`, `reset`, `reset-after-body`, `delay`) change how a matching request is
 * answered; scenario kinds change what the matching request creates: `token-lifetime` (a token request: the token
 * dies after `tokenLifetimeSeconds` while `expires_in` still says the normal lifetime), `run-stuck` (a startrun or a
 * job PUT: the run or job stops advancing at `runStatus`), `provision-fail` (a compute/workspace PUT: provisioning
 * ends Failed with a quota error, or with `error`), `job-fail` (a job PUT: the job fails at Running with `error`,
 * without running its command), `job-slow` (a job PUT: each status step takes `delayMs` longer),
 * `deployment-fail` (an online deployment PUT: provisioning ends Failed with `error`, default OutOfQuota, without
 * starting the scoring script), `deployment-slow` (an online deployment PUT: provisioning takes `delayMs` longer).
 */
export interface FaultRule {
  /** Assigned when added. */
  id?: string
  match?: FaultMatch
  /** How many matching requests fire the fault: default 1; -1, null or Infinity = every one. */
  times?: number | null
  /** Skip the first N matching requests. */
  after?: number
  kind: FaultKind
  /** `status`: the HTTP status (default 503). */
  status?: number
  /** `status`: extra headers, e.g. `{"Retry-After": "2"}` or `{"retry-after-ms": "1500"}`. */
  headers?: Record<string, string>
  /** `status`: the body (default an ARM-style error naming the status); a string is sent as text. */
  body?: unknown
  /** `delay`: wait this long before answering normally; `job-slow`: added to each status step of the job;
   * `deployment-slow`: added to the deployment's provisioning. */
  delayMs?: number
  /**
   * `delay`: hold each matching request until this many are held (or `delayMs` passes), then answer them together:
   * concurrent requests made to race deterministically (two submits' content-hash look-ups both see no version).
   */
  gather?: number
  /** `token-lifetime`: the real lifetime of the issued token. */
  tokenLifetimeSeconds?: number
  /** `token-lifetime`: what `expires_in` says (default: the configured lifetime). */
  advertisedLifetimeSeconds?: number
  /** `run-stuck`: the status the run or job stays in (default `Running`). */
  runStatus?: string
  /**
   * `provision-fail`: the error the operation ends with (default QuotaExceeded); `job-fail`: the job's error;
   * `deployment-fail`: the deployment's (default OutOfQuota).
   */
  error?: { code: string; message: string }
  /** Read-only bookkeeping: matching requests seen, times fired. */
  seen?: number
  fired?: number
}

export interface RecordedRequest {
  /** `arm` (ARM, Entra, OIDC) or `api` (data plane). */
  server: 'arm' | 'api'
  method: string
  path: string
  query: Record<string, string>
  /** Lower-case names; `authorization` is replaced by `[redacted]`. */
  headers: Record<string, string>
  /** Up to ~64 KB of text; form secrets redacted; multipart bodies summarised. */
  body: string
  /** 0 when the connection was reset instead of answered. */
  status: number
  operationId?: string
  /** The per-request fault that fired, if any. */
  fault?: FaultKind
  /** Arrival time, epoch milliseconds (so tests can subtract two). */
  time: number
  durationMs?: number
}

/** What a handler returns; the server writes it (or drops it, for a `reset-after-body` fault). */
export interface Reply {
  status: number
  headers?: Record<string, string>
  /** An object is sent as JSON; a string or Buffer as is. */
  body?: unknown
}

/** A multipart part. */
export interface FormPart {
  name: string
  filename?: string
  mimeType: string
  data: Buffer
}

/** Scenario faults that fired for this request. */
export interface Scenario {
  tokenLifetimeSeconds?: number
  advertisedLifetimeSeconds?: number
  runStuckIn?: string
  provisionFail?: { code: string; message: string }
  jobFail?: { code: string; message: string }
  jobStepMs?: number
  deploymentFail?: { code: string; message: string }
  deploymentDelayMs?: number
}

export interface RequestContext {
  server: 'arm' | 'api'
  req: IncomingMessage
  method: string
  /** Path without query, trailing slash removed. */
  path: string
  query: Record<string, string>
  headers: IncomingHttpHeaders
  body: Buffer
  /** Parsed JSON body (undefined when empty or not JSON). */
  json?: unknown
  /** Parsed multipart parts. */
  form?: FormPart[]
  /** Path parameters of the matched route. */
  params: Record<string, string>
  operationId?: string
  scenario: Scenario
  correlationId: string
  requestId: string
}
