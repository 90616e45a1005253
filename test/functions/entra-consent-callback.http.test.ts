import { HttpResponseInit } from '@azure/functions';
import { OidcEntraSignIn } from '../../src/adapters/identity/oidc-entra-sign-in';
import { SyncJobSchema } from '../../src/domain/sync-job';
import { entraConnect } from '../../src/functions/entra-connect.http';
import { entraConsentCallback } from '../../src/functions/entra-consent-callback.http';
import type { EntraSimulator, TenantSummary } from '../../src/local/entra-simulator';
import type { IdTokenFault } from '../../src/local/entra-simulator/sign-in';
import { signState } from '../../src/use-cases/consent-state';
import { updateSettings } from '../../src/use-cases/integration-status';
import { reconcileSyncs } from '../../src/use-cases/reconcile-syncs';
import { requestSync } from '../../src/use-cases/request-sync';
import { runSync } from '../../src/use-cases/run-sync';
import { silentLogger } from '../../src/app/logger';
import { CLIENT_ID, CLIENT_SECRET, startSim } from '../local/entra-simulator/helpers';
import { StaticSecrets } from '../support/in-memory-ports';
import { answerConsent, PersonaRole, signInAs } from '../support/microsoft-login';
import { ADMIN_PRINCIPAL, context, createTestHarness, request, TestHarness } from '../support/test-services';

/**
 * The connect flow through the real HTTP handlers, the real OpenID Connect client and the local
 * stand-in of Microsoft's login (sign-in with PKCE, id_tokens signed by its published key, admin
 * consent). A tenant is connected only when a tenant admin proved it by signing in, in the browser
 * that started the flow, and consented for that very tenant.
 */

const CALLBACK = 'https://sync.test.example/api/entra/consent/callback';
const UI = 'https://admin.test.example';

interface Browser {
  /** The cookies the connect answer set (name=value). */
  cookies: Map<string, string>;
}

