/**
 * The emulated cloud's state: resource groups, workspaces, computes, long-running operations, experiments, models,
 * the v2 assets (code, environment, data and model containers with their versions), datastores, and online endpoints
 * with their deployments (whose inference server processes live in resources/inference-server.ts). Runs live in
 * resources/run-process.ts, jobs in resources/job-process.ts, blobs in Azurite (resources/blobs.ts). Long-running operations complete lazily: `tick()` (called before every request) applies
 * those whose time has come, so no timer has to be kept for them.
 */
import { iso } from './http.js'
import { randomUUID } from 'node:crypto'
import type { Seed } from './types.js'

export interface ResourceGroup {
  name: string
  location: string
}

export type ProvisioningState = 'Creating' | 'Updating' | 'Succeeded' | 'Failed' | 'Deleting' | 'Canceled'

export interface Workspace {
  subscriptionId: string
  resourceGroup: string
  name: string
  location: string
  friendlyName: string
  description: string
  storageAccount: string
  keyVault: string
  applicationInsights: string
  containerRegistry?: string
  identity?: { type: string; principalId: string; tenantId: string }
  tags: Record<string, string>
  sku: { name: string; tier: string }
  workspaceId: string
  creationTime: string
  provisioningState: ProvisioningState
}

export interface AmlSettings {
  vmSize: string
  vmPriority: string
  scaleSettings: { maxNodeCount: number; minNodeCount: number; nodeIdleTimeBeforeScaleDown: string }
  adminUserName?: string
  remoteLoginPortPublicAccess: string
}

export interface Compute {
  workspaceKey: string
  name: string
  location: string
  description?: string
  settings: AmlSettings
  createdOn: string
  modifiedOn: string
  provisioningState: ProvisioningState
  provisioningErrors: { error: { code: string; message: string } }[]
  tags?: Record<string, string>
}

export type OperationKind =
  | 'workspace-create'
  | 'workspace-delete'
  | 'compute-create'
  | 'compute-delete'
  | 'job-cancel'
  | 'endpoint-create'
  | 'endpoint-update'
  | 'endpoint-delete'
  | 'endpoint-keys'
  | 'deployment-create'
  | 'deployment-update'
  | 'deployment-delete'

export interface Operation {
  id: string
  kind: OperationKind
  /** Workspace key, or `${workspaceKey}/computes/${name}` (lower case). */
  target: string
  location: string
  subscriptionId: string
  apiVersion: string
  startedAt: number
  doneAt: number
  outcome: 'Succeeded' | 'Failed'
  error?: { code: string; message: string }
  applied: boolean
  /** Done when this says so (a job cancel: once the job has ended) rather than at `doneAt`. */
  doneWhen?: () => boolean
  /** Called once when the operation is applied (online endpoints and deployments change their own records). */
  onApply?: (op: Operation) => void
}

/** The v2 asset kinds: `{WS}/codes`, `{WS}/environments`, `{WS}/data`, `{WS}/models` (mfe.json 2024-04-01). */
export type AssetKind = 'codes' | 'environments' | 'data' | 'models' | 'components'

export interface AssetVersion {
  name: string
  version: string
  /** The version's `properties` as stored (the request's, plus what the service adds). */
  properties: Record<string, unknown>
  createdAt: string
  modifiedAt: string
  /** Creation order, for `$orderBy=createdtime desc` when two share a millisecond. */
  seq: number
}

export interface AssetContainer {
  workspaceKey: string
  kind: AssetKind
  name: string
  properties: Record<string, unknown>
  createdAt: string
  modifiedAt: string
  versions: Map<string, AssetVersion>
}

/** An online endpoint (mfe.json 2024-04-01 `OnlineEndpoint`); resources/online-endpoints.ts. */
export interface OnlineEndpointRecord {
  workspaceKey: string
  name: string
  location: string
  /** The PUT's `properties`, minus the read-only and secret fields. */
  properties: Record<string, unknown>
  authMode: string
  traffic: Record<string, number>
  mirrorTraffic: Record<string, number>
  tags: Record<string, string>
  identity?: Record<string, unknown>
  kind?: string
  provisioningState: ProvisioningState
  keys: { primaryKey: string; secondaryKey: string }
  /** AML tokens handed out by `token`, with their expiry (ms). */
  tokens: Map<string, number>
  createdAt: string
  modifiedAt: string
}

/** An online deployment (mfe.json 2024-04-01 `OnlineDeployment`); resources/online-deployments.ts. */
export interface OnlineDeploymentRecord {
  workspaceKey: string
  endpointName: string
  name: string
  location: string
  properties: Record<string, unknown>
  sku: Record<string, unknown>
  tags: Record<string, string>
  kind?: string
  provisioningState: ProvisioningState | 'Scaling'
  /** Why provisioning failed. */
  error?: { code: string; message: string }
  createdAt: string
  modifiedAt: string
  /** Bumped by every PUT: a provisioning that a later PUT overtook does not touch the record. */
  generation: number
}

