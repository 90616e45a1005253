/**
 * Microsoft Graph as the sync engine needs it. Errors are AppErrors with these codes:
 * - `directory_delta_reset`: the delta state is gone (410 Gone, or `syncStateNotFound`): start a
 *   full round. `meta.restartLink` holds Graph's fresh start URL when it gave one.
 * - `consent_revoked`: the app may no longer read the tenant (AADSTS700016, AADSTS7000229,
 *   AADSTS7000112 at token time, or 401/403 from Graph).
 * - `directory_throttled`: 429/503/504 still failing after the client's bounded retries;
 *   `meta.retryAfterSeconds` when Graph said.
 * - `dependency_unavailable`: other transient failures (network, 5xx).
 * - `directory_invalid_response`: a page that is not a Graph delta page.
 */
export interface DirectoryPage {
  /** The page's user objects as Graph sent them; the caller validates each one. */
  items: unknown[];
  /** Absolute URL of the next page of this round, or null on the last page. */
  nextLink: string | null;
  /** Present on the last page of a round: where the next round starts. */
  deltaLink: string | null;
}

export interface DirectoryClient {
  /**
   * Reads one page of `users/delta` for the customer tenant. `link` null starts a new full round
   * (`GET {graph}/users/delta?$select=…`); otherwise the absolute nextLink/deltaLink is
   * followed exactly as given.
   */
  deltaPage(tenantId: string, link: string | null): Promise<DirectoryPage>;
}
