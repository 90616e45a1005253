import { Services } from '../app/services';
import { Logger } from '../app/logger';
import { GraphNotificationItem, IgnoredReason, SubscriptionRecord } from '../domain/graph-subscription';
import { updateIntegration } from './integration-updates';
import { subscriptionLookup, verifyNotifications } from './subscription-lookup';
import { enqueueCoalescedSync } from './webhook-sync-jobs';

/**
 * Graph's change notifications: nothing slow happens here (Graph wants a 2xx within 3 s). Each
 * item is verified (subscription known, clientState, tenant); verified items become at most one
 * coalesced delta job per company per window. The delta query is the truth — a notification only
 * says "look now" — so what changed is never read from it.
 */

export interface NotificationsOutcome {
  received: number;
  verified: number;
  ignored: Record<IgnoredReason, number>;
  /** Companies a delta job was sent for (the queue drops repeats within a window as duplicates). */
  companies: number;
}

export async function acceptChangeNotifications(
  services: Pick<Services, 'subscriptionStore' | 'clock' | 'queue' | 'config' | 'integrations'>,
  items: readonly GraphNotificationItem[],
  log: Logger,
): Promise<NotificationsOutcome> {
  const { verified, ignored } = await verifyNotifications(services, items);
  // The newest subscription of a company wins (briefly two exist while one replaces the other).
  const byCompany = new Map<string, SubscriptionRecord>();
  for (const { record } of verified) {
    const current = byCompany.get(record.companyId);
    if (!current || current.createdAt < record.createdAt) byCompany.set(record.companyId, record);
  }
  await Promise.all([...byCompany.values()].map((record) => enqueueCoalescedSync(services, record)));
  await touchSubscriptions(services, verified.map((v) => v.record), log);

  const outcome: NotificationsOutcome = { received: items.length, verified: verified.length, ignored, companies: byCompany.size };
  const ignoredCount = ignored.unknown_subscription + ignored.bad_client_state + ignored.tenant_mismatch;
  const fields = { received: outcome.received, verified: outcome.verified, companies: outcome.companies, unknownSubscription: ignored.unknown_subscription, badClientState: ignored.bad_client_state, tenantMismatch: ignored.tenant_mismatch };
  if (ignoredCount > 0) log.warn('graph.notifications_ignored', fields);
  else log.info('graph.notifications', fields);
  return outcome;
}

/**
 * Records `lastNotificationAt` on the integration's summary at most about once a minute per
 * subscription, so a burst costs no integration writes beyond the first. Best effort: a failure
 * is logged and never turns into a non-2xx answer (the job is already queued).
 */
async function touchSubscriptions(services: Pick<Services, 'subscriptionStore' | 'clock' | 'integrations'>, records: readonly SubscriptionRecord[], log: Logger): Promise<void> {
  const lookup = subscriptionLookup(services.subscriptionStore);
  const now = services.clock.now();
  const due = new Map<string, SubscriptionRecord>();
  for (const record of records) if (!due.has(record.subscriptionId) && lookup.shouldTouch(record.subscriptionId, now.getTime())) due.set(record.subscriptionId, record);
  await Promise.all(
    [...due.values()].map(async (record) => {
      try {
        await updateIntegration(services, record.companyId, (current, at) => {
          if (current.subscription?.id !== record.subscriptionId) return { next: null, result: undefined };
          return { next: { ...current, subscription: { ...current.subscription, lastNotificationAt: now.toISOString() }, updatedAt: at }, result: undefined };
        });
      } catch (error) {
        log.warn('graph.notification_touch_failed', { companyId: record.companyId, error: error instanceof Error ? error.message : 'unknown' });
      }
    }),
  );
}
