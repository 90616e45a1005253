import { silentLogger } from '../../src/app/logger';
import { SUBSCRIPTION_LIFETIME_MINUTES } from '../../src/domain/graph-subscription';
import { SyncJobSchema } from '../../src/domain/sync-job';
import { disconnectIntegration } from '../../src/use-cases/disconnect-integration';
import { getIntegrationStatus } from '../../src/use-cases/integration-status';
import { renewSubscriptions } from '../../src/use-cases/renew-subscriptions';
import { startSyncHarness, SyncHarness } from '../support/sync-harness';
import { ADMIN_PRINCIPAL as ADMIN } from '../support/test-services';

/**
 * Webhooks against the simulated tenant (the real Graph SDK client, HTTPS, tokens) and the local
 * Cosmos-protocol server (the real @azure/cosmos client): the subscription the worker creates,
 * real notifications and lifecycle events delivered to the real handlers, renewal, recreation
 * after a 404, consent revocation, disconnect. Each test has its own company in its own tenant
 * (one subscription per tenant); the application's time is a test clock, so a coalescing window
 * never closes between two notifications of one test, and the tenant posts its notifications when
 * a test says so (`sendNotifications`), so nothing is polled for.
 */

const MINUTE = 60_000;
const TENANT = {
  subscribe: 0,
  notify: 1,
  lifecycle: 2,
  renew: 3,
  recreate: 4,
  disconnect: 5,
  revoke: 6,
  shared: 7,
} as const;

