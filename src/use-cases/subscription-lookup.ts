import { createHash, timingSafeEqual } from 'node:crypto';
import { Services } from '../app/services';
import { GraphNotificationItem, IgnoredReason, isGuidShaped, noneIgnored, SubscriptionRecord } from '../domain/graph-subscription';
import { IntegrationLister } from '../ports/integration-lister.port';
import { SubscriptionStore } from '../ports/subscription-store.port';

/**
 * Verifying Graph's webhook calls: subscription id → our record (cached briefly in memory, so a
 * burst is not a Cosmos read per item; a bounded number of reads per request), clientState
 * against the stored SHA-256 in constant time, and the tenant against the record's; then the
 * tenant → the companies connected to it.
 */

const POSITIVE_TTL_MS = 60_000;
/** Short, so a subscription created a moment ago on another instance is found soon. */
const NEGATIVE_TTL_MS = 5_000;
const MAX_ENTRIES = 10_000;
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

  /** The cached answer, if there is a fresh one (no store read). */
  cached(subscriptionId: string, nowMs: number): Promise<SubscriptionRecord | null> | undefined {
    const hit = this.entries.get(subscriptionId);
    return hit && hit.expiresAt > nowMs ? hit.value : undefined;
  }

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
  /** Store reads this request caused (cache misses): bounded by MAX_LOOKUPS_PER_REQUEST. */
  storeReads: number;
}

/**
 * Anonymous callers must not be able to make a request cost much. Ids that are not GUID-shaped
 * are never looked up; of the rest, at most this many cache misses are read per request, and
 * reading stops after MAX_UNKNOWN_PER_REQUEST of them turned out unknown. Graph's own batches
 * name a handful of subscriptions, which the cache normally knows already.
 */
export const MAX_LOOKUPS_PER_REQUEST = 32;
export const MAX_UNKNOWN_PER_REQUEST = 3;

export async function verifyNotifications(services: Pick<Services, 'subscriptionStore' | 'clock'>, items: readonly GraphNotificationItem[]): Promise<Verification> {
  const lookup = subscriptionLookup(services.subscriptionStore);
  const nowMs = services.clock.now().getTime();
  const ignored = noneIgnored();
  const wellFormed = items.filter((item) => {
    const ok = isGuidShaped(item.subscriptionId) && isGuidShaped(item.tenantId);
    if (!ok) ignored.malformed_ids++;
    return ok;
  });
  const ids = [...new Set(wellFormed.map((i) => i.subscriptionId.toLowerCase()))];
  const records = new Map<string, SubscriptionRecord | null>();
  const misses: string[] = [];
  for (const id of ids) {
    const cached = lookup.cached(id, nowMs);
    if (cached === undefined) misses.push(id);
    else records.set(id, await cached);
  }
  let storeReads = 0;
  let unknown = 0;
  // Sequential in small groups: a request stops reading as soon as its budget of unknowns is spent.
  for (let i = 0; i < misses.length && storeReads < MAX_LOOKUPS_PER_REQUEST && unknown < MAX_UNKNOWN_PER_REQUEST; ) {
    const group = misses.slice(i, Math.min(i + MAX_UNKNOWN_PER_REQUEST - unknown, i + MAX_LOOKUPS_PER_REQUEST - storeReads));
    i += group.length;
    storeReads += group.length;
    const found = await Promise.all(group.map((id) => lookup.get(id, nowMs)));
    group.forEach((id, k) => {
      const record = found[k] ?? null;
      records.set(id, record);
      if (record === null) unknown++;
    });
  }
  const verified: VerifiedItem[] = [];
  for (const item of wellFormed) {
    const id = item.subscriptionId.toLowerCase();
    if (!records.has(id)) {
      ignored.lookup_budget++;
      continue;
    }
    const record = records.get(id) ?? null;
    if (record === null) ignored.unknown_subscription++;
    else if (!clientStateMatches(item.clientState, record.clientStateHash)) ignored.bad_client_state++;
    else if ((item.tenantId ?? '').toLowerCase() !== record.tenantId) ignored.tenant_mismatch++;
    else verified.push({ item, record });
  }
  return { verified, ignored, storeReads };
}

export function ignoredTotal(ignored: Record<IgnoredReason, number>): number {
  return Object.values(ignored).reduce((a, b) => a + b, 0);
}

/** The ignored counts as log fields (camelCase, like every other field). */
export function ignoredFields(ignored: Record<IgnoredReason, number>): Record<string, number> {
  return {
    malformedIds: ignored.malformed_ids,
    lookupBudget: ignored.lookup_budget,
    unknownSubscription: ignored.unknown_subscription,
    badClientState: ignored.bad_client_state,
    tenantMismatch: ignored.tenant_mismatch,
  };
}

// ---- Tenant → connected companies (the fan-out of a verified notification) ----------------------

export interface TenantCompany {
  companyId: string;
  connectionId: string;
}

const COMPANIES_TTL_MS = 60_000;

/**
 * Which companies are connected to a tenant, cached per instance for a minute (concurrent lookups
 * share one query; failures are not cached). A company connected on this instance is forgotten
 * at once; elsewhere it is picked up within the minute — its first import is queued anyway.
 */
export class TenantCompanies {
  private readonly entries = new Map<string, { value: Promise<TenantCompany[]>; expiresAt: number }>();

  constructor(private readonly lister: IntegrationLister) {}

  get(tenantId: string, nowMs: number): Promise<TenantCompany[]> {
    const key = tenantId.toLowerCase();
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > nowMs) return hit.value;
    const value = this.lister.connectedToTenant(key).then((integrations) =>
      integrations.flatMap((i) => (i.connectionId ? [{ companyId: i.companyId, connectionId: i.connectionId }] : [])),
    );
    const entry = { value, expiresAt: nowMs + COMPANIES_TTL_MS };
    this.entries.set(key, entry);
    if (this.entries.size > MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    return value;
  }

  forget(tenantId: string): void {
    this.entries.delete(tenantId.toLowerCase());
  }
}

const tenantCaches = new WeakMap<IntegrationLister, TenantCompanies>();

export function tenantCompanies(lister: IntegrationLister): TenantCompanies {
  let cache = tenantCaches.get(lister);
  if (!cache) {
    cache = new TenantCompanies(lister);
    tenantCaches.set(lister, cache);
  }
  return cache;
}
