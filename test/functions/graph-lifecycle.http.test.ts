import { graphLifecycle } from '../../src/functions/graph-lifecycle.http';
import { entraDisconnect } from '../../src/functions/entra-disconnect.http';
import { silentLogger } from '../../src/app/logger';
import { ConsentRevokedMessageSchema } from '../../src/domain/notification-message';
import { SyncJobSchema } from '../../src/domain/sync-job';
import { ensureSubscription } from '../../src/use-cases/ensure-subscription';
import { context, createTestHarness, request, TestHarness } from '../support/test-services';
import { connectWithSubscription, lifecycle, Subscribed, TENANT_A, TENANT_B, webhookPost } from '../support/webhook-fixtures';

describe('POST /api/graph/lifecycle', () => {
  let h: TestHarness;
  let acme: Subscribed;

  beforeEach(async () => {
    h = await createTestHarness();
    acme = await connectWithSubscription(h, 'acme', TENANT_A);
  });

  const post = (items: unknown[]) => graphLifecycle.handle(webhookPost('lifecycle', JSON.stringify({ value: items })), context('graph-lifecycle'), h.services);
  const integration = async () => (await h.integrations.get('acme'))?.value;
  const syncJobs = () => h.queue.on('sync-jobs').map((m) => SyncJobSchema.parse(m.body));

  it('reauthorizationRequired → POST /subscriptions/{id}/reauthorize through Graph; nothing else changes', async () => {
    const response = await post([lifecycle(acme, 'reauthorizationRequired')]);
    expect(response.status).toBe(202);
    expect(h.subscriptions.of('reauthorize')).toEqual([{ op: 'reauthorize', tenantId: TENANT_A, id: acme.subscriptionId }]);
    expect((await integration())?.status).toBe('connected');
    expect(h.queue.sent).toHaveLength(0);
  });

  it('reauthorizationRequired with consent gone → integration consent_revoked and one e-mail to the admins, however often Graph repeats it', async () => {
    h.subscriptions.revoked.add(TENANT_A);
    expect((await post([lifecycle(acme, 'reauthorizationRequired')])).status).toBe(202);
    expect((await post([lifecycle(acme, 'reauthorizationRequired'), lifecycle(acme, 'reauthorizationRequired')])).status).toBe(202);
    expect((await integration())?.status).toBe('consent_revoked');
    const mails = h.queue.on('notifications');
    expect(mails).toHaveLength(1);
    expect(ConsentRevokedMessageSchema.parse(mails[0]?.body)).toMatchObject({ kind: 'consent-revoked', companyId: 'acme', to: ['admin@acme.example'], tenantId: TENANT_A });
    // The same message id as the sync worker's, so whichever notices first, there is one e-mail.
    expect(mails[0]?.messageId).toBe(`consent-revoked:${acme.connectionId}:${(await integration())?.connectedAt ?? ''}`);
    expect(h.queue.on('sync-jobs')).toHaveLength(0);
  });

  it('subscriptionRemoved → the subscription is forgotten and a delta sync queued; that sync’s end creates a new one', async () => {
    expect((await post([lifecycle(acme, 'subscriptionRemoved')])).status).toBe(202);
    expect((await integration())?.subscription).toBeNull();
    expect(h.subscriptionStore.docs.has(acme.subscriptionId)).toBe(false);
    expect(syncJobs()).toEqual([expect.objectContaining({ companyId: 'acme', mode: 'delta', trigger: 'webhook', connectionId: acme.connectionId })]);
    // What the worker does after that sync succeeds:
    expect(await ensureSubscription(h.services, 'acme', silentLogger)).toBe('created');
    const fresh = (await integration())?.subscription;
    expect(fresh?.id).toBeDefined();
    expect(fresh?.id).not.toBe(acme.subscriptionId);
  });

  it('missed → a delta sync catches up; the subscription itself is kept', async () => {
    expect((await post([lifecycle(acme, 'missed')])).status).toBe(202);
    expect(syncJobs()).toEqual([expect.objectContaining({ companyId: 'acme', mode: 'delta', trigger: 'webhook' })]);
    expect((await integration())?.subscription?.id).toBe(acme.subscriptionId);
  });

  it('reauthorize finds the subscription gone (404) → resubscribe like subscriptionRemoved', async () => {
    h.subscriptions.failNext.set('reauthorize', 'not_found');
    expect((await post([lifecycle(acme, 'reauthorizationRequired')])).status).toBe(202);
    expect((await integration())?.subscription).toBeNull();
    expect(syncJobs()).toHaveLength(1);
  });

  it('a transient Graph failure → 503, so Graph delivers the event again', async () => {
    h.subscriptions.failNext.set('reauthorize', 'dependency_unavailable');
    expect((await post([lifecycle(acme, 'reauthorizationRequired')])).status).toBe(503);
    expect((await post([lifecycle(acme, 'reauthorizationRequired')])).status).toBe(202);
  });

  it('unverified events do nothing (wrong clientState, other tenant, unknown subscription, unknown event): still 202', async () => {
    h.subscriptions.revoked.add(TENANT_A);
    const response = await post([
      lifecycle(acme, 'reauthorizationRequired', { clientState: 'forged' }),
      lifecycle(acme, 'subscriptionRemoved', { tenantId: TENANT_B }),
      lifecycle(acme, 'missed', { subscriptionId: 'unknown' }),
      lifecycle(acme, 'somethingNew'),
    ]);
    expect(response.status).toBe(202);
    expect(h.subscriptions.of('reauthorize')).toHaveLength(0);
    expect(h.queue.sent).toHaveLength(0);
    expect((await integration())?.status).toBe('connected');
  });
});

