import { Timer } from '@azure/functions';
import { subscriptionsRenew } from '../../src/functions/subscriptions-renew.timer';
import { syncReconcile } from '../../src/functions/sync-reconcile.timer';
import { silentLogger } from '../../src/app/logger';
import { SUBSCRIPTION_LIFETIME_MINUTES } from '../../src/domain/graph-subscription';
import { connect, newIntegration } from '../../src/domain/integration';
import { SyncJobSchema } from '../../src/domain/sync-job';
import { SyncState } from '../../src/domain/sync-state';
import { renewSubscriptions } from '../../src/use-cases/renew-subscriptions';
import { reconcileSyncs } from '../../src/use-cases/reconcile-syncs';
import { context, createTestHarness, TestHarness } from '../support/test-services';
import { connectWithSubscription, TENANT_A, tenantFor } from '../support/webhook-fixtures';

const timer: Timer = { isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: '', next: '', lastUpdated: '' } };
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

async function connectOnly(h: TestHarness, companyId: string): Promise<void> {
  const nowIso = h.clock.now().toISOString();
  await h.integrations.save(connect(newIntegration(companyId, nowIso), { tenantId: tenantFor(companyId), admin: { subject: 's', email: null }, nowIso, newConnectionId: `conn-${companyId}` }).integration, null);
}

async function setState(h: TestHarness, companyId: string, lastFullRoundAgoMs: number | null): Promise<void> {
  const at = (ago: number) => new Date(h.clock.now().getTime() - ago).toISOString();
  const state: SyncState = { companyId, connectionId: `conn-${companyId}`, deltaLink: 'https://graph.test.example/v1.0/users/delta?$deltatoken=x', lastFullRoundAt: lastFullRoundAgoMs === null ? null : at(lastFullRoundAgoMs), removalsOutstanding: false, replacedConnection: false, round: null, updatedAt: at(0) };
  await h.services.syncState.save(state, null);
}

