import { z } from 'zod';
import { CompanyIdSchema, GuidSchema } from './company-id';
import { AdminIdentitySchema } from './integration';

/**
 * Connecting a company to its Entra ID tenant proves the tenant before anything is stored:
 *
 *   1. sign-in:  the admin signs in at Microsoft (authorization code + PKCE, `openid profile`, a
 *                nonce). The callback redeems the code with the app's own credential and
 *                validates the id_token against the authority's keys; its `tid` is the proven
 *                tenant, its `wids` must hold a role that can grant application permissions.
 *   2. consent:  the admin grants the app's application permission for exactly that tenant
 *                (`/{tid}/v2.0/adminconsent`); the callback connects only if Microsoft's `tenant`
 *                equals the proven `tid`.
 *
 * Each step carries a signed, single-use, short-lived `state`. It travels through Microsoft's
 * pages, so it holds no personal data: the company, a nonce (whose server-side record holds who
 * asked and the PKCE verifier), the step, the proven tenant (step 2), a hash of a cookie that
 * binds the flow to the browser that started it, a hash of the requesting Symbol user's subject,
 * and the expiry.
 */

export const CONSENT_STEPS = ['signin', 'consent'] as const;
export type ConsentStep = (typeof CONSENT_STEPS)[number];

/** base64url of 16 bytes of a SHA-256 digest. */
const DigestSchema = z.string().regex(/^[A-Za-z0-9_-]{22}$/);
const NonceSchema = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/);

export const ConsentStatePayloadSchema = z
  .object({
    v: z.literal(2),
    c: CompanyIdSchema,
    n: NonceSchema,
    s: z.enum(CONSENT_STEPS),
    /** The proven tenant: only in the consent step's state. */
    t: GuidSchema.optional(),
    /** Hash of the browser-binding cookie's value. */
    b: DigestSchema,
    /** Hash of the requesting Symbol user's `sub`. */
    u: DigestSchema,
    /** Expiry, seconds since the epoch. */
    x: z.number().int().positive(),
  })
  .strict()
  .refine((p) => (p.s === 'consent') === (p.t !== undefined), { error: 'the proven tenant belongs to the consent step only', path: ['t'] });
export type ConsentStatePayload = z.infer<typeof ConsentStatePayloadSchema>;

/** What the sign-in step proved: the tenant and the person (who is never shown beyond the logs' ids). */
export const ProvenSignInSchema = z
  .object({
    tenantId: GuidSchema,
    /** The admin's object id in that tenant (`oid`). */
    objectId: GuidSchema,
    /** `preferred_username`, when the token carried one. */
    username: z.string().min(1).max(256).nullable(),
    signedInAt: z.iso.datetime({ offset: true }),
  })
  .strict();
export type ProvenSignIn = z.infer<typeof ProvenSignInSchema>;

/**
 * The server-side record of one step of a connect flow (container `consent-nonces`, id = nonce,
 * expiring by itself). A callback consumes it exactly once; the sign-in step then records the
 * consent step under a fresh nonce.
 */
export const ConsentNonceSchema = z
  .object({
    nonce: NonceSchema,
    companyId: CompanyIdSchema,
    step: z.enum(CONSENT_STEPS),
    requestedBy: AdminIdentitySchema,
    issuedAt: z.iso.datetime({ offset: true }),
    expiresAt: z.iso.datetime({ offset: true }),
    /** Same as the state's `b`: the flow belongs to the browser holding the cookie. */
    browserHash: DigestSchema,
    /** The OpenID Connect `nonce` the id_token must carry (sign-in step). */
    oidcNonce: NonceSchema,
    /** The PKCE code verifier (sign-in step; RFC 7636: 43–128 characters). */
    pkceVerifier: z.string().regex(/^[A-Za-z0-9._~-]{43,128}$/),
    /** Set by the sign-in step, for the consent step. */
    proven: ProvenSignInSchema.nullable(),
  })
  .strict()
  .refine((n) => (n.step === 'consent') === (n.proven !== null), { error: 'only the consent step carries a proven sign-in', path: ['proven'] });
export type ConsentNonce = z.infer<typeof ConsentNonceSchema>;

/** The application permission this product asks for, and nothing more (least privilege). */
export const GRAPH_DEFAULT_SCOPE = 'https://graph.microsoft.com/.default';
/** The sign-in asks for an id_token only. */
export const SIGN_IN_SCOPE = 'openid profile';

/**
 * Directory roles (role template ids, as in the id_token's `wids`) that can grant an application
 * permission of Microsoft Graph for the whole tenant.
 */
export const TENANT_ADMIN_ROLES = {
  '62e90394-69f5-4237-9190-012177145e10': 'Global Administrator',
  'e8611ab8-c189-46e8-94e1-60213ab1f814': 'Privileged Role Administrator',
} as const;

export function holdsTenantAdminRole(wids: readonly string[]): boolean {
  return wids.some((id) => Object.hasOwn(TENANT_ADMIN_ROLES, id.toLowerCase()));
}

/** The authorization request of the sign-in step (Microsoft identity platform v2). */
export function signInUrl(input: { loginBaseUrl: string; clientId: string; redirectUri: string; state: string; oidcNonce: string; codeChallenge: string }): string {
  const url = new URL(`${input.loginBaseUrl.replace(/\/+$/, '')}/organizations/oauth2/v2.0/authorize`);
  url.searchParams.set('client_id', input.clientId);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('redirect_uri', input.redirectUri);
  // `query`: the callback is a top-level GET, so the SameSite=Lax binding cookie comes along.
  url.searchParams.set('response_mode', 'query');
  url.searchParams.set('scope', SIGN_IN_SCOPE);
  url.searchParams.set('state', input.state);
  url.searchParams.set('nonce', input.oidcNonce);
  url.searchParams.set('code_challenge', input.codeChallenge);
  url.searchParams.set('code_challenge_method', 'S256');
  // The admin may be signed in with a personal or another tenant's account: let them choose.
  url.searchParams.set('prompt', 'select_account');
  return url.toString();
}

/** The admin-consent request of the second step, for exactly the proven tenant. */
export function adminConsentUrl(input: { loginBaseUrl: string; tenantId: string; clientId: string; redirectUri: string; state: string }): string {
  const url = new URL(`${input.loginBaseUrl.replace(/\/+$/, '')}/${encodeURIComponent(input.tenantId)}/v2.0/adminconsent`);
  url.searchParams.set('client_id', input.clientId);
  url.searchParams.set('scope', GRAPH_DEFAULT_SCOPE);
  url.searchParams.set('redirect_uri', input.redirectUri);
  url.searchParams.set('state', input.state);
  return url.toString();
}

/** Why a connect flow ended without connecting (the `code` of the admin UI's error banner). */
export const CONSENT_ERROR_CODES = [
  'invalid_state',
  'expired_state',
  'replayed_state',
  'browser_mismatch',
  'consent_declined',
  'consent_failed',
  'sign_in_failed',
  'invalid_id_token',
  'not_an_admin',
  'tenant_mismatch',
  'internal_error',
] as const;
export type ConsentErrorCode = (typeof CONSENT_ERROR_CODES)[number];
