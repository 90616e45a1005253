import { createHash } from 'node:crypto';
import { Services } from '../app/services';
import { coalescingWindow } from '../domain/graph-subscription';
import { SYNC_JOBS_QUEUE, SyncJob, SyncMode, SyncTrigger } from '../domain/sync-job';
import { JobQueue } from '../ports/job-queue.port';

/**
 * Sync jobs that are not asked for by an admin (webhooks, lifecycle events, timers). Their message
 * ids are deterministic, so Service Bus duplicate detection (and the local broker's) turns a burst
 * of identical requests into one job; their run ids are derived from the message id, because a
 * run id must match `^[A-Za-z0-9-]{1,64}$` and message ids carry `:` and company ids `_`. The
 * worker creates the run record itself when a job for an unknown run arrives, so nothing is
 * written to Cosmos on these paths.
 */

export type DerivedRunPrefix = 'wh' | 'rc' | 'rs';

export function derivedRunId(prefix: DerivedRunPrefix, messageId: string): string {
  return `${prefix}-${createHash('sha256').update(messageId).digest('hex').slice(0, 32)}`;
}

export interface DerivedSync {
  companyId: string;
  connectionId: string;
  mode: SyncMode;
  trigger: SyncTrigger;
  messageId: string;
  runPrefix: DerivedRunPrefix;
  scheduledEnqueueTime?: Date;
}

export async function enqueueDerivedSync(services: Pick<Services, 'queue' | 'clock'>, sync: DerivedSync): Promise<{ messageId: string; runId: string }> {
  const runId = derivedRunId(sync.runPrefix, sync.messageId);
  const job: SyncJob = { kind: 'sync', version: 1, companyId: sync.companyId, connectionId: sync.connectionId, runId, mode: sync.mode, trigger: sync.trigger, requestedAt: services.clock.now().toISOString() };
  await services.queue.send(SYNC_JOBS_QUEUE, {
    messageId: sync.messageId,
    sessionId: sync.companyId,
    body: job,
    subject: `sync:${sync.trigger}`,
    ...(sync.scheduledEnqueueTime ? { scheduledEnqueueTime: sync.scheduledEnqueueTime } : {}),
  });
  return { messageId: sync.messageId, runId };
}

/** Per queue client: the window each company's coalesced job was last sent for (bounded). */
const sentWindows = new WeakMap<JobQueue, Map<string, number>>();
const MAX_REMEMBERED = 10_000;

/**
 * One delta sync per company per coalescing window (WEBHOOK_COALESCE_SECONDS), scheduled for the
 * window's end: a thousand notifications in a window are one message (the rest are duplicates),
 * and a notification arriving late in a window is still covered, because the job has not run yet.
 * An instance that already sent a window's job does not send it again (in Azure that saves a
 * Service Bus round trip per request); other instances' repeats are Service Bus duplicates.
 */
export async function enqueueCoalescedSync(services: Pick<Services, 'queue' | 'clock' | 'config'>, target: { companyId: string; connectionId: string }): Promise<{ messageId: string; dueAt: Date; sent: boolean }> {
  const { bucket, dueAt } = coalescingWindow(services.clock.now().getTime(), services.config.webhooks.coalesceSeconds);
  const messageId = `webhook:${target.companyId}:${bucket}`;
  let sent = sentWindows.get(services.queue);
  if (!sent) {
    sent = new Map();
    sentWindows.set(services.queue, sent);
  }
  const key = `${target.companyId}|${target.connectionId}`;
  if (sent.get(key) === bucket) return { messageId, dueAt, sent: false };
  await enqueueDerivedSync(services, { ...target, mode: 'delta', trigger: 'webhook', messageId, runPrefix: 'wh', scheduledEnqueueTime: dueAt });
  sent.delete(key);
  sent.set(key, bucket);
  if (sent.size > MAX_REMEMBERED) {
    const oldest = sent.keys().next().value;
    if (oldest !== undefined) sent.delete(oldest);
  }
  return { messageId, dueAt, sent: true };
}

/**
 * A delta sync whose successful end (re)creates the company's missing subscription: creation
 * happens only in the sync worker, inside the company's session, so two creators never race.
 * At most one per company per hour.
 */
export async function enqueueResubscribeSync(services: Pick<Services, 'queue' | 'clock'>, target: { companyId: string; connectionId: string }): Promise<{ messageId: string; runId: string }> {
  const hour = Math.floor(services.clock.now().getTime() / 3_600_000);
  return enqueueDerivedSync(services, { ...target, mode: 'delta', trigger: 'schedule', messageId: `subscribe:${target.companyId}:${hour}`, runPrefix: 'rs' });
}
