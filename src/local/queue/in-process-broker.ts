import { basename, dirname, join } from 'node:path';
import { AppError } from '../../domain/app-error';
import type { Clock } from '../../ports/clock.port';
import type { JobQueue, OutboundMessage, QueueName } from '../../ports/job-queue.port';
import { realScheduler, type Scheduler } from '../scheduler';
import { SegmentedLog, type FsyncPolicy } from '../segmented-log';
import {
  BrokerJournalRecordSchema,
  readBrokerState,
  writeBrokerState,
  type BrokerJournalRecord,
  type BrokerState,
  type PersistedMessage,
  type PersistedQueue,
} from './broker-state-file';
import { validateOutboundMessage } from './message-rules';

/**
 * An in-process stand-in for the Azure Service Bus queues the application uses, for the local
 * stack and tests. It reproduces the semantics the app relies on:
 *
 * - duplicate detection on `messageId` per queue within a window (a duplicate is dropped
 *   silently, as Service Bus does);
 * - `scheduledEnqueueTime` (the message becomes visible at that time);
 * - sessions: per `sessionId` strictly one message in flight and FIFO by enqueue order; different
 *   sessions in parallel up to `maxConcurrentSessions`. An abandoned message keeps its place and
 *   blocks its session until it completes or is dead-lettered;
 * - abandon → redelivery after `retryDelayMs` with `deliveryCount + 1`; after `maxDeliveryCount`
 *   deliveries the message moves to the dead-letter list (`MaxDeliveryCountExceeded`);
 * - message limits (JSON body ≤ 256 KB, ids ≤ 128 chars), bodies deep-copied through JSON.
 *
 * - the message lock: a handler that runs longer than `maxLockMs` (the Functions host's
 *   `maxAutoLockRenewalDuration`) loses it; the message is delivered again (`deliveryCount + 1`)
 *   and the first handler's outcome is ignored, as Service Bus does.
 *
 * Messages on a queue without a subscriber stay there (see `peek`).
 *
 * Time is an input: the clock and the scheduler (retry delays, scheduled messages, lock expiry,
 * the duplicate-detection window) are injected; tests advance a manual one.
 *
 * With `stateFile` the broker is durable: every change (accepted, delivered, completed,
 * dead-lettered, activated) is journaled (../segmented-log.ts) before it takes effect or is
 * acknowledged — `send` resolves once its record is synced — and replayed at start; the state
 * file is rewritten (atomically) as the journal grows and on close. After a crash, messages that
 * were being handled are delivered again (their delivery counted), as after a lost lock.
 */

export interface ReceivedMessage {
  messageId: string;
  sessionId: string | undefined;
  /** A fresh deep copy of the body that was sent. */
  body: unknown;
  /** 1-based: 1 on first delivery. */
  deliveryCount: number;
  enqueuedTimeUtc: Date;
  subject?: string;
}

export type MessageHandler = (message: ReceivedMessage) => Promise<void>;

export interface SubscribeOptions {
  /** Must match the queue: `true` for a session-enabled queue, `false` otherwise. */
  sessions: boolean;
  /** Non-session queues: how many messages are handled at once (default 16). */
  maxConcurrentCalls?: number;
  /** Session queues: how many sessions are handled at once, one message each (default 8). */
  maxConcurrentSessions?: number;
}

export interface BrokerSubscription {
  /** Stops delivering from this queue and waits for this subscription's in-flight handlers. */
  close(): Promise<void>;
}

export interface PeekedMessage {
  messageId: string;
  sessionId: string | undefined;
  subject: string | undefined;
  body: unknown;
  /** Deliveries so far (0 if never delivered). */
  deliveryCount: number;
  enqueuedTimeUtc: Date;
  scheduledEnqueueTimeUtc: Date | undefined;
  deadLetterReason: string | undefined;
  deadLetterErrorDescription: string | undefined;
}

export interface QueuePeek {
  /** Visible messages in queue order, including one currently being handled. */
  active: PeekedMessage[];
  /** Not yet visible, earliest first. */
  scheduled: PeekedMessage[];
  deadLetter: PeekedMessage[];
}

