import { HttpResponseInit, InvocationContext } from '@azure/functions';
import { graphLifecycle } from '../../src/functions/graph-lifecycle.http';
import { graphNotifications } from '../../src/functions/graph-notifications.http';
import { SyncJobSchema } from '../../src/domain/sync-job';
import { entraStatus } from '../../src/functions/entra-status.http';
import { installServicesFactory, installWebhookServicesFactory, Services, WebhookServices } from '../../src/app/services';
import { MAX_LOOKUPS_PER_REQUEST, MAX_UNKNOWN_PER_REQUEST } from '../../src/use-cases/subscription-lookup';
import { context, createTestHarness, request, TestHarness } from '../support/test-services';
import { change, connectWithSubscription, handshake, Subscribed, TENANT_A, TENANT_B, webhookPost } from '../support/webhook-fixtures';

const RUN_ID = /^[A-Za-z0-9-]{1,64}$/;

describe('POST /api/graph/notifications', () => {
  let h: TestHarness;
  let acme: Subscribed;
  let globex: Subscribed;

  beforeEach(async () => {
    h = await createTestHarness({ PUBLIC_BASE_URL: 'https://sync.test.example' });
    acme = await connectWithSubscription(h, 'acme', TENANT_A);
    globex = await connectWithSubscription(h, 'globex', TENANT_B);
    h.subscriptionStore.reads = 0;
  });

  const post = (items: unknown[] | string, headers?: Record<string, string>) =>
    graphNotifications.handle(webhookPost('notifications', typeof items === 'string' ? items : JSON.stringify({ value: items }), headers), context('graph-notifications'), h.services);
  const jobs = () => h.queue.on('sync-jobs');
  const problemCode = (r: HttpResponseInit) => (r.jsonBody as { code?: string } | undefined)?.code;

  describe('validation handshake', () => {
    it.each([
      ['notifications', graphNotifications],
      ['lifecycle', graphLifecycle],
    ] as const)('%s: 200 text/plain with the URL-decoded token, never sniffable as HTML', async (route, fn) => {
      const token = 'Validation: Testing client application reachability for subscription Request-Id: 4e1c <b>x</b>&y=1';
      const response = await fn.handle(handshake(route, encodeURIComponent(token)), context(), h.services);
      expect(response.status).toBe(200);
      expect(response.body).toBe(token);
      const headers = response.headers as Record<string, string>;
      expect(headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(headers['x-content-type-options']).toBe('nosniff');
      expect(headers['content-security-policy']).toBe("default-src 'none'");
      expect(jobs()).toHaveLength(0);
    });

    it('limits the token length and refuses an empty one (problem+json, no reflection)', async () => {
      const ok = await graphNotifications.handle(handshake('notifications', 'a'.repeat(1024)), context(), h.services);
      expect(ok.status).toBe(200);
      for (const token of ['a'.repeat(1025), '']) {
        const response = await graphNotifications.handle(handshake('notifications', token), context(), h.services);
        expect(response.status).toBe(400);
        expect((response.headers as Record<string, string>)['content-type']).toBe('application/problem+json');
        expect(JSON.stringify(response.jsonBody)).not.toContain('aaaa');
      }
    });
  });

  describe('clientState and tenant verification', () => {
    it('a valid notification queues one delta job for the company, scheduled at the end of the coalescing window', async () => {
      const response = await post([change(acme)]);
      expect(response.status).toBe(202);
      expect(response.jsonBody).toBeUndefined();
      expect(jobs()).toHaveLength(1);
      const [message] = jobs();
      const job = SyncJobSchema.parse(message?.body);
      expect(job).toMatchObject({ companyId: 'acme', connectionId: acme.connectionId, mode: 'delta', trigger: 'webhook' });
      expect(job.runId).toMatch(RUN_ID);
      expect(job.runId).toMatch(/^wh-[0-9a-f]{32}$/);
      expect(message?.sessionId).toBe('acme');
      const windowMs = h.config.webhooks.coalesceSeconds * 1000;
      const bucket = Math.floor(h.clock.now().getTime() / windowMs);
      expect(message?.messageId).toBe(`webhook:acme:${bucket}`);
      expect(message?.scheduledEnqueueTime?.getTime()).toBe((bucket + 1) * windowMs);
    });

    it.each([
      ['a wrong clientState', (s: Subscribed) => change(s, { clientState: `${s.clientState}x` })],
      ['no clientState', (s: Subscribed) => change(s, { clientState: undefined })],
      ['a null clientState', (s: Subscribed) => change(s, { clientState: null })],
      ['another company’s clientState', (s: Subscribed) => change(s, { clientState: globex.clientState })],
      ['another tenant', (s: Subscribed) => change(s, { tenantId: TENANT_B })],
      ['no tenant', (s: Subscribed) => change(s, { tenantId: undefined })],
      ['an unknown subscription', (s: Subscribed) => change(s, { subscriptionId: 'f1d2d2f9-24a1-4c5c-9e0b-000000000000' })],
    ])('ignores %s: still 202, nothing queued', async (_name, build) => {
      const response = await post([build(acme)]);
      expect(response.status).toBe(202);
      expect(jobs()).toHaveLength(0);
    });

    it('a mixed batch: verified items of two companies become one job each; the rest are ignored', async () => {
      const response = await post([
        change(acme),
        change(globex),
        change(acme, { clientState: 'forged' }),
        change(globex, { tenantId: TENANT_A }),
        change(acme, { subscriptionId: 'nope' }),
        change(globex, { changeType: 'deleted' }),
      ]);
      expect(response.status).toBe(202);
      expect(jobs().map((m) => m.sessionId).sort()).toEqual(['acme', 'globex']);
      expect(jobs().map((m) => SyncJobSchema.parse(m.body).connectionId).sort()).toEqual([acme.connectionId, globex.connectionId]);
    });

    it('logs ignored items as counts, without clientState or personal data', async () => {
      const lines: string[] = [];
      const logging = new InvocationContext({ invocationId: 'i', functionName: 'graph-notifications', logHandler: (_level, ...args) => lines.push(args.map(String).join(' ')) });
      await graphNotifications.handle(webhookPost('notifications', JSON.stringify({ value: [change(acme, { clientState: 'forged-secret' }), change(acme)] })), logging, h.services);
      const text = lines.join('\n');
      expect(text).toContain('"badClientState":1');
      expect(text).toContain('"verified":1');
      expect(text).not.toContain('forged-secret');
      expect(text).not.toContain(acme.clientState);
    });
  });

  describe('coalescing', () => {
    it('1,000 notifications for one company in one window are one job, and cost one subscription read', async () => {
      const thousand = Array.from({ length: 1000 }, (_, i) => change(acme, { resource: `Users/${i}` }));
      expect((await post(thousand.slice(0, 400))).status).toBe(202);
      for (let i = 400; i < 1000; i += 100) expect((await post(thousand.slice(i, i + 100))).status).toBe(202);
      expect(jobs()).toHaveLength(1);
      expect(h.subscriptionStore.reads).toBe(1);
    });

    it('a burst of concurrent requests shares one lookup and one job', async () => {
      const responses = await Promise.all(Array.from({ length: 50 }, (_, i) => post([change(acme, { resource: `Users/${i}` })])));
      expect(responses.every((r) => r.status === 202)).toBe(true);
      expect(jobs()).toHaveLength(1);
      expect(h.subscriptionStore.reads).toBe(1);
    });

    it('the next window gets its own job (a change late in a window is never swallowed by a job that already ran)', async () => {
      await post([change(acme)]);
      h.clock.advance(h.config.webhooks.coalesceSeconds * 1000);
      await post([change(acme)]);
      expect(jobs()).toHaveLength(2);
      const [first, second] = jobs().map((m) => SyncJobSchema.parse(m.body).runId);
      expect(first).not.toBe(second);
    });

    it('unknown subscriptions are cached briefly too, so a flood of them is not a read per item', async () => {
      const unknown = Array.from({ length: 200 }, () => change(acme, { subscriptionId: 'a0a0a0a0-0000-4000-8000-000000000000' }));
      await post(unknown);
      await post(unknown);
      expect(h.subscriptionStore.reads).toBe(1);
      expect(jobs()).toHaveLength(0);
    });
  });

  describe('an anonymous flood costs a bounded number of store reads per request', () => {
    const randomGuid = () => crypto.randomUUID();

    it(`ids that are not GUID-shaped are never looked up`, async () => {
      const items = Array.from({ length: 500 }, (_, i) => change(acme, { subscriptionId: `not-a-guid-${String(i)}`, tenantId: i % 2 ? 'contoso.example' : TENANT_A }));
      expect((await post(items)).status).toBe(202);
      expect(h.subscriptionStore.reads).toBe(0);
      expect(jobs()).toHaveLength(0);
    });

    it(`unknown GUID-shaped subscriptions: at most ${String(MAX_UNKNOWN_PER_REQUEST)} reads per request, however many there are`, async () => {
      for (let request = 1; request <= 5; request++) {
        const before = h.subscriptionStore.reads;
        const items = Array.from({ length: 1000 }, () => change(acme, { subscriptionId: randomGuid(), tenantId: randomGuid() }));
        expect((await post(items)).status).toBe(202);
        expect(h.subscriptionStore.reads - before).toBe(MAX_UNKNOWN_PER_REQUEST);
      }
      expect(jobs()).toHaveLength(0);
    });

    it('a genuine notification in a garbage batch still gets through when its subscription is cached or read within the budget', async () => {
      await post([change(acme)]);
      const reads = h.subscriptionStore.reads;
      const items = [...Array.from({ length: 200 }, () => change(acme, { subscriptionId: randomGuid() })), change(globex)];
      expect((await post(items)).status).toBe(202);
      expect(h.subscriptionStore.reads - reads).toBeLessThanOrEqual(MAX_LOOKUPS_PER_REQUEST);
      expect(new Set(jobs().map((j) => j.sessionId))).toEqual(new Set(['acme']));
      // globex's subscription was past the budget of unknowns: ignored now (webhooks are hints;
      // reconciliation and the next notification cover it), read on a later request.
      expect((await post([change(globex)])).status).toBe(202);
      expect(new Set(jobs().map((j) => j.sessionId))).toEqual(new Set(['acme', 'globex']));
    });

    it('more than 1,000 items in one POST is not Graph: 400, nothing read', async () => {
      const response = await post(Array.from({ length: 1001 }, () => change(acme)));
      expect(response.status).toBe(400);
      expect(h.subscriptionStore.reads).toBe(0);
    });
  });

  describe('one tenant, several companies', () => {
    it('a notification on the tenant’s one subscription fans out to every company connected to it', async () => {
      const subsidiary = await connectWithSubscription(h, 'acme-subsidiary', TENANT_A);
      expect(subsidiary.subscriptionId).toBe(acme.subscriptionId);
      expect((await post([change(acme)])).status).toBe(202);
      expect(jobs().map((j) => j.sessionId).sort()).toEqual(['acme', 'acme-subsidiary']);
      // The tenant's companies are cached: a burst costs one query, not one per request.
      const queries = h.integrationLister.tenantQueries;
      await post([change(acme)]);
      expect(h.integrationLister.tenantQueries).toBe(queries);
    });
  });

  describe('cold start', () => {
    it('the handshake is answered before (and without) any service: a host whose services never come up still validates', async () => {
      installServicesFactory(() => new Promise<Services>(() => undefined));
      installWebhookServicesFactory(() => new Promise<WebhookServices>(() => undefined));
      const token = 'Validation: Testing client application reachability';
      for (const fn of [graphNotifications, graphLifecycle]) {
        const response = await fn.invoke(handshake(fn === graphNotifications ? 'notifications' : 'lifecycle', encodeURIComponent(token)), context());
        expect(response).toMatchObject({ status: 200, body: token });
      }
    });

    it('notifications use the webhook’s light services, not the full service graph', async () => {
      installServicesFactory(() => new Promise<Services>(() => undefined));
      installWebhookServicesFactory(() => Promise.resolve(h.services));
      const response = await graphNotifications.invoke(webhookPost('notifications', JSON.stringify({ value: [change(acme)] })), context());
      expect(response.status).toBe(202);
      expect(jobs()).toHaveLength(1);
    });
  });

  describe('lastNotificationAt', () => {
    it('is recorded on the integration at most about once a minute per subscription, and shown in the status', async () => {
      const writes = h.integrations.writes;
      for (let i = 0; i < 20; i++) await post([change(acme)]);
      expect(h.integrations.writes - writes).toBe(1);
      const first = (await h.integrations.get('acme'))?.value.subscription?.lastNotificationAt;
      expect(first).toBe(h.clock.now().toISOString());
      h.clock.advance(61_000);
      await post([change(acme)]);
      expect(h.integrations.writes - writes).toBe(2);

      const token = await h.signer.sign({ companies: ['acme'] });
      const status = await entraStatus.handle(request({ method: 'GET', path: 'companies/acme/entra', params: { companyId: 'acme' }, token }), context(), h.services);
      expect(status.jsonBody).toMatchObject({ subscription: { id: acme.subscriptionId, expiresAt: expect.any(String) as unknown, lastNotificationAt: h.clock.now().toISOString() }, confirmedInSyncAt: null });
    });
  });

  describe('bodies that are not Graph batches', () => {
    it.each([
      ['not JSON', '{"value": ['],
      ['no value array', '{}'],
      ['an empty batch', '{"value":[]}'],
      ['items without a subscription id', '{"value":[{"clientState":"x"}]}'],
      ['a wrongly typed field', '{"value":[{"subscriptionId":42}]}'],
      ['a JSON array', '[]'],
    ])('%s → 400 problem+json, no work', async (_name, body) => {
      const response = await post(body);
      expect(response.status).toBe(400);
      expect(problemCode(response)).toBe('validation_failed');
      expect(h.subscriptionStore.reads).toBe(0);
      expect(jobs()).toHaveLength(0);
    });

    it('non-JSON content → 415; an empty body → 400', async () => {
      expect((await post(JSON.stringify({ value: [change(acme)] }), { 'content-type': 'text/plain' })).status).toBe(415);
      expect((await post('')).status).toBe(400);
      expect(jobs()).toHaveLength(0);
    });

    it('over 1 MB → 413, declared or actual, before any parsing', async () => {
      const declared = await post(JSON.stringify({ value: [change(acme)] }), { 'content-length': String(2 * 1024 * 1024) });
      expect(declared.status).toBe(413);
      const big = JSON.stringify({ value: Array.from({ length: 4000 }, () => change(acme, { resource: `Users/${'x'.repeat(300)}` })) });
      expect(Buffer.byteLength(big)).toBeGreaterThan(1024 * 1024);
      const actual = await post(big);
      expect(actual.status).toBe(413);
      expect(problemCode(actual)).toBe('payload_too_large');
      expect(h.subscriptionStore.reads).toBe(0);
      expect(jobs()).toHaveLength(0);
    });

    it('a lookup failure (Cosmos unavailable) is a 503, so Graph delivers again', async () => {
      h.subscriptionStore.failReads = 1;
      const response = await post([change(acme)]);
      expect(response.status).toBe(503);
      expect(jobs()).toHaveLength(0);
      expect((await post([change(acme)])).status).toBe(202);
      expect(jobs()).toHaveLength(1);
    });
  });
});
