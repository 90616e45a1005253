import { Services } from '../app/services';
import { Logger } from '../app/logger';
import { disconnect } from '../domain/integration';
import { updateIntegration } from './integration-updates';
import { releaseSubscription } from './ensure-subscription';

/**
 * Disconnects a company: syncing stops (queued jobs of this connection become stale), the tenant's
 * Graph subscription is deleted when no other company is connected to the tenant (already gone is
 * fine), Symbol users and pending entries stay.
 * Idempotent: disconnecting twice, or a company never connected, is a no-op — except that a
 * subscription a first attempt could not delete (Graph unreachable: a 503) is tried again.
 */
export async function disconnectIntegration(services: Pick<Services, 'integrations' | 'integrationLister' | 'clock' | 'subscriptions' | 'subscriptionStore'>, companyId: string, log: Logger): Promise<void> {
  const { result } = await updateIntegration(services, companyId, (current, nowIso) => {
    const next = disconnect(current, nowIso);
    return next === current ? { next: null, result: false } : { next, result: true };
  });
  log.info('integration.disconnect', { companyId, changed: result });
  await releaseSubscription(services, companyId, log);
}
