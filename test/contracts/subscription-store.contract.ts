import { SubscriptionStore } from '../../src/ports/subscription-store.port';
import { rejection } from '../support/app-errors';
import { subscriptionRecord } from '../support/store-fixtures';
import { randomUUID } from 'node:crypto';

/** The SubscriptionStore port's behaviour (subscription id → company), once, for every implementation. */
export function subscriptionStoreContract(implementation: string, store: () => SubscriptionStore): void {
  describe(`SubscriptionStore contract — ${implementation}`, () => {
    it('puts, reads, replaces and deletes a record by subscription id', async () => {
      const id = randomUUID();
      await expect(store().get(id)).resolves.toBeNull();
      await store().put(subscriptionRecord(id));
      await expect(store().get(id)).resolves.toEqual(subscriptionRecord(id));
      const renewed = subscriptionRecord(id, {
        expiresAt: '2026-12-30T10:00:00.000Z',
        updatedAt: '2026-11-29T10:00:00.000Z',
      });
      await store().put(renewed);
      await expect(store().get(id)).resolves.toEqual(renewed);
      await store().delete(id);
      await expect(store().get(id)).resolves.toBeNull();
    });

    it('deleting a record that is not there is harmless; an id no store can hold is never found', async () => {
      await expect(store().delete(randomUUID())).resolves.toBeUndefined();
      await expect(store().delete('a/b')).resolves.toBeUndefined();
      await expect(store().get('a/b')).resolves.toBeNull();
    });

    it('refuses to write an invalid record (internal_error)', async () => {
      const id = randomUUID();
      const bad = { ...subscriptionRecord(id), clientStateHash: 'plain-secret' };
      expect((await rejection(store().put(bad))).code).toBe('internal_error');
      await expect(store().get(id)).resolves.toBeNull();
    });
  });
}
