/**
 * File names that usually hold credentials. They are only reported (the caller warns), not excluded: silently dropping
 * a file the run may need would be worse than a loud warning, and `.amlignore` is the user's tool to exclude it.
 */

// Templates that are committed on purpose and hold placeholders, not secrets: warning about them is noise.
const ENV_TEMPLATES = new Set(['.env.example', '.env.sample', '.env.template', '.env.dist'])

const PATTERNS: RegExp[] = [
  /^\.env$/,
  /^\.env\..+$/,
  // google-github-actions/auth writes these into the workspace, which is often the source directory.
  /^gha-creds-.*\.json$/,
  /\.(pem|key|pfx|p12)$/i,
  /^credentials\.json$/i,
  // Private SSH keys; the `.pub` half is public.
  /^id_(rsa|dsa|ecdsa|ed25519)(?!.*\.pub$)/
]

/** Does this snapshot path (POSIX, relative) look like a secret? Judged on the file name only. */
export function isSecretLooking(path: string): boolean {
  const name = path.slice(path.lastIndexOf('/') + 1)
  if (ENV_TEMPLATES.has(name)) return false
  return PATTERNS.some(pattern => pattern.test(name))
}
