import { Services } from '../app/services';
import { Logger } from '../app/logger';
import { isAppError } from '../domain/app-error';
import { GraphNotificationItem, IgnoredReason, lifecycleEventOf, SubscriptionRecord } from '../domain/graph-subscription';
import { markConsentRevoked } from './consent-revocation';
import { forgetSubscription } from './ensure-subscription';
import { ignoredFields, ignoredTotal, TenantCompany, tenantCompanies, verifyNotifications } from './subscription-lookup';
import { enqueueCoalescedSync } from './webhook-sync-jobs';

/**
 * Graph's lifecycle notifications, verified like change notifications:
 * - `reauthorizationRequired` → `POST /subscriptions/{id}/reauthorize`; when the tenant no longer
 *   lets the app in (consent revoked: Graph sends this event then too) the integration is marked
 *   `consent_revoked` (every company connected to the tenant) and their admins get one e-mail each;
 *   when the subscription is gone, as below;
 * - `subscriptionRemoved` → the subscription is forgotten and a delta sync queued; that sync's
 *   successful end creates a new subscription (creation stays in the company's session);
 * - `missed` → notifications were lost, the subscription itself is fine: a delta sync catches up.
 * Transient Graph failures propagate (a 503), so Graph delivers the event again.
 */

export type LifecycleOutcome = 'reauthorized' | 'consent_revoked' | 'resubscribing' | 'synced' | 'unknown_event';

export interface LifecycleSummary {
  received: number;
  ignored: Record<IgnoredReason, number>;
  outcomes: Record<LifecycleOutcome, number>;
}

type LifecycleServices = Pick<Services, 'subscriptionStore' | 'subscriptions' | 'clock' | 'queue' | 'config' | 'integrations' | 'integrationLister'>;

export async function handleLifecycleNotifications(services: LifecycleServices, items: readonly GraphNotificationItem[], log: Logger): Promise<LifecycleSummary> {
  const { verified, ignored } = await verifyNotifications(services, items);
  const outcomes: Record<LifecycleOutcome, number> = { reauthorized: 0, consent_revoked: 0, resubscribing: 0, synced: 0, unknown_event: 0 };
  const seen = new Set<string>();
  for (const { item, record } of verified) {
    const key = `${record.subscriptionId}|${item.lifecycleEvent ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const companies = await tenantCompanies(services.integrationLister).get(record.tenantId, services.clock.now().getTime());
    const outcome = await handleOne(services, record, companies, item.lifecycleEvent, log);
    outcomes[outcome]++;
    log.info('graph.lifecycle', { tenantId: record.tenantId, subscriptionId: record.subscriptionId, companies: companies.length, lifecycleEvent: lifecycleEventOf(item.lifecycleEvent) ?? 'unknown', outcome });
  }
  if (ignoredTotal(ignored) > 0) log.warn('graph.lifecycle_ignored', { received: items.length, ...ignoredFields(ignored) });
  return { received: items.length, ignored, outcomes };
}

async function handleOne(services: LifecycleServices, record: SubscriptionRecord, companies: readonly TenantCompany[], event: string | undefined, log: Logger): Promise<LifecycleOutcome> {
  switch (lifecycleEventOf(event)) {
    case 'reauthorizationRequired':
      try {
        await services.subscriptions.reauthorize(record.tenantId, record.subscriptionId);
        return 'reauthorized';
      } catch (error) {
        if (isAppError(error, 'consent_revoked')) {
          for (const company of companies) await markConsentRevoked(services, company, log, 'lifecycle');
          return 'consent_revoked';
        }
        if (!isAppError(error, 'not_found')) throw error;
        return resubscribe(services, record, companies);
      }
    case 'subscriptionRemoved':
      return resubscribe(services, record, companies);
    case 'missed':
      await Promise.all(companies.map((company) => enqueueCoalescedSync(services, company)));
      return 'synced';
    case null:
      return 'unknown_event';
  }
}

/** Forget the subscription; each company's next delta sync ends by subscribing the tenant again. */
async function resubscribe(services: LifecycleServices, record: SubscriptionRecord, companies: readonly TenantCompany[]): Promise<LifecycleOutcome> {
  await forgetSubscription(services, record);
  await Promise.all(companies.map((company) => enqueueCoalescedSync(services, company)));
  return 'resubscribing';
}
