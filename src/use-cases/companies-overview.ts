import { Services } from '../app/services';
import { AppError } from '../domain/app-error';
import { CompanyIdSchema } from '../domain/company-id';
import { Integration, newIntegration } from '../domain/integration';
import { Page } from '../ports/sync-run-store.port';
import { Principal } from '../ports/token-verifier.port';
import { UserCounts } from '../ports/user-counts.port';
import { mapWithConcurrency } from '../shared/bounded-concurrency';

/** One row of the MSP / operator overview. */
export interface CompanySummaryView {
  companyId: string;
  status: Integration['status'];
  tenantId: string | null;
  connectedAt: string | null;
  lastSync: Integration['lastSync'];
  counts: UserCounts;
}

/** Companies whose counts are read at once (one point read each: the maintained counts document). */
const CONCURRENCY = 4;

function invalidCursor(): AppError {
  return new AppError('validation_failed', 'cursor is not valid', { errors: [{ field: 'cursor', message: 'is not valid' }] });
}

/** A token's own company list pages by position; the cursor is opaque to callers. */
function offsetOf(cursor: string | null, total: number): number {
  if (cursor === null) return 0;
  const match = /^o(\d{1,6})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  const offset = match?.[1] === undefined ? Number.NaN : Number(match[1]);
  if (!Number.isInteger(offset) || offset <= 0 || offset >= total) throw invalidCursor();
  return offset;
}

/**
 * The companies a token grants, each with its connection status, last sync and counts: an MSP's
 * companies in id order (never-connected ones included, as `not_connected`), or for a platform
 * operator (`*`) every company that has an integration document, page by page.
 */
export async function listCompanies(services: Pick<Services, 'integrations' | 'userCounts' | 'companies' | 'clock'>, principal: Principal, options: { limit: number; cursor: string | null }): Promise<Page<CompanySummaryView>> {
  let integrations: Integration[];
  let nextCursor: string | null;
  if (principal.companies === '*') {
    const page = await services.companies.page(options);
    integrations = page.items;
    nextCursor = page.nextCursor;
  } else {
    // A token may name ids no company can have; they are not companies to show.
    const ids = [...new Set(principal.companies)].filter((id) => CompanyIdSchema.safeParse(id).success).sort();
    const offset = offsetOf(options.cursor, ids.length);
    const slice = ids.slice(offset, offset + options.limit);
    const nowIso = services.clock.now().toISOString();
    integrations = await Promise.all(slice.map(async (id) => (await services.integrations.get(id))?.value ?? newIntegration(id, nowIso)));
    nextCursor = offset + slice.length < ids.length ? Buffer.from(`o${offset + slice.length}`, 'utf8').toString('base64url') : null;
  }
  const counts = new Map<string, UserCounts>();
  await mapWithConcurrency(integrations, CONCURRENCY, async (integration) => {
    counts.set(integration.companyId, await services.userCounts.countsFor(integration.companyId));
  });
  return {
    nextCursor,
    items: integrations.map((i) => ({
      companyId: i.companyId,
      status: i.status,
      tenantId: i.tenantId,
      connectedAt: i.connectedAt,
      lastSync: i.lastSync,
      counts: counts.get(i.companyId) ?? { pending: 0, denied: 0, excluded: 0, held: 0, activeUsers: 0 },
    })),
  };
}
