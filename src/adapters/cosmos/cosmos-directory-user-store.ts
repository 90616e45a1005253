import { Container, Database } from '@azure/cosmos';
import { z } from 'zod';
import { AppError } from '../../domain/app-error';
import { directoryWriteDelta, sumDeltas } from '../../domain/company-counts';
import { DirectoryUserRecord, DirectoryUserRecordSchema } from '../../domain/directory/directory-user';
import {
  DirectoryUserStore,
  DirectoryUserWrite,
  MAX_DIRECTORY_USER_PAGE_SIZE,
  WriteOutcome,
} from '../../ports/directory-user-store.port';
import { Versioned } from '../../ports/integration-store.port';
import { Page } from '../../ports/sync-run-store.port';
import { reviewKeys, searchTerm } from '../../domain/directory/review-keys';
import { ReviewQuery } from '../../ports/directory-user-store.port';
import { assertWritable, cosmosStatus, isStorableId, mapCosmosError, parseStoredVersioned } from './cosmos-documents';
import { mapWithConcurrency } from '../../shared/bounded-concurrency';
import { Scheduler } from '../../ports/clock.port';
import { UserCountsStore } from '../../ports/user-counts.port';
import { systemClock, systemScheduler } from '../time/system-time';
import { assertPageLimit, queryPage } from './cosmos-paging';
import { DIRECTORY_USERS_CONTAINER } from './cosmos-schema';
import { CosmosUserCounts } from './cosmos-user-counts';

/**
 * Point reads (`getMany`) and point writes in flight at once. The sync writes a page (≤ ~200
 * users) per call; measured here, 100 point creates take 90–200 ms with 32 in flight, while one
 * `executeBulkOperations` call never takes less than about a second (the SDK waits
 * `intervalForPartialBatchInMs` for its last partial batch) — so there is no bulk path.
 */
const POINT_CONCURRENCY = 32;

export interface DirectoryUserStoreRetryOptions {
  /** Extra rounds for operations Cosmos answered 429 (or another "try again") after the SDK's own retries. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

const DEFAULT_RETRY: DirectoryUserStoreRetryOptions = { attempts: 5, baseDelayMs: 200, maxDelayMs: 5000 };

/**
 * Statuses that mean "not done, try again": throttled (429), timeout (408), gone (410, a
 * partition moved), retry-with (449), unavailable (503). Retrying a write is safe here: every put
 * and delete carries a precondition, so a retried operation that did apply the first time comes
 * back as a conflict (the caller re-reads). Its count change is then missed until the next recount.
 */
const RETRYABLE_STATUSES = new Set([408, 410, 429, 449, 503]);
/** Cosmos's sub-status for "the container (or database) does not exist". */
const OWNER_RESOURCE_NOT_FOUND = 1003;

export type WriteVerdict = 'ok' | 'conflict' | 'retry' | 'fail';

/**
 * What one write's status means for the caller. 409 (create of an existing id), 412 (the etag
 * changed) and 404 (replace, delete or patch of a vanished document) are conflicts the caller
 * resolves by re-reading; a 404 on a create, or one saying the container is missing, is a failure.
 */
export function writeVerdict(kind: Prepared['kind'], status: number, substatus?: number): WriteVerdict {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 409 || status === 412) return 'conflict';
  if (status === 404) return kind === 'create' || substatus === OWNER_RESOURCE_NOT_FOUND ? 'fail' : 'conflict';
  if (RETRYABLE_STATUSES.has(status)) return 'retry';
  return 'fail';
}

// Ids only, in id order (the default range index on /id serves the ORDER BY): what a full round's
// sweep compares with the ids the round saw, and what re-judges everyone after a scope change. The ORDER BY makes paging independent of how the
// server stores documents, so the sweep can delete records of a page before it asks for the next.
const IDS_QUERY = 'SELECT c.id FROM c WHERE c.companyId = @companyId ORDER BY c.id ASC';
const IDS_AFTER_QUERY = 'SELECT c.id FROM c WHERE c.companyId = @companyId AND c.id > @after ORDER BY c.id ASC';
const IdRowSchema = z.object({ id: z.string().min(1) });
const PENDING_REMOVALS_OF_RUN_QUERY =
  'SELECT * FROM c WHERE c.companyId = @companyId AND c.pendingRemoval.runId = @runId ORDER BY c.id ASC';
