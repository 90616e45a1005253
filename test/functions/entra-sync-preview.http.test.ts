import { HttpResponseInit } from '@azure/functions';
import { silentLogger } from '../../src/app/logger';
import { connect, newIntegration } from '../../src/domain/integration';
import { SyncJobSchema } from '../../src/domain/sync-job';
import { entraSync } from '../../src/functions/entra-sync.http';
import { entraSyncRunGet, entraSyncRunPreview } from '../../src/functions/entra-sync-runs.http';
import { runSync } from '../../src/use-cases/run-sync';
import { context, createTestHarness, request, TestHarness } from '../support/test-services';

/**
 * Previews through the real HTTP handlers: asking for one (with a proposed settings change),
 * following its run, reading its lists page by page; and the errors a client can meet. The worker
 * runs on the in-memory stores against a one-page directory.
 */

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const member = (n: number, name: string) => ({
  id: id(n),
  displayName: name,
  givenName: name.split(' ')[0],
  surname: name.split(' ')[1],
  mail: `${name.split(' ')[0]?.toLowerCase() ?? ''}@contoso.example`,
  userPrincipalName: `${name.split(' ')[0]?.toLowerCase() ?? ''}@contoso.example`,
  accountEnabled: true,
  userType: 'Member',
  assignedLicenses: [{ skuId: 'e5' }],
});
const DIRECTORY = [
  member(1, 'Adele Vance'),
  member(2, 'Ben Walters'),
  member(3, 'Cara Diaz'),
  { ...member(4, 'Gia Guest'), mail: 'gia@northwind.example', userPrincipalName: 'gia_northwind.example#EXT#@contoso.example', userType: 'Guest', creationType: 'Invitation' },
];

describe('dry-run previews over HTTP', () => {
  let h: TestHarness;
  let token: string;
  beforeEach(async () => {
    h = await createTestHarness();
    token = await h.signer.sign({ companies: ['acme'] });
    h.services.directory = { deltaPage: () => Promise.resolve({ items: DIRECTORY, nextLink: null, deltaLink: 'https://graph.test/delta?token=1' }) };
    const nowIso = h.clock.now().toISOString();
    const outcome = connect(newIntegration('acme', nowIso), { tenantId: '0f8fad5b-d9cb-469f-a165-70867728950e', admin: { subject: 's', email: 'a@acme.example' }, nowIso, newConnectionId: 'conn-1' });
    await h.integrations.save(outcome.integration, null);
  });

  const json = (r: HttpResponseInit) => r.jsonBody as Record<string, unknown>;
  const post = (body: string) => entraSync.handle(request({ method: 'POST', path: 'companies/acme/entra/sync', params: { companyId: 'acme' }, token, body }), context(), h.services);
  const getRun = (runId: string) => entraSyncRunGet.handle(request({ method: 'GET', path: `companies/acme/entra/sync-runs/${runId}`, params: { companyId: 'acme', runId }, token }), context(), h.services);
  const getList = (runId: string, query: string) =>
    entraSyncRunPreview.handle(request({ method: 'GET', path: `companies/acme/entra/sync-runs/${runId}/preview?${query}`, params: { companyId: 'acme', runId }, token }), context(), h.services);
  async function work(): Promise<void> {
    for (let next = h.queue.take('sync-jobs', 'acme'); next; next = h.queue.take('sync-jobs', 'acme'))
      await runSync(h.services, next.message.body, { messageId: next.message.messageId, deliveryCount: 1 }, silentLogger);
  }

  it('a proposed exclude.guests: 202 and a queued preview that is not the company’s last sync; then counts, lists and reasons', async () => {
    const accepted = await post(JSON.stringify({ dryRun: true, settings: { exclude: { guests: true }, autoApprove: 'clean' } }));
    expect(accepted.status).toBe(202);
    const { runId } = json(accepted) as { runId: string };
    expect(json(accepted)).toEqual({ runId, dryRun: true, proposedSettings: true });
    expect((accepted.headers as Record<string, string>).location).toBe(`/api/companies/acme/entra/sync-runs/${runId}`);
    const [job] = h.queue.on('sync-jobs');
    expect(job).toMatchObject({ messageId: runId, sessionId: 'acme' });
    expect(SyncJobSchema.parse(job?.body)).toMatchObject({ runId, dryRun: true, mode: 'full' });
    expect(h.integrations.docs.get('acme')?.value.lastSync).toBeNull();
    expect(h.integrations.docs.get('acme')?.value.settings.exclude.guests).toBe(false);

    const notReady = await getList(runId, 'category=excluded');
    expect(notReady.status).toBe(409);
    expect(json(notReady)).toMatchObject({ code: 'preview_not_ready' });

    await work();
    const run = json(await getRun(runId));
    expect(run).toMatchObject({
      status: 'succeeded',
      dryRun: true,
      counts: { scanned: 4, autoApproved: 3, excluded: 1, newPending: 0 },
      preview: { merged: 0, wouldHold: false, proposedSettings: true, settings: { autoApprove: 'clean', exclude: { guests: true } } },
    });
    const excluded = json(await getList(runId, 'category=excluded'));
    expect(excluded).toMatchObject({ runId, category: 'excluded', nextCursor: null });
    expect(excluded.items).toEqual([
      expect.objectContaining({ id: id(4), displayName: 'Gia Guest', email: 'gia@northwind.example', matchedUserId: null }),
    ]);
    const [guest] = excluded.items as Array<{ reasons: Array<{ code: string; text: string }> }>;
    expect(guest?.reasons).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'excluded.guests' })]));

    // Paging: two at a time, in the directory's order, the cursor opaque.
    const first = json(await getList(runId, 'category=autoApproved&limit=2'));
    expect((first.items as Array<{ id: string }>).map((i) => i.id)).toEqual([id(1), id(2)]);
    expect(typeof first.nextCursor).toBe('string');
    const second = json(await getList(runId, `category=autoApproved&limit=2&cursor=${String(first.nextCursor)}`));
    expect((second.items as Array<{ id: string }>).map((i) => i.id)).toEqual([id(3)]);
    expect(second.nextCursor).toBeNull();
    // Nothing was written for users.
    expect(h.directoryUsers.docs.size).toBe(0);
  });

  it('bad requests: settings without dryRun, unknown settings, a bad category or cursor; a sync is not a preview', async () => {
    const withoutDryRun = await post(JSON.stringify({ settings: { autoApprove: 'clean' } }));
    expect(withoutDryRun.status).toBe(400);
    expect(json(withoutDryRun)).toMatchObject({ code: 'validation_failed', errors: [{ field: 'settings' }] });
    const unknown = await post(JSON.stringify({ dryRun: true, settings: { autoApprove: 'always' } }));
    expect(unknown.status).toBe(400);
    expect(json(unknown).errors).toEqual([expect.objectContaining({ field: 'settings.autoApprove' })]);
    expect(h.queue.on('sync-jobs')).toHaveLength(0);

    const { runId } = json(await post('{"dryRun":true}')) as { runId: string };
    await work();
    expect(json(await getList(runId, 'category=everyone'))).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(json(await getList(runId, 'category=excluded&cursor=bm9wZQ'))).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(json(await getList(runId, 'category=excluded&limit=0'))).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(json(await getList('no-such-run', 'category=excluded'))).toMatchObject({ status: 404, code: 'not_found' });

    const sync = json(await post('{}')) as { runId: string };
    expect(json(await getList(sync.runId, 'category=excluded'))).toMatchObject({ status: 409, code: 'not_a_preview' });
  });
});
