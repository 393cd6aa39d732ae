/**
 * Curated environments: the environments Microsoft maintains, present in every workspace (named `AzureML-<name>`,
 * `environmentType: Curated`) and in the shared `azureml` registry (named without the prefix). Names carry dots
 * (`AzureML-sklearn-1.0-ubuntu20.04-py38-cpu`). The set held here: the one the issue names and those Microsoft's
 * examples use (azureml-examples `cli/`: `azureml:AzureML-sklearn-1.5@latest`,
 * `azureml://registries/azureml/environments/sklearn-1.5/labels/latest`, `tensorflow-2.16-cuda12`,
 * `acpt-pytorch-2.8-cuda12.6`, `lightgbm-3.3`).
 *
 * How a client refers to them, and how each resolves here:
 * - as a workspace asset (`GET {WS}/environments/AzureML-<name>/versions/<v>`, `.../versions?$orderBy=createdtime
 *   desc&$top=1` for `@latest`): the versions are ordinary environment versions of every workspace, added when the
 *   workspace is created (`addCuratedEnvironments`, called by core/state.ts and workspaces.ts);
 * - in a job's `environmentId`, the forms Azure's job service expands itself (azure-ai-ml 1.4
 *   `_operation_orchestrator.py` sends `azureml:AzureML-...` short forms and `azureml://registries/...` ids verbatim:
 *   "Short form of curated env will be expanded on the backend side"): `resolveEnvironmentReference`;
 * - in the `azureml` registry: registry discovery (`GET {api}/registrymanagement/v1.0/registries/{name}/discovery`,
 *   azure-ai-ml `_utils/_registry_utils.py`), then the registry's regional management front end
 *   (`{primaryRegionResourceProviderUri}mferp/managementfrontend` + mfe.json's `RegistryEnvironmentContainers_Get`,
 *   `RegistryEnvironmentVersions_List`/`_Get` paths): `registryEnvironmentsModule`.
 */
import { PROVIDER } from '../arm/scopes.js'
import type { Core } from '../core/context.js'
import { armError, iso, json } from '../core/http.js'
import { route, type EmulatorModule } from '../core/routes.js'
import type { AssetContainer, State, Workspace } from '../core/state.js'
import type { Reply, RequestContext } from '../core/types.js'

export const CURATED_PREFIX = 'AzureML-'
/** The registry that holds Microsoft's curated assets. */
export const AZUREML_REGISTRY = 'azureml'
/** Where the `azureml` registry lives (Microsoft's subscription; these values are the emulator's). */
export const REGISTRY_SUBSCRIPTION = '9a1b2c3d-0000-4000-8000-00000000a2e1'
export const REGISTRY_RESOURCE_GROUP = 'azureml-rg'

interface Curated {
  /** The registry name (the workspace name is `AzureML-<name>`). */
  name: string
  /** Oldest first; the last is `latest`. */
  versions: string[]
  image: string
  description: string
}

/** The curated environments held (version numbers are the emulator's; Azure's advance as Microsoft rebuilds them). */
export const CURATED: readonly Curated[] = [
  {
    name: 'sklearn-1.0-ubuntu20.04-py38-cpu',
    versions: ['1', '2', '3'],
    image: 'mcr.microsoft.com/azureml/curated/sklearn-1.0-ubuntu20.04-py38-cpu',
    description: 'An environment for tasks such as regression, clustering, and classification with Scikit-learn.'
  },
  {
    name: 'sklearn-1.5',
    versions: ['1', '2'],
    image: 'mcr.microsoft.com/azureml/curated/sklearn-1.5',
    description: 'An environment for tasks such as regression, clustering, and classification with Scikit-learn.'
  },
  {
    name: 'lightgbm-3.3',
    versions: ['1', '2'],
    image: 'mcr.microsoft.com/azureml/curated/lightgbm-3.3',
    description: 'An environment for machine learning with LightGBM.'
  },
  {
    name: 'tensorflow-2.16-cuda12',
    versions: ['1', '2'],
    image: 'mcr.microsoft.com/azureml/curated/tensorflow-2.16-cuda12',
    description: 'An environment for deep learning with TensorFlow on GPUs.'
  },
  {
    name: 'acpt-pytorch-2.8-cuda12.6',
    versions: ['1', '2'],
    image: 'mcr.microsoft.com/azureml/curated/acpt-pytorch-2.8-cuda12.6',
    description: 'Azure Container for PyTorch: an environment for large-scale training.'
  }
]

const CREATED = '2023-01-01T00:00:00.000Z'

