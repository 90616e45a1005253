import { isAppError } from '../../src/domain/app-error';
import { JobQueue, OutboundMessage, QueueName } from '../../src/ports/job-queue.port';

/** What a message looks like once it reached the queue, whatever the implementation. */
export interface QueuedView {
  messageId: string;
  sessionId: string | undefined;
  subject: string | undefined;
  body: unknown;
  scheduledEnqueueTime: Date | undefined;
}

export interface QueueTarget {
  queue: JobQueue;
  /** What reached the queue so far, in send order. */
  received(queue: QueueName): Promise<QueuedView[]>;
  /**
   * Where the queue's own rules are applied. `client`: the implementation refuses a message
   * without a session id for the session-enabled `sync-jobs` queue, and drops a second message
   * with the same id. `server`: the adapter passes both on and the Service Bus namespace applies
   * them (the queue is created with sessions and duplicate detection, see infra/) — the AMQP
   * stand-in the adapter talks to in tests does not reproduce the namespace.
   */
  rules: 'client' | 'server';
  close(): Promise<void>;
}

/** The JobQueue port's behaviour, once, for every implementation. */
export function jobQueueContract(implementation: string, open: () => Promise<QueueTarget>): void {
  describe(`JobQueue contract — ${implementation}`, () => {
    let target: QueueTarget;
    beforeEach(async () => {
      target = await open();
    });
    afterEach(async () => {
      await target.close();
    });

    const refused = async (queue: QueueName, message: OutboundMessage): Promise<boolean> => {
      try {
        await target.queue.send(queue, message);
        return false;
      } catch (error) {
        if (isAppError(error, 'validation_failed')) return true;
        throw error;
      }
    };

    it('delivers what was sent: id, session, JSON body, subject and scheduled time', async () => {
      const scheduled = new Date('2030-05-06T07:08:09.000Z');
      const body = { kind: 'sync', version: 1, companyId: 'c-1', nested: { list: [1, 'two', null] } };
      await target.queue.send('sync-jobs', {
        messageId: 'sync:c-1:run-1',
        sessionId: 'c-1',
        body,
        subject: 'sync:manual',
        scheduledEnqueueTime: scheduled,
      });
      await target.queue.send('notifications', { messageId: 'mail:c-1', body: { to: ['a@example.com'] } });
      expect(await target.received('sync-jobs')).toEqual([
        {
          messageId: 'sync:c-1:run-1',
          sessionId: 'c-1',
          subject: 'sync:manual',
          body,
          scheduledEnqueueTime: scheduled,
        },
      ]);
      expect(await target.received('notifications')).toEqual([
        {
          messageId: 'mail:c-1',
          sessionId: undefined,
          subject: undefined,
          body: { to: ['a@example.com'] },
          scheduledEnqueueTime: undefined,
        },
      ]);
    });

    it('takes the body as it was when sent (a later change to the object does not travel)', async () => {
      const body = { count: 1 };
      await target.queue.send('notifications', { messageId: 'm-1', body });
      body.count = 2;
      expect((await target.received('notifications')).map((m) => m.body)).toEqual([{ count: 1 }]);
    });

    it.each([
      ['an empty message id', { messageId: '', body: {} }],
      ['a message id over 128 characters', { messageId: 'x'.repeat(129), body: {} }],
      ['a session id over 128 characters', { messageId: 'x', sessionId: 's'.repeat(129), body: {} }],
      ['a body that is not JSON', { messageId: 'x', body: { n: 1n } }],
      ['a body over 256 KB as JSON', { messageId: 'x', body: 'a'.repeat(256 * 1024 + 1) }],
    ])('refuses %s with validation_failed, sending nothing', async (_what, message: OutboundMessage) => {
      expect(await refused('notifications', message)).toBe(true);
      expect(await target.received('notifications')).toEqual([]);
    });

    it('(divergence) a sync-jobs message needs a session id: refused by the client, or passed to the namespace that refuses it', async () => {
      const wasRefused = await refused('sync-jobs', { messageId: 'no-session', body: {} });
      expect(wasRefused).toBe(target.rules === 'client');
      expect((await target.received('sync-jobs')).length).toBe(target.rules === 'client' ? 0 : 1);
    });

    it('(divergence) duplicate detection: a second message with the same id is dropped by the client, or left to the namespace', async () => {
      await target.queue.send('sync-jobs', { messageId: 'webhook:c-1:42', sessionId: 'c-1', body: { n: 1 } });
      await target.queue.send('sync-jobs', { messageId: 'webhook:c-1:42', sessionId: 'c-1', body: { n: 2 } });
      const bodies = (await target.received('sync-jobs')).map((m) => m.body);
      expect(bodies).toEqual(target.rules === 'client' ? [{ n: 1 }] : [{ n: 1 }, { n: 2 }]);
    });
  });
}
