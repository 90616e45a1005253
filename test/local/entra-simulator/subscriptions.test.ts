import { GraphError, type Client } from '@microsoft/microsoft-graph-client';
import type { DirectoryControl, EntraSimulator, SimulatedSubscription } from '../../../src/local/entra-simulator';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { ManualTime } from '../../support/manual-time';
import { graphClient, loopbackTls, startReceiver, startSim, type Receiver, type ReceivedRequest } from './helpers';

interface NotificationBatch {
  value: Array<{
    subscriptionId: string;
    subscriptionExpirationDateTime: string;
    changeType: string;
    resource: string;
    resourceData: Record<string, string>;
    clientState: string | null;
    tenantId: string;
    lifecycleEvent?: string;
  }>;
}

async function failure(promise: Promise<unknown>): Promise<GraphError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof GraphError) return err;
    throw err;
  }
  throw new Error('expected failure');
}

// The simulator's clock and timers (batch windows, delivery retries): they move only when a test
// advances them, and `sim.whenIdle()` waits for the POSTs that started.
const time = new ManualTime();
const BATCH_WINDOW_MS = 100;

function inMinutes(minutes: number): string {
  return new Date(time.now().getTime() + minutes * 60_000).toISOString();
}

const posts = (reqs: ReceivedRequest[], path: string): NotificationBatch[] =>
  reqs.filter((r) => r.path === path && !r.query.has('validationToken')).map((r) => JSON.parse(r.body) as NotificationBatch);

