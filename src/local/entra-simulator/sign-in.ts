// Local stand-in for Microsoft's sign-in (OpenID Connect, authorization code flow with PKCE):
//   GET  {base}/{organizations|common|tenant}/oauth2/v2.0/authorize?client_id&response_type=code&redirect_uri&scope&state&nonce&code_challenge&code_challenge_method=S256
//   POST {same}   (form: the request's parameters, person, decision)  → 302 redirect_uri?code=…&state=…
// and the id_tokens that the token endpoint's authorization_code grant returns: RS256, signed by a
// key published in the simulator's JWKS, with `tid`, `oid`, `preferred_username`, `nonce` and the
// person's directory roles in `wids`. The page lets you pick a simulated person: in every tenant a
// Global Administrator, a User Administrator (who cannot grant application permissions) and a
// person without an admin role.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, randomUUID, sign, type KeyObject } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { answerFailure, callback, checkedParams, errorPage, page } from './login-page-kit';
import type { SimulatorContext } from './context';
import { escapeHtml, readBody, requestUrl, sendHtml, sendRedirect, singleValuedParams } from './http-util';
import type { TenantDirectory } from './tenant-directory';
import type { SimulatedUser } from './types';

/** Directory role template ids (as in `wids`). */
export const ROLE_TEMPLATES = {
  globalAdministrator: '62e90394-69f5-4237-9190-012177145e10',
  userAdministrator: 'fe930be7-5e62-47db-91af-98c3a49a38b1',
  /** Every member has it. */
  user: 'b79fbf4d-3ef9-4689-8143-76b194e85509',
} as const;

export type PersonaRole = 'Global Administrator' | 'User Administrator' | 'No admin role';
const PERSONA_ROLES: ReadonlyArray<{ role: PersonaRole; wids: string[] }> = [
  { role: 'Global Administrator', wids: [ROLE_TEMPLATES.globalAdministrator, ROLE_TEMPLATES.user] },
  { role: 'User Administrator', wids: [ROLE_TEMPLATES.userAdministrator, ROLE_TEMPLATES.user] },
  { role: 'No admin role', wids: [ROLE_TEMPLATES.user] },
];

export interface Persona {
  tenantId: string;
  tenantName: string;
  user: SimulatedUser;
  role: PersonaRole;
  wids: string[];
}

/** The people of a tenant you can sign in as: its first licensed members, one per role. */
export function personasOf(tenant: TenantDirectory): Persona[] {
  const people = tenant.findUsers((u) => u.kind === 'person' && u.accountEnabled && u.userType === 'Member' && u.mail !== null && u.assignedLicenses.length > 0, PERSONA_ROLES.length);
  return people.map((user, i) => {
    const role = PERSONA_ROLES[i] ?? PERSONA_ROLES[PERSONA_ROLES.length - 1] ?? { role: 'No admin role' as const, wids: [] };
    return { tenantId: tenant.id, tenantName: tenant.name, user, role: role.role, wids: role.wids };
  });
}

/** How the next redeemed id_token is spoiled (one-shot), so tests can prove the backend refuses it. */
export const ID_TOKEN_FAULTS = ['unknown_key', 'bad_signature', 'wrong_audience', 'wrong_issuer', 'expired', 'other_nonce'] as const;
export type IdTokenFault = (typeof ID_TOKEN_FAULTS)[number];

interface AuthorizationCode {
  tenantId: string;
  userId: string;
  wids: string[];
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  nonce: string | null;
  expiresAt: number;
}

const CODE_LIFETIME_MS = 10 * 60_000;
const ID_TOKEN_LIFETIME_S = 3600;

/** The sign-in side of the simulator: authorization codes, the id_token key, faults. */
export class SignInService {
  private readonly codes = new Map<string, AuthorizationCode>();
  private readonly faults: IdTokenFault[] = [];
  private readonly privateKey: KeyObject;
  readonly kid: string;

  constructor(keyPem: string) {
    this.privateKey = createPrivateKey(keyPem);
    this.kid = createHash('sha256').update(createPublicKey(this.privateKey).export({ format: 'der', type: 'spki' })).digest('base64url').slice(0, 27);
  }

  static newKeyPem(): string {
    return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  }

