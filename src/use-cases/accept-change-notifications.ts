import { Services } from '../app/services';
import { Logger } from '../app/logger';
import { GraphNotificationItem, IgnoredReason } from '../domain/graph-subscription';
import { updateIntegration } from './integration-updates';
import { ignoredFields, ignoredTotal, subscriptionLookup, TenantCompany, tenantCompanies, verifyNotifications } from './subscription-lookup';
import { enqueueCoalescedSync } from './webhook-sync-jobs';

/**
 * Graph's change notifications: nothing slow happens here (Graph wants a 2xx within 3 s). Each
 * item is verified (subscription known, clientState, tenant); each verified tenant fans out to
 * every company connected to it, as at most one coalesced delta job per company per window. The
 * delta query is the truth — a notification only says "look now" — so what changed is never read
 * from it.
 */

export interface NotificationsOutcome {
  received: number;
  verified: number;
  ignored: Record<IgnoredReason, number>;
  /** Store reads of subscription records this request caused (bounded). */
  storeReads: number;
  tenants: number;
  /** Companies a delta job was sent for (the queue drops repeats within a window as duplicates). */
  companies: number;
}

type NotificationServices = Pick<Services, 'subscriptionStore' | 'clock' | 'queue' | 'config' | 'integrations' | 'integrationLister'>;

export async function acceptChangeNotifications(services: NotificationServices, items: readonly GraphNotificationItem[], log: Logger): Promise<NotificationsOutcome> {
  const { verified, ignored, storeReads } = await verifyNotifications(services, items);
  const subscriptionsByTenant = new Map<string, Set<string>>();
  for (const { record } of verified) {
    const ids = subscriptionsByTenant.get(record.tenantId) ?? new Set<string>();
    ids.add(record.subscriptionId);
    subscriptionsByTenant.set(record.tenantId, ids);
  }
  const nowMs = services.clock.now().getTime();
  const fanOut = await Promise.all(
    [...subscriptionsByTenant].map(async ([tenantId, subscriptionIds]) => ({ subscriptionIds, companies: await tenantCompanies(services.integrationLister).get(tenantId, nowMs) })),
  );
  const companies = fanOut.flatMap((f) => f.companies);
  await Promise.all(companies.map((company) => enqueueCoalescedSync(services, company)));
  await touchSubscriptions(services, fanOut, log);

  const outcome: NotificationsOutcome = { received: items.length, verified: verified.length, ignored, storeReads, tenants: subscriptionsByTenant.size, companies: companies.length };
  const fields = { received: outcome.received, verified: outcome.verified, storeReads, tenants: outcome.tenants, companies: outcome.companies, ...ignoredFields(ignored) };
  if (ignoredTotal(ignored) > 0) log.warn('graph.notifications_ignored', fields);
  else log.info('graph.notifications', fields);
  return outcome;
}

/**
 * Records `lastNotificationAt` on each company's subscription summary at most about once a minute
 * per subscription and company, so a burst costs no integration writes beyond the first. Best
 * effort: a failure is logged and never turns into a non-2xx answer (the jobs are already queued).
 */
async function touchSubscriptions(services: NotificationServices, fanOut: ReadonlyArray<{ subscriptionIds: Set<string>; companies: TenantCompany[] }>, log: Logger): Promise<void> {
  const lookup = subscriptionLookup(services.subscriptionStore);
  const now = services.clock.now();
  const due: Array<{ companyId: string; subscriptionIds: Set<string> }> = [];
  for (const { subscriptionIds, companies } of fanOut) {
    for (const { companyId } of companies) {
      if ([...subscriptionIds].some((id) => lookup.shouldTouch(`${id}|${companyId}`, now.getTime()))) due.push({ companyId, subscriptionIds });
    }
  }
  await Promise.all(
    due.map(async ({ companyId, subscriptionIds }) => {
      try {
        await updateIntegration(services, companyId, (current, at) => {
          if (!current.subscription || !subscriptionIds.has(current.subscription.id)) return { next: null, result: undefined };
          return { next: { ...current, subscription: { ...current.subscription, lastNotificationAt: now.toISOString() }, updatedAt: at }, result: undefined };
        });
      } catch (error) {
        log.warn('graph.notification_touch_failed', { companyId, error: error instanceof Error ? error.message : 'unknown' });
      }
    }),
  );
}
