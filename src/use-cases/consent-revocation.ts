import { Services } from '../app/services';
import { Logger } from '../app/logger';
import { notificationRecipients } from '../domain/integration-settings';
import { NotificationMessage } from '../domain/notification-message';
import { NOTIFICATIONS_QUEUE } from '../domain/sync-job';
import { updateIntegration } from './integration-updates';

/**
 * Marks a connection `consent_revoked` and e-mails the admins once — the sync worker's approach,
 * for when Graph's lifecycle events or the renewal timer find out first. Only the transition from
 * `connected` (for the same connection) sends the e-mail, and its message id is the one the worker
 * uses, so whichever path notices first, the admins get one e-mail.
 */
export async function markConsentRevoked(services: Pick<Services, 'integrations' | 'clock' | 'queue'>, target: { companyId: string; connectionId: string }, log: Logger, source: string): Promise<boolean> {
  const { result: transitioned, integration } = await updateIntegration(services, target.companyId, (current, nowIso) => {
    if (current.status !== 'connected' || current.connectionId !== target.connectionId) return { next: null, result: false };
    return { next: { ...current, status: 'consent_revoked', updatedAt: nowIso }, result: true };
  });
  if (!transitioned) return false;
  log.warn('integration.consent_revoked', { companyId: target.companyId, source });
  const to = notificationRecipients(integration.settings, integration.connectedBy?.email ?? null);
  if (to.length === 0 || !integration.tenantId) return true;
  try {
    await services.queue.send(NOTIFICATIONS_QUEUE, {
      messageId: `consent-revoked:${integration.connectionId ?? ''}:${integration.connectedAt ?? ''}`,
      body: { kind: 'consent-revoked', version: 1, companyId: integration.companyId, to, tenantId: integration.tenantId, detectedAt: services.clock.now().toISOString() } satisfies NotificationMessage,
      subject: 'consent-revoked',
    });
  } catch (error) {
    log.error('integration.email_not_queued', { companyId: target.companyId, kind: 'consent-revoked', error: error instanceof Error ? error.message : 'unknown' });
  }
  return true;
}
