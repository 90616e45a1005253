import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAppError } from '../../../src/domain/app-error';
import { InProcessBroker, MAX_DELIVERY_COUNT_EXCEEDED, type InProcessBrokerOptions, type ReceivedMessage } from '../../../src/local/queue/in-process-broker';
import { ManualTime, nextTurn } from '../../support/manual-time';

// Time is an input: every broker here runs on a manual clock and scheduler that only move when a
// test advances them; nothing sleeps.
let time: ManualTime;
beforeEach(() => {
  time = new ManualTime();
});

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const brokers: InProcessBroker[] = [];
function makeBroker(options: InProcessBrokerOptions = {}): InProcessBroker {
  // Handlers here take no time: a lock never runs out unless a test says so.
  const broker = new InProcessBroker({ retryDelayMs: 5, clock: time, scheduler: time, maxLockMs: 24 * 60 * 60 * 1000, ...options });
  brokers.push(broker);
  return broker;
}

/** Runs the broker (advancing time through retry delays) until nothing is left to deliver. */
async function settle(broker: InProcessBroker): Promise<void> {
  let idle = false;
  void broker.whenIdle().then(() => {
    idle = true;
  });
  await time.runUntil(() => idle);
}

afterEach(async () => {
  await Promise.all(brokers.splice(0).map((b) => b.close()));
});

async function expectValidationError(promise: Promise<unknown>, field: string): Promise<void> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isAppError(error, 'validation_failed')).toBe(true);
  if (!isAppError(error)) return;
  expect(error.errors?.map((p) => p.field)).toContain(field);
}

