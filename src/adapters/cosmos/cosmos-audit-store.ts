import { z } from 'zod';
import { BulkOperationType, Container, Database, JSONObject, OperationInput, SqlParameter } from '@azure/cosmos';
import { AppError } from '../../domain/app-error';
import { AuditEntry, AuditEntrySchema } from '../../domain/audit';
import { AuditQuery, AuditStore, MAX_AUDIT_PAGE_SIZE } from '../../ports/audit-store.port';
import { Scheduler } from '../../ports/clock.port';
import { Page } from '../../ports/sync-run-store.port';
import { chunk, mapWithConcurrency } from '../../shared/bounded-concurrency';
import { systemScheduler } from '../time/system-time';
import { assertWritable, cosmosStatus, isStorableId, mapCosmosError, stripSystemProperties } from './cosmos-documents';
import { assertPageLimit, decodeCursor, encodeCursor } from './cosmos-paging';
import { AUDIT_CONTAINER } from './cosmos-schema';

/** A transactional batch holds at most 100 operations of one partition (one company). */
const BATCH_SIZE = 100;
const BATCHES_IN_FLIGHT = 4;
/** Extra rounds for batches Cosmos answered "try again" after the SDK's own retries. */
const RETRY_ATTEMPTS = 4;
const RETRY_BASE_MS = 200;
const RETRY_MAX_MS = 5000;
/** Throttled, timed out, partition moved, retry-with, unavailable: an upsert can simply be sent again. */
const RETRYABLE_STATUSES = new Set([408, 410, 429, 449, 503]);

/**
 * The audit trail in `audit`, partitioned by company, id = the entry id (`{at}.{digest}`). Every
 * item expires AUDIT_RETENTION_DAYS after it was written (the container's default TTL).
 *
 * `record` writes each company's entries as transactional batches of up to 100 upserts (one
 * round trip each, 4 in flight): 1,000 entries cost 10 requests. Upsert, not create: a batch is
 * all-or-nothing, and an entry written before (a retry after a lost answer) must not fail the
 * others. The entry is the same, so writing it again changes nothing.
 *
 * `list` is keyset-paged on `id` (newest first): one single-property ORDER BY, served by the
 * default range index; the time range is a range of ids, since every id starts with its time.
 */
export class CosmosAuditStore implements AuditStore {
  private readonly container: Container;
  private readonly scheduler: Scheduler;

  constructor(database: Database, options: { scheduler?: Scheduler } = {}) {
    this.container = database.container(AUDIT_CONTAINER);
    this.scheduler = options.scheduler ?? systemScheduler;
  }

  async record(entries: readonly AuditEntry[]): Promise<void> {
    // Every entry is checked before any is written.
    const valid = entries.map((entry) => {
      const value = assertWritable(AuditEntrySchema, AUDIT_CONTAINER, entry);
      if (!isStorableId(value.id) || !isStorableId(value.companyId))
        throw new AppError('internal_error', `Refusing to write an audit entry with an id Cosmos cannot store`);
      return value;
    });
    const batches: AuditEntry[][] = [];
    for (const companyId of new Set(valid.map((e) => e.companyId)))
      batches.push(
        ...chunk(
          valid.filter((e) => e.companyId === companyId),
          BATCH_SIZE,
        ),
      );
    await mapWithConcurrency(batches, BATCHES_IN_FLIGHT, (batch) => this.writeBatch(batch));
  }

