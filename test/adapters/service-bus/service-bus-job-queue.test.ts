import { ServiceBusClient } from '@azure/service-bus';
import { freePort } from '../../../src/local/free-port';
import { rejection } from '../../support/app-errors';
import { ServiceBusJobQueue, toServiceBusMessage } from '../../../src/adapters/service-bus/service-bus-job-queue';
import { startAmqpServiceBusStandIn, type AmqpServiceBusStandIn } from '../../support/amqp-service-bus-standin';

const fastRetries = { retryOptions: { maxRetries: 0, timeoutInMs: 3_000 } };

describe('ServiceBusJobQueue against an AMQP stand-in', () => {
  let standIn: AmqpServiceBusStandIn;
  let queue: ServiceBusJobQueue;

  beforeEach(async () => {
    standIn = await startAmqpServiceBusStandIn();
    queue = new ServiceBusJobQueue({ connectionString: standIn.connectionString, clientOptions: fastRetries });
  });

  afterEach(async () => {
    await queue.close();
    await standIn.close();
  });

  // What reaches the queue (ids, session, body, subject, scheduled time, validation) is the JobQueue
  // contract (test/contracts/job-queue.contract.test.ts); here: the AMQP side only.
  it('sends JSON with its content type, scheduled messages in one transfer, after the $cbs token handshake', async () => {
    const scheduled = new Date('2030-05-06T07:08:09.000Z');
    await queue.send('sync-jobs', { messageId: 'sync:c-1:run-1', sessionId: 'c-1', body: { n: 1 }, scheduledEnqueueTime: scheduled });
    const [first] = await standIn.waitForMessages(1);
    expect(first).toMatchObject({ address: 'sync-jobs', via: 'transfer', contentType: 'application/json' });
    // The client authenticated the link through the $cbs put-token handshake.
    expect(standIn.tokenAudiences.length).toBeGreaterThanOrEqual(1);
  });

  it('caches one sender link per queue', async () => {
    for (let i = 0; i < 3; i += 1) await queue.send('sync-jobs', { messageId: `m${i}`, sessionId: 'c-1', body: i });
    await queue.send('notifications', { messageId: 'n', body: 'x' });
    await standIn.waitForMessages(4);
    const queueLinks = standIn.senderLinks.filter((address) => !address.startsWith('$'));
    expect(queueLinks).toEqual(['sync-jobs', 'notifications']);
  });

  it('maps a rejected transfer to dependency_unavailable', async () => {
    standIn.failNextSends(1, 'com.microsoft:server-busy', 'busy');
    const error = await rejection(queue.send('sync-jobs', { messageId: 'm', sessionId: 'c', body: {} }));
    expect(error.code).toBe('dependency_unavailable');
    expect(error.message).toContain('ServiceBusy');
    // The next send goes through on the same client.
    await queue.send('sync-jobs', { messageId: 'm2', sessionId: 'c', body: {} });
    await standIn.waitForMessages(1);
  });

  it('rejects invalid messages before touching the network', async () => {
    expect((await rejection(queue.send('notifications', { messageId: 'x'.repeat(129), body: {} }))).code).toBe('validation_failed');
    expect((await rejection(queue.send('notifications', { messageId: 'x', body: { n: 1n } }))).code).toBe('validation_failed');
    expect(standIn.senderLinks).toEqual([]);
  });

  it('refuses to send after close', async () => {
    await queue.close();
    await expect(queue.send('notifications', { messageId: 'x', body: 1 })).rejects.toMatchObject({ code: 'dependency_unavailable' });
  });
});

describe('ServiceBusJobQueue without a reachable namespace', () => {
  it('surfaces connection failures as dependency_unavailable', async () => {
    const port = await freePort();

    const queue = new ServiceBusJobQueue({
      connectionString: `Endpoint=sb://127.0.0.1:${port};SharedAccessKeyName=k;SharedAccessKey=dGVzdA==;UseDevelopmentEmulator=true`,
      clientOptions: { retryOptions: { maxRetries: 0, timeoutInMs: 2_000 } },
    });
    try {
      expect((await rejection(queue.send('notifications', { messageId: 'x', body: 1 }))).code).toBe('dependency_unavailable');
    } finally {
      await queue.close();
    }
  });
});

describe('toServiceBusMessage', () => {
  it('maps the port message onto the SDK message', () => {
    const at = new Date('2030-01-01T00:00:00Z');
    expect(toServiceBusMessage('sync-jobs', { messageId: 'm', sessionId: 's', body: { a: 1 }, subject: 'sync', scheduledEnqueueTime: at })).toEqual({
      messageId: 'm',
      sessionId: 's',
      body: { a: 1 },
      contentType: 'application/json',
      subject: 'sync',
      scheduledEnqueueTimeUtc: at,
    });
    expect(toServiceBusMessage('notifications', { messageId: 'm', body: null })).toEqual({ messageId: 'm', body: null, contentType: 'application/json' });
  });
});

describe('AMQP stand-in', () => {
  it('also answers the $management schedule-message request used by ServiceBusSender.scheduleMessages', async () => {
    const standIn = await startAmqpServiceBusStandIn();
    const client = new ServiceBusClient(standIn.connectionString, fastRetries);
    try {
      const sender = client.createSender('sync-jobs');
      const at = new Date('2031-01-01T00:00:00.000Z');
      const sequenceNumbers = await sender.scheduleMessages({ messageId: 'later', sessionId: 'c-9', body: { x: 1 }, contentType: 'application/json' }, at);
      expect(sequenceNumbers.map((n) => n.toNumber())).toEqual([1]);
      const [recorded] = await standIn.waitForMessages(1);
      expect(recorded).toMatchObject({ address: 'sync-jobs', via: 'scheduled', messageId: 'later', sessionId: 'c-9', body: { x: 1 }, contentType: 'application/json' });
      expect(recorded?.scheduledEnqueueTime).toEqual(at);
    } finally {
      await client.close();
      await standIn.close();
    }
  });
});
