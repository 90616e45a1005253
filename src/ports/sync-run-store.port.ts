import { SyncRun } from '../domain/sync-run';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Largest page `list` serves (a larger limit is `validation_failed`). */
export const MAX_SYNC_RUN_PAGE_SIZE = 1000;

export interface SyncRunStore {
  /** Creates the run; creating the same runId twice is harmless (the first stays). */
  create(run: SyncRun): Promise<SyncRun>;
  get(companyId: string, runId: string): Promise<SyncRun | null>;
  /** Replaces the run (the sync worker is its only writer: one company's jobs run one at a time). */
  update(run: SyncRun): Promise<SyncRun>;
  /** Newest first. */
  list(companyId: string, options: { limit: number; cursor: string | null }): Promise<Page<SyncRun>>;
}
