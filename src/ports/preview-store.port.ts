import { AppError } from '../domain/app-error';
import { PreviewCategory, PreviewChunk } from '../domain/sync-preview';

/** Largest number of chunks one `listChunks` call returns. */
export const MAX_PREVIEW_CHUNKS_PER_CALL = 50;

/** The `limit` rule every implementation of `listChunks` applies: an integer from 1 to 50. */
export function assertPreviewChunkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PREVIEW_CHUNKS_PER_CALL)
    throw new AppError('validation_failed', `limit must be an integer from 1 to ${MAX_PREVIEW_CHUNKS_PER_CALL}`);
}

/**
 * What dry-run previews found (`sync-previews`): chunks of users per run and category, written
 * once per page, read back in index order; each expires a week after it was written.
 */
export interface PreviewStore {
  /** Writes the chunks (the same run, category and index replace what was there: redelivery is harmless). */
  putChunks(chunks: readonly PreviewChunk[]): Promise<void>;
  /** Chunks of one category with index ≥ fromIndex, in index order, at most `limit` (1…50). */
  listChunks(
    companyId: string,
    runId: string,
    category: PreviewCategory | 'seen',
    options: { fromIndex: number; limit: number },
  ): Promise<PreviewChunk[]>;
  /**
   * Deletes the run's chunks of every category with index ≥ fromIndex (what an interrupted
   * invocation wrote after the run's last save); deleting what is already gone is no error.
   */
  discardFrom(companyId: string, runId: string, fromIndex: number): Promise<void>;
}