function versionProperties(c: Curated, version: string): Record<string, unknown> {
  return {
    description: c.description,
    tags: { OS: 'Ubuntu20.04' },
    properties: {},
    image: `${c.image}:${version}`,
    osType: 'Linux',
    autoRebuild: 'Disabled',
    environmentType: 'Curated',
    isAnonymous: false,
    isArchived: false
  }
}

/** Adds the curated environments (`AzureML-<name>`, every version) to a workspace's assets; idempotent. */
export function addCuratedEnvironments(state: State, wsKey: string): void {
  for (const c of CURATED) {
    const name = `${CURATED_PREFIX}${c.name}`
    const key = state.assetKey(wsKey, 'environments', name)
    if (state.assets.has(key)) continue
    const container: AssetContainer = {
      workspaceKey: wsKey,
      kind: 'environments',
      name,
      properties: { description: c.description, tags: {}, properties: {} },
      createdAt: CREATED,
      modifiedAt: CREATED,
      versions: new Map()
    }
    for (const version of c.versions) {
      container.versions.set(version, {
        name,
        version,
        properties: versionProperties(c, version),
        createdAt: CREATED,
        modifiedAt: CREATED,
        seq: ++state.assetSeq
      })
    }
    state.assets.set(key, container)
  }
}

function findCurated(name: string): Curated | undefined {
  return CURATED.find(c => c.name.toLowerCase() === name.toLowerCase())
}

function versionOf(c: Curated, versionOrLabel: { version?: string; label?: string }): string | undefined {
  if (versionOrLabel.label !== undefined) {
    return versionOrLabel.label.toLowerCase() === 'latest' ? c.versions[c.versions.length - 1] : undefined
  }
  return c.versions.find(v => v === versionOrLabel.version)
}

/**
 * Checks an `environmentId` that is not an ARM id: `azureml:AzureML-<name>:<version>` / `@latest` (a curated
 * environment of the workspace) or `azureml://registries/azureml/environments/<name>/versions/<v>` / `/labels/latest`.
 * Undefined when it resolves (ids of other registries are not checked: the emulator holds only `azureml`), else why
 * not, naming the field.
 */
