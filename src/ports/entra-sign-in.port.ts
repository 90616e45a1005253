/**
 * The sign-in step of connecting a company: Microsoft's authorization code, redeemed with the
 * app's own credential, and the id_token it returns, validated against the authority's keys.
 */

export interface CodeRedemption {
  code: string;
  /** The PKCE verifier whose challenge was sent with the authorization request. */
  codeVerifier: string;
  redirectUri: string;
  /** The `nonce` of the authorization request: the id_token must carry exactly this. */
  expectedNonce: string;
}

/** A person Microsoft signed in, as the validated id_token says. */
export interface VerifiedSignIn {
  /** `tid`: the proven tenant. */
  tenantId: string;
  /** `oid`: the person's object id in that tenant. */
  objectId: string;
  /** `preferred_username`, when present. */
  username: string | null;
  /** `wids`: directory role template ids (empty when the token carries none). */
  roleTemplateIds: string[];
}

export interface EntraSignIn {
  /**
   * Redeems the code and validates the id_token (signature with the authority's published keys,
   * `iss` = `{authority}/{tid}/v2.0`, `aud` = the app's client id, `nonce`, `exp`/`nbf`). Throws
   * AppError `sign_in_failed` when Microsoft refuses the code, `invalid_id_token` when the token
   * fails validation (its `meta.reason` says which check), `dependency_unavailable` when the
   * authority cannot be reached.
   */
  redeem(input: CodeRedemption): Promise<VerifiedSignIn>;
}
