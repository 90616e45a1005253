import { Integration } from '../domain/integration';

/**
 * The timers' view of every company: connected integrations, page by page. In Cosmos this is the
 * one cross-partition query of the application (integrations are partitioned by company).
 */
export interface IntegrationLister {
  /**
   * Connected integrations in pages of at most `pageSize`. Documents that fail validation are
   * skipped (and reported through `onInvalid`), so one bad document never stops a timer.
   */
  connected(pageSize: number, onInvalid?: (companyId: string | null) => void): AsyncIterable<Integration[]>;
}