export function resolveEnvironmentReference(core: Core, ws: Workspace, field: string, id: string): string | undefined {
  const registry = /^azureml:\/\/registries\/([^/]+)\/environments\/([^/]+)\/(versions|labels)\/([^/]+)$/i.exec(id)
  if (registry) {
    if (registry[1].toLowerCase() !== AZUREML_REGISTRY) return undefined
    const c = findCurated(registry[2])
    const ok =
      c && versionOf(c, registry[3].toLowerCase() === 'labels' ? { label: registry[4] } : { version: registry[4] })
    return ok
      ? undefined
      : `Environment '${registry[2]}' ${registry[3].toLowerCase() === 'labels' ? 'label' : 'version'} '${registry[4]}' ` +
          `(properties.${field}) was not found in registry '${AZUREML_REGISTRY}'.`
  }
  if (/^azureml:\/\/registries\//i.test(id)) return undefined
  const short = /^azureml:([^:@/]+)(?::([^:@/]+)|@([^:@/]+))$/.exec(id)
  if (short && short[1].startsWith(CURATED_PREFIX)) {
    const wsKey = `${ws.subscriptionId}/${ws.resourceGroup}/${ws.name}`.toLowerCase()
    const container = core.state.assets.get(core.state.assetKey(wsKey, 'environments', short[1]))
    const found = short[3] !== undefined ? short[3].toLowerCase() === 'latest' : container?.versions.has(short[2])
    if (container && found) return undefined
    return (
      `Environment '${short[1]}' ${short[3] !== undefined ? `label '${short[3]}'` : `version '${short[2]}'`} ` +
      `(properties.${field}) was not found in workspace '${ws.name}'.`
    )
  }
  return (
    `properties.${field} must be the ARM id of an environment version ({WS}/environments/<name>/versions/<version>), ` +
    `a curated environment (azureml:AzureML-<name>:<version> or @latest) or an azureml://registries/ id, got '${id}'.`
  )
}

// ------------------------------------------------------------------------------------------------ the registry

function registryScope(ctx: RequestContext): Reply | undefined {
  const p = ctx.params
  if (
    (p.registryName ?? '').toLowerCase() !== AZUREML_REGISTRY ||
    (p.subscriptionId ?? '').toLowerCase() !== REGISTRY_SUBSCRIPTION ||
    (p.resourceGroupName ?? '').toLowerCase() !== REGISTRY_RESOURCE_GROUP.toLowerCase()
  ) {
    return armError(
      404,
      'ResourceNotFound',
      `The Resource '${PROVIDER}/registries/${p.registryName}' under resource group '${p.resourceGroupName}' was not ` +
        'found. The emulator holds one registry, azureml (see registry discovery).'
    )
  }
  return undefined
}

function registryVersionBody(c: Curated, version: string): Record<string, unknown> {
  return {
    // Registry assets carry their registry URI as id, not an ARM id (azure-ai-ml parses it as AzureML versioned id).
    id: `azureml://registries/${AZUREML_REGISTRY}/environments/${c.name}/versions/${version}`,
    name: version,
    type: `${PROVIDER}/registries/environments/versions`,
    systemData: { createdAt: CREATED, createdBy: 'Microsoft', createdByType: 'Application', lastModifiedAt: CREATED },
    properties: { ...versionProperties(c, version), provisioningState: 'Succeeded' }
  }
}

function notInRegistry(name: string, version?: string): Reply {
  return armError(
    404,
    'UserError',
    `Environment '${name}'${version === undefined ? '' : ` version '${version}'`} was not found in registry ` +
      `'${AZUREML_REGISTRY}'.`
  )
}

function getRegistryContainer(_core: Core, ctx: RequestContext): Reply {
  const bad = registryScope(ctx)
  if (bad) return bad
  const c = findCurated(ctx.params.environmentName ?? '')
  if (!c) return notInRegistry(ctx.params.environmentName ?? '')
  return json(200, {
    id: `azureml://registries/${AZUREML_REGISTRY}/environments/${c.name}`,
    name: c.name,
    type: `${PROVIDER}/registries/environments`,
    systemData: { createdAt: CREATED, createdBy: 'Microsoft', createdByType: 'Application', lastModifiedAt: CREATED },
    properties: {
      description: c.description,
      tags: {},
      properties: {},
      isArchived: false,
      latestVersion: c.versions[c.versions.length - 1],
      nextVersion: String(c.versions.length + 1),
      provisioningState: 'Succeeded'
    }
  })
}

function listRegistryVersions(_core: Core, ctx: RequestContext): Reply {
  const bad = registryScope(ctx)
  if (bad) return bad
  const c = findCurated(ctx.params.environmentName ?? '')
  if (!c) return notInRegistry(ctx.params.environmentName ?? '')
  const asc = /\basc$/i.test(String(ctx.query.$orderBy ?? ctx.query.$orderby ?? 'createdtime desc'))
  let versions = asc ? [...c.versions] : [...c.versions].reverse()
  const top = Number(ctx.query.$top)
  if (Number.isInteger(top) && top > 0) versions = versions.slice(0, top)
  return json(200, { value: versions.map(v => registryVersionBody(c, v)) })
}

function getRegistryVersion(_core: Core, ctx: RequestContext): Reply {
  const bad = registryScope(ctx)
  if (bad) return bad
  const c = findCurated(ctx.params.environmentName ?? '')
  const version = ctx.params.version ?? ''
  if (!c || !c.versions.includes(version)) return notInRegistry(ctx.params.environmentName ?? '', version)
  return json(200, registryVersionBody(c, version))
}

/**
 * `GET {api}/registrymanagement/v1.0/registries/{registryName}/discovery` (azure-ai-ml 1.4 `_restclient/
 * registry_discovery`, `RegistryDiscoveryDto`): where the registry's management front end is. Only `azureml` exists.
 */
function registryDiscovery(core: Core, ctx: RequestContext): Reply {
  const name = ctx.params.registryName ?? ''
  if (name.toLowerCase() !== AZUREML_REGISTRY) {
    return armError(404, 'UserError', `Registry '${name}' was not found. The emulator holds one registry, azureml.`)
  }
  return json(200, {
    registryName: AZUREML_REGISTRY,
    tenantId: core.seed.tenantId,
    primaryRegion: core.seed.location,
    regions: [core.seed.location],
    subscriptionId: REGISTRY_SUBSCRIPTION,
    resourceGroup: REGISTRY_RESOURCE_GROUP,
    workspaceName: `registry-${AZUREML_REGISTRY}`,
    // azure-ai-ml appends `mferp/managementfrontend`; the ARM server serves those paths under that prefix.
    primaryRegionResourceProviderUri: `${core.url}/`,
    timestamp: iso()
  })
}

export const registryEnvironmentsModule: EmulatorModule = {
  name: 'registry-environments',
  operations: {
    'mfe-2024-04-01:RegistryEnvironmentContainers_Get': getRegistryContainer,
    'mfe-2024-04-01:RegistryEnvironmentVersions_List': listRegistryVersions,
    'mfe-2024-04-01:RegistryEnvironmentVersions_Get': getRegistryVersion
  },
  routes: [
    route(
      'api',
      'GET',
      '/registrymanagement/v1.0/registries/{registryName}/discovery',
      'Emulator_RegistryDiscovery',
      registryDiscovery,
      'bearer'
    )
  ]
}
