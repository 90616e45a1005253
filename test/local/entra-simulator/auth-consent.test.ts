import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ClientSecretCredential } from '@azure/identity';
import { Client, GraphError } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials';
import type { EntraSimulator, SimulatedUser, TenantSummary } from '../../../src/local/entra-simulator';
import { CLIENT_ID, CLIENT_SECRET, fetchToken, REDIRECT_URI, startSim, type DeltaPage } from './helpers';

interface AadError {
  error: string;
  error_description: string;
  error_codes: number[];
}

async function tokenRequest(sim: EntraSimulator, tenant: string, form: Record<string, string>): Promise<{ status: number; body: AadError & { access_token?: string; token_type?: string; expires_in?: number; ext_expires_in?: number } }> {
  const res = await fetch(`${sim.authorityHost}/${tenant}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  return { status: res.status, body: (await res.json()) as AadError };
}

const goodForm = { grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: CLIENT_SECRET, scope: 'https://graph.microsoft.com/.default' };

describe('Entra simulator: token endpoint, consent and admin API', () => {
  let sim: EntraSimulator;
  let contoso: TenantSummary;
  let fabrikam: TenantSummary;
  let mount: Server;
  let mountOrigin: string;

  beforeAll(async () => {
    sim = await startSim(); // default tenants: Contoso (300) and Fabrikam (40)
    [contoso, fabrikam] = sim.tenants() as [TenantSummary, TenantSummary];
    // Another (plain http) server mounting the login and admin handlers under base paths.
    mount = createServer((req, res) => {
      const path = req.url ?? '/';
      if (path.startsWith('/_local/login')) void sim.handleLogin(req, res, '/_local/login');
      else if (path.startsWith('/_local/entra')) void sim.handleAdmin(req, res, '/_local/entra');
      else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((resolve) => mount.listen(0, '127.0.0.1', resolve));
    mountOrigin = `http://127.0.0.1:${(mount.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    mount.closeAllConnections();
    await new Promise<void>((resolve) => mount.close(() => { resolve(); }));
    await sim.close();
  });

  test('default tenants are seeded, distinct, and start without consent', () => {
    expect(contoso).toMatchObject({ name: 'Contoso', domain: 'contoso.example', userCount: 300, consentGranted: false });
    expect(fabrikam).toMatchObject({ name: 'Fabrikam', domain: 'fabrikam.example', userCount: 40, consentGranted: false });
    expect(contoso.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(contoso.id).not.toBe(fabrikam.id);
    expect(() => sim.directory('00000000-0000-4000-8000-000000000000')).toThrow();
  });

  test('OpenID discovery document and signing keys', async () => {
    const res = await fetch(`${sim.authorityHost}/${contoso.id}/v2.0/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Record<string, string>;
    expect(doc.issuer).toBe(`${sim.origin}/${contoso.id}/v2.0`);
    expect(doc.token_endpoint).toBe(`${sim.origin}/${contoso.id}/oauth2/v2.0/token`);
    expect(doc.authorization_endpoint).toBeDefined();
    const keys = (await (await fetch(doc.jwks_uri!)).json()) as { keys: Array<{ kty: string; alg: string }> };
    expect(keys.keys[0]).toMatchObject({ kty: 'EC', alg: 'ES256' });
    expect((await fetch(`${sim.authorityHost}/nope.example/v2.0/.well-known/openid-configuration`)).status).toBe(400);
  });

  test('token endpoint errors: not consented (7000229), unknown client (700016), wrong secret (7000215)', async () => {
    const notConsented = await tokenRequest(sim, contoso.id, goodForm);
    expect(notConsented.status).toBe(400);
    expect(notConsented.body.error).toBe('invalid_client');
    expect(notConsented.body.error_description).toMatch(/^AADSTS7000229: /);
    expect(notConsented.body.error_codes).toEqual([7000229]);

    const unknownClient = await tokenRequest(sim, contoso.id, { ...goodForm, client_id: '99999999-9999-4999-8999-999999999999' });
    expect(unknownClient.status).toBe(400);
    expect(unknownClient.body.error).toBe('unauthorized_client');
    expect(unknownClient.body.error_description).toMatch(/^AADSTS700016: Application with identifier '99999999-9999-4999-8999-999999999999' was not found in the directory /);
    expect(unknownClient.body.error_codes).toEqual([700016]);

    sim.directory(fabrikam.id).grantConsent();
    const wrongSecret = await tokenRequest(sim, fabrikam.id, { ...goodForm, client_secret: 'wrong' });
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.body.error).toBe('invalid_client');
    expect(wrongSecret.body.error_description).toMatch(/^AADSTS7000215: /);

    const badScope = await tokenRequest(sim, fabrikam.id, { ...goodForm, scope: 'User.Read' });
    expect(badScope.body.error).toBe('invalid_scope');
    const ok = await tokenRequest(sim, 'fabrikam.example', goodForm);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599 });
    expect(ok.body.access_token!.split('.')).toHaveLength(3);
    sim.directory(fabrikam.id).revokeConsent();
  });

  test('ClientSecretCredential + Graph SDK work after consent; revoked consent → AADSTS7000229 and Graph 403', async () => {
    sim.directory(fabrikam.id).grantConsent();
    const credential = new ClientSecretCredential(fabrikam.id, CLIENT_ID, CLIENT_SECRET, { authorityHost: sim.authorityHost, disableInstanceDiscovery: true });
    const client = Client.initWithMiddleware({
      authProvider: new TokenCredentialAuthenticationProvider(credential, { scopes: ['https://graph.microsoft.com/.default'] }),
      baseUrl: sim.origin,
      defaultVersion: 'v1.0',
      customHosts: new Set(['127.0.0.1']),
    });
    const page = (await client.api('/users/delta').select('displayName').get()) as DeltaPage;
    expect(page.value).toHaveLength(40);
    const org = (await client.api('/organization').get()) as { value: Array<{ id: string; displayName: string }> };
    expect(org.value[0]).toMatchObject({ id: fabrikam.id, displayName: 'Fabrikam' });

    sim.directory(fabrikam.id).revokeConsent();
    // The cached token still reaches Graph, which now refuses it.
    let graphStatus = 0;
    try {
      await client.api('/users').get();
    } catch (err) {
      if (err instanceof GraphError) {
        graphStatus = err.statusCode;
        expect(err.code).toBe('Authorization_RequestDenied');
      }
    }
    expect(graphStatus).toBe(403);
    const fresh = new ClientSecretCredential(fabrikam.id, CLIENT_ID, CLIENT_SECRET, { authorityHost: sim.authorityHost, disableInstanceDiscovery: true });
    await expect(fresh.getToken('https://graph.microsoft.com/.default')).rejects.toThrow(/AADSTS7000229/);
  });

  test('Graph rejects missing and invalid bearer tokens with 401 InvalidAuthenticationToken', async () => {
    const none = await fetch(`${sim.graphBaseUrl}/users`);
    expect(none.status).toBe(401);
    const body = (await none.json()) as { error: { code: string; innerError: Record<string, string> } };
    expect(body.error.code).toBe('InvalidAuthenticationToken');
    expect(body.error.innerError['request-id']).toBeDefined();
    const bad = await fetch(`${sim.graphBaseUrl}/users`, { headers: { Authorization: 'Bearer abc.def.ghi' } });
    expect(bad.status).toBe(401);
  });

  test('consent page: renders the permission and tenants, Accept grants consent and redirects', async () => {
    const query = new URLSearchParams({ client_id: CLIENT_ID, scope: 'https://graph.microsoft.com/.default', redirect_uri: REDIRECT_URI, state: 'st<ate>&1' });
    const res = await fetch(`${mountOrigin}/_local/login/organizations/v2.0/adminconsent?${query.toString()}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toMatch(/local stand-in for Microsoft's admin-consent page/i);
    expect(html).toContain('User.Read.All');
    expect(html).toContain("Read all users' full profiles");
    expect(html).toContain(`value="${contoso.id}" checked`);
    expect(html).toContain(`value="${fabrikam.id}"`);
    expect(html).toContain('action="/_local/login/organizations/v2.0/adminconsent"');
    expect(html).toContain('value="st&#60;ate&#62;&#38;1"');
    expect(html).not.toContain('st<ate>');

    const form = new URLSearchParams({ client_id: CLIENT_ID, redirect_uri: REDIRECT_URI, state: 'st<ate>&1', scope: 'https://graph.microsoft.com/.default', tenant: contoso.id, decision: 'accept' });
    const post = await fetch(`${mountOrigin}/_local/login/organizations/v2.0/adminconsent`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: form,
      redirect: 'manual',
    });
    expect(post.status).toBe(302);
    expect(post.headers.get('location')).toBe(
      `${REDIRECT_URI}?admin_consent=True&tenant=${contoso.id}&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default&state=st%3Cate%3E%261`,
    );
    expect(sim.tenants().find((t) => t.id === contoso.id)?.consentGranted).toBe(true);
    await expect(fetchToken(sim, contoso.id)).resolves.toMatch(/\./);
  });

  test('consent page: Cancel redirects with access_denied; bad redirect_uri, client_id or params → 400 page', async () => {
    const form = new URLSearchParams({ client_id: CLIENT_ID, redirect_uri: REDIRECT_URI, state: 'xyz', tenant: fabrikam.id, decision: 'cancel' });
    const cancel = await fetch(`${sim.origin}/organizations/v2.0/adminconsent`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: form,
      redirect: 'manual',
    });
    expect(cancel.status).toBe(302);
    expect(cancel.headers.get('location')).toBe(
      `${REDIRECT_URI}?error=access_denied&error_description=AADSTS65004%3A+User+declined+to+consent+to+access+the+app.&state=xyz`,
    );
    expect(sim.tenants().find((t) => t.id === fabrikam.id)?.consentGranted).toBe(false);

    const base = `${mountOrigin}/_local/login/organizations/v2.0/adminconsent`;
    const badRedirect = await fetch(`${base}?${new URLSearchParams({ client_id: CLIENT_ID, scope: '.default', redirect_uri: 'https://evil.example/cb' }).toString()}`, { redirect: 'manual' });
    expect(badRedirect.status).toBe(400);
    const badRedirectHtml = await badRedirect.text();
    expect(badRedirectHtml).toContain('AADSTS50011');
    expect(badRedirect.headers.get('location')).toBeNull();

    const badClient = await fetch(`${base}?${new URLSearchParams({ client_id: 'someone-else', scope: '.default', redirect_uri: REDIRECT_URI }).toString()}`, { redirect: 'manual' });
    expect(badClient.status).toBe(400);
    expect(await badClient.text()).toContain('AADSTS700016');

    const missing = await fetch(`${base}?client_id=${CLIENT_ID}`, { redirect: 'manual' });
    expect(missing.status).toBe(400);

    const postBadRedirect = await fetch(base, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: CLIENT_ID, redirect_uri: 'https://evil.example/cb', tenant: contoso.id, decision: 'accept' }),
      redirect: 'manual',
    });
    expect(postBadRedirect.status).toBe(400);
    expect(postBadRedirect.headers.get('location')).toBeNull();

    const badDecision = await fetch(base, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: CLIENT_ID, redirect_uri: REDIRECT_URI, tenant: contoso.id, decision: 'maybe' }),
      redirect: 'manual',
    });
    expect(badDecision.status).toBe(400);
  });

  test('admin API (mounted elsewhere and at /_admin): tenants, users, actions, errors', async () => {
    const api = `${mountOrigin}/_local/entra`;
    const json = async (path: string, init: RequestInit = {}): Promise<{ status: number; body: unknown }> => {
      const res = await fetch(`${api}${path}`, { ...init, headers: { 'Content-Type': 'application/json' } });
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
    };
    const tenants = (await json('/tenants')).body as TenantSummary[];
    expect(tenants.map((t) => t.name)).toEqual(['Contoso', 'Fabrikam']);
    const viaRoot = await fetch(`${sim.origin}/_admin/tenants`);
    expect(viaRoot.status).toBe(200);

    const page = (await json(`/tenants/${fabrikam.id}/users?limit=5&offset=0`)).body as { total: number; users: SimulatedUser[] };
    expect(page.total).toBe(40);
    expect(page.users).toHaveLength(5);
    const target = page.users[0]!;
    const search = (await json(`/tenants/${fabrikam.id}/users?search=${encodeURIComponent(target.userPrincipalName)}`)).body as { total: number };
    expect(search.total).toBeGreaterThanOrEqual(1);

    const created = await json(`/tenants/${fabrikam.id}/users`, { method: 'POST', body: JSON.stringify({ givenName: 'Ada', surname: 'Lovelace', department: 'R&D' }) });
    expect(created.status).toBe(201);
    const ada = created.body as SimulatedUser;
    expect(ada).toMatchObject({ userPrincipalName: 'ada.lovelace@fabrikam.example', mail: 'ada.lovelace@fabrikam.example', accountEnabled: true, userType: 'Member' });
    expect(ada.proxyAddresses).toEqual(['SMTP:ada.lovelace@fabrikam.example', 'smtp:ada.lovelace@fabrikam.onmicrosoft.com']);

    const patched = await json(`/tenants/${fabrikam.id}/users/${ada.id}`, { method: 'PATCH', body: JSON.stringify({ jobTitle: 'Engineer' }) });
    expect((patched.body as SimulatedUser).jobTitle).toBe('Engineer');
    expect((await json(`/tenants/${fabrikam.id}/users/${ada.id}/disable`, { method: 'POST' })).body).toMatchObject({ accountEnabled: false });
    expect((await json(`/tenants/${fabrikam.id}/users/${ada.id}/enable`, { method: 'POST' })).body).toMatchObject({ accountEnabled: true });
    expect((await json(`/tenants/${fabrikam.id}/users/${ada.id}/soft-delete`, { method: 'POST' })).status).toBe(200);
    expect((await json(`/tenants/${fabrikam.id}/users/${ada.id}`)).status).toBe(404);
    expect((await json(`/tenants/${fabrikam.id}/users/${ada.id}/restore`, { method: 'POST' })).status).toBe(200);
    expect((await json(`/tenants/${fabrikam.id}/users/${ada.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await json(`/tenants/${fabrikam.id}/users/${ada.id}`)).status).toBe(404);

    expect((await json(`/tenants/${fabrikam.id}/throttle`, { method: 'POST', body: JSON.stringify({ count: 0, retryAfterSeconds: 1 }) })).status).toBe(200);
    for (const action of ['reset-delta', 'expire-delta', 'grant-consent', 'revoke-consent']) {
      expect((await json(`/tenants/${fabrikam.id}/${action}`, { method: 'POST' })).status).toBe(200);
    }
    expect((await json(`/tenants/${fabrikam.id}/subscriptions`)).body).toEqual([]);

    const bad = await json(`/tenants/${fabrikam.id}/users`, { method: 'POST', body: JSON.stringify({ accountEnabled: 'yes' }) });
    expect(bad.status).toBe(400);
    expect((bad.body as { error: string }).error).toContain('accountEnabled');
    expect((await json(`/tenants/${fabrikam.id}/users`, { method: 'POST', body: JSON.stringify({ shoeSize: 44 }) })).status).toBe(400);
    expect((await json(`/tenants/${fabrikam.id}/throttle`, { method: 'POST', body: JSON.stringify({ count: -1, retryAfterSeconds: 1 }) })).status).toBe(400);
    expect((await json('/tenants/00000000-0000-4000-8000-000000000000/users')).status).toBe(404);
    expect((await json('/subscriptions/00000000-0000-4000-8000-000000000000/lifecycle', { method: 'POST', body: JSON.stringify({ event: 'missed' }) })).status).toBe(404);
    expect((await json('/nothing-here')).status).toBe(404);
  });
});
