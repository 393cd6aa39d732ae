/**
 * The registry: every module of the emulator, one line each. A new kind of resource or service is one file exporting
 * an `EmulatorModule` (spec operations it implements, routes outside the specs, results of its long-running
 * operations; see core/routes.ts) plus one line here. The order is the order of the non-spec routes.
 */
import { operationPolling } from './arm/lro.js'
import type { EmulatorModule } from './core/routes.js'
import { entraModule } from './identity/entra.js'
import { oidcModule } from './identity/oidc.js'
import { codesModule } from './resources/codes.js'
import { componentsModule } from './resources/components.js'
import { computesModule } from './resources/computes.js'
import { registryEnvironmentsModule } from './resources/curated-environments.js'
import { dataModule } from './resources/data.js'
import { datastoresModule } from './resources/datastores.js'
import { environmentsModule } from './resources/environments.js'
import { jobsModule } from './resources/jobs.js'
import { mlflowModule } from './resources/mlflow.js'
import { modelAssetsModule } from './resources/model-assets.js'
import { modelsModule } from './resources/models.js'
import { onlineDeploymentsModule } from './resources/online-deployments.js'
import { onlineEndpointsModule } from './resources/online-endpoints.js'
import { runDataModule } from './resources/run-data.js'
import { runsModule } from './resources/runs.js'
import { scoringModule } from './resources/scoring.js'
import { workspacesModule } from './resources/workspaces.js'

const SERVICES: readonly EmulatorModule[] = [
  entraModule,
  oidcModule,
  workspacesModule,
  computesModule,
  runsModule,
  modelsModule,
  scoringModule,
  codesModule,
  environmentsModule,
  registryEnvironmentsModule,
  datastoresModule,
  dataModule,
  modelAssetsModule,
  componentsModule,
  jobsModule,
  mlflowModule,
  runDataModule,
  onlineEndpointsModule,
  onlineDeploymentsModule
]

/** The services, then the ARM polling URLs their long-running operations hand out. */
export const MODULES: readonly EmulatorModule[] = [...SERVICES, operationPolling(SERVICES)]