  jwk(): Record<string, unknown> {
    return { ...createPublicKey(this.privateKey).export({ format: 'jwk' }), kid: this.kid, use: 'sig', alg: 'RS256' };
  }

  injectFault(fault: IdTokenFault): void {
    this.faults.push(fault);
  }

  issueCode(code: Omit<AuthorizationCode, 'expiresAt'>, nowMs: number): string {
    for (const [key, value] of this.codes) if (value.expiresAt <= nowMs) this.codes.delete(key);
    const value = randomBytes(32).toString('base64url');
    this.codes.set(value, { ...code, expiresAt: nowMs + CODE_LIFETIME_MS });
    return value;
  }

  /** Codes are single-use: taken once, valid or not. */
  takeCode(code: string, nowMs: number): AuthorizationCode | null {
    const found = this.codes.get(code);
    this.codes.delete(code);
    return found && found.expiresAt > nowMs ? found : null;
  }

  idToken(input: { code: AuthorizationCode; user: SimulatedUser; origin: string; now: Date; otherTenantId: string }): string {
    const fault = this.faults.shift();
    const iat = Math.floor(input.now.getTime() / 1000) - (fault === 'expired' ? 2 * ID_TOKEN_LIFETIME_S : 0);
    const { tenantId, clientId } = input.code;
    const claims = {
      aud: fault === 'wrong_audience' ? randomUUID() : clientId,
      iss: `${input.origin}/${fault === 'wrong_issuer' ? input.otherTenantId : tenantId}/v2.0`,
      iat,
      nbf: iat,
      exp: iat + ID_TOKEN_LIFETIME_S,
      name: input.user.displayName,
      oid: input.user.id,
      preferred_username: input.user.userPrincipalName,
      sub: createHash('sha256').update(`${clientId}/${input.user.id}`).digest('base64url').slice(0, 43),
      tid: tenantId,
      ...(input.code.nonce !== null ? { nonce: fault === 'other_nonce' ? randomBytes(24).toString('base64url') : input.code.nonce } : {}),
      uti: randomBytes(16).toString('base64url'),
      ver: '2.0',
      wids: input.code.wids,
    };
    const foreignKey = fault === 'unknown_key' || fault === 'bad_signature' ? createPrivateKey(SignInService.newKeyPem()) : null;
    const header = { typ: 'JWT', alg: 'RS256', kid: fault === 'unknown_key' ? randomBytes(20).toString('base64url') : this.kid };
    const input64 = `${b64(header)}.${b64(claims)}`;
    const signature = sign('sha256', Buffer.from(input64), foreignKey ?? this.privateKey).toString('base64url');
    return `${input64}.${signature}`;
  }
}

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function s256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

const authorizeSchema = z.object({
  client_id: z.string().min(1).max(256),
  response_type: z.literal('code'),
  redirect_uri: z.string().min(1).max(2048),
  scope: z.string().min(1).max(2048).refine((s) => s.split(' ').includes('openid'), 'must include openid'),
  state: z.string().max(4096).optional(),
  nonce: z.string().max(256).optional(),
  code_challenge: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  code_challenge_method: z.literal('S256'),
  response_mode: z.enum(['query']).optional(),
  prompt: z.string().max(64).optional(),
});
const signInFormSchema = authorizeSchema.extend({
  person: z.string().regex(/^[0-9a-f-]{36}:[0-9a-f-]{36}$/),
  decision: z.enum(['sign_in', 'cancel']),
});

function signInForm(action: string, p: z.infer<typeof authorizeSchema>, personas: Persona[]): string {
  const hidden = (name: string, value: string | undefined): string => (value === undefined ? '' : `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`);
  const fields = (['client_id', 'response_type', 'redirect_uri', 'scope', 'state', 'nonce', 'code_challenge', 'code_challenge_method', 'response_mode', 'prompt'] as const).map((k) => hidden(k, p[k])).join('\n');
  const options = personas
    .map(
      (person, i) =>
        `<label><input type="radio" name="person" value="${escapeHtml(`${person.tenantId}:${person.user.id}`)}"${i === 0 ? ' checked' : ''}> ` +
        `<strong>${escapeHtml(person.user.displayName)}</strong> — ${escapeHtml(person.role)}, ${escapeHtml(person.tenantName)} <small>(${escapeHtml(person.user.userPrincipalName)})</small></label>`,
    )
    .join('\n');
  return `<h1>Pick an account</h1>
<p>Sign in to continue to <strong>Symbol Entra Sync (local)</strong>. It asks to sign you in and read your basic profile (<code>${escapeHtml(p.scope)}</code>).</p>
<form method="post" action="${escapeHtml(action)}">
${fields}
<fieldset><legend>Simulated people:</legend>
${options}
</fieldset>
<div class="buttons"><button type="submit" name="decision" value="cancel">Cancel</button><button class="primary" type="submit" name="decision" value="sign_in">Sign in</button></div>
</form>`;
}

