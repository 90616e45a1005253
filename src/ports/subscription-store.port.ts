import { SubscriptionRecord } from '../domain/graph-subscription';

/** Our Graph subscriptions: subscription id → tenant, for the webhooks; tenant → subscriptions, for their upkeep. */
export interface SubscriptionStore {
  /** A point read; null when there is no such subscription (or the id cannot be one of ours). */
  get(subscriptionId: string): Promise<SubscriptionRecord | null>;
  /** The tenant's subscriptions (normally one; briefly two while one replaces another), newest first. */
  forTenant(tenantId: string): Promise<SubscriptionRecord[]>;
  /** Creates or replaces the record. */
  put(record: SubscriptionRecord): Promise<void>;
  /** Removes the record; removing one that does not exist is harmless. */
  delete(subscriptionId: string): Promise<void>;
}
