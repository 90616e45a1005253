import { createHash } from 'node:crypto';
import { Services } from '../../app/services';
import { Logger } from '../../app/logger';
import { ErrorCode, isAppError } from '../../domain/app-error';
import { Integration } from '../../domain/integration';
import { failureKind, mayRetry, retryWaitMs } from '../../domain/retry-backoff';
import { SYNC_JOBS_QUEUE, SyncJob } from '../../domain/sync-job';
import { SyncRun } from '../../domain/sync-run';
import { markConsentRevoked } from '../consent-revocation';
import { endRun } from './run-records';

/**
 * What a failed sync invocation does (see domain/retry-backoff.ts for the schedule):
 * - revoked consent: the integration is marked `consent_revoked`, the admins are e-mailed once,
 *   the run fails with that code;
 * - a transient failure: the message completes and a retry of the run is scheduled on the same
 *   session after a growing delay; the run stays `running` and shows the error until then;
 * - a permanent failure, or a transient one after the last retry: the run fails with its code.
 * Only when the retry cannot even be scheduled (the queue is down) does the failure go back to
 * Service Bus (the message is the only copy of the work): it redelivers, and on its last
 * delivery the run is marked failed.
 */

export type FailureServices = Pick<Services, 'syncRuns' | 'integrations' | 'clock' | 'queue' | 'config'>;

export interface DeliveryInfo {
  messageId: string;
  /** 1 on the first delivery. */
  deliveryCount: number;
}

export interface FailedInvocation {
  integration: Integration;
  run: SyncRun;
  job: SyncJob;
  delivery: DeliveryInfo;
  invocationStartedMs: number;
}

export type FailureOutcome = 'failed' | 'retrying';

/** What admins see on the run: a stable code and a message without internal details. */
const SAFE_MESSAGES = {
  consentRevoked: 'The app can no longer read this tenant: admin consent was revoked or the app was removed.',
  willRetry: (at: Date) => `The sync hit a temporary error and will be retried at ${at.toISOString()}.`,
  gaveUp: (retries: number) =>
    `The sync kept hitting temporary errors and was stopped after ${retries} retries; the next sync starts over from the last checkpoint.`,
  permanent: 'The sync failed and was stopped; the next sync starts over from the last checkpoint.',
  redelivery: 'The sync hit an error and will be retried.',
};

export async function handleFailure(
  services: FailureServices,
  failed: FailedInvocation,
  error: unknown,
  log: Logger,
): Promise<FailureOutcome> {
  const code: ErrorCode = isAppError(error) ? error.code : 'internal_error';
  const { run, job } = failed;
  const retriesSoFar = job.retry ?? 0;
  const fields = {
    companyId: run.companyId,
    runId: run.runId,
    code,
    deliveryCount: failed.delivery.deliveryCount,
    retriesSoFar,
  };

  if (code === 'consent_revoked') {
    await markConsentRevoked(services, { companyId: run.companyId, connectionId: run.connectionId }, log, 'sync');
    await endFailed(services, failed, { code, message: SAFE_MESSAGES.consentRevoked });
    log.warn('sync.consent_revoked', fields);
    return 'failed';
  }

  const transient = failureKind(code) === 'transient';
  if (transient && mayRetry(retriesSoFar)) {
    log.warn('sync.failed_transiently', { ...fields, error: describe(error) });
    return scheduleRetry(services, failed, code, error, log);
  }

  log.error('sync.failed', { ...fields, transient, error: describe(error) });
  await endFailed(services, failed, {
    code,
    message: transient ? SAFE_MESSAGES.gaveUp(retriesSoFar) : SAFE_MESSAGES.permanent,
  });
  return 'failed';
}

/** The wait's jitter for this run and retry: the same on every computation (a redelivery schedules the same time). */
export function retryJitter(runId: string, retry: number): number {
  return createHash('sha256').update(`${runId}:${retry}`).digest().readUInt32BE(0) / 2 ** 32;
}

async function scheduleRetry(
  services: FailureServices,
  failed: FailedInvocation,
  code: ErrorCode,
  error: unknown,
  log: Logger,
): Promise<FailureOutcome> {
  const { run, job } = failed;
  const retry = (job.retry ?? 0) + 1;
  // Graph's Retry-After (on throttling it outlasted the client's in-invocation retries) is honoured.
  const retryAfter = isAppError(error) ? error.meta.retryAfterSeconds : undefined;
  const waitMs = retryWaitMs(retry, retryJitter(run.runId, retry), typeof retryAfter === 'number' ? retryAfter : null);
  const at = new Date(services.clock.now().getTime() + waitMs);
  try {
    await services.syncRuns.update({ ...run, error: { code, message: SAFE_MESSAGES.willRetry(at) } });
    // The message id names the retry: a redelivered failing message schedules the same retry once.
    await services.queue.send(SYNC_JOBS_QUEUE, {
      messageId: `${run.runId}:retry:${retry}`,
      sessionId: run.companyId,
      body: { ...job, retry },
      scheduledEnqueueTime: at,
      subject: 'sync:retry',
    });
  } catch (scheduleError) {
    log.error('sync.retry_not_scheduled', {
      companyId: run.companyId,
      runId: run.runId,
      retry,
      error: describe(scheduleError),
    });
    return backToTheQueue(services, failed, code, error, log);
  }
  log.info('sync.retry_scheduled', { companyId: run.companyId, runId: run.runId, retry, at: at.toISOString(), code });
  return 'retrying';
}

/** Hands the failure back to Service Bus (by throwing): it redelivers, then dead-letters after its max delivery count. */
async function backToTheQueue(
  services: FailureServices,
  failed: FailedInvocation,
  code: ErrorCode,
  error: unknown,
  log: Logger,
): Promise<never> {
  const lastDelivery = failed.delivery.deliveryCount >= services.config.sync.maxDeliveryCount;
  try {
    if (lastDelivery) {
      await endFailed(services, failed, { code, message: SAFE_MESSAGES.permanent });
      // The run ends here (Service Bus dead-letters the message): say so, as every ending does.
      log.error('sync.failed', {
        companyId: failed.run.companyId,
        runId: failed.run.runId,
        code,
        deliveryCount: failed.delivery.deliveryCount,
        lastDelivery: true,
      });
    } else await services.syncRuns.update({ ...failed.run, error: { code, message: SAFE_MESSAGES.redelivery } });
  } catch (recordError) {
    log.error('sync.failure_not_recorded', {
      companyId: failed.run.companyId,
      runId: failed.run.runId,
      error: describe(recordError),
    });
  }
  throw error;
}

async function endFailed(
  services: FailureServices,
  failed: FailedInvocation,
  error: { code: string; message: string },
): Promise<void> {
  await endRun(services, failed.integration, failed.run, {
    status: 'failed',
    error,
    invocationStartedMs: failed.invocationStartedMs,
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : 'unknown';
}
