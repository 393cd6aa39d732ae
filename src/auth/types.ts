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
