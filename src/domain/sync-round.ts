import { z } from 'zod';
import { SyncMode, SyncModeSchema } from './sync-job';
import { SyncCounts, SyncCountsSchema, ZERO_COUNTS } from './sync-run';

/**
 * A sync round: one pass over `users/delta`, from its first page to the deltaLink, then (for a
 * full round) a sweep of the users it did not return. A round outlives invocations: it is
 * checkpointed in the company's sync state, so a crash or a time-budget continuation resumes it.
 *
 * The round changes only through the named transitions below; the worker never edits its fields.
 *
 *   start / adopt ──▶ resumed ──▶ afterPage … ──▶ (pagesDone) ──▶ afterSweep ──▶ withRemovals ──▶ saved, round ends
 *           │            ╰── stoppedCleanly (a time-budget continuation) ──▶ resumed …
 *           ╰── restartedAsFull (the delta state was lost: a full round with a sweep)
 *
 * Each invocation that works on the round is an attempt (`resumed`). An attempt that ends without
 * `stoppedCleanly` (a crash, a failure retried later) may have written records after its last
 * checkpoint: the next attempt counts them from their `syncWrite` stamps, and the company's
 * counts are derived again when the round ends (`countsInDoubt`).
 */

const IsoDate = z.iso.datetime({ offset: true });

/** How many new pending users' names a round keeps for its e-mail. */
export const NEW_PENDING_SAMPLE_SIZE = 10;

/**
 * The scope's part of a round: groups are read first; users whose memberships changed (or, when
 * the scope itself or the group nesting changed, every user) are re-judged after the pages.
 */
export const RoundScopeSchema = z
  .object({
    groupsRead: z.boolean(),
    rescope: z.enum(['none', 'touched', 'all']),
    /** Users whose memberships changed (bounded: beyond it the round re-judges everyone). */
    touched: z.array(z.string().max(64)).max(5000),
    /** Where the re-judging of every user stands (rescope 'all'). */
    cursor: z.string().max(12_000).nullable(),
    done: z.boolean(),
  })
  .strict();
export type RoundScope = z.infer<typeof RoundScopeSchema>;
export const MAX_TOUCHED = 5000;
const NO_SCOPE_WORK: RoundScope = { groupsRead: false, rescope: 'none', touched: [], cursor: null, done: false };

const SyncRoundObjectSchema = z
  .object({
    runId: z.string().min(1).max(64),
    /** Distinguishes this round's `seenRound` marks from earlier ones. */
    roundId: z.string().min(1).max(64),
    mode: SyncModeSchema,
    /**
     * The company's very first import: nothing is stored yet, so pages need no reads and there is
     * nothing to sweep afterwards. False for every other round (and once a first import restarts).
     */
    firstImport: z.boolean(),
    /** The next page to read; null before the first page of a round. */
    nextLink: z.string().max(8192).nullable(),
    /** True once every page was read: only the sweep and the removals remain. */
    pagesDone: z.boolean(),
    /** The deltaLink the last page gave; saved as the company's deltaLink when the round ends. */
    deltaLink: z.string().max(8192).nullable(),
    pages: z.number().int().min(0),
    counts: SyncCountsSchema,
    /** Display names of a few new pending users, for the e-mail. */
    newPendingSample: z.array(z.string().max(256)).max(NEW_PENDING_SAMPLE_SIZE),
    /** Records this round marked for removal (they go through the deletion guard at the end). */
    removalsFlagged: z.number().int().min(0).default(0),
    scope: RoundScopeSchema.default(NO_SCOPE_WORK),
    /** Invocations that have worked on the round; the current one's number stamps its writes. */
    attempt: z.number().int().min(0).default(0),
    /** Pages checkpointed when the current attempt began: records an earlier attempt wrote from this page on were not counted. */
    attemptStartPage: z.number().int().min(0).default(0),
    /** The last attempt ended with a checkpoint of everything it wrote (a continuation), not a crash or a failure. */
    stoppedCleanly: z.boolean().default(false),
    /** An attempt ended uncleanly: some count changes may be missing, so the company's counts are derived again at the end. */
    countsInDoubt: z.boolean().default(false),
    /** Chunks of seen ids stored so far (full rounds that sweep: RoundSeenStore). */
    seenChunks: z.number().int().min(0).default(0),
    /** The sweep has handled the stored records up to this id (it resumes after it). */
    sweptThrough: z.string().max(255).nullable().default(null),
    startedAt: IsoDate,
    checkpointedAt: IsoDate,
  })
  .strict();

