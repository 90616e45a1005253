import { z } from 'zod';
import { CompanyIdSchema } from './company-id';
import { SyncCountsSchema } from './sync-run';
import { SyncModeSchema } from './sync-job';

const IsoDate = z.iso.datetime({ offset: true });

/** The round in progress: where to continue after a crash or a time-budget continuation. */
export const SyncRoundSchema = z
  .object({
    runId: z.string().min(1).max(64),
    /** Distinguishes this round's `seenRound` marks from earlier ones. */
    roundId: z.string().min(1).max(64),
    mode: SyncModeSchema,
    /** The next page to read; null before the first page of a round. */
    nextLink: z.string().max(8192).nullable(),
    /** True once every page was read: only the sweep and the removals remain. */
    pagesDone: z.boolean(),
    /** The deltaLink the last page gave; saved as the company's deltaLink when the round ends. */
    deltaLink: z.string().max(8192).nullable(),
    pages: z.number().int().min(0),
    counts: SyncCountsSchema,
    /** Display names of a few new pending users, for the e-mail. */
    newPendingSample: z.array(z.string().max(256)).max(10),
    /** Whether users not seen by this (full) round must be swept afterwards. */
    sweep: z.boolean().default(true),
    /** Records this round marked for removal (they go through the deletion guard at the end). */
    removalsFlagged: z.number().int().min(0).default(0),
    startedAt: IsoDate,
    checkpointedAt: IsoDate,
  })
  .strict();
export type SyncRound = z.infer<typeof SyncRoundSchema>;

/** Per company: the delta cursor and the round in progress. One document per company. */
export const SyncStateSchema = z
  .object({
    companyId: CompanyIdSchema,
    connectionId: z.string().min(1).max(64),
    /** Persisted only after every change it covers is written (at-least-once). */
    deltaLink: z.string().max(8192).nullable(),
    lastFullRoundAt: IsoDate.nullable(),
    /**
     * Whether records may still carry a pending removal (held by the deletion guard): then every
     * run's end looks for them; otherwise it only looks when the run itself flagged some.
     */
    removalsOutstanding: z.boolean().default(false),
    /** The company was connected to another tenant before: its records must be swept once. */
    replacedConnection: z.boolean().default(false),
    round: SyncRoundSchema.nullable(),
    updatedAt: IsoDate,
  })
  .strict();
export type SyncState = z.infer<typeof SyncStateSchema>;
