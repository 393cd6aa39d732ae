/**
 * v2 model assets, Microsoft.MachineLearningServices mfe.json 2024-04-01: `ModelContainers_List`,
 * `ModelContainers_Get`, `ModelContainers_CreateOrUpdate`, `ModelVersions_List` (`$orderBy`, `$top`),
 * `ModelVersions_Get`, `ModelVersions_CreateOrUpdate` (`modelUri`, `modelType`, immutable once registered). The v1
 * model registry (modelmanagement/v1.0, models.ts) is a separate store, as the two APIs are in Azure's history.
 * A version comes back with `flavors`, `tags` and `properties` as `{}` when the PUT gave none, as Azure answers
 * (azure-ai-ml's `Model._from_rest_object` calls `flavors.items()` and fails on a missing one; issue 18).
 */
import type { EmulatorModule } from '../core/routes.js'
import { assetHandlers } from './assets.js'

const handlers = assetHandlers({
  kind: 'models',
  what: 'model',
  definition: ['modelUri', 'modelType', 'flavors'],
  provisioning: true,
  prepareVersion: (_core, props) => ({
    modelType: 'custom_model',
    ...props,
    flavors: props.flavors ?? {},
    tags: props.tags ?? {},
    properties: props.properties ?? {}
  })
})

export const modelAssetsModule: EmulatorModule = {
  name: 'model-assets',
  operations: {
    'mfe-2024-04-01:ModelContainers_List': handlers.listContainers,
    'mfe-2024-04-01:ModelContainers_Get': handlers.getContainer,
    'mfe-2024-04-01:ModelContainers_CreateOrUpdate': handlers.putContainer,
    'mfe-2024-04-01:ModelVersions_List': handlers.listVersions,
    'mfe-2024-04-01:ModelVersions_Get': handlers.getVersion,
    'mfe-2024-04-01:ModelVersions_CreateOrUpdate': handlers.putVersion
  }
}
