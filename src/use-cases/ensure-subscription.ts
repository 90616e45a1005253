import { Services } from '../app/services';
import { Logger } from '../app/logger';
import { AppError, isAppError } from '../domain/app-error';
import {
  needsRenewal,
  SUBSCRIPTION_CHANGE_TYPE,
  SUBSCRIPTION_RESOURCE,
  subscriptionExpiry,
  SubscriptionRecord,
  subscriptionUrls,
} from '../domain/graph-subscription';
import { Integration } from '../domain/integration';
import { SubscriptionInfo } from '../ports/subscription-client.port';
import { updateIntegration } from './integration-updates';
import { clientStateHash, subscriptionLookup } from './subscription-lookup';

/**
 * The Graph subscription of a company: created (or replaced, after a reconnect to another
 * tenant) by the sync worker after a successful run, renewed before it expires, removed on
 * disconnect. Creation runs only inside the company's `sync-jobs` session, so two creators never
 * race for the same tenant (Graph answers a duplicate with 409).
 */

export type SubscriptionServices = Pick<Services, 'integrations' | 'clock' | 'ids' | 'config' | 'subscriptions' | 'subscriptionStore'>;

export type EnsureOutcome = 'not_connected' | 'unchanged' | 'renewed' | 'created' | 'replaced' | 'stale';

/** Bytes of entropy in a clientState (base64url: 43 characters, under Graph's 128). */
const CLIENT_STATE_BYTES = 32;

