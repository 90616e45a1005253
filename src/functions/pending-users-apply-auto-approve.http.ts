import { defineHttpFunction } from '../app/function-registry';
import { contextLogger } from '../app/logger';
import { authorizeCompany } from '../http/authorize';
import { readJsonBody } from '../http/request';
import { ok } from '../http/responses';
import { applyAutoApprove, previewAutoApprove } from '../use-cases/pending-users';
import { ApplyAutoApproveBodySchema } from './pending-users.schemas';

/**
 * A changed auto-approve rule only decides new users; this applies it to those already waiting,
 * explicitly: `{ "dryRun": true }` counts (`{ wouldApprove, sample }`), `{}` approves them.
 */
export const pendingUsersApplyAutoApprove = defineHttpFunction({
  name: 'pending-users-apply-auto-approve',
  methods: ['POST'],
  route: 'companies/{companyId}/pending-users/apply-auto-approve',
  handler: async (request, context, services) => {
    const { companyId, principal } = await authorizeCompany(request, services.tokens);
    // A body is required: an empty POST never approves anyone by accident.
    const { dryRun } = await readJsonBody(request, ApplyAutoApproveBodySchema, { maxBytes: 1024 });
    if (dryRun) return ok(await previewAutoApprove(services, companyId));
    const log = contextLogger(context);
    const result = await applyAutoApprove(services, companyId, principal, log);
    log.info('pending.auto_approve_applied', { companyId, mode: result.autoApprove, approved: result.approved.length, failed: result.failed.length });
    return ok(result);
  },
});
