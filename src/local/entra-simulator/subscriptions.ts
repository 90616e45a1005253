// Graph change-notification subscriptions on `/users`: create (with the validation handshake),
// read, renew, delete, and delivery of batched change notifications and lifecycle events with
// bounded retries.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Scheduler } from '../scheduler';
import type { LogFn } from './context';
import { GraphFailure } from './graph-error';
import type { DirectoryChangeEvent } from './tenant-directory';
import type { LifecycleEvent, SimulatedSubscription } from './types';
import { servicePrincipalId } from './token-endpoint';

export const MAX_EXPIRATION_MINUTES = 41_760;
export const MAX_SUBSCRIPTIONS_PER_TENANT = 100;
const MAX_ITEMS_PER_POST = 100;
const HANDSHAKE_TIMEOUT_MS = 10_000;
const DELIVERY_TIMEOUT_MS = 10_000;
const RETRY_DELAYS_MS = [500, 2_000, 5_000];

export const persistedSubscriptionSchema = z.object({
  tenantId: z.string(),
  id: z.string(),
  resource: z.string(),
  changeType: z.string(),
  notificationUrl: z.string(),
  lifecycleNotificationUrl: z.string().nullable(),
  expirationDateTime: z.string(),
  clientState: z.string().nullable(),
  applicationId: z.string(),
  creatorId: z.string(),
  latestSupportedTlsVersion: z.string(),
});
export type PersistedSubscription = z.infer<typeof persistedSubscriptionSchema>;

const createSchema = z.object({
  changeType: z.string().min(1),
  notificationUrl: z.string().min(1),
  resource: z.string().min(1),
  expirationDateTime: z.string().min(1),
  clientState: z.string().nullable().optional(),
  lifecycleNotificationUrl: z.string().nullable().optional(),
  latestSupportedTlsVersion: z.enum(['v1_0', 'v1_1', 'v1_2', 'v1_3']).optional(),
  includeResourceData: z.boolean().optional(),
  '@odata.type': z.string().optional(),
});
const patchSchema = z.object({ expirationDateTime: z.string().min(1), '@odata.type': z.string().optional() }).strict();

export interface NotificationItem {
  subscriptionId: string;
  subscriptionExpirationDateTime: string;
  changeType: 'updated' | 'deleted';
  resource: string;
  resourceData: { '@odata.type': '#Microsoft.Graph.User'; '@odata.id': string; id: string; organizationId: string };
  clientState: string | null;
  tenantId: string;
}

export interface SubscriptionDeps {
  clientId: string;
  now: () => Date;
  /** Batch windows, delivery retries, handshake and delivery timeouts. */
  scheduler: Scheduler;
  log: LogFn;
  batchWindowMs: number;
  allowHttpNotificationUrls: boolean;
  isConsented: (tenantId: string) => boolean;
  stateChanged: () => void;
}

interface Queue {
  items: NotificationItem[];
  keys: Set<string>;
  timer: unknown;
}

function badRequest(message: string): GraphFailure {
  return new GraphFailure(400, 'InvalidRequest', message);
}

function normaliseResource(resource: string): string {
  return resource.replace(/^\/+/, '').toLowerCase();
}

function normaliseChangeTypes(changeType: string): string[] {
  return changeType
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean)
    .sort();
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'invalid';
  }
}

