import { Services } from '../app/services';
import { Logger } from '../app/logger';
import { AppError } from '../domain/app-error';
import { RenderedEmail } from '../domain/emails/html';
import { renderIntegrationConnectedEmail } from '../domain/emails/integration-connected.email';
import { renderConsentRevokedEmail, renderDeactivationsHeldEmail, renderNewPendingUsersEmail } from '../domain/emails/sync-emails';
import { NotificationMessage, NotificationMessageSchema } from '../domain/notification-message';
import { fieldProblems } from '../domain/field-problems';

/**
 * Renders and sends one `notifications` message. An invalid body can never succeed, so it is
 * reported as a validation failure (the queue retries, then dead-letters it for inspection).
 * The message id is the idempotency key, so a redelivery does not become a second e-mail where
 * the mailer can tell.
 */
export async function sendNotification(services: Pick<Services, 'mailer' | 'config' | 'notificationLog' | 'clock'>, body: unknown, messageId: string, log: Logger): Promise<void> {
  const parsed = NotificationMessageSchema.safeParse(body);
  if (!parsed.success) {
    log.error('notification.invalid', { messageId, problems: fieldProblems(parsed.error).length });
    throw new AppError('validation_failed', 'Invalid notification message.', { errors: fieldProblems(parsed.error) });
  }
  const message = parsed.data;
  if (await services.notificationLog.wasSent(message.companyId, messageId)) {
    log.info('notification.already_sent', { messageId, kind: message.kind, companyId: message.companyId });
    return;
  }
  const email = render(message, services.config.adminUiUrl);
  await services.mailer.send({ to: message.to, ...email, idempotencyKey: messageId });
  await services.notificationLog.markSent(message.companyId, messageId, services.clock.now().toISOString());
  log.info('notification.sent', { messageId, kind: message.kind, companyId: message.companyId, recipients: message.to.length });
}

function render(message: NotificationMessage, adminUiUrl: string): RenderedEmail {
  switch (message.kind) {
    case 'integration-connected':
      return renderIntegrationConnectedEmail(message, adminUiUrl);
    case 'new-pending-users':
      return renderNewPendingUsersEmail(message, adminUiUrl);
    case 'consent-revoked':
      return renderConsentRevokedEmail(message, adminUiUrl);
    case 'deactivations-held':
      return renderDeactivationsHeldEmail(message, adminUiUrl);
  }
}
