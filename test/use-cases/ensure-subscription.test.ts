import { silentLogger } from '../../src/app/logger';
import { SUBSCRIPTION_CHANGE_TYPE, SUBSCRIPTION_LIFETIME_MINUTES, SUBSCRIPTION_RESOURCE } from '../../src/domain/graph-subscription';
import { connect } from '../../src/domain/integration';
import { queuedRun } from '../../src/domain/sync-run';
import { disconnectIntegration } from '../../src/use-cases/disconnect-integration';
import { ensureSubscription } from '../../src/use-cases/ensure-subscription';
import { getIntegrationStatus } from '../../src/use-cases/integration-status';
import { clientStateHash } from '../../src/use-cases/subscription-lookup';
import { ADMIN_PRINCIPAL as ADMIN, createTestHarness, TestHarness } from '../support/test-services';
import { connectWithSubscription, TENANT_A, TENANT_B } from '../support/webhook-fixtures';

const HOUR = 3_600_000;

describe('ensureSubscription (the sync worker’s step after a successful run)', () => {
  let h: TestHarness;
  beforeEach(async () => {
    h = await createTestHarness({ NOTIFICATION_URL_BASE: 'https://hooks.test.example/' } as Record<string, string>);
  });
  const integration = async (companyId = 'acme') => (await h.integrations.get(companyId))?.value;

  it('creates the subscription Graph needs and stores only a hash of its clientState', async () => {
    const acme = await connectWithSubscription(h, 'acme', TENANT_A);
    const [sub] = [...h.subscriptions.subs.values()];
    expect(sub).toMatchObject({
      tenantId: TENANT_A,
      resource: SUBSCRIPTION_RESOURCE,
      changeType: SUBSCRIPTION_CHANGE_TYPE,
      notificationUrl: 'https://hooks.test.example/api/graph/notifications',
      lifecycleNotificationUrl: 'https://hooks.test.example/api/graph/lifecycle',
      expirationDateTime: new Date(h.clock.now().getTime() + SUBSCRIPTION_LIFETIME_MINUTES * 60_000).toISOString(),
    });
    expect(sub?.clientState.length).toBeGreaterThanOrEqual(43);
    expect(sub?.clientState.length).toBeLessThanOrEqual(128);
    const record = h.subscriptionStore.docs.get(acme.subscriptionId);
    expect(record).toEqual({ subscriptionId: acme.subscriptionId, tenantId: TENANT_A, clientStateHash: clientStateHash(acme.clientState), expiresAt: sub?.expirationDateTime, createdAt: h.clock.now().toISOString(), updatedAt: h.clock.now().toISOString() });
    expect(JSON.stringify(record)).not.toContain(acme.clientState);
    expect((await integration())?.subscription).toEqual({ id: acme.subscriptionId, expiresAt: sub?.expirationDateTime, lastNotificationAt: null });
    // Each tenant's subscription gets its own secret.
    const other = await connectWithSubscription(h, 'globex', TENANT_B);
    expect(other.clientState).not.toBe(acme.clientState);
  });

  it('does nothing more while the subscription is live; renews it when it is close to expiry', async () => {
    await connectWithSubscription(h, 'acme');
    const calls = h.subscriptions.calls.length;
    expect(await ensureSubscription(h.services, 'acme', silentLogger)).toBe('unchanged');
    expect(h.subscriptions.calls.length).toBe(calls);
    h.clock.advance(SUBSCRIPTION_LIFETIME_MINUTES * 60_000 - 10 * HOUR);
    expect(await ensureSubscription(h.services, 'acme', silentLogger)).toBe('renewed');
  });

  it('a reconnect to another tenant replaces it: the old one is deleted in the old tenant (404 tolerated), a new one made in the new', async () => {
    const old = await connectWithSubscription(h, 'acme', TENANT_A);
    h.subscriptions.failNext.set('delete', 'not_found');
    const stored = (await h.integrations.get('acme'))!;
    const nowIso = h.clock.now().toISOString();
    const reconnected = connect(stored.value, { tenantId: TENANT_B, admin: { subject: 'a', email: null }, nowIso, newConnectionId: 'conn-2' });
    await h.integrations.save(reconnected.integration, stored.etag);

    expect(await ensureSubscription(h.services, 'acme', silentLogger)).toBe('created');
    // No company is left on the old tenant: its subscription goes.
    expect(h.subscriptions.of('delete')).toEqual([{ op: 'delete', tenantId: TENANT_A, id: old.subscriptionId }]);
    const summary = (await integration())?.subscription;
    expect(summary?.id).not.toBe(old.subscriptionId);
    expect(h.subscriptionStore.docs.has(old.subscriptionId)).toBe(false);
    expect(h.subscriptionStore.docs.get(summary?.id ?? '')).toMatchObject({ tenantId: TENANT_B });
  });

  it('a reconnect to the same tenant (after consent was revoked) checks with Graph and recreates a subscription that died', async () => {
    const old = await connectWithSubscription(h, 'acme', TENANT_A);
    h.subscriptions.subs.delete(old.subscriptionId);
    const stored = (await h.integrations.get('acme'))!;
    await h.integrations.save({ ...stored.value, status: 'consent_revoked' }, stored.etag);
    h.clock.advance(1000);
    const revoked = (await h.integrations.get('acme'))!;
    await h.integrations.save(connect(revoked.value, { tenantId: TENANT_A, admin: { subject: 'a', email: null }, nowIso: h.clock.now().toISOString(), newConnectionId: 'unused' }).integration, revoked.etag);
    expect(await ensureSubscription(h.services, 'acme', silentLogger)).toBe('created');
    expect(h.subscriptions.of('get')).toHaveLength(1);
    expect((await integration())?.subscription?.id).not.toBe(old.subscriptionId);
  });

  it('a leftover subscription with our URL (its record lost in a crash) is deleted and creation retried once', async () => {
    await h.services.subscriptions.create(TENANT_A, { resource: '/users', changeType: 'updated,deleted', notificationUrl: 'https://hooks.test.example/api/graph/notifications', lifecycleNotificationUrl: 'https://hooks.test.example/api/graph/lifecycle', clientState: 'lost', expirationDateTime: new Date(h.clock.now().getTime() + HOUR).toISOString() });
    await connectWithSubscription(h, 'acme', TENANT_A);
    expect(h.subscriptions.subs.size).toBe(1);
    expect(h.subscriptions.of('create')).toHaveLength(3);
    expect(h.subscriptions.of('list')).toHaveLength(1);
  });

  it('two companies on one tenant share one subscription: the second adopts it, both show it, notifications reach both', async () => {
    const acme = await connectWithSubscription(h, 'acme', TENANT_A);
    const sibling = await connectWithSubscription(h, 'acme-subsidiary', TENANT_A);
    expect(sibling.subscriptionId).toBe(acme.subscriptionId);
    expect(h.subscriptions.of('create')).toHaveLength(1);
    expect([...h.subscriptions.subs.keys()]).toEqual([acme.subscriptionId]);
    expect((await integration('acme-subsidiary'))?.subscription?.id).toBe(acme.subscriptionId);
    expect(await ensureSubscription(h.services, 'acme', silentLogger)).toBe('unchanged');
  });

  it('renewing the tenant’s subscription updates every company that shows it', async () => {
    await connectWithSubscription(h, 'acme', TENANT_A);
    await connectWithSubscription(h, 'acme-subsidiary', TENANT_A);
    h.clock.advance(SUBSCRIPTION_LIFETIME_MINUTES * 60_000 - 10 * HOUR);
    expect(await ensureSubscription(h.services, 'acme-subsidiary', silentLogger)).toBe('renewed');
    expect(h.subscriptions.of('renew')).toHaveLength(1);
    const expected = new Date(h.clock.now().getTime() + SUBSCRIPTION_LIFETIME_MINUTES * 60_000).toISOString();
    expect((await integration('acme'))?.subscription?.expiresAt).toBe(expected);
    expect((await integration('acme-subsidiary'))?.subscription?.expiresAt).toBe(expected);
  });

  it('disconnecting one of two companies keeps the tenant’s subscription; disconnecting the last deletes it', async () => {
    const acme = await connectWithSubscription(h, 'acme', TENANT_A);
    await connectWithSubscription(h, 'acme-subsidiary', TENANT_A);
    await disconnectIntegration(h.services, 'acme', ADMIN, silentLogger);
    expect(h.subscriptions.of('delete')).toHaveLength(0);
    expect(h.subscriptionStore.docs.has(acme.subscriptionId)).toBe(true);
    expect((await integration('acme'))?.subscription).toBeNull();
    expect((await integration('acme-subsidiary'))?.subscription?.id).toBe(acme.subscriptionId);
    await disconnectIntegration(h.services, 'acme-subsidiary', ADMIN, silentLogger);
    expect(h.subscriptions.of('delete')).toEqual([{ op: 'delete', tenantId: TENANT_A, id: acme.subscriptionId }]);
    expect(h.subscriptionStore.docs.size).toBe(0);
    expect((await integration('acme-subsidiary'))?.subscription).toBeNull();
  });

  it('two companies of a tenant that each made one (a race): the next ensure keeps the newest and removes the other', async () => {
    const acme = await connectWithSubscription(h, 'acme', TENANT_A);
    h.clock.advance(1000);
    // What a concurrent creator leaves behind: a second record and subscription for the tenant.
    const second = await h.services.subscriptions.create(TENANT_A, { resource: '/users', changeType: 'updated,deleted', notificationUrl: 'https://hooks.test.example/api/graph/notifications-2', lifecycleNotificationUrl: 'https://hooks.test.example/api/graph/lifecycle', clientState: 'second', expirationDateTime: new Date(h.clock.now().getTime() + 600 * HOUR).toISOString() });
    await h.subscriptionStore.put({ subscriptionId: second.id, tenantId: TENANT_A, clientStateHash: clientStateHash('second'), expiresAt: second.expirationDateTime, createdAt: h.clock.now().toISOString(), updatedAt: h.clock.now().toISOString() });
    expect(await ensureSubscription(h.services, 'acme', silentLogger)).toBe('attached');
    expect([...h.subscriptionStore.docs.keys()]).toEqual([second.id]);
    expect(h.subscriptions.of('delete')).toEqual([{ op: 'delete', tenantId: TENANT_A, id: acme.subscriptionId }]);
    expect((await integration())?.subscription?.id).toBe(second.id);
  });

  it('not connected → nothing', async () => {
    expect(await ensureSubscription(h.services, 'nobody', silentLogger)).toBe('not_connected');
    expect(h.subscriptions.calls).toHaveLength(0);
  });
});