describe('disconnect removes the Graph subscription', () => {
  let h: TestHarness;
  let token: string;
  beforeEach(async () => {
    h = await createTestHarness();
    token = await h.signer.sign({ companies: ['acme'] });
  });
  const disconnect = () => entraDisconnect.handle(request({ method: 'DELETE', path: 'companies/acme/entra', params: { companyId: 'acme' }, token }), context(), h.services);

  it('deletes it at Graph and here; its notifications are ignored from then on', async () => {
    const acme = await connectWithSubscription(h, 'acme');
    expect((await disconnect()).status).toBe(204);
    expect(h.subscriptions.subs.size).toBe(0);
    expect(h.subscriptionStore.docs.size).toBe(0);
    expect((await h.integrations.get('acme'))?.value).toMatchObject({ status: 'disconnected', subscription: null });
    const { graphNotifications } = await import('../../src/functions/graph-notifications.http');
    const { change } = await import('../support/webhook-fixtures');
    expect((await graphNotifications.handle(webhookPost('notifications', JSON.stringify({ value: [change(acme)] })), context(), h.services)).status).toBe(202);
    expect(h.queue.on('sync-jobs')).toHaveLength(0);
  });

  it('tolerates a subscription Graph no longer has (404), and one in a tenant that revoked consent', async () => {
    await connectWithSubscription(h, 'acme');
    h.subscriptions.failNext.set('delete', 'not_found');
    expect((await disconnect()).status).toBe(204);
    expect((await h.integrations.get('acme'))?.value.subscription).toBeNull();

    const h2 = await createTestHarness();
    const token2 = await h2.signer.sign({ companies: ['acme'] });
    await connectWithSubscription(h2, 'acme', TENANT_A);
    h2.subscriptions.revoked.add(TENANT_A);
    expect((await entraDisconnect.handle(request({ method: 'DELETE', path: 'companies/acme/entra', params: { companyId: 'acme' }, token: token2 }), context(), h2.services)).status).toBe(204);
    expect((await h2.integrations.get('acme'))?.value.subscription).toBeNull();
  });

  it('Graph unreachable → 503 with the summary kept; disconnecting again deletes it', async () => {
    const acme = await connectWithSubscription(h, 'acme');
    h.subscriptions.failNext.set('delete', 'dependency_unavailable');
    expect((await disconnect()).status).toBe(503);
    expect((await h.integrations.get('acme'))?.value).toMatchObject({ status: 'disconnected', subscription: { id: acme.subscriptionId } });
    expect(h.subscriptionStore.docs.size).toBe(0);
    expect((await disconnect()).status).toBe(204);
    expect(h.subscriptions.subs.size).toBe(0);
    expect((await h.integrations.get('acme'))?.value.subscription).toBeNull();
  });

  it('a company never connected: 204, Graph not asked', async () => {
    expect((await disconnect()).status).toBe(204);
    expect(h.subscriptions.calls).toHaveLength(0);
  });
});
