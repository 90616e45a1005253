import { DirectoryUserRecord } from '../../src/domain/directory/directory-user';
import { startRound, SyncRound, withSeenChunks } from '../../src/domain/sync-round';
import { DirectoryUserStore } from '../../src/ports/directory-user-store.port';
import { MAX_SEEN_IDS_PER_CHUNK } from '../../src/ports/round-seen-store.port';
import { sweepUnseen } from '../../src/use-cases/sync/settle-removals';
import { chunk } from '../../src/shared/bounded-concurrency';
import { MemoryRoundSeenStore, memoryUserStores } from '../support/in-memory-ports';
import { directoryUser, NOW, oid } from '../support/store-fixtures';
import { TestClock } from '../support/test-time';

/**
 * The sweep at the end of a full round, with the in-memory stores (which obey the same contracts as
 * the Cosmos adapters): the records the round did not see go — pending and excluded deleted,
 * approved flagged for removal — found by comparing the round's seen-id chunks with the stored
 * ids, page by page. It writes only for what goes, and a sweep that runs out of time resumes
 * after the last id it handled.
 */

const COMPANY = 'acme';
const USERS = 2_500;

function statusOf(n: number): Partial<DirectoryUserRecord> {
  if (n % 10 === 3) return { status: 'approved', symbolUserId: `s-${n}` };
  if (n % 10 === 5) return { status: 'denied' };
  if (n % 10 === 7) return { status: 'excluded' };
  return {};
}

