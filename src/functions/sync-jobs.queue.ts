import { defineQueueFunction } from '../app/function-registry';
import { contextLogger } from '../app/logger';
import { SYNC_JOBS_QUEUE } from '../domain/sync-job';
import { runSync } from '../use-cases/run-sync';

/** The sync worker: `sync-jobs`, sessions on (session = company), so a company's runs never overlap. */
export const syncJobs = defineQueueFunction({
  name: 'sync-jobs',
  queueName: SYNC_JOBS_QUEUE,
  sessions: true,
  handle: async (message, metadata, context, services) => {
    await runSync(
      services,
      message,
      { messageId: metadata.messageId, deliveryCount: metadata.deliveryCount },
      contextLogger(context),
    );
  },
});
