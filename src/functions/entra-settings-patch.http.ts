import { defineHttpFunction } from '../app/function-registry';
import { contextLogger } from '../app/logger';
import { SettingsPatchSchema } from '../domain/integration-settings';
import { authorizeCompany } from '../http/authorize';
import { readJsonBody } from '../http/request';
import { ok } from '../http/responses';
import { updateSettings } from '../use-cases/integration-status';

export const entraSettingsPatch = defineHttpFunction({
  name: 'entra-settings-patch',
  methods: ['PATCH'],
  route: 'companies/{companyId}/entra/settings',
  handler: async (request, context, services) => {
    const { companyId, principal } = await authorizeCompany(request, services.tokens);
    const patch = await readJsonBody(request, SettingsPatchSchema, { maxBytes: 32 * 1024 });
    return ok(await updateSettings(services, companyId, patch, principal, contextLogger(context)));
  },
});
