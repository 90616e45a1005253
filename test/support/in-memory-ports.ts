import { randomBytes, randomUUID } from 'node:crypto';
import { AppError } from '../../src/domain/app-error';
import { ConsentNonce } from '../../src/domain/consent';
import { Integration } from '../../src/domain/integration';
import { SyncRun } from '../../src/domain/sync-run';
import { ConsentNonceStore } from '../../src/ports/consent-nonce-store.port';
import { IntegrationStore, Versioned } from '../../src/ports/integration-store.port';
import { JobQueue, OutboundMessage, QueueName } from '../../src/ports/job-queue.port';
import { Mailer, OutgoingMail } from '../../src/ports/mailer.port';
import { SecretName, SecretStore } from '../../src/ports/secret-store.port';
import { Page, SyncRunStore } from '../../src/ports/sync-run-store.port';
import { UserCounts, UserCountsReader } from '../../src/ports/user-counts.port';
import { DirectoryUserRecord } from '../../src/domain/directory/directory-user';
import { SymbolUser } from '../../src/domain/symbol-user';
import { SyncState } from '../../src/domain/sync-state';
import { DirectoryUserStore, DirectoryUserWrite, ReviewQuery, WriteOutcome } from '../../src/ports/directory-user-store.port';
import { reviewKeys, searchTerm } from '../../src/domain/directory/review-keys';
import { SymbolUserStore } from '../../src/ports/symbol-user-store.port';
import { SyncStateStore } from '../../src/ports/sync-state-store.port';

/**
 * Honest in-memory fakes for handler tests: each obeys its port's contract (etags and
 * preconditions, single consumption, idempotent creates). Adapter behaviour against the real
 * Cosmos protocol is covered by the Cosmos adapter tests.
 */

const clone = <T>(value: T): T => structuredClone(value);

export class MemoryIntegrationStore implements IntegrationStore {
  readonly docs = new Map<string, Versioned<Integration>>();
  writes = 0;

  get(companyId: string): Promise<Versioned<Integration> | null> {
    const found = this.docs.get(companyId);
    return Promise.resolve(found ? clone(found) : null);
  }

  save(integration: Integration, expectedEtag: string | null): Promise<Versioned<Integration>> {
    const current = this.docs.get(integration.companyId);
    if (expectedEtag === null && current) return Promise.reject(new AppError('conflict', 'exists'));
    if (expectedEtag !== null && current?.etag !== expectedEtag) return Promise.reject(new AppError('precondition_failed', 'stale'));
    const saved = { value: clone(integration), etag: randomUUID() };
    this.docs.set(integration.companyId, saved);
    this.writes++;
    return Promise.resolve(clone(saved));
  }
}

export class MemoryConsentNonceStore implements ConsentNonceStore {
  readonly docs = new Map<string, ConsentNonce>();

  put(nonce: ConsentNonce): Promise<void> {
    this.docs.set(`${nonce.companyId}/${nonce.nonce}`, clone(nonce));
    return Promise.resolve();
  }

  consume(companyId: string, nonce: string): Promise<ConsentNonce | null> {
    const key = `${companyId}/${nonce}`;
    const found = this.docs.get(key) ?? null;
    this.docs.delete(key);
    return Promise.resolve(found);
  }
}

export class MemorySyncRunStore implements SyncRunStore {
  readonly runs = new Map<string, SyncRun>();

  create(run: SyncRun): Promise<SyncRun> {
    const key = `${run.companyId}/${run.runId}`;
    const existing = this.runs.get(key);
    if (existing) return Promise.resolve(clone(existing));
    this.runs.set(key, clone(run));
    return Promise.resolve(clone(run));
  }

  get(companyId: string, runId: string): Promise<SyncRun | null> {
    const found = this.runs.get(`${companyId}/${runId}`);
    return Promise.resolve(found ? clone(found) : null);
  }

  update(run: SyncRun): Promise<SyncRun> {
    const key = `${run.companyId}/${run.runId}`;
    if (!this.runs.has(key)) return Promise.reject(new AppError('not_found', 'no run'));
    this.runs.set(key, clone(run));
    return Promise.resolve(clone(run));
  }

  list(companyId: string, options: { limit: number; cursor: string | null }): Promise<Page<SyncRun>> {
    const all = [...this.runs.values()].filter((r) => r.companyId === companyId).sort((a, b) => b.queuedAt.localeCompare(a.queuedAt));
    const start = options.cursor ? Number(options.cursor) : 0;
    const items = all.slice(start, start + options.limit);
    return Promise.resolve({ items: clone(items), nextCursor: start + options.limit < all.length ? String(start + options.limit) : null });
  }
}