// `pendingRemoval` is an object or null: only an object has a `runId`.
const PENDING_REMOVALS_QUERY =
  'SELECT * FROM c WHERE c.companyId = @companyId AND IS_DEFINED(c.pendingRemoval.runId) ORDER BY c.id ASC';
const COUNT_ACTIVE_APPROVED_QUERY =
  "SELECT VALUE COUNT(1) FROM c WHERE c.companyId = @companyId AND c.status = 'approved' AND IS_NULL(c.deactivated)";

const CountResultSchema = z.array(z.number().int().min(0)).max(1);
/** `parseStoredVersioned` drops `id` with the storage properties; it comes back from the document. */
const StoredRecordSchema = DirectoryUserRecordSchema.omit({ id: true });

/** A validated write. */
export type Prepared =
  | { kind: 'create'; record: DirectoryUserRecord }
  | { kind: 'replace'; record: DirectoryUserRecord; etag: string }
  | { kind: 'delete'; etag: string };

interface PendingOperation {
  /** Position in the caller's `writes`. */
  index: number;
  id: string;
  prepared: Prepared;
}

interface AttemptResult {
  index: number;
  verdict: WriteVerdict;
  status: number;
  retryAfterMs: number;
}

/**
 * Entra users of each company in `directory-users`, id = Entra object id.
 *
 * `getMany` uses point reads in parallel (POINT_CONCURRENCY at a time) rather than one
 * `ARRAY_CONTAINS(@ids, c.id)` query. Measured here against the local server with 200 ids
 * (180 found): point reads ~40–70 ms regardless of container size; the query ~10 ms with 600
 * documents in the container, ~80 ms with 4,000 and ~5 s with 20,000, because that server scans
 * every document of the container for every query. On real Cosmos the query is cheaper in RUs (a
 * point read is ~1 RU per id, found or not; a query a few RUs plus a little per document), but at
 * serverless prices the difference for a 200-id page is a fraction of a cent per 10,000 users,
 * while the local stack with a large simulated tenant would be unusable with the query.
 *
 * `write` sends each write as a point operation (POINT_CONCURRENCY in flight) with its
 * precondition: create (must not exist), replace or delete IfMatch the etag read. Operations
 * Cosmos answers with a "try again" status are retried with exponential backoff (waits through
 * the injected scheduler) before the call gives up. Then the company's counts move by what the
 * applied writes changed (one patch per call; also when the call fails after some applied).
 *
 * One call must not hold two writes for the same id: their order would be undefined.
 */
export class CosmosDirectoryUserStore implements DirectoryUserStore {
  private readonly container: Container;
  private readonly retry: DirectoryUserStoreRetryOptions;
  private readonly scheduler: Scheduler;
  private readonly counts: UserCountsStore;

  constructor(
    database: Database,
    options: { retry?: DirectoryUserStoreRetryOptions; scheduler?: Scheduler; counts?: UserCountsStore } = {},
  ) {
    this.container = database.container(DIRECTORY_USERS_CONTAINER);
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.scheduler = options.scheduler ?? systemScheduler;
    this.counts = options.counts ?? new CosmosUserCounts(database, systemClock);
  }

  async getMany(companyId: string, ids: readonly string[]): Promise<Map<string, Versioned<DirectoryUserRecord>>> {
    const found = new Map<string, Versioned<DirectoryUserRecord>>();
    if (!isStorableId(companyId)) return found;
    // An id Cosmos could not store cannot exist: no round trip for it.
    const distinct = [...new Set(ids)].filter(isStorableId);
    const records = await mapWithConcurrency(distinct, POINT_CONCURRENCY, async (id) => {
      try {
        const response = await this.container.item(id, companyId).read();
        if (response.statusCode === 404 || response.resource === undefined) return null;
        return parseRecord(response.resource, id);
      } catch (error) {
        if (cosmosStatus(error) === 404) return null;
        return mapCosmosError(error, 'read directory user');
      }
    });
    for (const record of records) if (record !== null) found.set(record.value.id, record);
    return found;
  }

