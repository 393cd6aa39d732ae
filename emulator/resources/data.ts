/**
 * Data assets, Microsoft.MachineLearningServices mfe.json 2024-04-01: `DataContainers_List`, `DataContainers_Get`,
 * `DataContainers_CreateOrUpdate`, `DataVersions_List` (`$orderBy`, `$top`), `DataVersions_Get`,
 * `DataVersions_CreateOrUpdate` (`dataType` uri_file | uri_folder | mltable and `dataUri`, immutable once registered).
 * A job input `azureml:<name>:<version>` (or the version's ARM id) reads the version's `dataUri` (jobs.ts).
 */
import type { EmulatorModule } from '../core/routes.js'
import { assetHandlers } from './assets.js'

const handlers = assetHandlers({
  kind: 'data',
  what: 'data asset',
  definition: ['dataType', 'dataUri'],
  provisioning: false,
  containerFrom: props => ({ dataType: props.dataType })
})

export const dataModule: EmulatorModule = {
  name: 'data',
  operations: {
    'mfe-2024-04-01:DataContainers_List': handlers.listContainers,
    'mfe-2024-04-01:DataContainers_Get': handlers.getContainer,
    'mfe-2024-04-01:DataContainers_CreateOrUpdate': handlers.putContainer,
    'mfe-2024-04-01:DataVersions_List': handlers.listVersions,
    'mfe-2024-04-01:DataVersions_Get': handlers.getVersion,
    'mfe-2024-04-01:DataVersions_CreateOrUpdate': handlers.putVersion
  }
}
