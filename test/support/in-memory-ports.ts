import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { systemClock } from '../../src/adapters/time/system-time';
import { AppError } from '../../src/domain/app-error';
import {
  applyDelta,
  CountsDelta,
  directoryRecordCounts,
  directoryWriteDelta,
  hasDrifted,
  sumDeltas,
  symbolUserCounts,
  symbolUserWriteDelta,
  UserCounts,
  ZERO_USER_COUNTS,
} from '../../src/domain/company-counts';
import { ConsentNonce, ConsentNonceSchema } from '../../src/domain/consent';
import { DirectoryUserRecord, DirectoryUserRecordSchema } from '../../src/domain/directory/directory-user';
import { reviewKeys, searchTerm } from '../../src/domain/directory/review-keys';
import { IntegrationSchema } from '../../src/domain/integration';
import { SymbolUser, SymbolUserSchema } from '../../src/domain/symbol-user';
import { SyncRun, SyncRunSchema } from '../../src/domain/sync-run';
import { SyncStateSchema } from '../../src/domain/sync-state';
import { SYNC_JOBS_QUEUE } from '../../src/domain/sync-job';
import { validateOutboundMessage } from '../../src/local/queue/message-rules';
import { Clock } from '../../src/ports/clock.port';
import { CONSENT_NONCE_GRACE_SECONDS, ConsentNonceStore } from '../../src/ports/consent-nonce-store.port';
import {
  DirectoryUserStore,
  DirectoryUserWrite,
  MAX_DIRECTORY_USER_PAGE_SIZE,
  ReviewQuery,
  WriteOutcome,
} from '../../src/ports/directory-user-store.port';
import { IntegrationStore, Versioned } from '../../src/ports/integration-store.port';
import { JobQueue, OutboundMessage, QueueName } from '../../src/ports/job-queue.port';
import { Mailer, OutgoingMail } from '../../src/ports/mailer.port';
import { NotificationLog } from '../../src/ports/notification-log.port';
import { SecretName, SecretStore } from '../../src/ports/secret-store.port';
import { isStorableId } from '../../src/ports/store-ids';
import { MAX_SYMBOL_USER_PAGE_SIZE, SymbolUserStore } from '../../src/ports/symbol-user-store.port';
import { MAX_SYNC_RUN_PAGE_SIZE, Page, SyncRunStore } from '../../src/ports/sync-run-store.port';
import { SyncStateStore } from '../../src/ports/sync-state-store.port';
import { Recount, UserCountsStore } from '../../src/ports/user-counts.port';
import { MAX_SEEN_IDS_PER_CHUNK, RoundSeenStore } from '../../src/ports/round-seen-store.port';

/**
 * Honest in-memory fakes of the ports. Each obeys its port's contract as the production adapter
 * does — the contract suites in test/contracts run the same cases against both — including the
 * parts that are easy to get wrong: etag preconditions, refusing invalid or foreign documents,
 * keyset cursors (paging while writing skips nothing), single consumption, duplicate detection.
 * What a fake cannot honestly reproduce (Cosmos TTL on history, Service Bus's server side) is
 * said in the contract suite.
 */

// The test clock lives with the test scheduler; re-exported here for tests that import it from the ports.
export { TestClock } from './test-time';

const clone = <T>(value: T): T => structuredClone(value);

/** What a store refuses to write: what the Cosmos adapters' `assertWritable` refuses. */
function writable<S extends z.ZodType>(schema: S, what: string, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new AppError(
      'internal_error',
      `Refusing to write an invalid ${what}: ${parsed.error.issues.map((i) => i.path.join('.') || '(root)').join(', ')}`,
    );
  return parsed.data;
}

function storableOrThrow(id: string, what: string): void {
  if (!isStorableId(id))
    throw new AppError('internal_error', `Refusing to write a ${what} with an id a store cannot hold`);
}

function newEtag(): string {
  return `"${randomUUID()}"`;
}

// -------------------------------------------------------------------------------------------------
// Keyset paging: the cursor is the last key served, so records written, changed or removed between
// pages neither repeat nor push others out of sight.

type SortKey = ReadonlyArray<string>;
type Direction = 'asc' | 'desc';

const CursorSchema = z.array(z.string());

function compareKeys(a: SortKey, b: SortKey, directions: readonly Direction[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? '';
    const y = b[i] ?? '';
    if (x !== y) return (x < y ? -1 : 1) * (directions[i] === 'desc' ? -1 : 1);
  }
  return 0;
}

