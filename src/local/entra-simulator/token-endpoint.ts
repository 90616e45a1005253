// Stand-in for login.microsoftonline.com: the client-credentials token endpoint, OpenID discovery
// and the signing keys. Access tokens are ES256 JWTs shaped like Graph app-only tokens.
import { createHash, createPrivateKey, createPublicKey, randomUUID, sign, verify, type KeyObject } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { SimulatorContext } from './context';
import { readBody, sendJson } from './http-util';
import { s256 } from './sign-in';
import { deterministicGuid } from './prng';

export const GRAPH_RESOURCE = 'https://graph.microsoft.com';
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
const TOKEN_LIFETIME_S = 3599;

export interface AccessTokenClaims {
  tid: string;
  appid: string;
  exp: number;
  nbf: number;
}

const claimsSchema = z.object({
  aud: z.string(),
  tid: z.string(),
  appid: z.string(),
  exp: z.number(),
  nbf: z.number(),
});
const headerSchema = z.object({ alg: z.literal('ES256'), kid: z.string() });

/** The service principal id of the app in a tenant (stable). */
export function servicePrincipalId(tenantId: string, clientId: string): string {
  return deterministicGuid(0x5e1f, `${tenantId}/${clientId}`);
}

export class AccessTokens {
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;
  readonly kid: string;

  constructor(privateKeyPem: string) {
    this.privateKey = createPrivateKey(privateKeyPem);
    this.publicKey = createPublicKey(this.privateKey);
    const der = this.publicKey.export({ format: 'der', type: 'spki' });
    this.kid = createHash('sha256').update(der).digest('base64url').slice(0, 27);
  }

