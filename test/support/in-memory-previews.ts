import { AppError } from '../../src/domain/app-error';
import { PreviewCategory, PreviewChunk, PreviewChunkSchema, previewChunkId } from '../../src/domain/sync-preview';
import { assertPreviewChunkLimit, PreviewStore } from '../../src/ports/preview-store.port';

/** The preview store in memory, with the Cosmos adapter's rules (see the contract suite). */
export class MemoryPreviewStore implements PreviewStore {
  readonly chunks = new Map<string, PreviewChunk>();
  /** Every chunk written, for tests that count writes. */
  writes = 0;

  putChunks(chunks: readonly PreviewChunk[]): Promise<void> {
    for (const chunk of chunks) {
      const parsed = PreviewChunkSchema.safeParse(chunk);
      if (!parsed.success) return Promise.reject(new AppError('internal_error', 'invalid preview chunk'));
      this.chunks.set(`${chunk.companyId}/${previewChunkId(chunk)}`, structuredClone(parsed.data));
      this.writes++;
    }
    return Promise.resolve();
  }

  listChunks(
    companyId: string,
    runId: string,
    category: PreviewCategory | 'seen',
    options: { fromIndex: number; limit: number },
  ): Promise<PreviewChunk[]> {
    return Promise.resolve().then(() => {
      assertPreviewChunkLimit(options.limit);
      return [...this.chunks.values()]
        .filter(
          (c) =>
            c.companyId === companyId && c.runId === runId && c.category === category && c.index >= options.fromIndex,
        )
        .sort((a, b) => a.index - b.index)
        .slice(0, options.limit)
        .map((c) => structuredClone(c));
    });
  }

  discardFrom(companyId: string, runId: string, fromIndex: number): Promise<void> {
    for (const [key, c] of this.chunks)
      if (c.companyId === companyId && c.runId === runId && c.index >= fromIndex) this.chunks.delete(key);
    return Promise.resolve();
  }
}