/** A datastore created by a PUT (the default `workspaceblobstore` of each workspace is implicit). */
export interface StoredDatastore {
  workspaceKey: string
  name: string
  properties: Record<string, unknown>
  createdAt: string
}

export interface Experiment {
  workspaceKey: string
  experimentId: string
  name: string
  createdUtc: string
  latestCreatedRunId?: string
  latestCreatedRunCreatedUtc?: string
}

export interface Model {
  workspaceKey: string
  id: string
  name: string
  version: number
  framework: string
  frameworkVersion: string
  url: string
  mimeType: string
  description: string
  createdTime: string
  modifiedTime: string
  unpack: boolean
  runId?: string
  experimentName?: string
  kvTags: Record<string, string>
  properties: Record<string, string>
}

export interface DependentResource {
  id: string
  kind: 'storageAccount' | 'keyVault' | 'applicationInsights' | 'containerRegistry'
  adminUserEnabled?: boolean
}

export const workspaceKey = (sub: string, rg: string, name: string): string => `${sub}/${rg}/${name}`.toLowerCase()
export const computeKey = (wsKey: string, name: string): string => `${wsKey}/computes/${name}`.toLowerCase()
export const onlineEndpointKey = (wsKey: string, name: string): string =>
  `${wsKey}/onlineEndpoints/${name}`.toLowerCase()
export const onlineDeploymentKey = (wsKey: string, endpoint: string, name: string): string =>
  `${onlineEndpointKey(wsKey, endpoint)}/deployments/${name}`.toLowerCase()

export class State {
  subscriptions = new Set<string>()
  resourceGroups = new Map<string, ResourceGroup>()
  workspaces = new Map<string, Workspace>()
  computes = new Map<string, Compute>()
  operations = new Map<string, Operation>()
  experiments = new Map<string, Experiment>()
  models = new Map<string, Model>()
  dependents = new Map<string, DependentResource>()
  assets = new Map<string, AssetContainer>()
  datastores = new Map<string, StoredDatastore>()
  /** By `onlineEndpointKey` (workspace key / endpoint name, lower case). */
  onlineEndpoints = new Map<string, OnlineEndpointRecord>()
  /** By `onlineDeploymentKey` (endpoint key / deployment name, lower case). */
  onlineDeployments = new Map<string, OnlineDeploymentRecord>()
  assetSeq = 0

  /** Called when an operation completes; the runner hooks workspace deletion to stop its runs. */
  onWorkspaceDeleted: (wsKey: string) => void = () => {}

  rgKey(sub: string, rg: string): string {
    return `${sub}/${rg}`.toLowerCase()
  }

  reset(seed: Seed): void {
    this.subscriptions = new Set([seed.subscriptionId.toLowerCase()])
    this.resourceGroups = new Map()
    this.workspaces = new Map()
    this.computes = new Map()
    this.operations = new Map()
    this.experiments = new Map()
    this.models = new Map()
    this.dependents = new Map()
    this.assets = new Map()
    this.datastores = new Map()
    this.onlineEndpoints = new Map()
    this.onlineDeployments = new Map()
    for (const [name, location] of [
      [seed.resourceGroup, seed.location],
      [seed.otherResourceGroup, 'eastus']
    ]) {
      this.resourceGroups.set(this.rgKey(seed.subscriptionId, name), { name, location })
    }
    const deps: DependentResource[] = [
      { id: seed.storageAccountId, kind: 'storageAccount' },
      { id: seed.keyVaultId, kind: 'keyVault' },
      { id: seed.applicationInsightsId, kind: 'applicationInsights' },
      { id: seed.containerRegistryId, kind: 'containerRegistry', adminUserEnabled: true },
      { id: seed.containerRegistryNoAdminId, kind: 'containerRegistry', adminUserEnabled: false }
    ]
    for (const d of deps) this.dependents.set(d.id.toLowerCase(), d)

    const created = Date.parse('2020-01-03T19:56:09.758Z')
    const wsKey = workspaceKey(seed.subscriptionId, seed.resourceGroup, seed.workspaceName)
    this.workspaces.set(wsKey, {
      subscriptionId: seed.subscriptionId,
      resourceGroup: seed.resourceGroup,
      name: seed.workspaceName,
      location: seed.location,
      friendlyName: seed.workspaceName,
      description: 'Seeded by the Azure ML emulator',
      storageAccount: seed.storageAccountId,
      keyVault: seed.keyVaultId,
      applicationInsights: seed.applicationInsightsId,
      containerRegistry: seed.containerRegistryId,
      identity: { type: 'SystemAssigned', principalId: randomUUID(), tenantId: seed.tenantId },
      tags: {},
      sku: { name: 'Basic', tier: 'Basic' },
      workspaceId: 'c0ffee00-1234-4abc-8def-0123456789ab',
      creationTime: iso(created),
      provisioningState: 'Succeeded'
    })
    const clusters = [
      { name: seed.computeName, vmSize: 'STANDARD_D1', maxNodeCount: 1 },
      ...(seed.clusters ?? []).filter(c => c.name.toLowerCase() !== seed.computeName.toLowerCase())
    ]
    for (const c of clusters) {
      this.computes.set(computeKey(wsKey, c.name), {
        workspaceKey: wsKey,
        name: c.name,
        location: seed.location,
        settings: {
          vmSize: c.vmSize,
          vmPriority: 'Dedicated',
          scaleSettings: { maxNodeCount: c.maxNodeCount, minNodeCount: 0, nodeIdleTimeBeforeScaleDown: 'PT30M' },
          adminUserName: 'azureuser',
          remoteLoginPortPublicAccess: 'NotSpecified'
        },
        createdOn: iso(created + 3600_000),
        modifiedOn: iso(created + 3600_000),
        provisioningState: 'Succeeded',
        provisioningErrors: []
      })
    }
    const [modelName, modelVersion] = splitModelId(seed.modelId)
    for (const version of [modelVersion, modelVersion + 1]) {
      const id = `${modelName}:${version}`
      this.models.set(`${wsKey}/${id}`.toLowerCase(), {
        workspaceKey: wsKey,
        id,
        name: modelName,
        version,
        framework: 'ScikitLearn',
        frameworkVersion: '0.22.1',
        url: `aml://asset/${randomUUID().replace(/-/g, '')}`,
        mimeType: 'application/octet-stream',
        description: 'Linear regression: y = 2*x0 + 3*x1 + (x2 + x3 + ...) - 1 (see the emulator README)',
        createdTime: iso(created + version * 86_400_000),
        modifiedTime: iso(created + version * 86_400_000),
        unpack: false,
        runId: seed.runId,
        experimentName: seed.experimentName,
        kvTags: { area: 'regression' },
        properties: {}
      })
    }
  }

