import { z } from 'zod';
import { defineHttpFunction } from '../app/function-registry';
import { contextLogger } from '../app/logger';
import { AppError } from '../domain/app-error';
import { authorizeCompany } from '../http/authorize';
import { readJsonBody } from '../http/request';
import { ok } from '../http/responses';
import { undoMergeOfUser } from '../use-cases/merge-undo';
import { UserIdSchema } from './users.http';

const UndoBodySchema = z.object({}).strict().optional();

/**
 * Undo a merge (within 30 days): the Symbol user gets back what the merge changed, the directory
 * user returns to pending. 409 `not_merged` or `undo_expired`; undoing again answers the same user.
 */
export const usersMergeUndo = defineHttpFunction({
  name: 'users-merge-undo',
  methods: ['POST'],
  route: 'companies/{companyId}/users/{userId}/merge/undo',
  handler: async (request, context, services) => {
    const { companyId, principal } = await authorizeCompany(request, services.tokens);
    const userId = UserIdSchema.safeParse(request.params.userId);
    if (!userId.success) throw new AppError('not_found', 'No such user in this company.');
    await readJsonBody(request, UndoBodySchema, { optional: true, maxBytes: 1024 });
    return ok(await undoMergeOfUser(services, companyId, userId.data, principal, contextLogger(context)));
  },
});
