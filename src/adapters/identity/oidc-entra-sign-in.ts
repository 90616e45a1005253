import { createRemoteJWKSet, errors as joseErrors, jwtVerify, JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { AppError } from '../../domain/app-error';
import { GuidSchema } from '../../domain/company-id';
import { SIGN_IN_SCOPE } from '../../domain/consent';
import { Clock } from '../../ports/clock.port';
import { CodeRedemption, EntraSignIn, VerifiedSignIn } from '../../ports/entra-sign-in.port';
import { ClientAuthentication, clientAuthenticationFields } from '../graph/entra-credentials';

/**
 * The Microsoft identity platform's side of the connect flow's sign-in step, as its OpenID
 * Connect documents describe it: discovery at `{authority}/organizations/v2.0/.well-known/
 * openid-configuration`, the code redeemed at the discovered token endpoint with the app's own
 * credential and the PKCE verifier, and the id_token validated against the discovered JWKS.
 */

/** Entra signs id_tokens with RS256. */
const ID_TOKEN_ALGORITHMS = ['RS256'];
/** Clock skew tolerated on `exp`/`nbf`/`iat`. */
const CLOCK_TOLERANCE_SECONDS = 120;
/** The tenant of personal Microsoft accounts: never a directory that can be connected. */
const CONSUMER_TENANT_ID = '9188040d-6c67-4c5b-b112-36a304b66dad';
const DISCOVERY_TTL_MS = 24 * 60 * 60 * 1000;
const REQUEST_TIMEOUT_MS = 10_000;

const DiscoverySchema = z.object({
  /** Multi-tenant form: `https://login.microsoftonline.com/{tenantid}/v2.0`. */
  issuer: z.string().min(1).max(2048),
  token_endpoint: z.url({ protocol: /^https?$/ }),
  jwks_uri: z.url({ protocol: /^https?$/ }),
});
type Discovery = z.infer<typeof DiscoverySchema>;

const TokenResponseSchema = z.object({ id_token: z.string().min(1).max(32 * 1024) });
const TokenErrorSchema = z.object({ error: z.string().max(256), error_codes: z.array(z.number()).optional() });

const IdTokenClaimsSchema = z.object({
  tid: GuidSchema,
  oid: GuidSchema,
  iss: z.string().max(2048),
  nonce: z.string().max(256).optional(),
  preferred_username: z.string().min(1).max(256).optional(),
  wids: z.array(z.string().max(64)).max(500).optional(),
});

export type IdTokenRejection = 'unknown_key' | 'signature' | 'audience' | 'issuer' | 'expired' | 'not_yet_valid' | 'nonce' | 'algorithm' | 'claims' | 'malformed' | 'consumer_account';

function rejected(reason: IdTokenRejection, message: string): AppError {
  return new AppError('invalid_id_token', message, { meta: { reason } });
}

export interface OidcEntraSignInOptions {
  authorityHost: string;
  clientId: string;
  /** The app's own credential, for this token endpoint (a certificate assertion names it as its audience). */
  clientAuthentication: (tokenEndpoint: string) => Promise<ClientAuthentication>;
  clock: Clock;
  /** For tests: the key set to verify with (default: the discovered JWKS, fetched and cached). */
  keys?: (jwksUri: string) => JWTVerifyGetKey;
}

export class OidcEntraSignIn implements EntraSignIn {
  private discovery: { value: Discovery; until: number } | undefined;
  private readonly keySets = new Map<string, JWTVerifyGetKey>();

  constructor(private readonly options: OidcEntraSignInOptions) {}

  async redeem(input: CodeRedemption): Promise<VerifiedSignIn> {
    const discovery = await this.discover();
    const idToken = await this.redeemCode(discovery, input);
    return this.validate(discovery, idToken, input.expectedNonce);
  }

  private async discover(): Promise<Discovery> {
    const now = this.options.clock.now().getTime();
    if (this.discovery && this.discovery.until > now) return this.discovery.value;
    const url = `${this.options.authorityHost.replace(/\/+$/, '')}/organizations/v2.0/.well-known/openid-configuration`;
    const body = await fetchJson(url, { method: 'GET' }, 'OpenID discovery');
    if (!body.ok) throw new AppError('dependency_unavailable', `OpenID discovery answered ${body.status}.`);
    const parsed = DiscoverySchema.safeParse(body.json);
    if (!parsed.success || !parsed.data.issuer.includes('{tenantid}')) throw new AppError('dependency_unavailable', 'The OpenID discovery document is not a multi-tenant Microsoft identity platform document.');
    this.discovery = { value: parsed.data, until: now + DISCOVERY_TTL_MS };
    return parsed.data;
  }

  private async redeemCode(discovery: Discovery, input: CodeRedemption): Promise<string> {
    const form = new URLSearchParams({
      client_id: this.options.clientId,
      grant_type: 'authorization_code',
      code: input.code,
      redirect_uri: input.redirectUri,
      code_verifier: input.codeVerifier,
      scope: SIGN_IN_SCOPE,
      ...clientAuthenticationFields(await this.options.clientAuthentication(discovery.token_endpoint)),
    });
    const response = await fetchJson(discovery.token_endpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() }, 'token endpoint');
    if (response.status >= 500 || response.status === 429) throw new AppError('dependency_unavailable', `The token endpoint answered ${response.status}.`);
    if (!response.ok) {
      const error = TokenErrorSchema.safeParse(response.json);
      const aadsts = error.success ? (error.data.error_codes?.[0] ?? null) : null;
      // The code was refused (expired, used, PKCE mismatch) or the app's credential was: nothing personal in the meta.
      throw new AppError('sign_in_failed', 'Microsoft did not accept the sign-in code.', { meta: { error: error.success ? error.data.error : 'unknown', aadsts } });
    }
    const token = TokenResponseSchema.safeParse(response.json);
    if (!token.success) throw rejected('malformed', 'The token endpoint returned no id_token.');
    return token.data.id_token;
  }

  private async validate(discovery: Discovery, idToken: string, expectedNonce: string): Promise<VerifiedSignIn> {
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(idToken, this.keysFor(discovery.jwks_uri), {
        audience: this.options.clientId,
        algorithms: ID_TOKEN_ALGORITHMS,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        currentDate: this.options.clock.now(),
        requiredClaims: ['exp', 'iat', 'tid', 'oid'],
      }));
    } catch (error) {
      throw classifyJoseError(error);
    }
    const claims = IdTokenClaimsSchema.safeParse(payload);
    if (!claims.success) throw rejected('claims', 'The id_token lacks a tenant or object id.');
    const { tid, oid, iss, nonce } = claims.data;
    // Multi-tenant issuer validation: the issuer must be the authority's, for the token's own tenant.
    if (iss !== discovery.issuer.replace('{tenantid}', tid)) throw rejected('issuer', 'The id_token was not issued by the expected authority for its tenant.');
    if (nonce !== expectedNonce) throw rejected('nonce', 'The id_token does not belong to this sign-in.');
    if (tid === CONSUMER_TENANT_ID) throw rejected('consumer_account', 'A personal Microsoft account has no directory to connect.');
    return { tenantId: tid, objectId: oid, username: claims.data.preferred_username ?? null, roleTemplateIds: (claims.data.wids ?? []).map((w) => w.toLowerCase()) };
  }

  private keysFor(jwksUri: string): JWTVerifyGetKey {
    let keys = this.keySets.get(jwksUri);
    if (!keys) {
      keys = this.options.keys?.(jwksUri) ?? createRemoteJWKSet(new URL(jwksUri), { cooldownDuration: 30_000, cacheMaxAge: 60 * 60_000, timeoutDuration: REQUEST_TIMEOUT_MS });
      this.keySets.set(jwksUri, keys);
    }
    return keys;
  }
}

