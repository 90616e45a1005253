import { z } from 'zod';
import { defineHttpFunction } from '../app/function-registry';
import { contextLogger } from '../app/logger';
import { authorizeCompany } from '../http/authorize';
import { readJsonBody } from '../http/request';
import { accepted } from '../http/responses';
import { releaseHeldDeactivations } from '../use-cases/held-deactivations';

const ReleaseBodySchema = z.object({}).strict().optional();

/**
 * The admin's answer to the deletion guard: apply the deactivations it held (a sync run on the
 * company's session; recorded in the audit trail).
 */
export const entraHeldRelease = defineHttpFunction({
  name: 'entra-held-release',
  methods: ['POST'],
  route: 'companies/{companyId}/entra/held-deactivations/release',
  handler: async (request, context, services) => {
    const { companyId, principal } = await authorizeCompany(request, services.tokens);
    await readJsonBody(request, ReleaseBodySchema, { optional: true, maxBytes: 1024 });
    const result = await releaseHeldDeactivations(services, companyId, principal, contextLogger(context));
    return accepted(result, { location: `/api/companies/${encodeURIComponent(companyId)}/entra/sync-runs/${encodeURIComponent(result.runId)}` });
  },
});