describe('integration status: subscription and freshness', () => {
  it('shows the subscription and confirmedInSyncAt = finishedAt of the last successful run', async () => {
    const h = await createTestHarness();
    const acme = await connectWithSubscription(h, 'acme');
    const services = h.services;
    expect(await getIntegrationStatus(services, 'acme')).toMatchObject({ subscription: { id: acme.subscriptionId, lastNotificationAt: null }, confirmedInSyncAt: null });

    const base = { companyId: 'acme', connectionId: acme.connectionId, trigger: 'manual' as const, mode: 'delta' as const };
    const ok = { ...queuedRun({ ...base, runId: 'r1', nowIso: '2026-01-01T00:00:00.000Z' }), status: 'succeeded' as const, finishedAt: '2026-01-01T00:01:00.000Z' };
    const failed = { ...queuedRun({ ...base, runId: 'r2', nowIso: '2026-01-01T01:00:00.000Z' }), status: 'failed' as const, finishedAt: '2026-01-01T01:01:00.000Z' };
    await h.runs.create(ok);
    await h.runs.create(failed);
    const stored = (await h.integrations.get('acme'))!;
    await h.integrations.save({ ...stored.value, lastSync: { runId: 'r2', status: 'failed', trigger: 'manual', mode: 'delta', queuedAt: failed.queuedAt, finishedAt: failed.finishedAt } }, stored.etag);
    expect((await getIntegrationStatus(services, 'acme')).confirmedInSyncAt).toBe('2026-01-01T00:01:00.000Z');

    const again = (await h.integrations.get('acme'))!;
    await h.integrations.save({ ...again.value, lastSync: { runId: 'r3', status: 'succeeded', trigger: 'webhook', mode: 'delta', queuedAt: '2026-01-01T02:00:00.000Z', finishedAt: '2026-01-01T02:00:05.000Z' } }, again.etag);
    expect((await getIntegrationStatus(services, 'acme')).confirmedInSyncAt).toBe('2026-01-01T02:00:05.000Z');
  });
});
