import { randomUUID } from 'node:crypto';
import { AppError, ErrorCode } from '../../src/domain/app-error';
import { SubscriptionRecord, SubscriptionRecordSchema } from '../../src/domain/graph-subscription';
import { Integration } from '../../src/domain/integration';
import { IntegrationLister } from '../../src/ports/integration-lister.port';
import { NewSubscription, SubscriptionClient, SubscriptionInfo } from '../../src/ports/subscription-client.port';
import { SubscriptionStore } from '../../src/ports/subscription-store.port';
import { isStorableId } from '../../src/ports/store-ids';
import { MemoryIntegrationStore } from './in-memory-ports';

/**
 * Honest in-memory fakes for the webhook ports: Graph's subscriptions (per tenant, 409 on a
 * duplicate, 404 when gone, consent per tenant), the subscription lookup store, and the
 * timers' list of connected integrations over the in-memory integration store.
 */

const clone = <T>(value: T): T => structuredClone(value);

export class MemorySubscriptionStore implements SubscriptionStore {
  readonly docs = new Map<string, SubscriptionRecord>();
  reads = 0;
  /** Makes the next reads fail like an unavailable Cosmos. */
  failReads = 0;

  get(subscriptionId: string): Promise<SubscriptionRecord | null> {
    this.reads++;
    if (this.failReads > 0) {
      this.failReads--;
      return Promise.reject(new AppError('dependency_unavailable', 'cosmos down'));
    }
    const found = this.docs.get(subscriptionId);
    return Promise.resolve(found ? clone(found) : null);
  }

  forTenant(tenantId: string): Promise<SubscriptionRecord[]> {
    const found = [...this.docs.values()].filter((r) => r.tenantId === tenantId.toLowerCase()).map(clone);
    return Promise.resolve(found.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0)));
  }

  put(record: SubscriptionRecord): Promise<void> {
    return Promise.resolve().then(() => {
      const parsed = SubscriptionRecordSchema.safeParse(record);
      if (!parsed.success) throw new AppError('internal_error', 'Refusing to write an invalid subscription record');
      if (!isStorableId(parsed.data.subscriptionId))
        throw new AppError('internal_error', 'Refusing to write a subscription record with an id a store cannot hold');
      this.docs.set(parsed.data.subscriptionId, clone(parsed.data));
    });
  }

  delete(subscriptionId: string): Promise<void> {
    this.docs.delete(subscriptionId);
    return Promise.resolve();
  }
}

interface StoredSubscription extends SubscriptionInfo {
  tenantId: string;
  clientState: string;
}

export type SubscriptionCall = {
  op: 'create' | 'renew' | 'reauthorize' | 'delete' | 'get' | 'list';
  tenantId: string;
  id?: string;
};

/** Graph's `/subscriptions` as the port sees it. `now` decides expiry (like Graph, expired ones are gone). */
export class MemorySubscriptionClient implements SubscriptionClient {
  readonly subs = new Map<string, StoredSubscription>();
  readonly calls: SubscriptionCall[] = [];
  /** Tenants whose consent is gone: every call fails with consent_revoked. */
  readonly revoked = new Set<string>();
  /** The next call of an operation fails with this code. */
  readonly failNext = new Map<SubscriptionCall['op'], ErrorCode>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  private check(call: SubscriptionCall): void {
    this.calls.push(call);
    const failure = this.failNext.get(call.op);
    if (failure) {
      this.failNext.delete(call.op);
      throw new AppError(failure, `scripted ${failure}`);
    }
    if (this.revoked.has(call.tenantId)) throw new AppError('consent_revoked', 'AADSTS7000229');
  }

  /** Graph's rule: in the future, and at most 41,760 minutes ahead. */
  private checkExpiration(expirationDateTime: string): void {
    const at = Date.parse(expirationDateTime);
    const nowMs = this.now().getTime();
    if (Number.isNaN(at) || at <= nowMs) throw new AppError('subscription_rejected', 'expiration not in the future');
    if (at > nowMs + 41_760 * 60_000) throw new AppError('subscription_rejected', 'expiration too far');
  }

  private live(tenantId: string, id: string): StoredSubscription {
    const sub = this.subs.get(id);
    if (!sub || sub.tenantId !== tenantId || Date.parse(sub.expirationDateTime) <= this.now().getTime())
      throw new AppError('not_found', 'no such subscription');
    return sub;
  }

