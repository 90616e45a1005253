import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { createServices } from '../../src/app/composition-root';
import { Services } from '../../src/app/services';
import { AppError } from '../../src/domain/app-error';
import { retryDelayMs } from '../../src/domain/retry-backoff';
import { SYNC_JOBS_QUEUE } from '../../src/domain/sync-job';
import { queuedRun } from '../../src/domain/sync-run';
import { syncJobs } from '../../src/functions/sync-jobs.queue';
import { LocalHost, startLocalHost } from '../../src/local/local-host';
import { InProcessBroker, MAX_DELIVERY_COUNT_EXCEEDED } from '../../src/local/queue/in-process-broker';
import { JobQueue } from '../../src/ports/job-queue.port';
import { enqueueSyncRun } from '../../src/use-cases/enqueue-sync';
import { retryJitter } from '../../src/use-cases/sync/sync-failure';
import { INFRA_DIR } from '../infra/support/bicep';
import { ManualTime } from '../support/manual-time';
import { startSyncHarness, SyncHarness } from '../support/sync-harness';

/**
 * The sync worker as `npm start` runs it: the real `sync-jobs` function, mounted by the local
 * Functions host and fed by the in-process broker (sessions, scheduled messages), with the real
 * Cosmos client against the local Cosmos-protocol server and the real Graph client against the
 * simulated tenant — which throttles, or refuses the app, on purpose. The broker, the worker and
 * the Graph client's Retry-After waits share one manual clock: nothing sleeps, and the test reads
 * when each message was scheduled and delivered on that clock. Each test has its own company in
 * its own simulated tenant.
 */

/** Graph's Retry-After on the simulated tenant's 429s: short enough to be waited for in the invocation. */
const RETRY_AFTER_SECONDS = 5;
/** The Graph transport's retries within one invocation (its default): each failing invocation sees 1 + 3 429s. */
const IN_RUN_RETRIES = 3;
/**
 * The broker's max delivery count, and SYNC_MAX_DELIVERY_COUNT, which agree as they do in Azure:
 * 1, so a worker that throws is dead-lettered at once (the tests say when they expect that)
 * instead of being redelivered after a delay.
 */
const MAX_DELIVERY_COUNT = 1;

/** The events that end a run for the stuck-runs alert, as its query lists them. */
function stuckRunsEndEvents(): string[] {
  const kql = readFileSync(join(INFRA_DIR, 'queries', 'stuck-runs.kql'), 'utf8');
  const list = /let endEvents = dynamic\(\[([^\]]*)\]\)/.exec(kql)?.[1] ?? '';
  return [...list.matchAll(/"([^"]+)"/g)].map((m) => m[1] ?? '');
}

const WorkerLogLine = z.looseObject({ event: z.string(), runId: z.string().optional() });
type WorkerLogLine = z.infer<typeof WorkerLogLine>;

