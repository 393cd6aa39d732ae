/**
 * Reads a JWT's claims WITHOUT verifying it: only for hints (the subject an ID token carries, a token's `exp` when the
 * token endpoint gave no expiry). Never a basis for trust.
 */
export function readJwtClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.')
  if (parts.length !== 3) return undefined
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'))
    if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) return undefined
    return claims as Record<string, unknown>
  } catch {
    return undefined
  }
}

/** A string claim, or undefined. */
export function stringClaim(token: string, name: string): string | undefined {
  const value = readJwtClaims(token)?.[name]
  return typeof value === 'string' ? value : undefined
}
