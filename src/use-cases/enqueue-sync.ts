import { Services } from '../app/services';
import { LastSync } from '../domain/integration';
import { SYNC_JOBS_QUEUE, SyncJob } from '../domain/sync-job';
import { SyncRun } from '../domain/sync-run';

export function lastSyncOf(run: SyncRun): LastSync {
  return { runId: run.runId, status: run.status, trigger: run.trigger, mode: run.mode, queuedAt: run.queuedAt, finishedAt: run.finishedAt };
}

export function jobFor(run: SyncRun): SyncJob {
  return { kind: 'sync', version: 1, companyId: run.companyId, connectionId: run.connectionId, runId: run.runId, mode: run.mode, trigger: run.trigger, requestedAt: run.queuedAt };
}

/**
 * Records the run (idempotent on runId) and puts its job on `sync-jobs`, in the company's
 * session, with the run id as message id: sending the same run twice is a Service Bus duplicate.
 */
export async function enqueueSyncRun(services: Pick<Services, 'syncRuns' | 'queue'>, run: SyncRun, extra: Pick<SyncJob, 'releaseHeld'> = {}): Promise<void> {
  await services.syncRuns.create(run);
  await services.queue.send(SYNC_JOBS_QUEUE, { messageId: run.runId, sessionId: run.companyId, body: { ...jobFor(run), ...extra }, subject: `sync:${run.mode}` });
}