  /** Applies completed long-running operations. */
  tick(now = Date.now()): void {
    for (const op of this.operations.values()) {
      if (op.applied) continue
      if (op.doneWhen) {
        if (!op.doneWhen()) continue
        op.doneAt = now
      } else if (now < op.doneAt) continue
      op.applied = true
      if (op.kind === 'workspace-create') {
        const ws = this.workspaces.get(op.target)
        if (ws) ws.provisioningState = op.outcome
      } else if (op.kind === 'workspace-delete') {
        this.deleteWorkspace(op.target)
      } else if (op.kind === 'compute-create') {
        const c = this.computes.get(op.target)
        if (c) {
          c.provisioningState = op.outcome
          c.modifiedOn = iso(op.doneAt)
          if (op.error) c.provisioningErrors = [{ error: op.error }]
        }
      } else if (op.kind === 'compute-delete') {
        this.computes.delete(op.target)
      }
      op.onApply?.(op)
    }
  }

  private deleteWorkspace(wsKey: string): void {
    this.workspaces.delete(wsKey)
    for (const [k, c] of this.computes) if (c.workspaceKey === wsKey) this.computes.delete(k)
    for (const [k, e] of this.experiments) if (e.workspaceKey === wsKey) this.experiments.delete(k)
    for (const [k, m] of this.models) if (m.workspaceKey === wsKey) this.models.delete(k)
    for (const [k, a] of this.assets) if (a.workspaceKey === wsKey) this.assets.delete(k)
    for (const [k, d] of this.datastores) if (d.workspaceKey === wsKey) this.datastores.delete(k)
    for (const [k, e] of this.onlineEndpoints) if (e.workspaceKey === wsKey) this.onlineEndpoints.delete(k)
    for (const [k, d] of this.onlineDeployments) if (d.workspaceKey === wsKey) this.onlineDeployments.delete(k)
    this.onWorkspaceDeleted(wsKey)
  }

  startOperation(op: Omit<Operation, 'id' | 'applied' | 'startedAt'>): Operation {
    const full: Operation = { ...op, id: randomUUID(), applied: false, startedAt: Date.now() }
    this.operations.set(full.id, full)
    return full
  }

  assetKey(wsKey: string, kind: AssetKind, name: string): string {
    return `${wsKey}/${kind}/${name}`.toLowerCase()
  }

  experimentKey(wsKey: string, name: string): string {
    return `${wsKey}/${name}`.toLowerCase()
  }

  ensureExperiment(wsKey: string, name: string): Experiment {
    const key = this.experimentKey(wsKey, name)
    let e = this.experiments.get(key)
    if (!e) {
      e = { workspaceKey: wsKey, experimentId: randomUUID(), name, createdUtc: iso() }
      this.experiments.set(key, e)
    }
    return e
  }
}

export function splitModelId(id: string): [string, number] {
  const i = id.lastIndexOf(':')
  const version = i > 0 ? Number(id.slice(i + 1)) : NaN
  return Number.isInteger(version) ? [id.slice(0, i), version] : [id, 1]
}
