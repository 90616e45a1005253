import { defineHttpFunction } from '../app/function-registry';
import { authorizeCompany } from '../http/authorize';
import { readJsonBody } from '../http/request';
import { ok } from '../http/responses';
import { listPendingUsers } from '../use-cases/pending-users';
import { PendingSearchBodySchema } from './pending-users.schemas';

/** The review list queried with a JSON body: the GET's fields, without the search text in the URL. */
export const pendingUsersSearch = defineHttpFunction({
  name: 'pending-users-search',
  methods: ['POST'],
  route: 'companies/{companyId}/pending-users/search',
  handler: async (request, _context, services) => {
    const { companyId } = await authorizeCompany(request, services.tokens);
    const q = await readJsonBody(request, PendingSearchBodySchema, { maxBytes: 16 * 1024 });
    return ok(await listPendingUsers(services, companyId, { status: q.status, search: q.search ?? null, flag: q.flag ?? null, limit: q.limit, cursor: q.cursor ?? null }));
  },
});
