import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { notificationsSend } from '../../src/functions/notifications-send.queue';
import { OutboxMailer } from '../../src/adapters/mail/outbox-mailer';
import { rejection } from '../support/app-errors';
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

  it('a redelivered message is not e-mailed again, even through a mailer that cannot tell', async () => {
    const h = await createTestHarness();
    const sent: string[] = [];
    const services = { ...h.services, mailer: { send: (m: { subject: string }) => { sent.push(m.subject); return Promise.resolve(); } } };
    await notificationsSend.handle(message, { messageId: 'connected:c1:r2', sessionId: undefined, deliveryCount: 1 }, context(), services);
    await notificationsSend.handle(message, { messageId: 'connected:c1:r2', sessionId: undefined, deliveryCount: 2 }, context(), services);
    expect(sent).toEqual(['Microsoft Entra ID is connected']);
  });

  it('renders every kind: new pending users (count, names, link), consent revoked, deactivations held', async () => {
    const h = await createTestHarness();
    const bodies = [
      { kind: 'new-pending-users', version: 1, companyId: 'acme', to: ['a@acme.example'], runId: 'r1', count: 12, sample: ['Ada <Lovelace>', 'Grace Hopper'] },
      { kind: 'consent-revoked', version: 1, companyId: 'acme', to: ['a@acme.example'], tenantId: 't-1', detectedAt: '2026-11-27T10:00:00.000Z' },
      { kind: 'deactivations-held', version: 1, companyId: 'acme', to: ['a@acme.example'], runId: 'r1', held: 40, activeSynced: 100, thresholdPercent: 20 },
    ];
    for (const [i, body] of bodies.entries()) await notificationsSend.handle(body, { messageId: `m-${i}`, sessionId: undefined, deliveryCount: 1 }, context(), h.services);
    const [pending, revoked, held] = h.mailer.sent;
    expect(pending?.subject).toBe('12 new users are waiting for approval');
    expect(pending?.text).toContain('Ada <Lovelace>, Grace Hopper and 10 more');
    expect(pending?.html).toContain('Ada &lt;Lovelace&gt;');
    expect(pending?.html).not.toContain('<Lovelace>');
    expect(pending?.text).toContain('https://admin.test.example/companies/acme/users/pending');
    expect(revoked?.subject).toBe('Entra ID sync stopped: access was revoked');
    expect(held?.subject).toBe('Entra ID sync held 40 deactivations for review');
    expect(held?.text).toContain('40 of 100');
  });

  it.each([
    ['an unknown kind', { ...message, kind: 'party-invitation' }],
    ['no recipients', { ...message, to: [] }],
    ['a bad address', { ...message, to: ['nope'] }],
    ['an extra field', { ...message, extra: 1 }],
    ['not an object', 'hello'],
  ])('rejects %s without sending anything', async (_name, body) => {
    const h = await createTestHarness();
    const error = await rejection(notificationsSend.handle(body, { messageId: 'x', sessionId: undefined, deliveryCount: 1 }, context(), h.services));
    expect(error.code).toBe('validation_failed');
    expect(h.mailer.sent).toHaveLength(0);
  });
});
