import { createHash, timingSafeEqual } from 'node:crypto';
import { Services } from '../app/services';
import { GraphNotificationItem, IgnoredReason, SubscriptionRecord } from '../domain/graph-subscription';
import { SubscriptionStore } from '../ports/subscription-store.port';
import { mapWithConcurrency } from '../shared/bounded-concurrency';

/**
 * Verifying Graph's webhook calls: subscription id → our record (cached briefly in memory, so a
 * burst is not a Cosmos read per item), clientState against the stored SHA-256 in constant time,
 * and the tenant against the record's.
 */

const POSITIVE_TTL_MS = 60_000;
/** Short, so a subscription created a moment ago on another instance is found soon. */
const NEGATIVE_TTL_MS = 5_000;
const MAX_ENTRIES = 10_000;
const LOOKUP_CONCURRENCY = 16;
/** `lastNotificationAt` is written at most this often per subscription (per instance). */
export const TOUCH_EVERY_MS = 60_000;

export function clientStateHash(clientState: string): string {
  return createHash('sha256').update(clientState, 'utf8').digest('hex');
}

/** Constant time in the secret: both sides are 32-byte digests whatever was presented. */
export function clientStateMatches(presented: string | null | undefined, expectedHash: string): boolean {
  if (typeof presented !== 'string' || presented.length === 0) return false;
  const actual = createHash('sha256').update(presented, 'utf8').digest();
  const expected = Buffer.from(expectedHash, 'hex');
  return expected.length === actual.length && timingSafeEqual(actual, expected);
}

interface Entry {
  value: Promise<SubscriptionRecord | null>;
  expiresAt: number;
}

export class SubscriptionLookup {
  private readonly entries = new Map<string, Entry>();
  private readonly touched = new Map<string, number>();

  constructor(private readonly store: SubscriptionStore) {}

  /** Concurrent lookups of one id share one read; failures are not cached. */
  get(subscriptionId: string, nowMs: number): Promise<SubscriptionRecord | null> {
    const hit = this.entries.get(subscriptionId);
    if (hit && hit.expiresAt > nowMs) return hit.value;
    const entry: Entry = { value: this.store.get(subscriptionId), expiresAt: nowMs + POSITIVE_TTL_MS };
    this.remember(this.entries, subscriptionId, entry);
    entry.value.then(
      (record) => {
        if (record === null) entry.expiresAt = Math.min(entry.expiresAt, nowMs + NEGATIVE_TTL_MS);
      },
      () => {
        if (this.entries.get(subscriptionId) === entry) this.entries.delete(subscriptionId);
      },
    );
    return entry.value;
  }

  /** After this instance created, replaced or removed a subscription. */
  forget(subscriptionId: string): void {
    this.entries.delete(subscriptionId);
  }

  /** True at most once per TOUCH_EVERY_MS per subscription: time to record `lastNotificationAt`. */
  shouldTouch(subscriptionId: string, nowMs: number): boolean {
    const last = this.touched.get(subscriptionId);
    if (last !== undefined && nowMs - last < TOUCH_EVERY_MS) return false;
    this.remember(this.touched, subscriptionId, nowMs);
    return true;
  }

  private remember<V>(map: Map<string, V>, key: string, value: V): void {
    map.delete(key);
    map.set(key, value);
    // Maps iterate in insertion order: the first key is the least recently stored.
    if (map.size > MAX_ENTRIES) {
      const oldest = map.keys().next().value;
      if (oldest !== undefined) map.delete(oldest);
    }
  }
}

const lookups = new WeakMap<SubscriptionStore, SubscriptionLookup>();

/** The lookup (and its cache) of a store: one per process and store. */
export function subscriptionLookup(store: SubscriptionStore): SubscriptionLookup {
  let lookup = lookups.get(store);
  if (!lookup) {
    lookup = new SubscriptionLookup(store);
    lookups.set(store, lookup);
  }
  return lookup;
}

export interface VerifiedItem {
  item: GraphNotificationItem;
  record: SubscriptionRecord;
}

export interface Verification {
  verified: VerifiedItem[];
  ignored: Record<IgnoredReason, number>;
}

export async function verifyNotifications(services: Pick<Services, 'subscriptionStore' | 'clock'>, items: readonly GraphNotificationItem[]): Promise<Verification> {
  const lookup = subscriptionLookup(services.subscriptionStore);
  const nowMs = services.clock.now().getTime();
  const records = new Map<string, SubscriptionRecord | null>();
  await mapWithConcurrency([...new Set(items.map((i) => i.subscriptionId))], LOOKUP_CONCURRENCY, async (id) => {
    records.set(id, await lookup.get(id, nowMs));
  });
  const verified: VerifiedItem[] = [];
  const ignored: Record<IgnoredReason, number> = { unknown_subscription: 0, bad_client_state: 0, tenant_mismatch: 0 };
  for (const item of items) {
    const record = records.get(item.subscriptionId) ?? null;
    if (record === null) ignored.unknown_subscription++;
    else if (!clientStateMatches(item.clientState, record.clientStateHash)) ignored.bad_client_state++;
    else if ((item.tenantId ?? '').toLowerCase() !== record.tenantId.toLowerCase()) ignored.tenant_mismatch++;
    else verified.push({ item, record });
  }
  return { verified, ignored };
}
