import { CosmosIntegrationStore } from '../../src/adapters/cosmos/cosmos-integration-store';
import { CosmosSyncRunStore } from '../../src/adapters/cosmos/cosmos-sync-run-store';
import { Services } from '../../src/app/services';
import { entraSync } from '../../src/functions/entra-sync.http';
import { connect, newIntegration } from '../../src/domain/integration';
import { UNDERWAY_FOR_MS } from '../../src/domain/reconciliation';
import { SyncJobSchema } from '../../src/domain/sync-job';
import { JobQueue, OutboundMessage, QueueName } from '../../src/ports/job-queue.port';
import { updateIntegration } from '../../src/use-cases/integration-updates';
import { lastSyncOf } from '../../src/use-cases/enqueue-sync';
import { CosmosTestEnv, startCosmosTestEnv } from '../adapters/cosmos/cosmos-test-env';
import { context, createTestHarness, request, TestHarness } from '../support/test-services';

/**
 * Sync Now clicked several times at once, against the real Cosmos client and the local
 * Cosmos-protocol server (real etags, real concurrent requests): exactly one answer per run says
 * it created the run, every other click joins it, and no second run appears — also when the worker
 * picks the run up between two clicks, as the local broker and Service Bus both may.
 */

interface SyncNowAnswer {
  runId: string;
  coalesced: boolean;
  mode: string;
}

/** A queue whose worker starts a run the moment its job is sent (marks it running, as runSync does first). */
class EagerWorkerQueue implements JobQueue {
  readonly sent: Array<{ queue: QueueName; message: OutboundMessage }> = [];
  constructor(private readonly services: () => Services) {}

  async send(queue: QueueName, message: OutboundMessage): Promise<void> {
    this.sent.push({ queue, message });
    const job = SyncJobSchema.parse(message.body);
    const { syncRuns } = this.services();
    const run = await syncRuns.get(job.companyId, job.runId);
    if (!run || run.status !== 'queued') return;
    const running = await syncRuns.update({ ...run, status: 'running', startedAt: this.services().clock.now().toISOString(), invocations: 1 });
    await updateIntegration(this.services(), job.companyId, (current, nowIso) => ({ next: { ...current, lastSync: lastSyncOf(running), updatedAt: nowIso }, result: undefined }));
  }
}

describe('Sync Now under concurrent clicks (real Cosmos)', () => {
  let env: CosmosTestEnv;
  let h: TestHarness;
  let services: Services;
  let token: string;
  let company = 0;

  beforeAll(async () => {
    env = await startCosmosTestEnv('test-sync-now-concurrency');
  });
  afterAll(async () => {
    await env.close();
  });

  beforeEach(async () => {
    h = await createTestHarness();
    services = { ...h.services, integrations: new CosmosIntegrationStore(env.database), syncRuns: new CosmosSyncRunStore(env.database) };
    token = await h.signer.sign({ companies: '*' });
    company += 1;
  });

  async function connectCompany(companyId: string): Promise<void> {
    const nowIso = h.clock.now().toISOString();
    await services.integrations.save(connect(newIntegration(companyId, nowIso), { tenantId: '0f8fad5b-d9cb-469f-a165-70867728950e', admin: { subject: 's', email: null }, nowIso, newConnectionId: `conn-${companyId}` }).integration, null);
  }

  const click = async (companyId: string, withServices: Services, body = '{}'): Promise<SyncNowAnswer> => {
    const response = await entraSync.handle(request({ method: 'POST', path: `companies/${companyId}/entra/sync`, params: { companyId }, token, body }), context(), withServices);
    if (response.status !== 202) throw new Error(`Sync Now answered ${String(response.status)}: ${JSON.stringify(response.jsonBody)}`);
    return response.jsonBody as SyncNowAnswer;
  };

  const runsOf = async (companyId: string) => (await services.syncRuns.list(companyId, { limit: 50, cursor: null })).items;

  it('eight simultaneous clicks on an idle company: one run, created by exactly one of them', async () => {
    const companyId = `idle-${company}`;
    await connectCompany(companyId);
    const answers = await Promise.all(Array.from({ length: 8 }, () => click(companyId, services)));
    expect(answers.filter((a) => !a.coalesced)).toHaveLength(1);
    expect(new Set(answers.map((a) => a.runId)).size).toBe(1);
    const runs = await runsOf(companyId);
    expect(runs.map((r) => r.runId)).toEqual([answers[0]?.runId]);
    expect(new Set(h.queue.on('sync-jobs').map((m) => m.messageId))).toEqual(new Set([answers[0]?.runId]));
  });

  it('clicks racing a worker that starts the run at once: still one run, one creator', async () => {
    const companyId = `eager-${company}`;
    await connectCompany(companyId);
    const queue = new EagerWorkerQueue(() => eager);
    const eager: Services = { ...services, queue };
    const answers = await Promise.all(Array.from({ length: 6 }, () => click(companyId, eager)));
    expect(answers.filter((a) => !a.coalesced)).toHaveLength(1);
    expect(new Set(answers.map((a) => a.runId)).size).toBe(1);
    const runs = await runsOf(companyId);
    expect(runs).toHaveLength(1);
    expect(runs[0]?.status).toBe('running');
    // A later click while it runs joins it too.
    expect(await click(companyId, eager)).toEqual({ runId: runs[0]?.runId, coalesced: true, mode: 'delta' });
  });

  it('a new run once the last one finished; a full request during a delta run queues the full one; a lost run is not joined', async () => {
    const companyId = `after-${company}`;
    await connectCompany(companyId);
    const first = await click(companyId, services);
    const run = await services.syncRuns.get(companyId, first.runId);
    if (!run) throw new Error('no run');
    const finished = await services.syncRuns.update({ ...run, status: 'succeeded', startedAt: run.queuedAt, finishedAt: h.clock.now().toISOString() });
    await updateIntegration(services, companyId, (current, nowIso) => ({ next: { ...current, lastSync: lastSyncOf(finished), updatedAt: nowIso }, result: undefined }));

    const [a, b] = await Promise.all([click(companyId, services), click(companyId, services)]);
    expect([a.coalesced, b.coalesced].sort()).toEqual([false, true]);
    expect(a.runId).toBe(b.runId);
    expect(a.runId).not.toBe(first.runId);

    const [full1, full2] = await Promise.all([click(companyId, services, '{"full":true}'), click(companyId, services, '{"full":true}')]);
    expect([full1.coalesced, full2.coalesced].sort()).toEqual([false, true]);
    expect(full1).toMatchObject({ runId: full2.runId, mode: 'full' });
    expect(full1.runId).not.toBe(a.runId);

    // Underway for longer than a run can take: presumed lost, so a click starts afresh.
    h.clock.advance(UNDERWAY_FOR_MS + 1000);
    const later = await click(companyId, services);
    expect(later.coalesced).toBe(false);
    expect(later.runId).not.toBe(full1.runId);
    expect(await runsOf(companyId)).toHaveLength(4);
  });
});
