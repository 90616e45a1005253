import { createServer, type AddressInfo } from 'node:net';
import { ServiceBusClient } from '@azure/service-bus';
import { isAppError } from '../../../src/domain/app-error';
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

  it('sends message id, session id, JSON body, content type, subject and scheduled time as given', async () => {
    const scheduled = new Date('2030-05-06T07:08:09.000Z');
    const body = { kind: 'sync', version: 1, companyId: 'c-1', nested: { list: [1, 'two', null] } };
    await queue.send('sync-jobs', { messageId: 'sync:c-1:run-1', sessionId: 'c-1', body, subject: 'sync', scheduledEnqueueTime: scheduled });
    await queue.send('notifications', { messageId: 'mail:welcome:c-1', body: { to: ['a@example.com'] } });

    const [first, second] = await standIn.waitForMessages(2);
    expect(first).toMatchObject({
      address: 'sync-jobs',
      via: 'transfer',
      messageId: 'sync:c-1:run-1',
      sessionId: 'c-1',
      contentType: 'application/json',
      subject: 'sync',
      body,
    });
    expect(first?.scheduledEnqueueTime).toEqual(scheduled);
    expect(second).toMatchObject({ address: 'notifications', messageId: 'mail:welcome:c-1', contentType: 'application/json', body: { to: ['a@example.com'] } });
    expect(second?.sessionId).toBeUndefined();
    expect(second?.scheduledEnqueueTime).toBeUndefined();
    expect(second?.subject).toBeUndefined();
    // The client authenticated each link through the $cbs put-token handshake.
    expect(standIn.tokenAudiences.length).toBeGreaterThanOrEqual(2);
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
    const error: unknown = await queue.send('sync-jobs', { messageId: 'm', sessionId: 'c', body: {} }).catch((e: unknown) => e);
    expect(isAppError(error, 'dependency_unavailable')).toBe(true);
    expect((error as Error).message).toContain('ServiceBusy');
    // The next send goes through on the same client.
    await queue.send('sync-jobs', { messageId: 'm2', sessionId: 'c', body: {} });
    await standIn.waitForMessages(1);
  });

  it('rejects invalid messages before touching the network', async () => {
    const bad: unknown[] = [];
    for (const message of [
      { messageId: 'x'.repeat(129), body: {} },
      { messageId: 'x', sessionId: 's'.repeat(129), body: {} },
      { messageId: 'x', body: { n: 1n } },
      { messageId: 'x', body: 'a'.repeat(256 * 1024 + 1) },
    ]) {
      bad.push(await queue.send('notifications', message).catch((e: unknown) => e));
    }
    expect(bad.every((e) => isAppError(e, 'validation_failed'))).toBe(true);
    expect(standIn.senderLinks).toEqual([]);
  });

  it('refuses to send after close', async () => {
    await queue.close();
    await expect(queue.send('notifications', { messageId: 'x', body: 1 })).rejects.toMatchObject({ code: 'dependency_unavailable' });
  });
});

describe('ServiceBusJobQueue without a reachable namespace', () => {
  it('surfaces connection failures as dependency_unavailable', async () => {
    // Reserve a port, then free it so nothing listens there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => { resolve(); }));

    const queue = new ServiceBusJobQueue({
      connectionString: `Endpoint=sb://127.0.0.1:${port};SharedAccessKeyName=k;SharedAccessKey=dGVzdA==;UseDevelopmentEmulator=true`,
      clientOptions: { retryOptions: { maxRetries: 0, timeoutInMs: 2_000 } },
    });
    try {
      const error: unknown = await queue.send('notifications', { messageId: 'x', body: 1 }).catch((e: unknown) => e);
      expect(isAppError(error, 'dependency_unavailable')).toBe(true);
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
