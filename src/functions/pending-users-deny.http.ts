import { defineHttpFunction } from '../app/function-registry';
import { contextLogger } from '../app/logger';
import { authorizeCompany } from '../http/authorize';
import { readJsonBody } from '../http/request';
import { ok } from '../http/responses';
import { denyPendingUsers } from '../use-cases/pending-users';
import { IDS_BODY_MAX_BYTES, IdsBodySchema } from './pending-users.schemas';

/** Deny: the entry stays, as denied, and is never proposed as new again (shared mailboxes, rooms, …). */
export const pendingUsersDeny = defineHttpFunction({
  name: 'pending-users-deny',
  methods: ['POST'],
  route: 'companies/{companyId}/pending-users/deny',
  handler: async (request, context, services) => {
    const { companyId, principal } = await authorizeCompany(request, services.tokens);
    const { ids } = await readJsonBody(request, IdsBodySchema, { maxBytes: IDS_BODY_MAX_BYTES });
    const log = contextLogger(context);
    const result = await denyPendingUsers(services, companyId, ids, principal, log);
    log.info('pending.deny', { companyId, requested: ids.length, denied: result.denied.length, failed: result.failed.length });
    return ok(result);
  },
});