const BANNER = "Local stand-in for Microsoft's sign-in page (simulated Entra ID). Nothing here talks to Microsoft.";

/** The sign-in stand-in under `basePath`: `{segment}/oauth2/v2.0/authorize`. */
export async function handleAuthorize(ctx: SimulatorContext, req: IncomingMessage, res: ServerResponse, basePath: string, segment: string): Promise<void> {
  const url = requestUrl(req);
  const action = `${basePath.replace(/\/+$/, '')}/${encodeURIComponent(segment)}/oauth2/v2.0/authorize`;
  let params: Map<string, string> | null;
  if (req.method === 'GET' || req.method === 'HEAD') params = singleValuedParams(url.searchParams);
  else if (req.method === 'POST') {
    if (!(req.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) {
      errorPage(res, 400, 'AADSTS900144', 'The sign-in form must be posted as application/x-www-form-urlencoded.');
      return;
    }
    params = singleValuedParams(new URLSearchParams((await readBody(req, 64 * 1024)).toString('utf8')));
  } else {
    errorPage(res, 405, 'AADSTS900561', 'The endpoint only accepts GET and POST requests.');
    return;
  }
  if (req.method !== 'POST') {
    const checked = checkedParams(ctx, res, segment, params, authorizeSchema);
    if (checked) sendHtml(res, 200, page('Sign in to your account', signInForm(action, checked.data, checked.tenants.flatMap(personasOf)), BANNER));
    return;
  }
  const checked = checkedParams(ctx, res, segment, params, signInFormSchema);
  if (!checked) return;
  const personas = checked.tenants.flatMap(personasOf);
  const form = checked.data;
  const state: Array<[string, string]> = form.state !== undefined ? [['state', form.state]] : [];
  if (form.decision === 'cancel') {
    ctx.log('sign_in.cancelled', {});
    sendRedirect(res, callback(form.redirect_uri, [['error', 'access_denied'], ['error_description', 'AADSTS50058: The user cancelled the sign-in.'], ...state]));
    return;
  }
  const person = personas.find((p) => `${p.tenantId}:${p.user.id}` === form.person);
  if (!person) {
    errorPage(res, 400, 'AADSTS50034', 'The selected account does not exist in the offered tenants.');
    return;
  }
  const code = ctx.signIn.issueCode(
    { tenantId: person.tenantId, userId: person.user.id, wids: person.wids, clientId: form.client_id, redirectUri: form.redirect_uri, codeChallenge: form.code_challenge, nonce: form.nonce ?? null },
    ctx.now().getTime(),
  );
  ctx.log('sign_in.signed_in', { tenantId: person.tenantId, role: person.role });
  sendRedirect(res, callback(form.redirect_uri, [['code', code], ...state, ['session_state', randomUUID()]]));
}

/** Mounted pages of the stand-in login (`{base}/…`): sign-in and admin consent. */
export function loginRoute(rest: string): { kind: 'authorize' | 'adminconsent'; segment: string } | null {
  const authorize = /^\/([^/]+)\/oauth2\/v2\.0\/authorize\/?$/.exec(rest);
  if (authorize?.[1] !== undefined) return { kind: 'authorize', segment: authorize[1] };
  const consent = /^\/([^/]+)\/v2\.0\/adminconsent\/?$/.exec(rest);
  if (consent?.[1] !== undefined) return { kind: 'adminconsent', segment: consent[1] };
  return null;
}

export async function handleSignInSafely(ctx: SimulatorContext, req: IncomingMessage, res: ServerResponse, basePath: string, segment: string): Promise<void> {
  try {
    await handleAuthorize(ctx, req, res, basePath, segment);
  } catch (err) {
    answerFailure(ctx, res, err, 'sign_in.error');
  }
}