function classifyJoseError(error: unknown): AppError {
  if (error instanceof joseErrors.JWKSNoMatchingKey) return rejected('unknown_key', 'The id_token is signed by a key the authority does not publish.');
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return rejected('signature', 'The id_token signature is not valid.');
  if (error instanceof joseErrors.JWTExpired) return rejected('expired', 'The id_token has expired.');
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return rejected('algorithm', 'The id_token is signed with an unexpected algorithm.');
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return rejected('audience', 'The id_token was issued to another application.');
    if (error.claim === 'nbf' || error.claim === 'iat') return rejected('not_yet_valid', 'The id_token is not valid yet.');
    return rejected('claims', 'The id_token lacks a required claim.');
  }
  if (error instanceof joseErrors.JWKSTimeout || error instanceof joseErrors.JWKSInvalid) return new AppError('dependency_unavailable', 'The authority keys could not be read.', { cause: error });
  if (error instanceof joseErrors.JOSEError) return rejected('malformed', 'The id_token is malformed.');
  return new AppError('dependency_unavailable', 'The authority keys could not be read.', { cause: error });
}

async function fetchJson(url: string, init: RequestInit, what: string): Promise<{ ok: boolean; status: number; json: unknown }> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (error) {
    throw new AppError('dependency_unavailable', `The ${what} could not be reached.`, { cause: error });
  }
  let json: unknown = null;
  try {
    json = await response.json();
  } catch {
    json = null;
  }
  return { ok: response.ok, status: response.status, json };
}
