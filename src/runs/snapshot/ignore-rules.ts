/**
 * `.amlignore` / `.gitignore` handling, in gitignore syntax through the `ignore` package.
 *
 * In each folder `.amlignore` replaces `.gitignore` (Azure ML's documented rule: when both exist, only `.amlignore` is
 * read). Nested ignore files apply to their own subtree, as in git. To get git's precedence right (a deeper file
 * overrides a shallower one, including re-including a folder), every nested pattern is rewritten relative to the
 * source root and appended to one matcher per folder: the `ignore` package then resolves the whole chain in one test.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import ignore, { type Ignore } from 'ignore'

export const AML_IGNORE = '.amlignore'
export const GIT_IGNORE = '.gitignore'

/** The ignore file and line that decided a path. */
export interface RuleOrigin {
  ignoreFile: string
  rule: string
}

/** A matcher for one folder: its own rules plus every ancestor's, all rooted at the source directory. */
export class IgnoreRules {
  private constructor(
    private readonly matcher: Ignore,
    private readonly origins: RuleOrigin[]
  ) {}

  static empty(): IgnoreRules {
    return new IgnoreRules(newMatcher(), [])
  }

  /**
   * The rules for `relDir` (snapshot-relative, '' for the root): the parent's, extended with the folder's own ignore
   * file when it has one. `names` are the folder's regular files (a symlinked ignore file is not read).
   */
  async forFolder(absDir: string, relDir: string, names: ReadonlySet<string>): Promise<IgnoreRules> {
    const name = names.has(AML_IGNORE) ? AML_IGNORE : names.has(GIT_IGNORE) ? GIT_IGNORE : undefined
    if (!name) return this
    const ignoreFile = relDir ? `${relDir}/${name}` : name
    const text = await readFile(join(absDir, name), 'utf8')
    const origins = [...this.origins]
    const patterns: { pattern: string; mark: string }[] = []
    for (const line of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
      const pattern = rebase(line, relDir)
      if (pattern === undefined) continue
      patterns.push({ pattern, mark: String(origins.length) })
      origins.push({ ignoreFile, rule: line.trim() })
    }
    if (patterns.length === 0) return this
    return new IgnoreRules(newMatcher().add(this.matcher).add(patterns), origins)
  }

  /** Is this snapshot path excluded? `path` is relative; a folder must end with `/`. */
  excludedBy(path: string): RuleOrigin | undefined {
    const result = this.matcher.test(path)
    if (!result.ignored) return undefined
    const mark = result.rule?.mark
    return (mark !== undefined ? this.origins[Number(mark)] : undefined) ?? { ignoreFile: '?', rule: '?' }
  }
}

// Case-sensitive everywhere, so a repository gives the same snapshot on Linux, Windows and macOS runners.
const newMatcher = (): Ignore => ignore({ ignorecase: false })

/**
 * Rewrites one gitignore line from a file in `relDir` so it means the same thing when matched from the root, or
 * returns undefined for blank lines and comments.
 *
 * gitignore: a pattern with a slash at the start or in the middle is anchored to its file's folder; one without (a
 * trailing slash aside) matches at any depth below it.
 */
export function rebase(line: string, relDir: string): string | undefined {
  if (line.trim() === '' || line.startsWith('#')) return undefined
  if (relDir === '') return line
  const negative = line.startsWith('!')
  const body = negative ? line.slice(1) : line
  const withoutTrailing = body.trimEnd().replace(/\/$/, '')
  const anchored = withoutTrailing.includes('/')
  const rebased = anchored ? `${relDir}/${body.replace(/^\//, '')}` : `${relDir}/**/${body}`
  return (negative ? '!' : '') + rebased
}
