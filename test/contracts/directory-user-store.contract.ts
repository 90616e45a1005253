import { DirectoryUserRecord } from '../../src/domain/directory/directory-user';
import { DirectoryUserStore, DirectoryUserWrite } from '../../src/ports/directory-user-store.port';
import { Versioned } from '../../src/ports/integration-store.port';
import { UserCountsStore } from '../../src/ports/user-counts.port';
import { rejection } from '../support/app-errors';
import { directoryUser, NOW, oid, pageAll, uniqueCompany } from '../support/store-fixtures';

/**
 * The DirectoryUserStore port's behaviour, once, for every implementation. Cases named
 * "(divergence)" are where the in-memory fake used to disagree with Cosmos.
 */
export function directoryUserStoreContract(
  implementation: string,
  store: () => DirectoryUserStore,
  /** The counts the store moves (as the composition root wires them). */
  counts: () => UserCountsStore,
): void {
  describe(`DirectoryUserStore contract — ${implementation}`, () => {
    const creates = (records: DirectoryUserRecord[]): DirectoryUserWrite[] =>
      records.map((record) => ({ op: 'put', record, expected: null }));
    const seed = async (
      company: string,
      numbers: number[],
      overrides: (n: number) => Partial<DirectoryUserRecord> = () => ({}),
    ) => {
      const records = numbers.map((n) => directoryUser(company, oid(n), overrides(n)));
      expect(await store().write(company, creates(records))).toEqual(records.map((r) => ({ id: r.id, ok: true })));
      return store().getMany(
        company,
        records.map((r) => r.id),
      );
    };
    const ids = (pages: Array<Array<Versioned<DirectoryUserRecord>>>) => pages.flat().map((i) => i.value.id);

    it('getMany returns the stored records with their etags; missing, foreign and unstorable ids are absent', async () => {
      const [company, other] = [uniqueCompany(), uniqueCompany()];
      await seed(company, [1, 2, 3]);
      await seed(other, [4, 1]);
      const found = await store().getMany(company, [oid(1), oid(3), oid(9), oid(4), oid(1), 'a/b', '']);
      expect([...found.keys()].sort()).toEqual([oid(1), oid(3)]);
      expect(found.get(oid(1))?.value).toEqual(directoryUser(company, oid(1)));
      expect(found.get(oid(1))?.etag).toEqual(expect.any(String));
      await expect(store().getMany(company, [])).resolves.toEqual(new Map());
    });

    it('creates must not exist, replaces and deletes need the version read; every stale or vanished precondition is a conflict', async () => {
      const company = uniqueCompany();
      const before = await seed(company, [10, 11, 12, 13, 14]);
      const read = (n: number) => before.get(oid(n)) ?? { value: directoryUser(company, oid(n)), etag: '' };
      // Somebody else changes 11 and removes 13 meanwhile.
      await store().write(company, [
        { op: 'put', record: directoryUser(company, oid(11), { hash: 'changed-elsewhere' }), expected: read(11) },
      ]);
      await store().write(company, [{ op: 'delete', expected: read(13) }]);

      const outcomes = await store().write(company, [
        { op: 'put', record: directoryUser(company, oid(20), { status: 'approved' }), expected: null },
        { op: 'put', record: directoryUser(company, oid(10), { hash: 'hash-2' }), expected: read(10) },
        { op: 'put', record: directoryUser(company, oid(11), { hash: 'hash-2' }), expected: read(11) },
        { op: 'put', record: directoryUser(company, oid(12), { hash: 'recreated' }), expected: null },
        { op: 'put', record: directoryUser(company, oid(13), { hash: 'hash-2' }), expected: read(13) },
        { op: 'delete', expected: read(14) },
        { op: 'delete', expected: { value: directoryUser(company, oid(21)), etag: '"never-existed"' } },
      ]);
      expect(outcomes).toEqual([
        { id: oid(20), ok: true },
        { id: oid(10), ok: true },
        { id: oid(11), ok: false, reason: 'conflict' },
        { id: oid(12), ok: false, reason: 'conflict' },
        { id: oid(13), ok: false, reason: 'conflict' },
        { id: oid(14), ok: true },
        { id: oid(21), ok: false, reason: 'conflict' },
      ]);
      const after = await store().getMany(company, [10, 11, 12, 13, 14, 20].map(oid));
      expect([...after.keys()].sort()).toEqual([10, 11, 12, 20].map(oid));
      expect(after.get(oid(10))?.value.hash).toBe('hash-2');
      expect(after.get(oid(10))?.etag).not.toBe(read(10).etag);
      expect(after.get(oid(11))?.value.hash).toBe('changed-elsewhere');
      expect(after.get(oid(12))?.value.hash).toBe('hash-1');
    });

    it('moves the company counts by what the applied writes changed (previous → next), and only by that', async () => {
      const company = uniqueCompany();
      const stored = await seed(company, [1, 2, 3, 4], (n) => (n === 4 ? { status: 'denied' } : {}));
      // The first read of the counts derives them from the records: 3 pending, 1 denied.
      await expect(counts().countsFor(company)).resolves.toEqual({
        pending: 3,
        denied: 1,
        excluded: 0,
        held: 0,
        activeUsers: 0,
      });
      const read = (n: number) => stored.get(oid(n)) ?? { value: directoryUser(company, oid(n)), etag: '' };
      const outcomes = await store().write(company, [
        // pending → denied, pending → approved and held, a new excluded one, a delete of a pending one
        { op: 'put', record: { ...read(1).value, status: 'denied' }, expected: read(1) },
        {
          op: 'put',
          record: {
            ...read(2).value,
            status: 'approved',
            pendingRemoval: { reason: 'deleted', runId: 'run-1', detectedAt: NOW },
          },
          expected: read(2),
        },
        { op: 'put', record: directoryUser(company, oid(5), { status: 'excluded' }), expected: null },
        { op: 'delete', expected: read(3) },
        // A stale version: refused, so it changes no count.
        { op: 'put', record: { ...read(4).value, status: 'pending' }, expected: { ...read(4), etag: '"stale"' } },
      ]);
      expect(outcomes.map((o) => o.ok)).toEqual([true, true, true, true, false]);
      await expect(counts().countsFor(company)).resolves.toEqual({
        pending: 0,
        denied: 2,
        excluded: 1,
        held: 1,
        activeUsers: 0,
      });
    });

    it.each([
      [
        '(divergence) two writes for one id',
        (c: string): DirectoryUserWrite => ({
          op: 'delete',
          expected: { value: directoryUser(c, oid(30)), etag: '"e"' },
        }),
      ],
      [
        '(divergence) a record of another company',
        (): DirectoryUserWrite => ({ op: 'put', record: directoryUser(uniqueCompany(), oid(32)), expected: null }),
      ],
      [
        '(divergence) a malformed record',
        (c: string): DirectoryUserWrite => ({
          op: 'put',
          record: { ...directoryUser(c, oid(31)), status: 'sleeping' } as unknown as DirectoryUserRecord,
          expected: null,
        }),
      ],
      [
        'an expected version of another record',
        (c: string): DirectoryUserWrite => ({
          op: 'put',
          record: directoryUser(c, oid(33)),
          expected: { value: directoryUser(c, oid(34)), etag: '"e"' },
        }),
      ],
      [
        'an id a store cannot hold',
        (c: string): DirectoryUserWrite => ({
          op: 'delete',
          expected: { value: { ...directoryUser(c, oid(1)), id: 'a?b' }, etag: '"e"' },
        }),
      ],
    ])('%s is refused (internal_error) and nothing of the call is written', async (_what, bad) => {
      const company = uniqueCompany();
      const good: DirectoryUserWrite = { op: 'put', record: directoryUser(company, oid(30)), expected: null };
      expect((await rejection(store().write(company, [good, bad(company)]))).code).toBe('internal_error');
      await expect(store().getMany(company, [oid(30), oid(31)])).resolves.toEqual(new Map());
      await expect(store().write(company, [])).resolves.toEqual([]);
    });

    it('listIds: the ids of one company, in id order, after a given id, paged', async () => {
      const company = uniqueCompany();
      await seed(company, [5, 3, 1, 4, 2, 6]);
      await seed(uniqueCompany(), [7]);
      const all = (after: string | null, limit: number) =>
        pageAll((cursor) => store().listIds(company, { after, limit, cursor }));
      for (const limit of [1, 2, 10]) expect((await all(null, limit)).flat()).toEqual([1, 2, 3, 4, 5, 6].map(oid));
      expect((await all(oid(3), 2)).flat()).toEqual([4, 5, 6].map(oid));
      expect((await all(oid(6), 2)).flat()).toEqual([]);
    });

    it('(divergence) listIds pages are stable while the records of a page are deleted before the next is read', async () => {
      const company = uniqueCompany();
      const stored = await seed(company, [1, 2, 3, 4, 5, 6]);
      const pages = await pageAll(
        (cursor) => store().listIds(company, { after: null, limit: 2, cursor }),
        async (ids) => {
          const deletes: DirectoryUserWrite[] = ids.flatMap((id) => {
            const version = stored.get(id);
            return version ? [{ op: 'delete' as const, expected: version }] : [];
          });
          expect((await store().write(company, deletes)).every((o) => o.ok)).toBe(true);
        },
      );
      expect(pages.flat()).toEqual([1, 2, 3, 4, 5, 6].map(oid));
    });

    it('listPendingRemovals: of one run or of any run, in id order; paging while applying them skips nothing', async () => {
      const company = uniqueCompany();
      const runOf = (n: number) => (n < 57 ? 'run-a' : n < 60 ? 'run-b' : null);
      await seed(company, [57, 51, 59, 53, 55, 52, 58, 54, 56, 50, 61, 60], (n) => {
        const runId = runOf(n);
        return { pendingRemoval: runId === null ? null : { reason: 'deleted', runId, detectedAt: NOW } };
      });
      const of = (runId: string | null) =>
        [50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61]
          .filter((n) => (runId === null ? runOf(n) !== null : runOf(n) === runId))
          .map(oid);
      for (const limit of [1, 3, 1000])
        expect(
          ids(await pageAll((cursor) => store().listPendingRemovals(company, 'run-a', { limit, cursor }))),
        ).toEqual(of('run-a'));
      expect(ids(await pageAll((cursor) => store().listPendingRemovals(company, null, { limit: 4, cursor })))).toEqual(
        of(null),
      );
      await expect(store().listPendingRemovals(company, 'run-z', { limit: 5, cursor: null })).resolves.toEqual({
        items: [],
        nextCursor: null,
      });

      const applied = await pageAll(
        (cursor) => store().listPendingRemovals(company, 'run-a', { limit: 2, cursor }),
        async (items) => {
          const [first, ...rest] = items;
          const writes: DirectoryUserWrite[] = rest.map((i) => ({ op: 'delete', expected: i }));
          if (first)
            writes.push({
              op: 'put',
              record: {
                ...first.value,
                pendingRemoval: null,
                status: 'approved',
                deactivated: { reason: 'deleted', at: NOW },
              },
              expected: first,
            });
          expect((await store().write(company, writes)).every((o) => o.ok)).toBe(true);
        },
      );
      expect(ids(applied)).toEqual(of('run-a'));
    });

    it('listForReview: one status, a case-insensitive prefix of a name or address, a flag; ordered by display name, then id', async () => {
      const company = uniqueCompany();
      const people: Array<[number, string, Partial<DirectoryUserRecord>]> = [
        [1, 'Zoe Adams', {}],
        [2, 'anna Berg', { flags: ['unlicensed'] }],
        [3, 'Ann Carter', {}],
        [4, 'Ann Carter', { flags: ['unlicensed'] }],
        [5, 'Bob Denied', { status: 'denied' }],
      ];
      await seed(
        company,
        people.map(([n]) => n),
        (n) => {
          const [, name, extra] = people.find(([m]) => m === n) ?? [n, '', {}];
          return {
            attributes: {
              ...directoryUser(company, oid(n)).attributes,
              displayName: name,
              givenName: name.split(' ')[0] ?? null,
              surname: name.split(' ')[1] ?? null,
            },
            ...extra,
          };
        },
      );
      const list = (query: { status?: 'pending' | 'denied'; search?: string; flag?: 'unlicensed' }, limit = 10) =>
        pageAll((cursor) =>
          store().listForReview(company, {
            status: query.status ?? 'pending',
            search: query.search ?? null,
            flag: query.flag ?? null,
            limit,
            cursor,
          }),
        );
      expect(ids(await list({}))).toEqual([3, 4, 2, 1].map(oid));
      expect(ids(await list({}, 1))).toEqual([3, 4, 2, 1].map(oid));
      expect(ids(await list({ search: 'ANN' }))).toEqual([3, 4, 2].map(oid));
      expect(ids(await list({ search: 'carter' }))).toEqual([3, 4].map(oid));
      expect(ids(await list({ flag: 'unlicensed' }))).toEqual([4, 2].map(oid));
      expect(ids(await list({ status: 'denied' }))).toEqual([oid(5)]);
    });

    it('refuses a limit outside 1..1000 and a malformed cursor with validation_failed', async () => {
      const company = uniqueCompany();
      for (const limit of [0, 1001, 0.5])
        expect((await rejection(store().listPendingRemovals(company, 'run-a', { limit, cursor: null }))).code).toBe(
          'validation_failed',
        );
      expect((await rejection(store().listIds(company, { after: null, limit: 2, cursor: '***' }))).code).toBe(
        'validation_failed',
      );
    });

    it('counts synced (all but approved-and-deactivated) and active approved records of one company', async () => {
      const company = uniqueCompany();
      const deactivated = { reason: 'disabled' as const, at: NOW };
      const specs: Array<Partial<DirectoryUserRecord>> = [
        {},
        {},
        { status: 'denied' },
        { status: 'excluded' },
        { status: 'approved' },
        { status: 'approved' },
        { status: 'approved' },
        { status: 'approved', deactivated },
        { status: 'approved', deactivated },
      ];
      await seed(
        company,
        specs.map((_, i) => 80 + i),
        (n) => specs[n - 80] ?? {},
      );
      await seed(uniqueCompany(), [99], () => ({ status: 'approved' }));
      await expect(store().countActiveApproved(company)).resolves.toBe(3);
      await expect(store().countActiveApproved(uniqueCompany())).resolves.toBe(0);
    });
  });
}