describe('timer subscriptions-renew', () => {
  let h: TestHarness;
  beforeEach(async () => {
    h = await createTestHarness();
  });

  it('renews subscriptions expiring within 48 hours (PATCH), leaves the others, and records the new expiry', async () => {
    await connectWithSubscription(h, 'acme');
    await connectWithSubscription(h, 'globex');
    // 27.5 days later: both expire in ~1.5 days.
    h.clock.advance(SUBSCRIPTION_LIFETIME_MINUTES * 60_000 - 36 * HOUR);
    await connectWithSubscription(h, 'initech'); // fresh
    await subscriptionsRenew.handle(timer, context('subscriptions-renew'), h.services);
    expect(h.subscriptions.of('renew').map((c) => c.tenantId)).toHaveLength(2);
    const expected = new Date(h.clock.now().getTime() + SUBSCRIPTION_LIFETIME_MINUTES * 60_000).toISOString();
    for (const companyId of ['acme', 'globex']) {
      const summary = (await h.integrations.get(companyId))?.value.subscription;
      expect(summary?.expiresAt).toBe(expected);
      expect(h.subscriptionStore.docs.get(summary?.id ?? '')?.expiresAt).toBe(expected);
    }
    expect(h.queue.sent).toHaveLength(0);
  });

  it('a subscription Graph no longer has (404) is forgotten and a resubscribing sync queued; its end recreates it', async () => {
    const acme = await connectWithSubscription(h, 'acme');
    h.subscriptions.subs.delete(acme.subscriptionId); // Graph dropped it
    h.clock.advance(SUBSCRIPTION_LIFETIME_MINUTES * 60_000 - HOUR);
    const summary = await renewSubscriptions(h.services, silentLogger);
    expect(summary).toMatchObject({ scanned: 1, recreated: 1, renewed: 0, failed: 0 });
    expect((await h.integrations.get('acme'))?.value.subscription).toBeNull();
    const [job] = h.queue.on('sync-jobs').map((m) => SyncJobSchema.parse(m.body));
    expect(job).toMatchObject({ companyId: 'acme', mode: 'delta', connectionId: acme.connectionId });
    expect(job?.runId).toMatch(/^rs-[0-9a-f]{32}$/);
    // The sync's successful end (the worker) creates a new one:
    const { ensureSubscription } = await import('../../src/use-cases/ensure-subscription');
    expect(await ensureSubscription(h.services, 'acme', silentLogger)).toBe('created');
    expect(h.subscriptions.subs.size).toBe(1);
  });

  it('a connected company without a subscription gets one resubscribing sync per hour; one whose sync is on its way waits', async () => {
    await connectOnly(h, 'acme');
    await connectOnly(h, 'globex');
    const globex = (await h.integrations.get('globex'))!;
    await h.integrations.save({ ...globex.value, lastSync: { runId: 'r1', status: 'queued', trigger: 'connect', mode: 'full', queuedAt: h.clock.now().toISOString(), finishedAt: null } }, globex.etag);
    expect(await renewSubscriptions(h.services, silentLogger)).toMatchObject({ resubscribe: 1, pending: 1 });
    await renewSubscriptions(h.services, silentLogger);
    expect(h.queue.on('sync-jobs').map((m) => m.sessionId)).toEqual(['acme']);
    h.clock.advance(HOUR);
    await renewSubscriptions(h.services, silentLogger);
    expect(h.queue.on('sync-jobs')).toHaveLength(2);
  });

  it('consent gone at renewal → consent_revoked and one e-mail; other companies carry on', async () => {
    await connectWithSubscription(h, 'acme', TENANT_A);
    await connectWithSubscription(h, 'globex');
    h.subscriptions.revoked.add(TENANT_A);
    h.clock.advance(SUBSCRIPTION_LIFETIME_MINUTES * 60_000 - HOUR);
    expect(await renewSubscriptions(h.services, silentLogger)).toMatchObject({ consentRevoked: 1, renewed: 1, failed: 0 });
    expect((await h.integrations.get('acme'))?.value.status).toBe('consent_revoked');
    expect(h.queue.on('notifications').map((m) => (m.body as { kind: string }).kind)).toEqual(['consent-revoked']);
  });

  it('skips disconnected companies, survives one company’s failure, and never has more than 4 Graph calls in flight', async () => {
    for (let i = 0; i < 20; i++) await connectWithSubscription(h, `c${String(i).padStart(2, '0')}`);
    await connectWithSubscription(h, 'gone');
    const gone = (await h.integrations.get('gone'))!;
    await h.integrations.save({ ...gone.value, status: 'disconnected' }, gone.etag);
    h.clock.advance(SUBSCRIPTION_LIFETIME_MINUTES * 60_000 - HOUR);
    let inFlight = 0;
    let peak = 0;
    const renew = h.subscriptions.renew.bind(h.subscriptions);
    h.subscriptions.renew = async (...args) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      // Let the other workers start theirs before this one finishes (no timer: one turn of the event loop).
      await new Promise(setImmediate);
      try {
        return await renew(...args);
      } finally {
        inFlight--;
      }
    };
    h.subscriptions.failNext.set('renew', 'dependency_unavailable');
    const summary = await renewSubscriptions(h.services, silentLogger, { pageSize: 6 });
    expect(summary).toMatchObject({ scanned: 20, renewed: 19, failed: 1 });
    expect(peak).toBeLessThanOrEqual(4);
    expect(peak).toBeGreaterThan(1);
    expect(h.subscriptions.of('renew').every((c) => c.id !== (gone.value.subscription?.id ?? ''))).toBe(true);
  });
});

