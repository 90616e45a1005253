import { z } from 'zod';
import { AppError } from '../../src/domain/app-error';
import { actorMatches, AuditEntry, AuditEntrySchema } from '../../src/domain/audit';
import { AuditQuery, AuditStore, MAX_AUDIT_PAGE_SIZE } from '../../src/ports/audit-store.port';
import { isStorableId } from '../../src/ports/store-ids';
import { Page } from '../../src/ports/sync-run-store.port';

/**
 * The audit trail in memory, obeying the AuditStore contract (test/contracts/audit-store.contract.ts)
 * as the Cosmos adapter does: validated entries, idempotent ids, newest first by id, keyset cursors.
 * Not modelled: Cosmos's 400-day TTL (entries stay). `failNext` makes the next writes fail as an
 * unavailable database would, for tests of what a decision does when its audit cannot be written.
 */
export class MemoryAuditStore implements AuditStore {
  readonly entries = new Map<string, AuditEntry>();
  /** Calls of `record` (a bulk decision is one call, however many entries). */
  recordCalls = 0;
  failNext = 0;

  record(entries: readonly AuditEntry[]): Promise<void> {
    return Promise.resolve().then(() => {
      this.recordCalls++;
      if (this.failNext > 0) {
        this.failNext--;
        throw new AppError('dependency_unavailable', 'audit store down');
      }
      const valid = entries.map((entry) => {
        const parsed = AuditEntrySchema.safeParse(entry);
        if (!parsed.success || !isStorableId(parsed.data.id) || !isStorableId(parsed.data.companyId))
          throw new AppError('internal_error', 'Refusing to write an invalid audit entry');
        return parsed.data;
      });
      for (const entry of valid) this.entries.set(`${entry.companyId}/${entry.id}`, structuredClone(entry));
    });
  }

  list(companyId: string, query: AuditQuery): Promise<Page<AuditEntry>> {
    return Promise.resolve().then(() => {
      if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > MAX_AUDIT_PAGE_SIZE)
        throw new AppError('validation_failed', `limit must be an integer from 1 to ${MAX_AUDIT_PAGE_SIZE}`, {
          errors: [{ field: 'limit', message: `must be an integer from 1 to ${MAX_AUDIT_PAGE_SIZE}` }],
        });
      const before = query.cursor === null ? null : decodeCursor(query.cursor);
      const matching = [...this.entries.values()]
        .filter(
          (e) =>
            e.companyId === companyId &&
            (query.actions === null || query.actions.includes(e.action)) &&
            (query.actor === null || actorMatches(e.actor, query.actor)) &&
            (query.target === null || e.target.id === query.target) &&
            (query.from === null || e.id >= query.from) &&
            (query.to === null || e.id < query.to) &&
            (before === null || e.id < before),
        )
        .sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
      const items = matching.slice(0, query.limit);
      const last = items.at(-1);
      return {
        items: structuredClone(items),
        nextCursor:
          matching.length > query.limit && last ? Buffer.from(JSON.stringify([last.id])).toString('base64url') : null,
      };
    });
  }

  /** Every entry of a company, newest first (for assertions). */
  of(companyId: string): AuditEntry[] {
    return [...this.entries.values()].filter((e) => e.companyId === companyId).sort((a, b) => (a.id < b.id ? 1 : -1));
  }
}

function decodeCursor(cursor: string): string {
  const invalid = new AppError('validation_failed', 'cursor is not valid', {
    errors: [{ field: 'cursor', message: 'is not valid' }],
  });
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid;
  }
  const parsed = z.tuple([z.string().min(1).max(128)]).safeParse(value);
  if (!parsed.success) throw invalid;
  return parsed.data[0];
}
