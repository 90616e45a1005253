/**
 * The review list's tabs: which entries each lists (`status=`), what an admin can do with them,
 * and how they are named. Excluded entries (kept out by the exclusions or the scope) can be denied
 * for good, never approved: the settings decide them. Approved entries are for reading.
 */

export type ReviewStatus = 'pending' | 'denied' | 'excluded' | 'approved';
export type ReviewAction = 'approve' | 'deny' | 'restore';

export interface ReviewTab {
  status: ReviewStatus;
  label: string;
  /** The table's accessible name. */
  tableLabel: string;
  empty: string;
  actions: readonly ReviewAction[];
  /** The heading of the column that says what approving does (or did). */
  matchHeader: string;
  /** The status count that says how many the tab lists. */
  countKey: 'pending' | 'denied' | 'excluded' | null;
}

export const REVIEW_TABS: readonly ReviewTab[] = [
  { status: 'pending', label: 'Pending', tableLabel: 'Pending users', empty: 'Nobody is waiting for approval.', actions: ['approve', 'deny'], matchHeader: 'On approval', countKey: 'pending' },
  { status: 'denied', label: 'Denied', tableLabel: 'Denied users', empty: 'Nobody has been denied.', actions: ['restore'], matchHeader: 'On approval', countKey: 'denied' },
  { status: 'excluded', label: 'Excluded', tableLabel: 'Excluded users', empty: 'Nobody is excluded: the exclusions and the scope keep nobody out.', actions: ['deny'], matchHeader: 'If included later', countKey: 'excluded' },
  { status: 'approved', label: 'Approved', tableLabel: 'Approved users', empty: 'Nobody has been approved yet.', actions: [], matchHeader: 'Symbol user', countKey: null },
];

const PENDING_TAB = REVIEW_TABS[0] as ReviewTab;

/** The tab of a status (the pending tab for anything else). */
export function reviewTab(status: unknown): ReviewTab {
  return REVIEW_TABS.find((t) => t.status === status) ?? PENDING_TAB;
}

/** "Excluded (108)" once the counts are known. */
export function tabLabel(tab: ReviewTab, counts: Partial<Record<'pending' | 'denied' | 'excluded', number>> | undefined): string {
  const n = tab.countKey === null ? undefined : counts?.[tab.countKey];
  return n === undefined ? tab.label : `${tab.label} (${n.toLocaleString('en-US')})`;
}
