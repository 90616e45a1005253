import { defineQueueFunction } from '../app/function-registry';
import { contextLogger } from '../app/logger';
import { NOTIFICATIONS_QUEUE } from '../domain/sync-job';
import { sendNotification } from '../use-cases/send-notification';

export const notificationsSend = defineQueueFunction({
  name: 'notifications-send',
  queueName: NOTIFICATIONS_QUEUE,
  sessions: false,
  handle: async (message, metadata, context, services) => {
    await sendNotification(services, message, metadata.messageId, contextLogger(context));
  },
});
