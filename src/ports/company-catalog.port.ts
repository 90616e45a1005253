import { Integration } from '../domain/integration';
import { Page } from './sync-run-store.port';

/**
 * Every company this backend knows (one integration document each, connected or not), in company
 * id order, page by page: what a platform operator's overview lists. Cross-partition in Cosmos,
 * so it is read a page at a time, on request, never per sync.
 */
export interface CompanyCatalog {
  page(options: { limit: number; cursor: string | null }): Promise<Page<Integration>>;
}
