import {
  afterPage,
  afterSweep,
  keepsSeenIds,
  needsSweep,
  nextPageLink,
  readsStoredRecords,
  recountsAtEnd,
  restartedAsFull,
  resumed,
  roundForJob,
  startRound,
  stoppedCleanly,
  SyncRoundSchema,
  withRemovals,
  withSeenChunks,
} from '../../src/domain/sync-round';

const NOW = '2026-11-27T10:00:00.000Z';
const fresh = { roundId: 'round-new', nowIso: NOW };
const state = (overrides: Partial<Parameters<typeof roundForJob>[0]> = {}) => ({
  round: null,
  deltaLink: 'https://graph/delta?$deltatoken=d',
  lastFullRoundAt: NOW,
  replacedConnection: false,
  ...overrides,
});

describe('the sync round (pure transitions)', () => {
  describe('roundForJob', () => {
    it('starts a company’s very first import as a full round that reads nothing and sweeps nothing', () => {
      const round = roundForJob(
        state({ deltaLink: null, lastFullRoundAt: null }),
        { runId: 'r1', mode: 'delta' },
        fresh,
      );
      expect(round).toMatchObject({
        runId: 'r1',
        roundId: 'round-new',
        mode: 'full',
        firstImport: true,
        pages: 0,
        pagesDone: false,
      });
      expect(readsStoredRecords(round)).toBe(false);
      expect(needsSweep(round)).toBe(false);
    });

    it.each([
      ['a later full round', state(), 'full'],
      ['a round after the delta cursor was lost', state({ deltaLink: null }), 'delta'],
      [
        'the first round after a reconnect to another tenant',
        state({ deltaLink: null, lastFullRoundAt: null, replacedConnection: true }),
        'delta',
      ],
    ] as const)('%s is a full round with a sweep', (_what, s, jobMode) => {
      const round = roundForJob(s, { runId: 'r1', mode: jobMode === 'delta' ? 'delta' : 'full' }, fresh);
      expect(round).toMatchObject({ mode: 'full', firstImport: false });
      expect(needsSweep(round)).toBe(true);
      expect(readsStoredRecords(round)).toBe(true);
    });

    it('continues from the deltaLink for a delta job', () => {
      const round = roundForJob(state(), { runId: 'r1', mode: 'delta' }, fresh);
      expect(round).toMatchObject({ mode: 'delta', firstImport: false });
      expect(needsSweep(round)).toBe(false);
      expect(nextPageLink(round, 'https://graph/delta?$deltatoken=d')).toBe('https://graph/delta?$deltatoken=d');
    });

    it('resumes its own round, adopts an abandoned one, but not a delta round when a full one is asked for', () => {
      const abandoned = {
        ...startRound({ runId: 'old', roundId: 'round-old', mode: 'delta', firstImport: false, nowIso: NOW }),
        pages: 4,
        nextLink: 'https://graph/next',
      };
      expect(roundForJob(state({ round: abandoned }), { runId: 'old', mode: 'full' }, fresh)).toEqual(abandoned);
      expect(roundForJob(state({ round: abandoned }), { runId: 'new', mode: 'delta' }, fresh)).toEqual({
        ...abandoned,
        runId: 'new',
      });
      expect(roundForJob(state({ round: abandoned }), { runId: 'new', mode: 'full' }, fresh)).toMatchObject({
        runId: 'new',
        roundId: 'round-new',
        mode: 'full',
        pages: 0,
      });
    });
  });

  it('afterPage adds the page: counts, sample (at most 10), links, pages, done on the last page', () => {
    const start = startRound({ runId: 'r', roundId: 'x', mode: 'full', firstImport: true, nowIso: NOW });
    const names = Array.from({ length: 8 }, (_, i) => `User ${i}`);
    const one = afterPage(
      start,
      { nextLink: 'https://graph/2', deltaLink: null },
      { counts: { scanned: 8, newPending: 8 }, newPending: names, removalsFlagged: 0, seen: [] },
    );
    expect(one).toMatchObject({
      pages: 1,
      nextLink: 'https://graph/2',
      pagesDone: false,
      counts: { scanned: 8, newPending: 8 },
      newPendingSample: names,
    });
    expect(nextPageLink(one, null)).toBe('https://graph/2');
    const two = afterPage(
      one,
      { nextLink: null, deltaLink: 'https://graph/delta' },
      { counts: { scanned: 5, updated: 1 }, newPending: names, removalsFlagged: 2, seen: [] },
    );
    expect(two).toMatchObject({
      pages: 2,
      nextLink: null,
      deltaLink: 'https://graph/delta',
      pagesDone: true,
      removalsFlagged: 2,
      counts: { scanned: 13, newPending: 8, updated: 1 },
    });
    expect(two.newPendingSample).toHaveLength(10);
  });

  it('restartedAsFull: a lost delta state restarts as a full round that sweeps, even if it began as a first import', () => {
    const first = afterPage(
      startRound({ runId: 'r', roundId: 'x', mode: 'full', firstImport: true, nowIso: NOW }),
      { nextLink: 'https://graph/2', deltaLink: null },
      { counts: { scanned: 1 }, newPending: [], removalsFlagged: 0, seen: ['a'] },
    );
    const restarted = restartedAsFull({ ...withSeenChunks(first, 3), sweptThrough: 'm' }, 'y');
    expect(restarted).toMatchObject({
      mode: 'full',
      roundId: 'y',
      firstImport: false,
      nextLink: null,
      deltaLink: null,
      pagesDone: false,
      counts: { scanned: 1 },
      // The new round's seen ids start from nothing.
      seenChunks: 0,
      sweptThrough: null,
    });
    expect(needsSweep(restarted)).toBe(true);
    expect(nextPageLink(restarted, 'https://graph/delta?$deltatoken=stale')).toBeNull();
  });

  it('afterSweep and withRemovals add their counts; the sweep remembers how far it got', () => {
    const round = startRound({ runId: 'r', roundId: 'x', mode: 'full', firstImport: false, nowIso: NOW });
    const swept = afterSweep(round, { counts: { removed: 3 }, flagged: 2, sweptThrough: 'id-9' });
    expect(swept).toMatchObject({ removalsFlagged: 2, counts: { removed: 3 }, sweptThrough: 'id-9' });
    expect(withRemovals(swept, { held: 2 }).counts).toMatchObject({ removed: 3, held: 2 });
  });

  it('attempts: each invocation resumes the round; one that did not stop cleanly puts the counts in doubt', () => {
    const round = startRound({ runId: 'r', roundId: 'x', mode: 'delta', firstImport: false, nowIso: NOW });
    const first = resumed(round);
    expect(first).toMatchObject({ attempt: 1, attemptStartPage: 0, countsInDoubt: false, stoppedCleanly: false });
    const paged = afterPage(
      first,
      { nextLink: 'https://graph/2', deltaLink: null },
      { counts: { scanned: 1 }, newPending: [], removalsFlagged: 0, seen: [] },
    );
    // A continuation: the attempt handed everything on.
    const continued = resumed(stoppedCleanly(paged));
    expect(continued).toMatchObject({ attempt: 2, attemptStartPage: 1, countsInDoubt: false, stoppedCleanly: false });
    expect(recountsAtEnd(continued)).toBe(false);
    // A crash (or a failure retried later): no clean stop.
    const afterCrash = resumed(continued);
    expect(afterCrash).toMatchObject({ attempt: 3, attemptStartPage: 1, countsInDoubt: true });
    expect(recountsAtEnd(afterCrash)).toBe(true);
    // Doubt stays until the round ends, whatever comes after.
    expect(resumed(stoppedCleanly(afterCrash)).countsInDoubt).toBe(true);
    expect(
      recountsAtEnd(resumed(startRound({ runId: 'r', roundId: 'y', mode: 'full', firstImport: true, nowIso: NOW }))),
    ).toBe(true);
  });

  it('only a round that sweeps keeps the ids it sees', () => {
    const round = (mode: 'full' | 'delta', firstImport: boolean) =>
      startRound({ runId: 'r', roundId: 'x', mode, firstImport, nowIso: NOW });
    expect(keepsSeenIds(round('full', false))).toBe(true);
    expect(keepsSeenIds(round('full', true))).toBe(false);
    expect(keepsSeenIds(round('delta', false))).toBe(false);
    expect(withSeenChunks(round('full', false), 4).seenChunks).toBe(4);
  });

  it('reads rounds stored before attempts, seen chunks and the sweep position existed', () => {
    const round = startRound({ runId: 'r', roundId: 'x', mode: 'full', firstImport: false, nowIso: NOW });
    const {
      attempt: _a,
      attemptStartPage: _p,
      stoppedCleanly: _s,
      countsInDoubt: _c,
      seenChunks: _n,
      sweptThrough: _t,
      ...older
    } = round;
    // What they lacked reads as a new round has it.
    expect(SyncRoundSchema.parse(older)).toEqual(round);
  });

  it('reads rounds stored before firstImport existed (with `sweep`)', () => {
    const { firstImport: _, ...legacy } = startRound({
      runId: 'r',
      roundId: 'x',
      mode: 'full',
      firstImport: false,
      nowIso: NOW,
    });
    expect(SyncRoundSchema.parse({ ...legacy, sweep: false }).firstImport).toBe(true);
    expect(SyncRoundSchema.parse({ ...legacy, sweep: true }).firstImport).toBe(false);
    expect(SyncRoundSchema.parse({ ...legacy, mode: 'delta', sweep: false }).firstImport).toBe(false);
    expect(SyncRoundSchema.safeParse({ ...legacy }).success).toBe(false);
  });
});
