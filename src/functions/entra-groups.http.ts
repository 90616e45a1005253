import { z } from 'zod';
import { defineHttpFunction } from '../app/function-registry';
import { authorizeCompany } from '../http/authorize';
import { parseWith, queryObject } from '../http/request';
import { ok } from '../http/responses';
import { searchScopeGroups } from '../use-cases/scope-groups-search';

const GroupsQuerySchema = z.object({ search: z.string().trim().max(128).default('') }).strict();

/** Groups of the company's tenant whose name starts with `search`: what an admin scopes the sync by. */
export const entraGroups = defineHttpFunction({
  name: 'entra-groups',
  methods: ['GET'],
  route: 'companies/{companyId}/entra/groups',
  handler: async (request, _context, services) => {
    const { companyId } = await authorizeCompany(request, services.tokens);
    const { search } = parseWith(GroupsQuerySchema, queryObject(request), 'query');
    return ok(await searchScopeGroups(services, companyId, search));
  },
});