describe('webhooks with the simulated tenant and the local Cosmos server', () => {
  let h: SyncHarness;
  beforeAll(async () => {
    h = await startSyncHarness({
      users: 40,
      tenants: Object.keys(TENANT).length,
      env: { WEBHOOK_COALESCE_SECONDS: '1' },
    });
  }, 60_000);
  afterAll(async () => {
    await h.close();
  });
  afterEach(() => {
    h.webhooks.forward = false;
  });

  const tenant = (key: keyof typeof TENANT) => h.tenantIds[TENANT[key]] ?? '';
  const subs = (key: keyof typeof TENANT) => h.sim.directory(tenant(key)).subscriptions();
  const integration = async (companyId: string) => (await h.services.integrations.get(companyId))?.value;
  const record = async (companyId: string) =>
    h.services.subscriptionStore.get((await integration(companyId))?.subscription?.id ?? 'none');
  /** A company in the tenant, imported and subscribed by its first sync. */
  const subscribed = async (companyId: string, key: keyof typeof TENANT) => {
    await h.connectCompany(companyId, {}, tenant(key));
    expect((await h.sync(companyId)).outcome).toBe('succeeded');
    expect(subs(key)).toHaveLength(1);
  };
  /** Ages the stored expiry, as if it were an hour away (the simulator keeps Graph's real one). */
  const expireSoon = async (companyId: string) => {
    const stored = (await h.services.integrations.get(companyId))!;
    const soon = new Date(h.clock.now().getTime() + 60 * MINUTE).toISOString();
    const rec = (await record(companyId))!;
    await h.services.subscriptionStore.put({ ...rec, expiresAt: soon });
    await h.services.integrations.save(
      { ...stored.value, subscription: { ...stored.value.subscription!, expiresAt: soon } },
      stored.etag,
    );
  };

  it('the first successful sync subscribes the company to /users in its tenant; later syncs leave it alone', async () => {
    await subscribed('acme', 'subscribe');
    const [sub] = subs('subscribe');
    expect(sub).toMatchObject({
      resource: '/users',
      changeType: 'updated,deleted',
      notificationUrl: `${h.webhooks.url}/api/graph/notifications`,
      lifecycleNotificationUrl: `${h.webhooks.url}/api/graph/lifecycle`,
    });
    expect(Date.parse(sub?.expirationDateTime ?? '') - h.clock.now().getTime()).toBe(
      SUBSCRIPTION_LIFETIME_MINUTES * MINUTE,
    );
    const rec = await record('acme');
    expect(rec).toMatchObject({ subscriptionId: sub?.id, tenantId: tenant('subscribe') });
    expect(rec?.clientStateHash).not.toBe(sub?.clientState);

    const second = await h.sync('acme');
    expect(second.outcome).toBe('succeeded');
    expect(subs('subscribe').map((s) => s.id)).toEqual([sub?.id]);
    const status = await getIntegrationStatus(h.services, 'acme');
    expect(status.subscription?.id).toBe(sub?.id);
    expect(status.confirmedInSyncAt).toBe(second.run.finishedAt);
  });

  it('a change in the directory arrives as a verified notification → one coalesced job → the sync picks it up', async () => {
    await subscribed('notified', 'notify');
    h.webhooks.forward = true;
    const dir = h.sim.directory(tenant('notify'));
    const [someone, other] = dir.listUsers();
    dir.updateUser(someone!.id, { jobTitle: 'Chief Webhook Officer' });
    dir.updateUser(other!.id, { department: 'Notifications' });
    const webhookJobs = () =>
      h.queue
        .on('sync-jobs')
        .filter((m) => m.sessionId === 'notified' && SyncJobSchema.parse(m.body).trigger === 'webhook');
    await h.sendNotifications();
    expect(h.webhooks.received.filter((r) => r.path === '/api/graph/notifications')).toHaveLength(1);
    // However Graph batches the two changes, the application's clock stands still: one window, one job.
    expect(webhookJobs()).toHaveLength(1);
    const delivered = await h.deliver('notified');
    expect(delivered.map((d) => d.outcome)).toEqual(['succeeded']);
    const stored = await h.services.directoryUsers.getMany('notified', [someone!.id, other!.id]);
    expect(stored.get(someone!.id)?.value.attributes.jobTitle).toBe('Chief Webhook Officer');
    expect(stored.get(other!.id)?.value.attributes.department).toBe('Notifications');
    expect((await integration('notified'))?.subscription?.lastNotificationAt).not.toBeNull();
  });

  it('a reauthorizationRequired lifecycle event is verified and answered with POST /reauthorize', async () => {
    await subscribed('reauth', 'lifecycle');
    h.webhooks.forward = true;
    const [sub] = subs('lifecycle');
    const reauthorize = jest.spyOn(h.services.subscriptions, 'reauthorize');
    try {
      h.sim.directory(tenant('lifecycle')).sendLifecycleEvent(sub!.id, 'reauthorizationRequired');
      await h.sim.whenIdle();
      expect(h.webhooks.received.filter((r) => r.path === '/api/graph/lifecycle')).toHaveLength(1);
      expect(reauthorize).toHaveBeenCalledWith(tenant('lifecycle'), sub?.id);
      await expect(reauthorize.mock.results[0]?.value).resolves.toBeUndefined();
    } finally {
      reauthorize.mockRestore();
    }
    expect((await integration('reauth'))?.status).toBe('connected');
    expect(subs('lifecycle').map((s) => s.id)).toEqual([sub?.id]);
  });

  it('renews (PATCH) a subscription near expiry', async () => {
    await subscribed('renewed', 'renew');
    await expireSoon('renewed');
    const summary = await renewSubscriptions(h.services, silentLogger);
    expect(summary).toMatchObject({ renewed: 1, failed: 0 });
    const renewed = (await integration('renewed'))?.subscription?.expiresAt ?? '';
    expect(Date.parse(renewed) - h.clock.now().getTime()).toBe(SUBSCRIPTION_LIFETIME_MINUTES * MINUTE);
    expect(subs('renew')[0]?.expirationDateTime).toBe(renewed);
  });

  it('recreates one Graph no longer has (404): a resubscribing sync, whose end subscribes again', async () => {
    await subscribed('recreated', 'recreate');
    const old = subs('recreate')[0]!.id;
    await h.services.subscriptions.delete(tenant('recreate'), old);
    await expireSoon('recreated');
    expect(await renewSubscriptions(h.services, silentLogger)).toMatchObject({ recreated: 1 });
    expect((await integration('recreated'))?.subscription).toBeNull();
    expect((await h.deliver('recreated')).map((d) => d.outcome)).toEqual(['succeeded']);
    expect(subs('recreate')).toHaveLength(1);
    expect(subs('recreate')[0]?.id).not.toBe(old);
    expect((await integration('recreated'))?.subscription?.id).toBe(subs('recreate')[0]?.id);
  });

  it('disconnect deletes it in the tenant, and tolerates one that is already gone', async () => {
    await subscribed('leaving', 'disconnect');
    await disconnectIntegration(h.services, 'leaving', ADMIN, silentLogger);
    expect(subs('disconnect')).toHaveLength(0);
    expect(await integration('leaving')).toMatchObject({ status: 'disconnected', subscription: null });

    await subscribed('gone-already', 'disconnect');
    const id = subs('disconnect')[0]!.id;
    await h.services.subscriptions.delete(tenant('disconnect'), id);
    await disconnectIntegration(h.services, 'gone-already', ADMIN, silentLogger);
    expect(await integration('gone-already')).toMatchObject({ status: 'disconnected', subscription: null });
    expect(await h.services.subscriptionStore.get(id)).toBeNull();
  });

  it('two companies connected to one tenant: one Graph subscription; a directory change reaches both', async () => {
    await subscribed('initech', 'shared');
    await h.connectCompany('initech-emea', {}, tenant('shared'));
    expect((await h.sync('initech-emea')).outcome).toBe('succeeded');
    expect(subs('shared')).toHaveLength(1);
    const [sub] = subs('shared');
    expect((await integration('initech'))?.subscription?.id).toBe(sub?.id);
    expect((await integration('initech-emea'))?.subscription?.id).toBe(sub?.id);

    h.webhooks.forward = true;
    const dir = h.sim.directory(tenant('shared'));
    const [someone] = dir.listUsers();
    dir.updateUser(someone!.id, { jobTitle: 'Shared Notification Officer' });
    const webhookJobs = () =>
      h.queue
        .on('sync-jobs')
        .filter((m) => SyncJobSchema.parse(m.body).trigger === 'webhook' && m.sessionId?.startsWith('initech'));
    await h.sendNotifications();
    expect(
      webhookJobs()
        .map((m) => m.sessionId)
        .sort(),
    ).toEqual(['initech', 'initech-emea']);
    for (const companyId of ['initech', 'initech-emea']) {
      expect((await h.deliver(companyId)).map((d) => d.outcome)).toEqual(['succeeded']);
      const stored = await h.services.directoryUsers.getMany(companyId, [someone!.id]);
      expect(stored.get(someone!.id)?.value.attributes.jobTitle).toBe('Shared Notification Officer');
    }
  });

  it('consent revoked in the tenant → Graph’s lifecycle event → reauthorize is refused → every company of the tenant consent_revoked, one e-mail each', async () => {
    await subscribed('revoked', 'revoke');
    await h.connectCompany('revoked-emea', {}, tenant('revoke'));
    expect((await h.sync('revoked-emea')).outcome).toBe('succeeded');
    h.webhooks.forward = true;
    const mails = () =>
      h.queue
        .on('notifications')
        .map((m) => m.body as { companyId: string; kind: string })
        .filter((m) => m.companyId.startsWith('revoked') && m.kind === 'consent-revoked');
    h.sim.directory(tenant('revoke')).revokeConsent();
    try {
      // Graph's lifecycle event is posted at once; the handler answers after marking the companies.
      await h.sim.whenIdle();
      for (const companyId of ['revoked', 'revoked-emea']) {
        expect((await integration(companyId))?.status).toBe('consent_revoked');
      }
      expect(
        mails()
          .map((m) => m.companyId)
          .sort(),
      ).toEqual(['revoked', 'revoked-emea']);
    } finally {
      h.sim.directory(tenant('revoke')).grantConsent();
    }
  });
});