function invalidCursor(): AppError {
  return new AppError('validation_failed', 'cursor is not valid', {
    errors: [{ field: 'cursor', message: 'is not valid' }],
  });
}

function decodeCursor(cursor: string): SortKey {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  const parsed = CursorSchema.safeParse(value);
  if (!parsed.success) throw invalidCursor();
  return parsed.data;
}

function assertLimit(limit: number, max: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > max) {
    throw new AppError('validation_failed', `limit must be an integer from 1 to ${max}`, {
      errors: [{ field: 'limit', message: `must be an integer from 1 to ${max}` }],
    });
  }
}

function keysetPage<T>(
  items: readonly T[],
  keyOf: (item: T) => SortKey,
  directions: readonly Direction[],
  options: { limit: number; cursor: string | null; max: number },
): Page<T> {
  assertLimit(options.limit, options.max);
  const after = options.cursor === null ? null : decodeCursor(options.cursor);
  const sorted = [...items].sort((a, b) => compareKeys(keyOf(a), keyOf(b), directions));
  const rest = after === null ? sorted : sorted.filter((item) => compareKeys(keyOf(item), after, directions) > 0);
  const page = rest.slice(0, options.limit);
  const last = page.at(-1);
  const nextCursor =
    rest.length > options.limit && last !== undefined
      ? Buffer.from(JSON.stringify(keyOf(last)), 'utf8').toString('base64url')
      : null;
  return { items: clone(page), nextCursor };
}

// -------------------------------------------------------------------------------------------------

/** One versioned document per company: the integration and the sync state are stored this way. */
class MemoryCompanyDocuments<S extends z.ZodType<{ companyId: string }>> {
  readonly docs = new Map<string, Versioned<z.output<S>>>();
  writes = 0;

  constructor(
    private readonly schema: S,
    private readonly what: string,
  ) {}

  get(companyId: string): Promise<Versioned<z.output<S>> | null> {
    const found = this.docs.get(companyId);
    return Promise.resolve(found ? clone(found) : null);
  }

  save(input: z.output<S>, expectedEtag: string | null): Promise<Versioned<z.output<S>>> {
    return Promise.resolve().then(() => {
      const value = writable(this.schema, this.what, input);
      storableOrThrow(value.companyId, this.what);
      const current = this.docs.get(value.companyId);
      if (expectedEtag === null && current) throw new AppError('conflict', `The ${this.what} already exists`);
      if (expectedEtag !== null && current?.etag !== expectedEtag)
        throw new AppError('precondition_failed', `The ${this.what} was changed meanwhile`);
      const saved = { value: clone(value), etag: newEtag() };
      this.docs.set(value.companyId, saved);
      this.writes++;
      return clone(saved);
    });
  }
}

export class MemoryIntegrationStore
  extends MemoryCompanyDocuments<typeof IntegrationSchema>
  implements IntegrationStore
{
  constructor() {
    super(IntegrationSchema, 'integration');
  }
}

export class MemorySyncStateStore extends MemoryCompanyDocuments<typeof SyncStateSchema> implements SyncStateStore {
  constructor() {
    super(SyncStateSchema, 'sync state');
  }
}

/** Nonces keyed `companyId/nonce`. With a clock, a nonce past `expiresAt` + the grace period is gone (as Cosmos TTL removes it). */
export class MemoryConsentNonceStore implements ConsentNonceStore {
  readonly docs = new Map<string, ConsentNonce>();

  constructor(private readonly clock: Clock = systemClock) {}

  put(nonce: ConsentNonce): Promise<void> {
    return Promise.resolve().then(() => {
      const value = writable(ConsentNonceSchema, 'consent nonce', nonce);
      const key = `${value.companyId}/${value.nonce}`;
      // A nonce is issued once: a collision must not overwrite another's.
      if (this.docs.has(key) && !this.expired(key)) throw new AppError('conflict', 'The consent nonce already exists');
      this.docs.set(key, clone(value));
    });
  }

  consume(companyId: string, nonce: string): Promise<ConsentNonce | null> {
    const key = `${companyId}/${nonce}`;
    const found = this.expired(key) ? null : (this.docs.get(key) ?? null);
    this.docs.delete(key);
    return Promise.resolve(found);
  }

  private expired(key: string): boolean {
    const found = this.docs.get(key);
    return (
      found !== undefined &&
      Date.parse(found.expiresAt) + CONSENT_NONCE_GRACE_SECONDS * 1000 <= this.clock.now().getTime()
    );
  }
}

