import { Services } from '../app/services';
import { Logger } from '../app/logger';
import { AppError, isAppError } from '../domain/app-error';
import { needsRenewal, SubscriptionRecord } from '../domain/graph-subscription';
import { Integration } from '../domain/integration';
import { syncUnderway } from '../domain/reconciliation';
import { mapWithConcurrency } from '../shared/bounded-concurrency';
import { markConsentRevoked } from './consent-revocation';
import { forgetSubscription, renewSubscription } from './ensure-subscription';
import { enqueueResubscribeSync } from './webhook-sync-jobs';

/**
 * The renewal timer: every connected tenant's subscription that expires within 48 hours gets a new
 * expiration (PATCH, once per tenant however many companies share it); one that Graph no longer
 * has (404), or a company without one, gets a delta sync whose successful end subscribes again. Companies are handled a few at a
 * time, and one company's failure never stops the others.
 */

export interface RenewalSummary {
  scanned: number;
  /** Subscriptions with plenty of time left. */
  fresh: number;
  renewed: number;
  /** Gone at Graph (or unusable here): a resubscribing sync was queued. */
  recreated: number;
  /** No subscription yet: a resubscribing sync was queued. */
  resubscribe: number;
  /** No subscription, but a sync is already on its way (its end creates one). */
  pending: number;
  consentRevoked: number;
  failed: number;
  /** Integration documents that failed validation (skipped). */
  invalid: number;
}

type RenewalOutcome = 'fresh' | 'renewed' | 'recreated' | 'resubscribe' | 'pending' | 'consentRevoked';

type RenewalServices = Pick<Services, 'integrationLister' | 'integrations' | 'clock' | 'queue' | 'subscriptions' | 'subscriptionStore'>;

export async function renewSubscriptions(services: RenewalServices, log: Logger, options: { concurrency?: number; pageSize?: number } = {}): Promise<RenewalSummary> {
  const summary: RenewalSummary = { scanned: 0, fresh: 0, renewed: 0, recreated: 0, resubscribe: 0, pending: 0, consentRevoked: 0, failed: 0, invalid: 0 };
  const onInvalid = () => {
    summary.invalid++;
  };
  // Subscriptions are per tenant: companies sharing a tenant share one renewal (one PATCH per run).
  const renewals = new Map<string, Promise<RenewalOutcome>>();
  for await (const page of services.integrationLister.connected(options.pageSize ?? 100, onInvalid)) {
    await mapWithConcurrency(page, options.concurrency ?? 4, async (integration) => {
      summary.scanned++;
      try {
        summary[await renewOne(services, integration, renewals, log)]++;
      } catch (error) {
        summary.failed++;
        log.error('subscriptions.renew_failed', { companyId: integration.companyId, code: isAppError(error) ? error.code : 'internal_error' });
      }
    });
  }
  log.info('subscriptions.renewal_done', { ...summary });
  return summary;
}

async function renewOne(services: RenewalServices, integration: Integration, renewals: Map<string, Promise<RenewalOutcome>>, log: Logger): Promise<RenewalOutcome> {
  const nowMs = services.clock.now().getTime();
  if (!integration.tenantId || !integration.connectionId) throw new AppError('internal_error', 'A connected integration without a tenant or connection id.');
  const target = { companyId: integration.companyId, connectionId: integration.connectionId };
  const summary = integration.subscription;
  if (summary === null) {
    if (syncUnderway(integration.lastSync, nowMs)) return 'pending';
    await enqueueResubscribeSync(services, target);
    return 'resubscribe';
  }
  if (!needsRenewal(summary.expiresAt, nowMs)) return 'fresh';
  const record = await services.subscriptionStore.get(summary.id);
  if (record?.tenantId !== integration.tenantId) {
    // Not one we can renew (its record is gone, or it belongs to an earlier tenant): the sync's
    // end releases it and subscribes the tenant.
    await enqueueResubscribeSync(services, target);
    return 'recreated';
  }
  let renewal = renewals.get(record.subscriptionId);
  if (renewal === undefined) {
    renewal = renewTenantSubscription(services, record);
    renewals.set(record.subscriptionId, renewal);
  }
  const outcome = await renewal;
  if (outcome === 'recreated') await enqueueResubscribeSync(services, target);
  if (outcome === 'consentRevoked') await markConsentRevoked(services, target, log, 'renewal');
  return outcome;
}

async function renewTenantSubscription(services: RenewalServices, record: SubscriptionRecord): Promise<RenewalOutcome> {
  try {
    await renewSubscription(services, record);
    return 'renewed';
  } catch (error) {
    if (isAppError(error, 'not_found')) {
      await forgetSubscription(services, record);
      return 'recreated';
    }
    if (isAppError(error, 'consent_revoked')) return 'consentRevoked';
    throw error;
  }
}
