import { Container, Database } from '@azure/cosmos';
import { z } from 'zod';
import { AppError } from '../../domain/app-error';
import { PreviewCategory, PreviewChunk, PreviewChunkSchema, previewChunkId } from '../../domain/sync-preview';
import { assertPreviewChunkLimit, PreviewStore } from '../../ports/preview-store.port';
import { mapWithConcurrency } from '../../shared/bounded-concurrency';
import { assertWritable, isCosmosStatus, mapCosmosError, parseStoredDocument } from './cosmos-documents';
import { SYNC_PREVIEW_TTL_SECONDS, SYNC_PREVIEWS_CONTAINER } from './cosmos-schema';

/**
 * `sync-previews`: one document per preview run, category and page (id = runId.category.index,
 * partitioned by company), each expiring a week after it was written. A page of a preview costs
 * one upsert per category it touched; a list reads its chunks with one single-partition query.
 */

const WRITE_CONCURRENCY = 8;
const IdRowSchema = z.object({ id: z.string().min(1).max(255) });

export class CosmosPreviewStore implements PreviewStore {
  private readonly container: Container;

  constructor(database: Database) {
    this.container = database.container(SYNC_PREVIEWS_CONTAINER);
  }

  async putChunks(chunks: readonly PreviewChunk[]): Promise<void> {
    await mapWithConcurrency(chunks, WRITE_CONCURRENCY, async (chunk) => {
      const doc = assertWritable(PreviewChunkSchema, SYNC_PREVIEWS_CONTAINER, chunk);
      try {
        await this.container.items.upsert({ ...doc, id: previewChunkId(doc), ttl: SYNC_PREVIEW_TTL_SECONDS });
      } catch (error) {
        mapCosmosError(error, 'write preview');
      }
    });
  }

  async listChunks(
    companyId: string,
    runId: string,
    category: PreviewCategory | 'seen',
    options: { fromIndex: number; limit: number },
  ): Promise<PreviewChunk[]> {
    assertPreviewChunkLimit(options.limit);
    let resources: unknown[];
    try {
      ({ resources } = await this.container.items
        .query<unknown>(
          {
            // TOP takes the checked integer limit inline.
            query: `SELECT TOP ${String(options.limit)} * FROM c WHERE c.companyId = @companyId AND c.runId = @runId AND c.category = @category AND c["index"] >= @from ORDER BY c["index"]`,
            parameters: [
              { name: '@companyId', value: companyId },
              { name: '@runId', value: runId },
              { name: '@category', value: category },
              { name: '@from', value: options.fromIndex },
            ],
          },
          { partitionKey: companyId, maxItemCount: options.limit },
        )
        .fetchAll());
    } catch (error) {
      return mapCosmosError(error, 'read preview');
    }
    return resources.map((resource) => parseStoredDocument(PreviewChunkSchema, SYNC_PREVIEWS_CONTAINER, resource));
  }

  async discardFrom(companyId: string, runId: string, fromIndex: number): Promise<void> {
    let resources: unknown[];
    try {
      ({ resources } = await this.container.items
        .query<unknown>(
          {
            query: 'SELECT c.id FROM c WHERE c.companyId = @companyId AND c.runId = @runId AND c["index"] >= @from',
            parameters: [
              { name: '@companyId', value: companyId },
              { name: '@runId', value: runId },
              { name: '@from', value: fromIndex },
            ],
          },
          { partitionKey: companyId },
        )
        .fetchAll());
    } catch (error) {
      return mapCosmosError(error, 'read preview');
    }
    const ids = resources.map((resource) => {
      const row = IdRowSchema.safeParse(resource);
      if (!row.success)
        throw new AppError('internal_error', `Cosmos returned a row without an id from '${SYNC_PREVIEWS_CONTAINER}'`);
      return row.data.id;
    });
    await mapWithConcurrency(ids, WRITE_CONCURRENCY, async (id) => {
      try {
        await this.container.item(id, companyId).delete();
      } catch (error) {
        if (!isCosmosStatus(error, 404)) mapCosmosError(error, 'discard preview chunks');
      }
    });
  }
}
