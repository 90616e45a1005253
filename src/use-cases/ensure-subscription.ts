import { Services } from '../app/services';
import { Logger } from '../app/logger';
import { isAppError } from '../domain/app-error';
import {
  needsRenewal,
  SUBSCRIPTION_CHANGE_TYPE,
  SUBSCRIPTION_RESOURCE,
  subscriptionExpiry,
  SubscriptionRecord,
  SubscriptionSummary,
  subscriptionUrls,
} from '../domain/graph-subscription';
import { Integration } from '../domain/integration';
import { SubscriptionInfo } from '../ports/subscription-client.port';
import { updateIntegration } from './integration-updates';
import { clientStateHash, subscriptionLookup, tenantCompanies } from './subscription-lookup';

/**
 * Graph change-notification subscriptions belong to a tenant: one `/users` subscription per
 * tenant, however many Symbol companies are connected to it (a holding's subsidiaries run as
 * separate companies), and each notification fans out to all of them. The sync worker ensures the
 * tenant's subscription after a company's successful run (creating it after the first import,
 * renewing it when due, adopting it when another company of the tenant made it); the renewal timer
 * keeps it ahead of expiry; it is deleted when the last company of the tenant disconnects. Every
 * company connected to the tenant shows it in its status (`subscription`).
 */

export type SubscriptionServices = Pick<Services, 'integrations' | 'integrationLister' | 'clock' | 'ids' | 'config' | 'subscriptions' | 'subscriptionStore'>;
type UpkeepServices = Pick<Services, 'integrations' | 'integrationLister' | 'clock' | 'subscriptions' | 'subscriptionStore'>;

export type EnsureOutcome = 'not_connected' | 'unchanged' | 'attached' | 'renewed' | 'created';

/** Bytes of entropy in a clientState (base64url: 43 characters, under Graph's 128). */
const CLIENT_STATE_BYTES = 32;

export async function ensureSubscription(services: SubscriptionServices, companyId: string, log: Logger): Promise<EnsureOutcome> {
  const integration = (await services.integrations.get(companyId))?.value;
  if (!integration || integration.status !== 'connected' || !integration.tenantId || !integration.connectionId) return 'not_connected';
  await releaseForeignSubscription(services, integration, log);
  const found = await liveTenantSubscription(services, integration, log);
  const record = found?.record ?? (await createSubscription(services, integration, log));
  const attached = await attachToTenantCompanies(services, integration.tenantId, record, log);
  if (!found) return 'created';
  if (found.renewed) return 'renewed';
  return attached.has(companyId) ? 'attached' : 'unchanged';
}

/** Called by the sync worker after a successful run: a failure here never fails the run. */
export async function ensureSubscriptionAfterRun(services: SubscriptionServices, companyId: string, log: Logger): Promise<void> {
  try {
    const outcome = await ensureSubscription(services, companyId, log);
    if (outcome !== 'unchanged' && outcome !== 'not_connected') log.info('subscription.ensured', { companyId, outcome });
  } catch (error) {
    log.warn('subscription.ensure_failed', { companyId, code: isAppError(error) ? error.code : 'internal_error', error: error instanceof Error ? error.message : 'unknown' });
  }
}

/**
 * The company was reconnected to another tenant: its summary still names the old tenant's
 * subscription. Detach it, and delete that subscription if no company is connected to its tenant
 * any more.
 */
async function releaseForeignSubscription(services: SubscriptionServices, integration: Integration, log: Logger): Promise<void> {
  const summary = integration.subscription;
  if (summary === null) return;
  const record = await services.subscriptionStore.get(summary.id);
  if (record?.tenantId === integration.tenantId) return;
  await setSummary(services, integration.companyId, summary.id, null);
  if (record) await deleteIfUnused(services, record, log);
}

/**
 * The tenant's live subscription, renewed when due. Records that are expired, gone at Graph (after
 * a reconnect the subscription may have died with the old consent: Graph is asked once) or
 * duplicates (two companies of a tenant creating at once) are cleaned up on the way.
 */
