import { z } from 'zod';
import { defineHttpFunction } from '../app/function-registry';
import { GuidSchema } from '../domain/company-id';
import { MAX_SCOPE_GROUPS } from '../domain/directory/scope';
import { authorizeCompany } from '../http/authorize';
import { parseWith, queryObject } from '../http/request';
import { ok } from '../http/responses';
import { scopeGroupsByIds, searchScopeGroups } from '../use-cases/scope-groups-search';

const GroupsQuerySchema = z
  .object({
    search: z.string().trim().max(128).optional(),
    /** Comma-separated group ids: the groups a scope names, with their names. */
    ids: z
      .string()
      .max(2_000)
      .transform((value) => value.split(',').map((id) => id.trim()))
      .pipe(z.array(GuidSchema).min(1).max(MAX_SCOPE_GROUPS))
      .optional(),
  })
  .strict()
  .refine((query) => query.search === undefined || query.ids === undefined, {
    error: 'give either search or ids',
    path: ['ids'],
  });

/**
 * Groups of the company's tenant whose name starts with `search` (what an admin scopes the sync
 * by), or the groups with the given `ids` (a scope's groups by name, before a sync has read them).
 */
export const entraGroups = defineHttpFunction({
  name: 'entra-groups',
  methods: ['GET'],
  route: 'companies/{companyId}/entra/groups',
  handler: async (request, _context, services) => {
    const { companyId } = await authorizeCompany(request, services.tokens);
    const query = parseWith(GroupsQuerySchema, queryObject(request), 'query');
    if (query.ids !== undefined) return ok(await scopeGroupsByIds(services, companyId, query.ids));
    return ok(await searchScopeGroups(services, companyId, query.search ?? ''));
  },
});
