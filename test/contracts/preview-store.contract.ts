import { PreviewChunk } from '../../src/domain/sync-preview';
import { PreviewStore } from '../../src/ports/preview-store.port';
import { oid, uniqueCompany } from '../support/store-fixtures';

function chunk(
  companyId: string,
  runId: string,
  category: PreviewChunk['category'],
  index: number,
  n = 1,
): PreviewChunk {
  const items =
    category === 'seen'
      ? []
      : Array.from({ length: n }, (_, i) => ({
          id: oid(index * 10 + i + 1),
          displayName: `User ${String(index)}.${String(i)}`,
          email: `u${String(index)}.${String(i)}@contoso.example`,
          reasons: [{ code: 'pending.review', text: 'Waiting for an admin: auto-approval is off.' }],
          matchedUserId: null,
        }));
  const ids = category === 'seen' ? Array.from({ length: n }, (_, i) => oid(index * 10 + i + 1)) : [];
  return { companyId, runId, category, index, items, ids };
}

/** The PreviewStore port's behaviour, once, for every implementation. */
export function previewStoreContract(implementation: string, store: () => PreviewStore): void {
  describe(`PreviewStore contract — ${implementation}`, () => {
    it('lists one category of one run in index order from an index, a limited number at a time', async () => {
      const [company, other] = [uniqueCompany(), uniqueCompany()];
      await store().putChunks([
        chunk(company, 'run-a', 'newPending', 7, 2),
        chunk(company, 'run-a', 'newPending', 2),
        chunk(company, 'run-a', 'excluded', 3),
        chunk(company, 'run-a', 'newPending', 12),
        chunk(company, 'run-b', 'newPending', 1),
        chunk(other, 'run-a', 'newPending', 1),
        chunk(company, 'run-a', 'seen', 2, 3),
      ]);
      const all = await store().listChunks(company, 'run-a', 'newPending', { fromIndex: 0, limit: 50 });
      expect(all.map((c) => c.index)).toEqual([2, 7, 12]);
      expect(all[1]?.items.map((i) => i.displayName)).toEqual(['User 7.0', 'User 7.1']);
      const from = await store().listChunks(company, 'run-a', 'newPending', { fromIndex: 7, limit: 1 });
      expect(from.map((c) => c.index)).toEqual([7]);
      expect(await store().listChunks(company, 'run-a', 'merged', { fromIndex: 0, limit: 50 })).toEqual([]);
      const seen = await store().listChunks(company, 'run-a', 'seen', { fromIndex: 0, limit: 50 });
      expect(seen).toEqual([chunk(company, 'run-a', 'seen', 2, 3)]);
    });

    it('writing the same run, category and index again replaces the chunk (a redelivered page)', async () => {
      const company = uniqueCompany();
      await store().putChunks([chunk(company, 'run-c', 'updated', 4, 1)]);
      await store().putChunks([chunk(company, 'run-c', 'updated', 4, 3)]);
      const found = await store().listChunks(company, 'run-c', 'updated', { fromIndex: 0, limit: 10 });
      expect(found).toHaveLength(1);
      expect(found[0]?.items).toHaveLength(3);
    });

    it('discards the chunks of one run from an index on, in every category (what an interrupted invocation wrote)', async () => {
      const [company, other] = [uniqueCompany(), uniqueCompany()];
      const kept = [chunk(company, 'run-e', 'newPending', 0), chunk(company, 'run-e', 'seen', 1, 2)];
      await store().putChunks([
        ...kept,
        chunk(company, 'run-e', 'newPending', 2),
        chunk(company, 'run-e', 'excluded', 3),
        chunk(company, 'run-e', 'seen', 2, 2),
        chunk(company, 'run-f', 'newPending', 5),
        chunk(other, 'run-e', 'newPending', 5),
      ]);
      await store().discardFrom(company, 'run-e', 2);
      await store().discardFrom(company, 'run-e', 2); // again: nothing left to discard, no error
      const left = async (companyId: string, runId: string, category: PreviewChunk['category']) =>
        (await store().listChunks(companyId, runId, category, { fromIndex: 0, limit: 50 })).map((c) => c.index);
      expect(await left(company, 'run-e', 'newPending')).toEqual([0]);
      expect(await left(company, 'run-e', 'excluded')).toEqual([]);
      expect(await left(company, 'run-e', 'seen')).toEqual([1]);
      expect(await left(company, 'run-f', 'newPending')).toEqual([5]);
      expect(await left(other, 'run-e', 'newPending')).toEqual([5]);
    });

    it('refuses a limit out of range and a chunk that does not validate', async () => {
      const company = uniqueCompany();
      await expect(store().listChunks(company, 'run-d', 'updated', { fromIndex: 0, limit: 0 })).rejects.toMatchObject({
        code: 'validation_failed',
      });
      await expect(store().listChunks(company, 'run-d', 'updated', { fromIndex: 0, limit: 51 })).rejects.toMatchObject({
        code: 'validation_failed',
      });
      const bad = { ...chunk(company, 'run-d', 'updated', 1), index: -1 };
      await expect(store().putChunks([bad])).rejects.toMatchObject({ code: 'internal_error' });
    });
  });
}
