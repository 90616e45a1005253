import { entraConnect } from '../../src/functions/entra-connect.http';
import { pkceChallenge, shortDigest, verifyState } from '../../src/use-cases/consent-state';
import { context, createTestHarness, request, TestHarness } from '../support/test-services';

describe('POST /api/companies/{companyId}/entra/connect', () => {
  let h: TestHarness;
  beforeEach(async () => {
    h = await createTestHarness();
  });

  const call = (init: { token?: string; companyId?: string; body?: string; headers?: Record<string, string> }) =>
    entraConnect.handle(
      request({ method: 'POST', path: `companies/${init.companyId ?? 'acme'}/entra/connect`, params: { companyId: init.companyId ?? 'acme' }, ...init }),
      context(),
      h.services,
    );

  it('returns Microsoft sign-in (authorization code + PKCE) with a signed, expiring state bound to the company, the user and the browser', async () => {
    const token = await h.signer.sign({ companies: ['acme'], email: 'Admin@Acme.example', sub: 'user-42' });
    const response = await call({ token });
    expect(response.status).toBe(200);
    const body = response.jsonBody as { consentUrl: string; expiresAt: string };
    const url = new URL(body.consentUrl);
    expect(`${url.origin}${url.pathname}`).toBe('https://login.test.example/organizations/oauth2/v2.0/authorize');
    expect(url.searchParams.get('client_id')).toBe(h.config.entra.clientId);
    expect(url.searchParams.get('scope')).toBe('openid profile');
    expect(url.searchParams.get('response_type')).toBe('code');
    expect(url.searchParams.get('redirect_uri')).toBe('https://sync.test.example/api/entra/consent/callback');
    expect(Date.parse(body.expiresAt) - h.clock.now().getTime()).toBe(900_000);

    const state = url.searchParams.get('state') ?? '';
    const verified = verifyState(state, [await h.services.secrets.get('state-signing-key')], Math.floor(h.clock.now().getTime() / 1000));
    expect(verified.ok).toBe(true);
    if (!verified.ok) return;
    expect(verified.payload).toMatchObject({ c: 'acme', s: 'signin', u: shortDigest('user-42') });
    // The state carries no personal data; who asked is kept server-side with the nonce.
    expect(Buffer.from(state.split('.')[0] ?? '', 'base64url').toString()).not.toMatch(/acme\.example|user-42/);
    const nonce = h.nonces.docs.get(`acme/${verified.payload.n}`);
    expect(nonce).toMatchObject({ step: 'signin', requestedBy: { subject: 'user-42', email: 'admin@acme.example' }, proven: null });
    expect(pkceChallenge(nonce?.pkceVerifier ?? '')).toBe(url.searchParams.get('code_challenge'));
    expect(nonce?.oidcNonce).toBe(url.searchParams.get('nonce'));
    // The browser-binding cookie is the one whose hash the state carries.
    const cookie = response.cookies?.[0];
    expect(shortDigest(cookie?.value ?? '')).toBe(verified.payload.b);
    expect(nonce?.browserHash).toBe(verified.payload.b);
  });

  it('accepts an empty JSON object as body', async () => {
    const token = await h.signer.sign({});
    expect((await call({ token, body: '{}' })).status).toBe(200);
  });

  it.each([
    ['no Authorization header', undefined, undefined],
    ['a non-Bearer scheme', undefined, { authorization: 'Basic YWRtaW46YWRtaW4=' }],
    ['a garbage token', 'not-a-jwt', undefined],
  ])('401 with %s', async (_name, token, headers) => {
    const response = await call({ ...(token ? { token } : {}), ...(headers ? { headers } : {}) });
    expect(response.status).toBe(401);
    expect((response.headers as Record<string, string>)['content-type']).toBe('application/problem+json');
    expect((response.headers as Record<string, string>)['www-authenticate']).toBe('Bearer');
    expect(response.jsonBody).toMatchObject({ status: 401, code: 'unauthorized' });
    expect(h.nonces.docs.size).toBe(0);
  });

  it('401 for an expired token, another issuer, another audience, a forged signature, or missing claims', async () => {
    const now = Math.floor(Date.now() / 1000);
    const tokens = [
      await h.signer.sign({ exp: now - 3600 }),
      await h.signer.sign({ iss: 'https://evil.example' }),
      await h.signer.sign({ aud: 'another-api' }),
      await h.signer.forge({ companies: ['acme'] }),
      await h.signer.sign({ companies: 42 }),
    ];
    for (const token of tokens) {
      const response = await call({ token });
      expect(response.status).toBe(401);
      expect(response.jsonBody).toMatchObject({ code: 'unauthorized' });
    }
    expect((await call({ token: tokens[0] })).jsonBody).toMatchObject({ detail: 'The bearer token has expired.' });
    expect(h.nonces.docs.size).toBe(0);
  });

  it('403 for a company the token does not grant; an MSP token acts on each of its companies separately', async () => {
    const msp = await h.signer.sign({ companies: ['acme', 'globex'] });
    expect((await call({ token: msp, companyId: 'initech' })).status).toBe(403);
    expect((await call({ token: msp, companyId: 'acme' })).status).toBe(200);
    expect((await call({ token: msp, companyId: 'globex' })).status).toBe(200);
    const companies = [...h.nonces.docs.values()].map((n) => n.companyId).sort();
    expect(companies).toEqual(['acme', 'globex']);
    const operator = await h.signer.sign({ companies: '*' });
    expect((await call({ token: operator, companyId: 'initech' })).status).toBe(200);
  });

  it('400 for a malformed company id', async () => {
    const token = await h.signer.sign({ companies: '*' });
    const response = await call({ token, companyId: '../etc' });
    expect(response.status).toBe(400);
    expect(response.jsonBody).toMatchObject({ code: 'validation_failed', errors: [{ field: 'companyId' }] });
  });

  it('rejects malformed JSON, unknown fields, wrong media type and oversized bodies without issuing a state', async () => {
    const token = await h.signer.sign({});
    const malformed = await call({ token, body: '{"a":' });
    expect(malformed.status).toBe(400);
    expect(malformed.jsonBody).toMatchObject({ code: 'validation_failed' });
    const unknown = await call({ token, body: '{"tenant":"x"}' });
    expect(unknown.status).toBe(400);
    expect(unknown.jsonBody).toMatchObject({ errors: [{ field: 'tenant', message: 'is not a known field' }] });
    const wrongType = await call({ token, body: '{}', headers: { 'content-type': 'text/plain' } });
    expect(wrongType.status).toBe(415);
    const big = await call({ token, body: JSON.stringify({ pad: 'x'.repeat(5000) }) });
    expect(big.status).toBe(413);
    expect(big.jsonBody).toMatchObject({ code: 'payload_too_large' });
    expect(h.nonces.docs.size).toBe(0);
  });
});
