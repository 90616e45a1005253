import { z } from 'zod';
import { CompanyIdSchema } from './company-id';
import { GroupScopeStateSchema } from './directory/group-scope-state';
import { ScopeSettingsSchema } from './directory/scope';
import { SyncRoundSchema } from './sync-round';

const IsoDate = z.iso.datetime({ offset: true });

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
    /**
     * The deletion guard is holding deactivations since this run (an "episode", which ends with
     * the first run that holds none): the admins are e-mailed once per episode, not per run.
     */
    heldSince: z.object({ runId: z.string().min(1).max(64), at: IsoDate }).strict().nullable().optional(),
    round: SyncRoundSchema.nullable(),
    /** The groups the company's scope names: tracking, nesting, the groups/delta cursor (null: no group scope). */
    groups: GroupScopeStateSchema.nullable().optional(),
    /** The scope every stored decision reflects; when the settings name another, a round re-applies it to all. */
    scopeApplied: ScopeSettingsSchema.nullable().optional(),
    updatedAt: IsoDate,
  })
  .strict();
export type SyncState = z.infer<typeof SyncStateSchema>;