describe('the sync-jobs function through the in-process broker', () => {
  let h: SyncHarness;
  let time: ManualTime;
  let broker: InProcessBroker;
  let services: Services;
  let host: LocalHost;
  /** What the broker did, on the manual clock. */
  const brokerEvents: Array<{ event: string; messageId: unknown; scheduledAt: unknown; deliveryCount: unknown; at: number }> = [];
  /** The worker's structured log lines, as the local host hands them over. */
  const workerLog: WorkerLogLine[] = [];
  /** Service Bus refusing to schedule retries (the worker's last resort is then the message itself). */
  let retriesRefused = false;

  beforeAll(async () => {
    h = await startSyncHarness({ users: 60, pageSize: 25, tenants: 3 });
    // Near the real date: the simulated tenant checks subscription expiry against its own (real) clock.
    time = new ManualTime(new Date());
    broker = new InProcessBroker({
      clock: time,
      scheduler: time,
      maxDeliveryCount: MAX_DELIVERY_COUNT,
      log: (event, fields) => {
        brokerEvents.push({
          event,
          messageId: fields.messageId,
          scheduledAt: fields.scheduledEnqueueTimeUtc,
          deliveryCount: fields.deliveryCount,
          at: time.now().getTime(),
        });
      },
    });
    const queue: JobQueue = {
      send: (name, message) =>
        retriesRefused && message.subject === 'sync:retry'
          ? Promise.reject(new AppError('dependency_unavailable', 'Service Bus is unavailable.'))
          : broker.send(name, message),
    };
    services = await createServices(
      { ...h.config, sync: { ...h.config.sync, maxDeliveryCount: MAX_DELIVERY_COUNT } },
      { scheduler: time },
      { clock: time, queue, secrets: h.services.secrets, mailer: h.mailer },
    );
    host = await startLocalHost({
      host: '127.0.0.1',
      port: 0,
      services,
      broker,
      functions: [syncJobs],
      runTimers: false,
      log: (event, fields) => {
        if (event !== 'function.log' || typeof fields.message !== 'string') return;
        const line = WorkerLogLine.safeParse(JSON.parse(fields.message));
        if (line.success) workerLog.push(line.data);
      },
    });
  }, 60_000);

  afterAll(async () => {
    await host.close();
    await broker.close();
    await h.close();
  });

  /** Queues a run as Sync Now does, then lets the broker deliver until nothing is left on `sync-jobs`. */
  const syncNow = async (companyId: string) => {
    const integration = (await services.integrations.get(companyId))?.value;
    const run = queuedRun({
      runId: randomUUID(),
      companyId,
      connectionId: integration?.connectionId ?? '',
      trigger: 'manual',
      mode: 'delta',
      nowIso: time.now().toISOString(),
    });
    await enqueueSyncRun(services, run);
    // When the broker is idle (no handler running), move time to the next timer: a scheduled retry.
    await time.runUntil(() => broker.peek(SYNC_JOBS_QUEUE).scheduled.length === 0, {
      settle: () => broker.whenIdle(),
      turns: 1,
    });
    return run.runId;
  };
  const eventsOf = (runId: string) => brokerEvents.filter((e) => typeof e.messageId === 'string' && e.messageId.startsWith(runId));
  const logOf = (runId: string) => workerLog.filter((line) => line.runId === runId);
  const left = (runId: string) => {
    const { active, scheduled, deadLetter } = broker.peek(SYNC_JOBS_QUEUE);
    const mine = (m: { messageId: string }) => m.messageId.startsWith(runId);
    return { active: active.filter(mine), scheduled: scheduled.filter(mine), deadLetter: deadLetter.filter(mine) };
  };

  it('a job that fails transiently three times, then succeeds, ends succeeded, its retries scheduled and delivered as the backoff says', async () => {
    await h.connectCompany('flaky', {}, h.tenantIds[0]);
    // Graph throttles the first three invocations, each beyond the client's in-run retries.
    h.sim.directory(h.tenantIds[0] ?? '').throttle(3 * (1 + IN_RUN_RETRIES), RETRY_AFTER_SECONDS);
    const runId = await syncNow('flaky');

    const run = await services.syncRuns.get('flaky', runId);
    expect(run).toMatchObject({ status: 'succeeded', invocations: 4, error: null, counts: { scanned: 60 } });

    const delivered = eventsOf(runId).filter((e) => e.event === 'queue.delivered');
    expect(delivered.map((e) => [e.messageId, e.deliveryCount])).toEqual([
      [runId, 1],
      [`${runId}:retry:1`, 1],
      [`${runId}:retry:2`, 1],
      [`${runId}:retry:3`, 1],
    ]);
    const scheduled = eventsOf(runId).filter((e) => e.event === 'queue.scheduled');
    expect(scheduled.map((e) => e.messageId)).toEqual([1, 2, 3].map((n) => `${runId}:retry:${n}`));
    const inRunWaitsMs = IN_RUN_RETRIES * RETRY_AFTER_SECONDS * 1000;
    for (const n of [1, 2, 3]) {
      const failedAt = (delivered[n - 1]?.at ?? NaN) + inRunWaitsMs;
      const backoff = retryDelayMs(n, retryJitter(runId, n));
      // Retry n is scheduled its backoff after the failure (30 s, 1 min, 2 min, each ±20 %)…
      expect(Math.abs(backoff - 30_000 * 2 ** (n - 1))).toBeLessThanOrEqual(0.2 * 30_000 * 2 ** (n - 1));
      expect(Date.parse(String(scheduled[n - 1]?.scheduledAt))).toBe(failedAt + backoff);
      // …and the broker delivers it then, not before.
      expect(delivered[n]?.at).toBe(failedAt + backoff);
    }
    expect(eventsOf(runId).filter((e) => e.event === 'queue.completed')).toHaveLength(4);
    expect(left(runId)).toEqual({ active: [], scheduled: [], deadLetter: [] });

    const log = logOf(runId);
    // Every invocation says it started the run (ids and its number only), for the stuck-runs alert.
    expect(log.filter((l) => l.event === 'sync.started')).toEqual(
      [1, 2, 3, 4].map((invocation, i) => ({
        event: 'sync.started',
        invocationId: expect.any(String) as unknown,
        fn: 'sync-jobs',
        companyId: 'flaky',
        runId,
        messageId: i === 0 ? runId : `${runId}:retry:${i}`,
        invocation,
      })),
    );
    expect(log.filter((l) => l.event === 'sync.failed_transiently').map((l) => l.code)).toEqual(
      Array(3).fill('directory_throttled'),
    );
    // The run's last word is one the stuck-runs query counts as an end.
    expect(log.at(-1)).toMatchObject({ event: 'sync.finished', status: 'succeeded' });
    expect(stuckRunsEndEvents()).toContain(log.at(-1)?.event);
    expect(log.filter((l) => stuckRunsEndEvents().includes(l.event))).toHaveLength(1);
  });

  it('a permanent failure (the tenant revoked consent) ends failed on the first delivery, with no retry', async () => {
    const tenant = h.tenantIds[1] ?? '';
    await h.connectCompany('revoked', {}, tenant);
    h.sim.directory(tenant).revokeConsent();
    const before = time.now().getTime();
    const runId = await syncNow('revoked');

    expect(await services.syncRuns.get('revoked', runId)).toMatchObject({
      status: 'failed',
      invocations: 1,
      error: { code: 'consent_revoked' },
    });
    expect((await services.integrations.get('revoked'))?.value.status).toBe('consent_revoked');
    expect(eventsOf(runId).map((e) => [e.event, e.deliveryCount])).toEqual([
      ['queue.enqueued', undefined],
      ['queue.delivered', 1],
      ['queue.completed', 1],
    ]);
    expect(left(runId)).toEqual({ active: [], scheduled: [], deadLetter: [] });
    // Nothing waited.
    expect(time.now().getTime()).toBe(before);

    const log = logOf(runId);
    expect(log.map((l) => l.event)).toEqual(['sync.started', 'sync.consent_revoked']);
    expect(stuckRunsEndEvents()).toContain('sync.consent_revoked');
  });

  it('when even the retry cannot be queued, the message goes back; on its last delivery the run ends failed and the message is dead-lettered', async () => {
    const tenant = h.tenantIds[2] ?? '';
    await h.connectCompany('queue-down', {}, tenant);
    h.sim.directory(tenant).throttle(1 + IN_RUN_RETRIES, RETRY_AFTER_SECONDS);
    retriesRefused = true;
    let runId: string;
    try {
      runId = await syncNow('queue-down');
    } finally {
      retriesRefused = false;
    }

    expect(await services.syncRuns.get('queue-down', runId)).toMatchObject({
      status: 'failed',
      error: { code: 'directory_throttled' },
    });
    expect(left(runId).deadLetter).toEqual([
      expect.objectContaining({ messageId: runId, deliveryCount: 1, deadLetterReason: MAX_DELIVERY_COUNT_EXCEEDED }),
    ]);
    const log = logOf(runId);
    expect(log.map((l) => l.event)).toEqual([
      'sync.started',
      'sync.failed_transiently',
      'sync.retry_not_scheduled',
      'sync.failed',
    ]);
    expect(log.at(-1)).toMatchObject({ code: 'directory_throttled', deliveryCount: 1, lastDelivery: true });
    expect(stuckRunsEndEvents()).toContain('sync.failed');
  });
});