describe('Entra simulator: change-notification subscriptions', () => {
  let sim: EntraSimulator;
  let client: Client;
  let dir: DirectoryControl;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    sim = await startSim({
      tenants: [{ name: 'Contoso', domain: 'contoso.example', userCount: 220, seed: 11 }],
      allowHttpNotificationUrls: true,
      notificationBatchWindowMs: BATCH_WINDOW_MS,
      now: () => time.now(),
      scheduler: time,
    });
    dir = sim.directory(sim.tenants()[0]!.id);
    dir.grantConsent();
    client = await graphClient(sim, dir.tenantId);
  });

  afterAll(async () => {
    await sim.close();
    await receiver.close();
  });

  const create = (path: string, extra: Record<string, unknown> = {}): Promise<SimulatedSubscription> =>
    client.api('/subscriptions').post({
      changeType: 'updated',
      notificationUrl: `${receiver.url}${path}`,
      resource: '/users',
      expirationDateTime: inMinutes(60),
      clientState: 'secret-client-state',
      ...extra,
    }) as Promise<SimulatedSubscription>;

  test('create performs the validation handshake and returns the subscription', async () => {
    const sub = await create('/notify', { lifecycleNotificationUrl: `${receiver.url}/lifecycle` });
    expect(sub).toMatchObject({
      resource: '/users',
      changeType: 'updated',
      notificationUrl: `${receiver.url}/notify`,
      lifecycleNotificationUrl: `${receiver.url}/lifecycle`,
      clientState: 'secret-client-state',
      applicationId: expect.any(String) as unknown,
      latestSupportedTlsVersion: 'v1_2',
    });
    expect(sub.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(sub.creatorId).toMatch(/^[0-9a-f-]{36}$/);
    const validations = receiver.requests.filter((r) => r.query.has('validationToken'));
    expect(validations.map((r) => r.path).sort()).toEqual(['/lifecycle', '/notify']);
    expect(validations[0]!.query.get('validationToken')).toMatch(/^Validation: Testing client application reachability for subscription Request-Id: /);
    expect(validations[0]!.contentType).toMatch(/^text\/plain/);

    const fetched = (await client.api(`/subscriptions/${sub.id}`).get()) as SimulatedSubscription;
    expect(fetched.id).toBe(sub.id);
    const list = (await client.api('/subscriptions').get()) as { value: SimulatedSubscription[] };
    expect(list.value.map((s) => s.id)).toContain(sub.id);
    expect(dir.subscriptions().map((s) => s.id)).toContain(sub.id);
  });

  test('rejections: failed handshake, duplicate, expiry limit, bad changeType, long clientState', async () => {
    receiver.echoValidation = false;
    const badEcho = await failure(create('/wrong-echo'));
    receiver.echoValidation = true;
    expect(badEcho.statusCode).toBe(400);
    expect(badEcho.code).toBe('ValidationError');
    const unreachable = await failure(create('', { notificationUrl: 'http://127.0.0.1:9/nothing' }));
    expect(unreachable.code).toBe('ValidationError');

    const dup = await failure(create('/notify'));
    expect(dup.statusCode).toBe(409);
    const tooLong = await failure(create('/later', { expirationDateTime: inMinutes(41_760 + 5) }));
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.message).toContain('41760');
    expect((await failure(create('/past', { expirationDateTime: inMinutes(-1) }))).statusCode).toBe(400);
    expect((await failure(create('/created', { changeType: 'created,updated' }))).statusCode).toBe(400);
    expect((await failure(create('/groups', { resource: '/groups' }))).statusCode).toBe(400);
    expect((await failure(create('/state', { clientState: 'x'.repeat(129) }))).statusCode).toBe(400);
    const nearMax = await create('/max', { expirationDateTime: inMinutes(41_760 - 1) });
    await client.api(`/subscriptions/${nearMax.id}`).delete();
  });

  test('https is required unless allowHttpNotificationUrls', async () => {
    const strict = await startSim({ tenants: [{ name: 'Strict', domain: 'strict.example', userCount: 8, seed: 5 }], now: () => time.now(), scheduler: time });
    try {
      const strictDir = strict.directory(strict.tenants()[0]!.id);
      strictDir.grantConsent();
      const strictClient = await graphClient(strict, strictDir.tenantId);
      const err = await failure(
        strictClient.api('/subscriptions').post({ changeType: 'updated', notificationUrl: `${receiver.url}/x`, resource: 'users', expirationDateTime: inMinutes(10) }),
      );
      expect(err.statusCode).toBe(400);
      expect(err.message).toContain('https');

      // An https endpoint (loopback certificate, trusted through NODE_EXTRA_CA_CERTS) is accepted.
      const tlsReceiver = createHttpsServer(loopbackTls(), (req, res) => {
        const token = new URL(req.url ?? '/', 'https://x.invalid').searchParams.get('validationToken') ?? '';
        req.resume();
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end(token);
      });
      await new Promise<void>((resolve) => tlsReceiver.listen(0, '127.0.0.1', resolve));
      try {
        const port = (tlsReceiver.address() as AddressInfo).port;
        const sub = (await strictClient.api('/subscriptions').post({
          changeType: 'updated,deleted',
          notificationUrl: `https://localhost:${port}/hook`,
          resource: 'users',
          expirationDateTime: inMinutes(10),
        })) as SimulatedSubscription;
        expect(sub.changeType).toBe('updated,deleted');
      } finally {
        tlsReceiver.closeAllConnections();
        await new Promise<void>((resolve) => tlsReceiver.close(() => { resolve(); }));
      }
    } finally {
      await strict.close();
    }
  });

  test('PATCH renews (only expirationDateTime), reauthorize → 204, DELETE → then 404', async () => {
    const sub = await create('/patchme', { changeType: 'updated,deleted' });
    const renewed = (await client.api(`/subscriptions/${sub.id}`).patch({ expirationDateTime: inMinutes(120) })) as SimulatedSubscription;
    expect(Date.parse(renewed.expirationDateTime)).toBeGreaterThan(Date.parse(sub.expirationDateTime));
    expect((await failure(client.api(`/subscriptions/${sub.id}`).patch({ notificationUrl: 'http://x' }))).statusCode).toBe(400);
    expect((await failure(client.api(`/subscriptions/${sub.id}`).patch({ expirationDateTime: inMinutes(50_000) }))).statusCode).toBe(400);
    await client.api(`/subscriptions/${sub.id}/reauthorize`).post({});
    await client.api(`/subscriptions/${sub.id}`).delete();
    const gone = await failure(client.api(`/subscriptions/${sub.id}`).get());
    expect(gone.statusCode).toBe(404);
    expect(gone.code).toBe('ResourceNotFound');
    expect((await failure(client.api(`/subscriptions/${sub.id}`).delete())).statusCode).toBe(404);
  });

  test('directory changes are POSTed as batched notifications with clientState, when the batch window closes', async () => {
    const deletedSub = await create('/deleted', { changeType: 'deleted', clientState: 'deleted-state' });
    const before = receiver.requests.length;
    const users = dir.listUsers().filter((u) => u.kind === 'person');
    const [a, b, c, d] = users.slice(0, 4) as [(typeof users)[0], (typeof users)[0], (typeof users)[0], (typeof users)[0]];
    dir.updateUser(a.id, { jobTitle: 'Notified' });
    dir.disableUser(b.id);
    dir.updateUser(a.id, { department: 'Twice' }); // same user again within the window: one item
    dir.softDeleteUser(c.id);
    dir.hardDeleteUser(d.id);
    await time.advance(BATCH_WINDOW_MS - 1);
    await sim.whenIdle();
    expect(receiver.requests.slice(before)).toEqual([]);
    await time.advance(1);
    await sim.whenIdle();
    // Everything was delivered and nothing waits for a timer: no further POST can come.
    expect(time.pending()).toBe(0);
    const updated = posts(receiver.requests.slice(before), '/notify');
    expect(updated).toHaveLength(1);
    const items = updated[0]!.value;
    expect(items.map((i) => i.resourceData.id).sort()).toEqual([a.id, b.id, c.id].sort());
    const first = items.find((i) => i.resourceData.id === a.id)!;
    expect(first).toEqual({
      subscriptionId: expect.any(String) as unknown,
      subscriptionExpirationDateTime: expect.any(String) as unknown,
      changeType: 'updated',
      resource: `Users/${a.id}`,
      resourceData: { '@odata.type': '#Microsoft.Graph.User', '@odata.id': `Users/${a.id}`, id: a.id, organizationId: dir.tenantId },
      clientState: 'secret-client-state',
      tenantId: dir.tenantId,
    });
    const deleted = posts(receiver.requests.slice(before), '/deleted');
    expect(deleted).toHaveLength(1);
    expect(deleted[0]!.value).toEqual([expect.objectContaining({ changeType: 'deleted', subscriptionId: deletedSub.id, clientState: 'deleted-state', resource: `Users/${d.id}` })]);
  });

  test('large bursts are split into POSTs of at most 100 items; failed deliveries are retried after 0.5 s, then 2 s', async () => {
    const before = receiver.requests.length;
    const users = dir.listUsers().filter((u) => u.kind === 'person').slice(10, 160);
    for (const u of users) dir.updateUser(u.id, { jobTitle: `Burst ${u.id.slice(0, 6)}` });
    await time.advance(BATCH_WINDOW_MS);
    await sim.whenIdle();
    const batches = posts(receiver.requests.slice(before), '/notify');
    expect(batches.map((b) => b.value.length).sort((x, y) => x - y)).toEqual([50, 100]);

    const mark = receiver.requests.length;
    const attempts = () => posts(receiver.requests.slice(mark), '/notify');
    const after = async (ms: number) => {
      await time.advance(ms);
      await sim.whenIdle();
      return attempts().length;
    };
    receiver.failNext = [500, 503];
    dir.updateUser(users[0]!.id, { jobTitle: 'Retry me' });
    expect(await after(BATCH_WINDOW_MS)).toBe(1); // answered 500
    expect(await after(499)).toBe(1);
    expect(await after(1)).toBe(2); // answered 503
    expect(await after(1_999)).toBe(2);
    expect(await after(1)).toBe(3); // answered 202
    expect(time.pending()).toBe(0);
    expect(attempts().every((b) => b.value.length === 1 && b.value[0]?.resourceData.id === users[0]!.id)).toBe(true);
  });

  test('lifecycle events: explicit, and reauthorizationRequired when consent is revoked', async () => {
    const sub = dir.subscriptions().find((s) => s.notificationUrl.endsWith('/notify'))!;
    const before = receiver.requests.length;
    dir.sendLifecycleEvent(sub.id, 'missed');
    await sim.whenIdle();
    expect(posts(receiver.requests.slice(before), '/lifecycle')[0]!.value).toEqual([
      { subscriptionId: sub.id, subscriptionExpirationDateTime: sub.expirationDateTime, tenantId: dir.tenantId, clientState: 'secret-client-state', lifecycleEvent: 'missed' },
    ]);

    const mark = receiver.requests.length;
    dir.revokeConsent();
    await sim.whenIdle();
    expect(posts(receiver.requests.slice(mark), '/lifecycle')[0]!.value[0]!.lifecycleEvent).toBe('reauthorizationRequired');
    dir.grantConsent();
  });

  test('subscriptionRemoved (via the admin API) notifies and removes the subscription', async () => {
    const sub = await create('/to-remove', { lifecycleNotificationUrl: `${receiver.url}/lifecycle-removed` });
    const res = await fetch(`${sim.origin}/_admin/subscriptions/${sub.id}/lifecycle`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ event: 'subscriptionRemoved' }),
    });
    expect(res.status).toBe(202);
    await sim.whenIdle();
    expect(posts(receiver.requests, '/lifecycle-removed')[0]!.value[0]).toMatchObject({ subscriptionId: sub.id, lifecycleEvent: 'subscriptionRemoved' });
    expect((await failure(client.api(`/subscriptions/${sub.id}`).get())).statusCode).toBe(404);
  });

  test('at most 100 subscriptions per tenant (403 beyond)', async () => {
    const existing = dir.subscriptions().length;
    const made: string[] = [];
    for (let i = existing; i < 100; i++) made.push((await create(`/many/${i}`)).id);
    expect(dir.subscriptions()).toHaveLength(100);
    const over = await failure(create('/many/overflow'));
    expect(over.statusCode).toBe(403);
    for (const id of made) await client.api(`/subscriptions/${id}`).delete();
    expect(dir.subscriptions()).toHaveLength(existing);
  });

  test('expired subscriptions are gone', async () => {
    const sub = dir.subscriptions()[0]!;
    await time.advance(2 * 3600 * 1000 + 60_000);
    const fresh = await graphClient(sim, dir.tenantId);
    expect((await failure(fresh.api(`/subscriptions/${sub.id}`).get())).statusCode).toBe(404);
    expect(dir.subscriptions()).toEqual([]);
  });
});