describe('sweepUnseen', () => {
  let stores: ReturnType<typeof memoryUserStores>;
  let roundSeen: MemoryRoundSeenStore;
  let round: SyncRound;
  const clock = new TestClock(new Date(NOW));
  /** Every id read back by `getMany` (what the sweep looked at closely). */
  let looked: string[];

  beforeEach(async () => {
    stores = memoryUserStores();
    roundSeen = new MemoryRoundSeenStore();
    looked = [];
    meanwhile = null;
    const all = Array.from({ length: USERS }, (_, i) => directoryUser(COMPANY, oid(i + 1), statusOf(i + 1)));
    await stores.directoryUsers.write(
      COMPANY,
      all.map((record) => ({ op: 'put', record, expected: null })),
    );
    await stores.userCounts.countsFor(COMPANY); // the counts exist from now on: writes move them
    // The round saw every user but the multiples of 4 (in chunks, as checkpoints store them).
    const seen = all.map((r, i) => ((i + 1) % 4 === 0 ? null : r.id)).filter((id) => id !== null);
    round = startRound({ runId: 'run-1', roundId: 'round-1', mode: 'full', firstImport: false, nowIso: NOW });
    for (const [i, ids] of chunk(seen, MAX_SEEN_IDS_PER_CHUNK / 5).entries())
      await roundSeen.put(COMPANY, round.roundId, i, ids);
    round = withSeenChunks(round, Math.ceil(seen.length / (MAX_SEEN_IDS_PER_CHUNK / 5)));
  });

  /** Runs once, before the sweep's first write: what someone else does meanwhile. */
  let meanwhile: (() => Promise<void>) | null = null;

  function services(): { directoryUsers: DirectoryUserStore; roundSeen: MemoryRoundSeenStore; clock: TestClock } {
    const inner = stores.directoryUsers;
    const directoryUsers: DirectoryUserStore = {
      getMany: (companyId, ids) => {
        looked.push(...ids);
        return inner.getMany(companyId, ids);
      },
      listForReview: (...args) => inner.listForReview(...args),
      write: async (...args) => {
        const before = meanwhile;
        meanwhile = null;
        await before?.();
        return inner.write(...args);
      },
      listIds: (...args) => inner.listIds(...args),
      listPendingRemovals: (...args) => inner.listPendingRemovals(...args),
      countActiveApproved: (...args) => inner.countActiveApproved(...args),
    };
    return { directoryUsers, roundSeen, clock };
  }

  const unseen = Array.from({ length: USERS }, (_, i) => i + 1).filter((n) => n % 4 === 0);
  const expected = {
    deleted: unseen.filter((n) => n % 10 !== 3 && n % 10 !== 5).map(oid),
    flagged: unseen.filter((n) => n % 10 === 3).map(oid),
    kept: unseen.filter((n) => n % 10 === 5).map(oid),
  };

  async function expectSwept(): Promise<void> {
    const stored = await stores.directoryUsers.getMany(
      COMPANY,
      Array.from({ length: USERS }, (_, i) => oid(i + 1)),
    );
    for (const id of expected.deleted) expect(stored.has(id)).toBe(false);
    for (const id of expected.flagged)
      expect(stored.get(id)?.value.pendingRemoval).toEqual({ reason: 'not_seen', runId: 'run-1', detectedAt: NOW });
    for (const id of expected.kept)
      expect(stored.get(id)?.value).toMatchObject({ status: 'denied', pendingRemoval: null });
    expect(stored.size).toBe(USERS - expected.deleted.length);
  }

  it('deletes pending and excluded users the round did not see, flags approved ones, and looks only at those', async () => {
    const result = await sweepUnseen(services(), COMPANY, round, () => false);
    expect(result).toMatchObject({
      done: true,
      counts: { removed: expected.deleted.length },
      flagged: expected.flagged.length,
      sweptThrough: oid(USERS),
    });
    expect(looked.sort()).toEqual(unseen.map(oid));
    await expectSwept();
    // What went moved the counts with it: deriving them again changes nothing.
    const { before, after } = await stores.userCounts.recount(COMPANY);
    expect(before).toEqual(after);
    expect(after.held).toBe(expected.flagged.length);
  });

  it('a sweep that runs out of time resumes after the last id it handled, and looks at nothing twice', async () => {
    let pages = 0;
    const afterOnePage = () => pages++ > 1; // the check before loading, then one per page
    const first = await sweepUnseen(services(), COMPANY, round, afterOnePage);
    expect(first.done).toBe(false);
    expect(first.sweptThrough).toBe(oid(1000));
    const second = await sweepUnseen(services(), COMPANY, { ...round, sweptThrough: first.sweptThrough }, () => false);
    expect(second).toMatchObject({ done: true, sweptThrough: oid(USERS) });
    expect((first.counts.removed ?? 0) + (second.counts.removed ?? 0)).toBe(expected.deleted.length);
    expect(first.flagged + second.flagged).toBe(expected.flagged.length);
    expect(looked.sort()).toEqual(unseen.map(oid));
    await expectSwept();
  });

  it('keeps users marked seen in the round itself (a round begun by the version that marked every user seen)', async () => {
    const marked = await stores.directoryUsers.getMany(COMPANY, [oid(4), oid(8), oid(13)]);
    await stores.directoryUsers.write(
      COMPANY,
      [...marked.values()].map((v) => ({ op: 'put', record: { ...v.value, seenRound: round.roundId }, expected: v })),
    );
    const result = await sweepUnseen(services(), COMPANY, round, () => false);
    expect(result.done).toBe(true);
    // oid(4) and oid(8) were unseen pending users, oid(13) is not unseen at all: all three stay as they were.
    const after = await stores.directoryUsers.getMany(COMPANY, [oid(4), oid(8), oid(13)]);
    expect([...after.values()].map((v) => [v.value.id, v.value.status, v.value.pendingRemoval])).toEqual([
      [oid(4), 'pending', null],
      [oid(8), 'pending', null],
      [oid(13), 'approved', null],
    ]);
    expect(result.counts.removed).toBe(expected.deleted.length - 2);
  });

  it('decides again about a user someone changed meanwhile (an admin denying it keeps it, denied)', async () => {
    meanwhile = async () => {
      const current = (await stores.directoryUsers.getMany(COMPANY, [oid(4)])).get(oid(4))!;
      await stores.directoryUsers.write(COMPANY, [
        { op: 'put', record: { ...current.value, status: 'denied' }, expected: current },
      ]);
    };
    const result = await sweepUnseen(services(), COMPANY, round, () => false);
    expect(result.done).toBe(true);
    expect((await stores.directoryUsers.getMany(COMPANY, [oid(4)])).get(oid(4))?.value.status).toBe('denied');
    expect(result.counts.removed).toBe(expected.deleted.length - 1);
    // Read twice: once with the page, once again after its write conflicted.
    expect(looked.filter((id) => id === oid(4))).toHaveLength(2);
  });

  it('a seen-id chunk that is missing stops the sweep (it must not guess who is gone)', async () => {
    const result = sweepUnseen(services(), COMPANY, withSeenChunks(round, round.seenChunks + 1), () => false);
    await expect(result).rejects.toMatchObject({ code: 'internal_error' });
    expect(looked).toEqual([]);
  });
});
