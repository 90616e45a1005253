import { z } from 'zod';
import { defineHttpFunction } from '../app/function-registry';
import { AppError } from '../domain/app-error';
import { SettingsPatchSchema } from '../domain/integration-settings';
import { authorizeCompany } from '../http/authorize';
import { readJsonBody } from '../http/request';
import { accepted } from '../http/responses';
import { requestSync } from '../use-cases/request-sync';
import { requestPreview } from '../use-cases/sync-preview';

const SyncNowBodySchema = z
  .object({
    full: z.boolean().optional(),
    /** A preview: the engine's decisions over a full read, no user written. */
    dryRun: z.boolean().optional(),
    /** Only with dryRun: preview a change to the settings (the PATCH …/entra/settings shape). */
    settings: SettingsPatchSchema.optional(),
  })
  .strict()
  .optional();

/** Sync Now (repeated clicks while a run waits join it), or a dry-run preview. 202 with the run to follow. */
export const entraSync = defineHttpFunction({
  name: 'entra-sync',
  methods: ['POST'],
  route: 'companies/{companyId}/entra/sync',
  handler: async (request, _context, services) => {
    const { companyId } = await authorizeCompany(request, services.tokens);
    const body = await readJsonBody(request, SyncNowBodySchema, { optional: true, maxBytes: 32 * 1024 });
    const runUrl = (runId: string) =>
      `/api/companies/${encodeURIComponent(companyId)}/entra/sync-runs/${encodeURIComponent(runId)}`;
    if (body?.settings && body.dryRun !== true)
      throw new AppError('validation_failed', 'settings are only taken with dryRun: true (to change them, PATCH …/entra/settings).', {
        errors: [{ field: 'settings', message: 'only with dryRun: true' }],
      });
    if (body?.dryRun === true) {
      const preview = await requestPreview(services, { companyId, settings: body.settings });
      return accepted(preview, { location: runUrl(preview.runId) });
    }
    const result = await requestSync(services, { companyId, full: body?.full ?? false, trigger: 'manual' });
    return accepted(result, { location: runUrl(result.runId) });
  },
});