describe('InProcessBroker: sending', () => {
  it('delivers a deep copy of the body with delivery metadata', async () => {
    const t0 = time.now();
    const broker = makeBroker();
    const received: ReceivedMessage[] = [];
    broker.subscribe('notifications', (m) => {
      received.push(m);
      return Promise.resolve();
    }, { sessions: false });
    const body = { kind: 'mail', nested: { list: [1, 2] }, when: new Date('2030-01-02T00:00:00Z') };
    await broker.send('notifications', { messageId: 'n-1', body, subject: 'welcome' });
    body.nested.list.push(3);
    await settle(broker);
    expect(received).toEqual([
      {
        messageId: 'n-1',
        sessionId: undefined,
        subject: 'welcome',
        body: { kind: 'mail', nested: { list: [1, 2] }, when: '2030-01-02T00:00:00.000Z' },
        deliveryCount: 1,
        enqueuedTimeUtc: t0,
      },
    ]);
    expect(broker.peek('notifications').active).toEqual([]);
  });

  it('rejects invalid messages with validation_failed', async () => {
    const broker = makeBroker();
    await expectValidationError(broker.send('sync-jobs', { messageId: 'x', body: {} }), 'sessionId');
    await expectValidationError(broker.send('notifications', { messageId: 'm'.repeat(129), body: {} }), 'messageId');
    await expectValidationError(broker.send('notifications', { messageId: '', body: {} }), 'messageId');
    await expectValidationError(broker.send('sync-jobs', { messageId: 'x', sessionId: 's'.repeat(129), body: {} }), 'sessionId');
    await expectValidationError(broker.send('notifications', { messageId: 'x', body: { n: 1n } }), 'body');
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    await expectValidationError(broker.send('notifications', { messageId: 'x', body: circular }), 'body');
    await expectValidationError(broker.send('notifications', { messageId: 'x', body: undefined }), 'body');
    await expectValidationError(broker.send('notifications', { messageId: 'x', body: 'a'.repeat(256 * 1024) }), 'body');
    await expectValidationError(broker.send('notifications', { messageId: 'x', body: {}, scheduledEnqueueTime: new Date('nope') }), 'scheduledEnqueueTime');
    // 128-character ids and a body just under the limit are fine.
    await broker.send('sync-jobs', { messageId: 'm'.repeat(128), sessionId: 's'.repeat(128), body: 'a'.repeat(256 * 1024 - 2) });
    expect(broker.peek('sync-jobs').active).toHaveLength(1);
    expect(broker.peek('notifications').active).toHaveLength(0);
  });

  it('drops duplicates within the detection window, per queue, and accepts them after it', async () => {
    const events: string[] = [];
    const broker = makeBroker({ duplicateDetectionWindowMs: 10 * 60 * 1000, log: (event) => events.push(event) });
    await broker.send('sync-jobs', { messageId: 'job-1', sessionId: 'c1', body: { n: 1 } });
    await time.advance(5 * 60 * 1000);
    await broker.send('sync-jobs', { messageId: 'job-1', sessionId: 'c1', body: { n: 2 } });
    await broker.send('notifications', { messageId: 'job-1', body: { n: 3 } });
    expect(broker.peek('sync-jobs').active.map((m) => m.body)).toEqual([{ n: 1 }]);
    expect(broker.peek('notifications').active.map((m) => m.body)).toEqual([{ n: 3 }]);
    expect(events).toContain('queue.duplicate_dropped');
    // The window counts from the first accepted send, not from the dropped duplicate.
    await time.advance(5 * 60 * 1000);
    await broker.send('sync-jobs', { messageId: 'job-1', sessionId: 'c1', body: { n: 4 } });
    expect(broker.peek('sync-jobs').active.map((m) => m.body)).toEqual([{ n: 1 }, { n: 4 }]);
  });

  it('keeps detecting duplicates after the original was processed', async () => {
    const broker = makeBroker();
    let calls = 0;
    broker.subscribe('notifications', () => {
      calls += 1;
      return Promise.resolve();
    }, { sessions: false });
    await broker.send('notifications', { messageId: 'once', body: 1 });
    await settle(broker);
    await broker.send('notifications', { messageId: 'once', body: 1 });
    await settle(broker);
    expect(calls).toBe(1);
  });

  it('makes scheduled messages visible at their time', async () => {
    const broker = makeBroker();
    const deliveredAt: number[] = [];
    broker.subscribe('notifications', () => {
      deliveredAt.push(time.now().getTime());
      return Promise.resolve();
    }, { sessions: false });
    const start = time.now().getTime();
    await broker.send('notifications', { messageId: 'later', body: {}, scheduledEnqueueTime: new Date(start + 150) });
    await broker.send('notifications', { messageId: 'past', body: {}, scheduledEnqueueTime: new Date(start - 1000) });
    const peek = broker.peek('notifications');
    expect(peek.scheduled.map((m) => m.messageId)).toEqual(['later']);
    expect(peek.scheduled[0]?.scheduledEnqueueTimeUtc).toEqual(new Date(start + 150));
    // Not yet due: idle means "nothing deliverable now".
    await broker.whenIdle();
    expect(deliveredAt).toEqual([start]);
    await time.advance(149);
    expect(deliveredAt).toHaveLength(1);
    await time.advance(1);
    await broker.whenIdle();
    expect(deliveredAt).toEqual([start, start + 150]);
    expect(broker.peek('notifications').scheduled).toEqual([]);
  });

  it('activates scheduled messages against an injected clock with wake()', async () => {
    // A clock alone (no scheduler driven by it): wake() re-reads it.
    let now = new Date('2030-01-01T00:00:00Z').getTime();
    const broker = makeBroker({ clock: { now: () => new Date(now) }, scheduler: { setTimeout: () => ({}), clearTimeout: () => undefined } });
    await broker.send('notifications', { messageId: 'at-noon', body: {}, scheduledEnqueueTime: new Date(now + 3_600_000) });
    broker.wake();
    expect(broker.peek('notifications').scheduled).toHaveLength(1);
    now += 3_600_000;
    broker.wake();
    const peek = broker.peek('notifications');
    expect(peek.scheduled).toHaveLength(0);
    expect(peek.active.map((m) => [m.messageId, m.enqueuedTimeUtc.getTime()])).toEqual([['at-noon', now]]);
  });
});

