import { defineHttpFunction } from '../app/function-registry';
import { contextLogger } from '../app/logger';
import { authorizeCompany } from '../http/authorize';
import { readJsonBody } from '../http/request';
import { ok } from '../http/responses';
import { restorePendingUsers } from '../use-cases/pending-users';
import { IDS_BODY_MAX_BYTES, IdsBodySchema } from './pending-users.schemas';

/** Restore: a denied entry goes back to pending. */
export const pendingUsersRestore = defineHttpFunction({
  name: 'pending-users-restore',
  methods: ['POST'],
  route: 'companies/{companyId}/pending-users/restore',
  handler: async (request, context, services) => {
    const { companyId, principal } = await authorizeCompany(request, services.tokens);
    const { ids } = await readJsonBody(request, IdsBodySchema, { maxBytes: IDS_BODY_MAX_BYTES });
    const log = contextLogger(context);
    const result = await restorePendingUsers(services, companyId, ids, principal, log);
    log.info('pending.restore', { companyId, requested: ids.length, restored: result.restored.length, failed: result.failed.length });
    return ok(result);
  },
});
