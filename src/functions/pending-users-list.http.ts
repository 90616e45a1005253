import { defineHttpFunction } from '../app/function-registry';
import { authorizeCompany } from '../http/authorize';
import { parseWith, queryObject } from '../http/request';
import { ok } from '../http/responses';
import { listPendingUsers } from '../use-cases/pending-users';
import { PendingListQuerySchema } from './pending-users.schemas';

export const pendingUsersList = defineHttpFunction({
  name: 'pending-users-list',
  methods: ['GET'],
  route: 'companies/{companyId}/pending-users',
  handler: async (request, _context, services) => {
    const { companyId } = await authorizeCompany(request, services.tokens);
    const q = parseWith(PendingListQuerySchema, queryObject(request), 'query');
    return ok(await listPendingUsers(services, companyId, { status: q.status, search: q.search ?? null, flag: q.flag ?? null, limit: q.limit, cursor: q.cursor ?? null }));
  },
});
