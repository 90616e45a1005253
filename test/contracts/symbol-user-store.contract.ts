import { SymbolUser } from '../../src/domain/symbol-user';
import { SymbolUserStore } from '../../src/ports/symbol-user-store.port';
import { UserCountsStore } from '../../src/ports/user-counts.port';
import { rejection } from '../support/app-errors';
import { pageAll, symbolUser, uniqueCompany } from '../support/store-fixtures';

/** The SymbolUserStore port's behaviour, once, for every implementation. */
export function symbolUserStoreContract(
  implementation: string,
  store: () => SymbolUserStore,
  /** The counts the store moves (as the composition root wires them). */
  counts: () => UserCountsStore,
): void {
  describe(`SymbolUserStore contract — ${implementation}`, () => {
    it('get: null for a missing user and for an id no store can hold', async () => {
      const company = uniqueCompany();
      await expect(store().get(company, 'nobody')).resolves.toBeNull();
      await expect(store().get(company, 'a/b')).resolves.toBeNull();
    });

    it('creates once (a second create of the id is a conflict) and reads back the same version', async () => {
      const company = uniqueCompany();
      const saved = await store().save(symbolUser(company, 'u1', 'ada@acme.example'), null);
      expect(saved.value).toEqual(symbolUser(company, 'u1', 'ada@acme.example'));
      await expect(store().get(company, 'u1')).resolves.toEqual(saved);
      expect((await rejection(store().save(symbolUser(company, 'u1', 'other@acme.example'), null))).code).toBe(
        'conflict',
      );
      await expect(store().get(company, 'u1')).resolves.toEqual(saved);
    });

    it('keeps one user per e-mail address in a company; the same address in another company is another user', async () => {
      const [company, other] = [uniqueCompany(), uniqueCompany()];
      await store().save(symbolUser(company, 'u1', 'Ada@acme.example'), null);
      expect((await rejection(store().save(symbolUser(company, 'u2', 'ada@ACME.example'), null))).code).toBe(
        'conflict',
      );
      await expect(store().save(symbolUser(other, 'u2', 'ada@acme.example'), null)).resolves.toMatchObject({
        value: { id: 'u2' },
      });
      // A replace that would take another user's address is a conflict too.
      const bob = await store().save(symbolUser(company, 'u3', 'bob@acme.example'), null);
      expect(
        (await rejection(store().save({ ...bob.value, email: 'ada@acme.example', emailKey: 'ada@acme.example' }, bob)))
          .code,
      ).toBe('conflict');
    });

    it('replaces with the version read; a stale or vanished version is precondition_failed', async () => {
      const company = uniqueCompany();
      const first = await store().save(symbolUser(company, 'u1', 'ada@acme.example'), null);
      const second = await store().save({ ...first.value, jobTitle: 'Countess' }, first);
      expect(second.etag).not.toBe(first.etag);
      expect((await rejection(store().save({ ...first.value, jobTitle: 'Stale' }, first))).code).toBe(
        'precondition_failed',
      );
      const never = symbolUser(company, 'never-stored', 'x@acme.example');
      expect((await rejection(store().save(never, { value: never, etag: '"any"' }))).code).toBe('precondition_failed');
      // A version of another user is not a version of this one.
      expect((await rejection(store().save({ ...first.value, id: 'u9' }, second))).code).toBe('internal_error');
      expect((await store().get(company, 'u1'))?.value.jobTitle).toBe('Countess');
    });

    it('moves the company’s active-user count by what each save changed, and only when it was applied', async () => {
      const company = uniqueCompany();
      const ada = await store().save(symbolUser(company, 'u1', 'ada@acme.example'), null);
      // The first read derives the counts: one active user.
      expect((await counts().countsFor(company)).activeUsers).toBe(1);
      await store().save(symbolUser(company, 'u2', 'bob@acme.example'), null);
      await store().save(symbolUser(company, 'u3', 'eve@acme.example', { status: 'inactive' }), null);
      const inactive = await store().save({ ...ada.value, status: 'inactive' }, ada);
      await rejection(store().save({ ...ada.value, status: 'active' }, ada)); // stale: not applied
      await rejection(store().save(symbolUser(company, 'u4', 'BOB@acme.example'), null)); // taken: not applied
      expect((await counts().countsFor(company)).activeUsers).toBe(1);
      await store().save({ ...inactive.value, status: 'active' }, inactive);
      expect((await counts().countsFor(company)).activeUsers).toBe(2);
    });

    it('finds users by exact e-mail keys inside one company', async () => {
      const [company, other] = [uniqueCompany(), uniqueCompany()];
      await store().save(symbolUser(company, 'u1', 'ada@acme.example'), null);
      await store().save(symbolUser(company, 'u2', 'bob@acme.example'), null);
      await store().save(symbolUser(other, 'u3', 'ada@acme.example'), null);
      const found = await store().findByEmailKeys(company, [
        'ada@acme.example',
        'ada@acme.example',
        'nobody@acme.example',
        'ADA@acme.example',
      ]);
      expect(found.map((f) => f.value.id)).toEqual(['u1']);
      expect(found[0]?.etag).toEqual(expect.any(String));
      await expect(store().findByEmailKeys(company, [])).resolves.toEqual([]);
    });

    it('lists oldest first (createdAt, then id), all or one status, paged; users added while paging come at the end', async () => {
      const company = uniqueCompany();
      const at = (minute: number) => `2026-11-27T10:${String(minute).padStart(2, '0')}:00.000Z`;
      const specs: Array<[string, number, SymbolUser['status']]> = [
        ['c', 3, 'active'],
        ['a', 1, 'inactive'],
        ['b', 1, 'active'],
        ['d', 2, 'active'],
      ];
      for (const [id, minute, status] of specs)
        await store().save(symbolUser(company, id, `${id}@acme.example`, { createdAt: at(minute), status }), null);
      const ids = (pages: SymbolUser[][]) => pages.flat().map((u) => u.id);
      for (const limit of [1, 2, 500])
        expect(ids(await pageAll((cursor) => store().list(company, { status: null, limit, cursor })))).toEqual([
          'a',
          'b',
          'd',
          'c',
        ]);
      expect(ids(await pageAll((cursor) => store().list(company, { status: 'active', limit: 2, cursor })))).toEqual([
        'b',
        'd',
        'c',
      ]);
      let added = 0;
      const pages = await pageAll(
        (cursor) => store().list(company, { status: null, limit: 2, cursor }),
        async () => {
          added++;
          await store().save(
            symbolUser(company, `late-${added}`, `late${added}@acme.example`, { createdAt: at(50 + added) }),
            null,
          );
        },
      );
      expect(ids(pages).slice(0, 4)).toEqual(['a', 'b', 'd', 'c']);
      expect(new Set(ids(pages)).size).toBe(ids(pages).length);
    });

    it('refuses a limit outside 1..500 and a malformed cursor with validation_failed', async () => {
      const company = uniqueCompany();
      for (const limit of [0, 501])
        expect((await rejection(store().list(company, { status: null, limit, cursor: null }))).code).toBe(
          'validation_failed',
        );
      expect((await rejection(store().list(company, { status: null, limit: 5, cursor: '!!' }))).code).toBe(
        'validation_failed',
      );
    });

    it('refuses to write an invalid user (internal_error), writing nothing', async () => {
      const company = uniqueCompany();
      const bad = { ...symbolUser(company, 'bad', 'bad@acme.example'), status: 'sleeping' } as unknown as SymbolUser;
      expect((await rejection(store().save(bad, null))).code).toBe('internal_error');
      expect((await rejection(store().save(symbolUser(company, 'a/b', 'slash@acme.example'), null))).code).toBe(
        'internal_error',
      );
      await expect(store().get(company, 'bad')).resolves.toBeNull();
    });
  });
}
