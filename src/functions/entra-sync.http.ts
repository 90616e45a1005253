import { z } from 'zod';
import { defineHttpFunction } from '../app/function-registry';
import { authorizeCompany } from '../http/authorize';
import { readJsonBody } from '../http/request';
import { accepted } from '../http/responses';
import { requestSync } from '../use-cases/request-sync';

const SyncNowBodySchema = z.object({ full: z.boolean().optional() }).strict().optional();

/** Sync Now: 202 with the run to follow; repeated clicks while a run waits join it. */
export const entraSync = defineHttpFunction({
  name: 'entra-sync',
  methods: ['POST'],
  route: 'companies/{companyId}/entra/sync',
  handler: async (request, _context, services) => {
    const { companyId } = await authorizeCompany(request, services.tokens);
    const body = await readJsonBody(request, SyncNowBodySchema, { optional: true, maxBytes: 1024 });
    const result = await requestSync(services, { companyId, full: body?.full ?? false, trigger: 'manual' });
    const location = `/api/companies/${encodeURIComponent(companyId)}/entra/sync-runs/${encodeURIComponent(result.runId)}`;
    return accepted(result, { location });
  },
});
