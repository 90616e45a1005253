import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectThroughConsent, localToken, startStackProcess, StackProcess, waitFor } from '../support/local-stack-process';

/**
 * Webhooks end to end through the local stack, with no Sync Now: connect → the first import →
 * the worker subscribes the company in the simulated tenant (real handshake to the local host) →
 * a user changes in the simulator → Graph-style notifications reach the local host's webhook →
 * one coalesced delta job runs → the company's data shows the change.
 */

interface Status {
  status: string;
  lastSync: { runId: string; status: string; trigger: string } | null;
  subscription: { id: string; expiresAt: string; lastNotificationAt: string | null } | null;
  confirmedInSyncAt: string | null;
  counts: { pending: number };
}

interface SimSubscription {
  id: string;
  resource: string;
  changeType: string;
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  expirationDateTime: string;
}

describe('e2e: Graph change notifications through the local stack', () => {
  let dataDir: string;
  let stack: StackProcess;
  let token: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'entra-sync-e2e-webhooks-'));
    stack = await startStackProcess({ dataDir, args: ['--users', '60'], env: { WEBHOOK_COALESCE_SECONDS: '2' } });
    token = await localToken(dataDir, ['--companies', 'acme,acme-emea', '--email', 'admin@acme.example']);
  }, 60_000);

  afterAll(async () => {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const status = async (companyId = 'acme') => (await (await fetch(`${stack.url}/api/companies/${companyId}/entra`, { headers: { authorization: `Bearer ${token}` } })).json()) as Status;
  const sim = (path: string, init: RequestInit = {}) => fetch(`${stack.url}/_local/entra/${path}`, { ...init, headers: { 'content-type': 'application/json' } });

  it('connect → subscription in the tenant → a directory change syncs by itself', async () => {
    const tenant = await connectThroughConsent(stack.url, token, 'acme');
    const imported = await waitFor(async () => {
      const s = await status();
      return s.lastSync?.status === 'succeeded' && s.subscription !== null ? s : undefined;
    }, 'the first import and the subscription');
    expect(imported.confirmedInSyncAt).not.toBeNull();

    const subscriptions = (await (await sim(`tenants/${tenant}/subscriptions`)).json()) as SimSubscription[];
    expect(subscriptions).toHaveLength(1);
    expect(subscriptions[0]).toMatchObject({
      id: imported.subscription?.id,
      resource: '/users',
      changeType: 'updated,deleted',
      notificationUrl: `${stack.url}/api/graph/notifications`,
      lifecycleNotificationUrl: `${stack.url}/api/graph/lifecycle`,
      expirationDateTime: imported.subscription?.expiresAt,
    });

    // A new person in the directory: no Sync Now, only the webhook.
    const added = await sim(`tenants/${tenant}/users`, { method: 'POST', body: JSON.stringify({ givenName: 'Katherine', surname: 'Johnson', department: 'Flight Research' }) });
    expect(added.status).toBe(201);
    const after = await waitFor(async () => {
      const s = await status();
      return s.counts.pending === imported.counts.pending + 1 && s.lastSync?.status === 'succeeded' ? s : undefined;
    }, 'the webhook-triggered sync', 30_000);
    expect(after.lastSync?.trigger).toBe('webhook');
    expect(after.lastSync?.runId).toMatch(/^wh-[0-9a-f]{32}$/);
    expect(after.subscription?.lastNotificationAt).not.toBeNull();
    expect(Date.parse(after.confirmedInSyncAt ?? '')).toBeGreaterThan(Date.parse(imported.confirmedInSyncAt ?? ''));

    const runs = (await (await fetch(`${stack.url}/api/companies/acme/entra/sync-runs`, { headers: { authorization: `Bearer ${token}` } })).json()) as { items: Array<{ trigger: string; status: string; counts: { newPending: number } }> };
    expect(runs.items.filter((r) => r.trigger === 'webhook')).toEqual([expect.objectContaining({ status: 'succeeded', counts: expect.objectContaining({ newPending: 1 }) as unknown })]);
  }, 60_000);

  it('an approved user changed in the directory: the Symbol user follows, by webhook alone', async () => {
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const tenant = ((await (await sim('tenants')).json()) as Array<{ id: string }>)[0]?.id ?? '';
    const pending = (await (await fetch(`${stack.url}/api/companies/acme/pending-users?flag=guest`, { headers: auth })).json()) as { items: Array<{ id: string }> };
    const candidates = (await (await fetch(`${stack.url}/api/companies/acme/pending-users?limit=50`, { headers: auth })).json()) as { items: Array<{ id: string; flags: string[]; email: string | null }> };
    const person = candidates.items.find((p) => p.flags.length === 0 && p.email && !pending.items.some((g) => g.id === p.id));
    if (!person) throw new Error('no clean pending user');
    const approved = (await (await fetch(`${stack.url}/api/companies/acme/pending-users/approve`, { method: 'POST', headers: auth, body: JSON.stringify({ ids: [person.id] }) })).json()) as { approved: Array<{ userId: string }> };
    const userId = approved.approved[0]?.userId ?? '';
    const before = await status();

    expect((await sim(`tenants/${tenant}/users/${person.id}`, { method: 'PATCH', body: JSON.stringify({ jobTitle: 'Webhook-driven Title', department: 'Notifications' }) })).status).toBe(200);
    const user = await waitFor(async () => {
      const users = (await (await fetch(`${stack.url}/api/companies/acme/users`, { headers: auth })).json()) as { items: Array<{ id: string; jobTitle: string | null; department: string | null }> };
      const found = users.items.find((u) => u.id === userId);
      return found?.jobTitle === 'Webhook-driven Title' ? found : undefined;
    }, 'the Symbol user to follow the directory', 30_000);
    expect(user.department).toBe('Notifications');
    const after = await status();
    expect(after.lastSync?.trigger).toBe('webhook');
    expect(after.lastSync?.runId).not.toBe(before.lastSync?.runId);
  }, 60_000);

  it('a second company connected to the same tenant by its admin: still one Graph subscription; a change reaches both user lists without Sync Now', async () => {
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const tenant = await connectThroughConsent(stack.url, token, 'acme-emea');
    const imported = await waitFor(async () => {
      const s = await status('acme-emea');
      return s.lastSync?.status === 'succeeded' && s.subscription !== null ? s : undefined;
    }, 'the second company’s first import');
    const subscriptions = (await (await sim(`tenants/${tenant}/subscriptions`)).json()) as SimSubscription[];
    expect(subscriptions).toHaveLength(1);
    expect(imported.subscription?.id).toBe(subscriptions[0]?.id);
    expect((await status('acme')).subscription?.id).toBe(subscriptions[0]?.id);

    // The same person approved in both companies.
    const acmeUsers = (await (await fetch(`${stack.url}/api/companies/acme/users`, { headers: auth })).json()) as { items: Array<{ entraObjectId: string | null }> };
    const objectId = acmeUsers.items.find((u) => u.entraObjectId !== null)?.entraObjectId ?? '';
    const approved = (await (await fetch(`${stack.url}/api/companies/acme-emea/pending-users/approve`, { method: 'POST', headers: auth, body: JSON.stringify({ ids: [objectId] }) })).json()) as { approved: Array<{ userId: string }> };
    expect(approved.approved).toHaveLength(1);

    expect((await sim(`tenants/${tenant}/users/${objectId}`, { method: 'PATCH', body: JSON.stringify({ jobTitle: 'Shared by Two Companies' }) })).status).toBe(200);
    for (const companyId of ['acme', 'acme-emea']) {
      const user = await waitFor(async () => {
        const users = (await (await fetch(`${stack.url}/api/companies/${companyId}/users`, { headers: auth })).json()) as { items: Array<{ entraObjectId: string | null; jobTitle: string | null }> };
        const found = users.items.find((u) => u.entraObjectId === objectId);
        return found?.jobTitle === 'Shared by Two Companies' ? found : undefined;
      }, `${companyId}'s Symbol user to follow the directory`, 30_000);
      expect(user.jobTitle).toBe('Shared by Two Companies');
      expect((await status(companyId)).lastSync?.trigger).toBe('webhook');
    }
  }, 90_000);
});
