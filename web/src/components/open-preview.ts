import { type ApiClient, companyPath } from '../api/client';
import { PreviewRequestedSchema } from '../api/schemas';
import { paths } from '../logic/routes';
import { navigate } from './router';

/**
 * Starts a preview (a dry run: the directory read, nothing written) and opens its page, where it
 * is followed. `settings`: a change to the company's settings to judge with (the PATCH shape).
 */
export async function openPreview(api: ApiClient, companyId: string, settings?: Record<string, unknown>): Promise<void> {
  const { runId } = await api.post(companyPath(companyId, 'entra/sync'), settings === undefined ? { dryRun: true } : { dryRun: true, settings }, PreviewRequestedSchema);
  navigate(paths.preview(companyId, runId));
}
