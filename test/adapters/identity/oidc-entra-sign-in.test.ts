import { createServer as createHttpsServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { OidcEntraSignIn } from '../../../src/adapters/identity/oidc-entra-sign-in';
import { loopbackTls } from '../../local/entra-simulator/helpers';
import { rejection } from '../../support/app-errors';
import { TestClock } from '../../support/test-time';

/**
 * The sign-in adapter against a scripted authority (discovery, token endpoint) over HTTPS, with
 * id_tokens signed here: every check of the id_token, and every way the authority can fail.
 */

const CLIENT_ID = '11111111-2222-4333-8444-555555555555';
const TENANT = '0d7c1b9e-0000-4000-8000-000000000001';
const OID = '7a1b2c3d-0000-4000-8000-000000000002';
const CONSUMER_TENANT = '9188040d-6c67-4c5b-b112-36a304b66dad';
const NONCE = 'nonce-of-this-sign-in';
const NOW = new Date('2026-11-30T10:00:00Z');

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

interface Seen {
  method: string;
  path: string;
  body: string;
}
interface Reply {
  status: number;
  body: string;
}

describe('OidcEntraSignIn against a scripted authority', () => {
  let server: Server;
  let origin: string;
  const seen: Seen[] = [];
  /** Replies by path; a path without one answers 404. */
  const replies = new Map<string, Reply>();
  let signingKey: PrivateKey;
  let jwks: { keys: JWK[] };
  let otherKey: PrivateKey;

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    signingKey = pair.privateKey;
    jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }] };
    otherKey = (await generateKeyPair('RS256')).privateKey;
    server = createHttpsServer(loopbackTls(), (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = (req.url ?? '').split('?')[0] ?? '';
        seen.push({ method: req.method ?? '', path, body: Buffer.concat(chunks).toString('utf8') });
        const reply = replies.get(path) ?? { status: 404, body: '{}' };
        res.writeHead(reply.status, { 'content-type': 'application/json' });
        res.end(reply.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => {
          resolve();
        }));
  });

  beforeEach(() => {
    seen.length = 0;
    replies.clear();
    replies.set(
      '/organizations/v2.0/.well-known/openid-configuration',
      json(200, {
        issuer: `${origin}/{tenantid}/v2.0`,
        token_endpoint: `${origin}/organizations/oauth2/v2.0/token`,
        jwks_uri: `${origin}/discovery/v2.0/keys`,
      }),
    );
  });

  function json(status: number, body: unknown): Reply {
    return { status, body: JSON.stringify(body) };
  }

  function signIn(clock = new TestClock(NOW)): OidcEntraSignIn {
    return new OidcEntraSignIn({
      authorityHost: origin,
      clientId: CLIENT_ID,
      clientAuthentication: () => Promise.resolve({ kind: 'client_secret', clientSecret: 'app-secret' }),
      clock,
      keys: () => createLocalJWKSet(jwks),
    });
  }

  async function idToken(
    claims: Record<string, unknown> = {},
    options: { key?: PrivateKey; kid?: string; iat?: Date; exp?: Date; aud?: string } = {},
  ): Promise<string> {
    const iat = options.iat ?? NOW;
    return new SignJWT({ tid: TENANT, oid: OID, nonce: NONCE, preferred_username: 'admin@contoso.example', ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? 'k1' })
      .setIssuer(`${origin}/${typeof claims.tid === 'string' ? claims.tid : TENANT}/v2.0`)
      .setAudience(options.aud ?? CLIENT_ID)
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(options.exp ?? new Date(iat.getTime() + 3600_000))
      .sign(options.key ?? signingKey);
  }

  function tokenAnswers(reply: Reply | string): void {
    replies.set('/organizations/oauth2/v2.0/token', typeof reply === 'string' ? json(200, { id_token: reply }) : reply);
  }

  const redemption = { code: 'the-code', codeVerifier: 'the-verifier', redirectUri: 'https://app/cb', expectedNonce: NONCE };

  it('redeems the code with PKCE and the app credential, and returns the proven tenant, person and roles', async () => {
    tokenAnswers(await idToken({ wids: ['62E90394-69F5-4237-9190-012177145E10'] }));
    expect(await signIn().redeem(redemption)).toEqual({
      tenantId: TENANT,
      objectId: OID,
      username: 'admin@contoso.example',
      roleTemplateIds: ['62e90394-69f5-4237-9190-012177145e10'],
    });
    const token = seen.find((s) => s.path.endsWith('/token'));
    expect(token?.method).toBe('POST');
    expect(Object.fromEntries(new URLSearchParams(token?.body))).toEqual({
      client_id: CLIENT_ID,
      grant_type: 'authorization_code',
      code: 'the-code',
      redirect_uri: 'https://app/cb',
      code_verifier: 'the-verifier',
      scope: 'openid profile',
      client_secret: 'app-secret',
    });
  });

  it('reads discovery once a day, not once per sign-in', async () => {
    const clock = new TestClock(NOW);
    const adapter = signIn(clock);
    tokenAnswers(await idToken());
    await adapter.redeem(redemption);
    await adapter.redeem(redemption);
    const discoveries = () => seen.filter((s) => s.path.endsWith('openid-configuration')).length;
    expect(discoveries()).toBe(1);
    clock.advance(24 * 3600_000 + 1);
    tokenAnswers(await idToken({}, { iat: clock.now() }));
    await adapter.redeem(redemption);
    expect(discoveries()).toBe(2);
  });

  it('a code Microsoft refuses → sign_in_failed with the AADSTS code and nothing personal', async () => {
    tokenAnswers(
      json(400, { error: 'invalid_grant', error_description: 'AADSTS54005: code already redeemed', error_codes: [54005] }),
    );
    expect(await rejection(signIn().redeem(redemption))).toMatchObject({
      code: 'sign_in_failed',
      meta: { error: 'invalid_grant', aadsts: 54005 },
    });
    tokenAnswers({ status: 401, body: 'not json' });
    expect(await rejection(signIn().redeem(redemption))).toMatchObject({
      code: 'sign_in_failed',
      meta: { error: 'unknown', aadsts: null },
    });
  });

  it.each([
    ['a 503 from the token endpoint', { status: 503, body: '{}' }],
    ['a 429 from the token endpoint', { status: 429, body: '{}' }],
  ])('%s → dependency_unavailable (worth trying again)', async (_name, reply) => {
    tokenAnswers(reply);
    expect(await rejection(signIn().redeem(redemption))).toMatchObject({ code: 'dependency_unavailable' });
  });

  it('a discovery document that is missing, or not multi-tenant, → dependency_unavailable', async () => {
    replies.delete('/organizations/v2.0/.well-known/openid-configuration');
    expect(await rejection(signIn().redeem(redemption))).toMatchObject({ code: 'dependency_unavailable' });
    replies.set(
      '/organizations/v2.0/.well-known/openid-configuration',
      json(200, { issuer: `${origin}/${TENANT}/v2.0`, token_endpoint: `${origin}/t`, jwks_uri: `${origin}/k` }),
    );
    expect(await rejection(signIn().redeem(redemption))).toMatchObject({ code: 'dependency_unavailable' });
  });

  it('an authority that cannot be reached → dependency_unavailable', async () => {
    const closed = new OidcEntraSignIn({
      authorityHost: 'https://127.0.0.1:1',
      clientId: CLIENT_ID,
      clientAuthentication: () => Promise.resolve({ kind: 'client_secret', clientSecret: 'x' }),
      clock: new TestClock(NOW),
    });
    expect(await rejection(closed.redeem(redemption))).toMatchObject({ code: 'dependency_unavailable' });
  });

  it('a token answer without an id_token → invalid_id_token (malformed)', async () => {
    tokenAnswers(json(200, { access_token: 'x' }));
    expect(await rejection(signIn().redeem(redemption))).toMatchObject({
      code: 'invalid_id_token',
      meta: { reason: 'malformed' },
    });
  });

  it.each<[string, string, () => Promise<string>]>([
    ['signed by another key under a published key id', 'signature', () => idToken({}, { key: otherKey })],
    ['signed with a key id the authority does not publish', 'unknown_key', () => idToken({}, { key: otherKey, kid: 'k2' })],
    ['issued to another application', 'audience', () => idToken({}, { aud: '99999999-2222-4333-8444-555555555555' })],
    ['expired beyond the clock tolerance', 'expired', () => idToken({}, { iat: new Date(NOW.getTime() - 7200_000) })],
    ['not valid yet beyond the clock tolerance', 'not_yet_valid', () => idToken({}, { iat: new Date(NOW.getTime() + 600_000) })],
    ['for another sign-in (nonce)', 'nonce', () => idToken({ nonce: 'someone-else' })],
    ['without a nonce', 'nonce', () => idToken({ nonce: undefined })],
    ['of a personal Microsoft account', 'consumer_account', () => idToken({ tid: CONSUMER_TENANT })],
    ['without an object id', 'claims', () => idToken({ oid: undefined })],
    ['with a tenant id that is not a GUID', 'claims', () => idToken({ tid: 'contoso' })],
    ['that is not a JWT', 'malformed', () => Promise.resolve('not.a.jwt')],
  ])('an id_token %s → invalid_id_token (%s)', async (_name, reason, token) => {
    tokenAnswers(await token());
    expect(await rejection(signIn().redeem(redemption))).toMatchObject({ code: 'invalid_id_token', meta: { reason } });
  });

  it('an id_token whose issuer names another tenant than its tid → invalid_id_token (issuer)', async () => {
    const token = await new SignJWT({ tid: TENANT, oid: OID, nonce: NONCE })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(`${origin}/0d7c1b9e-0000-4000-8000-00000000ffff/v2.0`)
      .setAudience(CLIENT_ID)
      .setIssuedAt(NOW)
      .setExpirationTime(new Date(NOW.getTime() + 3600_000))
      .sign(signingKey);
    tokenAnswers(token);
    expect(await rejection(signIn().redeem(redemption))).toMatchObject({
      code: 'invalid_id_token',
      meta: { reason: 'issuer' },
    });
  });

  it('an id_token signed with another algorithm (HS256) → invalid_id_token (algorithm)', async () => {
    const token = await new SignJWT({ tid: TENANT, oid: OID, nonce: NONCE })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(`${origin}/${TENANT}/v2.0`)
      .setAudience(CLIENT_ID)
      .setIssuedAt(NOW)
      .setExpirationTime(new Date(NOW.getTime() + 3600_000))
      .sign(new TextEncoder().encode('a-shared-secret-of-at-least-32-bytes!'));
    tokenAnswers(token);
    expect(await rejection(signIn().redeem(redemption))).toMatchObject({
      code: 'invalid_id_token',
      meta: { reason: 'algorithm' },
    });
  });
});
