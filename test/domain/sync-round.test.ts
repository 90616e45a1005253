import {
  afterPage,
  afterSweep,
  needsSweep,
  nextPageLink,
  readsStoredRecords,
  restartedAsFull,
  roundForJob,
  startRound,
  SyncRoundSchema,
  withRemovals,
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
      { counts: { scanned: 8, newPending: 8 }, newPending: names, removalsFlagged: 0 },
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
      { counts: { scanned: 5, updated: 1 }, newPending: names, removalsFlagged: 2 },
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
      { counts: { scanned: 1 }, newPending: [], removalsFlagged: 0 },
    );
    const restarted = restartedAsFull(first, 'y');
    expect(restarted).toMatchObject({
      mode: 'full',
      roundId: 'y',
      firstImport: false,
      nextLink: null,
      deltaLink: null,
      pagesDone: false,
      counts: { scanned: 1 },
    });
    expect(needsSweep(restarted)).toBe(true);
    expect(nextPageLink(restarted, 'https://graph/delta?$deltatoken=stale')).toBeNull();
  });

  it('afterSweep and withRemovals add their counts', () => {
    const round = startRound({ runId: 'r', roundId: 'x', mode: 'full', firstImport: false, nowIso: NOW });
    const swept = afterSweep(round, { counts: { removed: 3 }, flagged: 2 });
    expect(swept).toMatchObject({ removalsFlagged: 2, counts: { removed: 3 } });
    expect(withRemovals(swept, { held: 2 }).counts).toMatchObject({ removed: 3, held: 2 });
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
