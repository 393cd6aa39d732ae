/**
 * Configuration: defaults, a config file (JSON or YAML, same shape as EmulatorConfig plus `faults`), and the seed.
 * Seed values are fixed by default (not random) so that users can write them once into an offline workflow.
 */
import { readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'
import type { EmulatorConfig, FaultRule, Seed, SeedOverrides } from './core/types.js'

export const DEFAULT_SEED: Required<SeedOverrides> = {
  tenantId: '6f1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d',
  subscriptionId: '5c7e2a14-3b9d-4f6e-a1c8-9d2e4b6f8a01',
  clientId: '8d3f1a2b-6c4e-4b7a-9e5d-2f1c3b4a5d6e',
  // Every character the runner's masking and form encoding get wrong: ~ + / = % " and a space.
  clientSecret: 's3cr~t+/=%" x-emulator',
  oidcClientId: '4a9c7e1f-2d3b-4c5a-8f6e-7b1d2c3e4f5a',
  oidcSubject: 'repo:octo-org/octo-repo:ref:refs/heads/main',
  oidcRequestToken: 'emu-oidc-request-9f8e7d6c5b4a39281706f5e4d3c2b1a0',
  resourceGroup: 'rg-ml',
  otherResourceGroup: 'rg-other',
  workspaceName: 'ws-demo',
  location: 'centralus',
  storageAccountId: '',
  keyVaultId: '',
  applicationInsightsId: '',
  containerRegistryId: '',
  containerRegistryNoAdminId: '',
  experimentName: 'my-first-experiment',
  runId: 'my-first-experiment_1579642222877',
  computeName: 'cpu-compute',
  // `cpu-cluster`, the other name Azure's examples use, is left for the tests and the demo to create (add it here to
  // seed it too).
  clusters: [{ name: 'gpu-v100-1GPU-cluster', vmSize: 'STANDARD_NC6S_V3', maxNodeCount: 1 }],
  modelId: 'sklearn_regression_model.pkl:1',
  scoringKey: 'emuScoringKeyA1b2C3d4E5f6G7h8I9j0K1l2'
}

export const DEFAULT_CONFIG: EmulatorConfig = {
  seed: {},
  tokenLifetimeSeconds: 3600,
  idTokenLifetimeSeconds: 300,
  delays: {
    workspaceProvisionMs: 1500,
    workspaceDeleteMs: 1000,
    computeProvisionMs: 1500,
    computeDeleteMs: 1000,
    runQueuedMs: 300,
    runPreparingMs: 300,
    runStartMs: 300,
    runFinalizingMs: 200,
    jobFinalizingMs: 500,
    jobCancelRequestedMs: 500,
    jobDriverLogAfterMs: 800,
    endpointProvisionMs: 1000,
    endpointDeleteMs: 500,
    deploymentProvisionMs: 1500,
    deploymentDeleteMs: 500
  },
  retryAfterSeconds: 1,
  jobLogLayout: 'common-runtime',
  python: 'python3',
  apiVersions: {
    // Every Microsoft.MachineLearningServices api-version Azure serves (the stable/ and preview/ folders of
    // Azure/azure-rest-api-specs, specification/machinelearningservices/resource-manager), split where the v2 surface
    // (jobs, assets, datastores, online endpoints) begins: these are answered with the 2019-11-01 shapes...
    machineLearningServices: [
      '2018-03-01-preview',
      '2018-11-19',
      '2019-05-01',
      '2019-06-01',
      '2019-11-01',
      '2020-01-01',
      '2020-02-18-preview',
      '2020-03-01',
      '2020-04-01',
      '2020-04-01-preview',
      '2020-05-01-preview',
      '2020-05-15-preview',
      '2020-06-01',
      '2020-08-01',
      '2020-09-01-preview',
      '2021-01-01',
      '2021-03-01-preview',
      '2021-04-01',
      '2021-07-01',
      '2022-01-01-preview'
    ],
    // ...and these with the vendored 2024-04-01 ones: 2022-05-01 (the v2 surface's general availability) and every
    // later stable version, and the previews from 2022-02-01-preview (the first with mfe.json whose job, asset and
    // endpoint shapes the later versions kept). azure-ai-ml 1.4 sends 2022-02-01-preview, 2022-05-01,
    // 2022-10-01(-preview); later SDKs 2023-02-01-preview, 2023-04-01-preview, 2024-01-01-preview and newer.
    v2: [
      // The registries' management front end (azure-ai-ml 1.4 reads registry assets with it).
      '2021-10-01-dataplanepreview',
      '2022-02-01-preview',
      '2022-05-01',
      '2022-06-01-preview',
      '2022-10-01',
      '2022-10-01-preview',
      '2022-12-01-preview',
      '2023-02-01-preview',
      '2023-04-01',
      '2023-04-01-preview',
      '2023-06-01-preview',
      '2023-08-01-preview',
      '2023-10-01',
      '2024-01-01-preview',
      '2024-04-01',
      '2024-04-01-preview',
      '2024-07-01-preview',
      '2024-10-01',
      '2024-10-01-preview',
      '2025-01-01-preview',
      '2025-04-01',
      '2025-04-01-preview',
      '2025-06-01',
      '2025-07-01-preview',
      '2025-09-01',
      '2025-12-01',
      '2026-03-01',
      '2026-05-01',
      '2026-07-01',
      '2026-09-01'
    ],
    // 2019-11-01 is not a Microsoft.Resources version of the vendored specs, but the guide lists resource groups with
    // it and ARM accepts it; 2019-10-01 and 2019-08-01 are the vendored ones.
    resources: ['2019-08-01', '2019-10-01', '2019-11-01']
  },
  scoringAcceptsTokens: true,
  endpointTokenLifetimeSeconds: 3600,
  deleteMissingModelStatus: 404,
  checkDependentResources: true,
  defaultDatastoreCredentials: 'AccountKey',
  faults: []
}

type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]>) : T[K]
}
export type ConfigInput = DeepPartial<EmulatorConfig>

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Objects merge key by key; arrays and scalars replace. */
function merge<T>(base: T, over: unknown): T {
  if (!isPlainObject(base) || !isPlainObject(over)) return (over === undefined ? base : over) as T
  const out: Record<string, unknown> = { ...base }
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue
    out[k] = k in out ? merge(out[k], v) : v
  }
  return out as T
}