/**
 * Rounds checkpointed before `firstImport` existed carry `sweep` instead: a full round without a
 * sweep was a first import.
 */
function fromLegacy(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || !('sweep' in value) || 'firstImport' in value) return value;
  const { sweep, ...rest } = value as Record<string, unknown>;
  return { ...rest, firstImport: rest.mode === 'full' && sweep === false };
}

export const SyncRoundSchema = z.preprocess(fromLegacy, SyncRoundObjectSchema);
export type SyncRound = z.infer<typeof SyncRoundObjectSchema>;

/** What applying one page did. */
export interface PageResult {
  counts: Partial<SyncCounts>;
  /** Display names (or addresses) of users that became pending. */
  newPending: string[];
  /** Records marked for removal. */
  removalsFlagged: number;
  /** Ids of the directory users the page returned (present in the directory): what a sweep must not remove. */
  seen: string[];
}

export function addCounts(a: SyncCounts, b: Partial<SyncCounts>): SyncCounts {
  const out = { ...a };
  for (const key of Object.keys(b) as Array<keyof SyncCounts>) out[key] += b[key] ?? 0;
  return out;
}

/** A new round for `runId`. */
export function startRound(input: {
  runId: string;
  roundId: string;
  mode: SyncMode;
  firstImport: boolean;
  nowIso: string;
}): SyncRound {
  return {
    runId: input.runId,
    roundId: input.roundId,
    mode: input.mode,
    firstImport: input.mode === 'full' && input.firstImport,
    nextLink: null,
    pagesDone: false,
    deltaLink: null,
    pages: 0,
    counts: ZERO_COUNTS,
    newPendingSample: [],
    removalsFlagged: 0,
    scope: NO_SCOPE_WORK,
    attempt: 0,
    attemptStartPage: 0,
    stoppedCleanly: false,
    countsInDoubt: false,
    seenChunks: 0,
    sweptThrough: null,
    startedAt: input.nowIso,
    checkpointedAt: input.nowIso,
  };
}

/**
 * The round a job works on: its own round when it resumes (a continuation or a redelivery), an
 * abandoned round of an earlier run (the same work, idempotent) unless the job asks for a full
 * round and that one is a delta round, or else a new round — full when asked for or when there is
 * no deltaLink to continue from.
 */
export function roundForJob(
  state: {
    round: SyncRound | null;
    deltaLink: string | null;
    lastFullRoundAt: string | null;
    replacedConnection: boolean;
  },
  job: { runId: string; mode: SyncMode },
  fresh: { roundId: string; nowIso: string },
): SyncRound {
  const current = state.round;
  if (current && (current.runId === job.runId || !(job.mode === 'full' && current.mode === 'delta')))
    return { ...current, runId: job.runId };
  const mode = job.mode === 'full' || state.deltaLink === null ? 'full' : 'delta';
  const firstImport = state.deltaLink === null && state.lastFullRoundAt === null && !state.replacedConnection;
  return startRound({ runId: job.runId, roundId: fresh.roundId, mode, firstImport, nowIso: fresh.nowIso });
}

/**
 * An invocation takes the round up: a new attempt. When the previous attempt did not stop cleanly,
 * the counts it may have left unapplied are in doubt until the round ends.
 */
export function resumed(round: SyncRound): SyncRound {
  return {
    ...round,
    attempt: round.attempt + 1,
    attemptStartPage: round.pages,
    stoppedCleanly: false,
    countsInDoubt: round.countsInDoubt || (round.attempt > 0 && !round.stoppedCleanly),
  };
}

/** The attempt checkpointed everything it wrote and hands the round on (a time-budget continuation). */
export function stoppedCleanly(round: SyncRound): SyncRound {
  return { ...round, stoppedCleanly: true };
}

/** Whether the round keeps the ids it sees for a sweep at its end. */
export function keepsSeenIds(round: SyncRound): boolean {
  return needsSweep(round);
}