export class SubscriptionManager {
  private readonly subs = new Map<string, PersistedSubscription>();
  private readonly queues = new Map<string, Queue>();
  private readonly timers = new Set<unknown>();
  private readonly inflight = new Set<AbortController>();
  private readonly pending = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly deps: SubscriptionDeps) {}

  load(records: readonly PersistedSubscription[]): void {
    for (const r of records) this.subs.set(r.id, { ...r });
  }

  toPersisted(): PersistedSubscription[] {
    this.purgeExpired();
    return [...this.subs.values()];
  }

  list(tenantId: string): SimulatedSubscription[] {
    this.purgeExpired();
    return [...this.subs.values()].filter((s) => s.tenantId === tenantId).map(toGraph);
  }

  get(tenantId: string, id: string): SimulatedSubscription | undefined {
    const sub = this.live(id);
    return sub?.tenantId === tenantId ? toGraph(sub) : undefined;
  }

  /** Tenant of a live subscription (any tenant). */
  tenantOf(id: string): string | undefined {
    return this.live(id)?.tenantId;
  }

  async create(tenantId: string, body: unknown): Promise<SimulatedSubscription> {
    const parsed = createSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw badRequest(`Invalid subscription request: ${issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'malformed body'}`);
    }
    const input = parsed.data;
    const resource = normaliseResource(input.resource);
    if (resource !== 'users') throw badRequest(`Resource '${input.resource}' is not supported by the simulator (only /users).`);
    const changeTypes = normaliseChangeTypes(input.changeType);
    if (changeTypes.length === 0 || changeTypes.some((c) => c !== 'updated' && c !== 'deleted') || new Set(changeTypes).size !== changeTypes.length) {
      throw badRequest(`ChangeType '${input.changeType}' is not supported for resource 'users'. Supported: updated, deleted.`);
    }
    if (input.includeResourceData) throw badRequest('includeResourceData is not supported for users on v1.0.');
    this.checkUrl(input.notificationUrl, 'notificationUrl');
    const lifecycleUrl = input.lifecycleNotificationUrl ?? null;
    if (lifecycleUrl !== null) this.checkUrl(lifecycleUrl, 'lifecycleNotificationUrl');
    const clientState = input.clientState ?? null;
    if (clientState !== null && clientState.length > 128) throw badRequest('clientState must be at most 128 characters.');
    const expiration = this.checkExpiration(input.expirationDateTime);
    this.checkCapacity(tenantId, changeTypes, input.notificationUrl);

    const ok = (await this.handshake(input.notificationUrl)) && (lifecycleUrl === null || (await this.handshake(lifecycleUrl)));
    if (!ok) {
      this.deps.log('subscription.validation_failed', { tenantId, host: hostOf(input.notificationUrl) });
      throw new GraphFailure(400, 'ValidationError', 'Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.');
    }
    if (this.closed) throw new GraphFailure(503, 'ServiceUnavailable', 'The simulator is shutting down.');
    this.checkCapacity(tenantId, changeTypes, input.notificationUrl);
    const sub: PersistedSubscription = {
      tenantId,
      id: randomUUID(),
      resource: input.resource,
      changeType: input.changeType.split(',').map((c) => c.trim()).filter(Boolean).join(','),
      notificationUrl: input.notificationUrl,
      lifecycleNotificationUrl: lifecycleUrl,
      expirationDateTime: expiration,
      clientState,
      applicationId: this.deps.clientId,
      creatorId: servicePrincipalId(tenantId, this.deps.clientId),
      latestSupportedTlsVersion: input.latestSupportedTlsVersion ?? 'v1_2',
    };
    this.subs.set(sub.id, sub);
    this.deps.stateChanged();
    this.deps.log('subscription.created', { tenantId, subscriptionId: sub.id, changeType: sub.changeType });
    return toGraph(sub);
  }

  update(tenantId: string, id: string, body: unknown): SimulatedSubscription {
    const sub = this.requireSub(tenantId, id);
    const parsed = patchSchema.safeParse(body);
    if (!parsed.success) throw badRequest('Only expirationDateTime can be updated on a subscription.');
    sub.expirationDateTime = this.checkExpiration(parsed.data.expirationDateTime);
    this.deps.stateChanged();
    this.deps.log('subscription.renewed', { tenantId, subscriptionId: id });
    return toGraph(sub);
  }

  delete(tenantId: string, id: string): void {
    this.requireSub(tenantId, id);
    this.subs.delete(id);
    this.deps.stateChanged();
    this.deps.log('subscription.deleted', { tenantId, subscriptionId: id });
  }

  reauthorize(tenantId: string, id: string): void {
    this.requireSub(tenantId, id);
    this.deps.log('subscription.reauthorized', { tenantId, subscriptionId: id });
  }

  /** Queues change notifications for the tenant's matching subscriptions. */
  onDirectoryChange(event: DirectoryChangeEvent): void {
    if (this.closed || !this.deps.isConsented(event.tenantId)) return;
    const now = this.deps.now().getTime();
    for (const sub of this.subs.values()) {
      if (sub.tenantId !== event.tenantId || Date.parse(sub.expirationDateTime) <= now) continue;
      if (!sub.changeType.split(',').includes(event.changeType)) continue;
      this.enqueue(sub.notificationUrl, {
        subscriptionId: sub.id,
        subscriptionExpirationDateTime: sub.expirationDateTime,
        changeType: event.changeType,
        resource: `Users/${event.userId}`,
        resourceData: { '@odata.type': '#Microsoft.Graph.User', '@odata.id': `Users/${event.userId}`, id: event.userId, organizationId: event.tenantId },
        clientState: sub.clientState,
        tenantId: event.tenantId,
      });
    }
  }

  /** Sends a lifecycle event; `subscriptionRemoved` also removes the subscription. */
  sendLifecycle(tenantId: string, id: string, event: LifecycleEvent): void {
    const sub = this.live(id);
    if (sub?.tenantId !== tenantId) throw new GraphFailure(404, 'ResourceNotFound', `Subscription ${id} not found.`);
    const url = sub.lifecycleNotificationUrl;
    const payload = {
      value: [{ subscriptionId: sub.id, subscriptionExpirationDateTime: sub.expirationDateTime, tenantId: sub.tenantId, clientState: sub.clientState, lifecycleEvent: event }],
    };
    if (event === 'subscriptionRemoved') {
      this.subs.delete(id);
      this.deps.stateChanged();
    }
    if (url === null) {
      this.deps.log('lifecycle.skipped', { tenantId, subscriptionId: id, lifecycleEvent: event, reason: 'no_lifecycle_url' });
      return;
    }
    this.deps.log('lifecycle.queued', { tenantId, subscriptionId: id, lifecycleEvent: event });
    this.deliver(url, JSON.stringify(payload), 0, 1);
  }

  /** Sends `reauthorizationRequired` for all the tenant's subscriptions (e.g. consent revoked). */
  lifecycleForTenant(tenantId: string, event: LifecycleEvent): void {
    for (const sub of this.list(tenantId)) {
      if (sub.lifecycleNotificationUrl !== null) this.sendLifecycle(tenantId, sub.id, event);
    }
  }

  /**
   * Resolves when no notification or lifecycle POST is in flight. Batches whose window is still
   * open and retries not yet due do not count: with an injected scheduler, a test moves time to
   * send them, then awaits this to see what arrived.
   */
  async whenIdle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const q of this.queues.values()) if (q.timer !== null) this.deps.scheduler.clearTimeout(q.timer);
    this.queues.clear();
    for (const t of this.timers) this.deps.scheduler.clearTimeout(t);
    this.timers.clear();
    for (const c of this.inflight) c.abort();
    await Promise.allSettled([...this.pending]);
  }

  // ---- internals -----------------------------------------------------------------------------

  private live(id: string): PersistedSubscription | undefined {
    const sub = this.subs.get(id.toLowerCase()) ?? this.subs.get(id);
    if (!sub) return undefined;
    if (Date.parse(sub.expirationDateTime) <= this.deps.now().getTime()) {
      this.subs.delete(sub.id);
      this.deps.stateChanged();
      return undefined;
    }
    return sub;
  }

  private purgeExpired(): void {
    const now = this.deps.now().getTime();
    for (const sub of [...this.subs.values()]) {
      if (Date.parse(sub.expirationDateTime) <= now) {
        this.subs.delete(sub.id);
        this.deps.stateChanged();
      }
    }
  }

  private requireSub(tenantId: string, id: string): PersistedSubscription {
    const sub = this.live(id);
    if (sub?.tenantId !== tenantId) throw new GraphFailure(404, 'ResourceNotFound', `The object was not found. Subscription '${id}' does not exist.`);
    return sub;
  }

  private checkUrl(url: string, field: string): void {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw badRequest(`${field} is not a valid absolute URL.`);
    }
    if (parsed.protocol === 'https:') return;
    if (parsed.protocol === 'http:' && this.deps.allowHttpNotificationUrls) return;
    throw badRequest(`Invalid ${field}: the URL must use https.`);
  }

  private checkExpiration(value: string): string {
    const at = Date.parse(value);
    if (Number.isNaN(at)) throw badRequest(`Invalid expirationDateTime '${value}'.`);
    const now = this.deps.now().getTime();
    if (at <= now) throw badRequest('Subscription expiration must be in the future.');
    if (at > now + MAX_EXPIRATION_MINUTES * 60_000) {
      throw badRequest(`Subscription expiration can only be ${MAX_EXPIRATION_MINUTES} minutes in the future.`);
    }
    return new Date(at).toISOString();
  }

  private checkCapacity(tenantId: string, changeTypes: string[], notificationUrl: string): void {
    const mine = this.list(tenantId);
    const key = changeTypes.join(',');
    if (mine.some((s) => normaliseChangeTypes(s.changeType).join(',') === key && normaliseResource(s.resource) === 'users' && s.notificationUrl === notificationUrl)) {
      throw new GraphFailure(409, 'ExtensionError', 'Operation: Create; Exception: [Status Code: Conflict; Reason: A subscription with the same changeType, resource and notificationUrl already exists.]');
    }
    if (mine.length >= MAX_SUBSCRIPTIONS_PER_TENANT) {
      throw new GraphFailure(403, 'ExtensionError', `Operation: Create; Exception: [Status Code: Forbidden; Reason: Subscription limit of ${MAX_SUBSCRIPTIONS_PER_TENANT} per application per tenant reached.]`);
    }
  }

  /** POST url?validationToken=… expecting 200 text/plain echoing the token within 10 s. */
  private async handshake(url: string): Promise<boolean> {
    const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()}`;
    const target = new URL(url);
    target.searchParams.set('validationToken', token);
    const controller = new AbortController();
    this.inflight.add(controller);
    const timer = this.deps.scheduler.setTimeout(() => {
      controller.abort();
    }, HANDSHAKE_TIMEOUT_MS);
    try {
      const res = await fetch(target, { method: 'POST', headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: '', signal: controller.signal });
      const text = await res.text();
      const type = res.headers.get('content-type') ?? '';
      return res.status === 200 && text === token && type.toLowerCase().startsWith('text/plain');
    } catch {
      return false;
    } finally {
      this.deps.scheduler.clearTimeout(timer);
      this.inflight.delete(controller);
    }
  }

  private enqueue(url: string, item: NotificationItem): void {
    let q = this.queues.get(url);
    if (!q) {
      q = { items: [], keys: new Set(), timer: null };
      this.queues.set(url, q);
    }
    const key = `${item.subscriptionId}|${item.changeType}|${item.resourceData.id}`;
    if (q.keys.has(key)) return;
    q.keys.add(key);
    q.items.push(item);
    if (q.timer === null) {
      q.timer = this.deps.scheduler.setTimeout(() => {
        this.flush(url);
      }, this.deps.batchWindowMs);
    }
  }

  private flush(url: string): void {
    const q = this.queues.get(url);
    this.queues.delete(url);
    if (!q || this.closed) return;
    for (let i = 0; i < q.items.length; i += MAX_ITEMS_PER_POST) {
      const chunk = q.items.slice(i, i + MAX_ITEMS_PER_POST);
      this.deliver(url, JSON.stringify({ value: chunk }), 0, chunk.length);
    }
  }

  private deliver(url: string, body: string, attempt: number, count: number): void {
    if (this.closed) return;
    const run = this.post(url, body).then((status) => {
      if (status >= 200 && status < 300) {
        this.deps.log('notification.delivered', { host: hostOf(url), count, status, attempt });
        return;
      }
      this.retry(url, body, attempt, count, status === 0 ? 'network error' : `status ${status}`);
    });
    this.pending.add(run);
    void run.finally(() => this.pending.delete(run));
  }

  private retry(url: string, body: string, attempt: number, count: number, reason: string): void {
    const delay = RETRY_DELAYS_MS[attempt];
    if (this.closed || delay === undefined) {
      this.deps.log('notification.dropped', { host: hostOf(url), count, attempts: attempt + 1, reason });
      return;
    }
    this.deps.log('notification.retrying', { host: hostOf(url), count, attempt, delayMs: delay, reason });
    const timer = this.deps.scheduler.setTimeout(() => {
      this.timers.delete(timer);
      this.deliver(url, body, attempt + 1, count);
    }, delay);
    this.timers.add(timer);
  }

  /** POSTs JSON; resolves to the status, or 0 on network error/timeout. Never rejects. */
  private async post(url: string, body: string): Promise<number> {
    const controller = new AbortController();
    this.inflight.add(controller);
    const timer = this.deps.scheduler.setTimeout(() => {
      controller.abort();
    }, DELIVERY_TIMEOUT_MS);
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json; charset=utf-8' }, body, signal: controller.signal });
      await res.arrayBuffer();
      return res.status;
    } catch {
      return 0;
    } finally {
      this.deps.scheduler.clearTimeout(timer);
      this.inflight.delete(controller);
    }
  }
}

function toGraph(sub: PersistedSubscription): SimulatedSubscription {
  return {
    id: sub.id,
    resource: sub.resource,
    changeType: sub.changeType,
    notificationUrl: sub.notificationUrl,
    lifecycleNotificationUrl: sub.lifecycleNotificationUrl,
    expirationDateTime: sub.expirationDateTime,
    clientState: sub.clientState,
    applicationId: sub.applicationId,
    creatorId: sub.creatorId,
    latestSupportedTlsVersion: sub.latestSupportedTlsVersion,
    includeResourceData: false,
    notificationQueryOptions: null,
    notificationUrlAppId: null,
    encryptionCertificate: null,
    encryptionCertificateId: null,
  };
}
