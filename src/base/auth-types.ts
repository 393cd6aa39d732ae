/** What the REST layer needs from authentication. */
export interface AccessToken {
  token: string
  /** Epoch milliseconds. */
  expiresOn: number
}

export interface TokenProvider {
  /**
   * A token for `resource` (an audience such as `https://management.azure.com/`), from the cache while it has more
   * than a few minutes left, else freshly requested. `forceRefresh` skips the cache (after a 401 ExpiredAuthenticationToken).
   */
  getToken(resource: string, options?: { forceRefresh?: boolean }): Promise<AccessToken>
}

/**
 * How to obtain Entra tokens, as action/common-inputs.ts resolved it: a client secret (from `creds` or `client-secret`), or OpenID
 * Connect (no secret: the GitHub ID token for `audience` exchanged as a client assertion). `authorityHost` ends in `/`.
 */
export type AuthConfig =
  | { kind: 'secret'; tenantId: string; clientId: string; clientSecret: string; authorityHost: string }
  | { kind: 'oidc'; tenantId: string; clientId: string; audience: string; authorityHost: string }
