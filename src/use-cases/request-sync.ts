import { Services } from '../app/services';
import { AppError } from '../domain/app-error';
import { isLive } from '../domain/integration';
import { syncUnderway } from '../domain/reconciliation';
import { SyncMode, SyncTrigger } from '../domain/sync-job';
import { queuedRun, SyncRun } from '../domain/sync-run';
import { enqueueSyncRun, lastSyncOf } from './enqueue-sync';
import { updateIntegration } from './integration-updates';

export interface RequestSyncResult {
  runId: string;
  /** True when a run was already queued and this request joined it instead of adding another. */
  coalesced: boolean;
  mode: SyncMode;
}

/**
 * Queues a sync for a connected company. While a run is underway (queued, or already running),
 * further requests join it — a full request upgrades nothing that is already full; a full request
 * while a delta run is underway queues the full one. The integration's etag makes concurrent
 * clicks agree on one run: exactly one request creates it (`coalesced: false`), every other one
 * joins it. Joining a running run matters because the worker may start a run between two clicks.
 * A run underway for longer than UNDERWAY_FOR_MS is presumed lost and no longer joined.
 */
type Decision = { kind: 'not_connected' } | { kind: 'coalesced'; runId: string; mode: SyncMode } | { kind: 'queued'; run: SyncRun };

export async function requestSync(services: Pick<Services, 'integrations' | 'clock' | 'ids' | 'syncRuns' | 'queue'>, input: { companyId: string; full: boolean; trigger: SyncTrigger; releaseHeld?: boolean }): Promise<RequestSyncResult> {
  const { result } = await updateIntegration<Decision>(services, input.companyId, (current, nowIso) => {
    if (!isLive(current) || !current.connectionId) return { next: null, result: { kind: 'not_connected' } };
    const underway = current.lastSync && syncUnderway(current.lastSync, Date.parse(nowIso)) ? current.lastSync : null;
    if (underway && !input.releaseHeld && (underway.mode === 'full' || !input.full)) return { next: null, result: { kind: 'coalesced', runId: underway.runId, mode: underway.mode } };
    const run = queuedRun({ runId: services.ids.uuid(), companyId: current.companyId, connectionId: current.connectionId, trigger: input.trigger, mode: input.full ? 'full' : 'delta', nowIso });
    return { next: { ...current, lastSync: lastSyncOf(run), updatedAt: nowIso }, result: { kind: 'queued', run } };
  });
  if (result.kind === 'not_connected') throw new AppError('not_connected', `Company ${input.companyId} has no connected Entra ID integration.`);
  if (result.kind === 'coalesced') {
    // Re-send the queued run's message: a duplicate if it is on the queue, a repair if it never got there.
    const run: SyncRun | null = await services.syncRuns.get(input.companyId, result.runId);
    if (run?.status === 'queued') await enqueueSyncRun(services, run);
    return { runId: result.runId, coalesced: true, mode: result.mode };
  }
  await enqueueSyncRun(services, result.run, input.releaseHeld ? { releaseHeld: true } : {});
  return { runId: result.run.runId, coalesced: false, mode: result.run.mode };
}
