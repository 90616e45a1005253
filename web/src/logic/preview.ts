import type { SyncRun } from '../api/schemas';
import { isFinished } from './runs';
import { countLabel } from './words';

/**
 * A preview (dry run) as the console shows it: its categories with how many users each holds, and
 * where the preview stands. The run's counts are a real run's counts; the lists split them a
 * little differently: auto-approvals that merge are listed apart (`merged`), and deactivations the
 * deletion guard would hold are still listed as `deactivated`.
 */

/** What each list holds, in the order the preview shows them. */
const LIST_HELP = {
  newPending: 'Would wait in Pending approval for an admin.',
  autoApproved: 'Would become Symbol users by the auto-approve rule.',
  merged: 'Would be approved by the auto-approve rule and merged into the existing Symbol user with the same address.',
  updated: 'Symbol users or waiting entries whose directory details would change.',
  deactivated: 'Symbol users who would be deactivated: removed or disabled in Entra ID, or outside the scope.',
  excluded: 'Kept out by the exclusions or the scope, each with the reason.',
  removed: 'Pending or excluded entries that would leave the list (they were never Symbol users).',
} as const;

export type PreviewCategory = keyof typeof LIST_HELP;

/** The lists, named as a run's counters are (merged has no counter of its own). */
export const PREVIEW_CATEGORIES: ReadonlyArray<{ key: PreviewCategory; label: string; help: string }> = (Object.keys(LIST_HELP) as PreviewCategory[]).map((key) => ({
  key,
  label: key === 'merged' ? 'Merged' : countLabel(key),
  help: LIST_HELP[key],
}));

export function isPreviewCategory(value: string): value is PreviewCategory {
  return PREVIEW_CATEGORIES.some((c) => c.key === value);
}

/** How many users each category lists. */
export function previewCounts(run: Pick<SyncRun, 'counts' | 'preview'>): Record<PreviewCategory, number> {
  const n = (key: string) => run.counts[key] ?? 0;
  const merged = run.preview?.merged ?? 0;
  const wouldHold = run.preview?.wouldHold ?? false;
  return {
    newPending: n('newPending'),
    autoApproved: Math.max(0, n('autoApproved') - merged),
    merged,
    updated: n('updated'),
    deactivated: wouldHold ? n('held') : n('deactivated'),
    excluded: n('excluded'),
    removed: n('removed'),
  };
}

/** The category to open first: the first that lists anybody (new pending when none does). */
export function firstCategory(counts: Record<PreviewCategory, number>): PreviewCategory {
  return PREVIEW_CATEGORIES.find((c) => counts[c.key] > 0)?.key ?? 'newPending';
}

export type PreviewStage = 'running' | 'ready' | 'failed' | 'not_a_preview';

export function previewStage(run: Pick<SyncRun, 'dryRun' | 'status'>): PreviewStage {
  if (!run.dryRun) return 'not_a_preview';
  if (!isFinished(run.status)) return 'running';
  return run.status === 'succeeded' ? 'ready' : 'failed';
}