/** Reads a config file: JSON (`.json`) or YAML (anything else; YAML is a superset of JSON anyway). */
export function readConfigFile(path: string): ConfigInput {
  const text = readFileSync(path, 'utf8')
  let parsed: unknown
  try {
    parsed = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text)
  } catch (e) {
    throw new Error(`emulator config file ${path} does not parse: ${(e as Error).message}`)
  }
  if (parsed == null) return {}
  if (!isPlainObject(parsed)) throw new Error(`emulator config file ${path} must hold an object`)
  return parsed as ConfigInput
}

export function resolveConfig(...layers: (ConfigInput | undefined)[]): EmulatorConfig {
  let config: EmulatorConfig = structuredClone(DEFAULT_CONFIG)
  for (const layer of layers) if (layer) config = merge(config, layer)
  config.faults = [...(config.faults ?? [])] as FaultRule[]
  if (!['AccountKey', 'Sas', 'None'].includes(config.defaultDatastoreCredentials)) {
    throw new Error(
      `defaultDatastoreCredentials must be AccountKey, Sas or None, got '${String(config.defaultDatastoreCredentials)}'`
    )
  }
  return config
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
export function isGuid(s: string): boolean {
  return GUID.test(s)
}

/** The full seed: defaults, overrides, and the values derived from the servers' URLs. */
export function buildSeed(overrides: SeedOverrides, url: string, apiUrl: string): Seed {
  const s = { ...DEFAULT_SEED, ...overrides }
  for (const k of ['tenantId', 'subscriptionId', 'clientId', 'oidcClientId'] as const) {
    if (!isGuid(s[k])) throw new Error(`seed.${k} must be a GUID, got '${s[k]}'`)
  }
  const rg = `/subscriptions/${s.subscriptionId}/resourceGroups/${s.resourceGroup}/providers`
  const base = s.workspaceName.replace(/[^a-z0-9]/gi, '').toLowerCase()
  return {
    ...s,
    storageAccountId: s.storageAccountId || `${rg}/Microsoft.Storage/storageAccounts/${base}storage01`,
    keyVaultId: s.keyVaultId || `${rg}/Microsoft.KeyVault/vaults/${base}-kv01`,
    applicationInsightsId: s.applicationInsightsId || `${rg}/Microsoft.Insights/components/${base}-ai01`,
    containerRegistryId: s.containerRegistryId || `${rg}/Microsoft.ContainerRegistry/registries/${base}acr01`,
    containerRegistryNoAdminId:
      s.containerRegistryNoAdminId || `${rg}/Microsoft.ContainerRegistry/registries/${base}noadmin01`,
    oidcIssuer: `${url}/oidc`,
    oidcRequestUrl: `${url}/oidc/idtoken?api-version=2.0`,
    scoringUri: `${apiUrl}/api/v1/service/sklearn-regression-svc/score`,
    workspaceResourceId: `${rg}/Microsoft.MachineLearningServices/workspaces/${s.workspaceName}`
  }
}