export type BrokerLog = (event: string, fields: Record<string, unknown>) => void;

export interface InProcessBrokerOptions {
  /** Clock for enqueue times, scheduled visibility, lock expiry and the duplicate-detection window. */
  clock?: Clock;
  /** Timers for retry delays, scheduled messages and lock expiry (default: Node's timers). */
  scheduler?: Scheduler;
  /** Duplicate-detection window (default 10 minutes, Service Bus's default). */
  duplicateDetectionWindowMs?: number;
  /** Delay before an abandoned message is redelivered (default 1 s). */
  retryDelayMs?: number;
  /** Deliveries before dead-lettering (default 10, Service Bus's default). */
  maxDeliveryCount?: number;
  /** Session-enabled queues (default `['sync-jobs']`): messages without `sessionId` are rejected. */
  sessionQueues?: readonly QueueName[];
  /** Keep the broker's state here (and its journal in `<name>-journal/` beside it); reloaded on start. */
  stateFile?: string;
  /** `always` (default): `send` resolves after fdatasync. `never`: after write() (survives a process crash, not a power cut). */
  fsync?: FsyncPolicy;
  /** Journal records after which the state file is rewritten and the journal dropped (default 5,000). */
  compactRecords?: number;
  /** How long a handler may hold a message's lock (default 10 minutes, host.json's maxAutoLockRenewalDuration). */
  maxLockMs?: number;
  /** Structured log: ids and counts, never bodies. */
  log?: BrokerLog;
}

export const DEFAULT_DUPLICATE_DETECTION_WINDOW_MS = 10 * 60 * 1000;
export const DEFAULT_RETRY_DELAY_MS = 1000;
export const DEFAULT_MAX_DELIVERY_COUNT = 10;
export const DEFAULT_MAX_CONCURRENT_CALLS = 16;
export const DEFAULT_MAX_CONCURRENT_SESSIONS = 8;
export const DEFAULT_MAX_LOCK_MS = 10 * 60 * 1000;
const DEFAULT_COMPACT_RECORDS = 5000;
export const MAX_DELIVERY_COUNT_EXCEEDED = 'MaxDeliveryCountExceeded';

/** Service Bus caps the dead-letter error description at 4096 characters. */
const MAX_DEAD_LETTER_DESCRIPTION = 4096;

interface StoredMessage {
  sequenceNumber: number;
  messageId: string;
  sessionId: string | undefined;
  subject: string | undefined;
  bodyJson: string;
  enqueuedAt: number;
  scheduledAt: number | undefined;
  deliveryCount: number;
  /** Being handled right now. */
  locked: boolean;
  /** Abandoned; waiting for the retry delay before redelivery. */
  retryPending: boolean;
  deadLetterReason: string | undefined;
  deadLetterDescription: string | undefined;
}

interface Subscription {
  handler: MessageHandler;
  sessions: boolean;
  maxConcurrentCalls: number;
  maxConcurrentSessions: number;
  inFlight: Set<Promise<void>>;
  inFlightSessions: Set<string>;
  closed: boolean;
}

interface QueueState {
  name: string;
  requiresSession: boolean;
  active: StoredMessage[];
  /** Sorted by scheduledAt, then sequence number. */
  scheduled: StoredMessage[];
  deadLetter: StoredMessage[];
  /** messageId → time (ms) it was accepted; insertion order is time order. */
  dedupe: Map<string, number>;
  subscription: Subscription | undefined;
}

type HandlerOutcome = { ok: true } | { ok: false; error: unknown };

function positiveInt(value: number | undefined, fallback: number, name: string, min = 1): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) {
    throw new AppError('configuration_invalid', `${name} must be an integer ≥ ${min}`);
  }
  return value;
}

function errorDescription(error: unknown): string {
  const text = error instanceof Error ? error.message : typeof error === 'string' ? error : 'Handler failed';
  return text.length > MAX_DEAD_LETTER_DESCRIPTION ? text.slice(0, MAX_DEAD_LETTER_DESCRIPTION) : text;
}