/** Seen-id chunks up to `chunks` are stored. */
export function withSeenChunks(round: SyncRound, chunks: number): SyncRound {
  return { ...round, seenChunks: chunks };
}

/** Whether the company's counts are derived again when the round ends: every full round heals drift, and so does a round an attempt left uncleanly. */
export function recountsAtEnd(round: SyncRound): boolean {
  return round.mode === 'full' || round.countsInDoubt;
}

/** Where the next page is read from: the round's nextLink, else (a delta round's start) the saved deltaLink. */
export function nextPageLink(round: SyncRound, savedDeltaLink: string | null): string | null {
  return round.nextLink ?? (round.mode === 'delta' ? savedDeltaLink : null);
}

/** A page was read and applied. */
export function afterPage(
  round: SyncRound,
  page: { nextLink: string | null; deltaLink: string | null },
  result: PageResult,
): SyncRound {
  return {
    ...round,
    counts: addCounts(round.counts, result.counts),
    newPendingSample: [...round.newPendingSample, ...result.newPending].slice(0, NEW_PENDING_SAMPLE_SIZE),
    removalsFlagged: round.removalsFlagged + result.removalsFlagged,
    nextLink: page.nextLink,
    deltaLink: page.deltaLink ?? round.deltaLink,
    pagesDone: page.nextLink === null,
    pages: round.pages + 1,
  };
}

/**
 * The delta state was lost (expired or reset): start over as a full round, which sweeps the users
 * it does not return — records may exist now even if this began as a first import.
 */
export function restartedAsFull(round: SyncRound, roundId: string): SyncRound {
  return {
    ...round,
    mode: 'full',
    roundId,
    firstImport: false,
    nextLink: null,
    deltaLink: null,
    pagesDone: false,
    seenChunks: 0,
    sweptThrough: null,
  };
}

/** Whether the round reads what is stored before deciding (everything but a first import). */
export function readsStoredRecords(round: SyncRound): boolean {
  return !round.firstImport;
}

/** A full round sweeps the users it did not return (deleted while the delta state was lost). */
export function needsSweep(round: SyncRound): boolean {
  return round.mode === 'full' && !round.firstImport;
}

/** The sweep removed or flagged records, up to `sweptThrough` (all of them when it is done). */
export function afterSweep(
  round: SyncRound,
  swept: { counts: Partial<SyncCounts>; flagged: number; sweptThrough: string | null },
): SyncRound {
  return {
    ...round,
    counts: addCounts(round.counts, swept.counts),
    removalsFlagged: round.removalsFlagged + swept.flagged,
    sweptThrough: swept.sweptThrough,
  };
}

/** The removals were applied or held at the round's end. */
export function withRemovals(round: SyncRound, counts: Partial<SyncCounts>): SyncRound {
  return { ...round, counts: addCounts(round.counts, counts) };
}

export function checkpointed(round: SyncRound, nowIso: string): SyncRound {
  return { ...round, checkpointedAt: nowIso };
}

/** The groups were read; `touched` users (or everyone) are re-judged after the pages. */
export function afterGroups(
  round: SyncRound,
  work: { rescope: RoundScope['rescope']; touched: readonly string[] },
): SyncRound {
  const tooMany = work.touched.length > MAX_TOUCHED;
  const rescope = work.rescope === 'all' || tooMany ? 'all' : work.touched.length > 0 ? 'touched' : work.rescope;
  return {
    ...round,
    scope: {
      groupsRead: true,
      rescope,
      touched: rescope === 'touched' ? [...work.touched] : [],
      cursor: null,
      done: rescope === 'none',
    },
  };
}

/** A batch of users was re-judged (`cursor`: where the next batch starts; null: all done). */
export function afterRescope(round: SyncRound, cursor: string | null, result: PageResult): SyncRound {
  // Re-judged users were read from the store, not from Graph: they are not "scanned".
  const { scanned: _scanned, ...counts } = result.counts;
  return {
    ...round,
    counts: addCounts(round.counts, counts),
    newPendingSample: [...round.newPendingSample, ...result.newPending].slice(0, NEW_PENDING_SAMPLE_SIZE),
    removalsFlagged: round.removalsFlagged + result.removalsFlagged,
    scope: { ...round.scope, cursor, done: cursor === null, touched: cursor === null ? [] : round.scope.touched },
  };
}
