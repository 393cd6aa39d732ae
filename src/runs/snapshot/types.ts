/** What a snapshot will contain, decided before anything is read or sent (see select.ts). */

export interface SnapshotFile {
  /** Path inside the snapshot: relative to the source directory, POSIX separators. */
  path: string
  /** Size in bytes when the folder was walked. */
  size: number
  /** Where to read it from. For a symlink to a file inside the folder, the resolved target. */
  absolutePath: string
  /** Any execute bit set: the entry gets mode 0755, else 0644 (normalized so the zip does not depend on the umask). */
  executable: boolean
}

/** A path left out for a reason the user should hear about (a symlink out of the folder, a loop, a device file). */
export interface SkippedEntry {
  path: string
  reason: string
  /** Why, as a kind: a link whose target does not exist, one that resolves outside the folder, a loop, a device. */
  kind?: 'dangling' | 'outside' | 'loop' | 'special'
  /** For `outside`: where the link resolves to. */
  target?: string
}

/** A path an ignore file excluded (a folder is recorded once, not every file under it). */
export interface IgnoredEntry {
  /** Snapshot-relative; a folder ends with `/`. */
  path: string
  /** The ignore file whose rule matched, relative to the source directory (e.g. `.amlignore`, `data/.gitignore`). */
  ignoreFile: string
  /** The pattern as written in that file. */
  rule: string
}

export interface SnapshotPlan {
  /** The source directory, absolute and with symlinks resolved. */
  root: string
  /** Sorted by path (byte order), so the zip's entry order is reproducible. */
  files: SnapshotFile[]
  totalBytes: number
  skipped: SkippedEntry[]
  /** Files and folders excluded by `.amlignore`/`.gitignore` (and `.git`, recorded with ignoreFile '(built in)'). */
  ignored: IgnoredEntry[]
  /** Included files whose names look like credentials (`.env`, `*.pem`, `gha-creds-*.json`, ...). */
  secretLooking: string[]
}

/** Azure ML refuses larger snapshots; the action refuses them first, before any upload. */
export interface SnapshotLimits {
  maxBytes: number
  maxFiles: number
}

export const DEFAULT_LIMITS: SnapshotLimits = { maxBytes: 300 * 1024 * 1024, maxFiles: 2000 }
