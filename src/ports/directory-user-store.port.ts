import { DirectoryUserRecord, Flag } from '../domain/directory/directory-user';
import { Versioned } from './integration-store.port';
import { Page } from './sync-run-store.port';

/** Largest page `listForReview`, `listIds` and `listPendingRemovals` serve (a larger limit is `validation_failed`). */
export const MAX_DIRECTORY_USER_PAGE_SIZE = 1000;

/**
 * Every write names the version it replaces (`expected`: the record as read, with its etag), so
 * the store can move the company's counts by what the write changed (previous → next) once it
 * succeeded, and refuse it when the record changed meanwhile.
 */
export type DirectoryUserWrite =
  /** Create (expected null: must not exist) or replace (must still be the version read). */
  | { op: 'put'; record: DirectoryUserRecord; expected: Versioned<DirectoryUserRecord> | null }
  | { op: 'delete'; expected: Versioned<DirectoryUserRecord> };

export type WriteOutcome = { id: string; ok: true } | { id: string; ok: false; reason: 'conflict' };

export interface ReviewQuery {
  status: 'pending' | 'denied' | 'excluded' | 'approved';
  /** Case-insensitive prefix of the display name, given name, surname, mail or UPN. */
  search: string | null;
  flag: Flag | null;
  limit: number;
  cursor: string | null;
}

export interface DirectoryUserStore {
  /** The review list: one status, optional search and flag, stable order (display name, id), paged. */
  listForReview(companyId: string, query: ReviewQuery): Promise<Page<Versioned<DirectoryUserRecord>>>;
  /** The stored records of these ids in one company (missing ids are absent from the map). */
  getMany(companyId: string, ids: readonly string[]): Promise<Map<string, Versioned<DirectoryUserRecord>>>;
  /**
   * Applies the writes (in bulk where the store can). A put/delete whose precondition fails (the
   * record changed or appeared meanwhile) is reported as a conflict, not thrown: the caller
   * re-reads and decides again. Other failures throw. Then the company's counts
   * (UserCountsStore) move by what the successful writes changed.
   */
  write(companyId: string, writes: readonly DirectoryUserWrite[]): Promise<WriteOutcome[]>;
  /**
   * The ids of the company's records, in ascending order, after `after` (from the start when
   * null), paged: what a full round's sweep compares with the ids the round saw, and what re-judges
   * everyone after a scope change. Ids only, so a page of 1,000 is small.
   */
  listIds(
    companyId: string,
    options: { after: string | null; limit: number; cursor: string | null },
  ): Promise<Page<string>>;
  /** Records with a pending removal (from the given run, or from any run when runId is null), paged. */
  listPendingRemovals(
    companyId: string,
    runId: string | null,
    options: { limit: number; cursor: string | null },
  ): Promise<Page<Versioned<DirectoryUserRecord>>>;
  /** Approved records whose Symbol user is active (not deactivated): the deletion guard's base. */
  countActiveApproved(companyId: string): Promise<number>;
}
