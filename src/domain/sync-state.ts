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
    round: SyncRoundSchema.nullable(),
    updatedAt: IsoDate,
  })
  .strict();
export type SyncState = z.infer<typeof SyncStateSchema>;
