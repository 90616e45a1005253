import { Integration } from '../../src/domain/integration';
import { CompanyCatalog } from '../../src/ports/company-catalog.port';
import { Page } from '../../src/ports/sync-run-store.port';
import { MemoryIntegrationStore } from './in-memory-ports';

/** Every stored integration in company-id order; the cursor is the last company id of the page. */
export class MemoryCompanyCatalog implements CompanyCatalog {
  constructor(private readonly store: MemoryIntegrationStore) {}

  page(options: { limit: number; cursor: string | null }): Promise<Page<Integration>> {
    const all = [...this.store.docs.values()]
      .map((d) => structuredClone(d.value))
      .sort((a, b) => a.companyId.localeCompare(b.companyId));
    const rest = options.cursor === null ? all : all.filter((i) => i.companyId > (options.cursor ?? ''));
    const items = rest.slice(0, options.limit);
    return Promise.resolve({
      items,
      nextCursor: rest.length > items.length ? (items.at(-1)?.companyId ?? null) : null,
    });
  }
}
