import { z } from 'zod';
import { defineHttpFunction } from '../app/function-registry';
import { authorizeCompany } from '../http/authorize';
import { readJsonBody } from '../http/request';
import { accepted } from '../http/responses';
import { requestSync } from '../use-cases/request-sync';

const ReleaseBodySchema = z.object({}).strict().optional();

/**
 * The admin's answer to the deletion guard: apply the deactivations it held. Runs as a sync on
 * the company's session (never beside another run) that applies every pending deactivation.
 */
export const entraHeldRelease = defineHttpFunction({
  name: 'entra-held-release',
  methods: ['POST'],
  route: 'companies/{companyId}/entra/held-deactivations/release',
  handler: async (request, _context, services) => {
    const { companyId } = await authorizeCompany(request, services.tokens);
    await readJsonBody(request, ReleaseBodySchema, { optional: true, maxBytes: 1024 });
    const result = await requestSync(services, { companyId, full: false, trigger: 'manual', releaseHeld: true });
    return accepted(result, { location: `/api/companies/${encodeURIComponent(companyId)}/entra/sync-runs/${encodeURIComponent(result.runId)}` });
  },
});
