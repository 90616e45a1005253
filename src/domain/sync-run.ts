import { z } from 'zod';
import { CompanyIdSchema } from './company-id';
import { SyncModeSchema, SyncTriggerSchema } from './sync-job';
import { PreviewProgressSchema } from './sync-preview';

export const SyncRunStatusSchema = z.enum(['queued', 'running', 'succeeded', 'failed', 'held']);
export type SyncRunStatus = z.infer<typeof SyncRunStatusSchema>;

export const SyncCountsSchema = z
  .object({
    scanned: z.number().int().min(0),
    newPending: z.number().int().min(0),
    autoApproved: z.number().int().min(0),
    updated: z.number().int().min(0),
    deactivated: z.number().int().min(0),
    unchanged: z.number().int().min(0),
    excluded: z.number().int().min(0),
    /** Pending or excluded entries dropped because the user left the directory. */
    removed: z.number().int().min(0),
    /** Directory items that failed validation and were skipped (logged, never silently). */
    invalid: z.number().int().min(0),
    /** Deactivations held by the deletion guard, waiting for an admin. */
    held: z.number().int().min(0),
  })
  .strict();
export type SyncCounts = z.infer<typeof SyncCountsSchema>;

export const ZERO_COUNTS: SyncCounts = { scanned: 0, newPending: 0, autoApproved: 0, updated: 0, deactivated: 0, unchanged: 0, excluded: 0, removed: 0, invalid: 0, held: 0 };

const IsoDateSchema = z.iso.datetime({ offset: true });

export const SyncRunSchema = z
  .object({
    runId: z.string().min(1).max(64),
    companyId: CompanyIdSchema,
    connectionId: z.string().min(1).max(64),
    trigger: SyncTriggerSchema,
    mode: SyncModeSchema,
    status: SyncRunStatusSchema,
    queuedAt: IsoDateSchema,
    startedAt: IsoDateSchema.nullable(),
    finishedAt: IsoDateSchema.nullable(),
    counts: SyncCountsSchema,
    error: z.object({ code: z.string(), message: z.string() }).strict().nullable(),
    /** Pages read so far and invocations used (a long run continues in follow-up messages). */
    pages: z.number().int().min(0).default(0),
    invocations: z.number().int().min(0).default(0),
    durationMs: z.number().int().min(0).nullable().default(null),
    /** A preview (dry run): it reads the directory and writes no user; its lists are in `sync-previews`. */
    dryRun: z.boolean().default(false),
    preview: PreviewProgressSchema.nullable().default(null),
  })
  .strict();
export type SyncRun = z.infer<typeof SyncRunSchema>;

export function queuedRun(input: { runId: string; companyId: string; connectionId: string; trigger: SyncRun['trigger']; mode: SyncRun['mode']; nowIso: string }): SyncRun {
  return {
    runId: input.runId,
    companyId: input.companyId,
    connectionId: input.connectionId,
    trigger: input.trigger,
    mode: input.mode,
    status: 'queued',
    queuedAt: input.nowIso,
    startedAt: null,
    finishedAt: null,
    counts: ZERO_COUNTS,
    error: null,
    pages: 0,
    invocations: 0,
    durationMs: null,
    dryRun: false,
    preview: null,
  };
}
