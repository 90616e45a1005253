import { NewSubscription, SubscriptionClient } from '../../src/ports/subscription-client.port';
import { rejection } from '../support/app-errors';

export interface SubscriptionClientTarget {
  client: SubscriptionClient;
  tenantId: string;
  /** A notification URL under `path` that answers Graph's validation handshake. */
  notificationUrl(path: string): string;
  revokeConsent(): void;
  grantConsent(): void;
}

const MINUTE = 60_000;

/**
 * The SubscriptionClient port's behaviour (Graph `/subscriptions` for one tenant), once, for every
 * implementation: the in-memory fake the handler tests use, and the Graph adapter against the
 * simulated tenant. Not modelled by the fake: Graph's validation handshake with the notification
 * URL (the fake never calls it; the adapter's test against an unreachable URL covers it).
 */
export function subscriptionClientContract(implementation: string, target: () => SubscriptionClientTarget): void {
  describe(`SubscriptionClient contract — ${implementation}`, () => {
    let t: SubscriptionClientTarget;
    let path = 0;
    beforeEach(() => {
      t = target();
    });
    const inMinutes = (minutes: number) => new Date(Date.now() + minutes * MINUTE).toISOString();
    const subscription = (overrides: Partial<NewSubscription> = {}): NewSubscription => {
      path++;
      return {
        resource: '/users',
        changeType: 'updated,deleted',
        notificationUrl: t.notificationUrl(`/contract-${path}/notifications`),
        lifecycleNotificationUrl: t.notificationUrl(`/contract-${path}/lifecycle`),
        clientState: 'a-secret-client-state',
        expirationDateTime: inMinutes(60),
        ...overrides,
      };
    };

    it('creates a subscription that get and list then show (never with its clientState)', async () => {
      const asked = subscription();
      const created = await t.client.create(t.tenantId, asked);
      expect(created).toEqual({
        id: expect.any(String) as unknown,
        resource: asked.resource,
        changeType: asked.changeType,
        notificationUrl: asked.notificationUrl,
        lifecycleNotificationUrl: asked.lifecycleNotificationUrl,
        expirationDateTime: asked.expirationDateTime,
      });
      await expect(t.client.get(t.tenantId, created.id)).resolves.toEqual(created);
      expect((await t.client.list(t.tenantId)).filter((s) => s.id === created.id)).toEqual([created]);
    });

    it('refuses a second subscription like an existing one with conflict', async () => {
      const asked = subscription();
      await t.client.create(t.tenantId, asked);
      expect((await rejection(t.client.create(t.tenantId, asked))).code).toBe('conflict');
    });

    it('renews: a new expiration; reauthorize answers; delete removes it', async () => {
      const created = await t.client.create(t.tenantId, subscription());
      const later = inMinutes(120);
      await expect(t.client.renew(t.tenantId, created.id, later)).resolves.toMatchObject({
        id: created.id,
        expirationDateTime: later,
      });
      await expect(t.client.get(t.tenantId, created.id)).resolves.toMatchObject({ expirationDateTime: later });
      await expect(t.client.reauthorize(t.tenantId, created.id)).resolves.toBeUndefined();
      await t.client.delete(t.tenantId, created.id);
      await expect(t.client.get(t.tenantId, created.id)).resolves.toBeNull();
    });

    it('a subscription that does not exist: get gives null; renew, reauthorize and delete are not_found', async () => {
      const id = '00000000-0000-4000-8000-00000000dead';
      await expect(t.client.get(t.tenantId, id)).resolves.toBeNull();
      expect((await rejection(t.client.renew(t.tenantId, id, inMinutes(60)))).code).toBe('not_found');
      expect((await rejection(t.client.reauthorize(t.tenantId, id))).code).toBe('not_found');
      expect((await rejection(t.client.delete(t.tenantId, id))).code).toBe('not_found');
    });

    it('(divergence) refuses an expiration in the past or beyond 41,760 minutes, on create and on renew, with subscription_rejected', async () => {
      expect(
        (await rejection(t.client.create(t.tenantId, subscription({ expirationDateTime: inMinutes(-1) })))).code,
      ).toBe('subscription_rejected');
      expect(
        (await rejection(t.client.create(t.tenantId, subscription({ expirationDateTime: inMinutes(41_760 + 5) }))))
          .code,
      ).toBe('subscription_rejected');
      const created = await t.client.create(t.tenantId, subscription());
      expect((await rejection(t.client.renew(t.tenantId, created.id, inMinutes(41_760 + 5)))).code).toBe(
        'subscription_rejected',
      );
      expect((await rejection(t.client.renew(t.tenantId, created.id, inMinutes(-1)))).code).toBe(
        'subscription_rejected',
      );
    });

    it('refuses a clientState over 128 characters with subscription_rejected', async () => {
      expect((await rejection(t.client.create(t.tenantId, subscription({ clientState: 'x'.repeat(129) })))).code).toBe(
        'subscription_rejected',
      );
    });

    it('a tenant whose consent is gone answers every call with consent_revoked', async () => {
      const created = await t.client.create(t.tenantId, subscription());
      t.revokeConsent();
      try {
        expect((await rejection(t.client.renew(t.tenantId, created.id, inMinutes(90)))).code).toBe('consent_revoked');
        expect((await rejection(t.client.list(t.tenantId))).code).toBe('consent_revoked');
      } finally {
        t.grantConsent();
      }
    });
  });
}
