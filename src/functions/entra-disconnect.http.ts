import { defineHttpFunction } from '../app/function-registry';
import { contextLogger } from '../app/logger';
import { authorizeCompany } from '../http/authorize';
import { noContent } from '../http/responses';
import { disconnectIntegration } from '../use-cases/disconnect-integration';

export const entraDisconnect = defineHttpFunction({
  name: 'entra-disconnect',
  methods: ['DELETE'],
  route: 'companies/{companyId}/entra',
  handler: async (request, context, services) => {
    const { companyId, principal } = await authorizeCompany(request, services.tokens);
    await disconnectIntegration(services, companyId, principal, contextLogger(context));
    return noContent();
  },
});