  async write(companyId: string, writes: readonly DirectoryUserWrite[]): Promise<WriteOutcome[]> {
    const operations = this.prepare(companyId, writes);
    const outcomes = new Array<WriteOutcome | undefined>(writes.length);
    try {
      await this.apply(companyId, writes, operations, outcomes);
    } finally {
      // What was applied is counted, also when the call fails after some operations applied.
      const applied = writes.filter((_, index) => outcomes[index]?.ok === true);
      await this.counts.add(
        companyId,
        sumDeltas(applied.map((w) => directoryWriteDelta(w.expected?.value ?? null, w.op === 'put' ? w.record : null))),
      );
    }
    return outcomes.map((outcome, index) => {
      if (outcome === undefined)
        throw new AppError('internal_error', `Cosmos write of directory users: no outcome for operation ${index}`);
      return outcome;
    });
  }

  private async apply(
    companyId: string,
    writes: readonly DirectoryUserWrite[],
    operations: PendingOperation[],
    outcomes: Array<WriteOutcome | undefined>,
  ): Promise<void> {
    const idOf = new Map(operations.map((o) => [o.index, o.id]));
    let pending = operations;
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      const results = await this.point(companyId, pending);
      for (const result of results) {
        const id = idOf.get(result.index) ?? '';
        if (result.verdict === 'ok') outcomes[result.index] = { id, ok: true };
        else if (result.verdict === 'conflict') outcomes[result.index] = { id, ok: false, reason: 'conflict' };
      }
      const failures = results.filter((r) => r.verdict === 'fail');
      if (failures.length > 0) {
        const statuses = [...new Set(failures.map((f) => f.status))].sort((a, b) => a - b);
        throw new AppError(
          statuses.some((s) => s >= 500) ? 'dependency_unavailable' : 'internal_error',
          `Cosmos write of directory users: ${failures.length} of ${writes.length} operations failed (statuses ${statuses.join(', ')}); the others may have been applied`,
          { meta: { failed: failures.length, status: statuses[0] ?? null } },
        );
      }
      const retryIndexes = new Set(results.filter((r) => r.verdict === 'retry').map((r) => r.index));
      pending = pending.filter((o) => retryIndexes.has(o.index));
      if (pending.length === 0) break;
      if (attempt >= this.retry.attempts) {
        throw new AppError(
          'dependency_unavailable',
          `Cosmos write of directory users: ${pending.length} of ${writes.length} operations still throttled after ${attempt + 1} attempts`,
          {
            meta: { throttled: pending.length },
          },
        );
      }
      const retryAfterMs = Math.max(0, ...results.filter((r) => r.verdict === 'retry').map((r) => r.retryAfterMs));
      await this.scheduler.sleep(Math.max(retryAfterMs, backoffDelay(attempt, this.retry)));
    }
  }

  /** The company's record ids after `after`, in id order. */
  async listIds(
    companyId: string,
    options: { after: string | null; limit: number; cursor: string | null },
  ): Promise<Page<string>> {
    assertPageLimit(options.limit, MAX_DIRECTORY_USER_PAGE_SIZE);
    const parameters = [{ name: '@companyId', value: companyId }];
    if (options.after !== null) parameters.push({ name: '@after', value: options.after });
    return queryPage(
      this.container,
      { query: options.after === null ? IDS_QUERY : IDS_AFTER_QUERY, parameters },
      companyId,
      { limit: options.limit, cursor: options.cursor },
      (resource) => {
        const parsed = IdRowSchema.safeParse(resource);
        if (!parsed.success)
          throw new AppError(
            'internal_error',
            `Cosmos returned a row without an id from '${DIRECTORY_USERS_CONTAINER}'`,
          );
        return parsed.data.id;
      },
      'list directory user ids',
    );
  }

  /**
   * The review list: one status, optional search prefix and flag, ordered by the sort key. The
   * ORDER BY names the status first, so the composite index (status, search.sortKey) serves the
   * filter and the order together (cosmos-schema.ts).
   */
  async listForReview(companyId: string, query: ReviewQuery): Promise<Page<Versioned<DirectoryUserRecord>>> {
    assertPageLimit(query.limit, MAX_DIRECTORY_USER_PAGE_SIZE);
    const conditions = ['c.companyId = @companyId', 'c.status = @status'];
    const parameters: Array<{ name: string; value: string }> = [
      { name: '@companyId', value: companyId },
      { name: '@status', value: query.status },
    ];
    if (query.search) {
      conditions.push(
        '(STARTSWITH(c.search.name, @q) OR STARTSWITH(c.search.given, @q) OR STARTSWITH(c.search.surname, @q) OR STARTSWITH(c.search.mail, @q) OR STARTSWITH(c.search.upn, @q))',
      );
      parameters.push({ name: '@q', value: searchTerm(query.search) });
    }
    if (query.flag) {
      conditions.push('ARRAY_CONTAINS(c.flags, @flag)');
      parameters.push({ name: '@flag', value: query.flag });
    }
    return queryPage(
      this.container,
      {
        query: `SELECT * FROM c WHERE ${conditions.join(' AND ')} ORDER BY c.status ASC, c.search.sortKey ASC`,
        parameters,
      },
      companyId,
      { limit: query.limit, cursor: query.cursor },
      (resource) => parseRecord(resource),
      'list directory users for review',
    );
  }

  /** Records with a pending removal from `runId` (or from any run when it is null), in id order. */
  async listPendingRemovals(
    companyId: string,
    runId: string | null,
    options: { limit: number; cursor: string | null },
  ): Promise<Page<Versioned<DirectoryUserRecord>>> {
    assertPageLimit(options.limit, MAX_DIRECTORY_USER_PAGE_SIZE);
    return queryPage(
      this.container,
      runId === null
        ? { query: PENDING_REMOVALS_QUERY, parameters: [{ name: '@companyId', value: companyId }] }
        : {
            query: PENDING_REMOVALS_OF_RUN_QUERY,
            parameters: [
              { name: '@companyId', value: companyId },
              { name: '@runId', value: runId },
            ],
          },
      companyId,
      options,
      (resource) => parseRecord(resource),
      'list pending directory-user removals',
    );
  }

  /** Approved records that are not deactivated. */
  countActiveApproved(companyId: string): Promise<number> {
    return this.count(COUNT_ACTIVE_APPROVED_QUERY, companyId, 'count active approved directory users');
  }

  private async count(query: string, companyId: string, operation: string): Promise<number> {
    let resources: unknown;
    try {
      ({ resources } = await this.container.items
        .query<unknown>({ query, parameters: [{ name: '@companyId', value: companyId }] }, { partitionKey: companyId })
        .fetchAll());
    } catch (error) {
      return mapCosmosError(error, operation);
    }
    const parsed = CountResultSchema.safeParse(resources);
    if (!parsed.success)
      throw new AppError(
        'internal_error',
        `Cosmos returned an unexpected count result from container '${DIRECTORY_USERS_CONTAINER}'`,
      );
    // An aggregate over no documents may come back as an empty result rather than [0].
    return parsed.data[0] ?? 0;
  }

  /** Validates every write before anything is sent: a bad one means nothing is written. */
  private prepare(companyId: string, writes: readonly DirectoryUserWrite[]): PendingOperation[] {
    const seen = new Set<string>();
    return writes.map((write, index) => {
      const id = write.op === 'put' ? write.record.id : write.expected.value.id;
      if (!isStorableId(companyId) || !isStorableId(id)) {
        throw new AppError(
          'internal_error',
          `Refusing to write a document with an id Cosmos cannot store to container '${DIRECTORY_USERS_CONTAINER}' (write ${index})`,
        );
      }
      if (seen.has(id))
        throw new AppError(
          'internal_error',
          `Refusing a write to container '${DIRECTORY_USERS_CONTAINER}' with two writes for one id (write ${index})`,
        );
      seen.add(id);
      switch (write.op) {
        case 'put': {
          const record = assertWritable(DirectoryUserRecordSchema, DIRECTORY_USERS_CONTAINER, write.record);
          if (record.companyId !== companyId) {
            throw new AppError(
              'internal_error',
              `Refusing to write a directory user of another company to container '${DIRECTORY_USERS_CONTAINER}' (write ${index})`,
            );
          }
          if (write.expected !== null && write.expected.value.id !== id)
            throw new AppError(
              'internal_error',
              `Refusing a write to container '${DIRECTORY_USERS_CONTAINER}' whose expected version is another record's (write ${index})`,
            );
          const document = withSearchKeys(record);
          return {
            index,
            id,
            prepared:
              write.expected === null
                ? { kind: 'create', record: document }
                : { kind: 'replace', record: document, etag: write.expected.etag },
          };
        }
        case 'delete':
          return { index, id, prepared: { kind: 'delete', etag: write.expected.etag } };
      }
    });
  }

  private async point(companyId: string, operations: readonly PendingOperation[]): Promise<AttemptResult[]> {
    return mapWithConcurrency(operations, POINT_CONCURRENCY, async (o): Promise<AttemptResult> => {
      let status: number;
      let substatus: number | undefined;
      let retryAfterMs = 0;
      try {
        status = await this.pointOperation(companyId, o);
      } catch (error) {
        const code = cosmosStatus(error);
        if (code === undefined) throw error;
        status = code;
        substatus = numberProperty(error, 'substatus');
        retryAfterMs = numberProperty(error, 'retryAfterInMs') ?? 0;
      }
      return { index: o.index, status, verdict: writeVerdict(o.prepared.kind, status, substatus), retryAfterMs };
    });
  }

  private async pointOperation(companyId: string, o: PendingOperation): Promise<number> {
    const { prepared } = o;
    const item = this.container.item(o.id, companyId);
    switch (prepared.kind) {
      case 'create':
        return (await this.container.items.create(prepared.record)).statusCode;
      case 'replace':
        return (await item.replace(prepared.record, { accessCondition: { type: 'IfMatch', condition: prepared.etag } }))
          .statusCode;
      case 'delete':
        return (await item.delete({ accessCondition: { type: 'IfMatch', condition: prepared.etag } })).statusCode;
    }
  }
}

