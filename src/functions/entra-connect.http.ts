import { z } from 'zod';
import { defineHttpFunction } from '../app/function-registry';
import { authorizeCompany } from '../http/authorize';
import { readJsonBody } from '../http/request';
import { ok } from '../http/responses';
import { startConsent } from '../use-cases/start-consent';

/** The call takes no options today; a body, if sent, must be an empty object. */
const ConnectBodySchema = z.object({}).strict().optional();

export const entraConnect = defineHttpFunction({
  name: 'entra-connect',
  methods: ['POST'],
  route: 'companies/{companyId}/entra/connect',
  handler: async (request, _context, services) => {
    const { principal, companyId } = await authorizeCompany(request, services.tokens);
    await readJsonBody(request, ConnectBodySchema, { optional: true, maxBytes: 1024 });
    return ok(await startConsent(services, { companyId, principal }));
  },
});
