import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localToken, startStackProcess, StackProcess } from '../support/local-stack-process';

/**
 * The consent flow end to end, as a user drives it: a token from `npm run token`, the connect
 * call, Microsoft's (stand-in) consent page, its form, the redirect to the callback, and the
 * redirect to the admin UI; then the status, the queued sync job and the e-mail.
 */

const STATE_TTL_SECONDS = 4;

interface ConsentPage {
  action: string;
  fields: Record<string, string>;
  tenants: string[];
}

function parseConsentPage(html: string, pageUrl: string): ConsentPage {
  const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
  if (!action) throw new Error('consent page has no form');
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) fields[m[1] ?? ''] = (m[2] ?? '').replace(/&amp;/g, '&');
  const tenants = [...html.matchAll(/<input type="radio" name="tenant" value="([^"]+)"/g)].map((m) => m[1] ?? '');
  return { action: new URL(action, pageUrl).toString(), fields, tenants };
}

describe('e2e: connecting a company through the local stack', () => {
  let dataDir: string;
  let stack: StackProcess;
  let token: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'entra-sync-e2e-'));
    stack = await startStackProcess({ dataDir, env: { CONSENT_STATE_TTL_SECONDS: String(STATE_TTL_SECONDS) } });
    token = await localToken(dataDir, ['--companies', 'acme,globex,initech,umbrella', '--email', 'admin@msp.example']);
  }, 60_000);

  afterAll(async () => {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${stack.url}/api/${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string> | undefined) } });

  async function connectUrl(companyId: string): Promise<string> {
    const response = await api(`companies/${companyId}/entra/connect`, { method: 'POST' });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { consentUrl: string; expiresAt: string };
    expect(new URL(body.consentUrl).pathname).toBe('/_local/login/organizations/v2.0/adminconsent');
    return body.consentUrl;
  }

  /** Follows the consent page like a browser: load it, submit the form with a decision. Returns the callback URL Microsoft redirects to. */
  async function decide(consentUrl: string, decision: 'accept' | 'cancel', tenantIndex = 0): Promise<{ callbackUrl: string; tenant: string }> {
    const page = await fetch(consentUrl);
    expect(page.status).toBe(200);
    const form = parseConsentPage(await page.text(), consentUrl);
    const tenant = form.tenants[tenantIndex] ?? '';
    const submitted = await fetch(form.action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...form.fields, tenant, decision }).toString(),
      redirect: 'manual',
    });
    expect(submitted.status).toBe(302);
    return { callbackUrl: submitted.headers.get('location') ?? '', tenant };
  }

  /** The browser arriving at our callback: returns where we send it. */
  async function arrive(callbackUrl: string): Promise<URL> {
    expect(callbackUrl.startsWith(`${stack.url}/api/entra/consent/callback?`)).toBe(true);
    const response = await fetch(callbackUrl, { redirect: 'manual' });
    expect(response.status).toBe(302);
    return new URL(response.headers.get('location') ?? '');
  }

  const status = async (companyId: string) => (await (await api(`companies/${companyId}/entra`)).json()) as Record<string, unknown> & { lastSync: { runId: string; status: string } | null };

  async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, ms = 10_000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 150));
    }
  }

  let acceptedCallbackUrl = '';

  it('accept: connected, first full sync queued in the company session, confirmation e-mail sent', async () => {
    const { callbackUrl, tenant } = await decide(await connectUrl('acme'), 'accept');
    acceptedCallbackUrl = callbackUrl;
    const landing = await arrive(callbackUrl);
    expect(landing.pathname).toBe('/console/companies/acme/settings/entra');
    expect(landing.searchParams.get('status')).toBe('connected');
    // The admin console (the local stand-in for Symbol's admin UI) serves the page the banner is on.
    const landingPage = await fetch(landing);
    expect(landingPage.status).toBe(200);
    expect(await landingPage.text()).toContain('<div id="root">');

    const current = await status('acme');
    expect(current).toMatchObject({ companyId: 'acme', status: 'connected', tenantId: tenant });
    // The first full import was queued on connect; the sync worker may already be running it.
    expect(current.lastSync).toMatchObject({ trigger: 'connect', mode: 'full' });
    expect(['queued', 'running', 'succeeded']).toContain(current.lastSync?.status);
    const run = (await (await api(`companies/acme/entra/sync-runs/${current.lastSync?.runId ?? ''}`)).json()) as { trigger: string; mode: string; status: string };
    expect(run).toMatchObject({ trigger: 'connect', mode: 'full' });
    const done = await waitFor(async () => {
      const s = await status('acme');
      return s.lastSync?.status === 'succeeded' ? s : undefined;
    }, 'the first import');
    expect((done.counts as { pending: number }).pending).toBeGreaterThan(0);

    const mail = await waitFor(async () => {
      const outbox = (await (await fetch(`${stack.url}/_local/outbox`)).json()) as { messages: Array<{ to: string[]; subject: string; text: string; html: string }> };
      return outbox.messages.find((m) => m.to.includes('admin@msp.example'));
    }, 'the confirmation e-mail');
    expect(mail.subject).toBe('Microsoft Entra ID is connected');
    expect(mail.text).toContain(tenant);
    expect(mail.html).toContain('/companies/acme/users/pending');
  });

  it('replayed state: the same callback again connects nothing more', async () => {
    const before = await status('acme');
    const landing = await arrive(acceptedCallbackUrl);
    expect(landing.searchParams.get('status')).toBe('error');
    expect(landing.searchParams.get('code')).toBe('replayed_state');
    const after = await status('acme');
    expect(after).toEqual(before);
    expect(((await (await api('companies/acme/entra/sync-runs')).json()) as { items: unknown[] }).items).toHaveLength(1);
  });

  it('cancel: nothing connected, consent_declined', async () => {
    const { callbackUrl } = await decide(await connectUrl('globex'), 'cancel');
    expect(new URL(callbackUrl).searchParams.get('error')).toBe('access_denied');
    const landing = await arrive(callbackUrl);
    expect(landing.pathname).toBe('/console/companies/globex/settings/entra');
    expect(Object.fromEntries(landing.searchParams)).toEqual({ status: 'error', code: 'consent_declined' });
    expect(await status('globex')).toMatchObject({ status: 'not_connected', tenantId: null, lastSync: null });
  });

  it('tampered state: nothing connected, invalid_state, and the company is not named', async () => {
    const { callbackUrl } = await decide(await connectUrl('initech'), 'accept');
    const url = new URL(callbackUrl);
    const state = url.searchParams.get('state') ?? '';
    const [body, signature] = state.split('.') as [string, string];
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
    url.searchParams.set('state', `${Buffer.from(JSON.stringify({ ...payload, c: 'umbrella' })).toString('base64url')}.${signature}`);
    const landing = await arrive(url.toString());
    expect(landing.pathname).toBe('/console/settings/entra');
    expect(Object.fromEntries(landing.searchParams)).toEqual({ status: 'error', code: 'invalid_state' });
    expect((await status('umbrella')).status).toBe('not_connected');
    expect((await status('initech')).status).toBe('not_connected');
  });

  it('expired state: nothing connected, expired_state', async () => {
    const consentUrl = await connectUrl('initech');
    await new Promise((r) => setTimeout(r, (STATE_TTL_SECONDS + 1) * 1000));
    const { callbackUrl } = await decide(consentUrl, 'accept', 1);
    const landing = await arrive(callbackUrl);
    expect(Object.fromEntries(landing.searchParams)).toEqual({ status: 'error', code: 'expired_state' });
    expect((await status('initech')).status).toBe('not_connected');
  }, 20_000);

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
    stack = await startStackProcess({ dataDir, env: { CONSENT_STATE_TTL_SECONDS: String(STATE_TTL_SECONDS) } });
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
