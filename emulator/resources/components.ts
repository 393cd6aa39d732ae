/**
 * Component assets, Microsoft.MachineLearningServices mfe.json 2024-04-01: `ComponentContainers_List`,
 * `ComponentContainers_Get` (with `latestVersion` and `nextVersion`), `ComponentContainers_CreateOrUpdate`,
 * `ComponentVersions_List` (`$orderBy`, `$top`), `ComponentVersions_Get`, `ComponentVersions_CreateOrUpdate`. A
 * version's definition is its `componentSpec` (the component YAML's dict form with `code`/`environment` as ARM ids, as
 * azure-ai-ml `Component._to_rest_object` sends it); it is immutable once registered like every asset version: the
 * same spec PUT again is 200, another one 409 (see README "What is a guess"). A pipeline job's steps run their
 * component's `command` (pipeline-process.ts).
 */
import { armError } from '../core/http.js'
import type { EmulatorModule } from '../core/routes.js'
import { assetHandlers } from './assets.js'

const handlers = assetHandlers({
  kind: 'components',
  what: 'component',
  definition: ['componentSpec'],
  provisioning: true,
  prepareVersion: (_core, props) => {
    const spec = props.componentSpec
    if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
      return armError(
        400,
        'UserError',
        'A component version needs properties.componentSpec (the component definition).'
      )
    }
    return props
  },
  conflictMessage: (name, version) =>
    `Component '${name}' version '${version}' already exists with a different definition. Component versions are ` +
    'immutable: register the changed component with a new version.'
})

export const componentsModule: EmulatorModule = {
  name: 'components',
  operations: {
    'mfe-2024-04-01:ComponentContainers_List': handlers.listContainers,
    'mfe-2024-04-01:ComponentContainers_Get': handlers.getContainer,
    'mfe-2024-04-01:ComponentContainers_CreateOrUpdate': handlers.putContainer,
    'mfe-2024-04-01:ComponentVersions_List': handlers.listVersions,
    'mfe-2024-04-01:ComponentVersions_Get': handlers.getVersion,
    'mfe-2024-04-01:ComponentVersions_CreateOrUpdate': handlers.putVersion
  }
}
