/**
 * Inputs of register-environment: `environment` (the path of an environment YAML, relative to the workflow
 * workspace) and `set` (one `path=value` a line, applied to it). The YAML is read and checked here, before any
 * request: errors name the input and the file, line and field.
 */
import * as core from '@actions/core'
import type { InputScope } from '../action/common-inputs.js'
import { optional } from '../action/input-readers.js'
import { InputError } from '../base/errors.js'
import type { Op, WorkspaceRef } from '../base/settings.js'
import { ENVIRONMENT_INPUT, readEnvironmentYaml, type EnvironmentYamlRead } from './yaml/environment.js'

export interface RegisterEnvironmentInputs {
  kind: 'register-environment'
  workspace: WorkspaceRef
  read: EnvironmentYamlRead
}

export type RegisterEnvironmentOperation = Op<RegisterEnvironmentInputs>

export function readRegisterEnvironment(scope: InputScope): RegisterEnvironmentInputs {
  const workspace = scope.workspace('register-environment')
  const file = optional(ENVIRONMENT_INPUT)
  if (file === undefined) {
    throw new InputError(
      ENVIRONMENT_INPUT,
      'required by register-environment: the path of an environment YAML, relative to the workspace, e.g. ' +
        'environments/train-env.yml.'
    )
  }
  const baseDir = process.env.GITHUB_WORKSPACE || process.cwd()
  return {
    kind: 'register-environment',
    workspace,
    read: readEnvironmentYaml(file, core.getMultilineInput('set'), { baseDir })
  }
}
