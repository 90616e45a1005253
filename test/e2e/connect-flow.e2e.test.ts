import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localToken, startStackProcess, StackProcess, waitFor } from '../support/local-stack-process';
import { answerConsent, cookieHeader, cookieString, signInAs } from '../support/microsoft-login';

/**
 * The connect flow end to end, as a person drives it: a token from `npm run token`, the connect
 * call (which binds the flow to this "browser" with a cookie), Microsoft's (stand-in) sign-in and
 * admin-consent pages, the redirects to our callback, and the landing in the admin UI; then the
 * status, the queued sync job and the e-mail. Also the attacks the flow must refuse.
 */

interface Flow {
  consentUrl: string;
  jar: Map<string, string>;
}

describe('e2e: connecting a company through the local stack', () => {
  let dataDir: string;
  let stack: StackProcess;
  let token: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'entra-sync-e2e-'));
    stack = await startStackProcess({ dataDir });
    token = await localToken(dataDir, ['--companies', 'acme,globex,initech,umbrella,evil', '--email', 'admin@msp.example']);
  }, 60_000);

  afterAll(async () => {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${stack.url}/api/${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string> | undefined) } });

  async function start(companyId: string): Promise<Flow> {
    const response = await api(`companies/${companyId}/entra/connect`, { method: 'POST' });
    expect(response.status).toBe(200);
    const jar = cookieHeader(response);
    expect(jar.size).toBe(1);
    const setCookie = response.headers.getSetCookie()[0] ?? '';
    expect(setCookie).toMatch(/; Path=\/api\/entra\/consent\/callback; Max-Age=900; HttpOnly; SameSite=Lax$/);
    const body = (await response.json()) as { consentUrl: string; expiresAt: string };
    expect(new URL(body.consentUrl).pathname).toBe('/_local/login/organizations/oauth2/v2.0/authorize');
    return { consentUrl: body.consentUrl, jar };
  }

  /** The browser arriving at our callback (with or without the flow's cookie): returns where we send it. */
  async function arrive(callbackUrl: string, jar: Map<string, string> | null): Promise<URL> {
    expect(callbackUrl.startsWith(`${stack.url}/api/entra/consent/callback?`)).toBe(true);
    const response = await fetch(callbackUrl, { redirect: 'manual', ...(jar ? { headers: { cookie: cookieString(jar) } } : {}) });
    expect(response.status).toBe(302);
    if (jar) cookieHeader(response, jar);
    return new URL(response.headers.get('location') ?? '');
  }

  const landed = (url: URL) => ({ path: url.pathname, ...Object.fromEntries(url.searchParams) });
  const status = async (companyId: string) => (await (await api(`companies/${companyId}/entra`)).json()) as Record<string, unknown> & { lastSync: { runId: string; status: string } | null };
  const runsOf = async (companyId: string) => ((await (await api(`companies/${companyId}/entra/sync-runs`)).json()) as { items: unknown[] }).items;

  let contosoId = '';
  let acceptedCallbackUrl = '';
  let acceptedJar = new Map<string, string>();

  it('the honest flow: Contoso’s Global Administrator signs in, consents, and the company is connected; the first import runs', async () => {
    const flow = await start('acme');
    const consentStep = await arrive(await signInAs(flow.consentUrl, { tenant: 'Contoso', role: 'Global Administrator' }), flow.jar);
    expect(consentStep.pathname).toMatch(/^\/_local\/login\/[0-9a-f-]{36}\/v2\.0\/adminconsent$/);
    const { callbackUrl, tenants } = await answerConsent(consentStep.toString());
    contosoId = tenants[0] ?? '';
    acceptedCallbackUrl = callbackUrl;
    acceptedJar = new Map(flow.jar);
    const landing = await arrive(callbackUrl, flow.jar);
    expect(landing.pathname).toBe('/console/companies/acme/settings/entra');
    expect(landed(landing)).toMatchObject({ status: 'connected' });
    // The flow's cookie was cleared.
    expect(flow.jar.size).toBe(0);
    // The admin console (the local stand-in for Symbol's admin UI) serves the page the banner is on.
    const landingPage = await fetch(landing);
    expect(landingPage.status).toBe(200);
    expect(await landingPage.text()).toContain('<div id="root">');

    const current = await status('acme');
    expect(current).toMatchObject({ companyId: 'acme', status: 'connected', tenantId: contosoId });
    expect(current.lastSync).toMatchObject({ trigger: 'connect', mode: 'full' });
    const done = await waitFor(async () => {
      const s = await status('acme');
      // The run's last step subscribes the tenant: wait for that too, so later reads see a settled state.
      return s.lastSync?.status === 'succeeded' && s.subscription !== null ? s : undefined;
    }, 'the first import and the subscription');
    expect((done.counts as { pending: number }).pending).toBeGreaterThan(0);

    const mail = await waitFor(async () => {
      const outbox = (await (await fetch(`${stack.url}/_local/outbox`)).json()) as { messages: Array<{ to: string[]; subject: string; text: string; html: string }> };
      return outbox.messages.find((m) => m.to.includes('admin@msp.example'));
    }, 'the confirmation e-mail');
    expect(mail.subject).toBe('Microsoft Entra ID is connected');
    expect(mail.text).toContain(contosoId);
    expect(mail.html).toContain('/companies/acme/users/pending');
  });

  it('the attack: another company forges Microsoft’s redirect with Contoso’s tenant and no sign-in → refused, nothing stored or queued', async () => {
    const flow = await start('evil');
    const state = new URL(flow.consentUrl).searchParams.get('state') ?? '';
    const forged = `${stack.url}/api/entra/consent/callback?${new URLSearchParams({ admin_consent: 'True', tenant: contosoId, state }).toString()}`;
    expect(landed(await arrive(forged, flow.jar))).toMatchObject({ status: 'error', code: 'sign_in_failed' });
    expect(await status('evil')).toMatchObject({ status: 'not_connected', tenantId: null, lastSync: null });
    expect(await runsOf('evil')).toHaveLength(0);
    expect(await status('acme')).toMatchObject({ status: 'connected', tenantId: contosoId });
  });

  it('a replayed final callback connects nothing more', async () => {
    const before = await status('acme');
    expect(landed(await arrive(acceptedCallbackUrl, acceptedJar))).toMatchObject({ status: 'error', code: 'replayed_state' });
    expect(await status('acme')).toEqual(before);
    expect(await runsOf('acme')).toHaveLength(1);
  });

  it('a person without an admin role cannot connect (not_an_admin)', async () => {
    const flow = await start('globex');
    const landing = await arrive(await signInAs(flow.consentUrl, { tenant: 'Contoso', role: 'No admin role' }), flow.jar);
    expect(landed(landing)).toMatchObject({ status: 'error', code: 'not_an_admin' });
    expect(landing.pathname).toMatch(/\/companies\/globex\/settings\/entra$/);
    expect((await status('globex')).status).toBe('not_connected');
  });

  it('Fabrikam’s admin signed in, but the consent callback names Contoso → tenant_mismatch', async () => {
    const flow = await start('globex');
    const consentStep = await arrive(await signInAs(flow.consentUrl, { tenant: 'Fabrikam', role: 'Global Administrator' }), flow.jar);
    const { callbackUrl } = await answerConsent(consentStep.toString());
    const tampered = new URL(callbackUrl);
    tampered.searchParams.set('tenant', contosoId);
    expect(landed(await arrive(tampered.toString(), flow.jar))).toMatchObject({ status: 'error', code: 'tenant_mismatch' });
    expect((await status('globex')).status).toBe('not_connected');
  });

  it('a consent link completed in another browser (no cookie of the flow) → browser_mismatch', async () => {
    const flow = await start('initech');
    const consentStep = await arrive(await signInAs(flow.consentUrl, { tenant: 'Fabrikam', role: 'Global Administrator' }), flow.jar);
    const { callbackUrl } = await answerConsent(consentStep.toString());
    expect(landed(await arrive(callbackUrl, null))).toMatchObject({ status: 'error', code: 'browser_mismatch' });
    expect((await status('initech')).status).toBe('not_connected');
  });

  it('cancel at the consent page: nothing connected, consent_declined', async () => {
    const flow = await start('globex');
    const consentStep = await arrive(await signInAs(flow.consentUrl, { tenant: 'Fabrikam', role: 'Global Administrator' }), flow.jar);
    const { callbackUrl } = await answerConsent(consentStep.toString(), 'cancel');
    expect(new URL(callbackUrl).searchParams.get('error')).toBe('access_denied');
    const landing = await arrive(callbackUrl, flow.jar);
    expect(landing.pathname).toBe('/console/companies/globex/settings/entra');
    expect(Object.fromEntries(landing.searchParams)).toEqual({ status: 'error', code: 'consent_declined' });
    expect(await status('globex')).toMatchObject({ status: 'not_connected', tenantId: null, lastSync: null });
  });

  it('tampered state: nothing connected, invalid_state, and the company is not named', async () => {
    const flow = await start('initech');
    const url = new URL(await signInAs(flow.consentUrl, { tenant: 'Fabrikam', role: 'Global Administrator' }));
    const [body, signature] = (url.searchParams.get('state') ?? '').split('.') as [string, string];
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
    url.searchParams.set('state', `${Buffer.from(JSON.stringify({ ...payload, c: 'umbrella' })).toString('base64url')}.${signature}`);
    const landing = await arrive(url.toString(), flow.jar);
    expect(landing.pathname).toBe('/console/settings/entra');
    expect(Object.fromEntries(landing.searchParams)).toEqual({ status: 'error', code: 'invalid_state' });
    expect((await status('umbrella')).status).toBe('not_connected');
    expect((await status('initech')).status).toBe('not_connected');
  });

  it('authorization over HTTP: 401 without a token, 403 for another company, problem+json', async () => {
    const anonymous = await fetch(`${stack.url}/api/companies/acme/entra`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toBe('application/problem+json');
    expect(await anonymous.json()).toMatchObject({ code: 'unauthorized', status: 401 });
    const other = await api('companies/wayne/entra');
    expect(other.status).toBe(403);
    expect(await other.json()).toMatchObject({ code: 'forbidden' });
    const unknownRoute = await api('companies/acme/nothing-here');
    expect(unknownRoute.status).toBe(404);
  });

  it('state survives a restart of the stack (integration, runs, directory users, queued jobs)', async () => {
    // A Sync Now queued just before the stop: the job must still be there after the restart.
    const sync = (await (await api('companies/acme/entra/sync', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })).json()) as { runId: string };
    expect(await stack.stop()).toBe(0);
    stack = await startStackProcess({ dataDir });
    const after = await status('acme');
    expect(after).toMatchObject({ status: 'connected' });
    expect((after.counts as { pending: number }).pending).toBeGreaterThan(0);
    const run = await waitFor(async () => {
      const r = (await (await api(`companies/acme/entra/sync-runs/${sync.runId}`)).json()) as { status: string };
      return r.status === 'succeeded' ? r : undefined;
    }, 'the Sync Now queued before the restart');
    expect(run.status).toBe('succeeded');
  }, 60_000);
});
