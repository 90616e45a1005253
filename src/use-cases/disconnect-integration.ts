import { Services } from '../app/services';
import { Logger } from '../app/logger';
import { disconnect } from '../domain/integration';
import { updateIntegration } from './integration-updates';

/**
 * Disconnects a company: syncing stops (queued jobs of this connection become stale), Symbol
 * users and pending entries stay. Idempotent: disconnecting twice, or a company never connected,
 * is a no-op.
 */
export async function disconnectIntegration(services: Pick<Services, 'integrations' | 'clock'>, companyId: string, log: Logger): Promise<void> {
  const { result } = await updateIntegration(services, companyId, (current, nowIso) => {
    const next = disconnect(current, nowIso);
    return next === current ? { next: null, result: false } : { next, result: true };
  });
  log.info('integration.disconnect', { companyId, changed: result });
}
