import { HttpResponseInit } from '@azure/functions';
import { entraConnect } from '../../src/functions/entra-connect.http';
import { entraConsentCallback } from '../../src/functions/entra-consent-callback.http';
import { SyncJobSchema } from '../../src/domain/sync-job';
import { context, createTestHarness, request, TestHarness } from '../support/test-services';

const TENANT_A = '0f8fad5b-d9cb-469f-a165-70867728950e';
const TENANT_B = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

describe('GET /api/entra/consent/callback', () => {
  let h: TestHarness;
  beforeEach(async () => {
    h = await createTestHarness();
  });

  async function issueState(companyId = 'acme', email = 'admin@acme.example'): Promise<string> {
    const token = await h.signer.sign({ companies: [companyId], email });
    const response = await entraConnect.handle(request({ method: 'POST', path: `companies/${companyId}/entra/connect`, params: { companyId }, token }), context(), h.services);
    return new URL((response.jsonBody as { consentUrl: string }).consentUrl).searchParams.get('state') ?? '';
  }

  function callback(query: Record<string, string>): Promise<HttpResponseInit> {
    const qs = new URLSearchParams(query).toString();
    return entraConsentCallback.handle(request({ method: 'GET', path: `entra/consent/callback?${qs}` }), context(), h.services);
  }

  const location = (response: HttpResponseInit) => (response.headers as Record<string, string>).location ?? '';

  it('connects the company, queues the first full sync in its session, and e-mails the admin', async () => {
    const state = await issueState();
    const response = await callback({ admin_consent: 'True', tenant: TENANT_A, state, scope: 'https://graph.microsoft.com/.default' });
    expect(response.status).toBe(302);
    expect(location(response)).toBe('https://admin.test.example/companies/acme/settings/entra?status=connected');

    const integration = h.integrations.docs.get('acme')?.value;
    expect(integration).toMatchObject({ status: 'connected', tenantId: TENANT_A, connectedBy: { email: 'admin@acme.example' } });
    expect(integration?.lastSync).toMatchObject({ status: 'queued', trigger: 'connect', mode: 'full' });

    const jobs = h.queue.on('sync-jobs');
    expect(jobs).toHaveLength(1);
    const job = SyncJobSchema.parse(jobs[0]?.body);
    expect(jobs[0]).toMatchObject({ sessionId: 'acme', messageId: job.runId });
    expect(job).toMatchObject({ companyId: 'acme', mode: 'full', trigger: 'connect', connectionId: integration?.connectionId });
    expect(await h.runs.get('acme', job.runId)).toMatchObject({ status: 'queued', runId: integration?.lastSync?.runId });

    const mails = h.queue.on('notifications');
    expect(mails).toHaveLength(1);
    expect(mails[0]?.body).toMatchObject({ kind: 'integration-connected', to: ['admin@acme.example'], tenantId: TENANT_A });
  });

  it('refuses a replayed state and changes nothing', async () => {
    const state = await issueState();
    await callback({ admin_consent: 'True', tenant: TENANT_A, state });
    const writes = h.integrations.writes;
    const replay = await callback({ admin_consent: 'True', tenant: TENANT_B, state });
    expect(location(replay)).toBe('https://admin.test.example/companies/acme/settings/entra?status=error&code=replayed_state');
    expect(h.integrations.writes).toBe(writes);
    expect(h.integrations.docs.get('acme')?.value.tenantId).toBe(TENANT_A);
    expect(h.queue.on('sync-jobs')).toHaveLength(1);
  });

  it('refuses a tampered or foreign state without naming the company', async () => {
    const state = await issueState();
    const [body, sig] = state.split('.') as [string, string];
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
    const otherCompany = `${Buffer.from(JSON.stringify({ ...payload, c: 'globex' })).toString('base64url')}.${sig}`;
    const flipped = `${body}.${sig.slice(0, -2)}${sig.endsWith('AA') ? 'BB' : 'AA'}`;
    for (const bad of [otherCompany, flipped, 'garbage', `${body}.`, 'x'.repeat(600)]) {
      const response = await callback({ admin_consent: 'True', tenant: TENANT_A, state: bad });
      expect(location(response)).toBe('https://admin.test.example/settings/entra?status=error&code=invalid_state');
    }
    expect((await callback({ admin_consent: 'True', tenant: TENANT_A })).headers).toMatchObject({ location: 'https://admin.test.example/settings/entra?status=error&code=invalid_state' });
    expect(h.integrations.docs.size).toBe(0);
    expect(h.queue.sent).toHaveLength(0);
    // The genuine state is still usable: failed attempts did not consume it.
    expect(location(await callback({ admin_consent: 'True', tenant: TENANT_A, state }))).toContain('status=connected');
  });

  it('refuses an expired state (and burns its nonce)', async () => {
    const state = await issueState();
    h.clock.advance(15 * 60_000 + 1000);
    const response = await callback({ admin_consent: 'True', tenant: TENANT_A, state });
    expect(location(response)).toBe('https://admin.test.example/companies/acme/settings/entra?status=error&code=expired_state');
    expect(h.integrations.docs.size).toBe(0);
    expect(h.nonces.docs.size).toBe(0);
  });

  it('maps a cancelled consent and other Microsoft errors to codes, consuming the state', async () => {
    const declined = await issueState();
    const r1 = await callback({ error: 'access_denied', error_description: 'AADSTS65004: User declined to consent to access the app.', state: declined });
    expect(location(r1)).toBe('https://admin.test.example/companies/acme/settings/entra?status=error&code=consent_declined');
    const failed = await issueState();
    const r2 = await callback({ error: 'invalid_request', error_description: 'AADSTS90094', state: failed });
    expect(location(r2)).toContain('code=consent_failed');
    const notGuid = await issueState();
    expect(location(await callback({ admin_consent: 'True', tenant: 'contoso.onmicrosoft.com', state: notGuid }))).toContain('code=consent_failed');
    const noConsent = await issueState();
    expect(location(await callback({ admin_consent: 'False', tenant: TENANT_A, state: noConsent }))).toContain('code=consent_failed');
    expect(h.integrations.docs.size).toBe(0);
    expect(h.queue.sent).toHaveLength(0);
    // Each state was single-use even though consent failed.
    expect(location(await callback({ admin_consent: 'True', tenant: TENANT_A, state: declined }))).toContain('code=replayed_state');
  });

  it('is idempotent for the same tenant and replaces the integration cleanly for another tenant', async () => {
    await callback({ admin_consent: 'True', tenant: TENANT_A, state: await issueState() });
    const first = h.integrations.docs.get('acme')?.value;
    await callback({ admin_consent: 'True', tenant: TENANT_A.toUpperCase(), state: await issueState() });
    const same = h.integrations.docs.get('acme')?.value;
    expect(same).toEqual(first);
    expect(h.queue.on('sync-jobs')).toHaveLength(1);
    expect(h.queue.on('notifications')).toHaveLength(1);

    await callback({ admin_consent: 'True', tenant: TENANT_B, state: await issueState('acme', 'other@acme.example') });
    const replaced = h.integrations.docs.get('acme')?.value;
    expect(replaced).toMatchObject({ status: 'connected', tenantId: TENANT_B, connectedBy: { email: 'other@acme.example' } });
    expect(replaced?.connectionId).not.toBe(first?.connectionId);
    const jobs = h.queue.on('sync-jobs').map((m) => SyncJobSchema.parse(m.body));
    expect(jobs).toHaveLength(2);
    expect(jobs[1]?.connectionId).toBe(replaced?.connectionId);
  });

  it('keeps companies apart: an MSP connecting two companies gets two integrations', async () => {
    await callback({ admin_consent: 'True', tenant: TENANT_A, state: await issueState('acme') });
    await callback({ admin_consent: 'True', tenant: TENANT_B, state: await issueState('globex') });
    expect(h.integrations.docs.get('acme')?.value.tenantId).toBe(TENANT_A);
    expect(h.integrations.docs.get('globex')?.value.tenantId).toBe(TENANT_B);
    expect(h.queue.on('sync-jobs').map((m) => m.sessionId).sort()).toEqual(['acme', 'globex']);
  });

  it('when the job cannot be queued it says so, and the next consent re-sends the same run', async () => {
    const state = await issueState();
    h.queue.failNext = 1;
    const response = await callback({ admin_consent: 'True', tenant: TENANT_A, state });
    expect(location(response)).toContain('code=internal_error');
    const stuck = h.integrations.docs.get('acme')?.value;
    expect(stuck?.lastSync?.status).toBe('queued');
    expect(h.queue.on('sync-jobs')).toHaveLength(0);

    await callback({ admin_consent: 'True', tenant: TENANT_A, state: await issueState() });
    const jobs = h.queue.on('sync-jobs');
    expect(jobs).toHaveLength(1);
    expect(jobs[0]?.messageId).toBe(stuck?.lastSync?.runId);
  });
});
