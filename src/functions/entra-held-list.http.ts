import { z } from 'zod';
import { defineHttpFunction } from '../app/function-registry';
import { authorizeCompany } from '../http/authorize';
import { parseWith, queryObject } from '../http/request';
import { ok } from '../http/responses';
import { listHeldDeactivations } from '../use-cases/held-deactivations';

const ListQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(500).default(50),
    cursor: z.string().min(1).max(12_000).optional(),
  })
  .strict();

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
