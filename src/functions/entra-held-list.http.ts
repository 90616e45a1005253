import { defineHttpFunction } from '../app/function-registry';
import { authorizeCompany } from '../http/authorize';
import { pageQuerySchema, parseWith, queryObject } from '../http/request';
import { ok } from '../http/responses';
import { listHeldDeactivations } from '../use-cases/held-deactivations';

const ListQuerySchema = pageQuerySchema();

/** Who the deletion guard holds, and why; `POST …/held-deactivations/release` applies them. */
export const entraHeldList = defineHttpFunction({
  name: 'entra-held-list',
  methods: ['GET'],
  route: 'companies/{companyId}/entra/held-deactivations',
  handler: async (request, _context, services) => {
    const { companyId } = await authorizeCompany(request, services.tokens);
    const q = parseWith(ListQuerySchema, queryObject(request), 'query');
    return ok(await listHeldDeactivations(services, companyId, { limit: q.limit, cursor: q.cursor ?? null }));
  },
});
