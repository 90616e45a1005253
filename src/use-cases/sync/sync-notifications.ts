import { Services } from '../../app/services';
import { Logger } from '../../app/logger';
import { Integration } from '../../domain/integration';
import { notificationRecipients } from '../../domain/integration-settings';
import { NotificationMessage } from '../../domain/notification-message';
import { NOTIFICATIONS_QUEUE } from '../../domain/sync-job';
import { SyncRun } from '../../domain/sync-run';
import { SyncRound } from '../../domain/sync-round';

/**
 * The e-mails a finished run may queue: "N new users are waiting for approval" (one per run that
 * found some) and "deactivations held" (one per deletion-guard episode: the run that started the
 * episode sends it, later runs that still hold do not). Message ids are stable, so a redelivered
 * job does not e-mail twice; an e-mail that cannot be queued never fails the sync.
 */
export async function notifyAfterRun(
  services: Pick<Services, 'queue'>,
  integration: Integration,
  finished: {
    run: SyncRun;
    round: SyncRound;
    held: { count: number; activeSynced: number; episodeStartedBy: string | null };
  },
  log: Logger,
): Promise<void> {
  const { run, round, held } = finished;
  const to = notificationRecipients(integration.settings, integration.connectedBy?.email ?? null);
  if (to.length === 0) return;
  const messages: Array<{ id: string; body: NotificationMessage }> = [];
  if (round.counts.newPending > 0) {
    const body: NotificationMessage = {
      kind: 'new-pending-users',
      version: 1,
      companyId: run.companyId,
      to,
      runId: run.runId,
      count: round.counts.newPending,
      sample: round.newPendingSample.slice(0, 5),
    };
    messages.push({ id: `new-pending:${run.runId}`, body });
  }
  if (held.count > 0 && held.episodeStartedBy === run.runId) {
    const body: NotificationMessage = {
      kind: 'deactivations-held',
      version: 1,
      companyId: run.companyId,
      to,
      runId: run.runId,
      held: held.count,
      activeSynced: held.activeSynced,
      thresholdPercent: integration.settings.deletionThresholdPercent,
    };
    messages.push({ id: `held:${run.runId}`, body });
  }
  for (const message of messages) {
    try {
      await services.queue.send(NOTIFICATIONS_QUEUE, {
        messageId: message.id,
        body: message.body,
        subject: message.body.kind,
      });
    } catch (error) {
      log.error('sync.email_not_queued', {
        companyId: run.companyId,
        runId: run.runId,
        kind: message.body.kind,
        error: error instanceof Error ? error.message : 'unknown',
      });
    }
  }
}
