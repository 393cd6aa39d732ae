/** Azure ML's snapshot limits, checked on the plan so an oversize snapshot is refused before anything is uploaded. */
import { InputError } from '../../base/errors.js'
import { DEFAULT_LIMITS, type SnapshotLimits, type SnapshotPlan } from './types.js'

const TOP = 5

export function checkLimits(plan: SnapshotPlan, limits: SnapshotLimits = DEFAULT_LIMITS): void {
  const tooBig = plan.totalBytes > limits.maxBytes
  const tooMany = plan.files.length > limits.maxFiles
  if (!tooBig && !tooMany) return

  const over: string[] = []
  if (tooBig) over.push(`${formatBytes(plan.totalBytes)} (limit ${formatBytes(limits.maxBytes)})`)
  if (tooMany) over.push(`${count(plan.files.length)} files (limit ${count(limits.maxFiles)})`)
  // Rank by what is over: bytes when the size is, else file counts.
  const by = tooBig ? 'bytes' : 'files'

  const largestFiles = [...plan.files]
    .sort((a, b) => b.size - a.size)
    .slice(0, TOP)
    .map(file => `${file.path} (${formatBytes(file.size)})`)
  const folders = largestFolders(plan, by).map(
    folder =>
      `${folder.path}/ (${formatBytes(folder.bytes)} in ${count(folder.files)} file${folder.files === 1 ? '' : 's'})`
  )

  const lines = [
    `the snapshot of ${plan.root} is over Azure ML's limit: ${over.join(', ')}.`,
    `Largest files: ${largestFiles.join(', ')}.`
  ]
  if (folders.length > 0) lines.push(`Largest folders: ${folders.join(', ')}.`)
  lines.push(
    'Exclude what the run does not need with a .amlignore file in the source directory (gitignore syntax; it takes ' +
      'precedence over .gitignore), e.g. a line `data/` or `*.ckpt`.'
  )
  throw new InputError('source-directory', lines.join('\n'))
}

interface FolderSize {
  path: string
  bytes: number
  files: number
}

/**
 * The folders to name: the largest top-level folders, each narrowed to its one subfolder that holds 90% or more of it
 * (`src/` holding only `src/data/` says less than `src/data/`), so the list is the most specific non-overlapping one.
 */
export function largestFolders(plan: SnapshotPlan, by: 'bytes' | 'files', top = TOP): FolderSize[] {
  const sizes = new Map<string, FolderSize>()
  for (const file of plan.files) {
    const parts = file.path.split('/')
    for (let depth = 1; depth < parts.length; depth++) {
      const path = parts.slice(0, depth).join('/')
      const folder = sizes.get(path) ?? { path, bytes: 0, files: 0 }
      folder.bytes += file.size
      folder.files += 1
      sizes.set(path, folder)
    }
  }
  const children = new Map<string, FolderSize[]>()
  for (const folder of sizes.values()) {
    const slash = folder.path.lastIndexOf('/')
    const parent = slash < 0 ? '' : folder.path.slice(0, slash)
    const siblings = children.get(parent)
    if (siblings) siblings.push(folder)
    else children.set(parent, [folder])
  }
  const narrow = (folder: FolderSize): FolderSize => {
    const dominant = (children.get(folder.path) ?? []).find(child => child[by] >= 0.9 * folder[by])
    return dominant ? narrow(dominant) : folder
  }
  return (children.get('') ?? [])
    .sort((a, b) => b[by] - a[by])
    .slice(0, top)
    .map(narrow)
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  const units = ['KB', 'MB', 'GB', 'TB']
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value.toFixed(1).replace(/\.0$/, '')} ${units[unit]}`
}

const count = (n: number): string => n.toLocaleString('en-US')
