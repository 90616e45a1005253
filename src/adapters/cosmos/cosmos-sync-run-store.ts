import { Container, Database } from '@azure/cosmos';
import { AppError } from '../../domain/app-error';
import { SyncRun, SyncRunSchema } from '../../domain/sync-run';
import { Page, SyncRunStore } from '../../ports/sync-run-store.port';
import { assertWritable, cosmosStatus, isCosmosStatus, isStorableId, mapCosmosError, parseStoredDocument } from './cosmos-documents';
import { SYNC_RUN_TTL_SECONDS, SYNC_RUNS_CONTAINER } from './cosmos-schema';

/** Largest page the store serves; callers validate their own (smaller) limits first. */
export const MAX_SYNC_RUN_PAGE_SIZE = 1000;
/** Cosmos continuation tokens are small; anything far larger is not one of ours. */
const MAX_CURSOR_LENGTH = 8192;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

const LIST_QUERY = 'SELECT * FROM c WHERE c.companyId = @companyId ORDER BY c.queuedAt DESC';

/** Sync-run history in `sync-runs`, id = runId; every run expires after SYNC_RUN_TTL_SECONDS. */
export class CosmosSyncRunStore implements SyncRunStore {
  private readonly container: Container;

  constructor(database: Database) {
    this.container = database.container(SYNC_RUNS_CONTAINER);
  }

  async create(run: SyncRun): Promise<SyncRun> {
    const value = assertWritable(SyncRunSchema, SYNC_RUNS_CONTAINER, run);
    try {
      const response = await this.container.items.create({ ...value, id: value.runId, ttl: SYNC_RUN_TTL_SECONDS });
      return this.parse(response.resource, value.runId);
    } catch (error) {
      if (!isCosmosStatus(error, 409)) return mapCosmosError(error, 'create sync run');
    }
    // Created before (a retried message): the first one stays and is the answer.
    const existing = await this.get(value.companyId, value.runId);
    if (existing === null) throw new AppError('conflict', 'The sync run was created and removed concurrently');
    return existing;
  }

  async get(companyId: string, runId: string): Promise<SyncRun | null> {
    if (!isStorableId(runId) || !isStorableId(companyId)) return null;
    try {
      const response = await this.container.item(runId, companyId).read();
      if (response.statusCode === 404 || response.resource === undefined) return null;
      return this.parse(response.resource, runId);
    } catch (error) {
      if (isCosmosStatus(error, 404)) return null;
      return mapCosmosError(error, 'read sync run');
    }
  }

  /**
   * Newest first by `queuedAt` (ties in server order). The cursor is the Cosmos continuation
   * token, base64url-encoded so it is opaque and URL-safe. A page can hold fewer items than the
   * limit only at the end, but a non-null cursor may still lead to an empty last page.
   */
  async list(companyId: string, options: { limit: number; cursor: string | null }): Promise<Page<SyncRun>> {
    const { limit } = options;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SYNC_RUN_PAGE_SIZE) {
      throw new AppError('validation_failed', `limit must be an integer from 1 to ${MAX_SYNC_RUN_PAGE_SIZE}`, {
        errors: [{ field: 'limit', message: `must be an integer from 1 to ${MAX_SYNC_RUN_PAGE_SIZE}` }],
      });
    }
    let continuationToken = options.cursor === null ? undefined : decodeCursor(options.cursor);
    const items: SyncRun[] = [];
    // Cosmos may answer with short (even empty) pages before the end; keep asking until the page
    // is full or the results end, resuming each time from the last continuation token.
    do {
      let page: { resources: unknown[]; continuationToken: string | undefined };
      try {
        page = await this.container.items
          .query<unknown>(
            { query: LIST_QUERY, parameters: [{ name: '@companyId', value: companyId }] },
            { partitionKey: companyId, maxItemCount: limit - items.length, ...(continuationToken === undefined ? {} : { continuationToken }) },
          )
          .fetchNext();
      } catch (error) {
        if (options.cursor !== null && (cosmosStatus(error) === 400 || error instanceof SyntaxError)) {
          throw new AppError('validation_failed', 'cursor is not valid', { cause: error, errors: [{ field: 'cursor', message: 'is not valid' }] });
        }
        return mapCosmosError(error, 'list sync runs');
      }
      for (const resource of page.resources) items.push(this.parse(resource));
      continuationToken = page.continuationToken === undefined || page.continuationToken === '' ? undefined : page.continuationToken;
    } while (items.length < limit && continuationToken !== undefined);
    return { items, nextCursor: continuationToken === undefined ? null : encodeCursor(continuationToken) };
  }

  private parse(resource: unknown, runId?: string): SyncRun {
    return parseStoredDocument(SyncRunSchema, SYNC_RUNS_CONTAINER, resource, runId === undefined ? { field: 'runId' } : { field: 'runId', value: runId });
  }
}

export function encodeCursor(continuationToken: string): string {
  return Buffer.from(continuationToken, 'utf8').toString('base64url');
}

/**
 * Accepts only what encodeCursor produces: canonical base64url of non-empty UTF-8 text without
 * control characters. Whether Cosmos accepts the token inside is Cosmos's call (a 400 from it
 * becomes 'validation_failed' too).
 */
export function decodeCursor(cursor: string): string {
  const invalid = () => new AppError('validation_failed', 'cursor is not valid', { errors: [{ field: 'cursor', message: 'is not valid' }] });
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !BASE64URL.test(cursor)) throw invalid();
  const token = Buffer.from(cursor, 'base64url').toString('utf8');
  // Re-encoding catches non-canonical padding bits and bytes that are not valid UTF-8.
  // eslint-disable-next-line no-control-regex
  if (token.length === 0 || encodeCursor(token) !== cursor || /[\u0000-\u001f\u007f]/.test(token)) throw invalid();
  return token;
}