async function liveTenantSubscription(services: SubscriptionServices, integration: Integration, log: Logger): Promise<{ record: SubscriptionRecord; renewed: boolean } | null> {
  const tenantId = integration.tenantId ?? '';
  const nowMs = services.clock.now().getTime();
  let live: { record: SubscriptionRecord; renewed: boolean } | null = null;
  for (const record of await services.subscriptionStore.forTenant(tenantId)) {
    if (live !== null) {
      // A duplicate: keep the newest, remove the rest.
      await deleteAtGraph(services, tenantId, record.subscriptionId, log);
      await forgetSubscription(services, record);
      continue;
    }
    const expired = Date.parse(record.expiresAt) <= nowMs;
    const mayHaveDied = integration.connectedAt !== null && integration.connectedAt > record.createdAt;
    if (expired || (mayHaveDied && (await services.subscriptions.get(tenantId, record.subscriptionId)) === null)) {
      await forgetSubscription(services, record);
      continue;
    }
    if (!needsRenewal(record.expiresAt, nowMs)) {
      live = { record, renewed: false };
      continue;
    }
    try {
      live = { record: await renewSubscription(services, record), renewed: true };
    } catch (error) {
      if (!isAppError(error, 'not_found')) throw error;
      await forgetSubscription(services, record);
    }
  }
  return live;
}

async function createSubscription(services: SubscriptionServices, integration: Integration, log: Logger): Promise<SubscriptionRecord> {
  const tenantId = integration.tenantId ?? '';
  const now = services.clock.now();
  const clientState = services.ids.token(CLIENT_STATE_BYTES);
  const urls = subscriptionUrls(services.config.notificationUrlBase);
  const request = { resource: SUBSCRIPTION_RESOURCE, changeType: SUBSCRIPTION_CHANGE_TYPE, ...urls, clientState, expirationDateTime: subscriptionExpiry(now.getTime()) };
  let info: SubscriptionInfo;
  try {
    info = await services.subscriptions.create(tenantId, request);
  } catch (error) {
    if (!isAppError(error, 'conflict')) throw error;
    // A subscription with our URL already exists in the tenant. Ours (another company of the
    // tenant made it a moment ago): adopt it. A leftover whose clientState we no longer know
    // (made before a crash lost its record): remove it and try once more.
    const adopted = await adoptOrClear(services, tenantId, urls.notificationUrl, log);
    if (adopted) return adopted;
    info = await services.subscriptions.create(tenantId, request);
  }
  const nowIso = now.toISOString();
  const record: SubscriptionRecord = {
    subscriptionId: info.id.toLowerCase(),
    tenantId,
    clientStateHash: clientStateHash(clientState),
    expiresAt: isoOr(info.expirationDateTime, request.expirationDateTime),
    createdAt: nowIso,
    updatedAt: nowIso,
  };
  try {
    await services.subscriptionStore.put(record);
  } catch (error) {
    await deleteAtGraph(services, tenantId, info.id, log).catch(() => undefined);
    throw error;
  }
  subscriptionLookup(services.subscriptionStore).forget(record.subscriptionId);
  log.info('subscription.created', { companyId: integration.companyId, tenantId, subscriptionId: record.subscriptionId, expiresAt: record.expiresAt });
  return record;
}

async function adoptOrClear(services: SubscriptionServices, tenantId: string, notificationUrl: string, log: Logger): Promise<SubscriptionRecord | null> {
  for (const existing of await services.subscriptions.list(tenantId)) {
    if (existing.notificationUrl !== notificationUrl || existing.resource.replace(/^\/+/, '').toLowerCase() !== 'users') continue;
    const record = await services.subscriptionStore.get(existing.id.toLowerCase());
    if (record?.tenantId === tenantId) return record;
    await deleteAtGraph(services, tenantId, existing.id, log);
    log.info('subscription.leftover_removed', { tenantId, subscriptionId: existing.id });
  }
  return null;
}

/** Shows the tenant's subscription on every company connected to it; returns the companies whose summary changed. */
async function attachToTenantCompanies(services: UpkeepServices, tenantId: string, record: SubscriptionRecord, log: Logger): Promise<Set<string>> {
  const changed = new Set<string>();
  for (const company of await services.integrationLister.connectedToTenant(tenantId)) {
    const { result } = await updateIntegration(services, company.companyId, (current, at) => {
      if (current.status !== 'connected' || current.tenantId !== tenantId) return { next: null, result: false };
      const existing = current.subscription;
      if (existing?.id === record.subscriptionId && existing.expiresAt === record.expiresAt) return { next: null, result: false };
      const summary: SubscriptionSummary = { id: record.subscriptionId, expiresAt: record.expiresAt, lastNotificationAt: existing?.id === record.subscriptionId ? existing.lastNotificationAt : null };
      return { next: { ...current, subscription: summary, updatedAt: at }, result: true };
    });
    if (result) changed.add(company.companyId);
  }
  if (changed.size > 0) log.info('subscription.attached', { tenantId, subscriptionId: record.subscriptionId, companies: changed.size });
  return changed;
}