describe('timer sync-reconcile', () => {
  let h: TestHarness;
  beforeEach(async () => {
    h = await createTestHarness({});
  });

  it('is scheduled from the app setting SYNC_RECONCILE_SCHEDULE', () => {
    expect(syncReconcile.schedule).toBe('%SYNC_RECONCILE_SCHEDULE%');
    expect(h.config.reconcile).toEqual({ schedule: '0 0 */6 * * *', spreadSeconds: 1800, fullRoundDays: 7 });
  });

  it('queues a sync per connected company, spread over the window, full when the last full round is over a week old', async () => {
    const companies = Array.from({ length: 40 }, (_, i) => `co${String(i).padStart(2, '0')}`);
    for (const companyId of companies) {
      await connectOnly(h, companyId);
      await setState(h, companyId, DAY);
    }
    const co01 = (await h.services.syncState.get('co01'))!;
    await h.services.syncState.save({ ...co01.value, lastFullRoundAt: new Date(h.clock.now().getTime() - 8 * DAY).toISOString() }, co01.etag);
    const co02 = (await h.services.syncState.get('co02'))!;
    await h.services.syncState.save({ ...co02.value, lastFullRoundAt: null }, co02.etag);
    await connectOnly(h, 'fresh'); // never synced: no state
    await connectOnly(h, 'gone');
    const gone = (await h.integrations.get('gone'))!;
    await h.integrations.save({ ...gone.value, status: 'disconnected' }, gone.etag);

    await syncReconcile.handle(timer, context('sync-reconcile'), h.services);

    const messages = h.queue.on('sync-jobs');
    const jobs = messages.map((m) => SyncJobSchema.parse(m.body));
    expect(new Set(jobs.map((j) => j.companyId))).toEqual(new Set([...companies, 'fresh']));
    expect(jobs.every((j) => j.trigger === 'schedule' && /^rc-[0-9a-f]{32}$/.test(j.runId))).toBe(true);
    const modes = Object.fromEntries(jobs.map((j) => [j.companyId, j.mode]));
    expect(modes).toMatchObject({ co01: 'full', co02: 'full', fresh: 'full', co03: 'delta', co39: 'delta' });
    expect(Object.values(modes).filter((m) => m === 'full')).toHaveLength(3);

    const now = h.clock.now().getTime();
    const offsets = messages.map((m) => (m.scheduledEnqueueTime?.getTime() ?? now) - now);
    expect(offsets.every((o) => o >= 0 && o < 1800_000)).toBe(true);
    expect(new Set(offsets).size).toBeGreaterThan(35);
    expect(Math.max(...offsets) - Math.min(...offsets)).toBeGreaterThan(1800_000 / 2);
  });

  it('fires twice in a slot without queueing anything twice; skips a company whose sync is on its way', async () => {
    await connectOnly(h, 'acme');
    await connectOnly(h, 'busy');
    const busy = (await h.integrations.get('busy'))!;
    await h.integrations.save({ ...busy.value, lastSync: { runId: 'r', status: 'running', trigger: 'manual', mode: 'delta', queuedAt: h.clock.now().toISOString(), finishedAt: null } }, busy.etag);
    expect(await reconcileSyncs(h.services, silentLogger)).toMatchObject({ scanned: 2, queued: 1, skipped: 1 });
    await reconcileSyncs(h.services, silentLogger);
    expect(h.queue.on('sync-jobs')).toHaveLength(1);
    h.clock.advance(6 * HOUR);
    await reconcileSyncs(h.services, silentLogger);
    // Six hours on, the "running" one is presumed lost and reconciled too.
    expect(h.queue.on('sync-jobs').map((m) => m.sessionId).sort()).toEqual(['acme', 'acme', 'busy']);
  });

  it('SYNC_RECONCILE_SPREAD_SECONDS=0 queues everything at once', async () => {
    const h0 = await createTestHarness({ SYNC_RECONCILE_SPREAD_SECONDS: '0' } as Record<string, string>);
    await connectOnly(h0, 'acme');
    await reconcileSyncs(h0.services, silentLogger);
    expect(h0.queue.on('sync-jobs')[0]?.scheduledEnqueueTime).toBeUndefined();
  });
});