export class MemorySyncRunStore implements SyncRunStore {
  readonly runs = new Map<string, SyncRun>();

  create(run: SyncRun): Promise<SyncRun> {
    return Promise.resolve().then(() => {
      const value = writable(SyncRunSchema, 'sync run', run);
      storableOrThrow(value.runId, 'sync run');
      const key = `${value.companyId}/${value.runId}`;
      const existing = this.runs.get(key);
      if (existing) return clone(existing);
      this.runs.set(key, clone(value));
      return clone(value);
    });
  }

  get(companyId: string, runId: string): Promise<SyncRun | null> {
    const found = this.runs.get(`${companyId}/${runId}`);
    return Promise.resolve(found ? clone(found) : null);
  }

  update(run: SyncRun): Promise<SyncRun> {
    return Promise.resolve().then(() => {
      const value = writable(SyncRunSchema, 'sync run', run);
      const key = `${value.companyId}/${value.runId}`;
      if (!this.runs.has(key)) throw new AppError('not_found', 'The sync run does not exist');
      this.runs.set(key, clone(value));
      return clone(value);
    });
  }

  /** Newest first (`queuedAt`), ties by run id. */
  list(companyId: string, options: { limit: number; cursor: string | null }): Promise<Page<SyncRun>> {
    return Promise.resolve().then(() => {
      const all = [...this.runs.values()].filter((r) => r.companyId === companyId);
      return keysetPage(all, (r) => [r.queuedAt, r.runId], ['desc', 'asc'], {
        ...options,
        max: MAX_SYNC_RUN_PAGE_SIZE,
      });
    });
  }
}

/** A message the test queue holds until a test takes it. */
export interface QueuedMessage {
  queue: QueueName;
  message: OutboundMessage;
  /** When it becomes visible (its scheduled time, or when it was sent). */
  visibleAt: Date;
  sequence: number;
}

/**
 * The queue as Service Bus behaves for a sender: the same message rules (ids ≤ 128 characters, a
 * session id on `sync-jobs`, a JSON body ≤ 256 KB), duplicate detection on the message id within
 * a window, scheduled messages. Every accepted message stays in `sent` for assertions; tests that
 * play the consumer take messages in delivery order with `take`.
 */
export class MemoryQueue implements JobQueue {
  readonly sent: Array<{ queue: QueueName; message: OutboundMessage }> = [];
  private readonly waiting: QueuedMessage[] = [];
  private readonly seen = new Map<string, number>();
  private sequence = 0;
  /** Makes the next sends fail like an unavailable Service Bus. */
  failNext = 0;

  constructor(
    private readonly clock: Clock = systemClock,
    private readonly duplicateWindowMs = 10 * 60_000,
  ) {}

  send(queue: QueueName, message: OutboundMessage): Promise<void> {
    return Promise.resolve().then(() => {
      if (this.failNext > 0) {
        this.failNext--;
        throw new AppError('dependency_unavailable', 'queue down');
      }
      validateOutboundMessage(message, { requiresSession: queue === SYNC_JOBS_QUEUE, queue });
      const nowMs = this.clock.now().getTime();
      const key = `${queue}/${message.messageId}`;
      const firstSent = this.seen.get(key);
      if (firstSent !== undefined && nowMs - firstSent < this.duplicateWindowMs) return;
      this.seen.set(key, nowMs);
      const copy = clone(message);
      this.sent.push({ queue, message: copy });
      const visibleAt =
        copy.scheduledEnqueueTime && copy.scheduledEnqueueTime.getTime() > nowMs
          ? copy.scheduledEnqueueTime
          : new Date(nowMs);
      this.waiting.push({ queue, message: copy, visibleAt, sequence: this.sequence++ });
    });
  }

  on(queue: QueueName): OutboundMessage[] {
    return this.sent.filter((s) => s.queue === queue).map((s) => s.message);
  }

  /**
   * The next message of a queue (of one session, if given) in delivery order — the earliest
   * visible time, then the order sent — taken off the queue, visible yet or not: the caller sees
   * `visibleAt` and moves its clock there. Undefined when there is none.
   */
  take(queue: QueueName, sessionId?: string): QueuedMessage | undefined {
    const candidates = this.waiting.filter(
      (w) => w.queue === queue && (sessionId === undefined || w.message.sessionId === sessionId),
    );
    const next = candidates.sort((a, b) => a.visibleAt.getTime() - b.visibleAt.getTime() || a.sequence - b.sequence)[0];
    if (next) this.waiting.splice(this.waiting.indexOf(next), 1);
    return next;
  }
}

