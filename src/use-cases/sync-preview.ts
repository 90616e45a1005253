import { Services } from '../app/services';
import { AppError } from '../domain/app-error';
import { isLive } from '../domain/integration';
import { applySettingsPatch, SettingsPatch } from '../domain/integration-settings';
import { SYNC_JOBS_QUEUE } from '../domain/sync-job';
import { MAX_CHUNK_ITEMS, PreviewCategory, PreviewItem, PreviewProgress } from '../domain/sync-preview';
import { queuedRun, SyncRun } from '../domain/sync-run';
import { MAX_PREVIEW_CHUNKS_PER_CALL } from '../ports/preview-store.port';
import { jobFor } from './enqueue-sync';

/**
 * Dry-run previews from the admin's side: asking for one (with the company's settings or a
 * proposed change to them) and reading what it found, category by category. The worker's part is
 * sync/preview-run.ts.
 */

export interface PreviewRequested {
  runId: string;
  dryRun: true;
  /** The preview judges with settings that differ from the company's. */
  proposedSettings: boolean;
}

/**
 * Queues a preview on the company's session (after any sync before it). A preview is never
 * coalesced with a sync or another preview, and does not become the company's `lastSync`.
 */
export async function requestPreview(
  services: Pick<Services, 'integrations' | 'clock' | 'ids' | 'syncRuns' | 'queue'>,
  input: { companyId: string; settings?: SettingsPatch | undefined },
): Promise<PreviewRequested> {
  const integration = (await services.integrations.get(input.companyId))?.value;
  if (!integration || !isLive(integration) || !integration.connectionId)
    throw new AppError('not_connected', `Company ${input.companyId} has no connected Entra ID integration.`);
  const settings = input.settings ? applySettingsPatch(integration.settings, input.settings) : integration.settings;
  const proposed = JSON.stringify(settings) !== JSON.stringify(integration.settings);
  const preview: PreviewProgress = {
    settings,
    proposed,
    phase: 'pages',
    nextLink: null,
    index: 0,
    sweepCursor: null,
    deactivations: 0,
    merged: 0,
    wouldHold: false,
  };
  const nowIso = services.clock.now().toISOString();
  const base = queuedRun({
    runId: services.ids.uuid(),
    companyId: integration.companyId,
    connectionId: integration.connectionId,
    trigger: 'manual',
    mode: 'full',
    nowIso,
  });
  const run: SyncRun = { ...base, dryRun: true, preview };
  await services.syncRuns.create(run);
  await services.queue.send(SYNC_JOBS_QUEUE, {
    messageId: run.runId,
    sessionId: run.companyId,
    body: { ...jobFor(run), dryRun: true },
    subject: 'sync:preview',
  });
  return { runId: run.runId, dryRun: true, proposedSettings: proposed };
}

export interface PreviewListPage {
  runId: string;
  category: PreviewCategory;
  items: PreviewItem[];
  nextCursor: string | null;
}

/** Where a list continues: a chunk and a position in it (opaque to clients). */
interface ListPosition {
  index: number;
  offset: number;
}

/** One page of a finished preview's list. 404: no such run; 409 not_a_preview / preview_not_ready. */
export async function previewList(
  services: Pick<Services, 'syncRuns' | 'previews'>,
  input: { companyId: string; runId: string; category: PreviewCategory; cursor: string | null; limit: number },
): Promise<PreviewListPage> {
  const run = await services.syncRuns.get(input.companyId, input.runId);
  if (!run) throw new AppError('not_found', 'No such sync run.');
  if (!run.dryRun) throw new AppError('not_a_preview', 'This run is a sync, not a preview: it has no preview lists.');
  if (run.status !== 'succeeded')
    throw new AppError(
      'preview_not_ready',
      run.status === 'failed' ? 'The preview failed; start another one.' : 'The preview is still running; its lists are ready when it has finished.',
    );
  let position: ListPosition = input.cursor === null ? { index: 0, offset: 0 } : decodePosition(input.cursor);
  const items: PreviewItem[] = [];
  for (;;) {
    const chunks = await services.previews.listChunks(input.companyId, input.runId, input.category, {
      fromIndex: position.index,
      limit: MAX_PREVIEW_CHUNKS_PER_CALL,
    });
    for (const chunk of chunks) {
      const offset = chunk.index === position.index ? position.offset : 0;
      const wanted = input.limit - items.length;
      const taken = chunk.items.slice(offset, offset + wanted);
      items.push(...taken);
      if (items.length >= input.limit) {
        const next = offset + taken.length < chunk.items.length ? { index: chunk.index, offset: offset + taken.length } : { index: chunk.index + 1, offset: 0 };
        return { runId: run.runId, category: input.category, items, nextCursor: encodePosition(next) };
      }
    }
    if (chunks.length < MAX_PREVIEW_CHUNKS_PER_CALL)
      return { runId: run.runId, category: input.category, items, nextCursor: null };
    position = { index: (chunks[chunks.length - 1]?.index ?? position.index) + 1, offset: 0 };
  }
}

function encodePosition(position: ListPosition): string {
  return Buffer.from(`${String(position.index)}.${String(position.offset)}`, 'utf8').toString('base64url');
}

function decodePosition(cursor: string): ListPosition {
  const text = /^[A-Za-z0-9_-]{1,40}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const match = /^(\d{1,9})\.(\d{1,4})$/.exec(text);
  const index = Number(match?.[1]);
  const offset = Number(match?.[2]);
  if (!match || offset > MAX_CHUNK_ITEMS)
    throw new AppError('validation_failed', 'cursor is not valid', { errors: [{ field: 'cursor', message: 'is not valid' }] });
  return { index, offset };
}
