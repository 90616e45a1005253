import { z } from 'zod';
import { defineHttpFunction } from '../app/function-registry';
import { AppError } from '../domain/app-error';
import { AuditActionSchema } from '../domain/audit';
import { authorizeCompany } from '../http/authorize';
import { parseWith, queryObject } from '../http/request';
import { ok } from '../http/responses';
import { listAuditTrail } from '../use-cases/audit-trail';

/** An instant with an offset, answered as `toISOString()` (the form entry ids start with). */
const Instant = z.iso.datetime({ offset: true }).transform((value) => new Date(value).toISOString());

export const AuditQuerySchema = z
  .object({
    /** One action or several, comma-separated: `approve,auto_approve`. */
    action: z
      .string()
      .max(256)
      .transform((value) => [...new Set(value.split(',').map((a) => a.trim()))])
      .pipe(z.array(AuditActionSchema).min(1))
      .optional(),
    /** `sync`, or a Symbol user's subject or e-mail address. */
    actor: z.string().trim().min(1).max(256).optional(),
    /** A target id: an Entra object id, a Symbol user id or the company id. */
    target: z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, 'must be an id').optional(),
    from: Instant.optional(),
    to: Instant.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    cursor: z.string().min(1).max(1024).optional(),
  })
  .strict();

/** The company's audit trail, newest first, filtered and paged. */
export const auditList = defineHttpFunction({
  name: 'audit-list',
  methods: ['GET'],
  route: 'companies/{companyId}/audit',
  handler: async (request, _context, services) => {
    const { companyId } = await authorizeCompany(request, services.tokens);
    const q = parseWith(AuditQuerySchema, queryObject(request), 'query');
    if (q.from !== undefined && q.to !== undefined && q.from >= q.to)
      throw new AppError('validation_failed', 'Invalid query: to must be after from', { errors: [{ field: 'to', message: 'must be after from' }] });
    return ok(await listAuditTrail(services, companyId, { actions: q.action ?? null, actor: q.actor ?? null, target: q.target ?? null, from: q.from ?? null, to: q.to ?? null, limit: q.limit, cursor: q.cursor ?? null }));
  },
});