export class MemoryMailer implements Mailer {
  readonly sent: OutgoingMail[] = [];

  send(mail: OutgoingMail): Promise<void> {
    if (!this.sent.some((m) => m.idempotencyKey === mail.idempotencyKey)) this.sent.push(clone(mail));
    return Promise.resolve();
  }
}

export class StaticSecrets implements SecretStore {
  constructor(
    private readonly values: Partial<Record<SecretName, string | undefined>> = {
      'state-signing-key': randomBytes(32).toString('base64url'),
    },
  ) {}

  get(name: SecretName): Promise<string> {
    const value = this.values[name];
    return value ? Promise.resolve(value) : Promise.reject(new AppError('configuration_invalid', `missing ${name}`));
  }

  find(name: SecretName): Promise<string | null> {
    return Promise.resolve(this.values[name] || null);
  }

  set(name: SecretName, value: string | undefined): void {
    this.values[name] = value;
  }
}

/**
 * The maintained counts, one entry per company, as the Cosmos adapter keeps them: moved by the
 * user stores' writes, derived from the records they hold when missing (or below zero) and by
 * `recount`. `truth` is what deriving finds.
 */
export class MemoryUserCounts implements UserCountsStore {
  readonly docs = new Map<string, UserCounts>();

  constructor(private readonly truth: (companyId: string) => UserCounts) {}

  countsFor(companyId: string): Promise<UserCounts> {
    const stored = this.docs.get(companyId);
    if (stored !== undefined && !hasDrifted(stored)) return Promise.resolve({ ...stored });
    return this.recount(companyId).then((r) => r.after);
  }

  add(companyId: string, delta: CountsDelta): Promise<void> {
    const stored = this.docs.get(companyId);
    // No counts yet: deriving them later includes this write.
    if (stored !== undefined) this.docs.set(companyId, applyDelta(stored, delta));
    return Promise.resolve();
  }

  recount(companyId: string): Promise<Recount> {
    const before = this.docs.get(companyId) ?? null;
    const after = this.truth(companyId);
    this.docs.set(companyId, { ...after });
    return Promise.resolve({ before: before && { ...before }, after, saved: true });
  }
}

/** The user stores and their counts, wired as the composition root wires the Cosmos ones. */
export function memoryUserStores(): {
  userCounts: MemoryUserCounts;
  directoryUsers: MemoryDirectoryUserStore;
  symbolUsers: MemorySymbolUserStore;
} {
  const userCounts: MemoryUserCounts = new MemoryUserCounts((companyId): UserCounts => {
    const deltas: CountsDelta[] = [
      ...[...directoryUsers.docs.values()]
        .filter((d) => d.value.companyId === companyId)
        .map((d) => directoryRecordCounts(d.value)),
      ...[...symbolUsers.docs.values()]
        .filter((d) => d.value.companyId === companyId)
        .map((d) => symbolUserCounts(d.value)),
    ];
    return applyDelta(ZERO_USER_COUNTS, sumDeltas(deltas));
  });
  const directoryUsers: MemoryDirectoryUserStore = new MemoryDirectoryUserStore(userCounts);
  const symbolUsers: MemorySymbolUserStore = new MemorySymbolUserStore(userCounts);
  return { userCounts, directoryUsers, symbolUsers };
}

/** Seen-id chunks by company, round and number. */
export class MemoryRoundSeenStore implements RoundSeenStore {
  readonly chunks = new Map<string, string[]>();

  put(companyId: string, roundId: string, chunk: number, ids: readonly string[]): Promise<void> {
    if (ids.length > MAX_SEEN_IDS_PER_CHUNK)
      return Promise.reject(new AppError('internal_error', 'Refusing a seen-id chunk over its size'));
    this.chunks.set(`${companyId}/${roundId}/${chunk}`, [...ids]);
    return Promise.resolve();
  }

  load(companyId: string, roundId: string, chunks: number): Promise<Set<string>> {
    const seen = new Set<string>();
    for (let chunk = 0; chunk < chunks; chunk++) {
      const ids = this.chunks.get(`${companyId}/${roundId}/${chunk}`);
      if (ids === undefined)
        return Promise.reject(new AppError('internal_error', `Seen-id chunk ${chunk} of the round is missing`));
      for (const id of ids) seen.add(id);
    }
    return Promise.resolve(seen);
  }
}

