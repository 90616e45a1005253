import { AuditAction, AuditEntry } from '../domain/audit';
import { Page } from './sync-run-store.port';

/** Largest page `list` serves (a larger limit is `validation_failed`). */
export const MAX_AUDIT_PAGE_SIZE = 1000;

export interface AuditQuery {
  /** Only these actions (null: all). */
  actions: readonly AuditAction[] | null;
  /** `sync` (every entry the sync engine made), or a Symbol user's subject or e-mail address (any case). */
  actor: string | null;
  /** Only entries about this target id (an Entra object id, a Symbol user id or the company id). */
  target: string | null;
  /** ISO-8601 UTC (`toISOString()` form): entries at or after `from`, and before `to`. */
  from: string | null;
  to: string | null;
  limit: number;
  /** Opaque; only meaningful with the same filters. */
  cursor: string | null;
}

/**
 * The audit trail, per company. Entries are kept for AUDIT_RETENTION_DAYS (the Cosmos container's
 * TTL; the fake keeps them).
 */
export interface AuditStore {
  /**
   * Writes the entries (of any companies), in batches where the store can: many entries cost a
   * few round trips, not one each. Idempotent by entry id: an entry written twice is stored
   * once. Throws when a write fails (after the store's own retries); some entries may then be
   * written already, and writing them all again is harmless. An invalid entry is
   * `internal_error` and nothing is written.
   */
  record(entries: readonly AuditEntry[]): Promise<void>;
  /**
   * One company's entries, newest first (by id: the time, then a digest), filtered, in pages.
   * The cursor is a key (the last entry served), so entries recorded while someone pages neither
   * repeat nor push older ones out of sight. A bad limit or cursor is `validation_failed`.
   */
  list(companyId: string, query: AuditQuery): Promise<Page<AuditEntry>>;
}
