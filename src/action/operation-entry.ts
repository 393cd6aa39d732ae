/** The shape of one row of the dispatch table, which each domain folder contributes through its `dispatch.ts`. */
import type { InputScope } from './common-inputs.js'
import type { Context } from '../base/context.js'
import type { Op } from '../base/settings.js'

export interface OperationEntry<Inputs extends { kind: string }> {
  /** Reads and validates the operation's own inputs (the common ones are in `scope`); throws `InputError`. */
  read: (scope: InputScope) => Inputs
  /**
   * Runs the operation; fails by throwing (main.ts turns it into one `setFailed` line). Method syntax on purpose: the
   * table holds rows of different inputs, which TypeScript checks bivariantly only for methods.
   */
  run(op: Op<Inputs>, ctx: Context): Promise<void>
  /** Secret inputs to mask before any input is parsed. */
  secretInputs?: readonly string[]
  /** Whether the step needs Entra credentials; default true. */
  needsToken?: () => boolean
}

/** Types one table row, so that `read` and `run` agree on the inputs. */
export function entry<Inputs extends { kind: string }>(e: OperationEntry<Inputs>): OperationEntry<Inputs> {
  return e
}