export class MemoryDirectoryUserStore implements DirectoryUserStore {
  readonly docs = new Map<string, Versioned<DirectoryUserRecord>>();
  private key = (companyId: string, id: string) => `${companyId}/${id}`;

  constructor(private readonly counts: UserCountsStore) {}

  getMany(companyId: string, ids: readonly string[]): Promise<Map<string, Versioned<DirectoryUserRecord>>> {
    const out = new Map<string, Versioned<DirectoryUserRecord>>();
    for (const id of ids) {
      const found = isStorableId(id) ? this.docs.get(this.key(companyId, id)) : undefined;
      if (found) out.set(id, clone(found));
    }
    return Promise.resolve(out);
  }

  write(companyId: string, writes: readonly DirectoryUserWrite[]): Promise<WriteOutcome[]> {
    return Promise.resolve().then(async () => {
      // Every write is checked before any is applied: a bad one means nothing is written.
      const prepared = this.prepare(companyId, writes);
      const outcomes = prepared.map((w) => this.apply(companyId, w));
      const applied = prepared.filter((_, i) => outcomes[i]?.ok === true);
      await this.counts.add(
        companyId,
        sumDeltas(applied.map((w) => directoryWriteDelta(w.expected?.value ?? null, w.op === 'put' ? w.record : null))),
      );
      return outcomes;
    });
  }

  private prepare(companyId: string, writes: readonly DirectoryUserWrite[]): DirectoryUserWrite[] {
    const ids = new Set<string>();
    return writes.map((w, index) => {
      const id = w.op === 'put' ? w.record.id : w.expected.value.id;
      if (!isStorableId(companyId) || !isStorableId(id))
        throw new AppError(
          'internal_error',
          `Refusing to write a directory user with an id a store cannot hold (write ${index})`,
        );
      if (ids.has(id))
        throw new AppError('internal_error', `Refusing a write with two writes for one id (write ${index})`);
      ids.add(id);
      if (w.op !== 'put') return w;
      const record = writable(DirectoryUserRecordSchema, 'directory user', w.record);
      if (record.companyId !== companyId)
        throw new AppError('internal_error', `Refusing to write a directory user of another company (write ${index})`);
      if (w.expected !== null && w.expected.value.id !== id)
        throw new AppError(
          'internal_error',
          `Refusing a write whose expected version is another record's (write ${index})`,
        );
      return { ...w, record };
    });
  }

  private apply(companyId: string, w: DirectoryUserWrite): WriteOutcome {
    const id = w.op === 'put' ? w.record.id : w.expected.value.id;
    const key = this.key(companyId, id);
    const current = this.docs.get(key);
    const conflict: WriteOutcome = { id, ok: false, reason: 'conflict' };
    if (w.expected === null ? current !== undefined : current?.etag !== w.expected.etag) {
      return conflict;
    } else if (w.op === 'delete') {
      this.docs.delete(key);
    } else {
      this.docs.set(key, { value: clone(w.record), etag: newEtag() });
    }
    return { id, ok: true };
  }

  private of(companyId: string): Array<Versioned<DirectoryUserRecord>> {
    return [...this.docs.values()].filter((d) => d.value.companyId === companyId);
  }

  private byId(
    items: Array<Versioned<DirectoryUserRecord>>,
    options: { limit: number; cursor: string | null },
  ): Page<Versioned<DirectoryUserRecord>> {
    return keysetPage(items, (d) => [d.value.id], ['asc'], { ...options, max: MAX_DIRECTORY_USER_PAGE_SIZE });
  }

  listForReview(companyId: string, query: ReviewQuery): Promise<Page<Versioned<DirectoryUserRecord>>> {
    return Promise.resolve().then(() => {
      const q = query.search ? searchTerm(query.search) : null;
      const matches = this.of(companyId).filter((d) => {
        if (d.value.status !== query.status || (query.flag !== null && !d.value.flags.includes(query.flag)))
          return false;
        const keys = reviewKeys(d.value.id, d.value.attributes);
        return q === null || [keys.name, keys.given, keys.surname, keys.mail, keys.upn].some((k) => k.startsWith(q));
      });
      const sortKey = (d: Versioned<DirectoryUserRecord>) => [reviewKeys(d.value.id, d.value.attributes).sortKey];
      return keysetPage(matches, sortKey, ['asc'], {
        limit: query.limit,
        cursor: query.cursor,
        max: MAX_DIRECTORY_USER_PAGE_SIZE,
      });
    });
  }

