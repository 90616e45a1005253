import { SyncRun } from '../domain/sync-run';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface SyncRunStore {
  /** Creates the run; creating the same runId twice is harmless (the first stays). */
  create(run: SyncRun): Promise<SyncRun>;
  get(companyId: string, runId: string): Promise<SyncRun | null>;
  /** Newest first. */
  list(companyId: string, options: { limit: number; cursor: string | null }): Promise<Page<SyncRun>>;
}
