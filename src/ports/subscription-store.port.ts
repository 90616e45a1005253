import { SubscriptionRecord } from '../domain/graph-subscription';

/** Subscription id → company: the lookup a webhook does for every notification it verifies. */
export interface SubscriptionStore {
  /** A point read; null when there is no such subscription (or the id cannot be one of ours). */
  get(subscriptionId: string): Promise<SubscriptionRecord | null>;
  /** Creates or replaces the record. */
  put(record: SubscriptionRecord): Promise<void>;
  /** Removes the record; removing one that does not exist is harmless. */
  delete(subscriptionId: string): Promise<void>;
}
