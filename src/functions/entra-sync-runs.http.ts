import { z } from 'zod';
import { defineHttpFunction } from '../app/function-registry';
import { AppError } from '../domain/app-error';
import { SyncRun } from '../domain/sync-run';
import { authorizeCompany } from '../http/authorize';
import { parseWith, queryObject } from '../http/request';
import { ok } from '../http/responses';
import { PreviewCategorySchema } from '../domain/sync-preview';
import { previewList } from '../use-cases/sync-preview';

const ListQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(500).default(50),
    cursor: z.string().min(1).max(12_000).optional(),
  })
  .strict();

const RunIdSchema = z.string().regex(/^[A-Za-z0-9-]{1,64}$/);

export function runView(run: SyncRun) {
  return {
    runId: run.runId,
    trigger: run.trigger,
    mode: run.mode,
    status: run.status,
    queuedAt: run.queuedAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    durationMs: run.durationMs,
    pages: run.pages,
    invocations: run.invocations,
    counts: run.counts,
    error: run.error,
    dryRun: run.dryRun,
    preview: run.preview
      ? {
          merged: run.preview.merged,
          wouldHold: run.preview.wouldHold,
          proposedSettings: run.preview.proposed,
          settings: run.preview.settings,
        }
      : null,
  };
}

/** Run history, newest first. */
export const entraSyncRunsList = defineHttpFunction({
  name: 'entra-sync-runs-list',
  methods: ['GET'],
  route: 'companies/{companyId}/entra/sync-runs',
  handler: async (request, _context, services) => {
    const { companyId } = await authorizeCompany(request, services.tokens);
    const query = parseWith(ListQuerySchema, queryObject(request), 'query');
    const page = await services.syncRuns.list(companyId, { limit: query.limit, cursor: query.cursor ?? null });
    return ok({ items: page.items.map(runView), nextCursor: page.nextCursor });
  },
});

export const entraSyncRunGet = defineHttpFunction({
  name: 'entra-sync-run-get',
  methods: ['GET'],
  route: 'companies/{companyId}/entra/sync-runs/{runId}',
  handler: async (request, _context, services) => {
    const { companyId } = await authorizeCompany(request, services.tokens);
    const runId = RunIdSchema.safeParse(request.params.runId);
    if (!runId.success) throw new AppError('not_found', 'No such sync run.');
    const run = await services.syncRuns.get(companyId, runId.data);
    if (!run) throw new AppError('not_found', 'No such sync run.');
    return ok(runView(run));
  },
});

const PreviewQuerySchema = z
  .object({
    category: PreviewCategorySchema,
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    cursor: z.string().min(1).max(64).optional(),
  })
  .strict();

/** The users behind a finished preview's counts, one category at a time. */
export const entraSyncRunPreview = defineHttpFunction({
  name: 'entra-sync-run-preview',
  methods: ['GET'],
  route: 'companies/{companyId}/entra/sync-runs/{runId}/preview',
  handler: async (request, _context, services) => {
    const { companyId } = await authorizeCompany(request, services.tokens);
    const runId = RunIdSchema.safeParse(request.params.runId);
    if (!runId.success) throw new AppError('not_found', 'No such sync run.');
    const query = parseWith(PreviewQuerySchema, queryObject(request), 'query');
    const page = await previewList(services, {
      companyId,
      runId: runId.data,
      category: query.category,
      cursor: query.cursor ?? null,
      limit: query.limit,
    });
    return ok(page);
  },
});