/** PATCHes a new expiration and records it (on the record and every company's summary). `not_found` propagates. */
export async function renewSubscription(services: UpkeepServices, record: SubscriptionRecord): Promise<SubscriptionRecord> {
  const now = services.clock.now();
  const requested = subscriptionExpiry(now.getTime());
  const info = await services.subscriptions.renew(record.tenantId, record.subscriptionId, requested);
  const renewed: SubscriptionRecord = { ...record, expiresAt: isoOr(info.expirationDateTime, requested), updatedAt: now.toISOString() };
  await services.subscriptionStore.put(renewed);
  subscriptionLookup(services.subscriptionStore).forget(record.subscriptionId);
  for (const company of await services.integrationLister.connectedToTenant(record.tenantId)) {
    await updateIntegration(services, company.companyId, (current, at) => {
      if (current.subscription?.id !== record.subscriptionId || current.subscription.expiresAt === renewed.expiresAt) return { next: null, result: undefined };
      return { next: { ...current, subscription: { ...current.subscription, expiresAt: renewed.expiresAt }, updatedAt: at }, result: undefined };
    });
  }
  return renewed;
}

/**
 * Forgets a subscription here — its record, the lookup cache, and the summary of every company
 * connected to its tenant that shows it. Graph is not asked.
 */
export async function forgetSubscription(services: UpkeepServices, record: Pick<SubscriptionRecord, 'subscriptionId' | 'tenantId'>): Promise<void> {
  await services.subscriptionStore.delete(record.subscriptionId);
  subscriptionLookup(services.subscriptionStore).forget(record.subscriptionId);
  for (const company of await services.integrationLister.connectedToTenant(record.tenantId)) await setSummary(services, company.companyId, record.subscriptionId, null);
}

async function setSummary(services: Pick<Services, 'integrations' | 'clock'>, companyId: string, subscriptionId: string, next: SubscriptionSummary | null): Promise<void> {
  await updateIntegration(services, companyId, (current, at) => {
    if (current.subscription?.id !== subscriptionId) return { next: null, result: undefined };
    return { next: { ...current, subscription: next, updatedAt: at }, result: undefined };
  });
}

/**
 * Deletes a subscription at Graph, for callers that only want it gone: already gone (404) is
 * fine, and so is a tenant that no longer lets us in (a subscription there is dead anyway).
 */
export async function deleteAtGraph(services: Pick<Services, 'subscriptions'>, tenantId: string, subscriptionId: string, log: Logger): Promise<void> {
  try {
    await services.subscriptions.delete(tenantId, subscriptionId);
  } catch (error) {
    if (isAppError(error, 'not_found')) return;
    if (isAppError(error, 'consent_revoked')) {
      log.info('subscription.delete_skipped', { subscriptionId, reason: 'consent_revoked' });
      return;
    }
    throw error;
  }
}

/** Deletes the tenant's subscription (here and at Graph) when no company is connected to the tenant any more. */
async function deleteIfUnused(services: UpkeepServices, record: Pick<SubscriptionRecord, 'subscriptionId' | 'tenantId'>, log: Logger): Promise<'kept' | 'removed'> {
  tenantCompanies(services.integrationLister).forget(record.tenantId);
  if ((await services.integrationLister.connectedToTenant(record.tenantId)).length > 0) return 'kept';
  // The record goes first (its notifications are ignored from then on), then the Graph subscription.
  await services.subscriptionStore.delete(record.subscriptionId);
  subscriptionLookup(services.subscriptionStore).forget(record.subscriptionId);
  await deleteAtGraph(services, record.tenantId, record.subscriptionId, log);
  log.info('subscription.removed', { tenantId: record.tenantId, subscriptionId: record.subscriptionId });
  return 'removed';
}

/**
 * Disconnect (after the integration left `connected`): the company stops showing the subscription;
 * the subscription itself is deleted only when it was the tenant's last company. A transient Graph
 * failure propagates with the record kept, so retrying the disconnect tries again.
 */
export async function releaseSubscription(services: UpkeepServices, companyId: string, log: Logger): Promise<'none' | 'kept' | 'removed'> {
  const integration = (await services.integrations.get(companyId))?.value;
  const summary = integration?.subscription ?? null;
  if (!integration || summary === null) return 'none';
  const record = (await services.subscriptionStore.get(summary.id)) ?? (integration.tenantId ? { subscriptionId: summary.id, tenantId: integration.tenantId } : null);
  const outcome = record ? await deleteIfUnused(services, record, log) : 'removed';
  await setSummary(services, companyId, summary.id, null);
  log.info('subscription.released', { companyId, subscriptionId: summary.id, outcome });
  return outcome;
}

function isoOr(value: string, fallback: string): string {
  const at = Date.parse(value);
  return Number.isNaN(at) ? fallback : new Date(at).toISOString();
}
