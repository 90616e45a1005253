import { Services } from '../../app/services';
import { Integration } from '../../domain/integration';
import { SyncRun } from '../../domain/sync-run';
import { lastSyncOf } from '../enqueue-sync';
import { updateIntegration } from '../integration-updates';

/** The run record (`sync-runs`) and the integration's pointer to the latest run (`lastSync`). */

export type RunRecordServices = Pick<Services, 'syncRuns' | 'integrations' | 'clock'>;

export type FinalStatus = 'succeeded' | 'failed' | 'held';

/** Ends the run; its duration adds this invocation's time to the earlier ones'. */
export async function finishRun(
  services: Pick<Services, 'syncRuns' | 'clock'>,
  run: SyncRun,
  status: FinalStatus,
  error: SyncRun['error'],
  invocationStartedMs: number,
): Promise<SyncRun> {
  const now = services.clock.now();
  const durationMs = (run.durationMs ?? 0) + Math.max(0, now.getTime() - invocationStartedMs);
  return services.syncRuns.update({ ...run, status, error, finishedAt: now.toISOString(), durationMs });
}

/** Points the integration's `lastSync` at this run, unless it belongs to another connection or a newer run. */
export async function setLastSync(
  services: Pick<Services, 'integrations' | 'clock'>,
  integration: Integration,
  run: SyncRun,
): Promise<void> {
  await updateIntegration(services, integration.companyId, (current, nowIso) => {
    if (current.connectionId !== run.connectionId) return { next: null, result: undefined };
    // Never let an older run overwrite the pointer to a newer one.
    if (current.lastSync && current.lastSync.runId !== run.runId && current.lastSync.queuedAt > run.queuedAt)
      return { next: null, result: undefined };
    const lastSync = lastSyncOf(run);
    if (JSON.stringify(current.lastSync) === JSON.stringify(lastSync)) return { next: null, result: undefined };
    return { next: { ...current, lastSync, updatedAt: nowIso }, result: undefined };
  });
}

/** Finishes the run and updates `lastSync` in one step (what every ending does). */
export async function endRun(
  services: RunRecordServices,
  integration: Integration,
  run: SyncRun,
  ending: { status: FinalStatus; error: SyncRun['error']; invocationStartedMs: number },
): Promise<SyncRun> {
  const finished = await finishRun(services, run, ending.status, ending.error, ending.invocationStartedMs);
  await setLastSync(services, integration, finished);
  return finished;
}
