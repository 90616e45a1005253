import { UserCounts } from '../../src/domain/company-counts';
import { DirectoryUserStore } from '../../src/ports/directory-user-store.port';
import { SymbolUserStore } from '../../src/ports/symbol-user-store.port';
import { UserCountsStore } from '../../src/ports/user-counts.port';
import { directoryUser, NOW, oid, symbolUser, uniqueCompany } from '../support/store-fixtures';

export interface UserCountsTarget {
  counts: UserCountsStore;
  /** The stores that move the counts, wired to them. */
  directoryUsers: DirectoryUserStore;
  symbolUsers: SymbolUserStore;
  /** Overwrites the stored counts, as a bug or a lost increment would leave them. */
  corrupt(companyId: string, counts: UserCounts): Promise<void>;
}

/** The UserCountsStore port's behaviour, once, for every implementation. */
export function userCountsStoreContract(implementation: string, target: () => UserCountsTarget): void {
  describe(`UserCountsStore contract — ${implementation}`, () => {
    /** A company with 2 pending, 1 denied, 1 excluded, 1 approved held, and 2 Symbol users (1 active). */
    async function company(): Promise<string> {
      const { directoryUsers, symbolUsers } = target();
      const id = uniqueCompany();
      const held = { reason: 'deleted' as const, runId: 'run-1', detectedAt: NOW };
      const records = [
        directoryUser(id, oid(1)),
        directoryUser(id, oid(2)),
        directoryUser(id, oid(3), { status: 'denied' }),
        directoryUser(id, oid(4), { status: 'excluded' }),
        directoryUser(id, oid(5), { status: 'approved', pendingRemoval: held }),
      ];
      await directoryUsers.write(
        id,
        records.map((record) => ({ op: 'put', record, expected: null })),
      );
      await symbolUsers.save(symbolUser(id, 's1', 'ada@acme.example'), null);
      await symbolUsers.save(symbolUser(id, 's2', 'bob@acme.example', { status: 'inactive' }), null);
      return id;
    }
    const TRUTH: UserCounts = { pending: 2, denied: 1, excluded: 1, held: 1, activeUsers: 1 };

    it('a company without counts gets them derived from its records on the first read, and kept from then on', async () => {
      const id = await company();
      await expect(target().counts.countsFor(id)).resolves.toEqual(TRUTH);
      // From now on writes move the stored counts.
      await target().directoryUsers.write(id, [{ op: 'put', record: directoryUser(id, oid(6)), expected: null }]);
      await expect(target().counts.countsFor(id)).resolves.toEqual({ ...TRUTH, pending: 3 });
      await expect(target().counts.countsFor(uniqueCompany())).resolves.toEqual({
        pending: 0,
        denied: 0,
        excluded: 0,
        held: 0,
        activeUsers: 0,
      });
    });

    it('add leaves a company without counts alone: deriving them later counts every write once', async () => {
      const id = uniqueCompany();
      await target().counts.add(id, { pending: 5 });
      await target().directoryUsers.write(id, [{ op: 'put', record: directoryUser(id, oid(1)), expected: null }]);
      await expect(target().counts.countsFor(id)).resolves.toMatchObject({ pending: 1 });
    });

    it('reads the stored counts (no live count), and a recount repairs a corrupted one', async () => {
      const id = await company();
      await target().counts.countsFor(id);
      const corrupted = { pending: 1234, denied: 0, excluded: 7, held: 3, activeUsers: 99 };
      await target().corrupt(id, corrupted);
      await expect(target().counts.countsFor(id)).resolves.toEqual(corrupted);
      await expect(target().counts.recount(id)).resolves.toEqual({ before: corrupted, after: TRUTH, saved: true });
      await expect(target().counts.countsFor(id)).resolves.toEqual(TRUTH);
    });

    it('a count below zero can only be drift: it is derived again on read', async () => {
      const id = await company();
      await target().counts.countsFor(id);
      await target().corrupt(id, { ...TRUTH, pending: -3 });
      await expect(target().counts.countsFor(id)).resolves.toEqual(TRUTH);
    });

    it('concurrent increments are never lost (no read-modify-write)', async () => {
      const id = await company();
      await target().counts.countsFor(id);
      await Promise.all(Array.from({ length: 40 }, () => target().counts.add(id, { pending: 1, excluded: 2 })));
      await expect(target().counts.countsFor(id)).resolves.toEqual({ ...TRUTH, pending: 42, excluded: 81 });
    });
  });
}