/**
 * Documents carry a `search` projection (lower-cased name and address prefixes, a sort key) for
 * the review list's queries. It is derived from the attributes on every write and dropped on read.
 */
function withSearchKeys(record: DirectoryUserRecord): DirectoryUserRecord {
  return { ...record, search: reviewKeys(record.id, record.attributes) } as DirectoryUserRecord;
}

function withoutSearchKeys(resource: unknown): unknown {
  if (typeof resource !== 'object' || resource === null || !('search' in resource)) return resource;
  const { search: _search, ...rest } = resource as Record<string, unknown>;
  return rest;
}

function parseRecord(resource: unknown, id?: string): Versioned<DirectoryUserRecord> {
  const { value, etag } = parseStoredVersioned(
    StoredRecordSchema,
    DIRECTORY_USERS_CONTAINER,
    withoutSearchKeys(resource),
    id === undefined ? { field: 'id' } : { field: 'id', value: id },
  );
  const storedId = numberOrStringProperty(resource, 'id');
  if (typeof storedId !== 'string' || !DirectoryUserRecordSchema.shape.id.safeParse(storedId).success) {
    throw new AppError(
      'internal_error',
      `A document read from container '${DIRECTORY_USERS_CONTAINER}' failed validation: id (invalid)`,
    );
  }
  return { value: { id: storedId, ...value }, etag };
}

function numberOrStringProperty(value: unknown, key: string): string | number | undefined {
  if (typeof value !== 'object' || value === null || !(key in value)) return undefined;
  const property: unknown = (value as Record<string, unknown>)[key];
  return typeof property === 'string' || typeof property === 'number' ? property : undefined;
}

function numberProperty(value: unknown, key: string): number | undefined {
  const property = numberOrStringProperty(value, key);
  return typeof property === 'number' ? property : undefined;
}

/** Exponential backoff with full jitter, capped. */
function backoffDelay(attempt: number, options: DirectoryUserStoreRetryOptions): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** attempt);
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}
