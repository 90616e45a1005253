import { createHash, randomBytes } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { EntraSimulator, TenantSummary } from '../../../src/local/entra-simulator';
import { ROLE_TEMPLATES } from '../../../src/local/entra-simulator/sign-in';
import { parseForm, signInAs } from '../../support/microsoft-login';
import { CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, startSim } from './helpers';

/**
 * The stand-in of Microsoft's sign-in speaks the protocol the backend relies on: OpenID discovery,
 * an authorization endpoint with a picker of simulated people, single-use codes bound to client,
 * redirect URI and PKCE challenge, and RS256 id_tokens verifiable with the published JWKS.
 */

const verifier = randomBytes(48).toString('base64url');
const challenge = createHash('sha256').update(verifier).digest('base64url');

function authorizeUrl(sim: EntraSimulator, overrides: Record<string, string> = {}, segment = 'organizations'): string {
  const url = new URL(`${sim.origin}/${segment}/oauth2/v2.0/authorize`);
  const params = { client_id: CLIENT_ID, response_type: 'code', redirect_uri: REDIRECT_URI, scope: 'openid profile', state: 'the-state', nonce: 'the-nonce-0123456789', code_challenge: challenge, code_challenge_method: 'S256', response_mode: 'query', ...overrides };
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.toString();
}

interface TokenAnswer {
  status: number;
  body: { id_token?: string; error?: string; error_codes?: number[] };
}

async function redeem(sim: EntraSimulator, form: Record<string, string>): Promise<TokenAnswer> {
  const response = await fetch(`${sim.authorityHost}/organizations/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uri: REDIRECT_URI, code_verifier: verifier, ...form }),
  });
  return { status: response.status, body: (await response.json()) as TokenAnswer['body'] };
}

describe('Entra simulator: sign-in (OpenID Connect, code + PKCE)', () => {
  let sim: EntraSimulator;
  let contoso: TenantSummary;

  beforeAll(async () => {
    sim = await startSim();
    [contoso] = sim.tenants() as [TenantSummary];
  });
  afterAll(async () => {
    await sim.close();
  });

  it('discovery names the token endpoint, the JWKS, RS256 and the multi-tenant issuer', async () => {
    const doc = (await (await fetch(`${sim.authorityHost}/organizations/v2.0/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(doc).toMatchObject({
      issuer: `${sim.origin}/{tenantid}/v2.0`,
      token_endpoint: `${sim.origin}/organizations/oauth2/v2.0/token`,
      jwks_uri: `${sim.origin}/organizations/discovery/v2.0/keys`,
      id_token_signing_alg_values_supported: ['RS256'],
    });
  });

  it('the sign-in page offers a Global Administrator, a User Administrator and a person without an admin role in each tenant', async () => {
    const page = await fetch(authorizeUrl(sim));
    expect(page.status).toBe(200);
    const form = parseForm(await page.text(), authorizeUrl(sim));
    const labels = form.radios.map((r) => r.label);
    for (const tenant of ['Contoso', 'Fabrikam']) {
      for (const role of ['Global Administrator', 'User Administrator', 'No admin role']) expect(labels.some((l) => l.includes(`— ${role}, ${tenant}`))).toBe(true);
    }
    // A tenant-specific authorize URL offers only that tenant's people.
    const only = parseForm(await (await fetch(authorizeUrl(sim, {}, contoso.id))).text(), sim.origin);
    expect(only.radios.every((r) => r.label.includes('Contoso'))).toBe(true);
  });

  it('signing in redirects with a code that redeems once for an id_token signed by a published key', async () => {
    const callback = new URL(await signInAs(authorizeUrl(sim), { tenant: 'Contoso', role: 'Global Administrator' }));
    expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT_URI);
    expect(callback.searchParams.get('state')).toBe('the-state');
    const code = callback.searchParams.get('code') ?? '';
    const answer = await redeem(sim, { code });
    expect(answer.status).toBe(200);
    const { payload, protectedHeader } = await jwtVerify(answer.body.id_token ?? '', createRemoteJWKSet(new URL(`${sim.origin}/organizations/discovery/v2.0/keys`)), { audience: CLIENT_ID });
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload).toMatchObject({ tid: contoso.id, iss: `${sim.origin}/${contoso.id}/v2.0`, nonce: 'the-nonce-0123456789', ver: '2.0' });
    expect(payload.wids).toEqual([ROLE_TEMPLATES.globalAdministrator, ROLE_TEMPLATES.user]);
    expect(payload.preferred_username).toMatch(/@contoso\.example$/);
    // Single use.
    expect(await redeem(sim, { code })).toMatchObject({ status: 400, body: { error: 'invalid_grant', error_codes: [70008] } });
  });

  it.each([
    ['a wrong PKCE verifier', { code_verifier: randomBytes(48).toString('base64url') }, 'invalid_grant'],
    ['another redirect URI', { redirect_uri: 'http://localhost:7071/elsewhere' }, 'invalid_grant'],
    ['a wrong client secret', { client_secret: 'wrong' }, 'invalid_client'],
    ['another client', { client_id: '99999999-2222-4333-8444-555555555555' }, 'unauthorized_client'],
  ])('refuses a redemption with %s', async (_name, form, error) => {
    const callback = new URL(await signInAs(authorizeUrl(sim), { tenant: 'Contoso', role: 'No admin role' }));
    const answer = await redeem(sim, { code: callback.searchParams.get('code') ?? '', ...form });
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.body.error).toBe(error);
  });

  it('cancel redirects with access_denied; bad requests get an error page, never a redirect', async () => {
    const cancelled = new URL(await signInAs(authorizeUrl(sim), { tenant: 'Contoso', role: 'Global Administrator' }, 'cancel'));
    expect(Object.fromEntries(cancelled.searchParams)).toMatchObject({ error: 'access_denied', state: 'the-state' });
    const bads: Array<Record<string, string>> = [{ redirect_uri: 'https://attacker.example/cb' }, { client_id: 'someone-else' }, { code_challenge_method: 'plain' }, { scope: 'profile' }];
    for (const bad of bads) {
      const page = await fetch(authorizeUrl(sim, bad), { redirect: 'manual' });
      expect(page.status).toBe(400);
      expect(page.headers.get('location')).toBeNull();
    }
  });

  it('faults can be injected for the next id_token only (the backend’s validation tests use them)', async () => {
    const inject = (body: unknown) => fetch(`${sim.origin}/_admin/sign-in/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await inject({ idToken: 'nonsense' })).status).toBe(400);
    expect((await inject({ idToken: 'wrong_audience' })).status).toBe(202);
    const first = await redeem(sim, { code: new URL(await signInAs(authorizeUrl(sim), { tenant: 'Fabrikam', role: 'Global Administrator' })).searchParams.get('code') ?? '' });
    const second = await redeem(sim, { code: new URL(await signInAs(authorizeUrl(sim), { tenant: 'Fabrikam', role: 'Global Administrator' })).searchParams.get('code') ?? '' });
    const keys = createRemoteJWKSet(new URL(`${sim.origin}/organizations/discovery/v2.0/keys`));
    await expect(jwtVerify(first.body.id_token ?? '', keys, { audience: CLIENT_ID })).rejects.toThrow(/aud/);
    await expect(jwtVerify(second.body.id_token ?? '', keys, { audience: CLIENT_ID })).resolves.toBeDefined();
  });
});
