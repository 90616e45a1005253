import { HttpResponseInit } from '@azure/functions';
import { entraSync } from '../../src/functions/entra-sync.http';
import { entraSyncRunGet, entraSyncRunsList } from '../../src/functions/entra-sync-runs.http';
import { connect, newIntegration } from '../../src/domain/integration';
import { SyncJobSchema } from '../../src/domain/sync-job';
import { context, createTestHarness, request, TestHarness } from '../support/test-services';

describe('Sync Now and sync runs', () => {
  let h: TestHarness;
  let token: string;
  beforeEach(async () => {
    h = await createTestHarness();
    token = await h.signer.sign({ companies: ['acme'] });
  });

  async function connectAcme(): Promise<void> {
    const nowIso = h.clock.now().toISOString();
    const outcome = connect(newIntegration('acme', nowIso), { tenantId: '0f8fad5b-d9cb-469f-a165-70867728950e', admin: { subject: 's', email: 'a@acme.example' }, nowIso, newConnectionId: 'conn-1' });
    await h.integrations.save(outcome.integration, null);
  }

  const syncNow = (body?: string) => entraSync.handle(request({ method: 'POST', path: 'companies/acme/entra/sync', params: { companyId: 'acme' }, token, ...(body !== undefined ? { body } : {}) }), context(), h.services);
  const json = (r: HttpResponseInit) => r.jsonBody as Record<string, unknown>;

  it('409 not_connected when the company has no live integration', async () => {
    const response = await syncNow();
    expect(response.status).toBe(409);
    expect(json(response)).toMatchObject({ code: 'not_connected' });
    expect(h.queue.sent).toHaveLength(0);
  });

  it('202 with the run and its Location; the job goes on sync-jobs in the company session', async () => {
    await connectAcme();
    const response = await syncNow();
    expect(response.status).toBe(202);
    const body = json(response) as { runId: string; coalesced: boolean; mode: string };
    expect(body).toMatchObject({ coalesced: false, mode: 'delta' });
    expect((response.headers as Record<string, string>).location).toBe(`/api/companies/acme/entra/sync-runs/${body.runId}`);
    const jobs = h.queue.on('sync-jobs');
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ messageId: body.runId, sessionId: 'acme' });
    expect(SyncJobSchema.parse(jobs[0]?.body)).toMatchObject({ runId: body.runId, trigger: 'manual', mode: 'delta', connectionId: 'conn-1' });
    expect(h.integrations.docs.get('acme')?.value.lastSync).toMatchObject({ runId: body.runId, status: 'queued' });
  });

  it('repeated clicks while a run is queued coalesce into it; a full request while a delta waits queues the full one', async () => {
    await connectAcme();
    const first = json(await syncNow()) as { runId: string };
    const second = json(await syncNow('{}')) as { runId: string; coalesced: boolean };
    expect(second).toMatchObject({ runId: first.runId, coalesced: true });
    const full = json(await syncNow('{"full":true}')) as { runId: string; coalesced: boolean; mode: string };
    expect(full).toMatchObject({ coalesced: false, mode: 'full' });
    expect(full.runId).not.toBe(first.runId);
    const fullAgain = json(await syncNow('{"full":false}')) as { runId: string; coalesced: boolean };
    expect(fullAgain).toMatchObject({ runId: full.runId, coalesced: true });
    expect(new Set(h.queue.on('sync-jobs').map((m) => m.messageId))).toEqual(new Set([first.runId, full.runId]));
  });

  it('rejects bad bodies without queueing anything', async () => {
    await connectAcme();
    for (const body of ['{"full":"yes"}', '{"fast":true}', '[', '"full"']) {
      const response = await syncNow(body);
      expect(response.status).toBe(400);
    }
    expect(h.queue.sent).toHaveLength(0);
  });

  it('lists runs newest first and reads one; unknown or malformed run ids are 404', async () => {
    await connectAcme();
    const first = json(await syncNow()) as { runId: string };
    h.clock.advance(1000);
    const second = json(await syncNow('{"full":true}')) as { runId: string };
    const list = await entraSyncRunsList.handle(request({ method: 'GET', path: 'companies/acme/entra/sync-runs?limit=10', params: { companyId: 'acme' }, token }), context(), h.services);
    expect(list.status).toBe(200);
    const items = (json(list).items as Array<{ runId: string; status: string; counts: Record<string, number> }>).map((r) => r.runId);
    expect(items).toEqual([second.runId, first.runId]);
    const one = await entraSyncRunGet.handle(request({ method: 'GET', path: `companies/acme/entra/sync-runs/${first.runId}`, params: { companyId: 'acme', runId: first.runId }, token }), context(), h.services);
    expect(json(one)).toMatchObject({ runId: first.runId, status: 'queued', trigger: 'manual', mode: 'delta', counts: { scanned: 0, newPending: 0 }, startedAt: null, finishedAt: null, error: null });
    for (const runId of ['nope', '../x', 'a'.repeat(80)]) {
      const missing = await entraSyncRunGet.handle(request({ method: 'GET', path: 'x', params: { companyId: 'acme', runId }, token }), context(), h.services);
      expect(missing.status).toBe(404);
    }
    const badLimit = await entraSyncRunsList.handle(request({ method: 'GET', path: 'companies/acme/entra/sync-runs?limit=0', params: { companyId: 'acme' }, token }), context(), h.services);
    expect(badLimit.status).toBe(400);
  });

  it('is authorized per company like every route', async () => {
    await connectAcme();
    const other = await h.signer.sign({ companies: ['globex'] });
    const response = await entraSync.handle(request({ method: 'POST', path: 'companies/acme/entra/sync', params: { companyId: 'acme' }, token: other }), context(), h.services);
    expect(response.status).toBe(403);
  });
});

describe('releasing held deactivations', () => {
  it('queues a release run (never coalesced into a waiting sync) and rejects bodies', async () => {
    const { entraHeldRelease } = await import('../../src/functions/entra-held-release.http');
    const h = await createTestHarness();
    const token = await h.signer.sign({ companies: ['acme'] });
    const call = (body?: string) => entraHeldRelease.handle(request({ method: 'POST', path: 'companies/acme/entra/held-deactivations/release', params: { companyId: 'acme' }, token, ...(body !== undefined ? { body } : {}) }), context(), h.services);
    expect((await call()).status).toBe(409);
    const nowIso = h.clock.now().toISOString();
    await h.integrations.save(connect(newIntegration('acme', nowIso), { tenantId: '0f8fad5b-d9cb-469f-a165-70867728950e', admin: { subject: 's', email: null }, nowIso, newConnectionId: 'conn-1' }).integration, null);
    const first = await call();
    const second = await call('{}');
    expect(first.status).toBe(202);
    expect((second.jsonBody as { runId: string }).runId).not.toBe((first.jsonBody as { runId: string }).runId);
    expect(h.queue.on('sync-jobs').map((m) => SyncJobSchema.parse(m.body).releaseHeld)).toEqual([true, true]);
    expect((await call('{"all":true}')).status).toBe(400);
  });
});