export class MemoryQueue implements JobQueue {
  readonly sent: Array<{ queue: QueueName; message: OutboundMessage }> = [];
  private readonly seen = new Set<string>();
  failNext = 0;

  send(queue: QueueName, message: OutboundMessage): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      return Promise.reject(new AppError('dependency_unavailable', 'queue down'));
    }
    // Service Bus duplicate detection: the same message id on the same queue is dropped.
    const key = `${queue}/${message.messageId}`;
    if (this.seen.has(key)) return Promise.resolve();
    this.seen.add(key);
    this.sent.push({ queue, message: clone(message) });
    return Promise.resolve();
  }

  on(queue: QueueName): OutboundMessage[] {
    return this.sent.filter((s) => s.queue === queue).map((s) => s.message);
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
  constructor(private readonly values: Partial<Record<SecretName, string | undefined>> = { 'state-signing-key': randomBytes(32).toString('base64url') }) {}

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

export class FixedCounts implements UserCountsReader {
  constructor(private readonly counts: UserCounts = { pending: 0, denied: 0, excluded: 0, held: 0, activeUsers: 0 }) {}

  countsFor(): Promise<UserCounts> {
    return Promise.resolve(this.counts);
  }
}

/** A clock tests can move. */
export class TestClock {
  constructor(private current: Date = new Date('2026-11-27T10:00:00.000Z')) {}

  now(): Date {
    return new Date(this.current);
  }

  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

export class MemoryDirectoryUserStore implements DirectoryUserStore {
  readonly docs = new Map<string, Versioned<DirectoryUserRecord>>();
  private key = (companyId: string, id: string) => `${companyId}/${id}`;

  getMany(companyId: string, ids: readonly string[]): Promise<Map<string, Versioned<DirectoryUserRecord>>> {
    const out = new Map<string, Versioned<DirectoryUserRecord>>();
    for (const id of ids) {
      const found = this.docs.get(this.key(companyId, id));
      if (found) out.set(id, clone(found));
    }
    return Promise.resolve(out);
  }

  write(companyId: string, writes: readonly DirectoryUserWrite[]): Promise<WriteOutcome[]> {
    return Promise.resolve(
      writes.map((w): WriteOutcome => {
        const id = w.op === 'put' ? w.record.id : w.id;
        const key = this.key(companyId, id);
        const current = this.docs.get(key);
        if (w.op === 'mark_seen') {
          if (current) this.docs.set(key, { value: { ...current.value, seenRound: w.roundId }, etag: randomUUID() });
          return { id, ok: true };
        }
        const expected = w.expectedEtag;
        if ((expected === null && current) || (expected !== null && current?.etag !== expected)) return { id, ok: false, reason: 'conflict' };
        if (w.op === 'delete') this.docs.delete(key);
        else this.docs.set(key, { value: clone(w.record), etag: randomUUID() });
        return { id, ok: true };
      }),
    );
  }

  private page(items: Array<Versioned<DirectoryUserRecord>>, options: { limit: number; cursor: string | null }): Page<Versioned<DirectoryUserRecord>> {
    const start = options.cursor ? Number(options.cursor) : 0;
    return { items: clone(items.slice(start, start + options.limit)), nextCursor: start + options.limit < items.length ? String(start + options.limit) : null };
  }

  private of(companyId: string): Array<Versioned<DirectoryUserRecord>> {
    return [...this.docs.values()].filter((d) => d.value.companyId === companyId);
  }

  listForReview(companyId: string, query: ReviewQuery): Promise<Page<Versioned<DirectoryUserRecord>>> {
    const q = query.search ? searchTerm(query.search) : null;
    const matches = this.of(companyId)
      .filter((d) => d.value.status === query.status && (query.flag === null || d.value.flags.includes(query.flag)))
      .map((d) => ({ d, keys: reviewKeys(d.value.id, d.value.attributes) }))
      .filter(({ keys }) => q === null || [keys.name, keys.given, keys.surname, keys.mail, keys.upn].some((k) => k.startsWith(q)))
      .sort((a, b) => (a.keys.sortKey < b.keys.sortKey ? -1 : a.keys.sortKey > b.keys.sortKey ? 1 : 0))
      .map(({ d }) => d);
    return Promise.resolve(this.page(matches, query));
  }

  listNotSeenIn(companyId: string, roundId: string, options: { limit: number; cursor: string | null }): Promise<Page<Versioned<DirectoryUserRecord>>> {
    return Promise.resolve(this.page(this.of(companyId).filter((d) => d.value.seenRound !== roundId), options));
  }

  listPendingRemovals(companyId: string, runId: string | null, options: { limit: number; cursor: string | null }): Promise<Page<Versioned<DirectoryUserRecord>>> {
    return Promise.resolve(this.page(this.of(companyId).filter((d) => d.value.pendingRemoval !== null && (runId === null || d.value.pendingRemoval.runId === runId)), options));
  }

  countSynced(companyId: string): Promise<number> {
    return Promise.resolve(this.of(companyId).filter((d) => d.value.status !== 'approved' || d.value.deactivated === null).length);
  }

  countActiveApproved(companyId: string): Promise<number> {
    return Promise.resolve(this.of(companyId).filter((d) => d.value.status === 'approved' && d.value.deactivated === null).length);
  }
}

export class MemorySyncStateStore implements SyncStateStore {
  readonly docs = new Map<string, Versioned<SyncState>>();

  get(companyId: string): Promise<Versioned<SyncState> | null> {
    const found = this.docs.get(companyId);
    return Promise.resolve(found ? clone(found) : null);
  }

  save(state: SyncState, expectedEtag: string | null): Promise<Versioned<SyncState>> {
    const current = this.docs.get(state.companyId);
    if (expectedEtag === null && current) return Promise.reject(new AppError('conflict', 'exists'));
    if (expectedEtag !== null && current?.etag !== expectedEtag) return Promise.reject(new AppError('precondition_failed', 'stale'));
    const saved = { value: clone(state), etag: randomUUID() };
    this.docs.set(state.companyId, saved);
    return Promise.resolve(clone(saved));
  }
}

export class MemorySymbolUserStore implements SymbolUserStore {
  readonly docs = new Map<string, Versioned<SymbolUser>>();

  get(companyId: string, id: string): Promise<Versioned<SymbolUser> | null> {
    const found = this.docs.get(`${companyId}/${id}`);
    return Promise.resolve(found ? clone(found) : null);
  }

  findByEmailKeys(companyId: string, emailKeys: readonly string[]): Promise<Array<Versioned<SymbolUser>>> {
    const keys = new Set(emailKeys);
    return Promise.resolve(clone([...this.docs.values()].filter((d) => d.value.companyId === companyId && keys.has(d.value.emailKey))));
  }

  save(user: SymbolUser, expectedEtag: string | null): Promise<Versioned<SymbolUser>> {
    const key = `${user.companyId}/${user.id}`;
    const current = this.docs.get(key);
    if (expectedEtag === null && current) return Promise.reject(new AppError('conflict', 'exists'));
    if (expectedEtag !== null && current?.etag !== expectedEtag) return Promise.reject(new AppError('precondition_failed', 'stale'));
    const clash = [...this.docs.values()].some((d) => d.value.companyId === user.companyId && d.value.id !== user.id && d.value.emailKey === user.emailKey);
    if (clash) return Promise.reject(new AppError('conflict', 'e-mail taken'));
    const saved = { value: clone(user), etag: randomUUID() };
    this.docs.set(key, saved);
    return Promise.resolve(clone(saved));
  }

  list(companyId: string, options: { status: SymbolUser['status'] | null; limit: number; cursor: string | null }): Promise<Page<SymbolUser>> {
    const all = [...this.docs.values()].map((d) => d.value).filter((u) => u.companyId === companyId && (options.status === null || u.status === options.status));
    const start = options.cursor ? Number(options.cursor) : 0;
    return Promise.resolve({ items: clone(all.slice(start, start + options.limit)), nextCursor: start + options.limit < all.length ? String(start + options.limit) : null });
  }
}

export class MemoryNotificationLog {
  readonly sent = new Map<string, string>();

  wasSent(companyId: string, messageId: string): Promise<boolean> {
    return Promise.resolve(this.sent.has(`${companyId}/${messageId}`));
  }

  markSent(companyId: string, messageId: string, sentAtIso: string): Promise<void> {
    this.sent.set(`${companyId}/${messageId}`, sentAtIso);
    return Promise.resolve();
  }
}
