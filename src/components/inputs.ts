/**
 * Inputs of register-component: `component` (the path of a command or parallel component YAML, relative to the workflow
 * workspace) and `set` (one `path=value` a line, applied to it). The YAML is read and checked here, before any request:
 * errors name the input and the file, line and field.
 */
import * as core from '@actions/core'
import type { InputScope } from '../action/common-inputs.js'
import { InputError } from '../base/errors.js'
import { optional } from '../action/input-readers.js'
import type { Op, WorkspaceRef } from '../base/settings.js'
import { COMPONENT_INPUT, readComponentYaml, type ComponentYamlRead } from './yaml/index.js'

export interface RegisterComponentInputs {
  kind: 'register-component'
  workspace: WorkspaceRef
  read: ComponentYamlRead
}

export type RegisterComponentOperation = Op<RegisterComponentInputs>

export function readRegisterComponent(scope: InputScope): RegisterComponentInputs {
  const workspace = scope.workspace('register-component')
  const file = optional(COMPONENT_INPUT)
  if (file === undefined) {
    throw new InputError(
      COMPONENT_INPUT,
      'required by register-component: the path of a command or parallel component YAML, relative to the workspace, e.g. ' +
        'components/train.yml.'
    )
  }
  const baseDir = process.env.GITHUB_WORKSPACE || process.cwd()
  return {
    kind: 'register-component',
    workspace,
    read: readComponentYaml(file, core.getMultilineInput('set'), { baseDir })
  }
}
