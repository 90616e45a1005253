import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpResponseInit } from '@azure/functions';
import { defineHttpFunction, defineQueueFunction, defineTimerFunction, FunctionDefinition } from '../../src/app/function-registry';
import { AppError } from '../../src/domain/app-error';
import { compileRoute, LocalHost, startLocalHost } from '../../src/local/local-host';
import { InProcessBroker } from '../../src/local/queue/in-process-broker';
import { ManualTime } from '../support/manual-time';
import { createTestHarness, TestHarness } from '../support/test-services';

describe('local Functions host', () => {
  let h: TestHarness;
  let host: LocalHost;
  let broker: InProcessBroker;
  const seen: Array<{ params: Record<string, string>; body: string; query: string | null }> = [];
  const delivered: Array<{ body: unknown; messageId: string; deliveryCount: number }> = [];

  const echo = defineHttpFunction({
    name: 'test-echo',
    methods: ['POST', 'PUT'],
    route: 'things/{thingId}/parts/{partId}',
    handler: async (request): Promise<HttpResponseInit> => {
      const body = await request.text();
      seen.push({ params: { ...request.params }, body, query: request.query.get('q') });
      return { status: 201, jsonBody: { ok: true }, headers: { 'x-test': 'yes' } };
    },
  });
  const crash = defineHttpFunction({ name: 'test-crash', methods: ['GET'], route: 'crash', handler: () => Promise.reject(new Error('secret internal detail /var/lib/x')) });
  const expected = defineHttpFunction({ name: 'test-expected', methods: ['GET'], route: 'expected', handler: () => Promise.reject(new AppError('not_connected', 'Connect Entra ID first.')) });
  const worker = defineQueueFunction({
    name: 'test-worker',
    queueName: 'notifications',
    sessions: false,
    handle: (body, metadata) => {
      delivered.push({ body, messageId: metadata.messageId, deliveryCount: metadata.deliveryCount });
      if (delivered.length === 1) return Promise.reject(new Error('first try fails'));
      return Promise.resolve();
    },
  });
  const functions: FunctionDefinition[] = [echo, crash, expected, worker];
  // The broker's retry delay runs on a manual clock that the queue test advances.
  const time = new ManualTime();

  beforeAll(async () => {
    h = await createTestHarness();
    broker = new InProcessBroker({ retryDelayMs: 20, clock: time, scheduler: time, stateFile: join(mkdtempSync(join(tmpdir(), 'host-')), 'q.json') });
    host = await startLocalHost({ host: '127.0.0.1', port: 0, services: h.services, broker, functions, log: () => undefined, maxBodyBytes: 1024 });
  });

  afterAll(async () => {
    await host.close();
    await broker.close();
  });

  it('compiles Functions route templates', () => {
    const { pattern, names } = compileRoute('companies/{companyId}/entra/sync-runs/{runId:guid}');
    expect(names).toEqual(['companyId', 'runId']);
    expect(pattern.test('/api/companies/acme/entra/sync-runs/abc')).toBe(true);
    expect(pattern.test('/api/companies/acme/entra/sync-runs')).toBe(false);
  });

  it('routes to the handler with decoded params, query and body, and writes its response', async () => {
    const response = await fetch(`${host.url}/api/things/a%20b/parts/7?q=hello`, { method: 'PUT', body: 'payload' });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-test')).toBe('yes');
    expect(await response.json()).toEqual({ ok: true });
    expect(seen.at(-1)).toEqual({ params: { thingId: 'a b', partId: '7' }, body: 'payload', query: 'hello' });
  });

  it('answers 404 and 405 as problem+json', async () => {
    const missing = await fetch(`${host.url}/api/nowhere`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: 'not_found' });
    const wrongMethod = await fetch(`${host.url}/api/things/a/parts/b`, { method: 'DELETE' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST, PUT');
  });

  it('refuses bodies over the host limit with 413', async () => {
    const response = await fetch(`${host.url}/api/things/a/parts/b`, { method: 'POST', body: 'x'.repeat(5000) });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ code: 'payload_too_large' });
  });

  it('turns a crash into a 500 without internals, and an AppError into its status', async () => {
    const crashed = await fetch(`${host.url}/api/crash`);
    expect(crashed.status).toBe(500);
    const text = await crashed.text();
    expect(text).not.toContain('secret');
    expect(JSON.parse(text)).toMatchObject({ code: 'internal_error', status: 500 });
    const conflict = await fetch(`${host.url}/api/expected`);
    expect(conflict.status).toBe(409);
    expect(await conflict.json()).toMatchObject({ code: 'not_connected', detail: 'Connect Entra ID first.' });
  });

  it('pumps queue messages into queue functions, redelivering after the retry delay', async () => {
    await broker.send('notifications', { messageId: 'm-1', body: { hello: 'world' } });
    let idle = false;
    void broker.whenIdle().then(() => {
      idle = true;
    });
    const sentAt = time.now().getTime();
    await time.runUntil(() => idle);
    expect(delivered).toEqual([
      { body: { hello: 'world' }, messageId: 'm-1', deliveryCount: 1 },
      { body: { hello: 'world' }, messageId: 'm-1', deliveryCount: 2 },
    ]);
    expect(time.now().getTime() - sentAt).toBe(20);
  });
});

