import { CountsDelta, UserCounts } from '../domain/company-counts';

export type { UserCounts } from '../domain/company-counts';

export interface UserCountsReader {
  countsFor(companyId: string): Promise<UserCounts>;
}

/** What a recount found: the counts that were stored (null: none yet) and the true ones. */
export interface Recount {
  before: UserCounts | null;
  after: UserCounts;
  /** False when writes kept moving the counts while they were derived (the stored ones were kept). */
  saved: boolean;
}

/**
 * The maintained counts of each company: one document per company.
 *
 * - `countsFor` is one point read. A company without counts yet (or whose counts are unreadable
 *   or below zero) gets them derived from its records first and stored.
 * - `add` moves the counts by a delta. The directory-user and Symbol-user stores call it after
 *   their writes succeeded, with the delta of what those writes changed. It never throws: a
 *   company without counts yet is left alone (deriving them later includes the writes), and a
 *   failure is logged — the next recount heals it.
 * - `recount` derives the counts from the records (five aggregate queries in the company's
 *   partition) and stores them, unless a write moved the stored counts meanwhile (then it tries
 *   again, a few times). Runs at the end of every full round and of a round resumed after an
 *   unclean stop.
 */
export interface UserCountsStore extends UserCountsReader {
  add(companyId: string, delta: CountsDelta): Promise<void>;
  recount(companyId: string): Promise<Recount>;
}
