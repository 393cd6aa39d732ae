/**
 * Inputs of `register-data` (`az ml data create -f data.yml`): input `data`, the data YAML (relative to the
 * workspace, `GITHUB_WORKSPACE`), and `set` (overrides, one `path=value` a line). Every problem of the YAML (its
 * fields, a local path that is missing or of the wrong kind for `type`, an mltable folder without an `MLTable` file)
 * is found here, before any request; errors name the input and the YAML's file:line:field. A cloud `path` with a query
 * (a SAS) is registered as a secret here (auth/mask.ts `maskSasUrl`).
 */
import * as core from '@actions/core'
import type { InputScope } from '../action/common-inputs.js'
import { optional } from '../action/input-readers.js'
import { InputError } from '../base/errors.js'
import { maskSasUrl } from '../auth/mask.js'
import type { Op, WorkspaceRef } from '../base/settings.js'
import { DATA_INPUT, readDataYaml, type DataYamlRead } from './yaml/data.js'

export interface RegisterDataInputs {
  kind: 'register-data'
  workspace: WorkspaceRef
  read: DataYamlRead
}

export type RegisterDataOperation = Op<RegisterDataInputs>

/** Throws `InputError('data')` when the input is missing, a `CliYamlError` (data or set) for a bad YAML. */
export function readRegisterData(scope: InputScope): RegisterDataInputs {
  const workspace = scope.workspace('register-data')
  const file = optional(DATA_INPUT)
  if (file === undefined) {
    throw new InputError(
      DATA_INPUT,
      'required by register-data: the data YAML (name, path, type, ...), relative to the workspace, e.g. data/train.yml.'
    )
  }
  const baseDir = process.env.GITHUB_WORKSPACE || process.cwd()
  const read = readDataYaml(file, core.getMultilineInput('set'), { baseDir })
  // A cloud path's query is a SAS (https://...?sv=...&sig=...): a secret from here on, in every log and output.
  if (read.dataPath.kind === 'uri' && read.dataPath.uri.includes('?')) maskSasUrl(read.dataPath.uri)
  return { kind: 'register-data', workspace, read }
}
