import { Services } from '../app/services';
import { Logger } from '../app/logger';
import { auditEntry, integrationTarget, userActor } from '../domain/audit';
import { disconnect } from '../domain/integration';
import { Principal } from '../ports/token-verifier.port';
import { recordAudit } from './audit-trail';
import { updateIntegration } from './integration-updates';
import { releaseSubscription } from './ensure-subscription';

/**
 * Disconnects a company: syncing stops (queued jobs of this connection become stale), the tenant's
 * Graph subscription is deleted when no other company is connected to the tenant (already gone is
 * fine), Symbol users and pending entries stay.
 * Idempotent: disconnecting twice, or a company never connected, is a no-op — except that a
 * subscription a first attempt could not delete (Graph unreachable: a 503) is tried again.
 */
export async function disconnectIntegration(services: Pick<Services, 'integrations' | 'integrationLister' | 'clock' | 'subscriptions' | 'subscriptionStore' | 'audit'>, companyId: string, principal: Principal, log: Logger): Promise<void> {
  const { result } = await updateIntegration<{ at: string; tenantId: string | null } | null>(services, companyId, (current, nowIso) => {
    const next = disconnect(current, nowIso);
    return next === current ? { next: null, result: null } : { next, result: { at: nowIso, tenantId: current.tenantId } };
  });
  log.info('integration.disconnect', { companyId, changed: result !== null });
  if (result) await recordAudit(services, [auditEntry({ companyId, at: result.at, actor: userActor(principal), action: 'disconnect', target: integrationTarget(companyId), details: { tenantId: result.tenantId } })], log);
  await releaseSubscription(services, companyId, log);
}
