import { z } from 'zod';
import { CompanyIdSchema } from './company-id';

export const SyncTriggerSchema = z.enum(['connect', 'manual', 'webhook', 'schedule', 'continuation']);
export type SyncTrigger = z.infer<typeof SyncTriggerSchema>;

export const SyncModeSchema = z.enum(['full', 'delta']);
export type SyncMode = z.infer<typeof SyncModeSchema>;

/** The body of a message on the `sync-jobs` queue (session id = company id). */
export const SyncJobSchema = z
  .object({
    kind: z.literal('sync'),
    version: z.literal(1),
    companyId: CompanyIdSchema,
    connectionId: z.string().min(1).max(64),
    runId: z.string().min(1).max(64),
    mode: SyncModeSchema,
    trigger: SyncTriggerSchema,
    requestedAt: z.iso.datetime({ offset: true }),
    /** An admin released the deactivations the deletion guard held: apply them whatever their number. */
    releaseHeld: z.boolean().optional(),
    /** How many times this run was already retried after transient failures (absent: none). */
    retry: z.number().int().min(1).max(100).optional(),
    /** A preview run (its settings and progress are on the run record): nothing but the preview is written. */
    dryRun: z.literal(true).optional(),
  })
  .strict();
export type SyncJob = z.infer<typeof SyncJobSchema>;

export const SYNC_JOBS_QUEUE = 'sync-jobs';
export const NOTIFICATIONS_QUEUE = 'notifications';
