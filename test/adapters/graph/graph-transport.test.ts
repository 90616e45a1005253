import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import { RetryAfterHandler } from '../../../src/adapters/graph/graph-transport';
import { TestClock, TestScheduler } from '../../support/test-time';

/**
 * The transport's retry middleware on its own, with a scripted next link: which answers are
 * retried, how long it waits (asked of the scheduler), and the `Retry-Attempt` header Graph
 * expects on a retried request, whatever form the request's headers take.
 */
describe('RetryAfterHandler', () => {
  const options = { maxRetries: 2, delaySeconds: 3, maxRetryAfterSeconds: 60 };

  function chain(statuses: Array<{ status: number; retryAfter?: string }>) {
    const clock = new TestClock(new Date('2026-11-27T10:00:00.000Z'));
    const scheduler = new TestScheduler(clock);
    const handler = new RetryAfterHandler(options, scheduler, clock);
    const seenHeaders: unknown[] = [];
    const next: Middleware = {
      execute: (context: Context) => {
        seenHeaders.push(
          structuredClone(
            context.options?.headers instanceof Headers
              ? Object.fromEntries(context.options.headers)
              : context.options?.headers,
          ),
        );
        const reply = statuses.shift() ?? { status: 200 };
        context.response = new Response(null, {
          status: reply.status,
          headers: reply.retryAfter ? { 'Retry-After': reply.retryAfter } : {},
        });
        return Promise.resolve();
      },
      setNext: () => undefined,
    };
    handler.setNext(next);
    return { handler, waits: scheduler.waits, seenHeaders };
  }

  it.each([
    ['a plain object', { accept: 'application/json' }, { accept: 'application/json', 'Retry-Attempt': '1' }],
    [
      'a Headers instance',
      new Headers({ accept: 'application/json' }),
      { accept: 'application/json', 'retry-attempt': '1' },
    ],
    [
      'a list of pairs',
      [
        ['accept', 'application/json'],
        ['Retry-Attempt', '0'],
      ],
      [
        ['accept', 'application/json'],
        ['Retry-Attempt', '1'],
      ],
    ],
  ])('retries a 429 after its Retry-After, marking the retry (headers as %s)', async (_form, headers, retried) => {
    const { handler, waits, seenHeaders } = chain([{ status: 429, retryAfter: '2' }]);
    const context = { request: 'https://graph/x', options: { headers } } as unknown as Context;
    await handler.execute(context);
    expect(context.response?.status).toBe(200);
    expect(waits).toEqual([2_000]);
    expect(seenHeaders[1]).toEqual(retried);
  });

  it('waits delaySeconds, doubled per retry, when Graph gives no Retry-After; hands back the answer after the last retry', async () => {
    const { handler, waits } = chain([{ status: 503 }, { status: 504 }, { status: 503 }]);
    const context = { request: 'https://graph/x', options: {} } as unknown as Context;
    await handler.execute(context);
    expect(context.response?.status).toBe(503);
    expect(waits).toEqual([3_000, 6_000]);
  });

  it('does not wait for a Retry-After longer than maxRetryAfterSeconds, nor retry what is not 429/503/504', async () => {
    for (const reply of [{ status: 429, retryAfter: '61' }, { status: 500 }, { status: 404 }]) {
      const { handler, waits } = chain([reply]);
      const context = { request: 'https://graph/x' } as unknown as Context;
      await handler.execute(context);
      expect([reply.status, context.response?.status, waits]).toEqual([reply.status, reply.status, []]);
    }
  });
});
