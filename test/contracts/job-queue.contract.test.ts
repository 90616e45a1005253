import { ServiceBusJobQueue } from '../../src/adapters/service-bus/service-bus-job-queue';
import { InProcessBroker } from '../../src/local/queue/in-process-broker';
import { MemoryQueue } from '../support/in-memory-ports';
import { startAmqpServiceBusStandIn } from '../support/amqp-service-bus-standin';
import { jobQueueContract } from './job-queue.contract';

/** One JobQueue contract, three implementations: the test queue, the local stack's broker, and the Service Bus adapter. */

jobQueueContract('in-memory test queue', () => {
  const queue = new MemoryQueue();
  return Promise.resolve({
    queue,
    rules: 'client',
    received: (name) =>
      Promise.resolve(
        queue.on(name).map((m) => ({
          messageId: m.messageId,
          sessionId: m.sessionId,
          subject: m.subject,
          body: m.body,
          scheduledEnqueueTime: m.scheduledEnqueueTime,
        })),
      ),
    close: () => Promise.resolve(),
  });
});

jobQueueContract('in-process broker (npm start)', () => {
  const broker = new InProcessBroker();
  return Promise.resolve({
    queue: broker,
    rules: 'client',
    received: (name) => {
      const { active, scheduled } = broker.peek(name);
      return Promise.resolve(
        [...active, ...scheduled].map((m) => ({
          messageId: m.messageId,
          sessionId: m.sessionId,
          subject: m.subject,
          body: m.body,
          scheduledEnqueueTime: m.scheduledEnqueueTimeUtc,
        })),
      );
    },
    close: () => broker.close(),
  });
});

jobQueueContract('Service Bus adapter (real @azure/service-bus client, AMQP stand-in)', async () => {
  const standIn = await startAmqpServiceBusStandIn();
  const queue = new ServiceBusJobQueue({
    connectionString: standIn.connectionString,
    clientOptions: { retryOptions: { maxRetries: 0, timeoutInMs: 10_000 } },
  });
  return {
    queue,
    rules: 'server',
    received: (name) =>
      Promise.resolve(
        standIn.messages
          .filter((m) => m.address === name)
          .map((m) => ({
            messageId: String(m.messageId),
            sessionId: typeof m.sessionId === 'string' ? m.sessionId : undefined,
            subject: typeof m.subject === 'string' ? m.subject : undefined,
            body: m.body,
            scheduledEnqueueTime: m.scheduledEnqueueTime instanceof Date ? m.scheduledEnqueueTime : undefined,
          })),
      ),
    close: async () => {
      await queue.close();
      await standIn.close();
    },
  };
});
