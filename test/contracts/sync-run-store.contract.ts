import { SyncRun } from '../../src/domain/sync-run';
import { SyncRunStore } from '../../src/ports/sync-run-store.port';
import { rejection } from '../support/app-errors';
import { NOW, pageAll, syncRun, uniqueCompany } from '../support/store-fixtures';

/**
 * The SyncRunStore port's behaviour, once, for every implementation. Not modelled by the fake:
 * Cosmos removes a run 90 days after its last update (per-item TTL); the fake keeps it.
 */
export function syncRunStoreContract(implementation: string, store: () => SyncRunStore): void {
  describe(`SyncRunStore contract — ${implementation}`, () => {
    it('creates a run once: creating the same run id again gives back the first', async () => {
      const company = uniqueCompany();
      const run = syncRun(company, 'run-1');
      await expect(store().create(run)).resolves.toEqual(run);
      await expect(store().create({ ...run, trigger: 'webhook' })).resolves.toEqual(run);
      await expect(store().get(company, 'run-1')).resolves.toEqual(run);
      await expect(store().get(uniqueCompany(), 'run-1')).resolves.toBeNull();
      await expect(store().get(company, 'a/b')).resolves.toBeNull();
    });

    it('updates replace the run; a run that is not there is not_found (update never creates)', async () => {
      const company = uniqueCompany();
      const run = await store().create(syncRun(company, 'run-1'));
      const running: SyncRun = { ...run, status: 'running', startedAt: run.queuedAt, invocations: 1 };
      await expect(store().update(running)).resolves.toEqual(running);
      await expect(store().get(company, 'run-1')).resolves.toEqual(running);
      expect((await rejection(store().update(syncRun(company, 'never-created')))).code).toBe('not_found');
    });

    it('lists one company’s runs newest first, paged, skipping nothing while new runs are queued', async () => {
      const company = uniqueCompany();
      const at = (minute: number) => `2026-11-27T10:${String(minute).padStart(2, '0')}:00.000Z`;
      for (const minute of [3, 1, 4, 2, 5]) await store().create(syncRun(company, `run-${minute}`, at(minute)));
      await store().create(syncRun(uniqueCompany(), 'run-9', at(9)));
      const ids = (pages: SyncRun[][]) => pages.flat().map((r) => r.runId);
      for (const limit of [1, 2, 1000])
        expect(ids(await pageAll((cursor) => store().list(company, { limit, cursor })))).toEqual([
          'run-5',
          'run-4',
          'run-3',
          'run-2',
          'run-1',
        ]);
      let queued = 0;
      const pages = await pageAll(
        (cursor) => store().list(company, { limit: 2, cursor }),
        async () => {
          queued++;
          await store().create(syncRun(company, `new-${queued}`, at(40 + queued)));
        },
      );
      expect(ids(pages)).toEqual(['run-5', 'run-4', 'run-3', 'run-2', 'run-1']);
    });

    it('orders runs queued at the same moment by run id, the same on every page (a total order)', async () => {
      const company = uniqueCompany();
      for (const id of ['run-c', 'run-a', 'run-d', 'run-b']) await store().create(syncRun(company, id, NOW));
      await store().create(syncRun(company, 'run-later', '2026-11-27T11:00:00.000Z'));
      for (const limit of [1, 2, 1000])
        expect(
          (await pageAll((cursor) => store().list(company, { limit, cursor }))).flat().map((r) => r.runId),
        ).toEqual(['run-later', 'run-a', 'run-b', 'run-c', 'run-d']);
    });

    it('refuses a limit outside 1..1000 and a malformed cursor with validation_failed', async () => {
      const company = uniqueCompany();
      for (const limit of [0, 1001])
        expect((await rejection(store().list(company, { limit, cursor: null }))).code).toBe('validation_failed');
      expect((await rejection(store().list(company, { limit: 5, cursor: '***' }))).code).toBe('validation_failed');
    });

    it('refuses to write an invalid run (internal_error)', async () => {
      const company = uniqueCompany();
      const bad = { ...syncRun(company, 'bad'), pages: -1 };
      expect((await rejection(store().create(bad))).code).toBe('internal_error');
      await expect(store().get(company, 'bad')).resolves.toBeNull();
    });
  });
}
