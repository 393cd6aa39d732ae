/**
 * The pure half of `register-model` from a model YAML: read it (with the `set` lines applied), find every problem
 * before any request, and build the PUT. See model.ts for the fields and the Azure facts behind them.
 */
export {
  readModelYaml,
  toModelRestBody,
  longDatastoreUri,
  MODEL_SCHEMA,
  type ModelYaml,
  type ModelYamlRead,
  type ModelReferences,
  type ModelResolver,
  type ModelRestOptions,
  type ModelRestRequest,
  type ModelVersionProperties
} from './model.js'
export { CliYamlError } from '../../cli-yaml/load.js'
export {
  MLMODEL_FILE,
  MODEL_TYPES,
  mlflowFolderProblem,
  parseModelPath,
  type ModelType,
  type ModelPathReference
} from '../../cli-yaml/references.js'
