import { z } from 'zod';
import { CompanyIdSchema } from './company-id';

/**
 * A company's user counts, kept in one document per company so that reading them costs one
 * point read: maintained with every write that changes them (a delta per write, from the
 * record's previous and next version), and derived again from the records now and then to heal
 * drift (a crash between a write and its count, a count applied twice). Pure.
 */

export const USER_COUNT_NAMES = ['pending', 'denied', 'excluded', 'held', 'activeUsers'] as const;
export type UserCountName = (typeof USER_COUNT_NAMES)[number];

export interface UserCounts {
  pending: number;
  denied: number;
  /** Directory users the company's settings keep off the pending list (guests, role addresses, …). */
  excluded: number;
  /** Approved users whose deactivation waits at the end of a run or is held by the deletion guard. */
  held: number;
  /** Active Symbol users: the billable count. Pending and denied entries are never billed. */
  activeUsers: number;
}

export const ZERO_USER_COUNTS: UserCounts = { pending: 0, denied: 0, excluded: 0, held: 0, activeUsers: 0 };

/** A change of counts: only the names that change. */
export type CountsDelta = Partial<Record<UserCountName, number>>;

const IsoDate = z.iso.datetime({ offset: true });

/**
 * The stored document. Counts are plain integers, not "≥ 0": a count that drifted below zero is
 * read as drift (and derived again), not as a document that cannot be read.
 */
export const CompanyCountsSchema = z
  .object({
    companyId: CompanyIdSchema,
    pending: z.number().int(),
    denied: z.number().int(),
    excluded: z.number().int(),
    held: z.number().int(),
    activeUsers: z.number().int(),
    /** When the counts were last derived from the records (every write moves them since). */
    derivedAt: IsoDate,
  })
  .strict();
export type CompanyCounts = z.infer<typeof CompanyCountsSchema>;

/** What a directory record contributes to the counts. */
export function directoryRecordCounts(
  record: { status: 'pending' | 'denied' | 'approved' | 'excluded'; pendingRemoval: unknown } | null,
): CountsDelta {
  if (record === null) return {};
  const counts: CountsDelta = {};
  if (record.status === 'pending' || record.status === 'denied' || record.status === 'excluded')
    counts[record.status] = 1;
  if (record.pendingRemoval !== null && record.pendingRemoval !== undefined) counts.held = 1;
  return counts;
}

/** What a Symbol user contributes to the counts. */
export function symbolUserCounts(user: { status: 'active' | 'inactive' } | null): CountsDelta {
  return user?.status === 'active' ? { activeUsers: 1 } : {};
}

/** `after − before`, name by name; names that do not change are left out. */
export function countsDelta(before: CountsDelta, after: CountsDelta): CountsDelta {
  const delta: CountsDelta = {};
  for (const name of USER_COUNT_NAMES) {
    const change = (after[name] ?? 0) - (before[name] ?? 0);
    if (change !== 0) delta[name] = change;
  }
  return delta;
}

/** The sum of deltas (names that sum to zero are left out). */
export function sumDeltas(deltas: Iterable<CountsDelta>): CountsDelta {
  const total: Record<UserCountName, number> = { ...ZERO_USER_COUNTS };
  for (const delta of deltas) for (const name of USER_COUNT_NAMES) total[name] += delta[name] ?? 0;
  return countsDelta({}, total);
}

export function isEmptyDelta(delta: CountsDelta): boolean {
  return USER_COUNT_NAMES.every((name) => (delta[name] ?? 0) === 0);
}

/** The counts moved by a delta. */
export function applyDelta(counts: UserCounts, delta: CountsDelta): UserCounts {
  const next = { ...counts };
  for (const name of USER_COUNT_NAMES) next[name] += delta[name] ?? 0;
  return next;
}

export function userCountsOf(document: UserCounts): UserCounts {
  return {
    pending: document.pending,
    denied: document.denied,
    excluded: document.excluded,
    held: document.held,
    activeUsers: document.activeUsers,
  };
}

/** A stored count below zero can only be drift: the document must be derived again. */
export function hasDrifted(counts: UserCounts): boolean {
  return USER_COUNT_NAMES.some((name) => counts[name] < 0);
}

/** What writing `next` over `previous` (null: absent) changes in the counts of a directory user. */
export function directoryWriteDelta(
  previous: Parameters<typeof directoryRecordCounts>[0],
  next: Parameters<typeof directoryRecordCounts>[0],
): CountsDelta {
  return countsDelta(directoryRecordCounts(previous), directoryRecordCounts(next));
}

/** What saving `next` over `previous` (null: a new user) changes in the counts of a Symbol user. */
export function symbolUserWriteDelta(
  previous: Parameters<typeof symbolUserCounts>[0],
  next: Parameters<typeof symbolUserCounts>[0],
): CountsDelta {
  return countsDelta(symbolUserCounts(previous), symbolUserCounts(next));
}
