import { z } from 'zod';
import { defineHttpFunction } from '../app/function-registry';
import { authorizeCompany } from '../http/authorize';
import { parseWith, queryObject, readJsonBody } from '../http/request';
import { ok } from '../http/responses';
import { AppError } from '../domain/app-error';
import { addSymbolUser, getSymbolUser, listSymbolUsers } from '../use-cases/symbol-users';

const ListQuerySchema = z
  .object({
    status: z.enum(['active', 'inactive']).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    cursor: z.string().min(1).max(12_000).optional(),
  })
  .strict();

const name = z.string().trim().min(1).max(256);

const NewUserSchema = z
  .object({
    email: z.email().max(254),
    givenName: name.optional(),
    surname: name.optional(),
    displayName: name.optional(),
    jobTitle: name.optional(),
    department: name.optional(),
    source: z.enum(['manual', 'csv']).default('manual'),
    customFields: z
      .record(z.string().min(1).max(64), z.string().max(1024))
      .refine((fields) => Object.keys(fields).length <= 50, 'must hold at most 50 fields')
      .optional(),
  })
  .strict();

/** The company's Symbol user list: only active users are billable. */
export const usersList = defineHttpFunction({
  name: 'users-list',
  methods: ['GET'],
  route: 'companies/{companyId}/users',
  handler: async (request, _context, services) => {
    const { companyId } = await authorizeCompany(request, services.tokens);
    const q = parseWith(ListQuerySchema, queryObject(request), 'query');
    return ok(await listSymbolUsers(services, companyId, { status: q.status ?? null, limit: q.limit, cursor: q.cursor ?? null }));
  },
});

export const UserIdSchema = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/);

/** One Symbol user with its merge record (what `POST …/users` answers in `Location`). */
export const usersGet = defineHttpFunction({
  name: 'users-get',
  methods: ['GET'],
  route: 'companies/{companyId}/users/{userId}',
  handler: async (request, _context, services) => {
    const { companyId } = await authorizeCompany(request, services.tokens);
    const userId = UserIdSchema.safeParse(request.params.userId);
    if (!userId.success) throw new AppError('not_found', 'No such user in this company.');
    return ok(await getSymbolUser(services, companyId, userId.data));
  },
});

/** Add a user by hand (as the admin UI or a CSV import does). 409 on a duplicate e-mail. */
export const usersCreate = defineHttpFunction({
  name: 'users-create',
  methods: ['POST'],
  route: 'companies/{companyId}/users',
  handler: async (request, _context, services) => {
    const { companyId } = await authorizeCompany(request, services.tokens);
    const body = await readJsonBody(request, NewUserSchema, { maxBytes: 64 * 1024 });
    const user = await addSymbolUser(services, companyId, body);
    return { status: 201, jsonBody: user, headers: { 'content-type': 'application/json', location: `/api/companies/${encodeURIComponent(companyId)}/users/${encodeURIComponent(user.id)}` } };
  },
});
