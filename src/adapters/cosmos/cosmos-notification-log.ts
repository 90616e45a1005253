import { Container, Database } from '@azure/cosmos';
import { createHash } from 'node:crypto';
import { NotificationLog } from '../../ports/notification-log.port';
import { isCosmosStatus, mapCosmosError } from './cosmos-documents';
import { NOTIFICATION_LOG_CONTAINER, NOTIFICATION_LOG_TTL_SECONDS } from './cosmos-schema';

/** Message ids may hold characters Cosmos ids cannot: the document id is a hash of it. */
function documentId(messageId: string): string {
  return createHash('sha256').update(messageId).digest('base64url');
}

export class CosmosNotificationLog implements NotificationLog {
  private readonly container: Container;

  constructor(database: Database) {
    this.container = database.container(NOTIFICATION_LOG_CONTAINER);
  }

  async wasSent(companyId: string, messageId: string): Promise<boolean> {
    try {
      const response = await this.container.item(documentId(messageId), companyId).read();
      return response.statusCode !== 404 && response.resource !== undefined;
    } catch (error) {
      if (isCosmosStatus(error, 404)) return false;
      return mapCosmosError(error, 'read notification log');
    }
  }

  async markSent(companyId: string, messageId: string, sentAtIso: string): Promise<void> {
    try {
      await this.container.items.upsert({
        id: documentId(messageId),
        companyId,
        sentAt: sentAtIso,
        ttl: NOTIFICATION_LOG_TTL_SECONDS,
      });
    } catch (error) {
      mapCosmosError(error, 'write notification log');
    }
  }
}
