import { silentLogger } from '../../src/app/logger';
import { SUBSCRIPTION_LIFETIME_MINUTES } from '../../src/domain/graph-subscription';
import { SyncJobSchema } from '../../src/domain/sync-job';
import { disconnectIntegration } from '../../src/use-cases/disconnect-integration';
import { getIntegrationStatus } from '../../src/use-cases/integration-status';
import { renewSubscriptions } from '../../src/use-cases/renew-subscriptions';
import { runSync } from '../../src/use-cases/run-sync';
import { startSyncHarness, SyncHarness } from '../support/sync-harness';

/**
 * Webhooks against the simulated tenant (the real Graph SDK client, HTTPS, tokens) and the local
 * Cosmos-protocol server (the real @azure/cosmos client): the subscription the worker creates,
 * real notifications and lifecycle events delivered to the real handlers, renewal, recreation
 * after a 404, consent revocation, disconnect.
 */

const MINUTE = 60_000;

async function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('webhooks with the simulated tenant and the local Cosmos server', () => {
  let h: SyncHarness;
  beforeAll(async () => {
    h = await startSyncHarness({ users: 40, env: { WEBHOOK_COALESCE_SECONDS: '1' } });
  });
  afterAll(async () => {
    await h.close();
  });

  const subs = () => h.sim.directory(h.tenantId).subscriptions();
  const integration = async (companyId = 'acme') => (await h.services.integrations.get(companyId))?.value;
  const record = async (companyId = 'acme') => h.services.subscriptionStore.get((await integration(companyId))?.subscription?.id ?? 'none');
  /** Ages the stored expiry, as if `ms` had passed (the simulator keeps Graph's real one). */
  const expireSoon = async (companyId = 'acme') => {
    const stored = (await h.services.integrations.get(companyId))!;
    const soon = new Date(Date.now() + 60 * MINUTE).toISOString();
    const rec = (await record(companyId))!;
    await h.services.subscriptionStore.put({ ...rec, expiresAt: soon });
    await h.services.integrations.save({ ...stored.value, subscription: { ...stored.value.subscription!, expiresAt: soon } }, stored.etag);
  };
  const runQueued = async (filter: (trigger: string) => boolean) => {
    for (const message of h.queue.on('sync-jobs')) {
      const job = SyncJobSchema.parse(message.body);
      if (!filter(job.trigger)) continue;
      if ((await h.services.syncRuns.get(job.companyId, job.runId))?.status === 'succeeded') continue;
      await runSync(h.services, job, { messageId: message.messageId, deliveryCount: 1 }, silentLogger);
    }
  };

  it('the first successful sync subscribes the company to /users in its tenant; later syncs leave it alone', async () => {
    await h.connectCompany('acme');
    expect((await h.sync('acme')).outcome).toBe('succeeded');
    const [sub] = subs();
    expect(subs()).toHaveLength(1);
    expect(sub).toMatchObject({ resource: '/users', changeType: 'updated,deleted', notificationUrl: `${h.webhooks.url}/api/graph/notifications`, lifecycleNotificationUrl: `${h.webhooks.url}/api/graph/lifecycle` });
    const expiresIn = Date.parse(sub?.expirationDateTime ?? '') - Date.now();
    expect(expiresIn).toBeGreaterThan((SUBSCRIPTION_LIFETIME_MINUTES - 5) * MINUTE);
    expect(expiresIn).toBeLessThanOrEqual(41_760 * MINUTE);
    const rec = await record();
    expect(rec).toMatchObject({ subscriptionId: sub?.id, tenantId: h.tenantId });
    expect(rec?.clientStateHash).not.toBe(sub?.clientState);

    const second = await h.sync('acme');
    expect(second.outcome).toBe('succeeded');
    expect(subs().map((s) => s.id)).toEqual([sub?.id]);
    const status = await getIntegrationStatus(h.services, 'acme');
    expect(status.subscription?.id).toBe(sub?.id);
    expect(status.confirmedInSyncAt).toBe(second.run.finishedAt);
  });

  it('a change in the directory arrives as a verified notification → one coalesced job → the sync picks it up', async () => {
    h.webhooks.forward = true;
    const dir = h.sim.directory(h.tenantId);
    const [someone, other] = dir.listUsers();
    dir.updateUser(someone!.id, { jobTitle: 'Chief Webhook Officer' });
    dir.updateUser(other!.id, { department: 'Notifications' });
    const message = await waitFor(() => h.queue.on('sync-jobs').find((m) => SyncJobSchema.parse(m.body).trigger === 'webhook'), 'the webhook job');
    expect(h.queue.on('sync-jobs').filter((m) => SyncJobSchema.parse(m.body).trigger === 'webhook')).toHaveLength(1);
    expect(message.sessionId).toBe('acme');
    await runQueued((t) => t === 'webhook');
    const stored = await h.services.directoryUsers.getMany('acme', [someone!.id, other!.id]);
    expect(stored.get(someone!.id)?.value.attributes.jobTitle).toBe('Chief Webhook Officer');
    expect(stored.get(other!.id)?.value.attributes.department).toBe('Notifications');
    expect((await integration())?.subscription?.lastNotificationAt).not.toBeNull();
    h.webhooks.forward = false;
  });

  it('a reauthorizationRequired lifecycle event is verified and answered with POST /reauthorize', async () => {
    h.webhooks.forward = true;
    const [sub] = subs();
    const reauthorize = jest.spyOn(h.services.subscriptions, 'reauthorize');
    h.sim.directory(h.tenantId).sendLifecycleEvent(sub!.id, 'reauthorizationRequired');
    await waitFor(() => (h.webhooks.received.some((r) => r.path === '/api/graph/lifecycle') ? true : undefined), 'the lifecycle event');
    expect(reauthorize).toHaveBeenCalledWith(h.tenantId, sub?.id);
    await expect(reauthorize.mock.results[0]?.value).resolves.toBeUndefined();
    reauthorize.mockRestore();
    expect((await integration())?.status).toBe('connected');
    expect(subs().map((s) => s.id)).toEqual([sub?.id]);
    h.webhooks.forward = false;
  });

  it('renews (PATCH) a subscription near expiry', async () => {
    await expireSoon();
    const summary = await renewSubscriptions(h.services, silentLogger);
    expect(summary).toMatchObject({ scanned: 1, renewed: 1, failed: 0 });
    const renewed = (await integration())?.subscription?.expiresAt ?? '';
    expect(Date.parse(renewed) - Date.now()).toBeGreaterThan((SUBSCRIPTION_LIFETIME_MINUTES - 5) * MINUTE);
    expect(subs()[0]?.expirationDateTime).toBe(renewed);
  });

  it('recreates one Graph no longer has (404): a resubscribing sync, whose end subscribes again', async () => {
    const old = subs()[0]!.id;
    await h.services.subscriptions.delete(h.tenantId, old);
    await expireSoon();
    expect(await renewSubscriptions(h.services, silentLogger)).toMatchObject({ recreated: 1 });
    expect((await integration())?.subscription).toBeNull();
    await runQueued((t) => t === 'schedule');
    expect(subs()).toHaveLength(1);
    expect(subs()[0]?.id).not.toBe(old);
    expect((await integration())?.subscription?.id).toBe(subs()[0]?.id);
  });

  it('disconnect deletes it in the tenant, and tolerates one that is already gone', async () => {
    await disconnectIntegration(h.services, 'acme', silentLogger);
    expect(subs()).toHaveLength(0);
    expect(await integration()).toMatchObject({ status: 'disconnected', subscription: null });

    await h.connectCompany('globex');
    await h.sync('globex');
    const id = subs()[0]!.id;
    await h.services.subscriptions.delete(h.tenantId, id);
    await disconnectIntegration(h.services, 'globex', silentLogger);
    expect(await integration('globex')).toMatchObject({ status: 'disconnected', subscription: null });
    expect(await h.services.subscriptionStore.get(id)).toBeNull();
  });

  it('two companies connected to one tenant: one Graph subscription; a directory change reaches both', async () => {
    await h.connectCompany('initech');
    await h.connectCompany('initech-emea');
    await h.sync('initech');
    await h.sync('initech-emea');
    expect(subs()).toHaveLength(1);
    const [sub] = subs();
    expect((await integration('initech'))?.subscription?.id).toBe(sub?.id);
    expect((await integration('initech-emea'))?.subscription?.id).toBe(sub?.id);

    h.webhooks.forward = true;
    try {
      const dir = h.sim.directory(h.tenantId);
      const [someone] = dir.listUsers();
      dir.updateUser(someone!.id, { jobTitle: 'Shared Notification Officer' });
      const webhookJobs = () => h.queue.on('sync-jobs').filter((m) => SyncJobSchema.parse(m.body).trigger === 'webhook' && m.sessionId?.startsWith('initech'));
      await waitFor(() => (new Set(webhookJobs().map((m) => m.sessionId)).size === 2 ? true : undefined), 'a webhook job for each company');
      await runQueued((t) => t === 'webhook');
      for (const companyId of ['initech', 'initech-emea']) {
        const stored = await h.services.directoryUsers.getMany(companyId, [someone!.id]);
        expect(stored.get(someone!.id)?.value.attributes.jobTitle).toBe('Shared Notification Officer');
      }
    } finally {
      h.webhooks.forward = false;
    }
  });

  it('consent revoked in the tenant → Graph’s lifecycle event → reauthorize is refused → every company of the tenant consent_revoked, one e-mail each', async () => {
    expect(subs()).toHaveLength(1);
    h.webhooks.forward = true;
    const before = h.queue.on('notifications').length;
    h.sim.directory(h.tenantId).revokeConsent();
    try {
      for (const companyId of ['initech', 'initech-emea']) await waitFor(async () => ((await integration(companyId))?.status === 'consent_revoked' ? true : undefined), `consent_revoked of ${companyId}`);
      const mails = h.queue.on('notifications').slice(before).map((m) => m.body as { kind: string; companyId: string });
      expect(mails.map((m) => `${m.kind}:${m.companyId}`).sort()).toEqual(['consent-revoked:initech', 'consent-revoked:initech-emea']);
    } finally {
      h.webhooks.forward = false;
      h.sim.directory(h.tenantId).grantConsent();
    }
  });
});
