/** The run's entry script must be inside the snapshot, or Azure ML fails the run minutes later with a vaguer error. */
import { posix } from 'node:path'
import { InputError } from '../../base/errors.js'
import type { SnapshotPlan } from './types.js'

/**
 * Throws `InputError('script', ...)` unless `script` (relative to the source directory; `./` and `\` accepted) is a
 * file in the plan. Says why when it can: which ignore file and rule excluded it, or that it was skipped as a symlink.
 */
export function entryScriptCheck(plan: SnapshotPlan, script: string): void {
  const path = normalizeScriptPath(script)
  if (plan.files.some(file => file.path === path)) return

  const folders = ancestors(path)
  const ignored = plan.ignored.find(entry => entry.path === path || folders.includes(entry.path))
  if (ignored) {
    const what = ignored.path === path ? 'it' : `its folder ${ignored.path}`
    const by =
      ignored.ignoreFile === '(built in)'
        ? 'git metadata (.git) is never part of a snapshot'
        : `${ignored.ignoreFile} excludes ${what} (rule \`${ignored.rule}\`); remove that rule or add \`!${path}\``
    throw new InputError('script', `'${script}' is not in the snapshot: ${by}.`)
  }
  const skipped = plan.skipped.find(entry => entry.path === path || folders.includes(`${entry.path}/`))
  if (skipped) {
    throw new InputError(
      'script',
      `'${script}' is not in the snapshot: ${skipped.path} was left out (${skipped.reason}).`
    )
  }
  if (plan.files.some(file => file.path.startsWith(`${path}/`))) {
    throw new InputError(
      'script',
      `'${script}' is a folder in the source directory ${plan.root}; name the entry script file.`
    )
  }
  // The usual slip: a path relative to the repository root instead of to source-directory, or the other way round.
  const name = path.slice(path.lastIndexOf('/') + 1)
  const sameName = plan.files.filter(file => file.path === name || file.path.endsWith(`/${name}`)).slice(0, 3)
  const hint = sameName.length > 0 ? ` Files with that name: ${sameName.map(file => file.path).join(', ')}.` : ''
  throw new InputError(
    'script',
    `'${script}' was not found in the source directory ${plan.root}: the entry script's path is relative to it.${hint}`
  )
}

/** `./train.py`, `src\\train.py` -> `train.py`, `src/train.py`; refuses paths that leave the source directory. */
export function normalizeScriptPath(script: string): string {
  const path = posix.normalize(script.trim().replace(/\\/g, '/'))
  if (
    path === '' ||
    path === '.' ||
    path.startsWith('../') ||
    path === '..' ||
    posix.isAbsolute(path) ||
    /^[A-Za-z]:/.test(path)
  ) {
    throw new InputError('script', `'${script}' must be a file path relative to the source directory.`)
  }
  return path.replace(/\/$/, '')
}

/** `a/b/c.py` -> [`a/`, `a/b/`]. */
function ancestors(path: string): string[] {
  const parts = path.split('/')
  return parts.slice(0, -1).map((_, i) => `${parts.slice(0, i + 1).join('/')}/`)
}
