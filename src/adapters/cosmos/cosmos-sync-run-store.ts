import { Container, Database } from '@azure/cosmos';
import { AppError } from '../../domain/app-error';
import { SyncRun, SyncRunSchema } from '../../domain/sync-run';
import { MAX_SYNC_RUN_PAGE_SIZE, Page, SyncRunStore } from '../../ports/sync-run-store.port';
import { assertWritable, isCosmosStatus, isStorableId, mapCosmosError, parseStoredDocument } from './cosmos-documents';
import { assertPageLimit, queryPage } from './cosmos-paging';
import { SYNC_RUN_TTL_SECONDS, SYNC_RUNS_CONTAINER } from './cosmos-schema';

// Two-property ORDER BY (ties by run id, so the order is total): served by the composite index
// (queuedAt DESC, runId ASC) declared in cosmos-schema.ts and infra/app/cosmos.bicep.
const LIST_QUERY = 'SELECT * FROM c WHERE c.companyId = @companyId ORDER BY c.queuedAt DESC, c.runId ASC';

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
   * Replaces the stored run with this one (no etag: the sync worker is a run's only writer). The
   * 90-day `ttl` is written again, so a run expires 90 days after its last update. A run that is
   * not there (never created, or expired) is AppError 'not_found': update never creates.
   */
  async update(run: SyncRun): Promise<SyncRun> {
    const value = assertWritable(SyncRunSchema, SYNC_RUNS_CONTAINER, run);
    if (!isStorableId(value.runId) || !isStorableId(value.companyId))
      throw new AppError('not_found', 'Cosmos replace sync run: not found');
    try {
      const response = await this.container
        .item(value.runId, value.companyId)
        .replace({ ...value, id: value.runId, ttl: SYNC_RUN_TTL_SECONDS });
      return this.parse(response.resource, value.runId);
    } catch (error) {
      return mapCosmosError(error, 'replace sync run');
    }
  }

  /**
   * Newest first by `queuedAt`, ties by run id. The cursor is the Cosmos continuation
   * token, base64url-encoded so it is opaque and URL-safe. A page can hold fewer items than the
   * limit only at the end, but a non-null cursor may still lead to an empty last page.
   */
  async list(companyId: string, options: { limit: number; cursor: string | null }): Promise<Page<SyncRun>> {
    assertPageLimit(options.limit, MAX_SYNC_RUN_PAGE_SIZE);
    return queryPage(
      this.container,
      { query: LIST_QUERY, parameters: [{ name: '@companyId', value: companyId }] },
      companyId,
      options,
      (resource) => this.parse(resource),
      'list sync runs',
    );
  }

  private parse(resource: unknown, runId?: string): SyncRun {
    return parseStoredDocument(
      SyncRunSchema,
      SYNC_RUNS_CONTAINER,
      resource,
      runId === undefined ? { field: 'runId' } : { field: 'runId', value: runId },
    );
  }
}

// The cursor encoding lives with the shared paging helpers; re-exported for existing importers.
export { decodeCursor, encodeCursor } from './cosmos-paging';