export class InProcessBroker implements JobQueue {
  private readonly clock: Clock;
  private readonly scheduler: Scheduler;
  private readonly windowMs: number;
  private readonly retryDelayMs: number;
  private readonly maxDeliveryCount: number;
  private readonly sessionQueues: ReadonlySet<string>;
  private readonly stateFile: string | undefined;
  private readonly journal: SegmentedLog | undefined;
  private readonly compactRecords: number;
  private readonly maxLockMs: number;
  private readonly logFn: BrokerLog | undefined;

  private readonly queues = new Map<string, QueueState>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly timers = new Set<unknown>();
  private scheduleTimer: unknown;
  private recordsSinceCompaction = 0;
  private compacting: Promise<void> | undefined;
  private idleWaiters: (() => void)[] = [];
  private nextSequenceNumber = 1;
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(options: InProcessBrokerOptions = {}) {
    this.clock = options.clock ?? { now: () => new Date() };
    this.scheduler = options.scheduler ?? realScheduler;
    this.windowMs = positiveInt(options.duplicateDetectionWindowMs, DEFAULT_DUPLICATE_DETECTION_WINDOW_MS, 'duplicateDetectionWindowMs', 0);
    this.retryDelayMs = positiveInt(options.retryDelayMs, DEFAULT_RETRY_DELAY_MS, 'retryDelayMs', 0);
    this.maxDeliveryCount = positiveInt(options.maxDeliveryCount, DEFAULT_MAX_DELIVERY_COUNT, 'maxDeliveryCount');
    this.sessionQueues = new Set(options.sessionQueues ?? ['sync-jobs']);
    this.stateFile = options.stateFile;
    this.compactRecords = positiveInt(options.compactRecords, DEFAULT_COMPACT_RECORDS, 'compactRecords');
    this.maxLockMs = positiveInt(options.maxLockMs, DEFAULT_MAX_LOCK_MS, 'maxLockMs');
    this.logFn = options.log;
    if (this.stateFile !== undefined) {
      const journalDir = join(dirname(this.stateFile), `${basename(this.stateFile, '.json')}-journal`);
      this.journal = new SegmentedLog(journalDir, { fsync: options.fsync ?? 'always', what: 'queue', log: (event, fields) => { this.log(`broker.${event}`, fields); } });
      this.load(this.stateFile, this.journal);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // JobQueue

  /** Enqueues a message (or drops it as a duplicate). Throws AppError('validation_failed'). */
  async send(queue: QueueName, message: OutboundMessage): Promise<void> {
    if (this.closed) throw new AppError('dependency_unavailable', 'The in-process broker is closed');
    const q = this.queue(queue);
    const valid = validateOutboundMessage(message, { requiresSession: q.requiresSession, queue });
    const nowMs = this.nowMs();
    this.purgeDedupe(q, nowMs);
    if (q.dedupe.has(valid.messageId)) {
      this.log('queue.duplicate_dropped', { queue, messageId: valid.messageId, sessionId: valid.sessionId });
      return;
    }
    q.dedupe.set(valid.messageId, nowMs);
    const scheduledAt = valid.scheduledEnqueueTime?.getTime();
    const stored: StoredMessage = {
      sequenceNumber: this.nextSequenceNumber++,
      messageId: valid.messageId,
      sessionId: valid.sessionId,
      subject: valid.subject,
      bodyJson: valid.bodyJson,
      enqueuedAt: nowMs,
      scheduledAt,
      deliveryCount: 0,
      locked: false,
      retryPending: false,
      deadLetterReason: undefined,
      deadLetterDescription: undefined,
    };
    const scheduled = scheduledAt !== undefined && scheduledAt > nowMs;
    if (scheduled) this.insertScheduled(q, stored);
    else q.active.push(stored);
    this.record({ op: 'send', queue, message: toPersisted(stored), dedupeAt: nowMs });
    // Accepted means durable: the record is on disk before the sender hears back (or a handler runs).
    await this.journal?.commit();
    if (scheduled) {
      this.armScheduleTimer();
      this.log('queue.scheduled', { queue, messageId: stored.messageId, sessionId: stored.sessionId, scheduledEnqueueTimeUtc: new Date(scheduledAt).toISOString() });
    } else {
      this.log('queue.enqueued', { queue, messageId: stored.messageId, sessionId: stored.sessionId, activeCount: q.active.length });
      this.dispatch(q);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Consuming

  /**
   * Starts a pump on `queue`: resolve → complete, throw → abandon (redelivered after the retry
   * delay, dead-lettered after `maxDeliveryCount` deliveries). One subscription per queue.
   */
  subscribe(queue: QueueName, handler: MessageHandler, options: SubscribeOptions): BrokerSubscription {
    if (this.closed) throw new AppError('dependency_unavailable', 'The in-process broker is closed');
    const q = this.queue(queue);
    if (q.subscription !== undefined) {
      throw new AppError('configuration_invalid', `Queue "${queue}" already has a subscriber`);
    }
    if (options.sessions !== q.requiresSession) {
      throw new AppError(
        'configuration_invalid',
        q.requiresSession ? `Queue "${queue}" is session-enabled: subscribe with sessions: true` : `Queue "${queue}" is not session-enabled: subscribe with sessions: false`,
      );
    }
    const subscription: Subscription = {
      handler,
      sessions: options.sessions,
      maxConcurrentCalls: positiveInt(options.maxConcurrentCalls, DEFAULT_MAX_CONCURRENT_CALLS, 'maxConcurrentCalls'),
      maxConcurrentSessions: positiveInt(options.maxConcurrentSessions, DEFAULT_MAX_CONCURRENT_SESSIONS, 'maxConcurrentSessions'),
      inFlight: new Set(),
      inFlightSessions: new Set(),
      closed: false,
    };
    q.subscription = subscription;
    this.log('queue.subscribed', { queue, sessions: options.sessions, activeCount: q.active.length });
    this.dispatch(q);
    return {
      close: async () => {
        if (subscription.closed) {
          await Promise.all([...subscription.inFlight]);
          return;
        }
        subscription.closed = true;
        if (q.subscription === subscription) q.subscription = undefined;
        this.log('queue.unsubscribed', { queue, inFlight: subscription.inFlight.size });
        this.checkIdle();
        await Promise.all([...subscription.inFlight]);
      },
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Inspection and lifecycle

  peek(queue: QueueName): QueuePeek {
    const q = this.queues.get(queue);
    if (q === undefined) return { active: [], scheduled: [], deadLetter: [] };
    return {
      active: q.active.map(toPeeked),
      scheduled: q.scheduled.map(toPeeked),
      deadLetter: q.deadLetter.map(toPeeked),
    };
  }

  /**
   * Resolves when no handler is running and no message is waiting on a queue that has a
   * subscriber (scheduled messages not yet due and queues without subscriber don't count;
   * messages waiting for a retry do).
   */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.idleWaiters.push(resolve);
    });
  }

  /**
   * Re-reads the clock: activates scheduled messages that are now due. Only needed after moving
   * an injected clock forward; with the real clock a timer does this.
   */
  wake(): void {
    this.activateDue();
  }

  /** Stops the pumps and timers, waits for in-flight handlers, writes the state file. */
  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    this.closed = true;
    for (const q of this.queues.values()) {
      if (q.subscription !== undefined) {
        q.subscription.closed = true;
        q.subscription = undefined;
      }
    }
    for (const timer of this.timers) this.scheduler.clearTimeout(timer);
    this.timers.clear();
    if (this.scheduleTimer !== undefined) this.scheduler.clearTimeout(this.scheduleTimer);
    this.scheduleTimer = undefined;
    await Promise.all([...this.inFlight]);
    for (const q of this.queues.values()) for (const m of q.active) m.retryPending = false;
    if (this.journal !== undefined) {
      await this.compacting;
      await this.compact(true);
      this.journal.close();
    }
    this.checkIdle();
    this.log('broker.closed', this.counts());
  }

  // ---------------------------------------------------------------------------------------------
  // Delivery

  private dispatch(q: QueueState): void {
    const sub = q.subscription;
    if (this.closed || sub === undefined || sub.closed) return;
    if (sub.sessions) {
      const seen = new Set<string>();
      for (const m of q.active) {
        if (sub.inFlightSessions.size >= sub.maxConcurrentSessions) break;
        const session = m.sessionId ?? '';
        if (seen.has(session)) continue;
        // m is the head of its session: deliverable only if nothing of the session is in flight
        // and it is not waiting out a retry delay.
        seen.add(session);
        if (m.locked || m.retryPending || sub.inFlightSessions.has(session)) continue;
        this.deliver(q, sub, m);
      }
    } else {
      for (const m of q.active) {
        if (sub.inFlight.size >= sub.maxConcurrentCalls) break;
        if (m.locked || m.retryPending) continue;
        this.deliver(q, sub, m);
      }
    }
  }

  private deliver(q: QueueState, sub: Subscription, m: StoredMessage): void {
    m.locked = true;
    m.deliveryCount += 1;
    // Counted before the handler runs, so a message that crashes the process is still dead-lettered in the end.
    this.record({ op: 'deliver', queue: q.name, seq: m.sequenceNumber, deliveryCount: m.deliveryCount });
    this.journal?.write();
    const session = sub.sessions ? (m.sessionId ?? '') : undefined;
    if (session !== undefined) sub.inFlightSessions.add(session);
    const lock = { lost: false };
    const lockTimer = this.setTimer(() => {
      // The lock ran out while the handler still runs: the message is free again, the handler's outcome will not count.
      lock.lost = true;
      m.locked = false;
      if (session !== undefined) sub.inFlightSessions.delete(session);
      this.log('queue.lock_lost', { queue: q.name, messageId: m.messageId, sessionId: m.sessionId, deliveryCount: m.deliveryCount, afterMs: this.maxLockMs });
      this.dispatch(q);
    }, this.maxLockMs);
    const received: ReceivedMessage = {
      messageId: m.messageId,
      sessionId: m.sessionId,
      body: JSON.parse(m.bodyJson) as unknown,
      deliveryCount: m.deliveryCount,
      enqueuedTimeUtc: new Date(m.enqueuedAt),
      ...(m.subject === undefined ? {} : { subject: m.subject }),
    };
    this.log('queue.delivered', { queue: q.name, messageId: m.messageId, sessionId: m.sessionId, deliveryCount: m.deliveryCount });
    const task: Promise<void> = invoke(sub.handler, received).then((outcome) => {
      sub.inFlight.delete(task);
      this.inFlight.delete(task);
      this.clearTimer(lockTimer);
      if (lock.lost) {
        this.log('queue.outcome_ignored', { queue: q.name, messageId: m.messageId, ok: outcome.ok, reason: 'lock lost' });
        this.checkIdle();
        return;
      }
      if (session !== undefined) sub.inFlightSessions.delete(session);
      m.locked = false;
      try {
        if (outcome.ok) this.complete(q, m);
        else this.abandon(q, m, outcome.error);
        this.journal?.write();
        this.maybeCompact();
        this.dispatch(q);
      } catch (error) {
        this.log('broker.internal_error', { queue: q.name, messageId: m.messageId, error: errorDescription(error) });
      }
      this.checkIdle();
    });
    sub.inFlight.add(task);
    this.inFlight.add(task);
  }

  private complete(q: QueueState, m: StoredMessage): void {
    removeFrom(q.active, m);
    this.record({ op: 'complete', queue: q.name, seq: m.sequenceNumber });
    this.log('queue.completed', { queue: q.name, messageId: m.messageId, sessionId: m.sessionId, deliveryCount: m.deliveryCount });
  }

  private abandon(q: QueueState, m: StoredMessage, error: unknown): void {
    const description = errorDescription(error);
    if (m.deliveryCount >= this.maxDeliveryCount) {
      removeFrom(q.active, m);
      m.deadLetterReason = MAX_DELIVERY_COUNT_EXCEEDED;
      m.deadLetterDescription = description;
      q.deadLetter.push(m);
      this.record({ op: 'deadLetter', queue: q.name, seq: m.sequenceNumber, reason: MAX_DELIVERY_COUNT_EXCEEDED, description });
      this.log('queue.dead_lettered', {
        queue: q.name,
        messageId: m.messageId,
        sessionId: m.sessionId,
        deliveryCount: m.deliveryCount,
        reason: MAX_DELIVERY_COUNT_EXCEEDED,
        error: description,
        deadLetterCount: q.deadLetter.length,
      });
      return;
    }
    this.log('queue.abandoned', { queue: q.name, messageId: m.messageId, sessionId: m.sessionId, deliveryCount: m.deliveryCount, error: description });
    if (this.closed) return;
    m.retryPending = true;
    this.setTimer(() => {
      m.retryPending = false;
      this.dispatch(q);
    }, this.retryDelayMs);
  }

  // ---------------------------------------------------------------------------------------------
  // Scheduling

  private insertScheduled(q: QueueState, m: StoredMessage): void {
    const at = m.scheduledAt ?? 0;
    let index = q.scheduled.length;
    while (index > 0) {
      const previous = q.scheduled[index - 1];
      if (previous === undefined || (previous.scheduledAt ?? 0) <= at) break;
      index -= 1;
    }
    q.scheduled.splice(index, 0, m);
  }

  private armScheduleTimer(): void {
    if (this.scheduleTimer !== undefined) this.scheduler.clearTimeout(this.scheduleTimer);
    this.scheduleTimer = undefined;
    if (this.closed) return;
    let earliest = Number.POSITIVE_INFINITY;
    for (const q of this.queues.values()) {
      const first = q.scheduled[0];
      if (first?.scheduledAt !== undefined && first.scheduledAt < earliest) earliest = first.scheduledAt;
    }
    if (earliest === Number.POSITIVE_INFINITY) return;
    this.scheduleTimer = this.scheduler.setTimeout(() => {
      this.scheduleTimer = undefined;
      this.activateDue();
    }, Math.max(0, earliest - this.nowMs()));
  }

  private activateDue(): void {
    if (this.closed) return;
    const nowMs = this.nowMs();
    let activated = false;
    for (const q of this.queues.values()) {
      let moved = false;
      for (let first = q.scheduled[0]; first !== undefined && (first.scheduledAt ?? 0) <= nowMs; first = q.scheduled[0]) {
        q.scheduled.shift();
        first.enqueuedAt = nowMs;
        q.active.push(first);
        this.record({ op: 'activate', queue: q.name, seq: first.sequenceNumber, at: nowMs });
        moved = true;
        this.log('queue.activated', { queue: q.name, messageId: first.messageId, sessionId: first.sessionId });
      }
      if (moved) {
        activated = true;
        this.dispatch(q);
      }
    }
    this.armScheduleTimer();
    if (activated) this.journal?.write();
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  private queue(name: string): QueueState {
    let q = this.queues.get(name);
    if (q === undefined) {
      q = {
        name,
        requiresSession: this.sessionQueues.has(name),
        active: [],
        scheduled: [],
        deadLetter: [],
        dedupe: new Map(),
        subscription: undefined,
      };
      this.queues.set(name, q);
    }
    return q;
  }

  private purgeDedupe(q: QueueState, nowMs: number): void {
    for (const [id, at] of q.dedupe) {
      if (at + this.windowMs > nowMs) break;
      q.dedupe.delete(id);
    }
  }

  private nowMs(): number {
    return this.clock.now().getTime();
  }

  private setTimer(fn: () => void, ms: number): unknown {
    const timer = this.scheduler.setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
    return timer;
  }

  private clearTimer(timer: unknown): void {
    if (this.timers.delete(timer)) this.scheduler.clearTimeout(timer);
  }

  private isIdle(): boolean {
    if (this.inFlight.size > 0) return false;
    for (const q of this.queues.values()) {
      if (q.subscription !== undefined && !q.subscription.closed && q.active.length > 0) return false;
    }
    return true;
  }

  private checkIdle(): void {
    if (this.idleWaiters.length === 0 || !this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private counts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const q of this.queues.values()) {
      counts[`${q.name}.active`] = q.active.length;
      counts[`${q.name}.scheduled`] = q.scheduled.length;
      counts[`${q.name}.deadLetter`] = q.deadLetter.length;
    }
    return counts;
  }

  private log(event: string, fields: Record<string, unknown>): void {
    if (this.logFn === undefined) return;
    try {
      this.logFn(event, fields);
    } catch {
      // A failing log sink must not break message handling.
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Persistence

  private record(record: BrokerJournalRecord): void {
    if (this.journal === undefined) return;
    this.journal.append(JSON.stringify(record));
    this.recordsSinceCompaction += 1;
  }

  private maybeCompact(): void {
    if (this.recordsSinceCompaction < this.compactRecords || this.compacting !== undefined || this.closed) return;
    this.compacting = this.compact(false).finally(() => {
      this.compacting = undefined;
    });
  }

  /**
   * Rewrites the state file from memory (a consistent state: taken in one turn, right after the
   * journal moved to a new segment) and drops the journal it contains. Never rejects: a failure
   * is logged, the journal stays, and the next compaction tries again.
   */
  private async compact(final: boolean): Promise<void> {
    const file = this.stateFile;
    const journal = this.journal;
    if (file === undefined || journal === undefined) return;
    if (!final && this.recordsSinceCompaction === 0) return;
    try {
      const through = journal.rotate();
      this.recordsSinceCompaction = 0;
      await writeBrokerState(file, this.snapshot(through));
      await journal.removeThrough(through);
    } catch (error) {
      this.log('broker.persist_failed', { file, error: errorDescription(error) });
    }
  }

  private snapshot(journalSegment: number): BrokerState {
    const nowMs = this.nowMs();
    const queues: Record<string, PersistedQueue> = {};
    for (const q of this.queues.values()) {
      this.purgeDedupe(q, nowMs);
      queues[q.name] = {
        active: q.active.map(toPersisted),
        scheduled: q.scheduled.map(toPersisted),
        deadLetter: q.deadLetter.map(toPersisted),
        dedupe: [...q.dedupe].map(([messageId, at]) => ({ messageId, at })),
      };
    }
    return { version: 2, journalSegment, savedAt: new Date(nowMs).toISOString(), nextSequenceNumber: this.nextSequenceNumber, queues };
  }

  private load(file: string, journal: SegmentedLog): void {
    const state = readBrokerState(file);
    if (state !== undefined) {
      this.nextSequenceNumber = Math.max(this.nextSequenceNumber, state.nextSequenceNumber);
      for (const [name, persisted] of Object.entries(state.queues)) {
        const q = this.queue(name);
        q.active = persisted.active.map(fromPersisted);
        q.scheduled = [];
        for (const m of persisted.scheduled.map(fromPersisted)) this.insertScheduled(q, m);
        q.deadLetter = persisted.deadLetter.map(fromPersisted);
        q.dedupe = new Map([...persisted.dedupe].sort((a, b) => a.at - b.at).map((entry) => [entry.messageId, entry.at]));
      }
    }
    const replayed = journal.open(state?.journalSegment ?? 0, (json) => {
      const parsed = BrokerJournalRecordSchema.safeParse(json);
      if (!parsed.success) return false;
      this.replay(parsed.data);
      return true;
    });
    this.recordsSinceCompaction = replayed.records;
    this.log('broker.state_loaded', { file, journalRecords: replayed.records, ...this.counts() });
    // Scheduled messages that fell due while the stack was down become visible now.
    this.activateDue();
  }

  private replay(record: BrokerJournalRecord): void {
    const q = this.queue(record.queue);
    if (record.op === 'send') {
      const m = fromPersisted(record.message);
      q.dedupe.delete(m.messageId);
      q.dedupe.set(m.messageId, record.dedupeAt);
      this.nextSequenceNumber = Math.max(this.nextSequenceNumber, m.sequenceNumber + 1);
      if (m.scheduledAt !== undefined && m.scheduledAt > record.dedupeAt) this.insertScheduled(q, m);
      else q.active.push(m);
      return;
    }
    const find = (list: StoredMessage[]) => list.find((m) => m.sequenceNumber === record.seq);
    switch (record.op) {
      case 'deliver': {
        const m = find(q.active);
        if (m !== undefined) m.deliveryCount = record.deliveryCount;
        return;
      }
      case 'complete': {
        const m = find(q.active);
        if (m !== undefined) removeFrom(q.active, m);
        return;
      }
      case 'deadLetter': {
        const m = find(q.active);
        if (m === undefined) return;
        removeFrom(q.active, m);
        m.deadLetterReason = record.reason;
        m.deadLetterDescription = record.description;
        q.deadLetter.push(m);
        return;
      }
      case 'activate': {
        const m = find(q.scheduled);
        if (m === undefined) return;
        removeFrom(q.scheduled, m);
        m.enqueuedAt = record.at;
        q.active.push(m);
        return;
      }
    }
  }
}

async function invoke(handler: MessageHandler, message: ReceivedMessage): Promise<HandlerOutcome> {
  try {
    // Never run a handler inside send()/subscribe(): start it on a later microtask.
    await Promise.resolve();
    await handler(message);
    return { ok: true };
  } catch (error) {
    return { ok: false, error };
  }
}

function removeFrom(list: StoredMessage[], m: StoredMessage): void {
  const index = list.indexOf(m);
  if (index >= 0) list.splice(index, 1);
}

function toPeeked(m: StoredMessage): PeekedMessage {
  return {
    messageId: m.messageId,
    sessionId: m.sessionId,
    subject: m.subject,
    body: JSON.parse(m.bodyJson) as unknown,
    deliveryCount: m.deliveryCount,
    enqueuedTimeUtc: new Date(m.enqueuedAt),
    scheduledEnqueueTimeUtc: m.scheduledAt === undefined ? undefined : new Date(m.scheduledAt),
    deadLetterReason: m.deadLetterReason,
    deadLetterErrorDescription: m.deadLetterDescription,
  };
}

function toPersisted(m: StoredMessage): PersistedMessage {
  return {
    sequenceNumber: m.sequenceNumber,
    messageId: m.messageId,
    ...(m.sessionId === undefined ? {} : { sessionId: m.sessionId }),
    ...(m.subject === undefined ? {} : { subject: m.subject }),
    body: JSON.parse(m.bodyJson) as unknown,
    enqueuedAt: m.enqueuedAt,
    ...(m.scheduledAt === undefined ? {} : { scheduledAt: m.scheduledAt }),
    deliveryCount: m.deliveryCount,
    ...(m.deadLetterReason === undefined ? {} : { deadLetterReason: m.deadLetterReason }),
    ...(m.deadLetterDescription === undefined ? {} : { deadLetterDescription: m.deadLetterDescription }),
  };
}

function fromPersisted(p: PersistedMessage): StoredMessage {
  return {
    sequenceNumber: p.sequenceNumber,
    messageId: p.messageId,
    sessionId: p.sessionId,
    subject: p.subject,
    bodyJson: JSON.stringify(p.body === undefined ? null : p.body),
    enqueuedAt: p.enqueuedAt,
    scheduledAt: p.scheduledAt,
    deliveryCount: p.deliveryCount,
    locked: false,
    retryPending: false,
    deadLetterReason: p.deadLetterReason,
    deadLetterDescription: p.deadLetterDescription,
  };
}