describe('local Functions host: timer functions', () => {
  const everyFiveSeconds = (ticks: Array<{ at: string; last: string; next: string }>, clock: ManualTime) =>
    defineTimerFunction({
      name: 'test-every-five-seconds',
      schedule: '*/5 * * * * *',
      handle: (timer) => {
        ticks.push({ at: clock.now().toISOString(), last: timer.scheduleStatus.last, next: timer.scheduleStatus.next });
        return Promise.resolve();
      },
    });

  it('runs them on their NCRONTAB schedule, on the host\'s clock, until the host closes', async () => {
    const h = await createTestHarness();
    const time = new ManualTime(new Date('2030-01-01T00:00:00.000Z'));
    const ticks: Array<{ at: string; last: string; next: string }> = [];
    const broker = new InProcessBroker({ clock: time, scheduler: time });
    const host = await startLocalHost({ host: '127.0.0.1', port: 0, services: h.services, broker, functions: [everyFiveSeconds(ticks, time)], log: () => undefined, clock: time, scheduler: time });
    try {
      await time.advance(4_999);
      expect(ticks).toEqual([]);
      await time.advance(1);
      expect(ticks).toEqual([{ at: '2030-01-01T00:00:05.000Z', last: '2030-01-01T00:00:05.000Z', next: '2030-01-01T00:00:10.000Z' }]);
      await time.advance(12_000);
      expect(ticks.slice(1)).toEqual([
        { at: '2030-01-01T00:00:10.000Z', last: '2030-01-01T00:00:05.000Z', next: '2030-01-01T00:00:15.000Z' },
        { at: '2030-01-01T00:00:15.000Z', last: '2030-01-01T00:00:10.000Z', next: '2030-01-01T00:00:20.000Z' },
      ]);
    } finally {
      await host.close();
      await broker.close();
    }
    // Closed: no timer is left waiting, and moving time on runs nothing.
    expect(time.pending()).toBe(0);
    await time.advance(60_000);
    expect(ticks).toHaveLength(3);
  });

  it('keeps a timer whose handler fails on its schedule', async () => {
    const h = await createTestHarness();
    const time = new ManualTime(new Date('2030-01-01T00:00:00.000Z'));
    const runs: string[] = [];
    const failing = defineTimerFunction({
      name: 'test-failing-timer',
      schedule: '0 * * * * *',
      handle: () => {
        runs.push(time.now().toISOString());
        return Promise.reject(new Error('timer handler failed'));
      },
    });
    const events: string[] = [];
    const broker = new InProcessBroker({ clock: time, scheduler: time });
    const host = await startLocalHost({ host: '127.0.0.1', port: 0, services: h.services, broker, functions: [failing], log: (event) => events.push(event), clock: time, scheduler: time });
    try {
      await time.advance(120_000);
      expect(runs).toEqual(['2030-01-01T00:01:00.000Z', '2030-01-01T00:02:00.000Z']);
      expect(events.filter((e) => e === 'timer.failed')).toHaveLength(2);
    } finally {
      await host.close();
      await broker.close();
    }
  });
});