describe('InProcessBroker: sessions', () => {
  it('handles one message per session at a time, FIFO, with sessions in parallel', async () => {
    const broker = makeBroker();
    const inFlightBySession = new Map<string, number>();
    const order = new Map<string, number[]>();
    let overlapsWithinSession = 0;
    let running = 0;
    let maxRunning = 0;
    broker.subscribe(
      'sync-jobs',
      async (m) => {
        const session = m.sessionId!;
        const now = (inFlightBySession.get(session) ?? 0) + 1;
        inFlightBySession.set(session, now);
        if (now > 1) overlapsWithinSession += 1;
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        for (let turn = 0; turn <= (m.body as { n: number }).n % 3; turn += 1) await nextTurn();
        order.set(session, [...(order.get(session) ?? []), (m.body as { n: number }).n]);
        running -= 1;
        inFlightBySession.set(session, now - 1);
      },
      { sessions: true, maxConcurrentSessions: 8 },
    );
    const sessions = ['c1', 'c2', 'c3', 'c4'];
    for (let n = 0; n < 8; n += 1) {
      for (const s of sessions) await broker.send('sync-jobs', { messageId: `${s}-${n}`, sessionId: s, body: { n } });
    }
    await settle(broker);
    expect(overlapsWithinSession).toBe(0);
    for (const s of sessions) expect(order.get(s)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(maxRunning).toBeGreaterThan(1);
    expect(maxRunning).toBeLessThanOrEqual(sessions.length);
  });

  it('caps parallel sessions at maxConcurrentSessions', async () => {
    const broker = makeBroker();
    let running = 0;
    let maxRunning = 0;
    broker.subscribe(
      'sync-jobs',
      async () => {
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        await nextTurn();
        running -= 1;
      },
      { sessions: true, maxConcurrentSessions: 2 },
    );
    for (let i = 0; i < 6; i += 1) await broker.send('sync-jobs', { messageId: `m${i}`, sessionId: `s${i}`, body: i });
    await settle(broker);
    expect(maxRunning).toBe(2);
  });

  it('caps a non-session queue at maxConcurrentCalls', async () => {
    const broker = makeBroker();
    let running = 0;
    let maxRunning = 0;
    let done = 0;
    broker.subscribe(
      'notifications',
      async () => {
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        await nextTurn();
        running -= 1;
        done += 1;
      },
      { sessions: false, maxConcurrentCalls: 3 },
    );
    for (let i = 0; i < 10; i += 1) await broker.send('notifications', { messageId: `m${i}`, body: i });
    await settle(broker);
    expect(done).toBe(10);
    expect(maxRunning).toBe(3);
  });

  it('redelivers an abandoned message with deliveryCount+1, blocking its session but not others', async () => {
    const broker = makeBroker({ retryDelayMs: 30 });
    const log: string[] = [];
    broker.subscribe(
      'sync-jobs',
      (m) => {
        log.push(`${m.messageId}#${m.deliveryCount}`);
        if (m.messageId === 'a1' && m.deliveryCount < 3) return Promise.reject(new Error('flaky'));
        return Promise.resolve();
      },
      { sessions: true },
    );
    await broker.send('sync-jobs', { messageId: 'a1', sessionId: 'a', body: 1 });
    await broker.send('sync-jobs', { messageId: 'a2', sessionId: 'a', body: 2 });
    await broker.send('sync-jobs', { messageId: 'b1', sessionId: 'b', body: 3 });
    await settle(broker);
    expect(log.filter((e) => e.startsWith('a'))).toEqual(['a1#1', 'a1#2', 'a1#3', 'a2#1']);
    // Session b was not held up by a's retries.
    expect(log.indexOf('b1#1')).toBeLessThan(log.indexOf('a1#2'));
  });

  it('dead-letters after maxDeliveryCount with the reason and the last error, then moves on', async () => {
    const broker = makeBroker({ maxDeliveryCount: 3 });
    const seen: string[] = [];
    broker.subscribe(
      'sync-jobs',
      (m) => {
        seen.push(`${m.messageId}#${m.deliveryCount}`);
        if (m.messageId === 'poison') return Promise.reject(new Error(`boom ${m.deliveryCount}`));
        return Promise.resolve();
      },
      { sessions: true },
    );
    await broker.send('sync-jobs', { messageId: 'poison', sessionId: 'c1', body: { bad: true } });
    await broker.send('sync-jobs', { messageId: 'next', sessionId: 'c1', body: { ok: true } });
    await settle(broker);
    expect(seen).toEqual(['poison#1', 'poison#2', 'poison#3', 'next#1']);
    const peek = broker.peek('sync-jobs');
    expect(peek.active).toEqual([]);
    expect(peek.deadLetter).toHaveLength(1);
    expect(peek.deadLetter[0]).toMatchObject({
      messageId: 'poison',
      sessionId: 'c1',
      body: { bad: true },
      deliveryCount: 3,
      deadLetterReason: MAX_DELIVERY_COUNT_EXCEEDED,
      deadLetterErrorDescription: 'boom 3',
    });
  });

  it('treats a synchronous throw in the handler as an abandon', async () => {
    const broker = makeBroker({ maxDeliveryCount: 1 });
    broker.subscribe(
      'notifications',
      () => {
        throw new Error('sync failure');
      },
      { sessions: false },
    );
    await broker.send('notifications', { messageId: 'm', body: 1 });
    await settle(broker);
    expect(broker.peek('notifications').deadLetter[0]?.deadLetterErrorDescription).toBe('sync failure');
  });
});

describe('InProcessBroker: inspection and lifecycle', () => {
  it('keeps messages for a queue without subscriber visible through peek', async () => {
    const broker = makeBroker();
    await broker.send('sync-jobs', { messageId: 'j1', sessionId: 'c1', body: { run: 1 } });
    await broker.send('sync-jobs', { messageId: 'j2', sessionId: 'c2', body: { run: 2 } });
    await settle(broker);
    const peek = broker.peek('sync-jobs');
    expect(peek.active.map((m) => [m.messageId, m.sessionId, m.deliveryCount])).toEqual([
      ['j1', 'c1', 0],
      ['j2', 'c2', 0],
    ]);
    // A late subscriber gets them.
    const got: string[] = [];
    broker.subscribe('sync-jobs', (m) => {
      got.push(m.messageId);
      return Promise.resolve();
    }, { sessions: true });
    await settle(broker);
    expect(got.sort()).toEqual(['j1', 'j2']);
  });

  it('rejects a subscription that does not match the queue, or a second one', () => {
    const broker = makeBroker();
    const handler = () => Promise.resolve();
    expect(() => broker.subscribe('sync-jobs', handler, { sessions: false })).toThrow(/session-enabled/);
    expect(() => broker.subscribe('notifications', handler, { sessions: true })).toThrow(/not session-enabled/);
    broker.subscribe('notifications', handler, { sessions: false });
    expect(() => broker.subscribe('notifications', handler, { sessions: false })).toThrow(/already has a subscriber/);
  });

  it('whenIdle waits for in-flight handlers; close awaits them and stops the pump', async () => {
    const broker = makeBroker();
    const gate = deferred();
    const handled: string[] = [];
    broker.subscribe(
      'notifications',
      async (m) => {
        await gate.promise;
        handled.push(m.messageId);
      },
      { sessions: false, maxConcurrentCalls: 1 },
    );
    await broker.send('notifications', { messageId: 'first', body: 1 });
    await broker.send('notifications', { messageId: 'second', body: 2 });
    let idle = false;
    void broker.whenIdle().then(() => {
      idle = true;
    });
    await nextTurn();
    expect(idle).toBe(false);

    let closed = false;
    const closing = broker.close().then(() => {
      closed = true;
    });
    await nextTurn();
    expect(closed).toBe(false);
    gate.resolve();
    await closing;
    expect(closed).toBe(true);
    expect(idle).toBe(true);
    // The in-flight message completed; the pump did not start the second one.
    expect(handled).toEqual(['first']);
    expect(broker.peek('notifications').active.map((m) => m.messageId)).toEqual(['second']);
    await expect(broker.send('notifications', { messageId: 'third', body: 3 })).rejects.toMatchObject({ code: 'dependency_unavailable' });
  });

  it('unsubscribing waits for the in-flight handler and leaves remaining messages queued', async () => {
    const broker = makeBroker();
    const gate = deferred();
    const started: string[] = [];
    const sub = broker.subscribe(
      'notifications',
      async (m) => {
        started.push(m.messageId);
        await gate.promise;
      },
      { sessions: false, maxConcurrentCalls: 1 },
    );
    for (let i = 0; i < 5; i += 1) await broker.send('notifications', { messageId: `m${i}`, body: i });
    await nextTurn();
    expect(started).toEqual(['m0']);
    let closed = false;
    const closing = sub.close().then(() => {
      closed = true;
    });
    await nextTurn();
    expect(closed).toBe(false);
    gate.resolve();
    await closing;
    await settle(broker);
    expect(started).toEqual(['m0']);
    expect(broker.peek('notifications').active.map((m) => m.messageId)).toEqual(['m1', 'm2', 'm3', 'm4']);
  });

  it('logs ids and counts, never bodies', async () => {
    const lines: string[] = [];
    const broker = makeBroker({ maxDeliveryCount: 2, log: (event, fields) => lines.push(`${event} ${JSON.stringify(fields)}`) });
    broker.subscribe('sync-jobs', () => Promise.reject(new Error('nope')), { sessions: true });
    await broker.send('sync-jobs', { messageId: 'id-1', sessionId: 'c1', body: { secret: 'TOP-SECRET-BODY' } });
    await settle(broker);
    const all = lines.join('\n');
    expect(all).toContain('id-1');
    expect(all).toContain('queue.dead_lettered');
    expect(all).not.toContain('TOP-SECRET-BODY');
  });
});

describe('InProcessBroker: persistence', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'broker-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('saves active, scheduled and dead-lettered messages and dedupe ids, and reloads them', async () => {
    const stateFile = join(dir, 'nested', 'queues.json');
    const first = makeBroker({ stateFile, maxDeliveryCount: 1 });
    const future = new Date(time.now().getTime() + 60 * 60 * 1000);
    await first.send('sync-jobs', { messageId: 'j1', sessionId: 'c1', body: { run: 1 }, subject: 'sync' });
    await first.send('sync-jobs', { messageId: 'j2', sessionId: 'c1', body: { run: 2 } });
    await first.send('sync-jobs', { messageId: 'later', sessionId: 'c2', body: { run: 3 }, scheduledEnqueueTime: future });
    const sub = first.subscribe('notifications', () => Promise.reject(new Error('smtp down')), { sessions: false });
    await first.send('notifications', { messageId: 'mail-1', body: { to: 'a@example.com' } });
    await settle(first);
    await sub.close();
    await first.close();

    const saved = JSON.parse(await readFile(stateFile, 'utf8')) as { version: number };
    expect(saved.version).toBe(2);

    const second = makeBroker({ stateFile });
    const peek = second.peek('sync-jobs');
    expect(peek.active.map((m) => [m.messageId, m.sessionId, m.subject, m.body])).toEqual([
      ['j1', 'c1', 'sync', { run: 1 }],
      ['j2', 'c1', undefined, { run: 2 }],
    ]);
    expect(peek.scheduled.map((m) => [m.messageId, m.scheduledEnqueueTimeUtc])).toEqual([['later', future]]);
    expect(second.peek('notifications').deadLetter).toMatchObject([
      { messageId: 'mail-1', deliveryCount: 1, deadLetterReason: MAX_DELIVERY_COUNT_EXCEEDED, deadLetterErrorDescription: 'smtp down' },
    ]);
    // Duplicate detection survives the restart.
    await second.send('sync-jobs', { messageId: 'j1', sessionId: 'c1', body: { run: 99 } });
    expect(second.peek('sync-jobs').active).toHaveLength(2);
    // And the reloaded jobs are processed in order.
    const got: string[] = [];
    second.subscribe('sync-jobs', (m) => {
      got.push(m.messageId);
      return Promise.resolve();
    }, { sessions: true });
    await settle(second);
    expect(got).toEqual(['j1', 'j2']);
    await second.close();

    const third = makeBroker({ stateFile });
    expect(third.peek('sync-jobs').active).toEqual([]);
    expect(third.peek('sync-jobs').scheduled).toHaveLength(1);
  });

  it('keeps what it accepted when the process dies without closing (kill -9)', async () => {
    const stateFile = join(dir, 'queues.json');
    // No close(): the first broker is abandoned as a killed process would be; only its journal remains.
    const crashed = new InProcessBroker({ stateFile, clock: time, scheduler: time, retryDelayMs: 5, maxDeliveryCount: 2, maxLockMs: 24 * 60 * 60 * 1000 });
    await crashed.send('sync-jobs', { messageId: 'done', sessionId: 'c1', body: { n: 1 } });
    await crashed.send('sync-jobs', { messageId: 'in-flight', sessionId: 'c2', body: { n: 2 } });
    await crashed.send('sync-jobs', { messageId: 'waiting', sessionId: 'c2', body: { n: 3 } });
    await crashed.send('sync-jobs', { messageId: 'later', sessionId: 'c3', body: { n: 4 }, scheduledEnqueueTime: new Date(time.now().getTime() + 60_000) });
    await crashed.send('notifications', { messageId: 'poison', body: {} });
    const gate = deferred();
    crashed.subscribe('sync-jobs', async (m) => {
      if (m.messageId === 'in-flight') await gate.promise;
    }, { sessions: true });
    crashed.subscribe('notifications', () => Promise.reject(new Error('smtp down')), { sessions: false });
    await time.runUntil(() => crashed.peek('notifications').deadLetter.length === 1 && !crashed.peek('sync-jobs').active.some((m) => m.messageId === 'done'));
    expect(crashed.peek('sync-jobs').active.map((m) => [m.messageId, m.deliveryCount])).toEqual([
      ['in-flight', 1],
      ['waiting', 0],
    ]);
    await time.advance(60_000);
    await time.runUntil(() => crashed.peek('sync-jobs').scheduled.length === 0 && !crashed.peek('sync-jobs').active.some((m) => m.messageId === 'later'));

    const restarted = makeBroker({ stateFile });
    const peek = restarted.peek('sync-jobs');
    // Completed stays completed; the message that was being handled comes back, its delivery counted.
    expect(peek.active.map((m) => [m.messageId, m.deliveryCount])).toEqual([
      ['in-flight', 1],
      ['waiting', 0],
    ]);
    expect(peek.scheduled).toEqual([]);
    expect(restarted.peek('notifications').deadLetter.map((m) => [m.messageId, m.deadLetterReason])).toEqual([['poison', MAX_DELIVERY_COUNT_EXCEEDED]]);
    // Duplicate detection survives too.
    await restarted.send('sync-jobs', { messageId: 'done', sessionId: 'c1', body: { n: 99 } });
    expect(restarted.peek('sync-jobs').active).toHaveLength(2);
    const got: string[] = [];
    restarted.subscribe('sync-jobs', (m) => {
      got.push(`${m.messageId}#${m.deliveryCount}`);
      return Promise.resolve();
    }, { sessions: true });
    await settle(restarted);
    expect(got).toEqual(['in-flight#2', 'waiting#1']);
    gate.resolve();
  });

  it('rewrites the state file as the journal grows, and loads the previous version’s file', async () => {
    const stateFile = join(dir, 'queues.json');
    const broker = makeBroker({ stateFile, compactRecords: 10, fsync: 'never' });
    broker.subscribe('notifications', () => Promise.resolve(), { sessions: false });
    for (let i = 0; i < 30; i += 1) await broker.send('notifications', { messageId: `m${i}`, body: i });
    await settle(broker);
    // Compaction runs in the background: wait for its file, not for a time.
    await time.runUntil(() => existsSync(stateFile));
    await broker.send('notifications', { messageId: 'last', body: 'x', scheduledEnqueueTime: new Date(time.now().getTime() + 1000) });
    const saved = JSON.parse(await readFile(stateFile, 'utf8')) as { version: number; journalSegment: number };
    expect(saved.version).toBe(2);
    expect(saved.journalSegment).toBeGreaterThanOrEqual(1);
    const reloaded = makeBroker({ stateFile });
    expect(reloaded.peek('notifications').scheduled.map((m) => m.messageId)).toEqual(['last']);
    expect(reloaded.peek('notifications').active).toEqual([]);

    const legacyFile = join(dir, 'legacy.json');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(
      legacyFile,
      JSON.stringify({
        version: 1,
        savedAt: time.now().toISOString(),
        nextSequenceNumber: 8,
        queues: { 'sync-jobs': { active: [{ sequenceNumber: 7, messageId: 'old', sessionId: 'c1', body: { run: 1 }, enqueuedAt: 1, deliveryCount: 0 }], scheduled: [], deadLetter: [], dedupe: [] } },
      }),
    );
    const legacy = makeBroker({ stateFile: legacyFile });
    expect(legacy.peek('sync-jobs').active.map((m) => m.messageId)).toEqual(['old']);
  });

  it('takes the lock back from a handler that runs longer than maxLockMs and delivers the message again', async () => {
    const gate = deferred();
    const deliveries: number[] = [];
    const events: string[] = [];
    const logged = makeBroker({ maxLockMs: 60_000, log: (event) => events.push(event) });
    logged.subscribe('sync-jobs', async (m) => {
      deliveries.push(m.deliveryCount);
      if (m.deliveryCount === 1) await gate.promise;
    }, { sessions: true });
    await logged.send('sync-jobs', { messageId: 'slow', sessionId: 'c1', body: {} });
    await time.advance(59_999);
    expect(deliveries).toEqual([1]);
    await time.advance(1);
    await time.runUntil(() => deliveries.length === 2 && logged.peek('sync-jobs').active.length === 0);
    // The first handler finishing late changes nothing.
    gate.resolve();
    await settle(logged);
    expect(events).toEqual(expect.arrayContaining(['queue.lock_lost', 'queue.outcome_ignored']));
    expect(deliveries).toEqual([1, 2]);
  });

  it('refuses to start from a corrupt state file', async () => {
    const stateFile = join(dir, 'queues.json');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(stateFile, '{"version": 2}');
    expect(() => new InProcessBroker({ stateFile })).toThrow(/unexpected shape/);
  });
});
