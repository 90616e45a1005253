import { NotificationLog } from '../../src/ports/notification-log.port';
import { NOW, uniqueCompany } from '../support/store-fixtures';

/**
 * The NotificationLog port's behaviour, once, for every implementation. Not modelled by the fake:
 * Cosmos forgets an entry after 14 days (per-item TTL), long after any redelivery of its message.
 */
export function notificationLogContract(implementation: string, log: () => NotificationLog): void {
  describe(`NotificationLog contract — ${implementation}`, () => {
    it('remembers a sent message per company; marking it twice is harmless', async () => {
      const [company, other] = [uniqueCompany(), uniqueCompany()];
      await expect(log().wasSent(company, 'new-pending:run-1')).resolves.toBe(false);
      await log().markSent(company, 'new-pending:run-1', NOW);
      await log().markSent(company, 'new-pending:run-1', NOW);
      await expect(log().wasSent(company, 'new-pending:run-1')).resolves.toBe(true);
      await expect(log().wasSent(company, 'new-pending:run-2')).resolves.toBe(false);
      await expect(log().wasSent(other, 'new-pending:run-1')).resolves.toBe(false);
    });

    it('takes message ids with characters a document id could not hold', async () => {
      const company = uniqueCompany();
      await log().markSent(company, 'consent-revoked:conn/1:2026-11-27T10:00:00.000Z?#', NOW);
      await expect(log().wasSent(company, 'consent-revoked:conn/1:2026-11-27T10:00:00.000Z?#')).resolves.toBe(true);
    });
  });
}
