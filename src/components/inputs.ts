/**
 * Inputs of register-component: `component` (the path of a command, parallel or pipeline component YAML, relative to
 * the workflow workspace) and `set` (one `path=value` a line, applied to it). The YAML is read and checked here, before
 * any request: errors name the input and the file, line and field. A pipeline component's `jobs` are read by the
 * pipeline job's node reader (`src/jobs/pipeline`), its local component files with it.
 */
import * as core from '@actions/core'
import type { InputScope } from '../action/common-inputs.js'
import { InputError } from '../base/errors.js'
import { optional } from '../action/input-readers.js'
import type { Op, WorkspaceRef } from '../base/settings.js'
import { readPipelineComponentYaml, type PipelineComponentRead } from '../jobs/pipeline/index.js'
import { COMPONENT_INPUT, readComponentYaml, type ComponentYamlRead } from './yaml/index.js'

export interface RegisterComponentInputs {
  kind: 'register-component'
  workspace: WorkspaceRef
  read: ComponentYamlRead | PipelineComponentRead
}

export type RegisterComponentOperation = Op<RegisterComponentInputs>

export function readRegisterComponent(scope: InputScope): RegisterComponentInputs {
  const workspace = scope.workspace('register-component')
  const file = optional(COMPONENT_INPUT)
  if (file === undefined) {
    throw new InputError(
      COMPONENT_INPUT,
      'required by register-component: the path of a command, parallel or pipeline component YAML, relative to the workspace, e.g. ' +
        'components/train.yml.'
    )
  }
  const baseDir = process.env.GITHUB_WORKSPACE || process.cwd()
  const set = core.getMultilineInput('set')
  return {
    kind: 'register-component',
    workspace,
    read: readPipelineComponentYaml(file, set, { baseDir }) ?? readComponentYaml(file, set, { baseDir })
  }
}
