/**
 * Environment assets, Microsoft.MachineLearningServices mfe.json 2024-04-01: `EnvironmentContainers_List`,
 * `EnvironmentContainers_Get` (with `latestVersion` and `nextVersion`), `EnvironmentContainers_CreateOrUpdate`,
 * `EnvironmentVersions_List` (`$orderBy=createdtime desc`, `$top`: how `azureml:name@latest` resolves),
 * `EnvironmentVersions_Get`, `EnvironmentVersions_CreateOrUpdate`. A version needs `image` or `build`; it is immutable
 * once registered: a PUT with another `image`, `condaFile`, `build`, `osType` or `inferenceConfig` is 409, the same
 * body 200. Nothing is built: jobs run on the machine's own `bash`/`python3` whatever the image.
 */
import { armError } from '../core/http.js'
import type { EmulatorModule } from '../core/routes.js'
import { assetHandlers } from './assets.js'

const handlers = assetHandlers({
  kind: 'environments',
  what: 'environment',
  definition: ['image', 'condaFile', 'build', 'osType', 'inferenceConfig'],
  provisioning: true,
  prepareVersion: (_core, props) => {
    if (!props.image && !props.build) {
      return armError(
        400,
        'UserError',
        'An environment version needs properties.image (a Docker image) or properties.build (a Docker build context).'
      )
    }
    // mfe.json BuildContext.dockerfilePath: default "Dockerfile" (the service fills it in when it is left out).
    const build = props.build as { dockerfilePath?: string } | undefined
    if (build && typeof build === 'object') props.build = { dockerfilePath: 'Dockerfile', ...build }
    return { osType: 'Linux', autoRebuild: 'Disabled', ...props, environmentType: 'UserCreated' }
  }
})

export const environmentsModule: EmulatorModule = {
  name: 'environments',
  operations: {
    'mfe-2024-04-01:EnvironmentContainers_List': handlers.listContainers,
    'mfe-2024-04-01:EnvironmentContainers_Get': handlers.getContainer,
    'mfe-2024-04-01:EnvironmentContainers_CreateOrUpdate': handlers.putContainer,
    'mfe-2024-04-01:EnvironmentVersions_List': handlers.listVersions,
    'mfe-2024-04-01:EnvironmentVersions_Get': handlers.getVersion,
    'mfe-2024-04-01:EnvironmentVersions_CreateOrUpdate': handlers.putVersion
  }
}