  issue(tenantId: string, clientId: string, origin: string, now: Date): { token: string; expiresIn: number } {
    const iat = Math.floor(now.getTime() / 1000);
    const header = { typ: 'JWT', alg: 'ES256', kid: this.kid };
    const claims = {
      aud: GRAPH_RESOURCE,
      iss: `${origin}/${tenantId}/v2.0`,
      iat,
      nbf: iat - 300,
      exp: iat + TOKEN_LIFETIME_S,
      app_displayname: 'Symbol Entra Sync (local)',
      appid: clientId,
      appidacr: '1',
      idp: `${origin}/${tenantId}/`,
      idtyp: 'app',
      oid: servicePrincipalId(tenantId, clientId),
      roles: ['User.Read.All'],
      sub: servicePrincipalId(tenantId, clientId),
      tid: tenantId,
      uti: randomUUID().replace(/-/g, '').slice(0, 22),
      ver: '1.0',
    };
    const input = `${b64(header)}.${b64(claims)}`;
    const signature = sign('sha256', Buffer.from(input), { key: this.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
    return { token: `${input}.${signature}`, expiresIn: TOKEN_LIFETIME_S };
  }

  /** Verifies signature, audience and lifetime. */
  verify(token: string, now: Date): { ok: true; claims: AccessTokenClaims } | { ok: false; message: string } {
    const parts = token.split('.');
    const [h, p, s] = parts;
    if (parts.length !== 3 || !h || !p || !s) return { ok: false, message: 'IDX14100: JWT is not well formed, there are no dots (.).' };
    const header = headerSchema.safeParse(parseJson(h));
    const claims = claimsSchema.safeParse(parseJson(p));
    if (!header.success || !claims.success) return { ok: false, message: 'Access token validation failure. Invalid token.' };
    const valid =
      header.data.kid === this.kid &&
      verify('sha256', Buffer.from(`${h}.${p}`), { key: this.publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'));
    if (!valid) return { ok: false, message: 'Access token validation failure. Invalid signature.' };
    if (claims.data.aud !== GRAPH_RESOURCE && claims.data.aud !== GRAPH_APP_ID) {
      return { ok: false, message: 'Access token validation failure. Invalid audience.' };
    }
    const nowS = now.getTime() / 1000;
    if (nowS >= claims.data.exp || nowS < claims.data.nbf) return { ok: false, message: 'Lifetime validation failed, the token is expired.' };
    return { ok: true, claims: claims.data };
  }

  jwks(): { keys: Array<Record<string, unknown>> } {
    const jwk = this.publicKey.export({ format: 'jwk' });
    return { keys: [{ ...jwk, kid: this.kid, use: 'sig', alg: 'ES256' }] };
  }
}

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function parseJson(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
  } catch {
    return null;
  }
}

// ---- AAD-style errors -------------------------------------------------------------------------

function aadTimestamp(now: Date): string {
  return `${now.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

function sendAadError(ctx: SimulatorContext, res: ServerResponse, status: number, error: string, code: number, description: string): void {
  const now = ctx.now();
  const traceId = randomUUID();
  const correlationId = randomUUID();
  sendJson(res, status, {
    error,
    error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${aadTimestamp(now)}`,
    error_codes: [code],
    timestamp: aadTimestamp(now),
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `${ctx.origin()}/error?code=${code}`,
  });
}

const tokenFormSchema = z.object({
  grant_type: z.string().optional(),
  code: z.string().max(256).optional(),
  redirect_uri: z.string().max(2048).optional(),
  code_verifier: z.string().max(128).optional(),
  client_id: z.string().optional(),
  client_secret: z.string().optional(),
  client_assertion: z.string().optional(),
  client_assertion_type: z.string().optional(),
  scope: z.string().optional(),
});

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const GRAPH_DEFAULT_SCOPES = new Set([`${GRAPH_RESOURCE}/.default`, `${GRAPH_RESOURCE}//.default`, `${GRAPH_APP_ID}/.default`]);


type TokenForm = z.infer<typeof tokenFormSchema>;

/** The app's client id is known; false once an error was sent. */
function clientKnown(ctx: SimulatorContext, res: ServerResponse, f: TokenForm, directoryName: string, tenantIdForLog: string | null): f is TokenForm & { client_id: string } {
  if (!f.client_id) {
    sendAadError(ctx, res, 400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.");
    return false;
  }
  if (f.client_id !== ctx.clientId) {
    ctx.log('token.denied', { tenantId: tenantIdForLog, reason: 'unknown_client' });
    sendAadError(
      ctx,
      res,
      400,
      'unauthorized_client',
      700016,
      `Application with identifier '${f.client_id}' was not found in the directory '${directoryName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    );
    return false;
  }
  return true;
}

/** The app proves itself with a secret or a client assertion; false once an error was sent. */
function clientProven(ctx: SimulatorContext, res: ServerResponse, f: TokenForm & { client_id: string }, tenantIdForLog: string | null): boolean {
  if (f.client_assertion !== undefined) {
    if (f.client_assertion_type !== JWT_BEARER || f.client_assertion.split('.').length !== 3) {
      sendAadError(ctx, res, 400, 'invalid_client', 50027, 'JWT token is invalid or malformed.');
      return false;
    }
    const assertion = z.object({ sub: z.string().optional() }).safeParse(parseJson(f.client_assertion.split('.')[1] ?? ''));
    if (assertion.success && assertion.data.sub !== undefined && assertion.data.sub !== f.client_id) {
      sendAadError(ctx, res, 401, 'invalid_client', 700021, "Client assertion application identifier doesn't match 'client_id' parameter.");
      return false;
    }
    return true;
  }
  if (f.client_secret === undefined) {
    sendAadError(ctx, res, 401, 'invalid_client', 7000216, "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.");
    return false;
  }
  if (ctx.clientSecret !== undefined && f.client_secret !== ctx.clientSecret) {
    ctx.log('token.denied', { tenantId: tenantIdForLog, reason: 'bad_secret' });
    sendAadError(ctx, res, 401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${f.client_id}'.`);
    return false;
  }
  return true;
}

/**
 * `grant_type=authorization_code`: a code from the sign-in stand-in, redeemed once, by the client
 * it was issued to, with the same redirect URI and the PKCE verifier of its challenge. Answers an
 * id_token (RS256, published in the JWKS) and an opaque access token.
 */
function handleCodeGrant(ctx: SimulatorContext, res: ServerResponse, f: TokenForm, tenantSegment: string): void {
  if (!clientKnown(ctx, res, f, 'organizations', null) || !clientProven(ctx, res, f, null)) return;
  if (!f.code || !f.redirect_uri || !f.code_verifier) {
    sendAadError(ctx, res, 400, 'invalid_request', 900144, "The request body must contain the following parameters: 'code', 'redirect_uri' and 'code_verifier'.");
    return;
  }
  const now = ctx.now();
  const code = ctx.signIn.takeCode(f.code, now.getTime());
  const segment = tenantSegment.toLowerCase();
  const tenantMatches = code !== null && (segment === 'organizations' || segment === 'common' || ctx.findTenant(tenantSegment)?.id === code.tenantId);
  if (code === null || !tenantMatches || code.clientId !== f.client_id) {
    ctx.log('token.denied', { reason: 'bad_code' });
    sendAadError(ctx, res, 400, 'invalid_grant', 70008, 'The provided authorization code or refresh token has expired due to inactivity, or was already redeemed.');
    return;
  }
  if (code.redirectUri !== f.redirect_uri) {
    sendAadError(ctx, res, 400, 'invalid_grant', 50148, 'The redirect_uri does not match the one the authorization code was issued for.');
    return;
  }
  if (s256(f.code_verifier) !== code.codeChallenge) {
    sendAadError(ctx, res, 400, 'invalid_grant', 501481, 'The Code_Verifier does not match the code_challenge supplied in the authorization request.');
    return;
  }
  const directory = ctx.tenants.get(code.tenantId);
  const user = directory?.liveRecord(code.userId)?.user;
  if (!directory || !user) {
    sendAadError(ctx, res, 400, 'invalid_grant', 50034, 'The user account does not exist in the directory.');
    return;
  }
  const otherTenantId = [...ctx.tenants.keys()].find((id) => id !== code.tenantId) ?? randomUUID();
  const idToken = ctx.signIn.idToken({ code, user, origin: ctx.origin(), now, otherTenantId });
  ctx.log('token.issued', { tenantId: code.tenantId, grant: 'authorization_code' });
  sendJson(res, 200, { token_type: 'Bearer', scope: 'openid profile', expires_in: 3599, ext_expires_in: 3599, access_token: randomUUID(), id_token: idToken }, { Pragma: 'no-cache' });
}

/** `POST /{tenant}/oauth2/v2.0/token`: client credentials (app tokens for Graph) and authorization codes (sign-in). */
export async function handleTokenRequest(ctx: SimulatorContext, req: IncomingMessage, res: ServerResponse, tenantSegment: string): Promise<void> {
  if (req.method !== 'POST') {
    sendAadError(ctx, res, 405, 'invalid_request', 900561, 'The endpoint only accepts POST requests.');
    return;
  }
  const raw = (await readBody(req, 64 * 1024)).toString('utf8');
  const form = tokenFormSchema.safeParse(Object.fromEntries(new URLSearchParams(raw)));
  if (!form.success) {
    sendAadError(ctx, res, 400, 'invalid_request', 900144, 'The request body could not be parsed.');
    return;
  }
  const f = form.data;
  if (f.grant_type === 'authorization_code') {
    handleCodeGrant(ctx, res, f, tenantSegment);
    return;
  }
  const tenant = ctx.findTenant(tenantSegment);
  if (!tenant) {
    ctx.log('token.denied', { reason: 'unknown_tenant' });
    sendAadError(ctx, res, 400, 'invalid_request', 90002, `Tenant '${tenantSegment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
    return;
  }
  if (!f.grant_type) {
    sendAadError(ctx, res, 400, 'invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'.");
    return;
  }
  if (f.grant_type !== 'client_credentials') {
    sendAadError(ctx, res, 400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${f.grant_type}'. The simulator implements client_credentials and authorization_code.`);
    return;
  }
  if (!clientKnown(ctx, res, f, tenant.name, tenant.id)) return;
  if (!tenant.consentGranted) {
    ctx.log('token.denied', { tenantId: tenant.id, reason: 'no_consent' });
    sendAadError(ctx, res, 400, 'invalid_client', 7000229, `The client application ${f.client_id} is missing service principal in the tenant ${tenant.id}. See instructions here: https://go.microsoft.com/fwlink/?linkid=2225119`);
    return;
  }
  if (!clientProven(ctx, res, f, tenant.id)) return;
  const scopes = (f.scope ?? '').split(' ').filter(Boolean);
  if (scopes.length !== 1 || !GRAPH_DEFAULT_SCOPES.has(scopes[0] ?? '')) {
    sendAadError(ctx, res, 400, 'invalid_scope', 1002012, `The provided value for scope ${f.scope ?? ''} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
    return;
  }
  const { token, expiresIn } = ctx.accessTokens.issue(tenant.id, f.client_id, ctx.origin(), ctx.now());
  ctx.log('token.issued', { tenantId: tenant.id });
  sendJson(res, 200, { token_type: 'Bearer', expires_in: expiresIn, ext_expires_in: expiresIn, access_token: token }, { Pragma: 'no-cache' });
}

/** OpenID discovery document for `/{tenant}/v2.0/.well-known/openid-configuration`. */
export function handleOpenIdConfiguration(ctx: SimulatorContext, res: ServerResponse, tenantSegment: string): void {
  const lower = tenantSegment.toLowerCase();
  const multi = lower === 'common' || lower === 'organizations';
  const tenant = multi ? undefined : ctx.findTenant(tenantSegment);
  if (!multi && !tenant) {
    sendAadError(ctx, res, 400, 'invalid_tenant', 90002, `Tenant '${tenantSegment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
    return;
  }
  const origin = ctx.origin();
  const seg = tenant ? tenant.id : lower;
  const issuerTenant = tenant ? tenant.id : '{tenantid}';
  sendJson(res, 200, {
    token_endpoint: `${origin}/${seg}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${origin}/${seg}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: `${origin}/${issuerTenant}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${origin}/oidc/userinfo`,
    authorization_endpoint: `${origin}/${seg}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${origin}/${seg}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${origin}/${seg}/oauth2/v2.0/logout`,
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'tid', 'oid', 'nonce', 'preferred_username', 'wids', 'roles', 'appid'],
    kerberos_endpoint: `${origin}/${seg}/kerberos`,
    tenant_region_scope: 'WW',
    cloud_instance_name: 'microsoftonline.com',
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: 'graph.microsoft.com',
    rbac_url: 'https://pas.windows.net',
  });
}

export function handleJwks(ctx: SimulatorContext, res: ServerResponse): void {
  sendJson(res, 200, { keys: [...ctx.accessTokens.jwks().keys, ctx.signIn.jwk()] });
}
