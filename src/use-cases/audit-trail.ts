import { Services } from '../app/services';
import { Logger } from '../app/logger';
import { isAppError } from '../domain/app-error';
import { AuditEntry } from '../domain/audit';
import { AuditQuery } from '../ports/audit-store.port';
import { Page } from '../ports/sync-run-store.port';

/**
 * Recording is record-after: a decision is written first (with its own etag retries), then its
 * entries, each with an id derived from its content, in one call per decision however many users
 * it covers (the store batches them). Decisions live in other containers than the trail, so no
 * transaction can hold both; instead the trail never takes part in the decision: a failure to
 * write it is logged (`audit.write_failed`, with ids and counts only) and the decision stands,
 * whole. What that costs is said in the README: an entry can be missing after a database outage
 * between the two writes, never a decision half-made, and never an entry for a decision that was
 * not made.
 */
export async function recordAudit(services: Pick<Services, 'audit'>, entries: readonly AuditEntry[], log: Logger): Promise<void> {
  if (entries.length === 0) return;
  try {
    await services.audit.record(entries);
  } catch (error) {
    log.error('audit.write_failed', {
      companyId: entries[0]?.companyId ?? null,
      entries: entries.length,
      actions: [...new Set(entries.map((e) => e.action))].join(','),
      code: isAppError(error) ? error.code : 'internal_error',
    });
  }
}

/** An entry as the API shows it (the company is the route's). */
export type AuditEntryView = Omit<AuditEntry, 'companyId'>;

export async function listAuditTrail(services: Pick<Services, 'audit'>, companyId: string, query: AuditQuery): Promise<Page<AuditEntryView>> {
  const page = await services.audit.list(companyId, query);
  return { items: page.items.map(({ companyId: _company, ...view }) => view), nextCursor: page.nextCursor };
}
