/**
 * The run snapshot: the source directory as a zip, as Azure ML's startrun takes it.
 *
 *   const plan = await prepareSnapshot(op.sourceDirectory, { script: op.script })  // walks, warns, checks limits
 *   const zip = await writeSnapshotFile(plan)        // under RUNNER_TEMP; zip.path, zip.bytes
 *   ... upload with open: () => createReadStream(zip.path), length: zip.bytes ...
 *   await zip.remove()
 *
 * The steps are exported one by one for tests and other callers. `selectFiles`, `checkLimits` and `entryScriptCheck`
 * log nothing; `warnAboutSnapshot` (called by `prepareSnapshot`) is the one place that warns.
 */
import * as core from '@actions/core'
import { entryScriptCheck } from './entry-script.js'
import { checkLimits, formatBytes } from './limits.js'
import { selectFiles } from './select.js'
import { DEFAULT_LIMITS, type SnapshotLimits, type SnapshotPlan } from './types.js'

export { entryScriptCheck, normalizeScriptPath } from './entry-script.js'
export { checkLimits, formatBytes, largestFolders } from './limits.js'
export { isSecretLooking } from './secrets.js'
export { selectFiles } from './select.js'
export { hasStoredExtension } from './compression.js'
export {
  DEFAULT_LEVEL,
  SNAPSHOT_DATE,
  snapshotStream,
  writeSnapshotFile,
  zipSnapshot,
  type SnapshotFileResult,
  type ZipOptions,
  type ZipResult
} from './zip.js'
export * from './types.js'

export interface PrepareOptions {
  /** The run's entry script, relative to the source directory: checked to be in the snapshot. */
  script?: string
  limits?: SnapshotLimits
}

/** Walks `sourceDir`, warns about what deserves it, and refuses (InputError) before any upload what Azure ML would. */
export async function prepareSnapshot(sourceDir: string, options: PrepareOptions = {}): Promise<SnapshotPlan> {
  const plan = await selectFiles(sourceDir)
  warnAboutSnapshot(plan)
  checkLimits(plan, options.limits ?? DEFAULT_LIMITS)
  if (options.script !== undefined) entryScriptCheck(plan, options.script)
  core.info(
    `Snapshot of ${plan.root}: ${plan.files.length} files, ${formatBytes(plan.totalBytes)}` +
      (plan.ignored.length > 0 ? ` (${plan.ignored.length} paths excluded by ignore files and .git)` : '')
  )
  return plan
}

/** One warning for skipped entries (symlinks out of the folder, loops, devices), one for secret-looking files. */
export function warnAboutSnapshot(plan: SnapshotPlan): void {
  if (plan.skipped.length > 0) {
    core.warning(
      `Left out of the snapshot: ${plan.skipped.map(entry => `${entry.path} (${entry.reason})`).join('; ')}.`
    )
  }
  if (plan.secretLooking.length > 0) {
    core.warning(
      `The snapshot includes files that look like secrets: ${plan.secretLooking.join(', ')}. They will be uploaded ` +
        'to the workspace with the code; if the run does not need them, exclude them with .amlignore (gitignore ' +
        'syntax; it takes precedence over .gitignore).'
    )
  }
}
