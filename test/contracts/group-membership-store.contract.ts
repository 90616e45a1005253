import { GroupMembershipStore } from '../../src/ports/group-membership-store.port';
import { oid, uniqueCompany } from '../support/store-fixtures';

const G1 = '11111111-1111-4111-8111-111111111111';
const G2 = '22222222-2222-4222-8222-222222222222';

/** The GroupMembershipStore port's behaviour, once, for every implementation. */
export function groupMembershipStoreContract(implementation: string, store: () => GroupMembershipStore): void {
  describe(`GroupMembershipStore contract — ${implementation}`, () => {
    it('sets, reads back, replaces and removes (an empty list) users’ memberships, per company', async () => {
      const [company, other] = [uniqueCompany(), uniqueCompany()];
      await store().putMany(company, [
        { userId: oid(1), groups: [G2, G1, G1] },
        { userId: oid(2), groups: [G1] },
      ]);
      expect(await store().getMany(company, [oid(1), oid(2), oid(3)])).toEqual(
        new Map([
          [oid(1), [G1, G2]],
          [oid(2), [G1]],
        ]),
      );
      expect((await store().getMany(other, [oid(1)])).size).toBe(0);
      await store().putMany(company, [
        { userId: oid(1), groups: [G2] },
        { userId: oid(2), groups: [] },
        { userId: oid(3), groups: [] },
      ]);
      expect(await store().getMany(company, [oid(1), oid(2)])).toEqual(new Map([[oid(1), [G2]]]));
    });

    it('lists every user with memberships in id order, page by page', async () => {
      const company = uniqueCompany();
      await store().putMany(
        company,
        Array.from({ length: 7 }, (_, i) => ({ userId: oid(7 - i), groups: [G1] })),
      );
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await store().list(company, { limit: 3, cursor });
        seen.push(...page.items.map((m) => m.userId));
        cursor = page.nextCursor;
      } while (cursor !== null);
      expect(seen).toEqual(Array.from({ length: 7 }, (_, i) => oid(i + 1)));
      await expect(store().list(company, { limit: 0, cursor: null })).rejects.toMatchObject({
        code: 'validation_failed',
      });
    });
  });
}