  listIds(
    companyId: string,
    options: { after: string | null; limit: number; cursor: string | null },
  ): Promise<Page<string>> {
    return Promise.resolve().then(() => {
      const after = options.after;
      const ids = this.of(companyId)
        .map((d) => d.value.id)
        .filter((id) => after === null || id > after);
      return keysetPage(ids, (id) => [id], ['asc'], { ...options, max: MAX_DIRECTORY_USER_PAGE_SIZE });
    });
  }

  listPendingRemovals(
    companyId: string,
    runId: string | null,
    options: { limit: number; cursor: string | null },
  ): Promise<Page<Versioned<DirectoryUserRecord>>> {
    const pending = this.of(companyId).filter(
      (d) => d.value.pendingRemoval !== null && (runId === null || d.value.pendingRemoval.runId === runId),
    );
    return Promise.resolve().then(() => this.byId(pending, options));
  }

  countActiveApproved(companyId: string): Promise<number> {
    return Promise.resolve(
      this.of(companyId).filter((d) => d.value.status === 'approved' && d.value.deactivated === null).length,
    );
  }
}

export class MemorySymbolUserStore implements SymbolUserStore {
  readonly docs = new Map<string, Versioned<SymbolUser>>();

  constructor(private readonly counts: UserCountsStore) {}

  get(companyId: string, id: string): Promise<Versioned<SymbolUser> | null> {
    const found = this.docs.get(`${companyId}/${id}`);
    return Promise.resolve(found ? clone(found) : null);
  }

  findByEmailKeys(companyId: string, emailKeys: readonly string[]): Promise<Array<Versioned<SymbolUser>>> {
    const keys = new Set(emailKeys);
    return Promise.resolve(
      clone([...this.docs.values()].filter((d) => d.value.companyId === companyId && keys.has(d.value.emailKey))),
    );
  }

  save(user: SymbolUser, expected: Versioned<SymbolUser> | null): Promise<Versioned<SymbolUser>> {
    return Promise.resolve().then(async () => {
      const value = writable(SymbolUserSchema, 'Symbol user', user);
      storableOrThrow(value.id, 'Symbol user');
      if (expected !== null && (expected.value.id !== value.id || expected.value.companyId !== value.companyId))
        throw new AppError('internal_error', 'Refusing to replace a Symbol user with another user’s version');
      const expectedEtag = expected?.etag ?? null;
      const key = `${value.companyId}/${value.id}`;
      const current = this.docs.get(key);
      if (expectedEtag === null && current)
        throw new AppError('conflict', 'A Symbol user with this id or e-mail address already exists in the company');
      if (expectedEtag !== null && current?.etag !== expectedEtag)
        throw new AppError('precondition_failed', 'The Symbol user was changed meanwhile');
      // One user per e-mail address in a company (Cosmos: the container's unique key on /emailKey).
      const clash = [...this.docs.values()].some(
        (d) => d.value.companyId === value.companyId && d.value.id !== value.id && d.value.emailKey === value.emailKey,
      );
      if (clash) throw new AppError('conflict', 'Another Symbol user of the company has this e-mail address');
      const saved = { value: clone(value), etag: newEtag() };
      this.docs.set(key, saved);
      await this.counts.add(value.companyId, symbolUserWriteDelta(expected?.value ?? null, value));
      return clone(saved);
    });
  }

  /** Oldest first (`createdAt`, then `id`). */
  list(
    companyId: string,
    options: { status: SymbolUser['status'] | null; limit: number; cursor: string | null },
  ): Promise<Page<SymbolUser>> {
    return Promise.resolve().then(() => {
      const all = [...this.docs.values()]
        .map((d) => d.value)
        .filter((u) => u.companyId === companyId && (options.status === null || u.status === options.status));
      return keysetPage(all, (u) => [u.createdAt, u.id], ['asc', 'asc'], {
        limit: options.limit,
        cursor: options.cursor,
        max: MAX_SYMBOL_USER_PAGE_SIZE,
      });
    });
  }
}

export class MemoryNotificationLog implements NotificationLog {
  readonly sent = new Map<string, string>();

  wasSent(companyId: string, messageId: string): Promise<boolean> {
    return Promise.resolve(this.sent.has(`${companyId}/${messageId}`));
  }

  markSent(companyId: string, messageId: string, sentAtIso: string): Promise<void> {
    this.sent.set(`${companyId}/${messageId}`, sentAtIso);
    return Promise.resolve();
  }
}
