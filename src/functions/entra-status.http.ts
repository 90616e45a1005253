import { defineHttpFunction } from '../app/function-registry';
import { authorizeCompany } from '../http/authorize';
import { ok } from '../http/responses';
import { getIntegrationStatus } from '../use-cases/integration-status';

export const entraStatus = defineHttpFunction({
  name: 'entra-status',
  methods: ['GET'],
  route: 'companies/{companyId}/entra',
  handler: async (request, _context, services) => {
    const { companyId } = await authorizeCompany(request, services.tokens);
    return ok(await getIntegrationStatus(services, companyId));
  },
});
