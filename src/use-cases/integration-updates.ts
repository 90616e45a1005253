import { Services } from '../app/services';
import { isAppError } from '../domain/app-error';
import { Integration, newIntegration } from '../domain/integration';
import { Versioned } from '../ports/integration-store.port';

const MAX_ATTEMPTS = 5;

/** Reads a company's integration, or the never-connected default (not stored). */
export async function loadIntegration(services: Pick<Services, 'integrations' | 'clock'>, companyId: string): Promise<{ integration: Integration; etag: string | null }> {
  const stored = await services.integrations.get(companyId);
  if (stored) return { integration: stored.value, etag: stored.etag };
  return { integration: newIntegration(companyId, services.clock.now().toISOString()), etag: null };
}

/**
 * Read-modify-write with optimistic concurrency: `change` is applied to the latest version and
 * retried when someone else wrote in between. `change` returns null for "nothing to write".
 */
export async function updateIntegration<R>(
  services: Pick<Services, 'integrations' | 'clock'>,
  companyId: string,
  change: (current: Integration, nowIso: string) => { next: Integration | null; result: R },
): Promise<{ integration: Integration; result: R }> {
  for (let attempt = 1; ; attempt++) {
    const { integration, etag } = await loadIntegration(services, companyId);
    const { next, result } = change(integration, services.clock.now().toISOString());
    if (!next) return { integration, result };
    try {
      const saved: Versioned<Integration> = await services.integrations.save(next, etag);
      return { integration: saved.value, result };
    } catch (error) {
      const lostRace = isAppError(error, 'precondition_failed') || isAppError(error, 'conflict');
      if (!lostRace || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}
