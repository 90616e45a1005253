import { z } from 'zod';
import { CompanyIdSchema } from './company-id';
import { Decision, StoredRecord } from './directory/sync-diff';
import { DirectoryUserRecord } from './directory/directory-user';
import { IntegrationSettingsSchema } from './integration-settings';

/**
 * A dry-run preview: the sync engine run over the whole directory with the company's settings (or
 * proposed ones), writing no user — only what it would do, by category, each user with the
 * reasons. Items are kept in chunks (one per page and category), so a preview's writes grow with
 * pages, not users, and expire a week after the preview.
 */

export const PREVIEW_CATEGORIES = [
  'newPending',
  'autoApproved',
  'merged',
  'updated',
  'deactivated',
  'excluded',
  'removed',
] as const;
export const PreviewCategorySchema = z.enum(PREVIEW_CATEGORIES);
export type PreviewCategory = z.infer<typeof PreviewCategorySchema>;

/** Chunks of this kind hold the ids a preview's full read returned (for its sweep), not items. */
export const SEEN_CHUNK = 'seen';

const ReasonSchema = z.object({ code: z.string().min(1).max(64), text: z.string().min(1).max(1024) }).strict();

export const PreviewItemSchema = z
  .object({
    id: z.string().min(1).max(64),
    displayName: z.string().max(256),
    email: z.string().max(320).nullable(),
    reasons: z.array(ReasonSchema).max(20),
    /** merged: the existing Symbol user the approval would merge into. */
    matchedUserId: z.string().max(64).nullable(),
  })
  .strict();
export type PreviewItem = z.infer<typeof PreviewItemSchema>;

/** Items per chunk at most (a Graph page holds at most 999 users). */
export const MAX_CHUNK_ITEMS = 1000;
/** Ids per `seen` chunk at most (one chunk per save of the run: 36-character ids, ~400 KB). */
export const MAX_SEEN_IDS = 10_000;

export const PreviewChunkSchema = z
  .object({
    companyId: CompanyIdSchema,
    runId: z.string().min(1).max(64),
    category: z.union([PreviewCategorySchema, z.literal(SEEN_CHUNK)]),
    /** The page (or sweep batch) it came from: chunks list in this order. */
    index: z.number().int().min(0),
    items: z.array(PreviewItemSchema).max(MAX_CHUNK_ITEMS),
    /** Only in `seen` chunks: the ids a full read returned (the pages between two saves of the run). */
    ids: z.array(z.string().min(1).max(64)).max(MAX_SEEN_IDS),
  })
  .strict();
export type PreviewChunk = z.infer<typeof PreviewChunkSchema>;

export function previewChunkId(chunk: Pick<PreviewChunk, 'runId' | 'category' | 'index'>): string {
  return `${chunk.runId}.${chunk.category}.${String(chunk.index)}`;
}

/** Where a preview stands; kept on its run record, so a continuation or a redelivery resumes it. */
export const PreviewProgressSchema = z
  .object({
    /** The settings the preview judges with: the company's, or the company's with a proposed change. */
    settings: IntegrationSettingsSchema,
    /** The settings differ from the company's at the time of the request. */
    proposed: z.boolean(),
    phase: z.enum(['pages', 'sweep', 'done']),
    /** The next users/delta page (null: the first request of a full read). */
    nextLink: z.string().min(1).max(8192).nullable(),
    /** The next chunk index (pages first, then the sweep's batches). */
    index: z.number().int().min(0),
    /** The sweep's position among the stored users: the last id it handled (null: from the start). */
    sweepCursor: z.string().min(1).max(12_000).nullable(),
    /** Approved users that would be deactivated (before the deletion guard). */
    deactivations: z.number().int().min(0),
    /** Auto-approvals that would merge into an existing Symbol user. */
    merged: z.number().int().min(0),
    /** Whether the deletion guard would hold the deactivations (known once done). */
    wouldHold: z.boolean(),
  })
  .strict();
export type PreviewProgress = z.infer<typeof PreviewProgressSchema>;

/**
 * Where a decision lands in a preview (null: nothing to show). An approved user that ends the
 * round waiting for deactivation is `deactivated`, whatever else changed; otherwise the decision's
 * counter says (auto-approvals that merge are told apart by the caller, which looks the Symbol
 * users up).
 */
export function previewCategory(decision: Decision, stored: StoredRecord | undefined): PreviewCategory | null {
  switch (decision.kind) {
    case 'invalid':
      return null;
    case 'delete':
      return 'removed';
    case 'unchanged': {
      const record = stored?.record;
      if (record && awaitsDeactivation(record)) return 'deactivated';
      return decision.counter === 'excluded' ? 'excluded' : null;
    }
    case 'put': {
      if (awaitsDeactivation(decision.record)) return 'deactivated';
      const counter = decision.counter;
      if (counter === 'newPending' || counter === 'autoApproved' || counter === 'updated' || counter === 'excluded')
        return counter;
      return null;
    }
  }
}

/** An approved user flagged for removal and not yet deactivated. */
export function awaitsDeactivation(record: DirectoryUserRecord): boolean {
  return record.status === 'approved' && record.pendingRemoval !== null && record.deactivated === null;
}

/** What the sweep of a preview does with a stored user its full read did not return. */
export function unseenCategory(record: DirectoryUserRecord): PreviewCategory | null {
  if (record.status === 'pending' || record.status === 'excluded') return 'removed';
  if (record.status === 'approved' && record.deactivated === null) return 'deactivated';
  return null;
}