describe('connecting a company: sign-in, then admin consent (GET /api/entra/consent/callback)', () => {
  let sim: EntraSimulator;
  let contoso: TenantSummary;
  let fabrikam: TenantSummary;
  let h: TestHarness;
  let logs: string[];

  beforeAll(async () => {
    sim = await startSim({ allowedRedirectUris: [CALLBACK] });
    [contoso, fabrikam] = sim.tenants() as [TenantSummary, TenantSummary];
  });
  afterAll(async () => {
    await sim.close();
  });

  beforeEach(async () => {
    h = await createTestHarness({ ENTRA_CLIENT_ID: CLIENT_ID, LOGIN_BASE_URL: sim.origin, AUTHORITY_HOST: sim.origin });
    h.services.secrets = new StaticSecrets({ 'state-signing-key': 'current-state-signing-key-0123456789', 'entra-client-secret': CLIENT_SECRET });
    h.services.signIn = new OidcEntraSignIn({ authorityHost: sim.origin, clientId: CLIENT_ID, clientAuthentication: () => Promise.resolve({ kind: 'client_secret', clientSecret: CLIENT_SECRET }), clock: h.clock });
    logs = [];
  });

  const location = (response: HttpResponseInit) => (response.headers as Record<string, string>).location ?? '';
  const resultUrl = (companyId: string | null, result: string) => (companyId ? `${UI}/companies/${companyId}/settings/entra?${result}` : `${UI}/settings/entra?${result}`);

  async function connect(companyId = 'acme', who: { sub?: string; email?: string } = {}): Promise<{ consentUrl: string; browser: Browser; response: HttpResponseInit }> {
    const token = await h.signer.sign({ companies: [companyId], sub: who.sub ?? 'symbol-admin-1', email: who.email ?? 'admin@acme.example' });
    const response = await entraConnect.handle(request({ method: 'POST', path: `companies/${companyId}/entra/connect`, params: { companyId }, token }), context(), h.services);
    expect(response.status).toBe(200);
    const cookies = new Map((response.cookies ?? []).map((c) => [c.name, c.value]));
    return { consentUrl: (response.jsonBody as { consentUrl: string }).consentUrl, browser: { cookies }, response };
  }

  /** The browser arriving at our callback from Microsoft, with its cookies. */
  function arrive(callbackUrl: string, browser: Browser | null): Promise<HttpResponseInit> {
    const url = new URL(callbackUrl);
    expect(`${url.origin}${url.pathname}`).toBe(CALLBACK);
    const cookie = browser ? [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ') : undefined;
    return entraConsentCallback.handle(request({ method: 'GET', path: `entra/consent/callback${url.search}`, ...(cookie ? { headers: { cookie } } : {}) }), context('entra-consent-callback', logs), h.services);
  }

  /** Sign in at Microsoft as `who`; returns our callback's answer (to admin consent, or an error). */
  async function signIn(consentUrl: string, browser: Browser | null, who: { tenant: string; role: PersonaRole }): Promise<HttpResponseInit> {
    return arrive(await signInAs(consentUrl, who), browser);
  }

  async function fullFlow(who: { tenant: string; role: PersonaRole } = { tenant: 'Contoso', role: 'Global Administrator' }, companyId = 'acme'): Promise<HttpResponseInit> {
    const { consentUrl, browser } = await connect(companyId);
    const afterSignIn = await signIn(consentUrl, browser, who);
    expect(afterSignIn.status).toBe(302);
    const { callbackUrl } = await answerConsent(location(afterSignIn));
    return arrive(callbackUrl, browser);
  }

  function expectNothingStored(): void {
    expect(h.integrations.docs.size).toBe(0);
    expect(h.queue.sent).toHaveLength(0);
    expect(h.audit.entries.size).toBe(0);
  }

  /** The refusal was logged with its code, and no log line carries a person's name or address. */
  function expectLoggedRefusal(code: string): void {
    const refusals = logs.filter((l) => l.includes('"consent.rejected"'));
    expect(refusals.some((l) => l.includes(`"code":"${code}"`))).toBe(true);
    for (const line of logs) expect(line).not.toMatch(/@|contoso\.example|fabrikam\.example/i);
  }

  it('connect answers Microsoft sign-in (code flow with PKCE, openid, nonce) and sets the HttpOnly, SameSite=Lax binding cookie', async () => {
    const { consentUrl, response } = await connect();
    const url = new URL(consentUrl);
    expect(`${url.origin}${url.pathname}`).toBe(`${sim.origin}/organizations/oauth2/v2.0/authorize`);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: CLIENT_ID,
      response_type: 'code',
      response_mode: 'query',
      redirect_uri: CALLBACK,
      scope: 'openid profile',
      code_challenge_method: 'S256',
    });
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('nonce')).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const [cookie] = response.cookies ?? [];
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', secure: true, path: '/api/entra/consent/callback', maxAge: 900 });
    expect(cookie?.name).toMatch(/^entra_connect_/);
    // The state names no person: only hashes of the cookie and of the requesting user.
    const state = url.searchParams.get('state') ?? '';
    expect(Buffer.from(state.split('.')[0] ?? '', 'base64url').toString()).not.toMatch(/acme\.example|symbol-admin-1/);
  });

  it('the honest flow: an admin of Contoso signs in and consents → the company is connected to Contoso', async () => {
    const { consentUrl, browser } = await connect();
    const afterSignIn = await signIn(consentUrl, browser, { tenant: 'Contoso', role: 'Global Administrator' });
    const consentStep = new URL(location(afterSignIn));
    // Admin consent is asked for exactly the proven tenant.
    expect(`${consentStep.origin}${consentStep.pathname}`).toBe(`${sim.origin}/${contoso.id}/v2.0/adminconsent`);
    expect(consentStep.searchParams.get('scope')).toBe('https://graph.microsoft.com/.default');
    expect(afterSignIn.cookies ?? []).toHaveLength(0);

    const { callbackUrl, tenants } = await answerConsent(consentStep.toString());
    expect(tenants).toEqual([contoso.id]);
    const done = await arrive(callbackUrl, browser);
    expect(location(done)).toBe(resultUrl('acme', 'status=connected'));
    // The flow is over: its cookie is cleared.
    expect(done.cookies?.map((c) => ({ name: c.name, maxAge: c.maxAge }))).toEqual([...browser.cookies.keys()].map((name) => ({ name, maxAge: 0 })));

    const integration = h.integrations.docs.get('acme')?.value;
    expect(integration).toMatchObject({ status: 'connected', tenantId: contoso.id, connectedBy: { subject: 'symbol-admin-1', email: 'admin@acme.example' } });
    expect(integration?.consentedBy?.objectId).toMatch(/^[0-9a-f-]{36}$/);
    expect(integration?.consentedBy?.username).toMatch(/@contoso\.example$/);
    const jobs = h.queue.on('sync-jobs').map((m) => SyncJobSchema.parse(m.body));
    expect(jobs).toMatchObject([{ companyId: 'acme', mode: 'full', trigger: 'connect', connectionId: integration?.connectionId }]);
    expect(h.queue.on('notifications')[0]?.body).toMatchObject({ kind: 'integration-connected', to: ['admin@acme.example'], tenantId: contoso.id });
    // The audit trail: the Symbol admin who asked connected the company to that tenant, consented by its admin.
    expect(h.audit.of('acme')).toEqual([
      expect.objectContaining({
        at: integration?.connectedAt,
        action: 'connect',
        actor: { type: 'user', subject: 'symbol-admin-1', email: 'admin@acme.example' },
        target: { type: 'integration', id: 'acme', name: null, email: null },
        details: { tenantId: contoso.id, previousTenantId: null, consentedBy: integration?.consentedBy },
      }),
    ]);
    for (const line of logs) expect(line).not.toMatch(/@/);
  });

  it('importOnConnect off: connecting imports nothing; timers and webhooks leave the company alone until an admin presses Sync Now', async () => {
    await updateSettings(h.services, 'acme', { importOnConnect: false }, ADMIN_PRINCIPAL, silentLogger);
    const done = await fullFlow();
    expect(location(done)).toBe(resultUrl('acme', 'status=connected'));
    const integration = h.integrations.docs.get('acme')?.value;
    expect(integration).toMatchObject({ status: 'connected', tenantId: contoso.id, lastSync: null });
    expect(h.queue.on('sync-jobs')).toEqual([]);
    expect(h.queue.on('notifications')[0]?.body).toMatchObject({ kind: 'integration-connected' });

    const reconciled = await reconcileSyncs(h.services, silentLogger);
    expect(reconciled).toMatchObject({ scanned: 1, queued: 0, skipped: 1 });
    expect(h.queue.on('sync-jobs')).toEqual([]);
    // A tenant-wide webhook's job (another company shares the directory) is skipped by the worker.
    const webhookJob = { kind: 'sync', version: 1, companyId: 'acme', connectionId: integration?.connectionId, runId: 'wh-1', mode: 'delta', trigger: 'webhook', requestedAt: h.clock.now().toISOString() };
    expect(await runSync(h.services, webhookJob, { messageId: 'webhook:acme:1', deliveryCount: 1 }, silentLogger)).toBe('skipped');
    expect(await h.services.syncRuns.get('acme', 'wh-1')).toBeNull();

    const now = await requestSync(h.services, { companyId: 'acme', full: false, trigger: 'manual' });
    expect(now).toMatchObject({ coalesced: false });
    expect(h.queue.on('sync-jobs').map((m) => SyncJobSchema.parse(m.body))).toMatchObject([{ companyId: 'acme', trigger: 'manual', runId: now.runId }]);
  });

  it('the attack: a callback that claims another tenant without any sign-in is refused; nothing stored, nothing queued', async () => {
    // The attacker starts a flow for their own company and forges Microsoft's final redirect.
    const { consentUrl, browser } = await connect('evil');
    const state = new URL(consentUrl).searchParams.get('state') ?? '';
    const forged = await arrive(`${CALLBACK}?${new URLSearchParams({ admin_consent: 'True', tenant: contoso.id, state }).toString()}`, browser);
    expect(location(forged)).toBe(resultUrl('evil', 'status=error&code=sign_in_failed'));
    expectNothingStored();
    expectLoggedRefusal('sign_in_failed');
    // The state was single-use: the same link cannot be tried again.
    const again = await arrive(`${CALLBACK}?${new URLSearchParams({ admin_consent: 'True', tenant: contoso.id, state }).toString()}`, browser);
    expect(location(again)).toBe(resultUrl('evil', 'status=error&code=replayed_state'));
    expectNothingStored();
  });

  it('a signed-in admin of Fabrikam whose consent callback says Contoso → tenant_mismatch', async () => {
    const { consentUrl, browser } = await connect();
    const afterSignIn = await signIn(consentUrl, browser, { tenant: 'Fabrikam', role: 'Global Administrator' });
    expect(location(afterSignIn)).toContain(`/${fabrikam.id}/v2.0/adminconsent`);
    const { callbackUrl } = await answerConsent(location(afterSignIn));
    const tampered = new URL(callbackUrl);
    tampered.searchParams.set('tenant', contoso.id);
    const response = await arrive(tampered.toString(), browser);
    expect(location(response)).toBe(resultUrl('acme', 'status=error&code=tenant_mismatch'));
    expectNothingStored();
    expectLoggedRefusal('tenant_mismatch');
  });

  it.each<PersonaRole>(['User Administrator', 'No admin role'])('a %s of Contoso cannot connect → not_an_admin', async (role) => {
    const { consentUrl, browser } = await connect();
    const response = await signIn(consentUrl, browser, { tenant: 'Contoso', role });
    expect(location(response)).toBe(resultUrl('acme', 'status=error&code=not_an_admin'));
    expectNothingStored();
    expectLoggedRefusal('not_an_admin');
  });

  it.each<[IdTokenFault, string]>([
    ['unknown_key', 'unknown_key'],
    ['bad_signature', 'signature'],
    ['wrong_audience', 'audience'],
    ['wrong_issuer', 'issuer'],
    ['expired', 'expired'],
    ['other_nonce', 'nonce'],
  ])('an id_token with %s is refused → invalid_id_token (reason %s)', async (fault, reason) => {
    const { consentUrl, browser } = await connect();
    const injected = await fetch(`${sim.origin}/_admin/sign-in/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ idToken: fault }) });
    expect(injected.status).toBe(202);
    const response = await signIn(consentUrl, browser, { tenant: 'Contoso', role: 'Global Administrator' });
    expect(location(response)).toBe(resultUrl('acme', 'status=error&code=invalid_id_token'));
    expectNothingStored();
    expectLoggedRefusal('invalid_id_token');
    expect(logs.some((l) => l.includes(`"reason":"${reason}"`))).toBe(true);
  });

  it('an authorization code cannot be redeemed twice: replaying the sign-in callback is refused', async () => {
    const { consentUrl, browser } = await connect();
    const callbackUrl = await signInAs(consentUrl, { tenant: 'Contoso', role: 'Global Administrator' });
    expect((await arrive(callbackUrl, browser)).status).toBe(302);
    expect(location(await arrive(callbackUrl, browser))).toBe(resultUrl('acme', 'status=error&code=replayed_state'));
  });

  it('the consent step cannot be replayed, and a consent link forwarded to another browser is refused', async () => {
    const { consentUrl, browser } = await connect();
    const afterSignIn = await signIn(consentUrl, browser, { tenant: 'Contoso', role: 'Global Administrator' });
    const { callbackUrl } = await answerConsent(location(afterSignIn));
    // Another browser (no cookie of this flow) completes it: refused, and the state is spent.
    expect(location(await arrive(callbackUrl, null))).toBe(resultUrl('acme', 'status=error&code=browser_mismatch'));
    expect(location(await arrive(callbackUrl, browser))).toBe(resultUrl('acme', 'status=error&code=replayed_state'));
    expectNothingStored();
    expectLoggedRefusal('browser_mismatch');
  });

  it('a sign-in completed in another browser (forwarded sign-in link) is refused before the code is redeemed', async () => {
    const { consentUrl } = await connect();
    const otherBrowser: Browser = { cookies: new Map([['entra_connect_someone', 'a'.repeat(43)]]) };
    const response = await signIn(consentUrl, otherBrowser, { tenant: 'Contoso', role: 'Global Administrator' });
    expect(location(response)).toBe(resultUrl('acme', 'status=error&code=browser_mismatch'));
    expectNothingStored();
  });

  it('an expired state is refused (and its nonce spent)', async () => {
    const { consentUrl, browser } = await connect();
    const callbackUrl = await signInAs(consentUrl, { tenant: 'Contoso', role: 'Global Administrator' });
    h.clock.advance(15 * 60_000 + 1000);
    expect(location(await arrive(callbackUrl, browser))).toBe(resultUrl('acme', 'status=error&code=expired_state'));
    expect(h.nonces.docs.size).toBe(0);
    expectNothingStored();
  });

  it('a tampered, foreign or missing state is refused without naming the company', async () => {
    const { consentUrl, browser } = await connect();
    const callbackUrl = new URL(await signInAs(consentUrl, { tenant: 'Contoso', role: 'Global Administrator' }));
    const state = callbackUrl.searchParams.get('state') ?? '';
    const [body, sig] = state.split('.') as [string, string];
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
    const otherCompany = `${Buffer.from(JSON.stringify({ ...payload, c: 'globex' })).toString('base64url')}.${sig}`;
    const consentStep = `${Buffer.from(JSON.stringify({ ...payload, s: 'consent', t: contoso.id })).toString('base64url')}.${sig}`;
    const signedByOther = signState({ ...(payload as Parameters<typeof signState>[0]) }, 'someone-elses-key-0123456789');
    for (const bad of [otherCompany, consentStep, signedByOther, 'garbage', `${body}.`, 'x'.repeat(600)]) {
      const tamperedUrl = new URL(callbackUrl);
      tamperedUrl.searchParams.set('state', bad);
      expect(location(await arrive(tamperedUrl.toString(), browser))).toBe(resultUrl(null, 'status=error&code=invalid_state'));
    }
    const noState = new URL(callbackUrl);
    noState.searchParams.delete('state');
    expect(location(await arrive(noState.toString(), browser))).toBe(resultUrl(null, 'status=error&code=invalid_state'));
    expectLoggedRefusal('invalid_state');
    // The genuine state still works: failed attempts did not consume it.
    expect(location(await arrive(callbackUrl.toString(), browser))).toContain(`/${contoso.id}/v2.0/adminconsent`);
  });

  it('Cancel at Microsoft: sign-in → sign_in_failed, admin consent → consent_declined', async () => {
    const first = await connect();
    const cancelled = await arrive(await signInAs(first.consentUrl, { tenant: 'Contoso', role: 'Global Administrator' }, 'cancel'), first.browser);
    expect(location(cancelled)).toBe(resultUrl('acme', 'status=error&code=sign_in_failed'));

    const second = await connect();
    const afterSignIn = await signIn(second.consentUrl, second.browser, { tenant: 'Contoso', role: 'Global Administrator' });
    const { callbackUrl } = await answerConsent(location(afterSignIn), 'cancel');
    expect(location(await arrive(callbackUrl, second.browser))).toBe(resultUrl('acme', 'status=error&code=consent_declined'));
    expectNothingStored();
  });

  it('during a key rotation a state signed with the previous key still completes', async () => {
    const { consentUrl, browser } = await connect();
    const callbackUrl = await signInAs(consentUrl, { tenant: 'Contoso', role: 'Global Administrator' });
    h.services.secrets = new StaticSecrets({ 'state-signing-key': 'rotated-state-signing-key-0123456789', 'state-signing-key-previous': 'current-state-signing-key-0123456789' });
    const afterSignIn = await arrive(callbackUrl, browser);
    expect(location(afterSignIn)).toContain(`/${contoso.id}/v2.0/adminconsent`);
    h.services.secrets = new StaticSecrets({ 'state-signing-key': 'rotated-state-signing-key-0123456789' });
    const { callbackUrl: final } = await answerConsent(location(afterSignIn));
    expect(location(await arrive(final, browser))).toBe(resultUrl('acme', 'status=connected'));
  });

  it('reconnecting to the same tenant changes nothing; to another tenant replaces the integration', async () => {
    await fullFlow();
    const first = h.integrations.docs.get('acme')?.value;
    await fullFlow();
    expect(h.integrations.docs.get('acme')?.value).toEqual(first);
    expect(h.queue.on('sync-jobs')).toHaveLength(1);

    h.clock.advance(1000);
    await fullFlow({ tenant: 'Fabrikam', role: 'Global Administrator' });
    const replaced = h.integrations.docs.get('acme')?.value;
    expect(replaced).toMatchObject({ status: 'connected', tenantId: fabrikam.id });
    expect(replaced?.connectionId).not.toBe(first?.connectionId);
    expect(h.queue.on('sync-jobs')).toHaveLength(2);
    // A reconnection that changed nothing is no decision: two entries, the second naming the tenant it replaced.
    expect(h.audit.of('acme').map((e) => (e.action === 'connect' ? e.details : null))).toEqual([
      { tenantId: fabrikam.id, previousTenantId: contoso.id, consentedBy: replaced?.consentedBy },
      { tenantId: contoso.id, previousTenantId: null, consentedBy: first?.consentedBy },
    ]);
  });

  it('one directory, two companies: the tenant admin connects each of them', async () => {
    await fullFlow(undefined, 'acme');
    await fullFlow(undefined, 'acme-subsidiary');
    expect(h.integrations.docs.get('acme')?.value.tenantId).toBe(contoso.id);
    expect(h.integrations.docs.get('acme-subsidiary')?.value.tenantId).toBe(contoso.id);
    expect(h.queue.on('sync-jobs').map((m) => m.sessionId).sort()).toEqual(['acme', 'acme-subsidiary']);
  });

  it('when the job cannot be queued it says so, and the next connect re-sends the same run', async () => {
    const { consentUrl, browser } = await connect();
    const afterSignIn = await signIn(consentUrl, browser, { tenant: 'Contoso', role: 'Global Administrator' });
    const { callbackUrl } = await answerConsent(location(afterSignIn));
    h.queue.failNext = 1;
    expect(location(await arrive(callbackUrl, browser))).toContain('code=internal_error');
    const stuck = h.integrations.docs.get('acme')?.value;
    expect(stuck?.lastSync?.status).toBe('queued');
    expect(h.queue.on('sync-jobs')).toHaveLength(0);

    await fullFlow();
    const jobs = h.queue.on('sync-jobs');
    expect(jobs).toHaveLength(1);
    expect(jobs[0]?.messageId).toBe(stuck?.lastSync?.runId);
  });
});
