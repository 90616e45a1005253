import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { notificationsSend } from '../../src/functions/notifications-send.queue';
import { OutboxMailer } from '../../src/adapters/mail/outbox-mailer';
import { isAppError } from '../../src/domain/app-error';
import { context, createTestHarness } from '../support/test-services';

const message = {
  kind: 'integration-connected',
  version: 1,
  companyId: 'acme',
  to: ['admin@acme.example'],
  tenantId: '0f8fad5b-d9cb-469f-a165-70867728950e',
  connectedAt: '2026-11-27T10:00:00.000Z',
};

describe('notifications-send (queue)', () => {
  it('sends one e-mail per message, even when the message is delivered again', async () => {
    const h = await createTestHarness();
    const dir = mkdtempSync(join(tmpdir(), 'outbox-'));
    const services = { ...h.services, mailer: new OutboxMailer({ dir }) };
    await notificationsSend.handle(message, { messageId: 'connected:c1:r1', sessionId: undefined, deliveryCount: 1 }, context(), services);
    await notificationsSend.handle(message, { messageId: 'connected:c1:r1', sessionId: undefined, deliveryCount: 2 }, context(), services);
    expect(readdirSync(dir).filter((f) => f.endsWith('.json'))).toHaveLength(1);
  });

  it.each([
    ['an unknown kind', { ...message, kind: 'party-invitation' }],
    ['no recipients', { ...message, to: [] }],
    ['a bad address', { ...message, to: ['nope'] }],
    ['an extra field', { ...message, extra: 1 }],
    ['not an object', 'hello'],
  ])('rejects %s without sending anything', async (_name, body) => {
    const h = await createTestHarness();
    const error: unknown = await notificationsSend.handle(body, { messageId: 'x', sessionId: undefined, deliveryCount: 1 }, context(), h.services).catch((e: unknown) => e);
    expect(isAppError(error, 'validation_failed')).toBe(true);
    expect(h.mailer.sent).toHaveLength(0);
  });
});
