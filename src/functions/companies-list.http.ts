import { defineHttpFunction } from '../app/function-registry';
import { authenticate } from '../http/authorize';
import { pageQuerySchema, parseWith, queryObject } from '../http/request';
import { ok } from '../http/responses';
import { listCompanies } from '../use-cases/companies-overview';

const ListQuerySchema = pageQuerySchema(200);

/** The MSP overview: every company the token grants (an operator's `*`: all), with status and counts. */
export const companiesList = defineHttpFunction({
  name: 'companies-list',
  methods: ['GET'],
  route: 'companies',
  handler: async (request, _context, services) => {
    const principal = await authenticate(request, services.tokens);
    const q = parseWith(ListQuerySchema, queryObject(request), 'query');
    return ok(await listCompanies(services, principal, { limit: q.limit, cursor: q.cursor ?? null }));
  },
});