  private async writeBatch(batch: readonly AuditEntry[]): Promise<void> {
    const companyId = batch[0]?.companyId ?? '';
    const operations: OperationInput[] = batch.map((entry) => ({
      operationType: BulkOperationType.Upsert,
      resourceBody: toDocument(entry),
    }));
    for (let attempt = 0; ; attempt++) {
      let status: number;
      let retryAfterMs = 0;
      try {
        const response = await this.container.items.batch(operations, companyId);
        const statuses = (response.result ?? []).map((r) => r.statusCode);
        if (statuses.length === operations.length && statuses.every((s) => s >= 200 && s < 300)) return;
        // A failed batch names the failing operation's status; the others say 424 (failed dependency).
        status = statuses.find((s) => s >= 400 && s !== 424) ?? response.code ?? 0;
      } catch (error) {
        status = cosmosStatus(error) ?? 0;
        if (!RETRYABLE_STATUSES.has(status)) return mapCosmosError(error, 'write audit entries');
        retryAfterMs = retryAfterOf(error);
      }
      if (!RETRYABLE_STATUSES.has(status) || attempt >= RETRY_ATTEMPTS) {
        throw new AppError(
          RETRYABLE_STATUSES.has(status) || status >= 500 ? 'dependency_unavailable' : 'internal_error',
          `Cosmos write of ${batch.length} audit entries failed (status ${status}) after ${attempt + 1} attempts`,
          { meta: { status } },
        );
      }
      await this.scheduler.sleep(Math.max(retryAfterMs, Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** attempt)));
    }
  }

  async list(companyId: string, query: AuditQuery): Promise<Page<AuditEntry>> {
    assertPageLimit(query.limit, MAX_AUDIT_PAGE_SIZE);
    const before = query.cursor === null ? null : decodeAuditCursor(query.cursor);
    const conditions = ['c.companyId = @companyId'];
    const parameters: SqlParameter[] = [{ name: '@companyId', value: companyId }];
    const where = (condition: string, name: string, value: SqlParameter['value']) => {
      conditions.push(condition);
      parameters.push({ name, value });
    };
    if (query.actions !== null) where('ARRAY_CONTAINS(@actions, c.action)', '@actions', [...query.actions]);
    if (query.actor === 'sync') conditions.push("c.actor.type = 'sync'");
    else if (query.actor !== null) {
      where('(c.actor.subject = @actor OR c.actor.email = @actorEmail)', '@actor', query.actor);
      parameters.push({ name: '@actorEmail', value: query.actor.toLowerCase() });
    }
    if (query.target !== null) where('c.target.id = @target', '@target', query.target);
    // Ids start with their ISO time: `from` ≤ id (same instant, longer) and id < `to` (same instant, longer: excluded).
    if (query.from !== null) where('c.id >= @from', '@from', query.from);
    if (query.to !== null) where('c.id < @to', '@to', query.to);
    if (before !== null) where('c.id < @before', '@before', before);
    const spec = { query: `SELECT * FROM c WHERE ${conditions.join(' AND ')} ORDER BY c.id DESC`, parameters };

    // One more than the page: whether there is a next page is known without another request.
    const wanted = query.limit + 1;
    const items: AuditEntry[] = [];
    try {
      const iterator = this.container.items.query<unknown>(spec, { partitionKey: companyId, maxItemCount: wanted });
      while (items.length < wanted && iterator.hasMoreResults()) {
        const page = await iterator.fetchNext();
        for (const resource of page.resources) items.push(parseEntry(resource));
      }
    } catch (error) {
      return mapCosmosError(error, 'list audit entries');
    }
    const served = items.slice(0, query.limit);
    const last = served.at(-1);
    return { items: served, nextCursor: items.length > query.limit && last ? encodeAuditCursor(last.id) : null };
  }
}

function toDocument(entry: AuditEntry): JSONObject {
  return JSON.parse(JSON.stringify(entry)) as JSONObject;
}

/** The cursor holds the id of the last entry served (`["…"]`, base64url), checked before it reaches a query. */
const CursorSchema = z.tuple([z.string().min(1).max(128).refine(isStorableId)]);

function encodeAuditCursor(lastId: string): string {
  return encodeCursor(JSON.stringify([lastId]));
}

function decodeAuditCursor(cursor: string): string {
  let value: unknown;
  try {
    value = JSON.parse(decodeCursor(cursor));
  } catch (error) {
    if (error instanceof AppError) throw error;
    value = undefined;
  }
  const parsed = CursorSchema.safeParse(value);
  if (!parsed.success)
    throw new AppError('validation_failed', 'cursor is not valid', {
      errors: [{ field: 'cursor', message: 'is not valid' }],
    });
  return parsed.data[0];
}

function parseEntry(resource: unknown): AuditEntry {
  // `id` is a field of the entry itself: put it back after the storage properties are stripped.
  const parsed = AuditEntrySchema.safeParse(
    isRecord(resource) ? { ...stripSystemProperties(resource), id: resource.id } : resource,
  );
  if (!parsed.success)
    throw new AppError('internal_error', `A document read from container '${AUDIT_CONTAINER}' failed validation`);
  return parsed.data;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function retryAfterOf(error: unknown): number {
  if (typeof error !== 'object' || error === null || !('retryAfterInMs' in error)) return 0;
  return typeof error.retryAfterInMs === 'number' ? error.retryAfterInMs : 0;
}
