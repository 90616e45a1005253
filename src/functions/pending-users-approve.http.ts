import { defineHttpFunction } from '../app/function-registry';
import { contextLogger } from '../app/logger';
import { authorizeCompany } from '../http/authorize';
import { readJsonBody } from '../http/request';
import { ok } from '../http/responses';
import { approvePendingUsers } from '../use-cases/pending-users';
import { IDS_BODY_MAX_BYTES, IdsBodySchema } from './pending-users.schemas';

/** Approve: add to the Symbol user list, merging with an existing user by e-mail. Partial success is reported per id. */
export const pendingUsersApprove = defineHttpFunction({
  name: 'pending-users-approve',
  methods: ['POST'],
  route: 'companies/{companyId}/pending-users/approve',
  handler: async (request, context, services) => {
    const { companyId, principal } = await authorizeCompany(request, services.tokens);
    const { ids } = await readJsonBody(request, IdsBodySchema, { maxBytes: IDS_BODY_MAX_BYTES });
    const log = contextLogger(context);
    const result = await approvePendingUsers(services, companyId, ids, principal, log);
    log.info('pending.approve', { companyId, requested: ids.length, approved: result.approved.length, failed: result.failed.length });
    return ok(result);
  },
});
