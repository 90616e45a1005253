import { Integration } from '../domain/integration';

/**
 * Views of integrations across companies: the timers' scan of every connected company, and the
 * companies connected to one tenant (a webhook's fan-out). In Cosmos these are the application's
 * cross-partition queries (integrations are partitioned by company).
 */
export interface IntegrationLister {
  /**
   * Connected integrations in pages of at most `pageSize`. Documents that fail validation are
   * skipped (and reported through `onInvalid`), so one bad document never stops a timer.
   */
  connected(pageSize: number, onInvalid?: (companyId: string | null) => void): AsyncIterable<Integration[]>;
  /** Every connected integration of `tenantId` (invalid documents skipped), ordered by company id. */
  connectedToTenant(tenantId: string): Promise<Integration[]>;
}
