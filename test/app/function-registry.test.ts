import { InvocationContext } from '@azure/functions';
import { queueMessageMetadata } from '../../src/app/function-registry';

/** The Service Bus trigger's metadata as the Functions host hands it to the queue functions. */
describe('queueMessageMetadata', () => {
  const metadataOf = (triggerMetadata: Record<string, unknown>) =>
    queueMessageMetadata(
      new InvocationContext({
        invocationId: 'i',
        functionName: 'sync-jobs',
        triggerMetadata,
        logHandler: () => undefined,
      }).triggerMetadata,
    );

  it('reads the message id, the session id and a numeric delivery count', () => {
    expect(metadataOf({ messageId: 'run-1', sessionId: 'acme', deliveryCount: 3 })).toEqual({
      messageId: 'run-1',
      sessionId: 'acme',
      deliveryCount: 3,
    });
  });

  it.each([
    ['a numeric string', '4', 4],
    ['a numeric string with spaces', ' 7 ', 7],
    ['missing', undefined, 1],
    ['zero', 0, 1],
    ['negative', -2, 1],
    ['a fraction', 1.5, 1],
    ['not a number', 'two', 1],
    ['an object', { value: 2 }, 1],
  ])('deliveryCount %s (%p) → %p', (_what, deliveryCount, expected) => {
    expect(metadataOf({ messageId: 'm', deliveryCount }).deliveryCount).toBe(expected);
  });

  it('falls back to safe values for anything unreadable', () => {
    expect(metadataOf({ messageId: 42, sessionId: ['x'] })).toEqual({
      messageId: '',
      sessionId: undefined,
      deliveryCount: 1,
    });
    expect(queueMessageMetadata(undefined)).toEqual({ messageId: '', sessionId: undefined, deliveryCount: 1 });
    expect(queueMessageMetadata('garbage')).toEqual({ messageId: '', sessionId: undefined, deliveryCount: 1 });
  });
});