export async function ensureSubscription(services: SubscriptionServices, companyId: string, log: Logger): Promise<EnsureOutcome> {
  const integration = (await services.integrations.get(companyId))?.value;
  if (!integration || integration.status !== 'connected' || !integration.tenantId || !integration.connectionId) return 'not_connected';
  const summary = integration.subscription;
  if (summary === null) return (await createSubscription(services, integration, log)) ? 'created' : 'stale';

  const record = await services.subscriptionStore.get(summary.id);
  if (record && record.tenantId === integration.tenantId && record.connectionId === integration.connectionId) {
    if (await stillExists(services, integration, record)) {
      if (!needsRenewal(record.expiresAt, services.clock.now().getTime())) return 'unchanged';
      try {
        await renewSubscription(services, record);
        return 'renewed';
      } catch (error) {
        if (!isAppError(error, 'not_found')) throw error;
      }
    }
  } else {
    // Made for an earlier tenant or connection (a reconnect), or its record is gone: remove it.
    await deleteAtGraph(services, record?.tenantId ?? integration.tenantId, summary.id, log);
  }
  await dropSubscription(services, companyId, summary.id);
  return (await createSubscription(services, integration, log)) ? 'replaced' : 'stale';
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
 * After a reconnect to the same tenant (e.g. once consent was revoked and granted again) the
 * subscription may have died with the old consent: ask Graph once.
 */
async function stillExists(services: SubscriptionServices, integration: Integration, record: SubscriptionRecord): Promise<boolean> {
  if (!integration.connectedAt || integration.connectedAt <= record.createdAt) return true;
  return (await services.subscriptions.get(record.tenantId, record.subscriptionId)) !== null;
}

async function createSubscription(services: SubscriptionServices, integration: Integration, log: Logger): Promise<boolean> {
  const { companyId } = integration;
  const tenantId = integration.tenantId ?? '';
  const connectionId = integration.connectionId ?? '';
  const now = services.clock.now();
  const clientState = services.ids.token(CLIENT_STATE_BYTES);
  const urls = subscriptionUrls(services.config.notificationUrlBase);
  const request = { resource: SUBSCRIPTION_RESOURCE, changeType: SUBSCRIPTION_CHANGE_TYPE, ...urls, clientState, expirationDateTime: subscriptionExpiry(now.getTime()) };
  let info: SubscriptionInfo;
  try {
    info = await services.subscriptions.create(tenantId, request);
  } catch (error) {
    if (!isAppError(error, 'conflict')) throw error;
    // A subscription with our URL already exists in the tenant: a leftover (made before a crash
    // lost its record, or before a disconnect that could not reach Graph). Remove it, try once more.
    await clearLeftovers(services, integration, urls.notificationUrl, log);
    info = await services.subscriptions.create(tenantId, request);
  }
  const nowIso = now.toISOString();
  const record: SubscriptionRecord = {
    subscriptionId: info.id,
    companyId,
    tenantId,
    connectionId,
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
  subscriptionLookup(services.subscriptionStore).forget(info.id);
  const { result: attached } = await updateIntegration(services, companyId, (current, at) => {
    if (current.status !== 'connected' || current.connectionId !== connectionId || current.tenantId !== tenantId) return { next: null, result: false };
    return { next: { ...current, subscription: { id: info.id, expiresAt: record.expiresAt, lastNotificationAt: null }, updatedAt: at }, result: true };
  });
  if (!attached) {
    // Disconnected (or reconnected elsewhere) while we were creating it.
    await deleteAtGraph(services, tenantId, info.id, log);
    await services.subscriptionStore.delete(info.id);
    log.info('subscription.discarded', { companyId, subscriptionId: info.id });
    return false;
  }
  log.info('subscription.created', { companyId, subscriptionId: info.id, expiresAt: record.expiresAt });
  return true;
}

async function clearLeftovers(services: SubscriptionServices, integration: Integration, notificationUrl: string, log: Logger): Promise<void> {
  const tenantId = integration.tenantId ?? '';
  for (const existing of await services.subscriptions.list(tenantId)) {
    if (existing.notificationUrl !== notificationUrl || existing.resource.replace(/^\/+/, '').toLowerCase() !== 'users') continue;
    const owner = await services.subscriptionStore.get(existing.id);
    if (owner && owner.companyId !== integration.companyId && (await ownsLiveSubscription(services, owner))) {
      // Two Symbol companies connected to one tenant: Graph allows one such subscription; the
      // other company keeps syncing through reconciliation and Sync Now.
      log.warn('subscription.tenant_shared', { companyId: integration.companyId, otherCompanyId: owner.companyId, subscriptionId: existing.id });
      throw new AppError('conflict', 'The tenant already has a subscription for another company.');
    }
    await deleteAtGraph(services, tenantId, existing.id, log);
    if (owner) await dropSubscription(services, owner.companyId, existing.id);
    log.info('subscription.leftover_removed', { companyId: integration.companyId, subscriptionId: existing.id });
  }
}

async function ownsLiveSubscription(services: SubscriptionServices, owner: SubscriptionRecord): Promise<boolean> {
  const other = (await services.integrations.get(owner.companyId))?.value;
  return other?.status === 'connected' && other.tenantId === owner.tenantId && other.subscription?.id === owner.subscriptionId;
}

/** PATCHes a new expiration and records it. `not_found` (and other errors) propagate. */
export async function renewSubscription(services: Pick<Services, 'integrations' | 'clock' | 'subscriptions' | 'subscriptionStore'>, record: SubscriptionRecord): Promise<SubscriptionRecord> {
  const now = services.clock.now();
  const requested = subscriptionExpiry(now.getTime());
  const info = await services.subscriptions.renew(record.tenantId, record.subscriptionId, requested);
  const renewed: SubscriptionRecord = { ...record, expiresAt: isoOr(info.expirationDateTime, requested), updatedAt: now.toISOString() };
  await services.subscriptionStore.put(renewed);
  await updateIntegration(services, record.companyId, (current, at) => {
    if (current.subscription?.id !== record.subscriptionId || current.subscription.expiresAt === renewed.expiresAt) return { next: null, result: undefined };
    return { next: { ...current, subscription: { ...current.subscription, expiresAt: renewed.expiresAt }, updatedAt: at }, result: undefined };
  });
  return renewed;
}

/** Forgets a subscription here (record, cache, the integration's summary if it is that one); Graph is not asked. */
export async function dropSubscription(services: Pick<Services, 'integrations' | 'clock' | 'subscriptionStore'>, companyId: string, subscriptionId: string): Promise<void> {
  await services.subscriptionStore.delete(subscriptionId);
  subscriptionLookup(services.subscriptionStore).forget(subscriptionId);
  await updateIntegration(services, companyId, (current, at) => {
    if (current.subscription?.id !== subscriptionId) return { next: null, result: undefined };
    return { next: { ...current, subscription: null, updatedAt: at }, result: undefined };
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

/**
 * Disconnect: the record goes first (its notifications are ignored from then on), then the Graph
 * subscription; a transient Graph failure propagates with the summary kept, so retrying the
 * disconnect tries again.
 */
export async function removeSubscription(services: Pick<Services, 'integrations' | 'clock' | 'subscriptions' | 'subscriptionStore'>, companyId: string, log: Logger): Promise<'none' | 'removed'> {
  const integration = (await services.integrations.get(companyId))?.value;
  const summary = integration?.subscription ?? null;
  if (!integration || summary === null) return 'none';
  const record = await services.subscriptionStore.get(summary.id);
  await services.subscriptionStore.delete(summary.id);
  subscriptionLookup(services.subscriptionStore).forget(summary.id);
  const tenantId = record?.tenantId ?? integration.tenantId;
  if (tenantId) await deleteAtGraph(services, tenantId, summary.id, log);
  await dropSubscription(services, companyId, summary.id);
  log.info('subscription.removed', { companyId, subscriptionId: summary.id });
  return 'removed';
}

function isoOr(value: string, fallback: string): string {
  const at = Date.parse(value);
  return Number.isNaN(at) ? fallback : new Date(at).toISOString();
}