  create(tenantId: string, subscription: NewSubscription): Promise<SubscriptionInfo> {
    return Promise.resolve().then(() => {
      this.check({ op: 'create', tenantId });
      const nowMs = this.now().getTime();
      const duplicate = [...this.subs.values()].some(
        (s) =>
          s.tenantId === tenantId &&
          s.notificationUrl === subscription.notificationUrl &&
          s.resource === subscription.resource &&
          Date.parse(s.expirationDateTime) > nowMs,
      );
      if (duplicate) throw new AppError('conflict', 'duplicate subscription');
      this.checkExpiration(subscription.expirationDateTime);
      if (subscription.clientState.length > 128) throw new AppError('subscription_rejected', 'clientState too long');
      const stored: StoredSubscription = {
        id: randomUUID(),
        tenantId,
        resource: subscription.resource,
        changeType: subscription.changeType,
        notificationUrl: subscription.notificationUrl,
        lifecycleNotificationUrl: subscription.lifecycleNotificationUrl,
        expirationDateTime: subscription.expirationDateTime,
        clientState: subscription.clientState,
      };
      this.subs.set(stored.id, stored);
      return info(stored);
    });
  }

  renew(tenantId: string, subscriptionId: string, expirationDateTime: string): Promise<SubscriptionInfo> {
    return Promise.resolve().then(() => {
      this.check({ op: 'renew', tenantId, id: subscriptionId });
      const sub = this.live(tenantId, subscriptionId);
      this.checkExpiration(expirationDateTime);
      sub.expirationDateTime = expirationDateTime;
      return info(sub);
    });
  }

  reauthorize(tenantId: string, subscriptionId: string): Promise<void> {
    return Promise.resolve().then(() => {
      this.check({ op: 'reauthorize', tenantId, id: subscriptionId });
      this.live(tenantId, subscriptionId);
    });
  }

  delete(tenantId: string, subscriptionId: string): Promise<void> {
    return Promise.resolve().then(() => {
      this.check({ op: 'delete', tenantId, id: subscriptionId });
      this.live(tenantId, subscriptionId);
      this.subs.delete(subscriptionId);
    });
  }

  get(tenantId: string, subscriptionId: string): Promise<SubscriptionInfo | null> {
    return Promise.resolve().then(() => {
      this.check({ op: 'get', tenantId, id: subscriptionId });
      try {
        return info(this.live(tenantId, subscriptionId));
      } catch {
        return null;
      }
    });
  }

  list(tenantId: string): Promise<SubscriptionInfo[]> {
    return Promise.resolve().then(() => {
      this.check({ op: 'list', tenantId });
      const nowMs = this.now().getTime();
      return [...this.subs.values()]
        .filter((s) => s.tenantId === tenantId && Date.parse(s.expirationDateTime) > nowMs)
        .map(info);
    });
  }

  of(op: SubscriptionCall['op']): SubscriptionCall[] {
    return this.calls.filter((c) => c.op === op);
  }

  clientStateOf(id: string): string {
    return this.subs.get(id)?.clientState ?? '';
  }
}

function info(s: StoredSubscription): SubscriptionInfo {
  return {
    id: s.id,
    resource: s.resource,
    changeType: s.changeType,
    notificationUrl: s.notificationUrl,
    lifecycleNotificationUrl: s.lifecycleNotificationUrl,
    expirationDateTime: s.expirationDateTime,
  };
}

/** Connected integrations of the in-memory store, in pages (company id order, like a stable scan). */
export class MemoryIntegrationLister implements IntegrationLister {
  constructor(private readonly store: MemoryIntegrationStore) {}

  async *connected(pageSize: number): AsyncIterable<Integration[]> {
    const all = [...this.store.docs.values()]
      .map((d) => clone(d.value))
      .filter((i) => i.status === 'connected')
      .sort((a, b) => a.companyId.localeCompare(b.companyId));
    for (let i = 0; i < all.length; i += pageSize) {
      await Promise.resolve();
      yield all.slice(i, i + pageSize);
    }
  }

  connectedToTenant(tenantId: string): Promise<Integration[]> {
    this.tenantQueries++;
    const all = [...this.store.docs.values()]
      .map((d) => clone(d.value))
      .filter((i) => i.status === 'connected' && i.tenantId === tenantId.toLowerCase());
    return Promise.resolve(all.sort((a, b) => (a.companyId < b.companyId ? -1 : a.companyId > b.companyId ? 1 : 0)));
  }

  /** How many tenant → companies queries ran (the webhook caches them). */
  tenantQueries = 0;
}
